"""Bridges to the vectorised float64 logarithm and power (``logs.c``).

numpy's float64 ``log`` runs a vector loop only on AVX-512 machines; elsewhere every
value is a libm call (``log10`` twice as slow again).  :func:`log` hands C-contiguous
float64 arrays to ``fg_log_f64``, :func:`power` to ``fg_pow_f64`` (numpy's float64
``power`` is a libm ``pow`` call per value); with ``FEATGRAPH_NATIVE=0`` the numpy
definitions in :mod:`featgraph.native.reference_spectral` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_spectral as reference

__all__ = ["NegativeInput", "log", "power"]


def log(x, scale=1.0, out=None):
    """``scale * ln(x)``, element by element, float64.

    Positive finite values agree with ``np.log`` within about 1 ulp (fdlibm's
    reduction and series, ``fastlog.h``), then one rounding for the product by
    ``scale`` (``1 / ln 10`` gives ``log10`` within a few ulp); zero gives ``-inf``,
    negative values and NaN give NaN, ``inf`` gives ``inf``, as libm does.

    Parameters
    ----------
    x : np.ndarray [shape=(...)], float64
    scale : float, finite
    out : np.ndarray [shape=x.shape], float64, C-contiguous, or None
        May be ``x`` itself (in place); must not otherwise overlap it.

    Returns
    -------
    out : np.ndarray [shape=x.shape], float64

    Raises
    ------
    ValueError
        For another dtype, a mismatched or non-contiguous ``out``, a partial overlap of
        ``out`` and ``x``, or a non-finite ``scale``.

    Examples
    --------
    >>> import numpy as np
    >>> log(np.array([1.0, np.e, 100.0]), scale=1 / np.log(10)).round(6)
    array([0.      , 0.434294, 2.      ])
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise ValueError(f"log: x must be float64, got {x.dtype}")
    scale = float(scale)
    if not np.isfinite(scale):
        raise ValueError(f"log: scale must be finite, got {scale}")
    _pkg._check_out(out, x.shape, np.float64, "log")
    if _pkg.BACKEND == "numpy":
        return reference.log(x, scale, out)
    x, out = _in_out(x, out, "log")
    from . import _lib, _ptr
    status = _lib.fg_log_f64(_ptr(x), x.size, scale, _ptr(out))
    _pkg._raise_for_status(status, "log", None, None)
    return out


class NegativeInput(ValueError):
    """:func:`power` of an array holding a negative value."""


def power(x, exponent, out=None):
    """``x ** exponent``, element by element, float64, for ``x >= 0``.

    Within a few ulp of ``np.power`` (``2^m exp(phi ln 2 + e ln z)`` for ``x = 2^k z``
    and ``e k = m + phi``, ``logs.c``; the tests bound the error by 4 ulp); zero,
    subnormal, infinite and NaN values and results outside the normal range are libm's.

    Parameters
    ----------
    x : np.ndarray [shape=(...)], float64, non-negative (NaN allowed)
    exponent : float in (0, 4]
    out : np.ndarray [shape=x.shape], float64, C-contiguous, or None
        May be ``x`` itself (in place); must not otherwise overlap it.

    Returns
    -------
    out : np.ndarray [shape=x.shape], float64

    Raises
    ------
    NegativeInput
        A ValueError, when ``x`` holds a negative value (its fractional powers are NaN).
    ValueError
        For another dtype, an exponent outside (0, 4], or an ``out`` as :func:`log` rejects.

    Examples
    --------
    >>> import numpy as np
    >>> power(np.array([0.0, 1.0, 8.0, 1e-30]), 1 / 3).round(12)
    array([0.e+00, 1.e+00, 2.e+00, 1.e-10])
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise ValueError(f"power: x must be float64, got {x.dtype}")
    exponent = float(exponent)
    if not 0.0 < exponent <= 4.0:
        raise ValueError(f"power: the exponent must be in (0, 4], got {exponent}")
    _pkg._check_out(out, x.shape, np.float64, "power")
    if _pkg.BACKEND == "numpy":
        if (x < 0).any():
            raise NegativeInput("power: x holds negative values")
        return reference.power(x, exponent, out)
    x, out = _in_out(x, out, "power")
    from . import _lib, _ptr
    status = _lib.fg_pow_f64(_ptr(x), x.size, exponent, _ptr(out))
    if status == _lib.FG_EDOMAIN:
        raise NegativeInput("power: x holds negative values")
    _pkg._raise_for_status(status, "power", None, None)
    return out


def _in_out(x, out, what):
    """``(x C-contiguous, out)``: a new ``out``, or the given one unless it overlaps ``x``
    without being ``x`` itself."""
    x = np.ascontiguousarray(x)
    if out is None:
        return x, np.empty(x.shape)
    if np.may_share_memory(x, out) and not (
            x.__array_interface__["data"][0] == out.__array_interface__["data"][0]):
        raise ValueError(f"{what}: out overlaps x without being x itself")
    return x, out

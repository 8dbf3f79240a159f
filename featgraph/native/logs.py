"""Bridge to the vectorised float64 logarithm (``logs.c``).

numpy's float64 ``log`` runs a vector loop only on AVX-512 machines; elsewhere every
value is a libm call (``log10`` twice as slow again).  :func:`log` hands C-contiguous
float64 arrays to ``fg_log_f64``; with ``FEATGRAPH_NATIVE=0`` the numpy definition in
:mod:`featgraph.native.reference_spectral` runs instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_spectral as reference

__all__ = ["log"]


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
    x = np.ascontiguousarray(x)
    if out is None:
        out = np.empty(x.shape)
    elif np.may_share_memory(x, out) and not (
            x.__array_interface__["data"][0] == out.__array_interface__["data"][0]):
        raise ValueError("log: out overlaps x without being x itself")
    from . import _lib, _ptr
    status = _lib.fg_log_f64(_ptr(x), x.size, scale, _ptr(out))
    _pkg._raise_for_status(status, "log", None, None)
    return out

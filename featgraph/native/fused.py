"""The fused PLP back end: LPC, cepstrum and lifter in one native call.

:func:`lpc_cepstra` runs the C kernel ``fg_lpc_cepstra_f64`` / ``_f32``
(lpc_fused.c) when the native backend is in use, and
:func:`featgraph.native.reference.lpc_cepstra` otherwise.  It is what
:mod:`featgraph.engine.fuse` runs in place of the ops ``lpc``,
``lpc_to_cepstrum`` and ``lifter``.
"""
import numpy as np

from . import BACKEND, reference
from .reference import _as_float_array, _check_levinson_args, _positive_int

__all__ = ["lpc_cepstra"]


def lpc_cepstra(r, order, n_ceps, gain_normalize=False, error_floor=1e-10, lifter=None):
    """Cepstra of the order-``order`` LPC model of each autocorrelation row.

    Per frame: Levinson-Durbin (:func:`featgraph.native.levinson`), then
    ``a / max(err, error_floor)`` if ``gain_normalize``, then the cepstrum of
    ``1 / A(z)`` (:func:`featgraph.native.lpc_to_cepstrum`), then ``c[n] *
    lifter[n]``.

    Parameters
    ----------
    r : np.ndarray [shape=(..., n_lags)], float32 or float64
        Autocorrelation lags along the last axis, finite; ``n_lags > order``.
    order : int >= 1
    n_ceps : int >= 1
        Coefficients out, ``c[0]`` included.
    gain_normalize : bool
    error_floor : float > 0
    lifter : np.ndarray [shape=(n_ceps,)] or None
        Lifter weights (float64), or None for none.

    Returns
    -------
    c : np.ndarray [shape=(..., n_ceps)]
        float32 for float32 input (computed in double, rounded once), else float64.

    Raises
    ------
    ValueError
        Bad sizes, NaN or infinity in the lags read, or a bad ``error_floor``.

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native.fused import lpc_cepstra
    >>> r = 0.9 ** np.arange(3) / (1 - 0.81)
    >>> np.allclose(lpc_cepstra(r, 2, 3), [0.0, 0.9, 0.405])
    True
    """
    r = _as_float_array(r, "autocorrelation r")
    order = _check_levinson_args(r, order)
    n_ceps = _positive_int(n_ceps, "n_ceps")
    w = None if lifter is None else np.ascontiguousarray(lifter, dtype=np.float64)
    if w is not None and w.shape != (n_ceps,):
        raise ValueError(f"lifter must have shape ({n_ceps},), got {w.shape}")
    if BACKEND != "c":
        return reference.lpc_cepstra(r, order, n_ceps, gain_normalize, error_floor, w)
    if not (np.isfinite(error_floor) and error_floor > 0):
        raise ValueError(f"error_floor must be finite and > 0, got {error_floor}")
    from . import _ffi, _lib          # looked up per call: the sanitizer run wraps _lib
    lead, n_lags = r.shape[:-1], r.shape[-1]
    rows = r.reshape(-1, n_lags)
    c = np.empty((rows.shape[0], n_ceps), dtype=r.dtype)
    work = np.empty(2 * (order + 1) + n_ceps)
    f32 = r.dtype == np.float32
    kernel = _lib.fg_lpc_cepstra_f32 if f32 else _lib.fg_lpc_cepstra_f64
    ctype = "float[]" if f32 else "double[]"
    status = kernel(_ffi.from_buffer(ctype, rows), rows.shape[0], n_lags, order,
                    int(bool(gain_normalize)), float(error_floor), n_ceps,
                    _ffi.NULL if w is None else _ffi.from_buffer("double[]", w),
                    _ffi.from_buffer("double[]", work), _ffi.from_buffer(ctype, c))
    if status == _lib.FG_ENONFINITE:
        raise ValueError("autocorrelation r contains NaN or infinity")
    if status != _lib.FG_OK:
        message = _ffi.string(_lib.fg_strerror(status)).decode("ascii")
        raise ValueError(f"featgraph.native: {message} (status {status}) in lpc_cepstra")
    return c.reshape(lead + (n_ceps,))

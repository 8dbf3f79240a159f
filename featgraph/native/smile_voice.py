"""Bridge to the openSMILE-compatible voice kernels (``smile_voice.c``).

Validates arguments, hands C-contiguous buffers to C without copying, and turns
status codes into exceptions.  With ``FEATGRAPH_NATIVE=0`` the definitions in
:mod:`featgraph.native.reference_voice` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_voice as reference

__all__ = ["viterbi_forward"]


def viterbi_forward(f0, lc, w_vv, w_vvd, w_switch, w_uu, started, f_prev, cost, slope):
    """Forward pass of the Viterbi pitch smoother (C kernel); see
    :func:`featgraph.native.reference_voice.viterbi_forward`.

    Parameters
    ----------
    f0, lc : np.ndarray [shape=(frames, states)], 2 <= states <= 64, finite
    w_vv, w_vvd, w_switch, w_uu : float
    started : bool
    f_prev, cost, slope : np.ndarray [shape=(states,)], float64, updated in place

    Returns
    -------
    ptr : np.ndarray [shape=(frames, states)], int32
    best : np.ndarray [shape=(frames,)], int32
    """
    if _pkg.BACKEND == "numpy":
        return reference.viterbi_forward(f0, lc, w_vv, w_vvd, w_switch, w_uu, started, f_prev,
                                         cost, slope)
    from . import _ffi, _lib

    f0, lc = reference._check_forward(f0, lc, f_prev, cost, slope)
    n, ns = f0.shape
    ptr = np.zeros((n, ns), np.int32)
    best = np.zeros(n, np.int32)
    status = _lib.fg_smile_viterbi_forward(
        _ffi.from_buffer("double[]", f0), _ffi.from_buffer("double[]", lc), n, ns,
        float(w_vv), float(w_vvd), float(w_switch), float(w_uu), int(bool(started)),
        _ffi.from_buffer("double[]", f_prev), _ffi.from_buffer("double[]", cost),
        _ffi.from_buffer("double[]", slope), _ffi.from_buffer("int32_t[]", ptr),
        _ffi.from_buffer("int32_t[]", best))
    _pkg._raise_for_status(status, "Viterbi input", None, None)
    return ptr, best

"""Bridge to the openSMILE-compatible voice kernels (``smile_voice.c``).

Validates arguments, hands C-contiguous buffers to C without copying, and turns
status codes into exceptions.  With ``FEATGRAPH_NATIVE=0`` the definitions in
:mod:`featgraph.native.reference_voice` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_voice as reference

__all__ = ["viterbi_forward", "smile_jitter", "nearest_peak"]


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


def smile_jitter(sig, f0, hop, span, sr, search_rel, min_cc, state, base=None):
    """Local jitter and shimmer (dB) per frame, periods marked across frames (C kernel); see
    :func:`featgraph.native.reference_voice.smile_jitter`.

    Parameters
    ----------
    sig : np.ndarray [shape=(>= base + hop * (n - 1),)], finite
    f0 : np.ndarray [shape=(n,)], Hz, 0 when unvoiced
    hop : int >= 1
    span : int >= 0, samples past a frame's block end that its periods may read
    sr : float > 0
    search_rel : float in [0, 1)
    min_cc : float
    state : np.ndarray [shape=(5,)], float64, updated in place (start: ``[-1, 0, 0, 0, 0]``)
    base : int >= hop or None, samples of history before frame 0's start (frame t owns
        sig[base + (t-1) hop, base + t hop)); None: hop

    Returns
    -------
    jitter, shimmer : np.ndarray [shape=(n,)], float64
    """
    if _pkg.BACKEND == "numpy":
        return reference.smile_jitter(sig, f0, hop, span, sr, search_rel, min_cc, state, base)
    from . import _ffi, _lib

    sig, f0, base = reference._check_jitter(sig, f0, hop, span, sr, search_rel, min_cc, state,
                                            base)
    n = len(f0)
    jit, shim = np.zeros(n), np.zeros(n)
    status = _lib.fg_smile_jitter(
        _ffi.from_buffer("double[]", sig), len(sig), _ffi.from_buffer("double[]", f0), n,
        int(hop), int(span), int(base), float(sr), float(search_rel), float(min_cc),
        _ffi.from_buffer("double[]", state),
        _ffi.from_buffer("double[]", jit), _ffi.from_buffer("double[]", shim))
    _pkg._raise_for_status(status, "jitter input", None, None)
    return jit, shim


def nearest_peak(r, k, half):
    """The HNR's lag ``T0`` per row (C kernel); see
    :func:`featgraph.native.reference_voice.nearest_peak`.

    Parameters
    ----------
    r : np.ndarray [shape=(rows, half + 1)], autocorrelation lags ``0 .. half`` (read without
        a copy when float64 and C-contiguous)
    k : np.ndarray [shape=(rows,)], int, the lag ``floor(sr / F0)`` searched around
    half : int >= 0

    Returns
    -------
    j : np.ndarray [shape=(rows,)], int64, -1 where none
    """
    if _pkg.BACKEND == "numpy":
        return reference.nearest_peak(r, k, half)
    from . import _ffi, _lib

    r, k, half = reference._check_nearest(r, k, half)
    j = np.empty(k.shape, np.int64)
    status = _lib.fg_acf_nearest_peak(_ffi.from_buffer("double[]", r), r.shape[0], half,
                                      _ffi.from_buffer("int64_t[]", k),
                                      _ffi.from_buffer("int64_t[]", j))
    _pkg._raise_for_status(status, "autocorrelation", None, None)
    return j

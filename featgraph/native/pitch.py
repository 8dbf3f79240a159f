"""Bridge to the pitch C kernels (``pitch.c``): YIN's period pick, pYIN's trough
probabilities and the Viterbi decoding of pYIN's HMM.

Validates arguments, hands C-contiguous buffers to C without copying, and turns
status codes into exceptions.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) the definitions in
:mod:`featgraph.native.reference_pitch` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_pitch as reference

__all__ = ["yin_cmnd", "acf_combine", "yin_pick", "pyin_trough_probs", "viterbi_step", "viterbi_backtrack"]


def _dptr(arr):
    return _pkg._ffi.from_buffer("double[]", arr)


def yin_pick(cmnd, threshold):
    """YIN's fractional period index per frame (C kernel); see
    :func:`featgraph.native.reference_pitch.yin_pick`.

    Parameters
    ----------
    cmnd : np.ndarray [shape=(frames, lags)], lags >= 3, finite
    threshold : float

    Returns
    -------
    pos : np.ndarray [shape=(frames,)], float64
    """
    if _pkg.BACKEND == "numpy":
        return reference.yin_pick(cmnd, threshold)
    c = reference._cmnd(cmnd, "YIN cmnd")
    pos = np.empty(c.shape[0])
    status = _pkg._lib.fg_yin_pick(_dptr(c), c.shape[0], c.shape[1], float(threshold),
                                   _dptr(pos))
    _pkg._raise_for_status(status, "YIN cmnd", None, None)
    return pos


def pyin_trough_probs(cmnd, thresholds, beta, beta_prefix, fact, decay, no_trough_prob):
    """pYIN's trough probabilities (C kernel); see
    :func:`featgraph.native.reference_pitch.pyin_trough_probs`.

    Returns
    -------
    probs : np.ndarray [shape=cmnd.shape], float64
    """
    if _pkg.BACKEND == "numpy":
        return reference.pyin_trough_probs(cmnd, thresholds, beta, beta_prefix, fact, decay,
                                           no_trough_prob)
    c = reference._cmnd(cmnd, "pYIN cmnd")
    thresholds, beta, beta_prefix, fact, decay = reference._pyin_tables(
        c.shape[1], thresholds, beta, beta_prefix, fact, decay)
    probs = np.empty_like(c)
    status = _pkg._lib.fg_pyin_trough_probs(
        _dptr(c), c.shape[0], c.shape[1], len(thresholds), _dptr(thresholds), _dptr(beta),
        _dptr(beta_prefix), _dptr(fact), _dptr(decay), float(no_trough_prob), _dptr(probs))
    _pkg._raise_for_status(status, "pYIN cmnd", None, None)
    return probs


def viterbi_step(log_obs, value, log_stay, log_switch, log_floor):
    """Forward Viterbi pass of pYIN's HMM over some frames (C kernel), ``value``
    updated in place; see :func:`featgraph.native.reference_pitch.viterbi_step`.

    Returns
    -------
    ptr : np.ndarray [shape=(frames, 2 n)], uint16
    """
    if _pkg.BACKEND == "numpy":
        return reference.viterbi_step(log_obs, value, log_stay, log_switch, log_floor)
    if not (isinstance(value, np.ndarray) and value.dtype == np.float64 and
            value.flags.c_contiguous):
        raise ValueError("Viterbi value must be a C-contiguous float64 array (updated in place)")
    obs, _, stay, switch, floor = reference.check_viterbi_args(log_obs, value, log_stay,
                                                               log_switch, log_floor)
    n = stay.shape[0]
    ptr = np.empty(obs.shape, dtype=np.uint16)
    status = _pkg._lib.fg_viterbi_pitch(
        _dptr(obs), obs.shape[0], n, stay.shape[1] // 2, _dptr(stay), _dptr(switch), floor,
        _dptr(value), _pkg._ffi.from_buffer("uint16_t[]", ptr))
    _pkg._raise_for_status(status, "Viterbi log probabilities", None, None)
    return ptr


def viterbi_backtrack(ptr, last):
    """The best state sequence from back pointers (C kernel); see
    :func:`featgraph.native.reference_pitch.viterbi_backtrack`.

    Returns
    -------
    states : np.ndarray [shape=(frames,)], int32
    """
    if _pkg.BACKEND == "numpy":
        return reference.viterbi_backtrack(ptr, last)
    ptr = np.ascontiguousarray(ptr, dtype=np.uint16)
    if ptr.ndim != 2 or not 0 <= last < max(ptr.shape[1], 1):
        raise ValueError(f"Viterbi backtrack: ptr must be (frames, states) and 0 <= last < "
                         f"states, got {ptr.shape} and {last}")
    states = np.empty(ptr.shape[0], dtype=np.int32)
    if len(states):
        status = _pkg._lib.fg_viterbi_backtrack(
            _pkg._ffi.from_buffer("uint16_t[]", ptr), ptr.shape[0], ptr.shape[1], int(last),
            _pkg._ffi.from_buffer("int32_t[]", states))
        _pkg._raise_for_status(status, "Viterbi back pointers", None, None)
    return states


def acf_combine(spec, m, q, phase):
    """The blocked autocorrelation's spectrum per frame (C kernel); see
    :func:`featgraph.native.reference_pitch.acf_combine`.

    Returns
    -------
    np.ndarray [shape=(blocks - m + 1, bins)], complex128
    """
    if _pkg.BACKEND == "numpy":
        return reference.acf_combine(spec, m, q, phase)
    spec, phase = reference.check_acf_combine_args(spec, m, q, phase)
    g, f = spec.shape
    work = np.empty((q + 1, g, f), dtype=np.complex128)
    out = np.empty((g - m + 1, f), dtype=np.complex128)
    status = _pkg._lib.fg_acf_combine(
        _dptr(spec.view(np.float64)), g, f, m, q, _dptr(phase.view(np.float64)),
        _dptr(work.view(np.float64)), _dptr(out.view(np.float64)))
    _pkg._raise_for_status(status, "acf_combine spectra", None, None)
    return out


def yin_cmnd(acf, frames, min_period, max_period):
    """YIN's cumulative mean normalised difference (C kernel); see
    :func:`featgraph.native.reference_pitch.yin_cmnd`.

    Returns
    -------
    np.ndarray [shape=(T, max_period - min_period + 1)], float64
    """
    if _pkg.BACKEND == "numpy":
        return reference.yin_cmnd(acf, frames, min_period, max_period)
    acf, frames = reference.check_yin_cmnd_args(acf, frames, min_period, max_period)
    out = np.empty((acf.shape[0], max_period - min_period + 1))
    status = _pkg._lib.fg_yin_cmnd(_dptr(acf), acf.shape[0], acf.shape[1], _dptr(frames),
                                   frames.shape[1], min_period, max_period, _dptr(out))
    _pkg._raise_for_status(status, "YIN autocorrelation", None, None)
    return out

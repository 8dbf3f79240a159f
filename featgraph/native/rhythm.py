"""Bridge to the beat-tracking and onset-flux C kernels (``beat.c``, ``novelty.c``).

Validates arguments and hands float64 buffers to C.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) the definitions in
:mod:`featgraph.native.reference_mir` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_mir as reference

__all__ = ["beat_dp", "onset_flux"]


def beat_dp(localscore, frames_per_beat, tightness):
    """Beat tracking's dynamic program over a local score (C kernel).

    See :func:`featgraph.native.reference_mir.beat_dp` for the definition (Ellis 2007,
    librosa.beat.beat_track's candidate range and first-beat threshold).

    Parameters
    ----------
    localscore : np.ndarray [shape=(n,)], finite
    frames_per_beat : float or np.ndarray [shape=(1,) or (n,)], each finite and >= 1
    tightness : float > 0

    Returns
    -------
    backlink : np.ndarray [shape=(n,)], int64 (-1: no predecessor)
    cumscore : np.ndarray [shape=(n,)], float64
    """
    if _pkg.BACKEND == "numpy":
        return reference.beat_dp(localscore, frames_per_beat, tightness)
    localscore, fpb, tightness = reference.check_beat_dp_args(localscore, frames_per_beat,
                                                              tightness)
    n = localscore.size
    backlink = np.empty(n, dtype=np.int64)
    cumscore = np.empty(n, dtype=np.float64)
    if n:
        status = _pkg._lib.fg_beat_dp_f64(
            _pkg._ffi.from_buffer("double[]", localscore), n,
            _pkg._ffi.from_buffer("double[]", fpb), fpb.size, tightness,
            _pkg._ffi.from_buffer("long long[]", backlink), _pkg._ffi.from_buffer(
                "double[]", cumscore))
        _pkg._raise_for_status(status, "beat_dp local score", None, None)
    return backlink, cumscore


def onset_flux(s, lag, start):
    """Rectified spectral flux summed over bands (C kernel), float64.

    ``out[..., t - start] = sum_k max(0, s[..., t, k] - s[..., t - lag, k])`` for
    ``t = start .. n_frames - 1``: librosa's onset strength (``max_size`` 1) before its
    aggregate (Bello et al. 2005, eq. 5 with the half-wave rectifier); see
    :func:`featgraph.native.reference_mir.onset_flux`.

    Parameters
    ----------
    s : np.ndarray [shape=(..., n_frames, n_bands)], real (float32 read as is)
        Frame-major values, e.g. a log-power mel spectrogram in dB.
    lag : int >= 1
    start : int, ``lag <= start <= n_frames``

    Returns
    -------
    np.ndarray [shape=(..., n_frames - start)], float64

    Examples
    --------
    >>> import numpy as np
    >>> onset_flux(np.array([[0.0, 5.0], [2.0, 1.0], [3.0, 4.0]]), 1, 1)
    array([2., 4.])
    """
    if _pkg.BACKEND == "numpy":
        return reference.onset_flux(s, lag, start)
    s, lag, start = reference.check_onset_flux_args(s, lag, start)
    n_frames, n_bands = s.shape[-2:]
    lead = s.shape[:-2]
    out = np.empty(lead + (n_frames - start,), dtype=np.float64)
    kernel = _pkg._lib.fg_onset_flux_f32 if s.dtype == np.float32 else \
        _pkg._lib.fg_onset_flux_f64
    for idx in np.ndindex(*lead):
        if n_frames == start:
            break
        _pkg._raise_for_status(kernel(_pkg._ptr(s[idx]), n_frames, n_bands, lag, start,
                                      _pkg._ptr(out[idx])), "onset flux", None, None)
    return out


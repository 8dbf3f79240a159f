"""Bridge to the openSMILE-compatible pitch front-end kernels (``smile_pitch.c``).

Validates arguments, hands C-contiguous float64 buffers to C, and turns status codes
into exceptions.  With ``FEATGRAPH_NATIVE=0`` the definitions in
:mod:`featgraph.native.reference_smile_pitch` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_smile_pitch as reference

__all__ = ["spec_scale", "shs", "harmonic_peaks", "formant_peaks"]


def spec_scale(m, knots, targets, weights=None, enhance=True, smooth=True):
    """openSMILE's ``cSpecScale`` per frame (C kernel); see
    :func:`featgraph.native.reference_smile_pitch.spec_scale`.

    Parameters
    ----------
    m : np.ndarray [shape=(frames, bins)], bins >= 4, finite
    knots : np.ndarray [shape=(bins,)], strictly increasing
    targets : np.ndarray [shape=(n,)], n >= 1
    weights : np.ndarray [shape=(n,)] or None
    enhance, smooth : bool

    Returns
    -------
    np.ndarray [shape=(frames, n)], float64
    """
    if _pkg.BACKEND == "numpy":
        return reference.spec_scale(m, knots, targets, weights, enhance, smooth)
    from . import _ffi, _lib

    m, knots, targets, weights = reference._check_scale(m, knots, targets, weights)
    out = np.empty((m.shape[0], targets.size))
    status = _lib.fg_smile_spec_scale(
        _ffi.from_buffer("double[]", m), m.shape[0], m.shape[1],
        _ffi.from_buffer("double[]", knots), _ffi.from_buffer("double[]", targets),
        targets.size, _ffi.NULL if weights is None else _ffi.from_buffer("double[]", weights),
        int(bool(enhance)), int(bool(smooth)), _ffi.from_buffer("double[]", out))
    _pkg._raise_for_status(status, "spectrum", None, None)
    return out


def shs(x, shifts, gains, lo, hi, n_cand, fmin, step, f_lo=0.0, f_hi=np.inf):
    """openSMILE's ``cPitchShs`` candidates per frame (C kernel); see
    :func:`featgraph.native.reference_smile_pitch.shs`.

    Parameters
    ----------
    x : np.ndarray [shape=(frames, bins)], bins >= 4, finite
    shifts : np.ndarray [shape=(H,)], int >= 0;  gains : np.ndarray [shape=(H,)]
    lo, hi : int, 1 <= lo, hi <= bins - 2 (no candidates when hi < lo)
    n_cand : int in [1, 64]
    fmin, step : float, the axis' first frequency (Hz) and octaves per bin
    f_lo, f_hi : float, not NaN: the candidates kept, Hz (after the n_cand highest peaks)

    Returns
    -------
    f0, voicing, score : np.ndarray [shape=(frames, n_cand)], float64
    """
    if _pkg.BACKEND == "numpy":
        return reference.shs(x, shifts, gains, lo, hi, n_cand, fmin, step, f_lo, f_hi)
    from . import _ffi, _lib

    x, shifts, gains = reference._check_shs(x, shifts, gains, lo, hi, n_cand)
    if np.isnan(f_lo) or np.isnan(f_hi):
        raise ValueError("shs: f_lo and f_hi must not be NaN")
    n = x.shape[0]
    f0, voicing, score = np.empty((n, n_cand)), np.empty((n, n_cand)), np.empty((n, n_cand))
    status = _lib.fg_smile_shs(
        _ffi.from_buffer("double[]", x), n, x.shape[1], _ffi.from_buffer("int32_t[]", shifts),
        _ffi.from_buffer("double[]", gains), shifts.size, int(lo), int(hi), int(n_cand),
        float(fmin), float(step), float(f_lo), float(f_hi), _ffi.from_buffer("double[]", f0),
        _ffi.from_buffer("double[]", voicing), _ffi.from_buffer("double[]", score))
    _pkg._raise_for_status(status, "octave spectrum", None, None)
    return f0, voicing, score


def harmonic_peaks(mag, f0_bins, n_harmonics, rows=None):
    """Peaks near the harmonics of F0 per frame (C kernel); see
    :func:`featgraph.native.reference_smile_pitch.harmonic_peaks`.

    Parameters
    ----------
    mag : np.ndarray [shape=(frames, bins)], bins >= 3, finite (the rows read)
    f0_bins : np.ndarray [shape=(frames,)] or, with ``rows``, ``(len(rows),)``; F0 in bins, > 0
    n_harmonics : int >= 1
    rows : np.ndarray [shape=(n,)] of int, or None
        The rows of ``mag`` to analyse (``mag[rows]``, read in place by the C kernel: no
        gathered copy when ``mag`` is float64 and C-contiguous); None for all.

    Returns
    -------
    m, f, r : np.ndarray [shape=(frames or n, n_harmonics)], float64;  ok : bool, same shape
    """
    if rows is not None:
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if rows.ndim != 1 or (rows.size and (rows.min() < 0 or rows.max() >= len(mag))):
            raise ValueError(f"harmonic_peaks: rows must index the {len(mag)} rows of mag")
        if np.shape(f0_bins) != rows.shape:
            raise ValueError(f"harmonic_peaks: f0_bins must have one value per row, got "
                             f"{np.shape(f0_bins)} for {rows.size} rows")
    if _pkg.BACKEND == "numpy":
        return reference.harmonic_peaks(mag if rows is None else np.asarray(mag)[rows],
                                        f0_bins, n_harmonics)
    from . import _ffi, _lib

    if rows is None:
        mag, f0_bins = reference._check_peaks(mag, f0_bins, n_harmonics)
        n = mag.shape[0]
    else:
        mag = np.ascontiguousarray(mag, dtype=np.float64)
        reference._check_peaks(mag[:0], np.asarray(f0_bins)[:0], n_harmonics)
        f0_bins = np.ascontiguousarray(f0_bins, dtype=np.float64)
        n = rows.size
    shape = (n, int(n_harmonics))
    m, f, r = np.empty(shape), np.empty(shape), np.empty(shape)
    ok = np.empty(shape, np.uint8)
    outs = (_ffi.from_buffer("double[]", f0_bins), shape[1], _ffi.from_buffer("double[]", m),
            _ffi.from_buffer("double[]", f), _ffi.from_buffer("double[]", r),
            _ffi.from_buffer("uint8_t[]", ok))
    if rows is None:
        status = _lib.fg_smile_harmonic_peaks(_ffi.from_buffer("double[]", mag), n,
                                              mag.shape[1], *outs)
    else:
        status = _lib.fg_smile_harmonic_peaks_rows(
            _ffi.from_buffer("double[]", mag), mag.shape[0], mag.shape[1],
            _ffi.from_buffer("int64_t[]", rows), n, *outs)
    _pkg._raise_for_status(status, "harmonics input", None, None)
    return m, f, r, ok.view(bool)


def formant_peaks(m, f, r, ok, df, fc, lo, hi):
    """Each formant's harmonic peak (C kernel); see
    :func:`featgraph.native.reference_smile_pitch.formant_peaks`.

    Parameters
    ----------
    m, f, r : np.ndarray [shape=(frames, harmonics)], float64 (:func:`harmonic_peaks`)
    ok : np.ndarray [shape=(frames, harmonics)], bool
    df : float, Hz per bin of ``f``
    fc : np.ndarray [shape=(frames, formants)], Hz
    lo, hi : float, the range ``[lo fc, hi fc]``

    Returns
    -------
    amp : np.ndarray [shape=(frames, formants)], float64;  found : bool, same shape
    """
    if _pkg.BACKEND == "numpy":
        return reference.formant_peaks(m, f, r, ok, df, fc, lo, hi)
    from . import _ffi, _lib

    m, f, r, ok, fc = reference._check_formant_peaks(m, f, r, ok, fc)
    ok8 = ok.view(np.uint8)
    amp = np.empty(fc.shape)
    found = np.empty(fc.shape, np.uint8)
    status = _lib.fg_smile_formant_peaks(
        _ffi.from_buffer("double[]", m), _ffi.from_buffer("double[]", f),
        _ffi.from_buffer("double[]", r), _ffi.from_buffer("uint8_t[]", ok8), m.shape[0],
        m.shape[1], float(df), _ffi.from_buffer("double[]", fc), fc.shape[1], float(lo),
        float(hi), _ffi.from_buffer("double[]", amp), _ffi.from_buffer("uint8_t[]", found))
    _pkg._raise_for_status(status, "formant peaks input", None, None)
    return amp, found.view(bool)

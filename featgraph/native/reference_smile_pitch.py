"""Plain-numpy definitions of the openSMILE-compatible pitch front-end kernels (``smile_pitch.c``).

The readable specification of what the C kernels compute, with the same argument
checks.  Used by :mod:`featgraph.native.smile_pitch` when ``FEATGRAPH_NATIVE=0`` and
by the tests.  The formulas were measured against openSMILE 2.6's ``cSpecScale`` and
``cPitchShs`` (eGeMAPSv02's ``gemapsv01b_hpsG60`` and ``gemapsv01b_pitchShsG60``); see
:class:`featgraph.nodes.egemaps_voice.SmileSpecScale` and
:class:`~featgraph.nodes.egemaps_voice.SmilePitchShs`.  The spline here is scipy's
``CubicSpline`` (first-derivative form); the C kernel solves for the second derivatives
(the same interpolant, rounding apart).
"""
import numpy as np

from .reference import _nonfinite_error

__all__ = ["spec_scale", "shs", "harmonic_peaks", "enhance_peaks", "smooth3",
           "subharmonic_sum"]


def enhance_peaks(m: np.ndarray) -> np.ndarray:
    """Hermes's peak enhancement on the last axis (copy): between consecutive local maxima
    ``a < b`` (bins above both neighbours; bin 0 above bin 1, the last bin above the one
    before), the bins ``a+3 .. b-3`` are set to 0."""
    b = m.shape[-1]
    pk = np.zeros(m.shape, bool)
    pk[..., 1:-1] = (m[..., 1:-1] > m[..., :-2]) & (m[..., 1:-1] > m[..., 2:])
    pk[..., 0] = m[..., 0] > m[..., 1]
    pk[..., -1] = m[..., -1] > m[..., -2]
    idx = np.arange(b)
    prev = np.maximum.accumulate(np.where(pk, idx, -1), axis=-1)
    nxt = np.flip(np.minimum.accumulate(np.flip(np.where(pk, idx, b), -1), axis=-1), -1)
    zero = (prev >= 0) & (nxt < b) & (idx >= prev + 3) & (idx <= nxt - 3)
    return np.where(zero, 0.0, m)


def smooth3(m: np.ndarray) -> np.ndarray:
    """``y[k] = x[k-1]/4 + x[k]/2 + x[k+1]/4``, ``y[0] = x[0]/2 + x[1]/4``, last bin kept
    (last axis, copy)."""
    y = m.copy()
    y[..., 1:-1] = 0.25 * m[..., :-2] + 0.5 * m[..., 1:-1] + 0.25 * m[..., 2:]
    y[..., 0] = 0.5 * m[..., 0] + 0.25 * m[..., 1]
    return y


def _check_scale(m, knots, targets, weights):
    m = np.ascontiguousarray(m, dtype=np.float64)
    knots = np.ascontiguousarray(knots, dtype=np.float64)
    targets = np.ascontiguousarray(targets, dtype=np.float64)
    if m.ndim != 2 or knots.shape != (m.shape[1],) or m.shape[1] < 4 or targets.ndim != 1 \
            or targets.size == 0:
        raise ValueError(f"spec_scale: expected spectra (frames, bins >= 4), knots (bins,) "
                         f"and targets (n >= 1,), got {m.shape}, {knots.shape}, "
                         f"{targets.shape}")
    if not (np.isfinite(knots).all() and (np.diff(knots) > 0).all()
            and np.isfinite(targets).all()):
        raise ValueError("spec_scale: knots must increase strictly and knots and targets "
                         "be finite")
    if weights is not None:
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        if weights.shape != targets.shape or not np.isfinite(weights).all():
            raise ValueError(f"spec_scale: weights must be finite and of the targets' shape "
                             f"{targets.shape}, got {weights.shape}")
    return m, knots, targets, weights


def spec_scale(m, knots, targets, weights=None, enhance=True, smooth=True):
    """openSMILE's ``cSpecScale`` per row of ``m`` ``(frames, bins)``: peak enhancement
    (:func:`enhance_peaks`), 3-point smoothing (:func:`smooth3`), the natural cubic spline
    through ``(knots[k], y[k])`` at ``targets`` (extrapolating the end cubics), negative
    values set to 0, times ``weights`` (None: 1).  Returns ``(frames, len(targets))``,
    float64."""
    from scipy.interpolate import CubicSpline

    m, knots, targets, weights = _check_scale(m, knots, targets, weights)
    if not np.isfinite(m).all():
        raise _nonfinite_error("spectrum")
    if enhance:
        m = enhance_peaks(m)
    if smooth:
        m = smooth3(m)
    if m.shape[0] == 0:
        return np.zeros((0, targets.size))
    y = CubicSpline(knots, m, axis=-1, bc_type="natural")(targets)
    np.maximum(y, 0.0, out=y)
    if weights is not None:
        y *= weights
    return y


def subharmonic_sum(xs, shifts, gains):
    """``(1/H) sum_n gains[n] X[i + shifts[n]]`` on the last axis (0 beyond it)."""
    b = xs.shape[-1]
    s = np.zeros(xs.shape)
    for k, g in zip(shifts, gains):
        if k < b:
            s[..., :b - k] += g * xs[..., k:]
    return s / len(shifts)


def _check_shs(x, shifts, gains, lo, hi, n_cand):
    x = np.ascontiguousarray(x, dtype=np.float64)
    shifts = np.ascontiguousarray(shifts, dtype=np.int32)
    gains = np.ascontiguousarray(gains, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 4 or shifts.ndim != 1 or shifts.size == 0 \
            or gains.shape != shifts.shape or (shifts < 0).any() \
            or not np.isfinite(gains).all():
        raise ValueError(f"shs: expected spectra (frames, bins >= 4) and matching shifts >= 0 "
                         f"and finite gains, got {x.shape}, {shifts.shape}, {gains.shape}")
    if not (1 <= lo and hi + 2 <= x.shape[1] and 1 <= n_cand <= 64):
        raise ValueError(f"shs: need 1 <= lo, hi <= bins - 2 and 1 <= n_cand <= 64, got lo "
                         f"{lo}, hi {hi}, n_cand {n_cand}")
    return x, shifts, gains


def shs(x, shifts, gains, lo, hi, n_cand, fmin, step, f_lo=0.0, f_hi=np.inf):
    """openSMILE's ``cPitchShs`` candidates per row of ``x`` ``(frames, bins)`` (the octave
    spectrum): the subharmonic sum ``S`` (:func:`subharmonic_sum`); its local maxima
    ``S[i-1] < S[i] >= S[i+1]`` for ``lo <= i <= hi``, the ``n_cand`` highest by ``S[i]``
    (lower ``i`` first on ties), each refined by the parabola through the three points
    (offset ``d``, height ``S[i] - (S[i-1] - S[i+1]) d / 4``) to ``f0 = fmin 2**((i + d)
    step)``; those with ``f0`` outside ``[f_lo, f_hi]`` dropped (the others keep their
    order), then the highest refined height swapped into the first place (the first
    highest).  ``score`` the height, ``voicing = max(0, 1 - mean(S) / score)``; missing
    candidates 0.  Returns ``f0, voicing, score``, each ``(frames, n_cand)`` float64."""
    x, shifts, gains = _check_shs(x, shifts, gains, lo, hi, n_cand)
    if np.isnan(f_lo) or np.isnan(f_hi):
        raise ValueError("shs: f_lo and f_hi must not be NaN")
    if not np.isfinite(x).all():
        raise _nonfinite_error("octave spectrum")
    s = subharmonic_sum(x, shifts, gains)
    shape = x.shape[:-1] + (n_cand,)
    f0, voicing, score = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    if hi >= lo:
        mid, left, right = s[..., lo:hi + 1], s[..., lo - 1:hi], s[..., lo + 1:hi + 2]
        peak = (mid > left) & (mid >= right)
        den = left - 2 * mid + right
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(den != 0, 0.5 * (left - right) / np.where(den != 0, den, 1.0), 0.0)
        height = mid - 0.25 * (left - right) * d
        k = min(n_cand, mid.shape[-1])
        order = np.argsort(-np.where(peak, mid, -np.inf), axis=-1, kind="stable")[..., :k]
        top = np.take_along_axis(height, order, -1)
        pos = lo + order + np.take_along_axis(d, order, -1)
        freq = fmin * 2.0 ** (pos * step)
        ok = np.take_along_axis(peak, order, -1) & (freq >= f_lo) & (freq <= f_hi)
        keep = np.argsort(~ok, axis=-1, kind="stable")          # kept first, in order
        ok, top, freq = (np.take_along_axis(a, keep, -1) for a in (ok, top, freq))
        best = np.argmax(np.where(ok, top, -np.inf), axis=-1)[..., None]
        for a in (top, freq):                                   # swap the best into place 0
            first, at_best = a[..., :1].copy(), np.take_along_axis(a, best, -1)
            np.put_along_axis(a, best, first, -1)
            a[..., :1] = at_best
        mean = s.mean(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(ok & (top > 0), 1.0 - mean / np.where(top > 0, top, 1.0), 0.0)
        f0[..., :k] = np.where(ok, freq, 0.0)
        voicing[..., :k] = np.maximum(v, 0.0)
        score[..., :k] = np.where(ok, top, 0.0)
    return f0, voicing, score


def _check_peaks(mag, f0_bins, n_harmonics):
    mag = np.ascontiguousarray(mag, dtype=np.float64)
    f0_bins = np.ascontiguousarray(f0_bins, dtype=np.float64)
    if mag.ndim != 2 or mag.shape[1] < 3 or f0_bins.shape != mag.shape[:1] or n_harmonics < 1:
        raise ValueError(f"harmonic_peaks: expected mag (frames, bins >= 3), f0_bins (frames,) "
                         f"and n_harmonics >= 1, got {mag.shape}, {f0_bins.shape}, "
                         f"{n_harmonics}")
    return mag, f0_bins


def harmonic_peaks(mag: np.ndarray, f0_bins: np.ndarray, n_harmonics: int):
    """Peaks near the multiples of F0: ``(m, f, r, ok)``, each ``(frames, n_harmonics)``.

    ``mag`` ``(frames, bins)`` float64, ``f0_bins`` ``(frames,)`` F0 in bins (> 0).
    ``m`` parabolic vertex magnitude, ``f`` its position in bins, ``r`` the peak bin's
    value, ``ok`` whether the harmonic exists (start bin below the last bin, peak not
    at an edge bin, and every lower harmonic exists).  Harmonic ``q``'s peak is the
    strict local maximum nearest its start bin ``j0 = round(q f0)``, the right one first on
    a tie (``j0``, ``j0 + 1``, ``j0 - 1``, ``j0 + 2``, ...; ``j0`` when there is none):
    measured against openSMILE 2.6's gemapsv01b_harmonics on its own F0, formants and
    spectrum, where climbing uphill from ``j0`` instead misses A3 on 2-6 % of the voiced
    frames (a climb can only go up; openSMILE takes a nearer peak across a dip).
    """
    mag, f0_bins = _check_peaks(mag, f0_bins, n_harmonics)
    if not (np.isfinite(mag).all() and np.isfinite(f0_bins).all()):
        raise _nonfinite_error("harmonics input")
    n_frames, n_bins = mag.shape
    h = np.arange(1, n_harmonics + 1, dtype=np.float64)
    start = f0_bins[:, None] * h[None, :]
    ok = start < n_bins - 1
    j = np.floor(np.where(ok, start, 0.0) + 0.5).astype(np.int64)
    rows = np.arange(n_frames)[:, None]
    peak = np.zeros((n_frames, n_bins), bool)     # strict local maxima, inner bins
    peak[:, 1:-1] = (mag[:, 1:-1] > mag[:, :-2]) & (mag[:, 1:-1] > mag[:, 2:])
    flat_rows = np.broadcast_to(rows, j.shape).ravel()
    jf = j.ravel()                                # a view: updates land in j
    start_bin = jf.copy()
    live = np.flatnonzero(ok.ravel())             # the nearest peak: j0, j0 + 1, j0 - 1, ...
    for d in range(n_bins):
        if not live.size:
            break
        hit = np.zeros(live.size, bool)
        for k in ((start_bin[live] + d,) if d == 0 else
                  (start_bin[live] + d, start_bin[live] - d)):
            inside = (k >= 1) & (k <= n_bins - 2)
            new = ~hit & inside & peak[flat_rows[live], np.clip(k, 0, n_bins - 1)]
            jf[live[new]] = k[new]
            hit |= new
        live = live[~hit]
    ok &= (j > 0) & (j < n_bins - 1)
    ok = np.cumprod(ok, axis=1).astype(bool)       # stop at the first missing harmonic
    jc = np.clip(j, 1, n_bins - 2)
    a, b, c = mag[rows, jc - 1], mag[rows, jc], mag[rows, jc + 1]
    den = a - 2.0 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(den != 0, 0.5 * (a - c) / den, 0.0)
    m = b - 0.25 * (a - c) * p
    return m, jc + p, b, ok


def _check_formant_peaks(m, f, r, ok, fc):
    m, f, r = (np.ascontiguousarray(a, dtype=np.float64) for a in (m, f, r))
    ok = np.ascontiguousarray(ok, dtype=bool)
    fc = np.ascontiguousarray(fc, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] < 1 or not (f.shape == r.shape == ok.shape == m.shape) or \
            fc.ndim != 2 or fc.shape[0] != m.shape[0]:
        raise ValueError(f"formant_peaks: expected m, f, r, ok (frames, harmonics >= 1) and fc "
                         f"(frames, formants), got {m.shape}, {f.shape}, {r.shape}, {ok.shape}, "
                         f"{fc.shape}")
    return m, f, r, ok, fc


def formant_peaks(m, f, r, ok, df: float, fc, lo: float, hi: float):
    """Each formant's harmonic peak: ``(amp, found)``, each ``(frames, formants)``.

    From :func:`harmonic_peaks`' ``(m, f, r, ok)`` and the formant frequencies ``fc``
    (Hz; ``f`` in bins of ``df`` Hz): among the harmonics after the fundamental that exist
    and lie within ``[lo fc, hi fc]`` (``fc > 0``), the one of largest ``r`` (the first on
    ties); ``amp`` its ``m``, 0 when there is none (``found`` False).
    """
    m, f, r, ok, fc = _check_formant_peaks(m, f, r, ok, fc)
    fhz = f * df
    sel = ok.copy()
    sel[:, 0] = False                              # F0 itself is never a formant's peak
    amp, found = np.zeros(fc.shape), np.zeros(fc.shape, bool)
    rows = np.arange(m.shape[0])
    for j in range(fc.shape[1]):
        c = fc[:, j:j + 1]
        cand = sel & (fhz >= lo * c) & (fhz <= hi * c) & (c > 0)
        best = np.argmax(np.where(cand, r, -np.inf), axis=1)
        found[:, j] = cand.any(axis=1)
        amp[:, j] = np.where(found[:, j], m[rows, best], 0.0)
    return amp, found

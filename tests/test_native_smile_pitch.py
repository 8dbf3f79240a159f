"""The openSMILE-compatible pitch front-end kernels (smile_pitch.c): C against the numpy
reference (reference_smile_pitch.py, scipy's spline), closed forms, and edge cases."""
import numpy as np
import pytest

from featgraph import native
from featgraph.native import reference_smile_pitch as reference
from featgraph.native import smile_pitch as kernels
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)

B, N_FFT, SR = 129, 256, 16000.0


def octave_problem(seed, frames=40):
    """Spectra with peaks, the knots of SmileSpecScale (log2 bin frequencies, bin 0 at half
    the spacing) and its octave-scale targets from 25 Hz."""
    rng = np.random.default_rng(seed)
    f = np.arange(B) * (SR / N_FFT)
    f[0] = 0.5 * f[1]
    knots = np.log2(f)
    grid = 25.0 * 2.0 ** (np.arange(B) * np.log2(SR / 2 / 25.0) / (B - 1))
    m = np.abs(rng.standard_normal((frames, B))) ** 2
    m[:, 10::12] += 5.0 * rng.random((frames, 1))         # harmonic-like peaks
    m[::7, 40:60] = 0.0                                     # flat runs
    return m, knots, np.log2(grid), rng.uniform(0.2, 1.0, B)


@needs_c
@pytest.mark.parametrize("enhance", [False, True])
@pytest.mark.parametrize("smooth", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_spec_scale_c_equals_numpy(enhance, smooth, weighted, monkeypatch):
    m, knots, targets, w = octave_problem(0, frames=43)     # a last, partial block of frames
    w = w if weighted else None
    # targets out of order and below the first knot (extrapolation) too
    targets = np.concatenate([targets, [knots[0] - 0.5, knots[5] + 0.1, knots[-1]]])
    w = None if w is None else np.concatenate([w, [1.0, 0.5, 2.0]])
    monkeypatch.setattr(native, "BACKEND", "c")
    got = kernels.spec_scale(m, knots, targets, w, enhance, smooth)
    want = reference.spec_scale(m, knots, targets, w, enhance, smooth)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12 * np.abs(want).max())


def test_spec_scale_natural_spline_closed_forms(backend):
    """A natural cubic spline reproduces a straight line, and passes through its knots."""
    _, knots, _, _ = octave_problem(1)
    line = 3.0 + 2.0 * (knots - knots[0])
    t = np.linspace(knots[0], knots[-1], 77)
    got = kernels.spec_scale(line[None, :], knots, t, None, False, False)[0]
    np.testing.assert_allclose(got, 3.0 + 2.0 * (t - knots[0]), rtol=1e-12)
    y = np.random.default_rng(2).random((3, B)) + 0.1
    np.testing.assert_allclose(kernels.spec_scale(y, knots, knots, None, False, False), y,
                               rtol=1e-12)


@needs_c
@pytest.mark.parametrize("smooth", [False, True])
def test_spec_scale_at_the_knots_is_enhance_and_smooth_exactly(smooth, monkeypatch):
    """Evaluated at its knots the spline returns its data exactly (weights 1 and 0), so the
    kernel's output is the reference's enhancement (and smoothing) bit for bit: 21 frames
    (groups of eight frames and a partial one), 131 bins (targets four at a time and three
    left over), maxima at the edges, none, one, and flat runs."""
    rng = np.random.default_rng(5)
    b = 131
    m = np.abs(rng.standard_normal((21, b))) ** 2
    m[:, 7::9] += 4.0
    m[3] = 1.0                                          # no maximum at all
    m[4] = 1.0
    m[4, 60] = 2.0                                      # a single maximum
    m[5, :3] = [9.0, 1.0, 0.5]                          # maxima at both edges
    m[5, -2:] = [0.1, 7.0]
    m[6, 20:50] = 0.0
    knots = np.log2(np.arange(1, b + 1, dtype=float))
    monkeypatch.setattr(native, "BACKEND", "c")
    want = reference.enhance_peaks(m)
    if smooth:
        want = reference.smooth3(want)
    got = kernels.spec_scale(m, knots, knots, None, True, smooth)
    np.testing.assert_array_equal(got, np.maximum(want, 0.0))


def test_spec_scale_enhance_and_smooth_closed_form(backend):
    """Peaks at bins 10 and 30 (from a floor of 1): bins 13 .. 27 become 0; the
    smoothing's first and last bins follow their own rules; negatives clip to 0."""
    x = np.ones(B)
    x[10], x[30] = 5.0, 4.0
    x[11], x[29] = 2.0, 2.0
    knots = np.arange(B, dtype=float)
    got = kernels.spec_scale(x[None, :], knots, knots, None, True, False)[0]
    want = x.copy()
    want[13:28] = 0.0
    np.testing.assert_allclose(got, want, atol=1e-12)
    got = kernels.spec_scale(x[None, :], knots, knots, 2.0 * np.ones(B), False, True)[0]
    want = np.convolve(x, [0.25, 0.5, 0.25], mode="same")
    want[0], want[-1] = 0.5 * x[0] + 0.25 * x[1], x[-1]
    np.testing.assert_allclose(got, 2.0 * want, atol=1e-12)
    neg = kernels.spec_scale(-x[None, :], knots, knots, None, False, False)
    assert (neg == 0).all()


def shs_problem(seed, frames=50):
    rng = np.random.default_rng(seed)
    x = rng.random((frames, B)) ** 4
    x[:, 30::17] += 2.0
    x[3] = 0.0                                   # no peaks at all
    x[4, :] = 1.0                                # flat: no strict peaks
    per_octave = B / np.log2(SR / 2 / 25.0)
    shifts = np.floor(per_octave * np.log2(np.arange(1, 16)) + 1e-9).astype(np.int32)
    gains = 0.85 ** np.arange(15)
    return x, shifts, gains


@needs_c
@pytest.mark.parametrize("lo,hi,n_cand,f_lo,f_hi", [
    (1, B - 2, 6, 0.0, np.inf), (20, 90, 3, 0.0, np.inf), (50, 52, 5, 0.0, np.inf),
    (1, B - 2, 64, 0.0, np.inf), (1, B - 2, 6, 55.0, 1000.0), (1, B - 2, 6, 200.0, 210.0),
    (1, B - 2, 6, 1e9, -1.0), (40, 30, 6, 0.0, np.inf), (B + 100, 30, 6, 0.0, np.inf)])
def test_shs_c_equals_numpy(lo, hi, n_cand, f_lo, f_hi, monkeypatch):
    x, shifts, gains = shs_problem(lo)
    x[5, 20:24] = [0.0, 3.0, 3.0, 0.0]           # equal heights: the lower index first
    monkeypatch.setattr(native, "BACKEND", "c")
    got = kernels.shs(x, shifts, gains, lo, hi, n_cand, 25.0, 0.05, f_lo, f_hi)
    want = reference.shs(x, shifts, gains, lo, hi, n_cand, 25.0, 0.05, f_lo, f_hi)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def test_shs_closed_form(backend):
    """One line at bin 60 and shifts 0, 10 (gains 1, 0.5): S = (x[i] + x[i+10]/2) / 2 has
    peaks 0.5 at i = 60 and 0.25 at i = 50 (flat tops: no parabola offset)."""
    x = np.zeros((1, B))
    x[0, 60] = 1.0
    f0, v, s = kernels.shs(x, np.array([0, 10], np.int32), np.array([1.0, 0.5]), 1, B - 2,
                           3, 25.0, 0.1)
    np.testing.assert_allclose(s[0], [0.5, 0.25, 0.0])
    np.testing.assert_allclose(f0[0], [25.0 * 2 ** 6.0, 25.0 * 2 ** 5.0, 0.0])
    mean = (0.5 + 0.25) / B                       # S summed over all bins, over B
    np.testing.assert_allclose(v[0], [1 - mean / 0.5, 1 - mean / 0.25, 0.0])


def test_shs_ranks_by_peak_value_then_drops_out_of_range(backend):
    """openSMILE's candidate list: the highest peaks by S[i] compete over the whole sum, those
    outside [f_lo, f_hi] are dropped after, and the highest refined height is swapped into
    the first place.  S = x here (one harmonic, gain 1): peaks A (bin 20, 1.0, symmetric: no
    parabola gain), C (bin 60, 0.95, symmetric) and B (bin 40, 0.9 with 0.899 on its left:
    the parabola puts its top at 40 + d, d = -0.899 / (2 (0.899 - 1.8)), above 1.0)."""
    x = np.zeros((1, B))
    x[0, 20], x[0, 60], x[0, 39], x[0, 40] = 1.0, 0.95, 0.899, 0.9
    one = (np.array([0], np.int32), np.array([1.0]))
    d = 0.5 * 0.899 / (0.899 - 1.8)
    hb = 0.9 - 0.25 * 0.899 * d
    fa, fb, fc = 25.0 * 2 ** 1.0, 25.0 * 2 ** ((40 + d) * 0.05), 25.0 * 2 ** 3.0
    f0, _, s = kernels.shs(x, *one, 1, B - 2, 3, 25.0, 0.05)
    np.testing.assert_allclose(s[0], [hb, 0.95, 1.0])            # B swapped with A: B, C, A
    np.testing.assert_allclose(f0[0], [fb, fc, fa])
    f0, _, s = kernels.shs(x, *one, 1, B - 2, 3, 25.0, 0.05, 60.0, 1000.0)
    np.testing.assert_allclose(f0[0], [fb, fc, 0.0])             # A (50 Hz) dropped
    f0, _, _ = kernels.shs(x, *one, 1, B - 2, 1, 25.0, 0.05, 60.0, 1000.0)
    np.testing.assert_allclose(f0[0], [0.0])                     # A took the only place
    f0, _, _ = kernels.shs(x, *one, 1, B - 2, 2, 25.0, 0.05, 60.0, 1000.0)
    np.testing.assert_allclose(f0[0], [fc, 0.0])                 # A, C: C kept


@needs_c
def test_harmonic_peaks_c_equals_numpy(monkeypatch):
    rng = np.random.default_rng(3)
    mag = np.abs(rng.standard_normal((60, B)))
    mag[:, ::9] += 3.0
    f0b = rng.uniform(2.0, 30.0, 60)
    f0b[:4] = [0.4, 200.0, B - 1.6, 64.2]        # edge starts and a too-high F0
    monkeypatch.setattr(native, "BACKEND", "c")
    got = kernels.harmonic_peaks(mag, f0b, 40)
    want = reference.harmonic_peaks(mag, f0b, 40)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_harmonic_peaks_closed_form(backend):
    """Symmetric peaks at multiples of 10 bins: every harmonic found at its multiple
    (parabola offset 0) until the last bin; its height is the peak's."""
    mag = np.full((1, B), 0.1)
    for q in range(1, 13):
        mag[0, 10 * q] = 1.0 + q
        mag[0, 10 * q - 1] = mag[0, 10 * q + 1] = 0.5
    m, f, r, ok = kernels.harmonic_peaks(mag, np.array([10.2]), 14)
    assert ok[0, :12].all() and not ok[0, 12:].any()
    np.testing.assert_allclose(f[0, :12], 10.0 * np.arange(1, 13))
    np.testing.assert_allclose(r[0, :12], 1.0 + np.arange(1, 13))


def test_harmonic_peaks_take_the_nearest_peak(backend):
    """The nearest strict local maximum to round(q f0), the right one on a tie, even across
    a dip and when a higher peak is as near on the left (openSMILE 2.6, measured): start
    20 between peaks at 18 (higher, uphill) and 22 (across a dip) -> 22; start 40 one bin
    right of a peak at 39 and two left of one at 42 -> 39; start 60 on a plateau (no
    strict maximum near) with a peak at 57 -> 57; start 80 on a rise to the last bin (no
    inner peak beyond) -> the nearest inner one, 77.  Climbing uphill would give 18, 39,
    60 and no fourth harmonic."""
    mag = np.full((1, 84), 0.1)
    mag[0, [18, 22, 39, 42, 57, 77]] = [5.0, 1.0, 1.0, 2.0, 1.0, 1.0]
    mag[0, 19:22] = [0.6, 0.4, 0.3]    # 20 on a slope up to 18, a dip, then 22 (a climb: 18)
    mag[0, 59:62] = 0.3                               # flat top: no strict maximum
    mag[0, 80:] = [0.2, 0.3, 0.4, 0.5]
    _, f, r, ok = kernels.harmonic_peaks(mag, np.array([20.0]), 4)
    assert ok[0].all()
    np.testing.assert_array_equal(r[0], [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(np.round(f[0]), [22, 39, 57, 77])


def test_harmonic_peaks_of_selected_rows_equal_the_gathered_rows(backend):
    """``rows`` (the voiced frames, read in place by the C kernel): the same numbers as the
    rows gathered first, in the order given (repeats allowed); a NaN in a row not read is
    ignored, in a row read it raises, as do indices outside the rows."""
    rng = np.random.default_rng(4)
    mag = rng.random((40, 129)) ** 2
    mag[3, 7] = np.nan
    rows = np.array([0, 5, 39, 5, 12, 2])
    f0b = rng.uniform(1.5, 9.0, rows.size)
    got = kernels.harmonic_peaks(mag, f0b, 30, rows=rows)
    want = kernels.harmonic_peaks(mag[rows], f0b, 30)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert got[0].shape == (rows.size, 30)
    with pytest.raises(ValueError, match="NaN"):
        kernels.harmonic_peaks(mag, f0b, 30, rows=np.array([0, 3, 5, 7, 9, 11]))
    for bad in (np.array([0, 40]), np.array([-1, 2])):
        with pytest.raises(ValueError, match="rows"):
            kernels.harmonic_peaks(mag, f0b[:2], 30, rows=bad)
    with pytest.raises(ValueError, match="one value per row"):
        kernels.harmonic_peaks(mag, f0b[:2], 30, rows=rows)


@pytest.mark.parametrize("enhance", [False, True])
@pytest.mark.parametrize("col", [0, 1, 60, B - 2, B - 1])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_spec_scale_nonfinite_anywhere_raises(enhance, col, value, backend):
    """A value that is not finite in any bin (the ends too) of any frame (a later frame of a
    later block of frames as well) raises, with or without the peak enhancement."""
    m, knots, targets, _ = octave_problem(5, frames=19)
    for row in (0, 12, 18):
        bad = m.copy()
        bad[row, col] = value
        with pytest.raises(ValueError, match="NaN"):
            kernels.spec_scale(bad, knots, targets, None, enhance, True)


@pytest.mark.parametrize("row", [0, 5, 6])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_shs_nonfinite_in_any_frame_raises(row, value, backend):
    """A value that is not finite in the first, a middle or the last frame (its last bin)
    raises."""
    x, shifts, gains = shs_problem(6, frames=7)
    x[row, B - 1] = value
    with pytest.raises(ValueError, match="NaN"):
        kernels.shs(x, shifts, gains, 1, B - 2, 6, 25.0, 0.05)


@pytest.mark.parametrize("which", ["scale", "shs", "peaks"])
def test_nonfinite_and_bad_arguments_raise(which, backend):
    m, knots, targets, _ = octave_problem(4, frames=3)
    x, shifts, gains = shs_problem(4, frames=6)
    bad = m.copy()
    bad[1, 5] = np.nan
    if which == "scale":
        with pytest.raises(ValueError, match="NaN"):
            kernels.spec_scale(bad, knots, targets)
        with pytest.raises(ValueError):
            kernels.spec_scale(m, knots[::-1], targets)
        with pytest.raises(ValueError):
            kernels.spec_scale(m[:, :3], knots[:3], targets)
        assert kernels.spec_scale(m[:0], knots, targets).shape == (0, targets.size)
    elif which == "shs":
        with pytest.raises(ValueError, match="NaN"):
            kernels.shs(bad, shifts, gains, 1, B - 2, 6, 25.0, 0.05)
        with pytest.raises(ValueError):
            kernels.shs(x, shifts, gains, 0, B - 2, 6, 25.0, 0.05)
        with pytest.raises(ValueError):
            kernels.shs(x, shifts, gains, 1, B - 1, 6, 25.0, 0.05)
        with pytest.raises(ValueError):
            kernels.shs(x, -shifts - 1, gains, 1, B - 2, 6, 25.0, 0.05)
        with pytest.raises(ValueError, match="NaN"):
            kernels.shs(x, shifts, gains, 1, B - 2, 6, 25.0, 0.05, np.nan, 1000.0)
        f0, _, _ = kernels.shs(x[:0], shifts, gains, 1, B - 2, 6, 25.0, 0.05)
        assert f0.shape == (0, 6)
    else:
        with pytest.raises(ValueError, match="NaN"):
            kernels.harmonic_peaks(bad, np.full(3, 5.0), 10)
        with pytest.raises(ValueError):
            kernels.harmonic_peaks(m[:, :2], np.full(3, 5.0), 10)
        with pytest.raises(ValueError):
            kernels.harmonic_peaks(m, np.full(2, 5.0), 10)


def formant_problem(seed, frames=80, harmonics=40):
    rng = np.random.default_rng(seed)
    mag = np.abs(rng.standard_normal((frames, B)))
    mag[:, ::7] += 3.0
    f0b = rng.uniform(2.0, 12.0, frames)
    m, f, r, ok = kernels.harmonic_peaks(mag, f0b, harmonics)
    r[::5, 3:6] = r[::5, 3:4]                        # ties: the first one wins
    df = SR / N_FFT
    fc = np.sort(rng.uniform(100.0, 3000.0, (frames, 3)), axis=1)
    fc[::11, 1] = 0.0                                # no formant: nothing found
    fc[::13, 2] = 7900.0                             # beyond every harmonic
    return m, f, r, ok, df, fc


@needs_c
def test_formant_peaks_c_equals_numpy(monkeypatch):
    args = formant_problem(5)
    monkeypatch.setattr(native, "BACKEND", "c")
    amp, found = kernels.formant_peaks(*args, 0.8, 1.2)
    want_amp, want_found = reference.formant_peaks(*args, 0.8, 1.2)
    np.testing.assert_array_equal(found, want_found)
    np.testing.assert_array_equal(amp, want_amp)
    assert found.any() and not found.all()


def test_formant_peaks_closed_form(backend):
    """Harmonics every 100 Hz, r rising with h: for a formant at 1000 Hz the range 800..1200 Hz
    holds harmonics 8..12 (h = 7..11); the strongest, 1200 Hz, is the peak.  The fundamental
    is never one (a formant at 100 Hz: none), nor is a harmonic that does not exist."""
    h = np.arange(20.0)
    f = (h + 1) * 100.0 / 50.0                       # in bins of 50 Hz
    m, r = 10.0 + h, 1.0 + h
    ok = h < 15
    fc = np.array([[1000.0, 100.0, 1500.0]])
    amp, found = kernels.formant_peaks(m[None], f[None], r[None], ok[None], 50.0, fc, 0.8, 1.2)
    assert list(found[0]) == [True, False, True]
    assert amp[0, 0] == 10.0 + 11 and amp[0, 1] == 0.0
    assert amp[0, 2] == 10.0 + 14                    # 1500 Hz: h = 14 is the last that exists


def test_formant_peaks_bad_arguments(backend):
    m, f, r, ok, df, fc = formant_problem(6, frames=4)
    with pytest.raises(ValueError):
        kernels.formant_peaks(m, f[:, :-1], r, ok, df, fc, 0.8, 1.2)
    with pytest.raises(ValueError):
        kernels.formant_peaks(m, f, r, ok, df, fc[:2], 0.8, 1.2)
    amp, found = kernels.formant_peaks(m[:0], f[:0], r[:0], ok[:0], df, fc[:0], 0.8, 1.2)
    assert amp.shape == found.shape == (0, 3)


@needs_c
@pytest.mark.parametrize("bins", [4, 31, 32, 33, 64, 97])
def test_shs_c_tiles_and_far_shifts(bins, monkeypatch):
    """The C sum runs in tiles of 32 bins: partial tiles, shifts past a tile, past the last
    bin and out of order give the numpy reference's numbers."""
    rng = np.random.default_rng(bins)
    x = rng.random((7, bins)) ** 3
    shifts = np.array([0, 40, 7, bins - 1, bins, bins + 40, 33, 1], dtype=np.int32)
    gains = np.array([1.0, 0.3, -0.5, 0.9, 2.0, 1.5, 0.25, 0.7])
    monkeypatch.setattr(native, "BACKEND", "c")
    got = kernels.shs(x, shifts, gains, 1, bins - 2, 6, 25.0, 0.05)
    want = reference.shs(x, shifts, gains, 1, bins - 2, 6, 25.0, 0.05)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)

"""The per-frame statistics kernels (framestats.c) against their numpy definitions
(featgraph/native/reference_framestats.py), the vectorised logarithms (fastlog.h) against
numpy's log / log1p over the whole double range, and the edge cases: zeros, subnormals,
huge ratios, NaN, infinity, negative values, bins ranges read in place and copied."""
import numpy as np
import pytest

from featgraph.native import framestats, reference_framestats, spectral
from featgraph.native import reference_spectral

RNG = np.random.default_rng(11)


def spectra(dtype=np.float64, shape=(2, 30, 257)):
    """Non-negative frames with an all-zero frame, zeros inside a frame and a single peak."""
    s = np.abs(RNG.standard_normal(shape)) ** 3
    s[0, 0] = 0.0
    s[1, 2, :100] = 0.0
    s[1, 3] = 0.0
    s[1, 3, 40] = 7.0
    return s.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("square", [False, True])
def test_frame_dots_match_numpy(dtype, square):
    s = spectra(dtype)
    w = RNG.standard_normal((3, s.shape[-1]))
    got = framestats.frame_dots(s, w, square=square)
    want = reference_framestats.frame_dots(s, w, square=square)
    assert got.shape == (2, 30, 3) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    # a bin range (rows not contiguous) gives the same as a contiguous copy
    part = s[..., 5:201]
    np.testing.assert_array_equal(framestats.frame_dots(part, w[:, 5:201], square=square),
                                  framestats.frame_dots(part.copy(), w[:, 5:201], square=square))


def test_frame_dots_sign_and_nan():
    s = np.array([[1.0, -2.0, 3.0]])
    with pytest.raises(ValueError, match="negative"):
        framestats.frame_dots(s, np.ones((1, 3)))
    np.testing.assert_allclose(framestats.frame_dots(s, np.ones((1, 3)), nonneg=False), [[2.0]])
    got = framestats.frame_dots(np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]]), np.ones((1, 3)))
    assert np.isnan(got[0, 0]) and got[1, 0] == 6.0
    with pytest.raises(ValueError, match="weights"):
        framestats.frame_dots(s, np.ones((1, 4)), nonneg=False)
    assert framestats.frame_dots(np.ones((0, 3)), np.ones((2, 3))).shape == (0, 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode,p", [("abs", 2.0), ("abs", 1.0), ("abs", 3.0), ("rectify", 2.0),
                                    ("rectify", 1.5), ("mkl", 2.0)])
def test_spectral_change_matches_numpy(dtype, mode, p):
    s = spectra(dtype)
    a, b = s[:, 1:], s[:, :-1]
    got = framestats.spectral_change(a, b, mode, p=p)
    want = reference_framestats.spectral_change(a, b, mode, p=p)
    assert got.shape == (2, 29) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)


def test_mkl_edge_values():
    """Zeros, subnormals, ratios from 1e-300 to overflow, NaN and infinity, one per frame,
    against numpy's log1p."""
    cur = np.array([0.0, 5e-324, 1e-300, 1e-20, 1e-12, 1.0, 3.0, 1e20, 1e300, np.inf, np.nan,
                    1e-5, 1e308])
    prev = np.array([0.0, 1.0, 1.0, 1.0, 3.0, 1.0, 1e-300, 1e-20, 1e-300, 1.0, 1.0, np.nan,
                     1e-310])
    a, b = cur[:, None] * np.ones((1, 9)), prev[:, None] * np.ones((1, 9))
    got = framestats.spectral_change(a, b, "mkl", amin=1e-10)
    want = reference_framestats.spectral_change(a, b, "mkl", amin=1e-10)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    ok = np.isfinite(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=2e-15, atol=0)
    assert got[0] == 0.0 and got[1] > 0


def test_ln1p_accuracy_over_the_range():
    """MKL's ln(1 + r) within 2 ulp of numpy's log1p for r from 1e-300 to 1e300."""
    r = np.exp(RNG.uniform(np.log(1e-300), np.log(1e300), 200_000))
    r[:1000] = RNG.uniform(0.0, 2.0, 1000)
    r[1000:2000] = 2.0 ** RNG.integers(-1074, 1023, 1000)           # powers of two
    got = framestats.spectral_change(r[:, None], np.ones((r.size, 1)), "mkl")
    want = np.log1p(r)
    np.testing.assert_allclose(got, want, rtol=4.5e-16, atol=0)


def test_entropy_log_accuracy_over_the_range():
    """The moments kernel's s ln s (fastlog.h) over normal and subnormal values: its entropy
    agrees with the numpy definition to 1e-14 on frames spanning 600 decades."""
    s = np.exp(RNG.uniform(np.log(1e-300), np.log(1e300), (200, 64)))
    s[:20, :10] = 2.0 ** RNG.integers(-1074, -1022, (20, 10))       # subnormals
    s[20:40] = RNG.uniform(0.5, 2.0, (20, 64))                       # ln near 0
    s /= s.sum(axis=-1, keepdims=True)                               # keep the sums finite
    freq = np.arange(64) * 10.0
    got = spectral.spectral_moments(s, freq)[..., 4]
    want = reference_spectral.spectral_moments(s, freq)[..., 4]
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)


def test_spectral_change_rejects_bad_input():
    a = np.ones((2, 4))
    with pytest.raises(ValueError, match="negative"):
        framestats.spectral_change(a, -a, "abs")
    with pytest.raises(ValueError, match="negative"):
        framestats.spectral_change(-a, a, "mkl")
    with pytest.raises(ValueError, match="differ"):
        framestats.spectral_change(a, a[:1], "abs")
    with pytest.raises(ValueError, match="mode"):
        framestats.spectral_change(a, a, "kl")
    with pytest.raises(ValueError, match="p >= 1"):
        framestats.spectral_change(a, a, "abs", p=0.5)
    nan = a.copy()
    nan[1, 2] = np.nan
    got = framestats.spectral_change(nan, a, "rectify")
    assert got[0] == 0.0 and np.isnan(got[1])
    assert framestats.spectral_change(np.ones((0, 4)), np.ones((0, 4)), "abs").shape == (0,)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_contrast_extremes_match_numpy(dtype):
    s = spectra(dtype, (2, 20, 600))
    first, count = [0, 10, 40, 100, 250], [11, 31, 61, 151, 350]
    for q in ([1, 1, 1, 1, 1], [1, 2, 5, 12, 64], [3, 7, 30, 80, 200]):   # 200 > 64: sorted copy
        got = framestats.contrast_extremes(s, first, count, q)
        want = reference_framestats.contrast_extremes(s, first, count, q)
        assert got.shape == (2, 20, 5, 2)
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
    rising = np.linspace(0.0, 1.0, 600)[None].astype(dtype)          # scanned against the trend
    np.testing.assert_allclose(framestats.contrast_extremes(rising, [0], [600], [12]),
                               reference_framestats.contrast_extremes(rising, [0], [600], [12]),
                               rtol=1e-14)


def test_contrast_extremes_nan_and_bands():
    s = np.arange(12.0)[None] * np.ones((2, 1))
    s[1, 7] = np.nan
    got = framestats.contrast_extremes(s, [0, 6], [6, 6], [2, 70 // 35])
    np.testing.assert_allclose(got[0], [[4.5, 0.5], [10.5, 6.5]])
    np.testing.assert_allclose(got[1, 0], [4.5, 0.5])
    assert np.isnan(got[1, 1]).all()
    for bad in (([0], [13], [1]), ([0], [4], [5]), ([0], [0], [1]), ([3], [4], [0])):
        with pytest.raises(ValueError, match="bands"):
            framestats.contrast_extremes(s, *bad)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_spectral_change_reads_strided_rows_in_place(dtype):
    """A band of bins of lagged frames (views with a row stride: eGeMAPS' flux below 5 kHz)
    gives what their contiguous copies give, bit for bit, and the definition; rows without
    a uniform stride (a reversed view) are copied."""
    s = spectra(dtype, shape=(2, 40, 257))[1]
    a, b = s[3:, :160], s[:-3, :160]                   # row stride 257, 160 bins
    assert not a.flags.c_contiguous
    for mode in ("abs", "rectify", "mkl"):
        got = framestats.spectral_change(a, b, mode, p=2.0)
        np.testing.assert_array_equal(got, framestats.spectral_change(a.copy(), b.copy(), mode,
                                                                      p=2.0))
        np.testing.assert_allclose(got, reference_framestats.spectral_change(a, b, mode, p=2.0),
                                   rtol=1e-13, atol=0)
    d = a.astype(np.float64) - b
    np.testing.assert_allclose(framestats.spectral_change(a, b, "abs", p=2.0),
                               np.sum(d * d, axis=1), rtol=1e-12)
    rev = s[::-1, 5:170]                               # negative row stride: a copy
    np.testing.assert_array_equal(framestats.spectral_change(rev[1:], rev[:-1], "abs", p=1.0),
                                  framestats.spectral_change(rev[1:].copy(), rev[:-1].copy(),
                                                             "abs", p=1.0))

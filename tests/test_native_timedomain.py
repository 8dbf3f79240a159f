"""The AMDF and AGC kernels: C against the numpy reference, edge cases (length 0
and 1, NaN, bad state), and the closed forms of each definition."""
import numpy as np
import pytest

from featgraph.native import reference_timedomain as reference
from featgraph.native import timedomain as kernels
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)


def amdf_direct(x, n_lags):
    """D[k] = sum_n |x[n] - x[n-k]| by a plain double loop (independent of both backends)."""
    n = len(x)
    return np.array([sum(abs(float(x[i]) - float(x[i - k])) for i in range(k, n))
                     for k in range(n_lags)])


def amdf_tolerance(want, dtype, length):
    """The C kernel's bound: W lanes of partial sums in the frames' type, added at the end
    (W = 8 floats, 4 doubles), about N / W + 4 roundings of the type per sum; every term is
    >= 0, so each rounding is relative to the sum itself (no cancellation).  One more for
    the division when normalised."""
    lanes = 8 if dtype == np.float32 else 4
    return (length / lanes + 6) * np.finfo(dtype).eps * np.abs(want)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("length, n_lags", [(60, 45), (300, 200), (129, 129), (7, 7),
                                            (400, 321)])
def test_amdf_c_matches_reference(dtype, normalize, length, n_lags):
    """Within the summation bound of ``amdf_tolerance``, across the kernel's 6-lag passes
    and vector tails (lengths not multiples of the vector width, lags not of 6)."""
    x = np.random.default_rng(1).standard_normal((3, 5, length)).astype(dtype)
    got, want = kernels.amdf(x, n_lags, normalize), reference.amdf(x, n_lags, normalize)
    assert got.dtype == want.dtype == dtype and got.shape == (3, 5, n_lags)
    assert np.all(np.abs(got - want) <= amdf_tolerance(want, dtype, length))
    assert np.all(got[..., 0] == 0.0)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_amdf_c_reads_overlapping_frames_in_place(dtype):
    """A framed view (hop < N, 2 channels) gives the rows' own AMDF, as copied frames do."""
    y = np.random.default_rng(5).standard_normal((2, 3000)).astype(dtype)
    view = np.lib.stride_tricks.sliding_window_view(y, 400, axis=-1)[:, ::160]
    got = kernels.amdf(view, 321, True)
    want = reference.amdf(np.ascontiguousarray(view), 321, True)
    assert got.shape == want.shape == (2, view.shape[1], 321)
    assert np.all(np.abs(got - want) <= amdf_tolerance(want, dtype, 400))
    np.testing.assert_array_equal(got, kernels.amdf(np.ascontiguousarray(view), 321, True))


@pytest.mark.parametrize("length", [37, 150])
def test_amdf_against_a_direct_loop(backend, length):
    x = np.random.default_rng(2).standard_normal(length)
    np.testing.assert_allclose(kernels.amdf(x, length), amdf_direct(x, length), rtol=1e-13)
    np.testing.assert_allclose(kernels.amdf(x, length, normalize=True),
                               amdf_direct(x, length) / (length - np.arange(length)),
                               rtol=1e-13)


def test_amdf_of_a_periodic_signal_vanishes_at_multiples_of_the_period(backend):
    period = 23
    x = np.tile(np.random.default_rng(3).standard_normal(period), 9)
    d = kernels.amdf(x, 150)
    multiples = np.arange(0, 150, period)
    assert np.all(d[multiples] == 0.0)
    others = np.setdiff1d(np.arange(150), multiples)
    assert d[others].min() > 0.1 * d.max()


def test_amdf_edge_cases(backend):
    assert kernels.amdf(np.zeros((4, 0)), 0).shape == (4, 0)
    assert kernels.amdf(np.zeros((0, 8)), 5).shape == (0, 5)
    np.testing.assert_array_equal(kernels.amdf(np.array([[3.0], [-1.0]]), 1), [[0.0], [0.0]])
    assert kernels.amdf(np.array([1.0, -2.0]), 2).tolist() == [0.0, 3.0]
    with pytest.raises(ValueError, match="n_lags"):
        kernels.amdf(np.ones(4), 5)
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.amdf(np.array([0.0, np.nan, 1.0]), 2)
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.amdf(np.array([0.0, np.inf], dtype=np.float32), 1)


def agc_direct(x, alpha, floor, e, xp):
    """The recursion written sample by sample in plain Python floats."""
    y = []
    for v in x:
        e = (1 - alpha) * xp * xp + alpha * e
        y.append(v / max(e, floor) ** 0.5)
        xp = v
    return np.array(y), e, xp


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_agc_c_matches_reference(dtype):
    x = np.random.default_rng(4).standard_normal((2, 3, 500)).astype(dtype)
    state = (np.full((2, 3), 0.5), np.linspace(-1, 1, 6).reshape(2, 3))
    y_c, e_c, p_c = kernels.agc(x, 0.97, 1e-8, *state)
    y_r, e_r, p_r = reference.agc(x, 0.97, 1e-8, *state)
    assert y_c.dtype == dtype
    np.testing.assert_array_equal(y_c, y_r)
    np.testing.assert_array_equal(e_c, e_r)
    np.testing.assert_array_equal(p_c, p_r)


def test_agc_against_the_recursion_written_out(backend):
    x = np.random.default_rng(5).standard_normal(200)
    y, e, xp = kernels.agc(x, 0.9, 1e-6, 2.0, 0.3)
    y_want, e_want, xp_want = agc_direct(x, 0.9, 1e-6, 2.0, 0.3)
    np.testing.assert_allclose(y, y_want, rtol=1e-12)
    assert float(e) == pytest.approx(e_want, rel=1e-12) and float(xp) == xp_want


def test_agc_of_a_constant_follows_the_closed_form(backend):
    """x = c, E(-1) = E0, x(-1) = 0: E(n) - c**2 = alpha**n (alpha E0 - c**2)."""
    c, alpha, e0 = 0.5, 0.9, 3.0
    n = np.arange(100)
    y, _, _ = kernels.agc(np.full(100, c), alpha, 1e-12, e0, 0.0)
    energy = c * c + alpha ** n * (alpha * e0 - c * c)
    np.testing.assert_allclose(y, c / np.sqrt(energy), rtol=1e-12)


def test_agc_of_a_sine_converges_to_unit_rms(backend):
    sr, amp = 16000, 0.02
    t = np.arange(2 * sr) / sr
    x = amp * np.sin(2 * np.pi * 440 * t)
    y, _, _ = kernels.agc(x, 0.999, 1e-12, 1.0, 0.0)
    tail = y[-sr // 2:]
    assert np.sqrt(np.mean(tail ** 2)) == pytest.approx(1.0, abs=2e-3)


def test_agc_blocks_equal_the_whole_signal(backend):
    x = np.random.default_rng(6).standard_normal((2, 400))
    whole, e_w, p_w = kernels.agc(x, 0.95, 1e-9, 1.0, 0.0)
    rng = np.random.default_rng(7)
    e, p, pieces, start = 1.0, 0.0, [], 0
    while start < 400:
        stop = min(400, start + int(rng.choice([0, 1, 2, 17, 60])))
        y, e, p = kernels.agc(x[:, start:stop], 0.95, 1e-9, e, p)
        pieces.append(y)
        start = stop
    np.testing.assert_array_equal(np.concatenate(pieces, axis=-1), whole)
    np.testing.assert_array_equal(e, e_w)


def test_agc_edge_cases(backend):
    y, e, p = kernels.agc(np.zeros(0), 0.5, 1e-9, 2.0, 1.0)
    assert y.shape == (0,) and float(e) == 2.0 and float(p) == 1.0   # state unchanged
    y, e, p = kernels.agc(np.array([2.0]), 0.5, 1e-9, 2.0, 0.0)
    assert y.tolist() == [2.0] and float(e) == 1.0 and float(p) == 2.0
    y, _, _ = kernels.agc(np.zeros(50), 0.5, 1e-9, 0.0, 0.0)          # silence stays finite
    assert np.all(y == 0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.agc(np.array([0.0, np.nan]), 0.5, 1e-9)
    with pytest.raises(ValueError, match="alpha"):
        kernels.agc(np.ones(3), 1.0, 1e-9)
    with pytest.raises(ValueError, match="floor"):
        kernels.agc(np.ones(3), 0.5, 0.0)
    with pytest.raises(ValueError, match="state"):
        kernels.agc(np.ones(3), 0.5, 1e-9, energy=-1.0)


def crossings_direct(frame, threshold, lecture):
    """Sign changes counted by a plain loop over Python floats (independent of both
    backends): librosa's rule, |v| <= threshold is +0 and the sign bit decides; or v < 0."""
    import math
    signs = [v < 0 if lecture else (not abs(v) <= threshold and math.copysign(1.0, v) < 0)
             for v in map(float, frame)]
    return sum(a != b for a, b in zip(signs, signs[1:]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lecture", [False, True])
def test_zero_crossings_of_overlapping_frames(backend, dtype, lecture):
    """Overlapping frames of one signal (read in place), with zeros, -0.0, samples at
    +-threshold and below it, a NaN of each sign (librosa's rule: its sign bit), against
    a plain loop; the same counts from a contiguous copy and with leading axes."""
    y = np.random.default_rng(4).standard_normal(5000)
    y[100:160] = 0.0
    y[300:306] = [-0.0, 1e-11, -1e-11, 1e-10, -1e-10, -2e-10]
    y[2000], y[3000] = np.nan, -np.nan
    y = y.astype(dtype)
    frames = np.lib.stride_tricks.sliding_window_view(y, 400)[::160]
    got = kernels.zero_crossings(frames, 1e-10, lecture)
    thr = float(dtype(1e-10))
    want = [crossings_direct(f, thr, lecture) for f in frames]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(kernels.zero_crossings(np.ascontiguousarray(frames),
                                                         1e-10, lecture), want)
    np.testing.assert_array_equal(kernels.zero_crossings(np.stack([frames, frames[::-1]]),
                                                         1e-10, lecture),
                                  [want, want[::-1]])
    np.testing.assert_array_equal(got, reference.zero_crossings(frames, 1e-10, lecture))


def test_zero_crossings_edge_cases(backend):
    assert kernels.zero_crossings(np.array([[5.0]]))[0] == 0
    assert kernels.zero_crossings(np.zeros((0, 7))).shape == (0,)
    np.testing.assert_array_equal(kernels.zero_crossings(np.array([1.0, -1.0, 1.0])), [2.0])
    with pytest.raises(ValueError, match="at least one sample"):
        kernels.zero_crossings(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="threshold must be >= 0"):
        kernels.zero_crossings(np.ones((2, 4)), -1.0)


# ---- samples.c: the load op's cast with the finiteness check ---------------------------

@needs_c
@pytest.mark.parametrize("src", [np.float32, np.float64])
@pytest.mark.parametrize("dst", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 0.5, 3.0517578125e-05, -0.75])
def test_samples_c_matches_reference(src, dst, scale):
    """Bit for bit the numpy cast and product, on values that round in the cast (float64
    -> float32), subnormals, signed zeros and the largest finite values."""
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.standard_normal(1001) * 10.0 ** rng.integers(-40, 38, 1001),
                        [0.0, -0.0, 1e-310, -1e-310, np.finfo(np.float32).max,
                         np.finfo(np.float32).tiny / 3]]).astype(src)
    got, want = kernels.samples(x, dst, scale), reference.samples(x, dst, scale)
    assert got.dtype == want.dtype == dst and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    # the definition itself: numpy's cast, then the product in the output type
    direct = x.astype(dst)
    if scale != 1.0:
        direct = direct * np.dtype(dst).type(scale)
    np.testing.assert_array_equal(got, direct)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("src", [np.float32, np.float64])
def test_samples_rejects_non_finite_anywhere(backend, bad, src):
    """NaN or an infinity at the start, in the middle (past a vector width) or at the end
    of a block, in one channel of two: an error, whatever the position."""
    for at in (0, 517, 999):
        x = np.zeros((2, 1000), src)
        x[1, at] = bad
        with pytest.raises(ValueError, match="NaN or infinity"):
            kernels.samples(x, np.float32)


@pytest.mark.parametrize("src", [np.float32, np.float64])
def test_all_finite_agrees_with_numpy_at_every_position(backend, src):
    """NaN, +inf or -inf at each position of lengths around the vector widths (the
    scalar tail included), the largest finite values and subnormals (finite), channels,
    a strided view and no samples: what ``np.isfinite(x).all()`` says."""
    info = np.finfo(src)
    for n in (1, 7, 8, 9, 31, 33, 257):
        x = np.linspace(-1.0, 1.0, n).astype(src)
        x[::3] = info.max
        x[1::5] = -info.tiny / 4
        assert kernels.all_finite(x) and np.isfinite(x).all()
        for bad in (np.nan, np.inf, -np.inf):
            for at in range(n):
                y = x.copy()
                y[at] = bad
                assert not kernels.all_finite(y)
    two = np.zeros((2, 40), src)
    two[1, 39] = np.nan
    assert not kernels.all_finite(two) and kernels.all_finite(two[:1])
    assert kernels.all_finite(two[:, ::2][:, :-1]) and not kernels.all_finite(two[:, 1::2])
    assert kernels.all_finite(np.zeros((2, 0), src))


def test_samples_shapes_and_empty(backend):
    """Channels keep their shape; a strided view is read as it is; no samples: an empty
    array; a non-finite scale is refused."""
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    np.testing.assert_array_equal(kernels.samples(x[:, ::2], np.float32),
                                  np.array([[0, 2], [4, 6], [8, 10]], np.float32))
    assert kernels.samples(np.empty((2, 0)), np.float64).shape == (2, 0)
    with pytest.raises(ValueError, match="scale"):
        kernels.samples(x, np.float64, np.inf)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_preemphasis_against_its_definition(backend, dtype):
    """y[n] = x[n] - c x[n-1] in the type of x (product rounded, then difference: a plain
    loop in that type), per channel, with the previous block's last sample or a start."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 257)).astype(dtype)
    prev = rng.standard_normal(3).astype(dtype)
    c = dtype(0.97)
    for before in (None, prev):
        got = kernels.preemphasis(x, 0.97, before)
        want = np.empty_like(x)
        for r in range(3):
            want[r, 0] = x[r, 0] if before is None else dtype(x[r, 0] - dtype(c * before[r]))
            for i in range(1, 257):
                want[r, i] = dtype(x[r, i] - dtype(c * x[r, i - 1]))
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got, reference.preemphasis(x, 0.97, before))
    # blocks of any size, the last sample carried: the whole signal's result
    cuts = [0, 1, 2, 100, 101, 257]
    parts, last = [], None
    for a, b in zip(cuts[:-1], cuts[1:]):
        parts.append(kernels.preemphasis(x[:, a:b], 0.97, last))
        last = x[:, b - 1]
    np.testing.assert_array_equal(np.concatenate(parts, axis=-1), kernels.preemphasis(x, 0.97))


def test_preemphasis_edges(backend):
    """One-dimensional input, no samples, coef at its bounds; outside [0, 1], NaN, or a
    prev of the wrong size: ValueError."""
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(kernels.preemphasis(x, 0.0), x)
    np.testing.assert_array_equal(kernels.preemphasis(x, 1.0, np.array([1.0])), [0.0, -3.0, 5.0])
    assert kernels.preemphasis(np.empty((2, 0)), 0.5).shape == (2, 0)
    for bad in (-0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match="coef"):
            kernels.preemphasis(x, bad)
    with pytest.raises(ValueError, match="prev"):
        kernels.preemphasis(np.ones((2, 4)), 0.5, np.ones(3))


def period_rows(dtype):
    """Autocorrelation-like rows of periodic and noisy frames, plus silence and r[0] < 0."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((40, 400))
    x[:20] += np.tile(rng.standard_normal(80), 5)                 # period 80
    x[5] = 0.0
    r = np.stack([np.correlate(v, v, "full")[399:] for v in x])
    r[6] = -r[6]                                                  # r[0] < 0: scores 0
    r[7, 100:110] = r[7, 0]                                       # a plateau of best scores
    return r.astype(dtype)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["autocorrelation", "amdf"])
@pytest.mark.parametrize("kmin, kmax, tolerance", [(40, 267, 0.05), (1, 399, 0.0),
                                                    (100, 110, 1.0), (2, 2, 0.05)])
def test_pick_period_c_matches_reference(dtype, mode, kmin, kmax, tolerance):
    """Bit for bit: the kernel does the same double operations (kmax = 399 is the last lag,
    whose right neighbour counts as -inf; kmin = 1 reads lag 0 as the left one)."""
    r = period_rows(dtype)
    if mode == "amdf":
        r = np.abs(r)                       # >= 0 like an AMDF; the silent row stays 0
    got, want = kernels.pick_period(r.reshape(4, 10, 400), kmin, kmax, mode, tolerance), \
        reference.pick_period(r.reshape(4, 10, 400), kmin, kmax, mode, tolerance)
    for g, w in zip(got, want):
        assert g.shape == w.shape == (4, 10) and g.dtype == w.dtype == np.float64
        np.testing.assert_array_equal(g, w)


def test_pick_period_finds_the_period_and_handles_silence(backend):
    """Period 80 (r[80] = r[0] for exact repetition; r[160] ties it: the shortest is taken),
    silence and r[0] < 0 score 0 at the first lag; the docstring's example."""
    x = np.tile(np.random.default_rng(8).standard_normal(80), 5)
    r = np.correlate(x, x, "full")[399:] / (400 - np.arange(400))
    lag, strength = kernels.pick_period(r, 40, 267, "autocorrelation", 0.05)
    assert lag == 80 and strength == pytest.approx(1.0, rel=1e-12)
    d = kernels.amdf(x, 300, True)
    lag, strength = kernels.pick_period(d, 40, 267, "amdf", 0.05)
    assert lag == 80 and strength == 1.0
    for mode in ("autocorrelation", "amdf"):
        lag, strength = kernels.pick_period(np.zeros((3, 300)), 40, 267, mode, 0.05)
        assert lag.tolist() == [40.0] * 3 and strength.tolist() == [0.0] * 3
    lag, strength = kernels.pick_period(-np.abs(r), 40, 267, "autocorrelation", 0.05)
    assert (lag, strength) == (40.0, 0.0)
    lag, strength = kernels.pick_period(np.array([4.0, 1.0, 3.0, 1.0, 2.9]), 1, 4,
                                        "autocorrelation", 0.05)
    assert (lag, strength) == (2.0, 0.75)


def test_pick_period_argument_errors(backend):
    r = np.ones((2, 10))
    for kmin, kmax in [(0, 5), (6, 5), (2, 10)]:
        with pytest.raises(ValueError, match="kmin"):
            kernels.pick_period(r, kmin, kmax, "amdf", 0.05)
    with pytest.raises(ValueError, match="mode"):
        kernels.pick_period(r, 1, 5, "cepstrum", 0.05)
    with pytest.raises(ValueError, match="tolerance"):
        kernels.pick_period(r, 1, 5, "amdf", -1.0)
    r[1, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.pick_period(r, 1, 5, "amdf", 0.05)
    assert kernels.pick_period(np.ones((0, 10)), 1, 5, "amdf", 0.0)[0].shape == (0,)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_amdf_first_lag_is_part_of_the_full_call(backend, dtype):
    """Lags from a multiple of amdf_pass() to one (or to the end) are the full call's, bit
    for bit (the kernel's passes line up); any first_lag is within the rounding bound;
    out= is written in place."""
    x = np.random.default_rng(9).standard_normal((7, 400)).astype(dtype)
    full = kernels.amdf(x, 321, True)
    step = kernels.amdf_pass()
    for first, end in [(6 * step, 45 * step), (6 * step, 321), (0, 321)]:
        np.testing.assert_array_equal(kernels.amdf(x, end, True, first), full[:, first:end])
    part = kernels.amdf(x, 270, True, 39)
    assert part.shape == (7, 231)
    assert np.all(np.abs(part - full[:, 39:270]) <= amdf_tolerance(full[:, 39:270], dtype, 400))
    out = np.empty((7, 231), dtype)
    got = kernels.amdf(x, 270, True, 39, out=out)
    np.testing.assert_array_equal(got, part)
    assert np.shares_memory(got, out) or backend == "numpy"
    with pytest.raises(ValueError, match="first_lag"):
        kernels.amdf(x, 10, False, 11)
    if backend == "c":
        with pytest.raises(ValueError, match="out must be"):
            kernels.amdf(x, 270, True, 39, out=np.empty((7, 230), dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_preemphasis_into_out(backend, dtype):
    """``out=``: written in place (a contiguous tail of a larger buffer, by the kernel),
    through a copy (a strided view, or ``out`` overlapping ``x``); the same numbers as a
    new array; a wrong shape or dtype is a ValueError."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 300)).astype(dtype)
    prev = rng.standard_normal(2).astype(dtype)
    want = reference.preemphasis(x, 0.97, prev)
    buf = np.full(5 + x[0].size, 7.0, dtype)
    got = kernels.preemphasis(x[0], 0.97, prev[:1], out=buf[5:])
    assert np.shares_memory(got, buf)
    np.testing.assert_array_equal(buf[5:], want[0])
    np.testing.assert_array_equal(buf[:5], 7.0)                 # the head left alone
    wide = np.zeros((2, 310), dtype)
    kernels.preemphasis(x, 0.97, prev, out=wide[:, 10:])        # not C-contiguous
    np.testing.assert_array_equal(wide[:, 10:], want)
    np.testing.assert_array_equal(wide[:, :10], 0.0)
    same = x.copy()
    kernels.preemphasis(same, 0.97, prev, out=same)             # in place: via a copy
    np.testing.assert_array_equal(same, want)
    with pytest.raises(ValueError, match="out"):
        kernels.preemphasis(x, 0.97, prev, out=np.empty((2, 299), dtype))
    with pytest.raises(ValueError, match="out"):
        kernels.preemphasis(x, 0.97, prev, out=np.empty((2, 300), np.complex128))

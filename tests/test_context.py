"""Deltas, CMVN and energy normalisation: closed forms, and chunked streaming equals whole."""
import numpy as np
import pytest

from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import join_chunks
from featgraph.nodes.context import (CMVN, Delta, EnergyNormalize, RegressionDelta,
                                     SlidingCMVN)

RNG = np.random.default_rng(3)


def ceps(x):
    return Feature(np.asarray(x), Kind.CEPSTRA, 16000.0, hop=160, win_length=400)


def chunked(op, x, rng, max_chunk=7):
    """Run a block op on random chunks (0 and 1 frames included), then flush."""
    state, outs, i = op.start(), [], 0
    while i < x.n_frames:
        k = int(rng.integers(0, max_chunk))
        outs.append(state.step(x.derive(x.data[..., i:i + k])))
        i += k
    outs.append(state.flush())
    return join_chunks(outs).data


BLOCK_OPS = [Delta(), Delta(width=5, order=2), RegressionDelta(), RegressionDelta(n=3, order=2),
             SlidingCMVN(window=10), SlidingCMVN(window=8, center=True, variance=True)]


@pytest.mark.parametrize("op", BLOCK_OPS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_chunked_equals_whole(op, dtype):
    x = ceps(RNG.standard_normal((2, 13, 61)).astype(dtype))      # two channels
    whole = op(x).data
    assert whole.shape == x.data.shape and whole.dtype == dtype
    for seed in range(3):
        got = chunked(op, x, np.random.default_rng(seed))
        np.testing.assert_allclose(got, whole, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)
    ones = chunked(op, x, np.random.default_rng(0), max_chunk=2)     # chunks of 0 or 1 frame
    np.testing.assert_allclose(ones, whole, rtol=1e-5, atol=1e-5)


def test_latencies():
    assert Delta(width=9).latency() == 4
    assert RegressionDelta(n=2, order=2).latency() == 4
    assert SlidingCMVN(window=10).latency() == 0
    assert SlidingCMVN(window=10, center=True).latency() == 4


def test_savgol_delta_closed_forms():
    t = np.arange(30.0)
    ramp = ceps(np.vstack([3 * t + 1, -0.5 * t]))
    np.testing.assert_allclose(Delta()(ramp).data, [[3.0] * 30, [-0.5] * 30], atol=1e-12)
    quad = ceps((0.25 * t ** 2 - t)[None, :])
    np.testing.assert_allclose(Delta(order=2, width=7)(quad).data, 0.5, atol=1e-12)
    # interior of order 1 is the regression sum n x[t+n] / sum n^2 over |n| <= 4
    x = RNG.standard_normal((1, 20))
    got = Delta()(ceps(x)).data
    n = np.arange(-4, 5)
    np.testing.assert_allclose(got[0, 4:16], [(n * x[0, i - 4:i + 5]).sum() / 60
                                              for i in range(4, 16)], atol=1e-12)


def test_regression_delta_edges_repeat_frames():
    t = np.arange(10.0)
    d = RegressionDelta(n=2)(ceps((2 * t)[None, :])).data[0]
    np.testing.assert_allclose(d[2:8], 2.0)
    # t = 0: (1 (x1 - x0) + 2 (x2 - x0)) / 10 with x[-1] = x[-2] = x0
    np.testing.assert_allclose(d[0], (1 * 2 + 2 * 4) / 10)
    np.testing.assert_allclose(d[1], (1 * (4 - 0) + 2 * (6 - 0)) / 10)
    np.testing.assert_allclose(d[9], d[0])


def _htk_regression_loop(x, n):
    """HTK Book 5.9 as a plain loop: d_t = sum_i i (c_{t+i} - c_{t-i}) / (2 sum_i i^2), the
    first and last frames repeated beyond the edges."""
    t_max = x.shape[-1]
    d = np.zeros_like(x)
    for t in range(t_max):
        for i in range(1, n + 1):
            d[..., t] += i * (x[..., min(t + i, t_max - 1)] - x[..., max(t - i, 0)])
    return d / (2 * sum(i * i for i in range(1, n + 1)))


@pytest.mark.parametrize("n_frames", [1, 2, 3, 4, 5, 9])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_regression_delta_whole_and_short_inputs(n_frames, n):
    # a whole input (one chunk, then the end) takes a single padded pass: fewer frames
    # than the window included, it gives HTK's loop and, bit for bit, the streamed passes
    x = RNG.standard_normal((2, 4, n_frames))
    whole = RegressionDelta(n=n, order=2)(ceps(x)).data
    np.testing.assert_allclose(whole, _htk_regression_loop(_htk_regression_loop(x, n), n),
                               rtol=1e-12, atol=1e-12)
    ones = chunked(RegressionDelta(n=n, order=2), ceps(x), np.random.default_rng(n), 2)
    np.testing.assert_array_equal(ones, whole)


def test_delta_needs_width_frames():
    with pytest.raises(ValueError, match="width = 9 exceeds the 5 frames .* width <= 5"):
        Delta()(ceps(np.zeros((13, 5))))
    with pytest.raises(ValueError, match="must be odd"):
        Delta(width=8)


def test_utterance_cmvn():
    x = RNG.standard_normal((13, 100)) * 3 + 5
    y = CMVN(variance=True)(ceps(x)).data
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=1), 1, atol=1e-12)
    np.testing.assert_allclose(CMVN()(ceps(x)).data, x - x.mean(axis=1, keepdims=True))


def test_sliding_cmvn_brute_force():
    x = RNG.standard_normal((4, 40))
    for op in (SlidingCMVN(window=9, variance=True), SlidingCMVN(window=6, center=True)):
        left, right = op.span()
        want = np.empty_like(x)
        for t in range(40):
            seg = x[:, max(0, t - left):t + right + 1]
            want[:, t] = x[:, t] - seg.mean(axis=1)
            if op.variance:
                want[:, t] /= np.maximum(seg.std(axis=1), op.floor)
        np.testing.assert_allclose(op(ceps(x)).data, want, atol=1e-12)


def test_energy_normalize_closed_form():
    e = np.log(np.array([[1e6, 1e2, 1e-3, 1e5]]))
    y = EnergyNormalize()(Feature(e, Kind.FEATURE, 16000.0)).data[0]
    floor = np.log(1e6) - 50 * np.log(10) / 10                        # 50 dB below the max
    want = 1 - (np.log(1e6) - np.maximum(e[0], floor)) * 0.1
    np.testing.assert_allclose(y, want)
    assert y[0] == 1.0 and y[2] == y.min()


@pytest.mark.parametrize("op", BLOCK_OPS + [CMVN(variance=True)], ids=repr)
def test_exact_zeros_and_constant_input_stay_finite(op):
    square = np.clip(3 * np.sign(np.sin(np.arange(20) * 0.9)), -1, 1) * np.ones((13, 1))
    for x in (np.zeros((13, 20)), np.full((13, 20), -23.0), square):
        out = op(ceps(x)).data
        assert np.isfinite(out).all()

"""The ops of the Kaldi family (featgraph/nodes/kaldi.py, the kaldi mel layout, cmvn's ddof),
each with the template's three checks: an independent reference, finite output on hard
inputs, chunked processing equal to the whole-array call."""
import math

import numpy as np
import pytest
from scipy.signal import detrend

from conftest import EDGE_SIGNALS, edge_signal
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.context import CMVN
from featgraph.nodes.kaldi import Dither, FixFrames, RemoveDC, StackFrames, DatasetNormalize
from featgraph.nodes.mel import mel_weights
from streamcheck import assert_same_features, run_op_chunked

SR = 16000


def frames(a, kind=Kind.FRAMES, hop=160):
    """(..., length, frames) feature from an array."""
    return Feature(np.asarray(a), kind, SR, hop=hop, win_length=400)


def hard_frames(case):
    y = edge_signal(case)
    n = 1 + (len(y) - 400) // 160
    idx = np.arange(400)[:, None] + 160 * np.arange(n)[None, :]
    return frames(y[idx])


def kaldi_mel_banks(sr, n_fft, n_bins, low, high):
    """Kaldi's MelBanks constructor (feat/mel-computations.cc), written out as loops."""
    mel = lambda f: 1127.0 * math.log(1.0 + f / 700.0)        # noqa: E731
    width = sr / n_fft
    lo, hi = mel(low), mel(high)
    delta = (hi - lo) / (n_bins + 1)
    w = np.zeros((n_bins, n_fft // 2 + 1))
    for b in range(n_bins):
        left, centre, right = lo + b * delta, lo + (b + 1) * delta, lo + (b + 2) * delta
        for i in range(n_fft // 2):
            m = mel(width * i)
            if left < m < right:
                w[b, i] = (m - left) / (centre - left) if m <= centre else \
                    (right - m) / (right - centre)
    return w


@pytest.mark.parametrize("sr, n_fft, n_bins, low, high", [
    (16000, 512, 80, 20.0, 8000.0), (16000, 512, 23, 20.0, 8000.0),
    (8000, 256, 23, 20.0, 4000.0), (16000, 512, 40, 64.0, 7600.0)])
def test_kaldi_mel_layout_is_kaldis_formula(sr, n_fft, n_bins, low, high):
    w, centres = mel_weights(sr, n_fft, n_bins, low, high, "kaldi", "htk", "none")
    np.testing.assert_allclose(w, kaldi_mel_banks(sr, n_fft, n_bins, low, high), atol=1e-12)
    assert w[:, -1].max() == 0                                 # the Nyquist bin: no weight
    assert np.all(np.diff(centres) > 0)


def test_remove_dc_is_scipy_constant_detrend():
    x = np.random.default_rng(0).standard_normal((2, 400, 30)) + 5.0
    got = RemoveDC()(frames(x)).data
    np.testing.assert_allclose(got, detrend(x, axis=-2, type="constant"), atol=1e-12)


def test_dither_adds_seeded_gaussian_noise():
    x = np.zeros((400, 500))
    assert Dither(amount=0.0)(frames(x)).data is x            # 0: untouched
    noise = Dither(amount=2.0, seed=7)(frames(x)).data
    assert abs(noise.std() - 2.0) < 0.02 and abs(noise.mean()) < 0.02
    np.testing.assert_array_equal(noise, Dither(amount=2.0, seed=7)(frames(x)).data)
    assert not np.array_equal(noise, Dither(amount=2.0, seed=8)(frames(x)).data)
    f32 = Dither(amount=1.0)(frames(x.astype(np.float32))).data
    assert f32.dtype == np.float32


def test_fix_frames_pads_and_cuts():
    x = np.arange(12.0).reshape(3, 4)
    padded = FixFrames(frames=6, value=-1.0)(frames(x, Kind.BANDS)).data
    np.testing.assert_array_equal(padded, np.hstack([x, -np.ones((3, 2))]))
    cut = FixFrames(frames=2)(frames(x, Kind.BANDS)).data
    np.testing.assert_array_equal(cut, x[:, :2])


def test_dataset_normalize_closed_form():
    x = np.random.default_rng(1).standard_normal((5, 7)).astype(np.float32)
    got = DatasetNormalize(mean=-4.2677393, std=9.1379948)(frames(x, Kind.BANDS)).data
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, (x + 4.2677393) / 9.1379948, rtol=1e-6)


@pytest.mark.parametrize("n, stride, pad", [(7, 2, True), (8, 2, True), (7, 3, False),
                                            (1, 2, True)])
def test_stack_frames_closed_form(n, stride, pad):
    x = np.random.default_rng(n).standard_normal((2, 4, n))          # two channels
    got = StackFrames(stride=stride, pad=pad)(frames(x, Kind.BANDS))
    m = -(-n // stride) if pad else n // stride
    fm = np.concatenate([np.swapaxes(x, -1, -2), np.zeros((2, m * stride - n, 4))], axis=-2) \
        if pad else np.swapaxes(x, -1, -2)[:, :m * stride]
    want = np.swapaxes(fm.reshape(2, m, stride * 4), -1, -2)        # [x[s j]; x[s j + 1]; ...]
    np.testing.assert_array_equal(got.data, want)
    assert got.hop == 160 * stride
    np.testing.assert_array_equal(got.data[:, 4:8, 0], x[:, :, 1] if n > 1 else 0 * x[:, :, 0])


@pytest.mark.parametrize("ddof, eps", [(0, 0.0), (1, 1e-7)])
def test_cmvn_ddof_and_epsilon(ddof, eps):
    x = np.random.default_rng(2).standard_normal((6, 50)) * 3 + 1
    got = CMVN(variance=True, ddof=ddof, epsilon=eps)(frames(x, Kind.BANDS)).data
    want = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, ddof=ddof, keepdims=True) + eps)
    np.testing.assert_allclose(got, want, rtol=1e-12)


OPS = [RemoveDC(), Dither(amount=1.0, seed=3)]
BAND_OPS = [FixFrames(frames=50), DatasetNormalize(mean=1.0, std=2.0), StackFrames(stride=2),
            StackFrames(stride=3, pad=False)]


@pytest.mark.parametrize("case", EDGE_SIGNALS)
@pytest.mark.parametrize("op", OPS + BAND_OPS, ids=lambda o: repr(o)[:40])
def test_finite_on_hard_inputs(case, op):
    x = hard_frames(case)
    if op in BAND_OPS:
        x = x.derive(np.log(np.maximum(x.data[:40] ** 2, 1e-7)), Kind.BANDS)
    assert np.isfinite(op(x).data).all()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("op", OPS + BAND_OPS, ids=lambda o: repr(o)[:40])
def test_streamed_equals_whole(seed, op):
    rng = np.random.default_rng(seed)
    x = frames(rng.standard_normal((2, 400 if op in OPS else 6, int(rng.integers(1, 90)))))
    if op in BAND_OPS:
        x = x.derive(x.data, Kind.BANDS)
    assert_same_features(run_op_chunked(op, x, rng=rng, largest=int(rng.integers(1, 20))), op(x))

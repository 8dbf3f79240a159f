"""PNCC (Kim & Stern 2016): the block ops chunked vs whole, hostile input, and the pncc
recipe (the C kernels: tests/test_native_pncc.py)."""
import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA
from featgraph import native
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import join_chunks
from featgraph.native import reference_pncc as ref
from featgraph.nodes.pncc import MeanPowerNormalization, PnccSuppression

RNG = np.random.default_rng(10)
BACKENDS = ["c", "numpy"]


def bands(x, dtype=np.float64):
    """A BANDS feature from a frame-major (..., frames, bands) array."""
    return Feature(np.swapaxes(np.asarray(x, dtype=dtype), -1, -2), Kind.BANDS, 16000.0,
                   hop=160, win_length=400)


def test_medium_time_power_is_the_centred_mean_with_truncated_ends():
    p = RNG.random((2, 11, 3))
    q = ref.medium_time_power(p, 0, 11, 2)      # the C kernel's q: test_native_pncc
    for m in range(11):
        lo, hi = max(m - 2, 0), min(m + 3, 11)
        np.testing.assert_allclose(q[:, m], p[:, lo:hi].mean(axis=1), rtol=1e-14)


def run_chunked(op, x: Feature, sizes):
    state, chunks, start = op.start(), [], 0
    for size in sizes:
        chunks.append(state.step(x.derive(x.data[..., start:start + size])))
        start += size
    chunks.append(state.step(x.derive(x.data[..., start:])))
    chunks.append(state.flush())
    return join_chunks(chunks)


@pytest.mark.parametrize("op", [PnccSuppression(), PnccSuppression(M=0),
                                PnccSuppression(M=5, temporal_masking=False),
                                MeanPowerNormalization(), MeanPowerNormalization(mu0=1.0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_block_ops_chunked_equal_whole(op, dtype):
    x = bands(RNG.random((2, 120, 12)) ** 4, dtype)
    whole = op(x)
    assert whole.data.shape == x.data.shape and whole.data.dtype == dtype
    rng = np.random.default_rng(3)
    for sizes in ([1] * 30, [0, 1, 2, 1, 0, 7], list(rng.integers(0, 9, 25))):
        got = run_chunked(op, x, sizes)
        np.testing.assert_array_equal(got.data, whole.data)
    assert op.latency() == getattr(op, "M", 0)


def test_suppression_of_short_inputs():
    for n in (0, 1, 2, 3):
        x = bands(RNG.random((n, 5)))
        out = PnccSuppression()(x)
        assert out.data.shape == (5, n)
    # One frame, Q = P: Q0 = 0.0999 Q, and Q < 2 Q_le, so R = Q_f = 0.9001 Q0
    one = PnccSuppression()(bands(np.full((1, 5), 2.0)))
    np.testing.assert_allclose(one.data[:, 0], 2.0 * 0.9001 * 0.0999, rtol=1e-12)


def speech():
    y, sr = sf.read(featgraph.example("speech"))
    return y, sr


def clipped_square(sr=16000):
    t = np.arange(sr) / sr
    return np.clip(1.5 * np.sign(np.sin(2 * np.pi * 220 * t)), -1, 1)


@pytest.mark.parametrize("name", ["pncc", "gtcc", "lfcc", "bfcc"])
def test_recipes_finite_on_silence_zeros_and_square(name):
    recipe = featgraph.load(name)
    assert np.isfinite(recipe.run(DATA / "silence_16k.wav")[name]).all()
    assert np.isfinite(recipe.run(np.zeros(16000), sr=16000)[name]).all()
    assert np.isfinite(recipe.run(clipped_square(), sr=16000)[name]).all()
    y, sr = speech()
    y[20000:30000] = 0.0
    assert np.isfinite(recipe.run(y, sr=sr)[name]).all()


def test_pncc_is_gain_invariant():
    """Every PNCC stage is homogeneous and eq. 15 divides the scale out."""
    y, sr = speech()
    a = featgraph.load("pncc").run(y, sr=sr)["pncc"]
    b = featgraph.load("pncc").run(y * 1000.0, sr=sr)["pncc"]
    np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-9)


def test_pncc_recipe_matches_the_stages_by_hand():
    """The recipe = Kim's pipeline written out with numpy and the reference kernels."""
    import scipy.fft
    import scipy.signal
    from featgraph.nodes.gammatone import gammatone_weights
    y, sr = speech()
    got = featgraph.load("pncc").run(y, sr=sr)["pncc"]
    x = np.r_[y[:1], y[1:] - 0.97 * y[:-1]]
    n, hop = 410, 160                                   # 25.6 ms (rounded), 10 ms
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::hop]
    spec = np.abs(np.fft.rfft(frames * scipy.signal.get_window("hamming", n, fftbins=False),
                              1024)) ** 2
    w, _ = gammatone_weights(1024, 16000.0, 40, 200.0, 8000.0)
    p = spec @ w.T
    q = np.array([p[max(m - 2, 0):m + 3].mean(0) for m in range(len(p))])
    t = ref.pncc_suppress(p, q, ref.suppress_state((), 40))
    u = ref.mean_power_norm(t, ref.norm_state(()))
    want = scipy.fft.dct(u ** (1 / 15), norm="ortho", axis=1)[:, :13].T
    assert got.shape == want.shape == (13, 831)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_backend_flag():
    assert native.BACKEND in ("c", "numpy")


def noisy_distance(clean, noisy, rows):
    """Mean per-frame distance between mean-normalised noisy and clean features,
    over the mean distance of the clean frames to their mean."""
    a = clean[rows] - clean[rows].mean(axis=1, keepdims=True)
    b = noisy[rows] - noisy[rows].mean(axis=1, keepdims=True)
    return np.linalg.norm(a - b, axis=0).mean() / np.linalg.norm(a, axis=0).mean()


def test_pncc_is_more_noise_robust_than_mfcc39():
    """White noise at 10 dB SNR (seeded): PNCC moves clearly less than mfcc39's cepstra.

    Compared: pncc's 13 coefficients (c0..c12) with mfcc39's 13 statics (c1..c12 and
    the normalised log energy), and c1..c12 with c1..c12.  Measured (seed 0): 0.589
    vs 0.747 (21 % smaller) and 0.607 vs 0.747 (19 % smaller); docs/speech-pncc.md.
    """
    y, sr = speech()
    noise = np.random.default_rng(0).standard_normal(y.size)
    noise *= np.sqrt(np.mean(y ** 2) / np.mean(noise ** 2) / 10 ** (10 / 10))
    out = {}
    for name in ("pncc", "mfcc39"):
        recipe = featgraph.load(name)
        out[name] = recipe.run(y, sr=sr)[name], recipe.run(y + noise, sr=sr)[name]
    pncc_all = noisy_distance(*out["pncc"], slice(0, 13))
    pncc_ceps = noisy_distance(*out["pncc"], slice(1, 13))
    mfcc_static = noisy_distance(*out["mfcc39"], slice(0, 13))     # c1..c12, E
    mfcc_ceps = noisy_distance(*out["mfcc39"], slice(0, 12))       # c1..c12
    assert pncc_all <= 0.8 * mfcc_static, (pncc_all, mfcc_static)  # >= 20 % smaller
    assert pncc_ceps <= 0.85 * mfcc_ceps, (pncc_ceps, mfcc_ceps)   # >= 15 % smaller

"""HPSS against librosa's saved output and a chord-plus-clicks mixture; NMF on exact
low-rank data."""
import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, EDGE_SIGNALS, edge_signal
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.decompose import HPSS, NMF
from mir_signals import chord, click_times, click_track

REFS = np.load(DATA / "onset_refs.npz")


def stft_mag(y, n_fft=2048, hop=512):
    """|STFT| with librosa's default framing (centred, zero padding, periodic Hann)."""
    y = np.pad(y, n_fft // 2)
    n = 1 + (len(y) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    return np.abs(np.fft.rfft(y[idx] * win, axis=-1)).T


def magnitude_feature(s, sr=22050.0):
    return Feature(s, Kind.POWER, sr, hop=512, win_length=2048, n_fft=2048,
                   axis=np.arange(s.shape[-2]) * sr / 2048)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_hpss_matches_librosa(dtype):
    y, sr = sf.read(DATA / "chord_pluck_22k_mono.wav")
    got = featgraph.load("hpss").run(y, sr=sr, dtype=dtype)
    scale = (REFS["chord/hpss_harmonic"] + REFS["chord/hpss_percussive"]).max()
    for part in ("harmonic", "percussive"):
        assert got[part].shape == (1025, 130) and got[part].dtype == np.dtype(dtype)
        assert np.abs(got[part] - REFS[f"chord/hpss_{part}"]).max() <= 1e-4 * scale


def test_chord_and_clicks_separate_by_20_db():
    sr, seconds = 22050, 4.0
    harmonic = 0.3 * chord(seconds)
    percussive = click_track(click_times(0.37, 10, 0.2), seconds)
    masks = HPSS(masks=True)(magnitude_feature(stft_mag(harmonic + percussive)))
    m_h, m_p = masks["harmonic"].data, masks["percussive"].data
    h, p = stft_mag(harmonic) ** 2, stft_mag(percussive) ** 2
    db = lambda a, b: 10 * np.log10(a.sum() / b.sum())   # noqa: E731
    assert db(m_h ** 2 * h, m_p ** 2 * h) >= 20.0          # the chord stays harmonic
    assert db(m_p ** 2 * p, m_h ** 2 * p) >= 20.0          # the clicks percussive
    np.testing.assert_allclose(m_h + m_p, 1.0, atol=1e-12)


def test_complex_input_keeps_the_phase_and_hard_masks():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((65, 40)) + 1j * rng.standard_normal((65, 40))
    x = Feature(z, Kind.SPECTRUM, 8000.0, hop=32, n_fft=128, axis=np.arange(65) * 62.5)
    parts = HPSS(kernel_harmonic=7, kernel_percussive=9)(x)
    mag = HPSS(kernel_harmonic=7, kernel_percussive=9)(x.derive(np.abs(z), Kind.POWER))
    np.testing.assert_allclose(parts["harmonic"].data, mag["harmonic"].data * z / np.abs(z),
                               rtol=1e-12)
    np.testing.assert_allclose(parts["harmonic"].data + parts["percussive"].data, z,
                               rtol=1e-12)
    hard = HPSS(hard=True, margin_harmonic=2.0, masks=True)(x.derive(np.abs(z), Kind.POWER))
    assert set(np.unique(hard["harmonic"].data)) <= {0.0, 1.0}
    assert not np.any(hard["harmonic"].data * hard["percussive"].data)


@pytest.mark.parametrize("case", EDGE_SIGNALS)
def test_hpss_hard_inputs(case):
    out = featgraph.load("hpss").run(edge_signal(case), sr=16000)
    for part in ("harmonic", "percussive"):
        assert np.isfinite(out[part]).all()
    if case == "zeros":
        assert not out["harmonic"].any()


@pytest.mark.parametrize("beta", [2.0, 1.0, 0.0])
def test_nmf_recovers_an_exact_low_rank_spectrogram(beta):
    rng = np.random.default_rng(1)
    w, h = rng.uniform(0.1, 1, (40, 3)), rng.uniform(0.1, 1, (3, 60))
    s = w @ h
    out = NMF(n_components=3, beta=beta, n_iter=800, seed=3)(magnitude_feature(s))
    approx = out["approximation"].data
    assert out["activations"].data.shape == (3, 60)
    assert np.abs(approx - s).max() < 0.05 * s.max()
    zeros = NMF(n_components=2, beta=beta, n_iter=5)(magnitude_feature(np.zeros((10, 8))))
    assert all(np.isfinite(f.data).all() for f in zeros.values())

"""Deconvolution of a synthetic vowel (an impulse train through a known all-pole filter) into
formant and pitch parts, and the xxCC rectification (closed forms)."""
import numpy as np
import pytest
import soundfile as sf
from pydantic import ValidationError
from scipy.signal import freqz, lfilter

import featgraph
from conftest import DATA
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.cepstrum import Deconvolve, Rectify
from featgraph.nodes.filterbank import Filterbank
from streamcheck import assert_same_features, run_op_chunked
from test_filterbank import hard_signal, power_spectrum

SR = 16000
F0 = 130.0                # pitch period 123.1 samples: harmonics fall between FFT bins
FORMANTS = [(500.0, 60.0), (1500.0, 90.0), (2500.0, 120.0)]     # (Hz, bandwidth Hz)


def all_pole():
    a = np.array([1.0])
    for f, bw in FORMANTS:
        r = np.exp(-np.pi * bw / SR)
        a = np.convolve(a, [1.0, -2 * r * np.cos(2 * np.pi * f / SR), r * r])
    return a


def vowel_power(n_fft=1024):
    x = np.zeros(SR)
    x[np.round(np.arange(0, SR - SR / F0, SR / F0)).astype(int)] = 1.0
    y = lfilter([1.0], all_pole(), x)
    return power_spectrum(y, SR, n_fft=n_fft, hop=256)[1]


def test_synthetic_vowel_separates_into_envelope_and_excitation():
    p = vowel_power()
    parts = Deconvolve(cut=40)(p)
    formant, pitch = parts["formant"].data[:, 10:-10], parts["pitch"].data[:, 10:-10]
    np.testing.assert_allclose(formant * pitch, np.maximum(p.data[:, 10:-10], 1e-10), rtol=1e-9)
    f = np.arange(513) * SR / 1024
    _, h = freqz([1.0], all_pole(), worN=f, fs=SR)
    band = (f > 150) & (f < 4000)
    env_db = 10 * np.log10(formant[band].mean(axis=1))
    want_db = 20 * np.log10(np.abs(h[band]))
    err = (env_db - env_db.mean()) - (want_db - want_db.mean())      # the gain is free
    assert np.sqrt(np.mean(err ** 2)) < 4.0                           # dB, rms
    for fc, _ in FORMANTS:                                            # envelope peaks
        near = (f > fc - 250) & (f < fc + 250)
        assert abs(f[near][np.argmax(formant[near].mean(axis=1))] - fc) <= 2 * SR / 1024
    exc_db = 10 * np.log10(pitch.mean(axis=1))
    for k in range(2, 30):                                            # harmonics of f0
        on = int(round(k * F0 * 1024 / SR))
        off = int(round((k + 0.5) * F0 * 1024 / SR))
        assert exc_db[on] - exc_db[off] > 10.0
    flat = exc_db[[int(round(k * F0 * 1024 / SR)) for k in range(2, 30)]]
    assert flat.std() < 3.0                                           # excitation is flat


def test_deconvolve_bands_and_ports():
    p = vowel_power()
    bands = Filterbank(scale="mel", n_bands=64)(p)
    parts = Deconvolve(cut=8)(bands)
    assert parts["formant"].kind == Kind.BANDS and parts["formant"].axis is bands.axis
    np.testing.assert_allclose(parts["formant"].data * parts["pitch"].data,
                               np.maximum(bands.data, 1e-10), rtol=1e-9)
    with pytest.raises(ValueError, match="cut"):
        Deconvolve(cut=64)(bands)
    with pytest.raises(ValidationError):
        Deconvolve(cut=0)


def test_rectify_closed_forms():
    x = Feature(np.array([[0.0, 1.0, 8.0, np.e]]).T, Kind.BANDS, SR)
    np.testing.assert_allclose(Rectify(mode="cube_root")(x).data[:, 0], [0, 1, 2, np.e ** (1 / 3)])
    np.testing.assert_allclose(Rectify(floor=1e-3)(x).data[:, 0], [np.log(1e-3), 0, np.log(8), 1])


@pytest.mark.parametrize("case", ["silence", "zeros", "clipped_square"])
def test_finite_on_hard_inputs(case):
    p = power_spectrum(hard_signal(case), SR, n_fft=512)[1]
    for part in Deconvolve()(p).values():
        assert np.isfinite(part.data).all()
    for mode in ("log", "cube_root"):
        assert np.isfinite(Rectify(mode=mode)(p).data).all()


def test_streamed_equals_whole():
    rng = np.random.default_rng(7)
    p = vowel_power(512)
    for op in (Deconvolve(cut=20), Rectify(mode="cube_root")):
        assert_same_features(run_op_chunked(op, p, rng=rng), op(p))
    p32 = p.derive(p.data.astype(np.float32))
    assert Deconvolve()(p32)["pitch"].data.dtype == np.float32


def test_xxcc_mfcc_agrees_with_librosa():
    # librosa 0.11: mfcc = DCT-ortho(10 log10(melspectrogram)) (tests/data/english_8k__mel.npz,
    # 25 ms Hann / 10 ms, n_fft 512, 40 Slaney mels); xxcc takes the natural log, so its
    # c1..c12 times 10 / ln 10 are librosa's where the top-dB clip did not act.
    with np.load(DATA / "english_8k__mel.npz") as z:
        want, db = z["ref.librosa.mfcc"], z["ref.librosa.log_mel_db"]
        frames = z["ref.librosa.log_mel_db.frames"]
    y, sr = sf.read(DATA / "english_8k.wav")
    got = featgraph.load("xxcc").run(y, sr=sr, win=200, hop=80, n_fft=512, n_bands=40,
                                     window="hann", norm="bandwidth")["mfcc"]
    assert got.shape == (39, want.shape[1])
    kept = frames[db.min(axis=0) > db.max() - 80 + 1e-3]
    assert len(kept) > 50
    err = np.abs(got[1:13, kept] * 10 / np.log(10) - want[1:13, kept]).max()
    assert err <= 1e-6 * np.abs(want).max() * 10

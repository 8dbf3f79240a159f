"""Chroma from the linear spectrum (against librosa 0.11's chroma_stft, tests/data/
chord_scales_refs.npz, made by make_scales_refs.py) and from the octave spectrum (pure tones
and a C-major triad of sines: closed-form pitch classes)."""
import numpy as np
import pytest
import soundfile as sf
from pydantic import ValidationError

from conftest import DATA
from featgraph.nodes.chroma import Chroma
from featgraph.nodes.filterbank import Filterbank
from streamcheck import assert_same_features, run_op_chunked
from test_filterbank import hard_signal, power_spectrum

SR = 22050


def chord_power():
    y, sr = sf.read(DATA / "chord_pluck_22k_stereo.wav")
    return power_spectrum(y.mean(axis=1), sr, n_fft=2048, hop=512, center=True)[1]


@pytest.mark.parametrize("key, params", [("chroma_stft.t0", {}),
                                         ("chroma_stft.t02", {"tuning": 0.2}),
                                         ("chroma_stft.none", {"norm": "none"})])
def test_linear_chroma_agrees_with_librosa(key, params):
    with np.load(DATA / "chord_scales_refs.npz") as z:
        want = z[key]
    got = Chroma(**params)(chord_power()).data
    assert np.abs(got - want).max() <= 1e-6 * np.abs(want).max()


def octave_chroma(p, **kw):
    bands = Filterbank(scale="octave", fmin=65.40639, bins_per_octave=36, widen=True)(p)
    return Chroma(**kw)(bands)


@pytest.mark.parametrize("semitone", [0, 4, 7, 9, 11])
def test_pure_tones_land_on_their_pitch_class(semitone):
    t = np.arange(SR) / SR
    f = 261.6256 * 2 ** (semitone / 12)                        # C4 + semitones
    p = power_spectrum(np.sin(2 * np.pi * f * t), SR, n_fft=4096, hop=1024)[1]
    for c in (Chroma()(p), octave_chroma(p)):
        assert (c.data.argmax(axis=0) == semitone).all()
        assert np.allclose(c.data.max(axis=0), 1.0)            # max norm
    detuned = power_spectrum(np.sin(2 * np.pi * f * 2 ** (0.45 / 12) * t), SR, n_fft=4096,
                             hop=1024)[1]
    assert (octave_chroma(detuned, tuning=0.45).data.argmax(axis=0) == semitone).all()


def test_octave_chroma_of_a_c_major_triad():
    t = np.arange(SR) / SR
    y = sum(np.sin(2 * np.pi * 130.8128 * 2 ** (s / 12) * t) for s in (0, 4, 7, 12))
    p = power_spectrum(y, SR, n_fft=4096, hop=1024)[1]
    for c, least in ((octave_chroma(p, norm="l1").data, 0.75), (Chroma(norm="l1")(p).data, 0.6)):
        top = np.argsort(c.sum(axis=1))[-3:]
        assert set(top.tolist()) == {0, 4, 7}
        np.testing.assert_allclose(c.sum(axis=0), 1.0, rtol=1e-12)
        assert c[[0, 4, 7]].sum(axis=0).min() > least       # 3 of 12 classes: 0.25 if flat


def test_norms():
    p = chord_power()
    raw = Chroma(norm="none")(p).data[:, 10:20]
    for norm, size in (("max", raw.max(axis=0)), ("min", raw.min(axis=0)),
                       ("l1", raw.sum(axis=0)), ("l2", np.sqrt((raw ** 2).sum(axis=0)))):
        np.testing.assert_allclose(Chroma(norm=norm)(p).data[:, 10:20], raw / size, rtol=1e-12)


@pytest.mark.parametrize("case", ["silence", "zeros", "clipped_square"])
def test_finite_on_hard_inputs(case):
    p = power_spectrum(hard_signal(case), 16000, n_fft=2048, hop=512)[1]
    for norm in ("none", "max", "min", "l1", "l2"):
        assert np.isfinite(Chroma(norm=norm)(p).data).all()
        assert np.isfinite(octave_chroma(p, norm=norm).data).all()


def test_streamed_equals_whole():
    rng = np.random.default_rng(3)
    p = chord_power()
    for op_input, op in ((p, Chroma(norm="l2")), (Filterbank(scale="octave", fmin=100,
                                                             widen=True)(p), Chroma())):
        assert_same_features(run_op_chunked(op, op_input, rng=rng), op(op_input))
    p32 = p.derive(p.data.astype(np.float32))
    assert Chroma()(p32).data.dtype == np.float32


def test_invalid_parameters():
    with pytest.raises(ValidationError):
        Chroma(tuning=0.7)
    with pytest.raises(ValidationError):
        Chroma(n_chroma=0)


def test_linear_chroma_agrees_with_audioflux():
    # audioFlux 0.1.9 chroma_linear (make_scales_refs.py): frames not centred, max norm.
    with np.load(DATA / "chord_scales_refs.npz") as z:
        want = z["audioflux.chroma_linear"]
    y, sr = sf.read(DATA / "chord_pluck_22k_stereo.wav", dtype="float32")
    p = power_spectrum(y.mean(axis=1).astype(np.float64), sr, n_fft=2048, hop=512)[1]
    got = Chroma()(p).data
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-5

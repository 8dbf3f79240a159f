"""voiced_formants: eGeMAPS' formant chain on the voiced frames only (the functionals'
``gemapsv01b_formantsNz``).

Its definition is the three ops of egemaps_lld (``smile_spec_resample -> smile_lpc ->
lpc_formants``, whose agreement with openSMILE 2.6 tests/test_egemaps_formants.py checks)
on the frames with F0 > 0, and 0 on the others; the egemaps and gemaps recipes that use
it are checked against openSMILE's functionals in tests/test_egemaps_recipes.py.
"""
from pathlib import Path

import numpy as np
import pytest
import soundfile

from conftest import EDGE_SIGNALS, edge_signal
from featgraph.nodes.egemaps_formants import LpcFormants, SmileLpc
from featgraph.nodes.egemaps_resample import SmileSpecResample
from featgraph.nodes.egemaps_voiced import VoicedFormants
from featgraph.nodes.framing import Frame, Window
from featgraph.nodes.spectral import RFFT
from streamcheck import assert_same_features, run_op_chunked, signal

DATA = Path(__file__).parent / "data"
ROUNDING = dict(rtol=1e-7, atol=1e-6)
"""The resampling FFT rounds a frame differently (by ~1e-16) depending on which frames are
transformed together (ducc0 batches rows in vector registers), and the order-11 LPC roots
of eGeMAPS' band-limited frames amplify that to ~1e-9 on some frames: the same holds for
the three ops on chunks of another size (measured: 1.1e-16 after the resampling, 1.9e-9 Hz
relative on a formant)."""
FILES = ("speech_en_gb_16k.wav", "english_8k.wav", "speech_en_48k.wav")   # 48 kHz: matrix path
EGEMAPS = dict(target_rate=11000.0, order=11, n_formants=5, min_freq=50.0, max_freq=5450.0,
               polynomial="negated")


def spectrum20(y, sr):
    """rfft of eGeMAPS' 20 ms Hamming frames, end-padded to the next power of two."""
    frames = Frame(length="20ms", hop="10ms")(signal(y, sr))
    return RFFT()(Window(window="hamming", periodic=False, pad_to="pow2")(frames))


def random_f0(spec, seed=0, voiced=0.5):
    """An F0 (1, frames) in Hz: 0 on a random share of the frames (only F0 > 0 matters)."""
    rng = np.random.default_rng(seed)
    n = spec.n_frames
    f0 = np.where(rng.random(n) < voiced, rng.uniform(60.0, 400.0, n), 0.0)[None, :]
    return spec.derive(f0, axis=None)


def three_ops(spec):
    lpc = SmileLpc(order=11)(SmileSpecResample(target_rate=11000.0)(spec))
    return LpcFormants(sample_rate=11000.0, n_formants=5, min_freq=50.0, max_freq=5450.0,
                       polynomial="negated")(lpc)


@pytest.mark.parametrize("name", FILES)
def test_voiced_frames_equal_the_three_ops_and_unvoiced_are_zero(name):
    y, sr = soundfile.read(DATA / name)
    spec = spectrum20(y, sr)
    f0 = random_f0(spec)
    got = VoicedFormants(**EGEMAPS)(spec, f0)
    want = three_ops(spec)
    voiced = f0.data[0] > 0
    assert 0.3 < voiced.mean() < 0.7
    for port in ("frequency", "bandwidth"):
        g, w = got[port].data, want[port].data
        assert g.shape == w.shape == (5, spec.n_frames)
        np.testing.assert_allclose(g[:, voiced], w[:, voiced], **ROUNDING)
        assert np.all(g[:, ~voiced] == 0)
        assert np.count_nonzero(w[:, voiced]) > 0.5 * w[:, voiced].size   # formants found
    np.testing.assert_array_equal(got["frequency"].axis, [1, 2, 3, 4, 5])


def frames20(y, sr):
    """eGeMAPS' 20 ms frames, unwindowed (the recipes' input: window: hamming)."""
    return Frame(length="20ms", hop="10ms")(signal(y, sr))


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("precision", ["single", "double"])
def test_frames_input_equals_the_three_ops(name, precision):
    """The recipes' form: unwindowed frames, window: hamming.  single: openSMILE's float32
    window product and FFT read the voiced frames in place, the same bits as the three ops
    on all frames (double: to rounding)."""
    y, sr = soundfile.read(DATA / name)
    frames = frames20(y, sr)
    f0 = random_f0(frames, seed=1)
    got = VoicedFormants(**EGEMAPS, precision=precision, window="hamming")(frames, f0)
    lpc = SmileLpc(order=11, precision=precision)(SmileSpecResample(
        target_rate=11000.0, precision=precision, window="hamming")(frames))
    want = LpcFormants(sample_rate=11000.0, n_formants=5, min_freq=50.0, max_freq=5450.0,
                       polynomial="negated")(lpc)
    voiced = f0.data[0] > 0
    exact = precision == "single"
    for port in ("frequency", "bandwidth"):
        g, w = got[port].data, want[port].data
        assert g.shape == w.shape == (5, frames.n_frames)
        if exact:                       # the three ops keep the LPC's float32
            np.testing.assert_array_equal(g[:, voiced].astype(w.dtype), w[:, voiced])
        else:
            np.testing.assert_allclose(g[:, voiced], w[:, voiced], **ROUNDING)
        assert np.all(g[:, ~voiced] == 0)
        assert np.count_nonzero(w[:, voiced]) > 0.5 * w[:, voiced].size


def test_frames_input_chunked_equals_whole():
    y, sr = soundfile.read(DATA / "speech_en_gb_16k.wav")
    frames = frames20(y[: 3 * sr], sr)
    f0 = random_f0(frames, seed=4)
    model = VoicedFormants(**EGEMAPS, precision="single", window="hamming")
    for seed in range(3):
        assert_same_features(run_op_chunked(model, frames, f0, rng=np.random.default_rng(seed),
                                            largest=7), model(frames, f0))


def test_window_needs_frames():
    y, sr = soundfile.read(DATA / "speech_en_gb_16k.wav")
    spec = spectrum20(y[:8000], sr)
    with pytest.raises(ValueError, match="window applies to frames"):
        VoicedFormants(**EGEMAPS, window="hamming")(spec, random_f0(spec))


def test_all_unvoiced_is_zero_and_float32_kept():
    y, sr = soundfile.read(DATA / "speech_en_gb_16k.wav", dtype="float32")
    spec = spectrum20(y[:8000], sr)
    assert spec.data.dtype == np.complex64
    out = VoicedFormants(**EGEMAPS)(spec, random_f0(spec, voiced=0.0))
    for port in ("frequency", "bandwidth"):
        assert out[port].data.dtype == np.float32
        assert not out[port].data.any()


def test_chunked_equals_whole():
    y, sr = soundfile.read(DATA / "speech_en_gb_16k.wav")
    spec = spectrum20(y[: 3 * sr], sr)
    f0 = random_f0(spec, seed=3)
    model = VoicedFormants(**EGEMAPS)
    for seed in range(3):
        assert_same_features(run_op_chunked(model, spec, f0, rng=np.random.default_rng(seed),
                                            largest=7), model(spec, f0), **ROUNDING)


@pytest.mark.parametrize("name", EDGE_SIGNALS)
def test_finite_on_edge_signals(name):
    spec = spectrum20(edge_signal(name), 16000)
    out = VoicedFormants(**EGEMAPS)(spec, random_f0(spec, voiced=1.0))
    frames = frames20(edge_signal(name), 16000)
    out_f = VoicedFormants(**EGEMAPS, precision="single", window="hamming")(
        frames, random_f0(frames, voiced=1.0))
    for port in ("frequency", "bandwidth"):
        assert np.isfinite(out[port].data).all() and np.isfinite(out_f[port].data).all()


def test_misaligned_f0_is_a_clear_error():
    y, sr = soundfile.read(DATA / "speech_en_gb_16k.wav")
    spec = spectrum20(y[:8000], sr)
    f0 = random_f0(spec)
    with pytest.raises(ValueError, match="F0 of shape"):
        VoicedFormants(**EGEMAPS)(spec, f0.derive(f0.data[:, :-1]))

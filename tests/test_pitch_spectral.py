"""NCCF, cepstral, harmonic-product-spectrum and subharmonic-summation pitch against the
closed form: harmonic tones of known f0; silence unvoiced; chunked equals whole."""
import numpy as np
import pytest

from conftest import EDGE_SIGNALS, edge_signal
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.framing import Frame, Window
from featgraph.nodes.pitch_spectral import CepstralPitch, HPSPitch, NCCFPitch
from featgraph.nodes.shs import SHSPitch
from featgraph.nodes.spectral import RFFT, Power
from streamcheck import assert_same_features, run_op_chunked

SR = 16000
OPS = {"nccf": (NCCFPitch(), 1.0), "cepstral": (CepstralPitch(), 10.0),
       "hps": (HPSPitch(), 3.0), "shs": (SHSPitch(), 3.0)}   # op, tolerance in cents


def inputs(y, sr=SR):
    frames = Frame(length=1024, hop=256)(Feature(np.asarray(y, float), Kind.SIGNAL, sr))
    power = Power()(RFFT(n_fft=4096)(Window(window="hann", pad_to=4096)(frames)))
    return frames, power


def run(name, y, sr=SR):
    op = OPS[name][0]
    frames, power = inputs(y, sr)
    return op(frames if name == "nccf" else power)


def tone(f0, seconds=1.0, sr=SR, n=8):
    t = np.arange(int(seconds * sr)) / sr
    return sum(np.sin(2 * np.pi * k * f0 * t + k) / k for k in range(1, n + 1))


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("f0", [82.4, 110.0, 155.5, 220.0, 310.0, 440.0])
def test_harmonic_tone_of_known_f0(name, f0):
    out = run(name, tone(f0))
    err = np.abs(1200 * np.log2(out["f0"].data / f0))
    assert np.all(np.isfinite(err)) and err.max() <= OPS[name][1], err.max()
    assert out["f0"].data.shape == (1, out["f0"].n_frames)


def test_nccf_strength_is_one_for_a_periodic_frame_and_zero_for_silence():
    assert np.allclose(run("nccf", tone(200.0))["strength"].data, 1.0, atol=1e-3)
    zeros = run("nccf", np.zeros(SR))
    assert np.all(zeros["strength"].data == 0) and np.all(np.isnan(zeros["f0"].data))


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("case", EDGE_SIGNALS)
def test_hard_inputs(name, case):
    out = run(name, edge_signal(case))
    assert np.isfinite(out["strength"].data).all()
    f0 = out["f0"].data
    if name in ("nccf", "cepstral", "shs"):
        assert type(OPS[name][0]).nan_ports == ("f0",)
        assert np.all(np.isfinite(f0) | np.isnan(f0))
        if case == "zeros":
            assert np.all(np.isnan(f0))                   # silence: unvoiced
    else:
        assert np.isfinite(f0).all()                      # HPS has no voicing decision
    if case == "square" and name != "cepstral":           # 220 Hz: odd harmonics
        voiced = f0[np.isfinite(f0)]
        assert voiced.size and np.all(np.abs(1200 * np.log2(voiced / 220.0)) < 15)


def test_white_noise_is_mostly_unvoiced_for_shs_and_nccf():
    y = np.random.default_rng(0).standard_normal(SR)
    for name in ("shs", "nccf"):
        assert np.mean(np.isnan(run(name, y)["f0"].data)) > 0.9, name


@pytest.mark.parametrize("name", OPS)
def test_streamed_equals_whole(name):
    frames, power = inputs(tone(150.0) + 0.1 * np.random.default_rng(1).standard_normal(SR))
    x = frames if name == "nccf" else power
    op = OPS[name][0]
    rng = np.random.default_rng(2)
    assert_same_features(run_op_chunked(op, x, rng=rng, largest=7), op(x))


def test_shs_knobs():
    y = tone(120.0, n=15)
    for kw in ({"n_harmonics": 5}, {"compression": 0.5}, {"points_per_octave": 96},
               {"grid_fmin": 40.0}):
        frames, power = inputs(y)
        f0 = SHSPitch(**kw)(power)["f0"].data
        assert np.nanmax(np.abs(1200 * np.log2(f0 / 120.0))) < 5, kw
    with pytest.raises(ValueError, match="grid_fmin"):
        SHSPitch(grid_fmin=50.0, fmin=42.0)


def test_ranges_outside_the_frame_fail_clearly():
    frames, power = inputs(tone(200.0))
    with pytest.raises(ValueError, match="raise fmin"):
        NCCFPitch(fmin=10.0)(frames)
    with pytest.raises(ValueError, match="Nyquist"):
        HPSPitch(fmax=3000.0, n_harmonics=5)(power)
    with pytest.raises(ValueError, match="Nyquist"):
        SHSPitch(fmax=9000.0)(power)

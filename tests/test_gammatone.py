"""Gammatone and linear filterbanks against closed forms (Glasberg & Moore 1990,
Patterson et al. 1992, Slaney's ERBSpace) and the recipes gtcc, lfcc, bfcc."""
import numpy as np
import pytest
from scipy.integrate import quad

import featgraph
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.gammatone import (GammatoneFilterbank, LinearFilterbank, erb_bandwidth,
                                       erb_rate_to_hz, gammatone_response, gammatone_weights,
                                       hz_to_erb_rate, linear_weights)


def power_spectrum(x, n_fft=512, sr=16000.0):
    x = np.asarray(x)
    return Feature(x, Kind.POWER, sr, hop=160, win_length=400, n_fft=n_fft,
                   axis=np.arange(n_fft // 2 + 1) * sr / n_fft)


def test_erb_is_glasberg_moore_1990():
    # eq. 3: ERB = 24.7 (4.37 F + 1), F in kHz; published value 132.6 Hz at 1 kHz
    assert erb_bandwidth(1000.0) == pytest.approx(132.639, abs=1e-9)
    assert erb_bandwidth(0.0) == pytest.approx(24.7)
    f = np.array([50.0, 200.0, 1000.0, 4000.0, 8000.0])
    np.testing.assert_allclose(erb_rate_to_hz(hz_to_erb_rate(f)), f, rtol=1e-12)
    # eq. 4 is the number of ERBs below f, the integral of 1 / ERB (21.4 rounds 21.33)
    for fi in f:
        integral = quad(lambda x: 1.0 / erb_bandwidth(x), 0.0, fi)[0]
        assert hz_to_erb_rate(fi) == pytest.approx(integral, rel=4e-3)


def test_centres_are_erb_spaced_and_match_slaneys_erbspace():
    _, centres = gammatone_weights(1024, 16000.0, 41, 200.0, 8000.0)
    assert centres[0] == pytest.approx(200.0) and centres[-1] == pytest.approx(8000.0)
    steps = np.diff(hz_to_erb_rate(centres))
    np.testing.assert_allclose(steps, steps[0], rtol=1e-10)
    # Slaney's ERBSpace(200, 8000, 40) (EarQ 9.26449, minBW 24.7), used by Kim's PNCC
    # code, omits the top centre: it equals ours with one more band, minus the top one.
    ear_q, min_bw, n = 9.26449, 24.7, 40
    i = np.arange(1, n + 1)
    slaney = -ear_q * min_bw + np.exp(i * (-np.log(8000 + ear_q * min_bw)
                                           + np.log(200 + ear_q * min_bw)) / n) \
        * (8000 + ear_q * min_bw)
    np.testing.assert_allclose(centres[:-1], slaney[::-1], rtol=2e-7)


@pytest.mark.parametrize("fc", [500.0, 1000.0, 3000.0])
def test_gammatone_erb_and_3db_bandwidth(fc):
    b = 1.019 * erb_bandwidth(fc)
    # Equivalent rectangular bandwidth of |H|^2: b pi (2n-2)! / (2^(2n-2) ((n-1)!)^2)
    # = 0.98175 b for n = 4, so 1.019 makes it ERB(fc) (Patterson et al. 1992).
    erb = quad(lambda f: gammatone_response(f, fc) ** 2, 0, fc + 60 * b, points=[fc],
               limit=400)[0]
    assert erb == pytest.approx(erb_bandwidth(fc), rel=1.5e-3)
    # half-power points at fc +- b sqrt(2^(1/n) - 1)
    half = b * np.sqrt(2 ** 0.25 - 1)
    np.testing.assert_allclose(gammatone_response([fc - half, fc + half], fc) ** 2, 0.5,
                               rtol=2e-3)


def test_gammatone_weights_are_squared_truncated_responses():
    w, centres = gammatone_weights(512, 16000.0, 40, 200.0, None, 4, 1.019, 0.005)
    freqs = np.arange(257) * 16000 / 512
    amp = gammatone_response(freqs[None, :], centres[:, None])
    np.testing.assert_allclose(w, np.where(amp >= 0.005, amp ** 2, 0.0), rtol=1e-12)
    assert (w[amp < 0.005] == 0).all() and (w[amp >= 0.005] > 0).all()
    x = np.abs(np.random.default_rng(1).standard_normal((2, 257, 7)))
    got = GammatoneFilterbank()(power_spectrum(x))
    np.testing.assert_allclose(got.data, np.einsum("lk,ckt->clt", w, x), rtol=1e-12)
    assert got.kind == Kind.BANDS and np.array_equal(got.axis, centres)


def test_gammatone_tone_peaks_in_its_channel():
    w, centres = gammatone_weights(1024, 16000.0, 40, 200.0)
    spec = np.zeros(513)
    spec[64] = 1.0                                          # 1000 Hz
    out = GammatoneFilterbank()(power_spectrum(spec[:, None], 1024))
    assert abs(centres[np.argmax(out.data[:, 0])] - 1000.0) < erb_bandwidth(1000.0) / 2


def test_filterbank_parameter_traps():
    with pytest.raises(ValueError, match="covers no FFT bin.*larger n_fft, fewer n_bands"):
        GammatoneFilterbank()(power_spectrum(np.ones((9, 2)), n_fft=16))
    with pytest.raises(ValueError, match="above the Nyquist"):
        GammatoneFilterbank(fmax=9000)(power_spectrum(np.ones((257, 2))))
    with pytest.raises(ValueError, match="contains no FFT bin.*n_bands <="):
        LinearFilterbank(n_bands=600)(power_spectrum(np.ones((257, 2))))
    for op in (LinearFilterbank, GammatoneFilterbank):
        with pytest.raises(ValueError, match="must exceed fmin"):
            op(fmin=5000, fmax=4000)
    with pytest.raises(ValueError, match="must exceed fmin"):     # fmax null: Nyquist
        LinearFilterbank(fmin=9000)(power_spectrum(np.ones((257, 2))))


def test_linear_filters_partition_unity_and_area_norm():
    w, centres = linear_weights(4096, 16000.0, 20, 100.0, 7000.0, "none")
    freqs = np.arange(2049) * 16000 / 4096
    inner = (freqs >= centres[0]) & (freqs <= centres[-1])
    np.testing.assert_allclose(w.sum(0)[inner], 1.0, atol=1e-12)
    np.testing.assert_allclose(np.diff(centres), 6900 / 21)
    wa, _ = linear_weights(4096, 16000.0, 20, 100.0, 7000.0, "area")
    np.testing.assert_allclose(wa.sum(1) * (16000 / 4096), 1.0, rtol=2e-5)  # unit area (Riemann sum)
    x = np.abs(np.random.default_rng(2).standard_normal((2049, 3)))
    got = LinearFilterbank(n_bands=20, fmin=100, fmax=7000)(power_spectrum(x, 4096))
    np.testing.assert_allclose(got.data, w @ x, rtol=1e-12)


@pytest.mark.parametrize("op", [GammatoneFilterbank(), LinearFilterbank()])
def test_filterbanks_keep_float32(op):
    x = np.ones((257, 3), dtype=np.float32)
    assert op(power_spectrum(x)).data.dtype == np.float32


@pytest.mark.parametrize("name,shape", [("gtcc", (13, 831)), ("lfcc", (20, 832)),
                                        ("bfcc", (13, 831))])
def test_cepstral_recipes_are_log_filterbank_dct(name, shape):
    """Each recipe = its filterbank on the power spectrum, log, orthonormal DCT-II."""
    import scipy.fft
    result = featgraph.load(name).run(featgraph.example("speech"))
    got = result[name]
    assert got.shape == shape
    recipe = featgraph.load(name)
    recipe.outputs = {"bands": "bands"}
    bands = recipe.run(featgraph.example("speech"))["bands"]
    want = scipy.fft.dct(np.log(np.maximum(bands, np.finfo(float).eps)), norm="ortho",
                         axis=0)[:shape[0]]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_rasta_accepts_gammatone_and_linear_bands():
    for fb in ("gammatone_filterbank", "linear_filterbank"):
        r = featgraph.Recipe("rasta_bands")
        x = r.add("audio", "load")
        x = r.add("frames", "frame", x)
        x = r.add("win", "window", x, window="hamming", pad_to=512)
        x = r.add("pow", "power", r.add("spec", "rfft", x), dither=1e-9)
        r.output("out", r.add("rasta", "rasta", r.add("bands", fb, x)))
        out = r.run(featgraph.example("speech"))["out"]
        assert out.shape[0] in (40, 20) and np.isfinite(out).all()

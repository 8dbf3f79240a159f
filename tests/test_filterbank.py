"""The filterbank spectrogram on every scale (featgraph.nodes.filterbank, nodes._scales).

References: librosa 0.11's melspectrogram (tests/data/<stem>__mel.npz, see make_mel_refs.py);
Zwicker's published critical-band edges (E. Zwicker, "Subdivision of the audible frequency
range into critical bands", J. Acoust. Soc. Am. 33, 248, 1961); Traunmüller's formula (JASA
88, 97, 1990); Glasberg and Moore's ERB-rate (Hearing Research 47, 103, 1990, eq. 4);
equal temperament at A4 = 440 Hz.
"""
import numpy as np
import pytest
import soundfile as sf
from pydantic import ValidationError

from conftest import DATA, SPEECH
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.filterbank import ComplexFilterbank, Filterbank
from featgraph.nodes.framing import Frame, Window
from featgraph.nodes._scales import hz_to_bark
from featgraph.nodes.spectral import RFFT, Power
from streamcheck import assert_same_features, run_op_chunked, signal

SR = 16000
SCALES = ["linear", "linspace", "mel", "bark", "erb", "octave", "log"]
STYLES = ["triangular", "etsi", "gammatone", "point", "rect", "hann", "hamming", "blackman",
          "bohman", "kaiser", "gauss"]


def power_spectrum(y, sr, n_fft=1024, win=None, hop=256, center=False, exponent=2.0):
    win = win or n_fft
    frames = Frame(length=win, hop=hop, center=center)(signal(y, sr))
    spec = RFFT()(Window(window="hann", pad_to=n_fft, pad_at="center")(frames))
    return spec, Power(exponent=exponent)(spec)


def hard_signal(case, sr=SR):
    """1 s of the hard inputs every op must survive: near-silence, exact zeros, a clipped
    square wave."""
    if case == "silence":
        y, file_sr = sf.read(DATA / "silence_16k.wav")
        assert file_sr == sr
        return y
    if case == "zeros":
        return np.zeros(sr)
    return np.clip(3.0 * np.sign(np.sin(2 * np.pi * 220 * np.arange(sr) / sr)), -1.0, 1.0)


def bank(scale, **kw):
    if scale in ("octave", "log"):
        kw.setdefault("fmin", 100.0)
        kw.setdefault("widen", True)
    if scale == "linear":
        kw = {k: v for k, v in kw.items() if k not in ("style", "norm")}
    elif scale != "octave":
        kw.setdefault("n_bands", 40)
    return Filterbank(scale=scale, **kw)


@pytest.mark.parametrize("stem", ["english_8k", "speech_en_16k"])
def test_mel_agrees_with_librosa(stem):
    with np.load(DATA / f"{stem}__mel.npz") as z:
        want, frames = z["ref.librosa.melspectrogram"], z["ref.librosa.melspectrogram.frames"]
    y, sr = sf.read(SPEECH[stem])
    _, p = power_spectrum(y, sr, n_fft=512, win=sr // 40, hop=sr // 100,
                          center=True)
    got = Filterbank(scale="mel", n_bands=40, norm="bandwidth")(p).data[:, frames]
    assert float((np.abs(got - want) / np.abs(want)).max()) < 1e-5


def test_bark_follows_traunmuller_and_zwickers_table():
    edges = np.array([100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720, 2000,
                      2320, 2700, 3150, 3700, 4400, 5300, 6400, 7700, 9500, 12000, 15500.0])
    assert np.abs(hz_to_bark(edges) - np.arange(1, 25)).max() < 0.35          # the table
    assert np.abs(hz_to_bark(edges, "zwicker") - np.arange(1, 25)).max() < 0.4
    f = np.array([300.0, 1000.0, 4000.0])                   # inside 2..20.1 Bark: no correction
    np.testing.assert_allclose(hz_to_bark(f), 26.81 * f / (1960 + f) - 0.53, rtol=1e-12)
    x = Feature(np.ones((513, 2)), Kind.POWER, SR, n_fft=1024)
    for variant in ("traunmuller", "zwicker", "schroeder"):
        fb = Filterbank(scale="bark", n_bands=20, fmin=50, fmax=7000, variant=variant)
        z = hz_to_bark(fb(x).axis, variant)
        step = (hz_to_bark(7000.0, variant) - hz_to_bark(50.0, variant)) / 21
        np.testing.assert_allclose(np.diff(z), step, rtol=1e-7)
        np.testing.assert_allclose(z[0], hz_to_bark(50.0, variant) + step, rtol=1e-7)


def test_erb_centres_follow_glasberg_and_moore():
    x = Feature(np.ones((513, 2)), Kind.POWER, SR, n_fft=1024)
    centres = Filterbank(scale="erb", n_bands=30, fmin=100, fmax=7500)(x).axis
    rate = 21.4 * np.log10(4.37 * centres / 1000 + 1)                          # eq. 4
    lo, hi = 21.4 * np.log10(4.37 * 0.1 + 1), 21.4 * np.log10(4.37 * 7.5 + 1)
    np.testing.assert_allclose(rate, lo + (hi - lo) * np.arange(1, 31) / 31, rtol=1e-10)


def test_octave_centres_are_equal_tempered_pitches():
    x = Feature(np.ones((4097, 1)), Kind.POWER, 22050, n_fft=8192)
    out = Filterbank(scale="octave", fmin=110.0, bins_per_octave=24, fmax=7040.0)(x)
    np.testing.assert_allclose(out.axis[::24], 110.0 * 2.0 ** np.arange(6), rtol=1e-12)
    np.testing.assert_allclose(out.axis[::2], 110.0 * 2.0 ** (np.arange(72) / 12), rtol=1e-12)
    assert out.data.shape[0] == 6 * 24                            # up to 7040 Hz, 6 octaves
    log = Filterbank(scale="log", fmin=100, fmax=10000, n_bands=9)(x).axis
    np.testing.assert_allclose(np.log10(log), 2 + np.arange(1, 10) * 0.2, rtol=1e-12)


@pytest.mark.parametrize("style", STYLES)
def test_normalisations(style):
    fb = Filterbank(scale="linspace", n_bands=16, fmin=500, fmax=7000, style=style, norm="area")
    w, _ = fb.weights(SR, 4096)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)                 # area
    w, centres = Filterbank(scale="linspace", n_bands=16, fmin=500, fmax=7000,
                            style=style).weights(SR, 4096)
    assert (w >= 0).all() and w.max() <= 1.0 + 1e-12
    first = w.argmax(axis=1)
    last = w.shape[1] - 1 - w[:, ::-1].argmax(axis=1)
    peak_at = (first + last) / 2 * SR / 4096                   # the middle of a plateau
    assert np.abs(peak_at - centres).max() <= SR / 4096                       # peak at centre
    if style not in ("point", "rect"):
        assert w.max(axis=1).min() > 0.95


def test_bandwidth_normalisation_gives_unit_area_triangles():
    df = SR / 8192
    for scale in ("linspace", "mel", "bark", "erb"):
        w, _ = bank(scale, fmin=300, fmax=7000, n_bands=20, norm="bandwidth").weights(SR, 8192)
        np.testing.assert_allclose(w.sum(axis=1) * df, 1.0, rtol=2e-3)


def test_triangles_and_rects_tile_the_axis():
    w, c = Filterbank(scale="linspace", n_bands=10, fmin=0, fmax=8000).weights(SR, 1024)
    f = np.arange(513) * SR / 1024
    inner = (f >= c[0]) & (f <= c[-1])
    np.testing.assert_allclose(w.sum(axis=0)[inner], 1.0, rtol=1e-12)          # Slaney, none
    w, c = Filterbank(scale="mel", n_bands=20, fmin=100, fmax=8000, style="rect").weights(SR, 1024)
    inner = (f >= (c[0] + c[1]) / 2) & (f < (c[-2] + c[-1]) / 2)
    assert (w.sum(axis=0)[inner] == 1.0).all()


def test_etsi_filters_follow_the_standard():
    # ES 201 108 4.2.9: cbin_i = round(f_i N / fs); the filter is 1 at its centre bin and
    # (k - cbin_{i-1} + 1) / (cbin_i - cbin_{i-1} + 1) on the way up.
    w, c = Filterbank(scale="mel", variant="htk", n_bands=23, fmin=64, fmax=4000,
                      style="etsi").weights(8000, 256)
    pts = np.r_[64.0, c, 4000.0]
    cbin = np.floor(pts * 256 / 8000 + 0.5).astype(int)
    for i in range(23):
        assert w[i, cbin[i + 1]] == 1.0
        k = cbin[i]
        assert w[i, k] == pytest.approx(1.0 / (cbin[i + 1] - cbin[i] + 1))


def test_point_and_linear_pick_bins():
    y = np.random.default_rng(1).standard_normal(8000)
    spec, p = power_spectrum(y, SR, n_fft=512)
    got = Filterbank(scale="linear", fmin=1000, fmax=2000)(p)
    k = np.arange(257)[(np.arange(257) * SR / 512 >= 1000) & (np.arange(257) * SR / 512 <= 2000)]
    np.testing.assert_array_equal(got.data, p.data[k])
    pt = Filterbank(scale="mel", n_bands=30, style="point")
    cp = ComplexFilterbank(scale="mel", n_bands=30, style="point")(spec)
    assert cp.kind == Kind.SPECTRUM and np.iscomplexobj(cp.data)
    np.testing.assert_allclose(np.abs(cp.data) ** 2, pt(p).data, rtol=1e-12)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("case", ["silence", "zeros", "clipped_square"])
def test_finite_on_hard_inputs(scale, case):
    spec, p = power_spectrum(hard_signal(case), SR)
    for style in ("triangular", "gammatone", "kaiser"):
        fb = bank(scale, style=style, norm="bandwidth")
        assert np.isfinite(fb(p).data).all()
        assert np.isfinite(ComplexFilterbank(**fb.model_dump(exclude={'op'}))(spec).data).all()


@pytest.mark.parametrize("seed", range(3))
def test_streamed_equals_whole(seed):
    rng = np.random.default_rng(seed)
    _, p = power_spectrum(rng.standard_normal((2, 6000)), SR, n_fft=256, hop=64)
    p32 = p.derive(p.data.astype(np.float32))
    op = bank(SCALES[seed + 2], style=STYLES[seed], norm="area")
    assert_same_features(run_op_chunked(op, p, rng=rng), op(p))
    out = op(p32)
    assert out.data.dtype == np.float32


def test_invalid_ranges_are_clear_errors():
    with pytest.raises(ValidationError, match="fmax"):
        Filterbank(scale="mel", fmin=4000, fmax=1000)
    with pytest.raises(ValidationError, match="fmin > 0"):
        Filterbank(scale="octave")
    with pytest.raises(ValidationError, match="variant"):
        Filterbank(scale="erb", variant="htk")
    with pytest.raises(ValidationError):
        Filterbank(scale="mel", n_bands=-3)
    with pytest.raises(ValidationError, match="linspace"):
        Filterbank(scale="linear", n_bands=40)
    x = Feature(np.ones((257, 2)), Kind.POWER, SR, n_fft=512)
    with pytest.raises(ValueError, match="see no FFT bin.*n_bands"):
        Filterbank(scale="linspace", n_bands=2000)(x)
    with pytest.raises(ValueError, match="Nyquist"):
        Filterbank(scale="mel", fmax=9000)(x)
    with pytest.raises(ValueError, match="Nyquist"):
        Filterbank(scale="octave", fmin=1000, n_bands=60)(x)
    assert np.isfinite(Filterbank(scale="octave", fmin=30, widen=True)(x).data).all()


def test_mel_agrees_with_audioflux():
    # audioFlux 0.1.9 mel_spectrogram: HTK mel scale, triangles of peak 1, power, frames not
    # centred (tests/data/chord_scales_refs.npz, copied from ../shared/reference).
    import featgraph
    with np.load(DATA / "chord_scales_refs.npz") as z:
        want = z["audioflux.mel_spectrogram"]
    y, sr = sf.read(DATA / "chord_pluck_22k_stereo.wav", dtype="float32")
    got = featgraph.load("spectrogram_mel").run(y.mean(axis=1).astype(np.float64), sr=sr,
                                                center=False, variant="htk")["mel"]
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-5 * want.max()

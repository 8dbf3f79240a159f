"""audioFlux's spectral features and librosa's contrast: agreement with audioFlux 0.1.9's own
output (tests/data/spectral_features_refs.npz, made by make_features_refs.py), closed forms,
chunked = whole, finiteness, validation."""
import numpy as np
import pytest
from conftest import DATA, EDGE_SIGNALS, edge_signal
from streamcheck import assert_same_features, run_op_chunked

import featgraph
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import registry

REFS = np.load(DATA / "spectral_features_refs.npz")
SR = float(REFS["sr"])
B1, B2 = 12, 150                     # audioFlux set_edge(B1, B2) in the reference file

# audioFlux call (key in the reference file) -> featgraph op and parameters; "phase" ops take
# the complex spectrum.
CASES = {
    "flatness": ("spectral_flatness", {"power": 1.0, "amin": 1e-30}),
    "rolloff": ("spectral_rolloff", {"roll_percent": 0.95}),
    "rolloff/0.85": ("spectral_rolloff", {"roll_percent": 0.85}),
    "centroid": ("spectral_centroid", {}),
    "spread": ("spectral_spread", {}),
    "skewness": ("spectral_skewness", {}),
    "kurtosis": ("spectral_kurtosis", {}),
    "entropy": ("spectral_entropy", {}),
    "entropy/norm": ("spectral_entropy", {"normalize": True}),
    "crest": ("spectral_crest", {}),
    "slope": ("spectral_slope", {}),
    "decrease": ("spectral_decrease", {}),
    "band_width": ("spectral_bandwidth", {"norm": False}),
    "rms": ("spectral_rms", {}),
    "energy": ("spectral_energy", {}),
    "hfc": ("spectral_hfc", {}),
    "flux": ("spectral_flux", {}),
    "flux/p1_positive_exp_mean_step2": ("spectral_flux", {"p": 1, "rectify": True, "root": True,
                                                          "reduce": "mean", "step": 2}),
    "flux/exp": ("spectral_flux", {"root": True}),
    "sd": ("spectral_sd", {}),
    "sd/positive": ("spectral_sd", {"rectify": True}),
    "sf": ("spectral_sf", {}),
    "sf/positive": ("spectral_sf", {"rectify": True}),
    "mkl": ("spectral_mkl", {}),
    "mkl/mean": ("spectral_mkl", {"reduce": "mean"}),
    "pd": ("spectral_pd", {"wrap": False}),
    "wpd": ("spectral_wpd", {"wrap": False}),
    "nwpd": ("spectral_nwpd", {"wrap": False}),
    "cd": ("spectral_cd", {}),
    "rcd": ("spectral_rcd", {}),
    "broadband": ("spectral_broadband", {}),
    "eef": ("spectral_eef", {}),
    "eef/norm": ("spectral_eef", {"normalize": True}),
    "eer": ("spectral_eer", {}),
    "eer/norm_gamma10": ("spectral_eer", {"normalize": True, "gamma": 10.0}),
    "max": ("spectral_max", {}),
    "max/frequency": ("spectral_max:frequency", {}),
    "mean": ("spectral_mean", {}),
    "var": ("spectral_var", {}),
}
for _m in ("sub", "entropy", "kl", "is"):
    for _d in ("value", "number"):
        for _t in (0.0, 0.01):
            CASES[f"novelty/{_m}_{_d}_{_t:g}"] = ("spectral_novelty",
                                                  {"method": _m, "output": _d, "threshold": _t})
PHASE = {"spectral_pd", "spectral_wpd", "spectral_nwpd", "spectral_cd", "spectral_rcd"}
# Frames where audioFlux's definition departs from the documented one (docs/spectral-features.md):
# its complex-domain features give frame 1 a value from an undefined frame -1.
SKIP_FRAMES = {"cd": 2, "rcd": 2}


def op(name, **params):
    return registry()[name](op=name, **params)


def chord(kind=Kind.SPECTRUM, dtype=np.complex128):
    x = REFS["X"] if kind == Kind.SPECTRUM else np.abs(REFS["X"])
    x = x.astype(dtype)
    return Feature(np.ascontiguousarray(x.T).T, kind, SR, hop=256, win_length=512, n_fft=512,
                   axis=REFS["freq"])


def run_case(key, **extra):
    name, params = CASES[key]
    name, _, port = name.partition(":")
    node = op(name, **params, **extra)
    x = chord() if name in PHASE else chord(Kind.POWER, np.float64)
    got = node(x)
    return (got[port] if port else got["value"] if isinstance(got, dict) else got).data[0]


@pytest.mark.parametrize("ranged", [False, True], ids=["all_bins", "bins_12_150"])
@pytest.mark.parametrize("key", sorted(CASES))
def test_agrees_with_audioflux(key, ranged):
    freq = REFS["freq"]
    extra = {"fmin": freq[B1], "fmax": freq[B2]} if ranged else {}
    want = REFS[("afband/" if ranged else "af/") + key].astype(np.float64)
    got = run_case(key, **extra)
    skip = SKIP_FRAMES.get(key.split("/")[0], 0)
    got, want = got[skip:], want[skip:]
    scale = np.abs(want).max()
    if key.startswith("novelty/is_number"):
        # r - ln r - 1 of nearly equal bins rounds to 0 in audioFlux's float32
        assert np.abs(got - want).max() <= 2
        return
    if "number" in key or key.startswith("broadband"):
        np.testing.assert_array_equal(got, want)        # counts: exact
        return
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5 * scale, err_msg=key)


def stft_of(y, n_fft=512, hop=128, window="hann", sr=16000.0):
    """The complex STFT feature of ``y`` through featgraph's own front end."""
    frames = op("frame", length=n_fft, hop=hop)(Feature(np.asarray(y, float), Kind.SIGNAL, sr))
    return op("rfft")(op("window", window=window)(frames))


def magnitude(z):
    return op("power", exponent=1.0)(z)


def test_pure_tone_closed_forms():
    """A Hann-windowed tone on bin 40: |X| is 1/4, 1/2, 1/4 of N/2 on bins 39..41, 0 elsewhere."""
    sr, n = 16000.0, 512
    f0 = 40 * sr / n
    t = np.arange(8 * n) / sr
    z = stft_of(np.cos(2 * np.pi * f0 * t), n, 128)
    s = magnitude(z)
    df = sr / n
    np.testing.assert_allclose(op("spectral_centroid")(s).data, f0, rtol=1e-9)
    np.testing.assert_allclose(op("spectral_spread")(s).data, df / np.sqrt(2), rtol=1e-6)
    np.testing.assert_allclose(op("spectral_skewness")(s).data, 0.0, atol=1e-4)   # leakage ~1e-16
    # kurtosis of weights (1/4, 1/2, 1/4) at -df, 0, df: (df**4 / 2) / (df**2 / 2)**2 = 2
    # (rounding leaves ~1e-13 in far bins, weighted by (f - c)**4: hence 2e-3)
    np.testing.assert_allclose(op("spectral_kurtosis")(s).data, 2.0, rtol=2e-3)
    np.testing.assert_allclose(op("spectral_entropy")(s).data, 1.5, rtol=1e-6)   # p = 1/4, 1/2, 1/4
    np.testing.assert_allclose(op("spectral_crest")(s).data, 0.5 / (1.0 / 257), rtol=1e-6)
    np.testing.assert_allclose(op("spectral_max")(s)["frequency"].data, f0)
    # a stationary tone: every bin turns by the same angle each hop -> no phase deviation and a
    # perfect complex-domain prediction, from frame 2 on
    # (bins holding only rounding noise have random phases: PD on the tone's bins, WPD on all)
    assert np.abs(op("spectral_pd", fmin=39 * df, fmax=41 * df)(z).data[..., 2:]).max() < 1e-9
    assert np.abs(op("spectral_wpd")(z).data[..., 2:]).max() < 1e-9
    assert np.abs(op("spectral_cd")(z).data[..., 2:]).max() < 1e-9 * n
    assert np.abs(op("spectral_flux")(s).data).max() < 1e-12 * n * n
    np.testing.assert_array_equal(op("spectral_broadband", threshold=1e-9)(s).data, 0.0)


def test_parseval_energy_and_rms():
    """``n: n_fft`` gives the windowed frame's sum of squares and RMS exactly (Parseval)."""
    rng = np.random.default_rng(3)
    y = rng.standard_normal(4000)
    for n_fft in (400, 401):
        frames = op("frame", length=n_fft, hop=160)(Feature(y, Kind.SIGNAL, 16000.0))
        windowed = op("window", window="hamming")(frames)
        s = magnitude(op("rfft")(windowed))
        want = (windowed.data ** 2).sum(axis=-2)
        np.testing.assert_allclose(op("spectral_energy", n="n_fft")(s).data[0], want, rtol=1e-10)
        np.testing.assert_allclose(op("spectral_rms", n="n_fft")(s).data[0],
                                   np.sqrt(want / n_fft), rtol=1e-10)


def test_white_noise_flatness_and_impulse_train_crest():
    rng = np.random.default_rng(4)
    noise = rng.standard_normal(16000 * 4)
    s = op("power")(stft_of(noise, 512, 512, "boxcar"))
    averaged = s.derive(s.data.mean(axis=-1, keepdims=True))        # Welch's estimate
    assert op("spectral_flatness", power=1.0)(averaged).data[0, 0] > 0.97
    assert op("spectral_entropy", normalize=True)(averaged).data[0, 0] > 0.99
    # impulses every 16 samples, rectangular 512-sample frames: 32 equal lines over the
    # two-sided spectrum, on every 32nd bin: bins 0, 32, ..., 256 (9 of 257), zero elsewhere
    train = np.zeros(4096)
    train[::16] = 1.0
    s = magnitude(stft_of(train, 512, 512, "boxcar"))
    np.testing.assert_allclose(op("spectral_crest")(s).data, 257 / 9, rtol=1e-9)
    np.testing.assert_allclose(op("spectral_entropy", normalize=True)(s).data,
                               np.log2(9) / np.log2(257), rtol=1e-9)


def test_flat_and_single_peak_frames():
    freqs = np.arange(9) * 100.0
    flat = np.full(9, 0.5)
    peak = np.zeros(9)
    peak[4] = 3.0
    s = Feature(np.stack([flat, peak], axis=-1), Kind.POWER, 1600.0, axis=freqs)
    np.testing.assert_allclose(op("spectral_entropy")(s).data[0], [np.log2(9), 0.0])
    np.testing.assert_allclose(op("spectral_crest")(s).data[0], [1.0, 9.0])
    np.testing.assert_allclose(op("spectral_slope")(s).data[0], [0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(op("spectral_var")(s).data[0], [0.0, 9.0 * 8 / 72])
    np.testing.assert_allclose(op("spectral_decrease")(s).data[0],
                               [0.0, 3.0 / 4 / 3.0])
    np.testing.assert_allclose(op("spectral_hfc")(s).data[0], [0.5 * 36, 12.0])
    np.testing.assert_allclose(op("spectral_eer")(s).data[0, 1], 1.0)       # entropy 0 -> 1


def test_contrast_matches_librosa():
    """librosa.feature.spectral_contrast(y=y, sr=sr) at its defaults (n_fft 2048, hop 512,
    centred Hann). librosa floors peak and valley at 80 dB below the file's loudest band;
    frames where that floor binds (silence) are left out."""
    import soundfile as sf
    for key, path, channel in (("speech_en_16k", featgraph.example("speech"), None),
                               ("chord", DATA / "chord_pluck_22k_stereo.wav", 0)):
        y, sr = sf.read(path)
        y = (y if channel is None else y[:, channel]).astype(np.float32).astype(np.float64)
        frames = op("frame", length=2048, hop=512, center=True)(Feature(y, Kind.SIGNAL, sr))
        s = magnitude(op("rfft")(op("window")(frames)))
        got = op("spectral_contrast")(s).data
        want = REFS[f"librosa/contrast/{key}"]
        assert got.shape == want.shape
        peak_db = 10 * np.log10(np.maximum(1e-10, np.abs(s.data).max()))
        # frames whose loudest bin is within 60 dB of the file's: librosa's floor cannot bind
        loud = 10 * np.log10(np.maximum(1e-10, s.data.max(axis=-2))) > peak_db - 60
        assert loud.mean() > 0.5
        np.testing.assert_allclose(got[:, loud], want[:, loud], rtol=1e-3, atol=1e-3)


CHUNK_OPS = sorted({name.partition(":")[0] for name, _ in CASES.values()} |
                   {"spectral_contrast"})


@pytest.mark.parametrize("name", CHUNK_OPS)
def test_chunked_equals_whole_and_float32(name):
    x = chord() if name in PHASE else chord(Kind.POWER, np.float64)
    node = op(name)
    whole = node(x)
    for seed in range(3):
        got = run_op_chunked(node, x, rng=np.random.default_rng(seed), largest=5)
        assert_same_features(got, whole, rtol=1e-12, atol=1e-12)
    single = chord(x.kind, np.complex64 if name in PHASE else np.float32)
    out32 = node(single)
    out32 = out32["value"] if isinstance(out32, dict) else out32
    assert out32.data.dtype == np.float32


@pytest.mark.parametrize("source", EDGE_SIGNALS)
def test_recipe_finite_on_edge_signals(source):
    result = featgraph.load("spectral_features").run(edge_signal(source), sr=16000)
    for name, value in result.items():
        assert value.size and np.isfinite(value).all(), name


def test_validation():
    with pytest.raises(ValueError, match="fmax"):
        op("spectral_spread", fmin=2000.0, fmax=1000.0)
    for bad in ({"p": 0.5}, {"step": 0}, {"threshold": -1.0}):
        name = "spectral_novelty" if "threshold" in bad else "spectral_flux"
        with pytest.raises(ValueError):
            op(name, **bad)
    s = chord(Kind.POWER, np.float64)
    with pytest.raises(ValueError, match="widen the range"):
        op("spectral_crest", fmin=50.0, fmax=60.0)(s)
    with pytest.raises(ValueError, match="complex spectrum"):
        op("spectral_pd")(s)
    with pytest.raises(ValueError, match="real spectrum"):
        op("spectral_crest")(chord())
    with pytest.raises(ValueError, match="Nyquist"):
        op("spectral_contrast", fmin=4000.0, n_bands=6)(s)
    bands = Feature(np.ones((5, 3)), Kind.BANDS, 16000.0, axis=np.arange(5) * 100.0)
    with pytest.raises(ValueError, match="n: bins"):
        op("spectral_energy", n="n_fft")(bands)
    assert op("spectral_energy")(bands).data.shape == (1, 3)


def test_audioflux_bundle_computes_its_stft_once():
    result = featgraph.load("audioflux_bundle").run(featgraph.example("speech"), dtype="float32")
    ops = [row.op for row in result.report.executed + result.report.fused]   # fused: computed too
    assert ops.count("rfft") == 1 and ops.count("frame") == 1
    assert {value.shape[-1] for value in result.values()} == {1 + (133299 - 1024) // 256}
    assert result["mel"].shape[0] == 128 and result["mfcc"].shape[0] == 13
    assert result["contrast"].shape[0] == 6                  # contrast_bands (5) + 1
    assert result["chroma"].shape[0] == 12
    assert all(value.dtype == np.float32 for value in result.values())

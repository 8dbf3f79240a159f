"""Spectral centroid, bandwidth, rolloff and flatness: librosa (shared reference
parameters and librosa's defaults, relative error <= 1e-4), closed forms,
chunked = whole, finiteness, validation."""
import numpy as np
import pytest
from conftest import DATA, EDGE_SIGNALS, SPEECH, edge_signal

import featgraph
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import join_chunks, registry

FILES = dict(SPEECH, silence_16k=DATA / "silence_16k.wav")
NAMES = ["centroid", "bandwidth", "rolloff", "flatness"]


def spectrum(rows, freqs):
    """A POWER feature from ``(frames, bins)`` rows with the given bin frequencies."""
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    return Feature(np.swapaxes(rows, -1, -2), Kind.POWER, 16000.0, hop=160, win_length=400,
                   n_fft=512, axis=np.asarray(freqs, dtype=float))


def op(name, **params):
    return registry()[name](op=name, **params)


@pytest.mark.parametrize("stem", FILES)
@pytest.mark.parametrize("which", ["ref", "default"])
def test_spectral_shape_matches_librosa(stem, which):
    params = {} if which == "ref" else {"win": 2048, "hop": 512, "n_fft": 2048}
    result = featgraph.load("spectral_shape").run(str(FILES[stem]), **params)
    with np.load(DATA / "time_domain_refs.npz") as z:
        for name in NAMES:
            want = z[f"{stem}/{which}/spectral_{name}"].astype(np.float64)
            got = result[name]
            assert got.shape == want.shape, name
            rel = np.abs(got - want) / np.abs(want)
            assert rel.max() <= 1e-4, f"{name}: relative error {rel.max():.3g}"


def test_closed_forms():
    freqs = np.arange(9) * 100.0
    tone = np.zeros(9)
    tone[3] = 2.0
    pair = np.zeros(9)
    pair[[2, 6]] = 1.0
    flat = np.full(9, 0.5)
    s = spectrum([tone, pair, flat], freqs)
    np.testing.assert_allclose(op("spectral_centroid")(s).data[0], [300.0, 400.0, 400.0])
    bw = np.sqrt(np.mean((freqs - 400.0) ** 2))                     # flat: RMS deviation
    np.testing.assert_allclose(op("spectral_bandwidth")(s).data[0], [0.0, 200.0, bw])
    np.testing.assert_allclose(op("spectral_bandwidth", p=1, norm=False)(s).data[0],
                               [0.0, 400.0, 0.5 * np.abs(freqs - 400).sum()])
    # rolloff: first bin whose cumulative sum reaches 85 % (flat: 0.85 * 9 = 7.65 -> 8th bin)
    np.testing.assert_allclose(op("spectral_rolloff")(s).data[0], [300.0, 600.0, 700.0])
    np.testing.assert_allclose(op("spectral_rolloff", roll_percent=0.5)(s).data[0],
                               [300.0, 200.0, 400.0])
    # flatness of |X|^2 with amin: tone -> (4 * amin**8) ** (1/9) / ((4 + 8 amin) / 9)
    amin = 1e-10
    tone_flatness = np.exp((np.log(4.0) + 8 * np.log(amin)) / 9) / ((4 + 8 * amin) / 9)
    np.testing.assert_allclose(op("spectral_flatness")(s).data[0],
                               [tone_flatness, np.exp(np.log(amin) * 7 / 9) / ((2 + 7 * amin) / 9), 1.0],
                               rtol=1e-12)
    np.testing.assert_allclose(op("spectral_flatness", power=1.0)(spectrum(pair, freqs)).data[0],
                               [np.exp(np.log(amin) * 7 / 9) / ((2 + 7 * amin) / 9)], rtol=1e-12)


def test_zero_frames_are_finite_and_follow_librosa():
    s = spectrum(np.zeros((2, 5)), np.arange(5) * 10.0)
    assert op("spectral_centroid")(s).data.tolist() == [[0.0, 0.0]]
    assert op("spectral_bandwidth")(s).data.tolist() == [[0.0, 0.0]]
    assert op("spectral_rolloff")(s).data.tolist() == [[0.0, 0.0]]
    np.testing.assert_allclose(op("spectral_flatness")(s).data, [[1.0, 1.0]], rtol=1e-14)


@pytest.mark.parametrize("name", ["spectral_centroid", "spectral_bandwidth",
                                  "spectral_rolloff", "spectral_flatness"])
def test_chunked_equals_whole_and_dtype(name):
    x = np.abs(np.random.default_rng(0).standard_normal((2, 70, 33)))    # channels, frames, bins
    s = Feature(np.swapaxes(x, -1, -2).astype(np.float32), Kind.POWER, 8000.0,
                axis=np.arange(33) * 125.0)
    node = op(name)
    whole = node(s)
    assert whole.data.dtype == np.float32 and whole.data.shape == (2, 1, 70)
    rng = np.random.default_rng(1)
    pieces, start = [], 0
    while start < 70:
        stop = min(70, start + int(rng.choice([1, 2, 9, 30])))
        pieces.append(node(s.derive(s.data[..., start:stop])))
        start = stop
    np.testing.assert_array_equal(join_chunks(pieces).data, whole.data)


@pytest.mark.parametrize("source", EDGE_SIGNALS)
def test_recipe_finite(source):
    for name, value in featgraph.load("spectral_shape").run(edge_signal(source),
                                                             sr=16000).items():
        assert np.isfinite(value).all(), name


def test_validation():
    with pytest.raises(ValueError, match="non-negative"):
        op("spectral_centroid")(spectrum([[1.0, -1.0]], [0.0, 1.0]))
    no_axis = Feature(np.ones((3, 2)), Kind.POWER, 16000.0)
    with pytest.raises(ValueError, match="frequency of each bin"):
        op("spectral_rolloff")(no_axis)
    for bad in ({"roll_percent": 1.0}, {"roll_percent": 0.0}):
        with pytest.raises(ValueError):
            op("spectral_rolloff", **bad)
    with pytest.raises(ValueError):
        op("spectral_flatness", amin=0.0)

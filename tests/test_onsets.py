"""Onset strength, novelty functions and onset detection against librosa's saved output
(tests/data/onset_refs.npz, made by make_onset_refs.py) and against clicks at known times."""
import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, EDGE_SIGNALS, edge_signal
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.onsets import (OnsetDetect, OnsetEnergy, OnsetHFC, OnsetStrength,
                                    backtrack, peak_pick)
from mir_signals import click_times, click_track, drum_loop
from streamcheck import assert_same_features, run_op_chunked

REFS = np.load(DATA / "onset_refs.npz")


def load_signal(name):
    if name == "chord":
        return sf.read(DATA / "chord_pluck_22k_mono.wav")[0], 22050
    if name == "speech":
        return sf.read(featgraph.example("speech"))
    return drum_loop(), 22050


def f_measure(found, truth, tol):
    """F-measure of one-to-one matches within ``tol`` seconds (greedy, in time order)."""
    used, hits = set(), 0
    for t in truth:
        near = [i for i, f in enumerate(found) if abs(f - t) <= tol and i not in used]
        if near:
            used.add(near[0])
            hits += 1
    if not hits:
        return 0.0
    precision, recall = hits / len(found), hits / len(truth)
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("name", ["chord", "speech", "loop"])
@pytest.mark.parametrize("aggregate", ["mean", "median"])
def test_onset_strength_matches_librosa(name, aggregate):
    y, sr = load_signal(name)
    got = featgraph.load("onset_strength").run(y, sr=sr, aggregate=aggregate)["onset_strength"]
    want = REFS[f"{name}/onset_strength" + ("_median" if aggregate == "median" else "")]
    assert got.shape == (1, want.size)
    assert np.abs(got[0] - want).max() <= 1e-4 * want.max()


def test_empty_mel_filters_are_an_error_unless_allowed_as_librosa_keeps_them():
    y, sr = load_signal("chord")
    with pytest.raises(featgraph.NodeError, match="9 of the 128 filters .* are empty"):
        featgraph.load("onset_strength").run(y, sr=sr, n_fft=512)
    with pytest.warns(UserWarning, match="are empty"):
        got = featgraph.load("onset_strength").run(y, sr=sr, n_fft=512, allow_empty=True)
    want = REFS["chord/onset_strength_nfft512"]
    assert np.abs(got["onset_strength"][0] - want).max() <= 1e-4 * want.max()


@pytest.mark.parametrize("name", ["chord", "speech", "loop"])
@pytest.mark.parametrize("back", [False, True])
def test_onset_times_match_librosa(name, back):
    y, sr = load_signal(name)
    result = featgraph.load("onsets").run(y, sr=sr, backtrack=back)
    want = REFS[f"{name}/onsets" + ("_backtrack" if back else "")]
    assert result.features["onsets"].kind == Kind.EVENTS
    np.testing.assert_allclose(result["onsets"], want, rtol=0, atol=1e-9)


@pytest.mark.parametrize("hop, period, start", [
    (512, 22 * 512 / 22050, 22.5 * 512 / 22050),   # defaults; clicks between frame times
    (256, 0.5, 0.5),                                # finer grid: any click times
    (256, 0.4987, 0.31)])
def test_click_track_onsets_within_20ms(hop, period, start):
    """Clicks at known times: F-measure 1.0 at +-20 ms.  The detection grid is the hop
    (23.2 ms at the defaults) and librosa's rule reports a click up to one frame late, so
    at hop 512 the clicks sit between frame times (the error is then half a hop)."""
    truth = click_times(period, 30, start)
    y = click_track(truth, 17.0)
    found = featgraph.load("onsets").run(y, sr=22050, hop=hop)["onsets"]
    assert f_measure(found, truth, 0.020) == 1.0


@pytest.mark.parametrize("case", EDGE_SIGNALS)
def test_hard_inputs(case):
    y = edge_signal(case)
    env = featgraph.load("onset_strength").run(y, sr=16000)["onset_strength"]
    onsets = featgraph.load("onsets").run(y, sr=16000)["onsets"]
    assert np.isfinite(env).all() and np.isfinite(onsets).all()
    if case == "zeros":
        assert onsets.shape == (0,) and not env.any()


def _spec(rng, n_fft=64, hop=16, frames=90, channels=2):
    data = np.abs(rng.standard_normal((channels, n_fft // 2 + 1, frames)))
    return Feature(data, Kind.POWER, 8000.0, hop=hop, win_length=n_fft, n_fft=n_fft,
                   axis=np.arange(n_fft // 2 + 1) * 8000.0 / n_fft)


@pytest.mark.parametrize("seed", range(4))
def test_onset_strength_streams(seed):
    rng = np.random.default_rng(seed)
    x = _spec(rng)
    op = OnsetStrength(lag=int(rng.integers(1, 4)), max_size=int(rng.integers(1, 5)),
                       detrend=bool(seed % 2), aggregate=["mean", "median", "max", "sum"][seed])
    assert_same_features(run_op_chunked(op, x, rng=rng, largest=int(rng.integers(1, 30))), op(x))


def test_onset_strength_definition():
    """Closed form: lag 2, centred (delay n_fft // (2 hop) = 2), mean over bins."""
    rng = np.random.default_rng(5)
    x = _spec(rng, channels=1)
    got = OnsetStrength(lag=2)(x).data[0, 0]
    s = x.data[0]
    flux = np.maximum(s[:, 2:] - s[:, :-2], 0).mean(axis=0)
    want = np.concatenate([np.zeros(4), flux])[:s.shape[1]]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_novelty_ops(seed):
    rng = np.random.default_rng(seed)
    x = _spec(rng)
    s = x.data
    k = np.arange(s.shape[-2])
    np.testing.assert_allclose(OnsetHFC()(x).data[..., 0, :],
                               (k[:, None] * s).sum(axis=-2) / s.shape[-2], rtol=1e-12)
    e = s.sum(axis=-2)
    want = np.concatenate([np.zeros((2, 1)), np.maximum(np.diff(e, axis=-1), 0)], axis=-1)
    np.testing.assert_allclose(OnsetEnergy()(x).data[..., 0, :], want, rtol=1e-12, atol=1e-12)
    for op in (OnsetHFC(), OnsetEnergy(log=True)):
        assert_same_features(run_op_chunked(op, x, rng=rng, largest=7), op(x))


def test_peak_pick_rule():
    x = np.array([0, 1, 0, 0, 3, 2, 2.5, 0, 0, 0, 5, 0.0])
    # local maxima over [n - pre_max, n + post_max) at least delta above the local mean
    np.testing.assert_array_equal(peak_pick(x, 1, 1, 1, 1, 0.1, 0), [1, 4, 6, 10])
    np.testing.assert_array_equal(peak_pick(x, 1, 1, 1, 1, 0.1, 2), [1, 4, 10])  # wait
    np.testing.assert_array_equal(peak_pick(x, 3, 1, 1, 1, 0.1, 0), [1, 4, 10])  # wider max
    np.testing.assert_array_equal(peak_pick(x, 1, 1, 3, 3, 2.0, 0), [10])        # mean + delta
    np.testing.assert_array_equal(backtrack(np.array([4, 10]), x), [3, 9])


def test_onset_detect_needs_one_channel():
    env = Feature(np.ones((2, 1, 50)), Kind.FEATURE, 22050.0, hop=512)
    with pytest.raises(ValueError, match="one channel"):
        OnsetDetect()(env)

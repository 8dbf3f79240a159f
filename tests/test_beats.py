"""Tempograms, tempo and beat tracking against librosa's saved output
(tests/data/onset_refs.npz) and against click tracks of known tempo."""
import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, EDGE_SIGNALS, edge_signal
from featgraph.engine.kinds import Kind
from featgraph.nodes.beats import BeatTrack, FourierTempogram, Tempo, Tempogram
from mir_signals import click_times, click_track, drum_loop

REFS = np.load(DATA / "onset_refs.npz")


def load_signal(name):
    if name == "chord":
        return sf.read(DATA / "chord_pluck_22k_mono.wav")[0], 22050
    if name == "speech":
        return sf.read(featgraph.example("speech"))
    return drum_loop(), 22050


@pytest.fixture(scope="module")
def loop_envelope():
    return featgraph.load("onset_strength").run(drum_loop(), sr=22050).features[
        "onset_strength"]


@pytest.mark.parametrize("name", ["chord", "speech", "loop"])
def test_beats_and_tempo_match_librosa(name):
    y, sr = load_signal(name)
    got = featgraph.load("beats").run(y, sr=sr)
    assert got.features["beats"].kind == Kind.EVENTS
    assert abs(got["tempo"][0, 0] - REFS[f"{name}/tempo"][0]) <= 1e-3
    np.testing.assert_allclose(got["beats"], REFS[f"{name}/beats"], rtol=0, atol=1e-9)


def test_tempograms_match_librosa(loop_envelope):
    tg = Tempogram()(loop_envelope)
    keep = REFS["loop/tempogram.frames"]
    assert tg.data.shape == tuple(REFS["loop/tempogram.shape"])
    np.testing.assert_allclose(tg.data[:, keep], REFS["loop/tempogram"], rtol=0, atol=1e-5)
    ftg = np.abs(FourierTempogram()(loop_envelope).data)
    keep = REFS["loop/fourier_tempogram.frames"]
    want = REFS["loop/fourier_tempogram"]
    assert ftg.shape == tuple(REFS["loop/fourier_tempogram.shape"])
    assert np.abs(ftg[:, keep] - want).max() <= 1e-5 * want.max()


def test_tempo_estimates_match_librosa(loop_envelope):
    assert Tempo()(loop_envelope).data.shape == (1, 1)
    np.testing.assert_allclose(Tempo()(loop_envelope).data[0], REFS["loop/tempo_global"],
                               rtol=0, atol=1e-3)
    local = Tempo(aggregate="none")(loop_envelope).data[0]
    np.testing.assert_allclose(local, REFS["loop/tempo_local"], rtol=0, atol=1e-3)


@pytest.mark.parametrize("hop, period", [(512, 22 * 512 / 22050),   # a period on the lag grid
                                         (128, 0.5)])                # 120 BPM, finer grid
def test_click_track_tempo_within_one_percent(hop, period):
    truth = click_times(period, 40, 0.3)
    y = click_track(truth, truth[-1] + 1.0)
    got = featgraph.load("beats").run(y, sr=22050, hop=hop)
    assert abs(got["tempo"][0, 0] - 60 / period) <= 0.01 * 60 / period
    beats = got["beats"]
    assert beats.size >= 30
    np.testing.assert_allclose(np.median(np.diff(beats)), period, rtol=0.01)
    # every beat falls on a click (within 20 ms, or a hop and a half at the coarse grid)
    tol = max(0.020, 1.5 * hop / 22050)
    assert np.abs(beats[:, None] - truth[None, :]).min(axis=1).max() <= tol


@pytest.mark.parametrize("case", EDGE_SIGNALS)
def test_hard_inputs(case):
    got = featgraph.load("beats").run(edge_signal(case), sr=16000)
    assert np.isfinite(got["tempo"]).all() and np.isfinite(got["beats"]).all()
    if case == "zeros":
        assert got["beats"].shape == (0,) and got["tempo"][0, 0] == 0.0


def test_fixed_bpm_and_untrimmed(loop_envelope):
    fixed = BeatTrack(bpm=124.0, trim=False)(loop_envelope)
    assert fixed["tempo"].data[0, 0] == 124.0
    np.testing.assert_allclose(np.median(np.diff(fixed["beats"].data)), 60 / 124.0, rtol=0.03)
    assert fixed["beats"].data.size >= BeatTrack()(loop_envelope)["beats"].data.size

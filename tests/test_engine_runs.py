"""The scheduler's aligned runs of views (multi-input steps with a lagging input)."""
import numpy as np
import soundfile as sf
import pytest

import featgraph
from featgraph.engine import scheduler
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from streamcheck import stream_recipe


def _chunk(values: np.ndarray) -> Feature:
    return Feature(values, Kind.FEATURE, 100.0)


def test_runs_cut_at_every_chunk_edge_and_keep_the_rest():
    a = np.arange(30.0).reshape(3, 10)            # 3 features, 10 frames
    b = np.arange(7.0)[None, :]
    queues = [[_chunk(a[:, :4]), _chunk(a[:, 4:])], [_chunk(b[:, :2]), _chunk(b[:, 2:])]]
    old, scheduler.SPLIT_BYTES = scheduler.SPLIT_BYTES, 0
    try:
        runs = scheduler._runs(queues)
    finally:
        scheduler.SPLIT_BYTES = old
    assert [[f.n_frames for f in run] for run in runs] == [[2, 2], [2, 2], [3, 3]]
    np.testing.assert_array_equal(np.concatenate([r[0].data for r in runs], -1), a[:, :7])
    np.testing.assert_array_equal(np.concatenate([r[1].data for r in runs], -1), b)
    assert all(np.shares_memory(r[0].data, a) for r in runs)        # views, no copy
    assert [f.n_frames for f in queues[0]] == [3] and queues[1] == []
    np.testing.assert_array_equal(queues[0][0].data, a[:, 7:])


def test_runs_leave_small_joins_and_events_to_join():
    a = _chunk(np.zeros((2, 5)))
    assert scheduler._runs([[a, a], [a]]) is None                      # under SPLIT_BYTES
    ev = Feature(np.zeros(3), Kind.EVENTS, 100.0)
    old, scheduler.SPLIT_BYTES = scheduler.SPLIT_BYTES, 0
    try:
        assert scheduler._runs([[a, a], [ev]]) is None
    finally:
        scheduler.SPLIT_BYTES = old


@pytest.mark.parametrize("sizes", [[7, 1, 300], [4096, 999]])
def test_streamed_on_runs_equals_whole(monkeypatch, sizes):
    """egemaps_lld's voice descriptors read their frames and spectra next to the pitch
    track, 40 frames behind them: with every join replaced by runs, the same numbers."""

    y, sr = sf.read(featgraph.example("speech"))
    y = y[:int(1.2 * sr)]
    recipe = featgraph.load("egemaps_lld")
    whole = recipe.run(y, sr=sr)
    monkeypatch.setattr(scheduler, "SPLIT_BYTES", 0)
    got = stream_recipe(recipe, y, sr, sizes)
    for out in whole:
        np.testing.assert_allclose(got[out], whole[out], rtol=1e-9, atol=1e-12)

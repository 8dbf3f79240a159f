"""The events kind: event lists (times in seconds) flow, join, align and save as 1-D arrays."""
import json
from typing import ClassVar, Literal

import numpy as np

from featgraph.engine.feature import Feature
from featgraph.engine.kinds import ANY, Kind
from featgraph.engine.ops import join_chunks
from featgraph.engine.report import Report
from featgraph.engine.result import Result


def _events(times, sr=22050.0):
    return Feature(np.asarray(times, dtype=np.float64), Kind.EVENTS, sr, hop=512)


def test_events_are_not_frames():
    assert not (Kind.EVENTS & ANY)
    e = _events([0.5, 1.0])
    assert e.is_events and not _events([]).data.size
    np.testing.assert_array_equal(e.times, [0.5, 1.0])
    assert Kind.EVENTS.label == "events"


def test_event_chunks_join_by_concatenation():
    joined = join_chunks([_events([0.1]), _events([]), _events([0.4, 0.9])])
    np.testing.assert_array_equal(joined.data, [0.1, 0.4, 0.9])
    assert joined.is_events
    assert join_chunks([_events([])]).data.shape == (0,)


def test_save_writes_seconds_and_units(tmp_path):
    res = Result({"onsets": _events([0.25, 0.75]), "none": _events([])}, Report([]), "x")
    path = res.save(tmp_path / "out.npz")
    with np.load(path) as z:
        np.testing.assert_array_equal(z["onsets"], [0.25, 0.75])
        assert z["none"].shape == (0,) and z["onsets"].dtype == np.float64
        meta = json.loads(str(z["__meta__"]))
    assert meta["outputs"]["onsets"]["kind"] == "events"
    assert meta["outputs"]["onsets"]["units"] == "s"


def test_cli_writes_event_lists_in_seconds(tmp_path, capsys):
    from conftest import DATA
    from featgraph.cli import main

    out = tmp_path / "beats.npz"
    assert main(["run", "beats", str(DATA / "chord_pluck_22k_mono.wav"), "-o", str(out),
                 "--format", "frames-first"]) == 0
    with np.load(out) as z:
        meta = json.loads(str(z["__meta__"]))["outputs"]
        assert z["beats"].ndim == 1 and z["beats"].dtype == np.float64
        assert meta["beats"] == {**meta["beats"], "kind": "events", "units": "s"}
        assert z["tempo"].shape == (1, 1)


def test_an_events_input_is_not_aligned_with_frames():
    """A step reading events and frames: the events arrive whole, the frames stream."""
    from featgraph.engine.scheduler import Stream

    class _Plan:                                    # the two-step plan the scheduler reads
        order = ["src", "use"]
        outputs = {"out": ("use", "")}

        def step(self, key):
            return steps[key]

    class _Model:
        streaming = "signal"

        def __call__(self, events, frames):
            return frames.derive(frames.data + events.data.size)

    class _Source:
        streaming = "frame"

        def __call__(self, raw):
            return {"": raw.derive(raw.data), "events": _events([0.1, 0.2, 0.3])}

    steps = {"src": type("S", (), {"key": "src", "model": _Source(), "inputs": [],
                                   "names": ["src"]})(),
             "use": type("S", (), {"key": "use", "model": _Model(),
                                   "inputs": [("src", "events"), ("src", "")],
                                   "names": ["use"]})()}
    s = Stream(_Plan(), 100.0)
    s.push(np.zeros(5))
    s.push(np.zeros(4))
    got = s.close()["out"]
    s.check_aligned()
    # events of both blocks (3 + 3) arrived alongside the 9 frames
    np.testing.assert_array_equal(got.data, np.full((1, 9), 6.0))


def test_batch_pads_event_lists_and_counts_them():
    import featgraph

    zeros = np.zeros(22050 * 2)
    clicks = zeros.copy()
    clicks[11025::5512] = 1.0
    got = featgraph.load("onsets").batch([clicks, zeros], sr=22050)
    assert got.lengths.tolist()[1] == 0 and got.lengths[0] >= 1
    assert got.features.shape == (2, int(got.lengths.max()))

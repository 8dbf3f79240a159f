"""The run's output collector: outputs written into arrays sized from the input's length
equal the outputs joined from their chunks, whatever the length estimate."""
import numpy as np
import pytest

import featgraph
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.collector import Collector as _Collector
from featgraph.engine.scheduler import Stream, collect
from featgraph.engine.source import Source

# Frame outputs, several ports, a signal output (hpss), events (onsets), a cut to a fixed
# length (whisper: fewer frames than the input gives), functionals (egemaps: one frame),
# whole-signal ops (cqt_librosa: its input gathered the same way).
RECIPES = ["reassign", "mfcc_librosa", "hpss", "onsets", "logmel_whisper", "egemaps", "dwt",
           "cqt_librosa"]


def _joined(plan, y, sr, block, n_samples=None):
    """The reference: chunks gathered and joined (no array sized ahead)."""
    s = Stream(plan, sr)
    slab = _Collector.SLAB_BYTES
    _Collector.SLAB_BYTES = 1 << 62                          # nothing preallocated
    try:
        return collect(s, Source.of(y, sr).blocks(block), n_samples)
    finally:
        _Collector.SLAB_BYTES = slab


@pytest.mark.parametrize("name", RECIPES)
def test_preallocated_outputs_equal_joined_chunks(name, monkeypatch):
    monkeypatch.setattr(_Collector, "SLAB_BYTES", 0)          # every output preallocated
    rng = np.random.default_rng(7)
    sr = 16000
    y = rng.standard_normal((2, 3 * sr)) * 0.1
    plan = featgraph.load(name).compile()
    block = int(rng.integers(1, 9000))
    unknown = _joined(plan, y, sr, block)
    for n_samples in (y.shape[-1], y.shape[-1] // 3, 5 * y.shape[-1]):   # exact, low, high
        # the same passes (a known length lets the last block and the end of input share
        # one pass): bit for bit
        ref = _joined(plan, y, sr, block, n_samples)
        s = Stream(plan, sr)
        got = collect(s, Source.of(y, sr).blocks(block), n_samples)
        assert got.keys() == ref.keys() == unknown.keys()
        for key, feat in ref.items():
            assert got[key].data.dtype == feat.data.dtype, (name, key)
            np.testing.assert_array_equal(got[key].data, feat.data, err_msg=f"{name} {key}")
            assert got[key].hop == feat.hop and got[key].kind == feat.kind
            # other passes: BLAS rounds a product of 1 or 3 rows unlike the same rows
            # within a larger product
            np.testing.assert_allclose(got[key].data, unknown[key].data, rtol=1e-9,
                                       atol=1e-12, err_msg=f"{name} {key}")


@pytest.mark.parametrize("block,channels", [(97, "mean"), (4096, "mean"), (3000, "all")])
def test_reassign_writes_in_place_into_the_collected_arrays(block, channels, monkeypatch,
                                                            write_recipe):
    # the op writes its frames at their place in the run's arrays (no copy), and the
    # outputs still equal the joined chunks, with frames held back across blocks
    import yaml
    from featgraph.nodes.reassign import ReassignStream
    monkeypatch.setattr(_Collector, "SLAB_BYTES", 0)
    placed = []
    plain = ReassignStream._out

    def spy(self, port, t, n, bins):
        out = plain(self, port, t, n, bins)
        buf = None if self.sink is None else self.sink.frames(port)
        placed.append(buf is not None and np.shares_memory(out, buf))
        return out

    monkeypatch.setattr(ReassignStream, "_out", spy)
    sr = 8000
    y = np.random.default_rng(3).standard_normal((2, 4 * sr)) * 0.1
    y[:, sr // 2: sr] = 0.0                                     # silence: times fall back
    recipe = featgraph.load("reassign").to_dict()
    recipe["nodes"]["audio"]["channels"] = channels           # all: (2, bins, frames)
    plan = featgraph.load(write_recipe(yaml.safe_dump(recipe, sort_keys=False))).compile()
    ref = _joined(plan, y, sr, block)
    assert ref["mags"].data.ndim == (3 if channels == "all" else 2)
    placed.clear()
    got = collect(Stream(plan, sr), Source.of(y, sr).blocks(block), y.shape[-1])
    assert any(placed) and all(placed[placed.index(True):])   # from the first chunk on
    for key, feat in ref.items():
        np.testing.assert_array_equal(got[key].data, feat.data, err_msg=key)


def test_execute_writes_a_large_output_once_into_one_frame_major_array():
    sr = 22050
    y = np.random.default_rng(1).standard_normal(60 * sr).astype(np.float32)
    result = featgraph.load("reassign").run(y, sr=sr, dtype="float32")
    mags = result["mags"]
    assert mags.dtype == np.float32 and mags.shape == (1025, 1 + len(y) // 512)
    assert np.swapaxes(mags, -1, -2).flags.c_contiguous          # each frame contiguous
    base = np.swapaxes(mags, -1, -2)
    while base.base is not None:
        base = base.base
    assert base.nbytes <= mags.nbytes + 2 * 1025 * 4               # capacity: 2 spare frames


def _frames(n, start, dtype=np.float64, lead=(2,)):
    data = np.arange(start, start + n * 3 * int(np.prod(lead)), dtype=dtype)
    data = data.reshape(lead + (n, 3))
    return Feature(np.swapaxes(data, -1, -2), Kind.FEATURE, 100.0, hop=10)


@pytest.mark.parametrize("n_samples", [300, 50, 10_000, None])
def test_collector_overflow_and_type_change_fall_back_to_joining(n_samples):
    chunks = [_frames(0, 0), _frames(7, 0), _frames(0, 0), _frames(13, 100),
              _frames(9, 500), _frames(4, 900, np.float32)]
    col = _Collector(n_samples, 100.0)
    col.SLAB_BYTES = 0
    for c in chunks:
        col.add(c)
    out = col.join()
    expect = np.concatenate([np.swapaxes(c.data, -1, -2) for c in chunks], axis=-2)
    assert out.data.shape == (2, 3, 33)
    np.testing.assert_array_equal(np.swapaxes(out.data, -1, -2), expect)


def test_collector_signal_output_and_no_frames():
    col = _Collector(1000, 100.0)
    col.SLAB_BYTES = 0
    for a in (0, 400, 400, 1000):
        col.add(Feature(np.arange(a, a + 200.0)[None], Kind.SIGNAL, 100.0))
    out = col.join()
    np.testing.assert_array_equal(out.data[0], np.r_[np.arange(0, 200.0), np.arange(400, 600.0),
                                                     np.arange(400, 600.0),
                                                     np.arange(1000, 1200.0)])
    empty = _Collector(1000, 100.0)
    empty.add(_frames(0, 0))
    assert empty.join().n_frames == 0                      # as the joined path gives

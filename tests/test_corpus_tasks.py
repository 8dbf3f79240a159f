"""The per-file task's fixed costs: one open per file, pool batches, the plan-only setup."""
import dataclasses

import numpy as np
import soundfile

import featgraph
from featgraph.engine import corpus
from featgraph.engine.inputs import Item
from featgraph.engine.scheduler import Stream
from conftest import SPEECH


def test_a_file_run_opens_the_file_once_and_a_source_pickles_without_its_handle(monkeypatch):
    import pickle

    from featgraph.engine.source import Source

    opened = []
    real = soundfile.SoundFile

    def counting(*args, **kwargs):
        opened.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(soundfile, "SoundFile", counting)
    result = featgraph.load("plp").run(SPEECH["speech_en_16k"])
    assert opened == [str(SPEECH["speech_en_16k"])] and result["plp"].shape[-1] > 0
    source = Source.of(SPEECH["speech_en_16k"])
    assert source.samplerate() == 16000.0                 # opened and kept ...
    again = pickle.loads(pickle.dumps(source))           # ... but never pickled
    assert again == source and "_opened" not in again.__dict__
    assert sum(b.shape[-1] for b in source.blocks(4096)) == soundfile.info(
        str(SPEECH["speech_en_16k"])).frames
    assert "_opened" not in source.__dict__              # handed to blocks(), closed there


def test_pool_batches_cover_every_input_once_largest_first(tmp_path):
    rng = np.random.default_rng(1)
    sizes = rng.permutation(np.arange(1, 101)) * 10
    items = []
    for i, size in enumerate(sizes):
        path = tmp_path / f"f{i:03d}.wav"
        path.write_bytes(b"x" * int(size))
        items.append(Item(str(path), f"f{i:03d}"))
    batches = corpus.batches(items, jobs=2)
    flat = [item for batch in batches for item in batch]
    assert sorted(flat, key=lambda it: it.key) == items             # each input once
    got = [(tmp_path / f"{it.key}.wav").stat().st_size for it in flat]
    assert got == sorted(sizes.tolist(), reverse=True)             # largest first
    assert all(1 <= len(b) <= corpus.BATCH for b in batches) and len(batches) > 2 * 2
    assert corpus.batches(items[:3], jobs=2) == [[items[i]] for i in np.argsort(
        -sizes[:3], kind="stable")]                                 # few inputs: one each
    assert corpus.batches(items, jobs=2, keep=True) == [[it] for it in items]


def test_the_plan_only_setup_is_shared_by_streams_of_one_plan_and_follows_a_new_plan():
    plan = featgraph.load("plp").compile()
    a, b = Stream(plan, 16000), Stream(plan, 16000)
    assert a.readers is b.readers and a.pending is not b.pending and a.stats is not b.stats
    # a plan with another step list (as the feature cache builds) gets its own setup
    last = plan.order[-1]
    cut = dataclasses.replace(plan, steps={k: s for k, s in plan.steps.items() if k != last},
                              outputs={})
    c = Stream(cut, 16000)
    assert last not in c.pending and last in a.pending
    assert list(c.stats) == cut.order and list(a.stats) == plan.order
    assert c.report() and [r.key for r in c.report()][-1] != last
    # the report rows are the plan's nodes, each run's times its own
    y = np.random.default_rng(0).standard_normal(16000)
    rows = [(r.node, r.op, r.status) for r in featgraph.load("plp").run(y, sr=16000).report]
    assert [r[0] for r in rows] and {s for _, _, s in rows} <= {"executed", "shared", "fused"}
    assert sorted(r[0] for r in rows) == sorted(plan.names)

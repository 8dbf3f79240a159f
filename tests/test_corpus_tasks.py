"""The per-file task's fixed costs: one open per file, pool batches, the plan-only setup."""
import dataclasses

import numpy as np
import pytest
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


def test_a_file_of_known_length_takes_one_pass_and_no_empty_read(monkeypatch):
    # a file read in one block: each step called once (its last block and the end of input
    # in one pass), libsndfile asked for samples once (no read of nothing at the end)
    from featgraph.engine.scheduler import execute
    from featgraph.engine.source import Source

    path = str(SPEECH["speech_en_16k"])
    frames = soundfile.info(path).frames
    reads, passes = [], []
    real_read, real_pass = soundfile.SoundFile.read, Stream._pass

    def read(self, n=-1, *args, **kwargs):
        out = real_read(self, n, *args, **kwargs)
        reads.append(len(out))
        return out

    def one_pass(self, raw, final):
        passes.append(final)
        return real_pass(self, raw, final)

    monkeypatch.setattr(soundfile.SoundFile, "read", read)
    monkeypatch.setattr(Stream, "_pass", one_pass)
    plan = featgraph.load("mfcc_librosa").compile()
    whole = execute(plan, Source.of(path), frames + 1)
    assert reads == [frames] and passes == [True]
    reads.clear(), passes.clear()
    blocks = execute(plan, Source.of(path), 4096)            # several blocks: the same
    assert reads == [4096] * (frames // 4096) + [frames % 4096]
    assert passes == [False] * (frames // 4096) + [True]
    np.testing.assert_allclose(blocks["mfcc_librosa"], whole["mfcc_librosa"], rtol=1e-9,
                               atol=1e-9)


def test_a_length_estimate_changes_nothing_read_or_computed():
    # too low: the next block is asked for at the estimated end, and the run goes on; too
    # high: the end of input comes in its own pass; no more blocks read than without one
    from featgraph.engine.scheduler import collect

    plan = featgraph.load("mfcc39").compile()
    y = np.random.default_rng(5).standard_normal(20 * 1000) * 0.1
    for n_samples in (None, 5000, 20000, 90000):
        read = []

        def blocks():
            for i in range(20):
                read.append(i)
                yield y[i * 1000:(i + 1) * 1000]

        got = collect(Stream(plan, 16000.0), blocks(), n_samples)["mfcc39"].data
        if n_samples is None:
            want = got
        assert len(read) == 20 and got.shape == want.shape == (39, 123)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_16_bit_files_are_read_as_stored_and_scaled_to_libsndfiles_own_values(tmp_path):
    """PCM_16 (WAV, FLAC) is read as int16 and scaled by 2^-15 in the source: the blocks
    equal soundfile's float32 / float64 reads bit for bit (extremes -32768 and 32767,
    mono and stereo, any block size), as (channels, n) arrays."""
    from featgraph.engine.source import Source

    rng = np.random.default_rng(7)
    for ch in (1, 2):
        pcm = rng.integers(-32768, 32768, (5003, ch)).astype(np.int16)
        pcm[0], pcm[1] = -32768, 32767
        for ext in ("wav", "flac"):
            path = tmp_path / f"x{ch}.{ext}"
            soundfile.write(path, pcm, 16000, subtype="PCM_16")
            for dtype in ("float32", "float64"):
                want = soundfile.read(path, dtype=dtype, always_2d=True)[0].T
                blocks = list(Source.of(path).blocks(1000, dtype))
                assert [b.shape for b in blocks] == [(ch, 1000)] * 5 + [(ch, 3)]
                got = np.concatenate(blocks, axis=-1)
                assert got.dtype == dtype
                np.testing.assert_array_equal(got, want)
                assert got[0, 0] == -1.0 and got[0, 1] == 32767 / 32768


def test_a_gain_in_the_reader_gives_the_products_of_libsndfiles_values(tmp_path):
    """``Source.blocks(scale=g)``: the values of libsndfile's read (soundfile, float32 or
    float64) times ``dtype(g)`` in that type, bit for bit: 16-bit samples converted once
    (one factor ``g * 2^-15``), a gain too small to combine (its product with 2^-15
    subnormal) in two products, other integer subtypes multiplied after the read; an
    array refuses a gain."""
    from featgraph.engine.source import Source

    rng = np.random.default_rng(11)
    pcm = rng.integers(-32768, 32768, (4001, 2)).astype(np.int16)
    pcm[0], pcm[1] = -32768, 32767
    for subtype, ext in (("PCM_16", "flac"), ("PCM_16", "wav"), ("PCM_24", "wav"),
                         ("PCM_U8", "wav")):
        path = tmp_path / f"x_{subtype}.{ext}"
        soundfile.write(path, pcm, 16000, subtype=subtype)
        for dtype in ("float32", "float64"):
            read = soundfile.read(path, dtype=dtype, always_2d=True)[0].T
            for gain in (32768.0, 3.1, 1e-3, 1e-40, 2.0 ** 32):
                want = read * np.dtype(dtype).type(gain)
                got = np.concatenate(list(Source.of(path).blocks(1000, dtype, gain)), axis=-1)
                assert got.dtype == dtype
                np.testing.assert_array_equal(got, want, err_msg=f"{path} {dtype} {gain}")
    with pytest.raises(ValueError, match="file"):
        next(Source.of(np.zeros(4), sr=16000).blocks(2, "float64", 2.0))


def test_the_load_scale_is_applied_by_the_reader_once_with_the_same_numbers(tmp_path):
    """A ``load`` with ``scale`` on a file of integer PCM: the reader applies the gain and
    the load passes the samples on (:func:`read_scale`); the output equals the int16
    samples times ``scale * 2^-15`` computed here (float32 and float64, 32768 and 3),
    also through ``frame``; two loads of different gains, a resampling load, a stereo mix
    or a float file keep the product in the load (gain 1 in the reader)."""
    from featgraph.engine.scheduler import execute, read_dtype, read_scale
    from featgraph.engine.source import Source

    rng = np.random.default_rng(12)
    pcm = rng.integers(-32768, 32768, (3000, 1)).astype(np.int16)
    path = tmp_path / "x.flac"
    soundfile.write(path, pcm, 16000, subtype="PCM_16")
    for dtype in ("float32", "float64"):
        for gain in (32768.0, 3.0):
            recipe = featgraph.Recipe.from_yaml(
                f"name: g\nnodes:\n  audio: {{op: load, scale: {gain}, dtype: {dtype}}}\n"
                "  frames: {op: frame, input: audio, length: 400, hop: 160}\n"
                "outputs: [audio, frames]\n")
            plan = recipe.compile()
            source = Source.of(path)
            assert read_scale(plan, source, read_dtype(plan, source)) == gain
            t = np.dtype(dtype).type
            want = (pcm[:, 0].astype(dtype) * t(2.0 ** -15)) * t(gain)
            got = execute(plan, Source.of(path))
            assert got["audio"].dtype == dtype
            np.testing.assert_array_equal(got["audio"], want)
            np.testing.assert_array_equal(got["frames"][:, 1], want[160:560])
    two = featgraph.Recipe.from_yaml(
        "name: two\nnodes:\n  a: {op: load, scale: 2}\n  b: {op: load, scale: 3}\n"
        "outputs: [a, b]\n").compile()
    out = execute(two, Source.of(path))
    np.testing.assert_array_equal(out["b"], pcm[:, 0] / 32768 * 3.0)
    np.testing.assert_array_equal(out["a"], pcm[:, 0] / 32768 * 2.0)
    assert read_scale(two, Source.of(path), "float64") == 1.0
    resampled = featgraph.Recipe.from_yaml(
        "name: r\nnodes:\n  a: {op: load, scale: 2, sr: 8000}\noutputs: [a]\n").compile()
    assert read_scale(resampled, Source.of(path), "float64") == 1.0
    stereo = tmp_path / "s.wav"
    soundfile.write(stereo, np.repeat(pcm, 2, axis=1), 16000, subtype="PCM_16")
    mono = featgraph.Recipe.from_yaml(
        "name: m\nnodes:\n  a: {op: load, scale: 2}\noutputs: [a]\n").compile()
    assert read_scale(mono, Source.of(stereo), "float64") == 1.0
    np.testing.assert_array_equal(execute(mono, Source.of(stereo))["a"], pcm[:, 0] / 16384)
    floats = tmp_path / "f.wav"
    soundfile.write(floats, pcm / 32768, 16000, subtype="FLOAT")
    assert read_scale(mono, Source.of(floats), "float64") == 1.0

"""The content-keyed feature cache (docs/cache.md, featgraph/engine/cache.py).

A cache must be invisible in the numbers: every cached run is compared with an
uncached run of the same recipe (and PLP with rastamat's own output), and the
reports must show that what did not change was not recomputed.
"""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import assert_close_per_coefficient, rastamat
from featgraph.cli import main
from featgraph.engine.cache import MAGIC, Cache
from featgraph.engine.cached import source_identity, step_keys
from featgraph.engine.graph import build

SPEECH = featgraph.example("speech")
RECOMPUTED = ("executed", "fused")


def _recomputed_nodes(recipe, params: dict) -> set[str]:
    """Recipe nodes whose value changes with ``params``, and every node fused with one.

    A node's content key hashes its parameters and its inputs' keys, so the nodes
    whose key differs are exactly the changed ones and everything below them; a
    fused step (featgraph/engine/fuse.py) is computed as a whole.
    """
    before = build([recipe]).names
    after = build([recipe.with_params(**params)]).names
    changed = {name for name in after if before.get(name) != after[name]}
    fused = recipe.compile(**params)
    return {name for key in fused.order for name in fused.step(key).names
            if changed & set(fused.step(key).names)}


def _copy(src, dst) -> Path:
    shutil.copyfile(src, dst)
    return Path(dst)


@pytest.mark.parametrize("name, params", [
    ("plp", {"lifter": 0.5}),
    ("plp", {"order": 12}),                  # n_ceps = order + 1
    ("mfcc39", {"ceplifter": 20}),
    ("mfcc39", {"deltawindow": 3}),
    ("mfcc_librosa", {"n_mfcc": 13}),
    ("lpcc", {"n_ceps": 20}),                # reads both ports of a cached two-port node
])
def test_downstream_change_reuses_upstream(tmp_path, name, params):
    recipe = featgraph.load(name)
    cache = Cache(tmp_path / "cache")
    first = recipe.run(SPEECH, cache=cache)
    assert {r.status for r in first.report} <= {"executed", "fused", "shared"}
    again = recipe.run(SPEECH, cache=cache, **params)
    statuses = {r.node: r.status for r in again.report}
    recomputed = _recomputed_nodes(recipe, params)
    assert {n for n, s in statuses.items() if s in RECOMPUTED} == recomputed
    assert recomputed and len(recomputed) < len(statuses) / 2
    assert set(statuses.values()) - set(RECOMPUTED) == {"cached", "skipped"}
    assert statuses["audio"] == "skipped"                # the file was not even decoded
    fresh = recipe.run(SPEECH, **params)
    for out in fresh:
        np.testing.assert_allclose(again[out], fresh[out], rtol=1e-12, atol=1e-12)
    if name == "plp" and "order" in params:              # and the numbers are rastamat's
        assert_close_per_coefficient(again["plp"], rastamat("speech_en_16k")["plp13"], 1e-4)
    third = recipe.run(SPEECH, cache=cache, **params)    # all from the cache now
    plan = recipe.compile(**params)
    assert {r.key for r in third.report.cached} == {k for k, _ in plan.outputs.values()}
    assert not third.report.executed


def test_cached_arrays_meet_streamed_blocks(tmp_path):
    """A change above the filterbank streams the audio again, in small blocks, while the
    energy branch comes whole from the cache: the node that joins them aligns both."""
    from featgraph.engine.runner import run

    recipe = featgraph.load("mfcc39")
    cache = Cache(tmp_path / "c")
    recipe.run(SPEECH, cache=cache)
    res = run([recipe], SPEECH, block_samples=1000, cache=cache, numchans=24)
    status = {r.node: r.status for r in res.report}
    assert status["enorm"] == "cached" and status["energy"] == status["logenergy"] == "skipped"
    assert status["audio"] == status["static"] == "executed"
    assert status["bands"] in ("executed", "fused")      # computed (fused with the FFT)
    want = recipe.run(SPEECH, numchans=24)["mfcc39"]
    np.testing.assert_allclose(res["mfcc39"], want, rtol=1e-12, atol=1e-12)


def _entries(cache: Cache) -> list[Path]:
    return sorted(path for _, _, path in cache.entries())


def test_damaged_entries_are_misses(tmp_path):
    cache = Cache(tmp_path / "c", store="outputs")
    want = featgraph.load("plp").run(SPEECH)["plp"]
    featgraph.load("plp").run(SPEECH, cache=cache)
    (entry,) = _entries(cache)
    data = bytearray(entry.read_bytes())
    data[len(MAGIC) + 100] ^= 0xFF                         # one flipped bit of data: digest
    entry.write_bytes(bytes(data))
    res = featgraph.load("plp").run(SPEECH, cache=cache)
    assert not res.report.cached and np.array_equal(res["plp"], want)
    data = entry.read_bytes()                              # metadata changed, same size
    assert data.count(b'"hop": 160') == 1
    entry.write_bytes(data.replace(b'"hop": 160', b'"hop": 161'))
    res = featgraph.load("plp").run(SPEECH, cache=cache)
    assert not res.report.cached and res.features["plp"].hop == 160
    entry.write_bytes(entry.read_bytes()[:-40])            # truncated: no trailer
    res = featgraph.load("plp").run(SPEECH, cache=cache)
    assert not res.report.cached and np.array_equal(res["plp"], want)
    assert featgraph.load("plp").run(SPEECH, cache=cache).report.cached   # rewritten, valid


KILLED_WRITER = """
import sys, featgraph
from featgraph.engine.cache import Cache
featgraph.load("mfcc39").run(sys.argv[1], cache=Cache(sys.argv[2]))
"""


def _env(**extra) -> dict:
    """The environment of a child process that imports this featgraph (not another install)."""
    here = str(Path(featgraph.__file__).resolve().parent.parent)
    path = os.pathsep.join([here] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    return dict(os.environ, PYTHONPATH=path, **extra)


def test_killed_writer_leaves_nothing_valid(tmp_path):
    audio = _copy(SPEECH, tmp_path / "a.wav")
    folder = tmp_path / "cache"
    env = _env(FEATGRAPH_CACHE_TEST_PAUSE="60")      # pause inside the first entry
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(audio), str(folder)],
                            env=env, cwd=tmp_path)
    cache = Cache(folder)
    deadline = time.monotonic() + 30
    try:
        while not [t for t in cache.temps() if t.stat().st_size > len(MAGIC)]:
            assert proc.poll() is None and time.monotonic() < deadline, "no entry was started"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not _entries(cache)                     # nothing was published
    (half,) = cache.temps()
    key = half.name[1:].split(".")[0]
    shutil.copyfile(half, cache.path(key))         # even renamed into place, it is refused
    assert cache.get(key) is None and not cache.path(key).exists()

    res = featgraph.load("mfcc39").run(audio, cache=cache)
    assert not res.report.cached
    want = featgraph.load("mfcc39").run(SPEECH)["mfcc39"]
    np.testing.assert_allclose(res["mfcc39"], want, rtol=1e-12, atol=1e-12)
    assert not cache.temps()                       # the dead writer's file was removed
    assert featgraph.load("mfcc39").run(audio, cache=cache).report.cached


CONCURRENT = """
import sys, time, numpy as np, featgraph
from pathlib import Path
from featgraph.engine.cache import Cache
folder, out, files = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
out.with_suffix(".ready").touch()
while not (out.parent / "go").exists():
    time.sleep(0.005)
res = {}
for rnd in range(2):
    for name in ("plp", "mfcc39"):
        for f in files:
            r = featgraph.load(name).run(f, cache=Cache(folder, store="all"))
            res[f"{rnd}.{name}.{Path(f).stem}"] = r[name]
np.savez(out, **res)
"""


def test_concurrent_runs_share_one_cache(tmp_path):
    files = [str(_copy(SPEECH, tmp_path / "s.wav"))]        # both write the same entries
    folder = tmp_path / "cache"
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(folder),
                               str(tmp_path / f"out{i}.npz"), *files], env=_env(),
                              cwd=tmp_path) for i in range(2)]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"out{i}.ready").exists() for i in range(2)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    (tmp_path / "go").touch()                             # start together
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    want = {name: featgraph.load(name).run(SPEECH)[name] for name in ("plp", "mfcc39")}
    for i in range(2):
        with np.load(tmp_path / f"out{i}.npz") as got:
            assert len(got.files) == 4
            for k in got.files:
                np.testing.assert_allclose(got[k], want[k.split(".")[1]], rtol=1e-12,
                                           atol=1e-12)
    cache = Cache(folder)
    assert not cache.temps()
    entries = _entries(cache)
    assert entries and all(cache.get(p.stem) is not None for p in entries)
    plan = featgraph.load("mfcc39").compile()
    keys = step_keys(plan, source_identity(featgraph.engine.source.Source.of(files[0]), "stat"))
    assert {cache.path(keys[k]) for k in plan.order} <= set(entries)   # store="all"


def test_lru_eviction(tmp_path):
    plp = featgraph.load("plp")
    a, b, c = (_copy(SPEECH, tmp_path / f"{n}.wav") for n in "abc")
    probe = Cache(tmp_path / "probe", store="outputs")
    plp.run(a, cache=probe)
    size = probe.info()["bytes"]
    cache = Cache(tmp_path / "lru", max_bytes=int(2.5 * size), store="outputs")
    plp.run(a, cache=cache)
    plp.run(b, cache=cache)
    assert plp.run(a, cache=cache).report.cached          # a is now more recent than b
    plp.run(c, cache=cache)                               # 3 entries > limit: evict b
    assert cache.info()["entries"] == 2 and cache.info()["bytes"] <= cache.max_bytes
    assert plp.run(a, cache=cache).report.cached
    assert plp.run(c, cache=cache).report.cached
    assert not plp.run(b, cache=cache).report.cached      # evicted: recomputed


def test_input_identity(tmp_path):
    plp = featgraph.load("plp")
    audio = _copy(SPEECH, tmp_path / "a.wav")
    stat, hashed = Cache(tmp_path / "stat"), Cache(tmp_path / "hash", identity="hash")
    for cache in (stat, hashed):
        plp.run(audio, cache=cache)
    later = time.time() + 5
    os.utime(audio, (later, later))                      # touched: same bytes
    assert not plp.run(audio, cache=stat).report.cached
    assert plp.run(audio, cache=hashed).report.cached
    moved = _copy(audio, tmp_path / "b.wav")             # a copy elsewhere: same bytes
    assert plp.run(moved, cache=hashed).report.cached
    assert not plp.run(moved, cache=stat).report.cached

    y, sr = sf.read(audio)                               # modified: same size, other samples
    sf.write(audio, y[::-1].copy(), sr, subtype="PCM_16")
    want = plp.run(audio)["plp"]
    for cache in (stat, hashed):
        res = plp.run(audio, cache=cache)
        assert not res.report.cached
        np.testing.assert_allclose(res["plp"], want, rtol=1e-12, atol=1e-12)


def test_array_inputs_only_with_hash_identity(tmp_path):
    y, sr = sf.read(SPEECH)
    plp = featgraph.load("plp")
    stat, hashed = Cache(tmp_path / "stat"), Cache(tmp_path / "hash", identity="hash")
    plp.run(y, sr=sr, cache=stat)
    assert not stat.entries()                            # no identity: not cached
    plp.run(y, sr=sr, cache=hashed)
    assert plp.run(y, sr=sr, cache=hashed).report.cached
    assert not plp.run(y * 0.5, sr=sr, cache=hashed).report.cached


def test_cli_cache(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FEATGRAPH_FEATURE_CACHE", raising=False)
    monkeypatch.delenv("FEATGRAPH_FEATURE_CACHE_SIZE", raising=False)
    folder = tmp_path / "fc"
    audio = str(_copy(SPEECH, tmp_path / "a.wav"))
    assert main(["run", "mfcc39", audio, "--cache", str(folder), "--report"]) == 0
    assert " cached " not in capsys.readouterr().out
    assert main(["run", "mfcc39", audio, "--cache", str(folder), "--report",
                 "--set", "deltawindow=3"]) == 0
    out = capsys.readouterr().out
    assert "static                       with_energy      cached" in out
    assert "4 executed, 0 shared, 1 cached, 14 skipped" in out
    n = Cache(folder).info()["entries"]
    assert main(["cache", "info", "--cache", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"features: {folder}: {n} entries" in out and "of a 4.0 GiB limit" in out
    assert "plans:" in out
    assert main(["cache", "clear", "--features", "--cache", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out == f"removed {n} feature entries from {folder}\n"
    assert Cache(folder).info()["entries"] == 0
    monkeypatch.setenv("FEATGRAPH_FEATURE_CACHE", str(folder))   # the environment's cache
    assert main(["run", "plp", audio, "-q"]) == 0
    assert Cache(folder).info()["entries"] > 0
    assert main(["run", "plp", audio, "--cache-size", "12XB"]) == 2
    assert "cache size '12XB'" in capsys.readouterr().err
    assert main(["run", "--cache", audio, "plp", audio]) == 2     # the file taken as DIR
    assert "not a folder" in capsys.readouterr().err


def test_unreadable_inputs_fail_as_without_a_cache(tmp_path):
    for identity in ("stat", "hash"):
        cache = Cache(tmp_path / identity, identity=identity)
        with pytest.raises(featgraph.AudioError, match="no such file"):
            featgraph.load("plp").run(tmp_path / "missing.wav", cache=cache)
        with pytest.raises(featgraph.AudioError, match="folder"):
            featgraph.load("plp").run(tmp_path, cache=cache)
        assert not cache.entries()


def test_cache_argument_forms(tmp_path, monkeypatch):
    from featgraph.engine.cache import resolve

    monkeypatch.delenv("FEATGRAPH_FEATURE_CACHE", raising=False)
    assert resolve(None) is None and resolve(False) is None
    assert resolve(tmp_path).folder == tmp_path
    assert resolve(True).folder.name == "features"
    monkeypatch.setenv("FEATGRAPH_FEATURE_CACHE", str(tmp_path))
    assert resolve(None).folder == tmp_path and resolve(False) is None
    with pytest.raises(ValueError, match="identity"):
        Cache(tmp_path, identity="mtime")
    with pytest.raises(TypeError, match="cache="):
        featgraph.load("plp").run(SPEECH, cache=3)


def _assert_same_features(got, want):
    """Equal arrays (bit for bit) and equal metadata, output by output."""
    assert set(got.features) == set(want.features)
    for name, f in want.features.items():
        g = got.features[name]
        assert g.data.dtype == f.data.dtype and np.array_equal(g.data, f.data), name
        assert (g.kind, g.sr, g.hop, g.win_length, g.n_fft) == \
            (f.kind, f.sr, f.hop, f.win_length, f.n_fft), name
        assert (g.axis is None) == (f.axis is None), name
        if f.axis is not None:
            assert g.axis.dtype == f.axis.dtype and np.array_equal(g.axis, f.axis), name


def test_entries_round_trip_every_kind(tmp_path):
    """Stereo signal, frames, a complex spectrum, bands, and a two-port op read back as
    they were computed; with store="all" every node is an entry."""
    r = featgraph.Recipe("kinds")
    audio = r.add("audio", "load", dtype="float32")
    frames = r.add("frames", "frame", audio, length="25ms", hop="10ms")
    spec = r.add("spec", "rfft", r.add("win", "window", frames, window="hann"))
    bands = r.add("bands", "mel_filterbank", r.add("power", "power", spec), n_mels=20)
    for name in (audio, frames, spec, bands):
        r.output(name)
    stereo = Path(__file__).parent / "data" / "chord_pluck_22k_stereo.wav"
    assert sf.info(stereo).channels == 2
    for recipe, source in ((r, stereo), (featgraph.load("lpcc"), SPEECH)):
        cache = Cache(tmp_path / recipe.name, store="all")
        want = recipe.run(source)
        first = recipe.run(source, cache=cache)
        _assert_same_features(first, want)
        plan = recipe.compile()
        assert len(cache.entries()) == len(plan.order)
        again = recipe.run(source, cache=cache)
        assert {row.key for row in again.report.cached} == {k for k, _ in plan.outputs.values()}
        _assert_same_features(again, want)


def test_key_covers_rate_and_dtype(tmp_path):
    recipe = featgraph.load("mfcc_librosa")
    cache = Cache(tmp_path / "c")
    recipe.run(SPEECH, cache=cache)
    for params in ({"sr": 8000}, {"dtype": "float32"}):     # resampled; single precision
        changed = recipe.with_params(**params)
        res = changed.run(SPEECH, cache=cache)
        assert not res.report.cached
        want = changed.run(SPEECH)["mfcc_librosa"]
        assert res["mfcc_librosa"].dtype == want.dtype
        np.testing.assert_allclose(res["mfcc_librosa"], want, rtol=1e-12, atol=1e-12)
        assert changed.run(SPEECH, cache=cache).report.cached


def test_key_covers_code(tmp_path, monkeypatch):
    """A new featgraph version misses everything; a change to one op module's source
    misses only the nodes computed with it (and below)."""
    from featgraph.engine import cached

    mfcc39 = featgraph.load("mfcc39")
    cache = Cache(tmp_path / "c")
    mfcc39.run(SPEECH, cache=cache)
    with monkeypatch.context() as m:
        m.setattr(featgraph, "__version__", "99.0")
        cached._base_stamp.cache_clear()
        assert not mfcc39.run(SPEECH, cache=cache).report.cached
    cached._base_stamp.cache_clear()
    module_hash = cached._module_hash
    with monkeypatch.context() as m:        # as if featgraph/nodes/lpc.py had been edited
        m.setattr(cached, "_module_hash",   # (its lifter op is mfcc39's `liftered`)
                  lambda mod: "edited" if mod == "featgraph.nodes.lpc" else module_hash(mod))
        status = {r.node: r.status for r in mfcc39.run(SPEECH, cache=cache).report}
    assert status["cepstra"] == status["enorm"] == "cached"
    assert status["liftered"] == status["static"] == "executed"

"""Sharing, freeing, composition, the builder API and per-channel data."""
import os

import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, SPEECH, assert_close_per_coefficient, rastamat

FRONT_END = ["audio", "frames", "windowed", "spectrum", "power", "bands"]


def test_two_branches_share_the_front_end_within_one_recipe(write_recipe):
    # plp plus a second PLP-like branch (order 12, no lifter) off the same front end,
    # written out in full so that only content keys can make them share.
    plp = featgraph.load("plp").to_dict()
    nodes = dict(plp["nodes"])
    nodes.update({f"b_{n}": dict(v) for n, v in plp["nodes"].items()})
    for n, v in list(nodes.items()):
        if n.startswith("b_") and "input" in v:
            v["input"] = "b_" + v["input"]
    nodes["b_lpc"]["order"] = 12
    nodes["b_plp"]["value"] = 1.0
    import yaml
    path = write_recipe(yaml.safe_dump({"name": "two", "params": plp["params"], "nodes": nodes,
                                        "outputs": ["plp", "b_plp"]}, sort_keys=False))
    result = featgraph.load(path).run(SPEECH["speech_en_16k"])
    report = result.report
    for n in FRONT_END + ["loudness", "cuberoot", "edges", "autocorr"]:
        assert report[n].status in ("executed", "fused") and report[f"b_{n}"].status == "shared"
        assert report[f"b_{n}"].key == report[n].key
    for n in ["lpc", "cepstra", "plp"]:
        assert report[f"b_{n}"].status in ("executed", "fused")
    assert len(report.executed) + len(report.fused) == 13 + 3
    ref = rastamat("speech_en_16k")
    assert_close_per_coefficient(result["plp"], ref["plp"], 1e-4)
    lifter = np.r_[1.0, np.arange(1, 13) ** (1.0 - 0.6)]   # b_ lifts by n^1 instead of n^0.6
    assert_close_per_coefficient(result["b_plp"], ref["plp13"] * lifter[:, None], 1e-4)


def test_report_made_when_read_and_pickled_made():
    # a run's report is built at its first access; a pickled result (a worker's, sent to
    # the client) carries it made, with the same rows
    import pickle

    result = featgraph.run(["plp", "rasta_plp"], SPEECH["english_8k"])
    back = pickle.loads(pickle.dumps(result))
    assert back.report.rows == result.report.rows
    assert {r.node for r in back.report.shared} == {f"rasta_plp/{n}" for n in FRONT_END}
    np.testing.assert_array_equal(back["plp/plp"], result["plp/plp"])


def test_recipes_run_together_share_nodes():
    result = featgraph.run(["plp", "rasta_plp"], SPEECH["english_8k"])
    assert sorted(result) == ["plp/plp", "rasta_plp/rasta_plp"]
    shared = {r.node for r in result.report.shared}
    assert shared == {f"rasta_plp/{n}" for n in FRONT_END}
    ref = rastamat("english_8k")
    assert_close_per_coefficient(result["plp/plp"], ref["plp"], 1e-4)
    assert_close_per_coefficient(result["rasta_plp/rasta_plp"], ref["rasta_plp"], 1e-4)


def test_bundle_include_with_overrides(write_recipe):
    path = write_recipe("""\
name: bundle
params: {order: 12}
include:
  - {recipe: plp, as: plp13, with: {order: "${order}"}}
  - {recipe: rasta_plp}
nodes:
  mean_plp: {op: lifter, input: plp13/cepstra, value: 1.0}
outputs:
  plp13: plp13/plp
  rasta: rasta_plp/rasta_plp
  unlifted: plp13/cepstra
""")
    result = featgraph.load(path).run(SPEECH["speech_en_gb_16k"])
    ref = rastamat("speech_en_gb_16k")
    assert_close_per_coefficient(result["plp13"], ref["plp13"], 1e-4)
    assert_close_per_coefficient(result["rasta"], ref["rasta_plp"], 1e-4)
    lifter = np.r_[1.0, np.arange(1, 13) ** 0.6]
    assert_close_per_coefficient(result["unlifted"], ref["plp13"] / lifter[:, None], 1e-4)
    assert result.report["rasta_plp/frames"].status == "shared"
    assert "mean_plp" not in {r.node for r in result.report}   # not needed by any output


def test_include_errors(write_recipe, tmp_path):
    loop = write_recipe("include: [{recipe: loop.yaml}]\n", "loop.yaml")
    with pytest.raises(featgraph.RecipeError, match="include cycle"):
        featgraph.load(loop).compile()
    bad = write_recipe("include: [{recipe: plp, with: {n_mels: 40}}]\n", "bad.yaml")
    with pytest.raises(featgraph.RecipeError, match=r"bad.yaml:1: included recipe 'plp' has no "
                                                    r"parameter 'n_mels'"):
        featgraph.load(bad).compile()


def test_any_block_size_gives_the_same_numbers():
    from featgraph.engine.scheduler import execute
    from featgraph.engine.source import Source

    plan = featgraph.load("plp").compile()
    source = Source.of(SPEECH["speech_en_16k"])
    whole = execute(plan, source, block_samples=10**9)
    for block in (97, 160, 4001):
        blocked = execute(plan, source, block_samples=block)
        np.testing.assert_allclose(blocked["plp"], whole["plp"], rtol=1e-12, atol=1e-12)
    assert_close_per_coefficient(blocked["plp"], rastamat("speech_en_16k")["plp"], 1e-4)


def test_streamed_intermediates_never_exist_in_full():
    import tracemalloc

    from featgraph.engine.scheduler import execute
    from featgraph.engine.source import Source

    plan = featgraph.load("plp").compile()
    y = np.random.default_rng(3).standard_normal(16000 * 360)   # 360 s: 22 default blocks
    execute(plan, Source.of(y[:16000], sr=16000))               # warm the caches
    peaks = {}
    for seconds in (60, 360):
        tracemalloc.start()
        result = execute(plan, Source.of(y[:16000 * seconds], sr=16000))
        peaks[seconds] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    n_frames = result["plp"].shape[-1]
    assert n_frames == 35998
    spectrum = n_frames * 257 * 16          # the complex spectrum, were it held in full
    output = result["plp"].nbytes
    assert peaks[360] < spectrum / 4, f"peak {peaks[360] / 2**20:.1f} MiB"
    # six times the audio adds about the output's growth, not the intermediates'
    assert peaks[360] - peaks[60] < 0.84 * output + 2**20, peaks


def test_shared_value_is_kept_until_its_last_consumer():
    from featgraph.engine.graph import build

    plan = build([featgraph.load("plp"), featgraph.load("rasta_plp")])
    bands = plan.names["plp/bands"]
    assert plan.names["rasta_plp/bands"] == bands
    readers = [k for k in plan.order if any(src == bands for src, _ in plan.step(k).inputs)]
    assert len(readers) == 2                        # one chunk of bands feeds both branches
    res = featgraph.run(["plp", "rasta_plp"], SPEECH["english_8k"])
    ref = rastamat("english_8k")
    assert_close_per_coefficient(res["plp/plp"], ref["plp"], 1e-4)
    assert_close_per_coefficient(res["rasta_plp/rasta_plp"], ref["rasta_plp"], 1e-4)


def test_builder_api_gives_the_same_graph_and_round_trips():
    r = featgraph.Recipe("plp", description="built in Python")
    r.param("sr", None)
    win, hop = r.param("win", "25ms"), r.param("hop", "10ms")
    order, lift = r.param("order", 8), r.param("lifter", 0.6)
    x = r.add("audio", "load", sr="${sr}", scale=32768)
    x = r.add("frames", "frame", x, length=win, hop=hop)
    n_fft = r.param("n_fft", "pow2")
    x = r.add("windowed", "window", x, window="hanning", pad_to=n_fft)
    x = r.add("spectrum", "rfft", x)
    x = r.add("power", "power", x, dither=1.0)
    x = r.add("bands", "bark_filterbank", x)
    x = r.add("loudness", "equal_loudness", x)
    x = r.add("cuberoot", "power_law", x, exponent=0.33)
    x = r.add("edges", "replicate_edges", x)
    x = r.add("autocorr", "autocorrelation", x)
    x = r.add("lpc", "lpc", x, order=order, gain_normalize=True)
    x = r.add("cepstra", "lpc_to_cepstrum", x)
    r.output("plp", r.add("plp", "lifter", x, value=lift))

    assert featgraph.Recipe.from_yaml(r.to_yaml()) == r
    shipped = featgraph.load("plp")
    assert r.compile().names == shipped.compile().names        # same content keys
    assert r.compile(order=12).names == shipped.compile(order=12).names
    assert r.compile(order=12).names != shipped.compile().names
    got = r.run(SPEECH["english_8k"])["plp"]
    assert_close_per_coefficient(got, rastamat("english_8k")["plp"], 1e-4)


def test_shipped_recipes_round_trip():
    for name in featgraph.shipped():
        recipe = featgraph.load(name)
        assert featgraph.Recipe.from_yaml(recipe.to_yaml()) == recipe


def test_ports_and_metadata():
    r = featgraph.load("plp")
    r.output("gain", "lpc:error")
    r.output("bands")
    res = r.run(SPEECH["english_8k"])
    assert res["gain"].shape == (1, 425) and (res["gain"] > 0).all()
    assert res.features["plp"].kind is featgraph.Kind.CEPSTRA
    bands = res.features["bands"]
    assert bands.hop == 80 and bands.win_length == 200 and bands.n_fft == 256 and bands.sr == 8000
    assert bands.data.shape == (17, 425) and bands.axis.shape == (17,)
    np.testing.assert_allclose(bands.axis[[0, -1]], [0.0, 4000.0], atol=1e-9)
    # c0 of the gain-normalised model is log of the prediction error
    np.testing.assert_allclose(res["plp"][0], np.log(res["gain"][0]), rtol=1e-12)


def test_per_channel_data():
    stereo, sr = sf.read(DATA / "chord_pluck_22k_stereo.wav")
    recipe = featgraph.load("plp")
    recipe.nodes["audio"].params["channels"] = "all"
    both = recipe.run(DATA / "chord_pluck_22k_stereo.wav")["plp"]
    assert both.shape[:2] == (2, 9)
    for ch in range(2):
        alone = featgraph.load("plp").run(stereo[:, ch], sr=sr)["plp"]
        np.testing.assert_allclose(both[ch], alone, rtol=1e-12, atol=1e-12)


def test_resampling_preserves_a_sine():
    sr, f = 16000, 1000.0
    t = np.arange(sr) / sr
    r = featgraph.Recipe("resample")
    r.output("audio", r.add("audio", "load", sr=8000))
    y = r.run(np.sin(2 * np.pi * f * t), sr=sr)["audio"]
    assert y.shape == (8000,)
    expected = np.sin(2 * np.pi * f * np.arange(8000) / 8000)
    np.testing.assert_allclose(y[200:-200], expected[200:-200], atol=1e-3)


def test_streamed_resampling_equals_soxr_in_one_call():
    import soxr

    from streamcheck import stream_recipe

    y, sr = sf.read(DATA / "chord_pluck_22k_stereo.wav", always_2d=True)
    r = featgraph.Recipe("resample")
    r.output("audio", r.add("audio", "load", sr=16000, channels="all"))
    want = soxr.resample(y, sr, 16000, quality="HQ").T        # librosa's default resampler
    whole = r.run(y.T, sr=sr)["audio"]
    streamed = stream_recipe(r, y.T, sr, [1, 4410, 333, 0, 7000])["audio"]
    np.testing.assert_array_equal(whole, want)
    np.testing.assert_array_equal(streamed, want)


def test_result_save_is_complete_npz(tmp_path):
    res = featgraph.load("plp").run(SPEECH["english_8k"])
    path = res.save(tmp_path / "out" / "x.npz")
    with np.load(path) as z:
        np.testing.assert_array_equal(z["plp"], res["plp"])
        import json
        meta = json.loads(str(z["__meta__"]))
    assert meta["outputs"]["plp"]["shape"] == [9, 425] and meta["outputs"]["plp"]["hop"] == 80
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["x.npz"]   # no temp file left


def test_plan_cache_hit_equals_a_fresh_build_and_skips_networkx(tmp_path, monkeypatch):
    import json
    import subprocess
    import sys

    from featgraph.engine.graph import build
    from featgraph.engine.runner import compile_plan

    monkeypatch.setenv("FEATGRAPH_FUSE", "0")          # compare the plans as built
    env = dict(os.environ, FEATGRAPH_CACHE=str(tmp_path / "cache"))
    code = ("import sys, featgraph; from featgraph.engine.runner import compile_plan; "
            "p = compile_plan([featgraph.load('rasta_plp')], {'order': 12}); "
            "print('networkx' in sys.modules, len(p.steps))")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True).stdout.split()
    assert first[0] == "True" and second[0] == "False"          # built, then read back
    assert first[1] == second[1]
    fresh = build([featgraph.load("rasta_plp").with_params(order=12)])
    os.environ["FEATGRAPH_CACHE"], saved = env["FEATGRAPH_CACHE"], os.environ["FEATGRAPH_CACHE"]
    try:
        cached = compile_plan([featgraph.load("rasta_plp")], {"order": 12})
    finally:
        os.environ["FEATGRAPH_CACHE"] = saved
    assert json.dumps(cached.to_json()) == json.dumps(fresh.to_json())


def test_plan_cache_notices_a_changed_include(tmp_path, write_recipe, monkeypatch):
    from featgraph.engine.runner import compile_plan

    monkeypatch.setenv("FEATGRAPH_CACHE", str(tmp_path / "cache"))
    inner = ("name: inner\nnodes:\n  audio: {op: load}\n"
             "  pre: {op: preemphasis, input: audio, coef: 0.5}\n")
    write_recipe(inner, "inner.yaml")
    outer = write_recipe("name: outer\ninclude: [inner.yaml]\noutputs: {y: inner/pre}\n",
                         "outer.yaml")
    before = compile_plan([featgraph.load(outer)], {})
    path = write_recipe(inner.replace("0.5", "0.25"), "inner.yaml")
    os.utime(path, ns=(1, 1))                                  # a different modification time
    after = compile_plan([featgraph.load(outer)], {})
    coefs = [[s.model.coef for s in p.steps.values() if s.model.op == "preemphasis"]
             for p in (before, after)]
    assert coefs == [[0.5], [0.25]]


def test_every_node_module_is_a_listed_family():
    from pathlib import Path

    from featgraph import nodes
    from featgraph.nodes import FAMILIES

    folder = Path(nodes.__file__).parent
    modules = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}
    assert set(FAMILIES) == modules


def test_a_cached_plan_imports_only_its_own_node_modules(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, FEATGRAPH_CACHE=str(tmp_path))
    code = ("import sys, featgraph; featgraph.load('plp').compile(); "
            "print(sorted(m for m in sys.modules if m.startswith('featgraph.nodes.')))")
    run = lambda: subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                 text=True, check=True).stdout
    assert "featgraph.nodes.mel" in run()                     # building: every op is known
    cached = run()                                            # from the cache: PLP's own
    assert "featgraph.nodes.auditory" in cached and "featgraph.nodes.mel" not in cached


def test_dtype_override_works_on_any_recipe():
    """``dtype`` is accepted by every recipe: declared as a parameter (mfcc_librosa) or not
    (fbank_kaldi, whose load nodes then take the recipe's top-level dtype).  On white noise
    (every band well above float32's rounding floor) float32 agrees with float64 to 1e-4."""
    y = np.random.default_rng(1).uniform(-0.5, 0.5, 16000)
    for name, out in (("fbank_kaldi", "fbank_kaldi"), ("mfcc_librosa", "mfcc_librosa")):
        r = featgraph.load(name)
        a = np.asarray(r.run(y, sr=16000)[out])
        b = np.asarray(r.run(y, sr=16000, dtype="float32")[out])
        assert a.dtype == np.float64 and b.dtype == np.float32
        assert np.abs(a - b).max() <= 1e-4 * np.abs(a).max()
    with pytest.raises(featgraph.RecipeError, match="dtype must be one of float64, float32"):
        featgraph.load("fbank_kaldi").run(y, sr=16000, dtype="float16")


def test_select_keeps_only_the_chosen_outputs_and_their_ancestors():
    r = featgraph.load("speech_bundle").select("mfcc39", "zcr")
    y = np.random.default_rng(2).standard_normal(8000) * 0.1
    res = r.run(y, sr=16000)
    assert sorted(res.features) == ["mfcc39", "zcr"]
    ran = {row.node for row in res.report}
    assert {"mel", "zcr", "delta"} <= ran and not ran & {"amdf", "autocorr", "lpc", "bark"}
    full = featgraph.load("speech_bundle").run(y, sr=16000)
    # the same numbers to rounding: alone, mfcc39's window -> FFT -> |X| -> mel chain is
    # one framed C call with its own FFT (native/framedbank.c); in the whole bundle the
    # spectrum is shared with other features and comes from the rfft op (ducc0)
    a, b = res["mfcc39"], full["mfcc39"]
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-13 * np.abs(b).max())
    with pytest.raises(featgraph.RecipeError, match="'nope': choose among the outputs mfcc39"):
        featgraph.load("speech_bundle").select("nope")


def test_compiled_plans_are_reused_in_process_until_a_recipe_file_changes(write_recipe,
                                                                          monkeypatch):
    """Running one recipe over many files compiles it once per process; an edited recipe
    file (another size) is compiled afresh; the fusion switch gives another plan."""
    from featgraph.engine.runner import compile_plan

    text = ("name: e\nnodes:\n  audio: {op: load}\n  frames: {op: frame, input: audio}\n"
            "  energy: {op: energy, input: frames}\noutputs: [energy]\n")
    path = write_recipe(text)
    first = compile_plan([featgraph.load(path)], {})
    assert compile_plan([featgraph.load(path)], {}) is first
    assert compile_plan([featgraph.load(path)], {"dtype": "float32"}) is not first
    path.write_text(text.replace("{op: frame, input: audio}",
                                 "{op: frame, input: audio, hop: 20ms}"))
    edited = compile_plan([featgraph.load(path)], {})
    assert edited is not first and edited.steps != first.steps
    monkeypatch.setenv("FEATGRAPH_FUSE", "0")
    assert compile_plan([featgraph.load(path)], {}) is not edited


@pytest.mark.parametrize("subtype, ext", [("PCM_16", "wav"), ("PCM_24", "flac"),
                                          ("PCM_32", "wav"), ("FLOAT", "wav"),
                                          ("DOUBLE", "wav")])
def test_float32_runs_read_files_as_float32_with_the_same_values(tmp_path, subtype, ext):
    """A float32 recipe that keeps the file's samples reads them as float32 (libsndfile's
    conversion): equal bit for bit to reading float64 and casting, for integer PCM of 16,
    24 and 32 bits (32: rounded once either way) and float files; float64 recipes, a
    resampling load and a mean of two channels read float64."""
    from featgraph.engine.scheduler import execute, read_dtype
    from featgraph.engine.source import Source

    rng = np.random.default_rng(11)
    y = np.clip(rng.standard_normal((16000, 2)) * 0.3, -1, 1)
    y[:, 0] = np.round(y[:, 0] * 2**31) / 2**31                 # all 32 bits used
    path = tmp_path / f"x.{ext}"
    sf.write(path, y, 16000, subtype=subtype)
    recipe = tmp_path / "mel.yaml"
    recipe.write_text(
        "name: mel\nparams: {dtype: float32, channels: first, sr: null}\nnodes:\n"
        "  audio: {op: load, dtype: '${dtype}', channels: '${channels}', sr: '${sr}'}\n"
        "  frames: {op: frame, input: audio, length: 400, hop: 160}\n"
        "  windowed: {op: window, input: frames, window: hann, pad_to: 512}\n"
        "  spectrum: {op: rfft, input: windowed}\n"
        "  power: {op: power, input: spectrum}\n"
        "  mel: {op: mel_filterbank, input: power, n_mels: 40}\n"
        "outputs: [mel]\n")
    plan = featgraph.load(recipe).compile()
    source = Source.of(path)
    assert read_dtype(plan, source) == "float32"
    got = execute(plan, source)["mel"]
    as_read = sf.read(path, dtype="float64", always_2d=True)[0][:, 0].astype(np.float32)
    np.testing.assert_array_equal(
        sf.read(path, dtype="float32", always_2d=True)[0][:, 0], as_read)
    want = execute(plan, Source.of(as_read, sr=16000))["mel"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    for other in (dict(channels="mean"), dict(dtype="float64"), dict(sr=8000)):
        assert read_dtype(featgraph.load(recipe).compile(**other), Source.of(path)) == "float64"
    mono = tmp_path / f"mono.{ext}"
    sf.write(mono, y[:, 0], 16000, subtype=subtype)          # one channel: its mean is itself
    assert read_dtype(featgraph.load(recipe).compile(channels="mean"), Source.of(mono)) \
        == "float32"

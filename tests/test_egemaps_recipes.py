"""The shipped eGeMAPS recipes end to end against openSMILE 2.6's own output (issue 16).

References: tests/data/opensmile_refs.npz (``<stem>.lld`` frames x 25, ``<stem>.functionals``
88, from /work/shared/reference/make_opensmile_refs.py: ``opensmile.Smile(eGeMAPSv02)
.process_signal(y, sr)``) and tests/data/egemaps_functional_refs.npz (GeMAPSv01b's 62).
What each piece matches on its own is tested in test_egemaps_{spectral,voice,formants,
functionals}.py; here the recipes as shipped, from the audio.  The floors are the issue's
targets where they are met and the measured agreement (docs/paralinguistic.md) where not.
"""
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import featgraph

DATA = Path(__file__).parent / "data"
REFS = np.load(DATA / "opensmile_refs.npz")
META = json.loads((DATA / "opensmile_refs.json").read_text())
GREFS = np.load(DATA / "egemaps_functional_refs.npz")
ASSEMBLY = yaml.safe_load((DATA / "egemaps_assembly.yaml").read_text())
STEMS = ["speech_en_16k", "speech_en_gb_16k", "english_8k"]
SPECTRAL = 10
# Measured agreement (docs/paralinguistic.md, tests/data/measure_egemaps_recipes.py) of
# 2026-11-29, after the formant path took openSMILE's float32 Hamming product and float32
# FFT (featgraph.native.smile_fft; tests/test_native_smile_fft.py), which gave the formants
# openSMILE's on every frame: for the 14 voice descriptors after F0 (jitter, shimmer, HNR,
# H1-H2, H1-A3, then frequency, bandwidth and amplitude of F1, F2, F3), the share of frames
# voiced in both within 1e-2 of the column's range is 1.000 on all three files but H1-A3 on
# speech_en_16k (0.9945: one frame's A3, tests/test_egemaps_formants.py); floors at the
# issue's 0.99.  Before, with a float64 FFT of the frames, the formant descriptors were at
# 0.97-1.000 (floors .97 / .98) and H1-A3 at 0.98-0.99.
FLOORS = {stem: [.99] * 14 for stem in ("speech_en_16k", "speech_en_gb_16k", "english_8k")}
# functionals within 1e-3 relative of openSMILE's (of 88 and of 62): measured 88 / 62 on all
# three files, the largest relative error 4.0e-4 (speech_en_16k), 4.7e-5 and 1.5e-6.  Before
# the float32 FFT 81 / 57, 84 / 60 and 87 / 62 (the misses: F1-F3 frequency and bandwidth
# means and stddevNorms, 1.0e-3 to 6.1e-3: the order-11 fits are ill-conditioned, and the
# few float32 ulps of input our float64 FFT of the frames left moved the roots of a few
# frames); before that, 81 / 57, 81 / 57 and 83 / 58 before jitter's lag range and repeats
# (tests/test_egemaps_jitter.py), 77 / 53, 78 / 54 and 83 / 58 before its interior-maximum
# rule, amplitude window and vertex test, speech_en_gb_16k 31 / 19 before pitch_viterbi's
# costs and smile_pitch_shs's candidate list were re-measured, and 75 / 51, 75 / 53 and
# 76 / 53 before the resampling synthesis and LPC were openSMILE's float32 arithmetic
# (docs/paralinguistic.md).
EXACT = {"speech_en_16k": 88, "speech_en_gb_16k": 88, "english_8k": 88}
GEXACT = {"speech_en_16k": 62, "speech_en_gb_16k": 62, "english_8k": 62}


def _wav(stem):
    for d in (DATA, Path(featgraph.__file__).parent / "data"):
        if (d / f"{stem}.wav").exists():
            return d / f"{stem}.wav"
    raise FileNotFoundError(stem)


@pytest.fixture(scope="module")
def runs():
    return {s: featgraph.run(["egemaps_lld", "egemaps", "gemaps"], str(_wav(s))) for s in STEMS}


# The nodes of egemaps and gemaps before the assembly: egemaps_lld's `voice` rows with the
# formants computed on voiced frames only (`voiced_formants`, 0 elsewhere: the assembly zeroes
# them there anyway), so the assembly's `lld/voice` is the recipe's own `voice`.
VOICED = {"frames20_60", "formants_vf", "harmonics_v", "voice_rows", "voice"}


def _as_shipped(name):
    """The assembly of egemaps_assembly.yaml as the shipped recipe wires it."""
    out = {}
    for node, spec in ASSEMBLY[name].items():
        spec = dict(spec)
        for key in ("input", "inputs"):
            if key in spec:
                v = spec[key]
                spec[key] = [("voice" if i == "lld/voice" else i) for i in v] \
                    if isinstance(v, list) else ("voice" if v == "lld/voice" else v)
        out[node] = spec
    return out


@pytest.mark.parametrize("name", ["egemaps_lld", "egemaps", "gemaps"])
def test_shipped_recipes_contain_the_tested_assembly(name):
    """test_egemaps_functionals.py checks these nodes on openSMILE's own levels; egemaps and
    gemaps are exactly those nodes on top of egemaps_lld, included as ``lld``, reading its
    voice rows with the formants of voiced frames only."""
    recipe = featgraph.load(name)
    nodes = recipe.nodes
    assembly = ASSEMBLY[name] if name == "egemaps_lld" else _as_shipped(name)
    for node, spec in assembly.items():
        spec = dict(spec)
        op, inputs = spec.pop("op"), spec.pop("inputs", None) or [spec.pop("input")]
        d = nodes[node]
        assert (d.op, list(d.inputs), d.params) == (op, inputs, spec), node
    if name == "egemaps_lld":
        return
    assert set(nodes) == set(ASSEMBLY[name]) | VOICED
    assert [(i.recipe, i.prefix, i.params) for i in recipe.includes] == [
        ("egemaps_lld", "lld", {"sr": "${sr}"})]
    # the LLD levels the assembly reads are egemaps_lld's seeds of the assembly test
    lld_nodes = featgraph.load("egemaps_lld").nodes
    seeds = {i for n, d in nodes.items() if n not in VOICED for i in d.inputs
             if i.startswith("lld/")}
    want = {"lld/spectral", "lld/frames20"} if name == "egemaps" else {"lld/spectral_g"}
    assert seeds == want
    assert {s[4:] for s in seeds} <= set(lld_nodes)
    assert lld_nodes["spectral"].op == "stack" and lld_nodes["voice"].op == "pick_rows"
    # `voice` is egemaps_lld's `voice` with the voiced formants: the same rows, the same
    # inputs but the formants and the harmonics that read them, with the same parameters
    lld = lambda ref: "lld/" + ref                                       # noqa: E731
    assert (nodes["voice"].op, nodes["voice"].params) == (lld_nodes["voice"].op,
                                                          lld_nodes["voice"].params)
    swap = {"harmonics": "harmonics_v", "ffreq": "formants_vf:frequency",
            "fbw": "formants_vf:bandwidth"}
    assert list(nodes["voice_rows"].inputs) == [
        swap.get(i, "harmonics_v:" + i.split(":")[1] if i.startswith("harmonics:") else lld(i))
        for i in lld_nodes["voice_rows"].inputs]
    assert nodes["harmonics_v"].params == lld_nodes["harmonics"].params
    assert list(nodes["harmonics_v"].inputs) == [
        {"ffreq": "formants_vf:frequency"}.get(i, lld(i)) for i in lld_nodes["harmonics"].inputs]
    assert list(nodes["frames20_60"].inputs) == ["lld/" + lld_nodes["resampled"].inputs[0]]
    assert nodes["frames20_60"].params == lld_nodes["ffreq"].params          # end: 4
    f, fm = nodes["formants_vf"], lld_nodes["formants20"].params
    assert list(f.inputs) == ["frames20_60", "lld/" + lld_nodes["harmonics"].inputs[0]]
    assert fm["sample_rate"] == lld_nodes["resampled"].params["target_rate"]
    assert f.params == {**lld_nodes["resampled"].params, **lld_nodes["lpc"].params,
                        **{k: v for k, v in fm.items() if k != "sample_rate"}}
    # gemaps' seed: the first 5 rows of `spectral` (the test seeds it so from openSMILE's level)
    assert lld_nodes["spectral"].inputs[0] == "spectral_g"
    assert lld_nodes["spectral_g"].op == "stack" and list(lld_nodes["spectral_g"].inputs) == [
        "loudness", "alpha", "hammarberg", "slope_lo", "slope_hi"]


@pytest.mark.parametrize("stem", STEMS)
def test_lld_against_opensmile(runs, stem):
    res = runs[stem]
    lld, want = res["egemaps_lld/egemaps_lld"].T, REFS[f"{stem}.lld"]
    assert lld.shape == want.shape
    assert res.features["egemaps_lld/egemaps_lld"].names == tuple(META["lld_columns"])
    err = np.abs(lld - want) / (np.ptp(want, axis=0) + 1e-12)
    # the 10 spectral descriptors: within 1e-3 of each column's range on every frame
    assert err[:, :SPECTRAL].max() < 1e-3
    # voicing: the same decision on every frame (measured; the issue asks >= 99 %); F0 within
    # 1e-2 of its range on every frame voiced in both (the issue: >= 99 %)
    v, w = lld[:, SPECTRAL] > 0, want[:, SPECTRAL] > 0
    assert np.all(v == w)
    both = v & w
    share = np.mean(err[both] <= 1e-2, axis=0)
    assert share[SPECTRAL] == 1.0
    # the other voice descriptors: the measured floors (docs/paralinguistic.md)
    assert np.all(share[SPECTRAL + 1:] >= np.array(FLOORS[stem])), dict(
        zip(META["lld_columns"][SPECTRAL + 1:], np.round(share[SPECTRAL + 1:], 3)))


@pytest.mark.parametrize("stem", STEMS)
def test_functionals_against_opensmile(runs, stem):
    res = runs[stem]
    got = res["egemaps/egemaps"].ravel()
    want = REFS[f"{stem}.functionals"]
    assert res.features["egemaps/egemaps"].names == tuple(META["functional_columns"])
    rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-12)
    assert np.sum(rel <= 1e-3) >= EXACT[stem], np.sum(rel <= 1e-3)
    assert np.all(rel <= 0.02), rel.max()               # the target (measured 4.0e-4)
    g = res["gemaps/gemaps"].ravel()
    gw = GREFS[f"{stem}.gfunc"][0]
    grel = np.abs(g - gw) / np.maximum(np.abs(gw), 1e-12)
    assert np.sum(grel <= 1e-3) >= GEXACT[stem], np.sum(grel <= 1e-3)
    assert np.all(grel <= 0.02), grel.max()


def test_silence_is_finite_and_unvoiced():
    y = np.zeros(16000)
    res = featgraph.run(["egemaps_lld", "egemaps"], y, sr=16000)
    lld = res["egemaps_lld/egemaps_lld"]
    assert np.all(np.isfinite(lld)) and np.all(lld[SPECTRAL] == 0)     # F0: all unvoiced
    amp = [i for i, n in enumerate(META["lld_columns"]) if "amplitudeLogRelF0" in n]
    voice = [i for i in range(SPECTRAL, 25) if i not in amp]
    assert np.all(lld[voice] == 0) and np.all(lld[amp] == -201)       # openSMILE's values
    assert np.all(np.isfinite(res["egemaps/egemaps"]))

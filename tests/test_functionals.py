"""Functionals node family: openSMILE 2.6's eGeMAPSv02 functionals recomputed from its own LLDs,
closed-form cases, silence, and sma3 streaming.

References in tests/data/opensmile_refs.npz / .json (copied from
shared/reference/<stem>__opensmile.npz: openSMILE's 25 LLD columns and 88 functionals).
"""
import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from featgraph.engine import functionals as fn
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.functionals import Functionals, MaskedFunctionals, SegmentStats, Sma3

DATA = Path(__file__).parent / "data"
REFS = np.load(DATA / "opensmile_refs.npz")
META = json.loads((DATA / "opensmile_refs.json").read_text())
LLD = [c.lower() for c in META["lld_columns"]]
FUNC = META["functional_columns"]
STEMS = ["speech_en_16k", "speech_en_gb_16k", "english_8k"]
PCT = ("amean", "stddevNorm", "percentile20.0", "percentile50.0", "percentile80.0",
       "pctlrange20-80")

# Functionals of the nz voice LLDs that openSMILE computes from the LLD columns it outputs
# (measured: the others differ, see docs/functionals.md).
VOICE = ["F0semitoneFrom27.5Hz", "jitterLocal", "shimmerLocaldB", "HNRdBACF",
         "logRelF0-H1-H2", "logRelF0-H1-A3"]


def feature(rows, hop=160, sr=16000):
    return Feature(np.asarray(rows, np.float32).reshape(-1, np.shape(rows)[-1]),
                   Kind.FEATURE, sr, hop=hop)


def lld(stem, name):
    col = REFS[f"{stem}.lld"][:, LLD.index(name.lower())]
    sr = META["sr"][stem]
    return feature(col[None], hop=int(round(META["hop_s"] * sr)), sr=sr)


def ref(stem, column):
    return float(REFS[f"{stem}.functionals"][FUNC.index(column)])


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("name", VOICE)
def test_voice_functionals_match_opensmile(stem, name):
    stats = PCT if name.startswith("F0") else ("amean", "stddevNorm")
    got = Functionals(stats=stats, nonzero=True)(lld(stem, f"{name}_sma3nz")).data.ravel()
    osm = {"pctlrange20-80": "pctlrange0-2"}
    want = [ref(stem, f"{name}_sma3nz_{osm.get(s, s)}") for s in stats]
    np.testing.assert_allclose(got, want, rtol=1e-4)


@pytest.mark.parametrize("stem", STEMS)
def test_segment_stats_match_opensmile(stem):
    got = SegmentStats()(lld(stem, "F0semitoneFrom27.5Hz_sma3nz")).data.ravel()
    want = [ref(stem, c) for c in fn.SEGMENT_STATS]
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_shape_order_and_dtype():
    x = feature([[1.0, 2.0, 3.0, 4.0], [0.0, 2.0, 0.0, 4.0]])
    y = Functionals(stats=("amean", "stddev"))(x)
    assert y.data.shape == (4, 1) and y.data.dtype == np.float32 and y.kind == Kind.FEATURE
    np.testing.assert_allclose(y.data.ravel(), [2.5, np.sqrt(1.25), 1.5, np.sqrt(2.75)], rtol=1e-6)
    nz = Functionals(stats=("amean",), nonzero=True)(x).data.ravel()
    np.testing.assert_allclose(nz, [2.5, 3.0])


def test_percentiles_of_a_known_sequence():
    x = feature([np.arange(11.0)[::-1]])      # 0..10, rank r = q/100 * 10
    y = Functionals(stats=("percentile20.0", "percentile25.0", "percentile33.0",
                           "pctlrange20-80"))(x).data.ravel()
    np.testing.assert_allclose(y, [2.0, 2.5, 3.3, 6.0], rtol=1e-6)


def test_stddev_norm_keeps_the_sign_of_the_mean():
    y = Functionals(stats=("stddevNorm",))(feature([[-1.0, -3.0], [1.0, 3.0]])).data.ravel()
    np.testing.assert_allclose(y, [-0.5, 0.5])


def test_segment_stats_of_a_known_pattern():
    # voiced runs 5, 2 (dropped: < 3 frames), 4; unvoiced runs 3, 2, 3 (+ 2 unseen frames)
    v = [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    y = SegmentStats()(feature([v], hop=160)).data.ravel()
    step = 0.01
    lv, lu = np.array([4, 3]) * step, np.array([2, 1, 2, 2]) * step
    # the last two frames are not seen: the final unvoiced run of 5 counts as 3 -> 2 steps
    want = [2 / (22 * step), lv.mean(), lv.std(), lu.mean(), lu.std()]
    np.testing.assert_allclose(y, want, rtol=1e-6)


def test_masked_functionals_voiced_and_unvoiced():
    x = feature([[1.0, 2.0, 3.0, 4.0, 5.0]])
    f0 = feature([[0.0, 100.0, 0.0, 120.0, 0.0]])
    v = MaskedFunctionals(stats=("amean",))(x, f0).data.ravel()
    u = MaskedFunctionals(stats=("amean",), keep="unvoiced")(x, f0).data.ravel()
    np.testing.assert_allclose([v[0], u[0]], [3.0, 3.0])
    np.testing.assert_allclose(MaskedFunctionals(stats=("stddev",))(x, f0).data.ravel(), [1.0])


@pytest.mark.parametrize("rows", [np.zeros((2, 50)), np.zeros((2, 0)), np.zeros((1, 1))])
def test_finite_and_zero_on_silence(rows):
    x = feature(rows) if rows.size else Feature(np.zeros((2, 0), np.float32), Kind.FEATURE,
                                                16000, hop=160)
    for op in (Functionals(stats=PCT, nonzero=True), Functionals(stats=PCT)):
        y = op(x).data
        assert np.all(np.isfinite(y)) and not np.any(y), (op, y)
    # all unvoiced: no voiced segment (0), one unvoiced segment of the frames seen
    y = SegmentStats()(x).data.reshape(-1, 5)
    unvoiced = max(0, rows.shape[-1] - 2 - 1) * 0.01
    np.testing.assert_allclose(y, [[0, 0, 0, unvoiced, 0]] * len(y), atol=1e-7)
    y = MaskedFunctionals(stats=PCT)(x, x).data
    assert np.all(y == 0)


def test_bad_stats_are_validation_errors():
    for bad in [(), ("mean",), ("percentile101",), ("amean", "amean")]:
        with pytest.raises(ValidationError):
            Functionals(stats=bad)


def test_sma3_closed_form_and_nz():
    x = feature([[3.0, 6.0, 0.0, 9.0, 3.0]])
    np.testing.assert_allclose(Sma3()(x).data.ravel(), [4.5, 3.0, 5.0, 4.0, 6.0])
    # nz: zeros stay zero and are left out of the neighbours' averages
    np.testing.assert_allclose(Sma3(nonzero=True)(x).data.ravel(), [4.5, 4.5, 0.0, 6.0, 6.0])
    assert Sma3().latency() == 1


@pytest.mark.parametrize("nonzero", [False, True])
def test_sma3_streamed_equals_whole(nonzero):
    rng = np.random.default_rng(3)
    data = rng.standard_normal((2, 3, 57)).astype(np.float32)
    data[..., rng.random(57) < 0.3] = 0
    x = Feature(data, Kind.FEATURE, 16000, hop=160)
    whole = Sma3(nonzero=nonzero)(x).data
    for _ in range(5):
        state, parts, t = Sma3(nonzero=nonzero).start(), [], 0
        while t < 57:
            n = int(rng.choice([0, 1, 1, 2, 5, 13]))
            out = state.step(x.derive(data[..., t:t + n]))
            parts.append(out.data if out is not None else None)
            t += n
        out = state.flush()
        parts.append(out.data if out is not None else None)
        got = np.concatenate([p for p in parts if p is not None], axis=-1)
        np.testing.assert_array_equal(got, whole)


SLOPES = ("meanRisingSlope", "stddevRisingSlope", "meanFallingSlope", "stddevFallingSlope")


def test_slopes_and_peaks_of_a_sawtooth():
    # rises 2 per frame for 5 frames, falls 1 per frame for 10 (200 and 100 units/s at 10 ms);
    # openSMILE's segments (measured, see test_egemaps_functionals): start -> peak 5 and
    # valley -> peak rise at 200; peak -> valley falls at 100, and the last segment, peak 50
    # -> the final 0, is signed as a rise (-100) and left out of the std's sum of squares
    period = np.r_[np.arange(0, 10, 2.0), np.arange(10, 0, -1.0)]
    x = feature([np.r_[np.tile(period, 4), 0.0]])
    y = Functionals(stats=SLOPES + ("peaksPerSec",))(x).data.ravel()
    fall = np.array([100, 100, 100, -100.0])
    np.testing.assert_allclose(
        y, [200, 0, fall.mean(), np.sqrt(3 * 50.0 ** 2 / 4), 4 / (61 * 0.01)], rtol=1e-6)


def test_ramp_has_no_turning_point():
    # no turning point: openSMILE reports the change per frame as the falling mean
    y = Functionals(stats=SLOPES + ("peaksPerSec",))(feature([np.arange(50.0) / 2])).data.ravel()
    np.testing.assert_allclose(y, [0, 0, 24.5 / 50, 0, 0], atol=1e-6)
    flat = Functionals(stats=SLOPES + ("peaksPerSec",))(feature([np.ones(50)])).data.ravel()
    np.testing.assert_array_equal(flat, 0)


@pytest.mark.parametrize("stem", STEMS)
def test_f0_slopes_match_opensmile(stem):
    # openSMILE's F0 functionals read the smoothed series minus its last two rows, which are
    # the LLD output's first n - 2 rows
    x = lld(stem, "F0semitoneFrom27.5Hz_sma3nz")
    got = Functionals(stats=SLOPES, nonzero=True)(x.derive(x.data[..., :-2])).data.ravel()
    want = [ref(stem, f"F0semitoneFrom27.5Hz_sma3nz_{s}") for s in SLOPES]
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize("stem", ["speech_en_gb_16k", "english_8k"])
def test_equivalent_sound_level_matches_opensmile(stem):
    import soundfile as sf
    from featgraph.nodes.functionals import EquivalentSoundLevel
    y, sr = sf.read(DATA / f"{stem}.wav", dtype="float32")
    win, hop = sr // 50, sr // 100                       # 20 ms frames every 10 ms
    n = 1 + (len(y) - win) // hop
    frames = np.stack([y[i * hop:i * hop + win] for i in range(n)], axis=-1)
    x = Feature(frames, Kind.FRAMES, sr, hop=hop, win_length=win)
    got = EquivalentSoundLevel()(x).data.ravel()[0]
    assert abs(got - ref(stem, "equivalentSoundLevel_dBp")) < 2e-3
    silent = EquivalentSoundLevel()(x.derive(np.zeros_like(frames))).data.ravel()[0]
    assert silent == pytest.approx(-100.0)


def test_in_a_recipe_streamed_equals_whole():
    import featgraph
    from streamcheck import stream_recipe

    r = featgraph.Recipe("functionals_demo")
    audio = r.add("audio", "load")
    frames = r.add("frames", "frame", audio, length=320, hop=160)
    spec = r.add("spec", "power", r.add("fft", "rfft", r.add("win", "window", frames,
                                                             window="hann")))
    smooth = r.add("smooth", "sma3", spec)
    r.output("leq", r.add("leq", "equivalent_sound_level", frames))
    r.output("stats", r.add("stats", "functionals", smooth,
                            stats=["amean", "percentile50.0", "meanRisingSlope"]))
    r.output("smooth", smooth)
    rng = np.random.default_rng(0)
    y = (0.1 * rng.standard_normal(4000)).astype(np.float32)
    whole = r.run(y, sr=16000)
    streamed = stream_recipe(r, y, 16000, [1, 700, 0, 333])
    for name in ("leq", "stats", "smooth"):
        np.testing.assert_allclose(streamed[name], whole[name], rtol=1e-6, atol=1e-9)
    assert whole["stats"].shape == (161 * 3, 1) and np.all(np.isfinite(whole["stats"]))
    # silence: finite everywhere
    silent = r.run(np.zeros(4000, np.float32), sr=16000)
    assert all(np.all(np.isfinite(v)) for v in (silent["leq"], silent["stats"], silent["smooth"]))

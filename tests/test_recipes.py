"""Every shipped recipe, discovered from the package: a recipe added later is covered here
the moment it exists.

For each: finite output on near-silence and on exact zeros; streamed output, over random
block sizes and blocks of one sample, equal to the whole-file run; ``featgraph show`` works.
"""
import numpy as np
import pytest
import soundfile as sf
import yaml

import featgraph
from conftest import DATA
from featgraph.cli import main
from streamcheck import nan_outputs, stream_recipe

RECIPES = sorted(featgraph.shipped())
SPEECH, SR = sf.read(featgraph.example("speech"))


def test_recipes_are_discovered():
    assert {"plp", "rasta_plp"} <= set(RECIPES)


@pytest.mark.parametrize("name", RECIPES)
def test_finite_on_silence_and_on_exact_zeros(name):
    recipe = featgraph.load(name)
    silence = recipe.run(DATA / "silence_16k.wav")
    zeros = recipe.run(np.zeros(16000), sr=16000)
    nan_ok = nan_outputs(yaml.safe_load(featgraph.shipped()[name].read_text()))
    for result in (silence, zeros):
        for out, value in result.items():
            if result.features[out].is_events:      # silence: an empty event list is right
                assert value.ndim == 1 and np.isfinite(value).all(), out
                continue
            finite = np.isfinite(value) | (np.isnan(value) if out in nan_ok else False)
            assert value.size and finite.all(), out


@pytest.mark.parametrize("name", RECIPES)
def test_streamed_equals_whole(name):
    recipe = featgraph.load(name)
    y = SPEECH[:int(1.5 * SR)]
    whole = recipe.run(y, sr=SR)
    rng = np.random.default_rng(sum(map(ord, name)))
    sizes = [int(s) for s in rng.integers(0, 3000, size=40)]
    for got in (stream_recipe(recipe, y, SR, sizes), stream_recipe(recipe, y, SR, [7, 1, 300])):
        assert set(got) == set(whole)
        for out in whole:
            np.testing.assert_allclose(got[out], whole[out], rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name}: {out}")


@pytest.mark.parametrize("name", RECIPES)
def test_streams_one_sample_at_a_time(name):
    recipe = featgraph.load(name)
    y = SPEECH[int(SR):int(1.1 * SR)]
    whole = recipe.run(y, sr=SR)
    got = stream_recipe(recipe, y, SR, [1])
    for out in whole:
        np.testing.assert_allclose(got[out], whole[out], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", RECIPES)
def test_show_works(name, capsys):
    assert main(["show", name]) == 0
    assert "flowchart" in capsys.readouterr().out


def test_speech_bundle_computes_its_stft_once():
    result = featgraph.load("speech_bundle").run(featgraph.example("speech"))
    ops = [row.op for row in result.report.executed + result.report.fused]   # fused: computed too
    assert ops.count("rfft") == 1 and ops.count("frame") == 1
    frames = {name: value.shape[-1] for name, value in result.items()}
    assert set(frames.values()) == {831}                    # every output on one time axis
    assert result["mfcc39"].shape == (39, 831) and result["plp"].shape == (9, 831)

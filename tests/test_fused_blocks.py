"""Fused runs of block ops (featgraph/engine/fuse.py, ``block`` rules): ``preemphasis ->
frame`` as one step equals the two ops bit for bit, against the closed form too, for
every framing option, any block size, several channels, and in the shipped recipes."""
import numpy as np
import pytest

import featgraph
from conftest import SPEECH
from featgraph.engine import fuse, runner
from featgraph.engine.fuse import FusedBlockOp
from featgraph.engine.scheduler import execute
from featgraph.engine.source import Source

RNG = np.random.default_rng(20261129)


def _framing(coef=0.97, **frame):
    r = featgraph.Recipe("pre_frame")
    x = r.add("audio", "load", dtype=frame.pop("dtype", "float64"),
              channels=frame.pop("channels", "first"))
    x = r.add("emphasized", "preemphasis", x, coef=coef)
    r.output("frames", r.add("frames", "frame", x, length="25ms", hop="10ms", **frame))
    return r


def _frames_by_hand(y, coef, length, hop, center=False, pad_mode="constant", pad_end=False):
    """The closed form: y[n] - coef y[n - 1] (y[-1] = 0), padded and cut into frames."""
    e = y.astype(np.float64).copy()
    e[..., 1:] = y[..., 1:] - y.dtype.type(coef) * y[..., :-1]
    e = e.astype(y.dtype)
    if center:
        widths = [(0, 0)] * (e.ndim - 1) + [(length // 2, length // 2)]
        e = np.pad(e, widths, mode=pad_mode)
    n = e.shape[-1]
    count = 1 + max(0, -(-(n - length) // hop)) if pad_end else 1 + (n - length) // hop
    if pad_end and (count - 1) * hop + length > n:
        e = np.concatenate([e, np.zeros(e.shape[:-1] + ((count - 1) * hop + length - n,),
                                        e.dtype)], axis=-1)
    idx = np.arange(count)[:, None] * hop + np.arange(length)
    return np.moveaxis(e[..., idx], -1, -2)                # (..., length, frames)


@pytest.mark.parametrize("frame", [{}, {"center": True}, {"center": True, "pad_mode": "reflect"},
                                   {"center": True, "pad_mode": "edge"}, {"pad_end": True},
                                   {"dtype": "float32"}])
def test_fused_preemphasis_frame_equals_the_ops_and_the_closed_form(monkeypatch, frame):
    y = RNG.standard_normal(16000 + 37)
    recipe = _framing(**frame)
    monkeypatch.delenv("FEATGRAPH_FUSE", raising=False)
    plan = recipe.compile()
    assert any(isinstance(s.model, FusedBlockOp) for s in plan.steps.values())
    source = Source.of(y, sr=16000)
    whole = execute(plan, source, block_samples=10**9)["frames"]
    for block in (1, 159, 161, 4001):
        np.testing.assert_array_equal(execute(plan, source, block_samples=block)["frames"],
                                      whole)
    monkeypatch.setenv("FEATGRAPH_FUSE", "0")
    plain = recipe.run(y, sr=16000)
    assert not any(isinstance(s.model, FusedBlockOp) for s in recipe.compile().steps.values())
    np.testing.assert_array_equal(whole, plain["frames"])
    dtype = np.float32 if frame.get("dtype") == "float32" else np.float64
    opts = {k: v for k, v in frame.items() if k != "dtype"}
    np.testing.assert_array_equal(whole, _frames_by_hand(y.astype(dtype), 0.97, 400, 160,
                                                         **opts))


def test_fused_preemphasis_frame_with_several_channels(monkeypatch):
    """Rows of a multi-channel block are not contiguous in the framing buffer: the
    pre-emphasis goes through a copy there, with the same numbers."""
    y = RNG.standard_normal((2, 9000))
    recipe = _framing(channels="all")
    monkeypatch.delenv("FEATGRAPH_FUSE", raising=False)
    fused = execute(recipe.compile(), Source.of(y, sr=16000), block_samples=777)["frames"]
    np.testing.assert_array_equal(fused, _frames_by_hand(y, 0.97, 400, 160))
    monkeypatch.setenv("FEATGRAPH_FUSE", "0")
    np.testing.assert_array_equal(fused, recipe.run(y, sr=16000)["frames"])


def test_preemphasis_read_elsewhere_is_not_fused(monkeypatch):
    """The pre-emphasised signal is an output too: the two steps stay."""
    monkeypatch.delenv("FEATGRAPH_FUSE", raising=False)
    recipe = _framing()
    recipe.output("emphasized", "emphasized")
    assert not any(isinstance(s.model, FusedBlockOp) for s in recipe.compile().steps.values())
    y = RNG.standard_normal(5000)
    out = recipe.run(y, sr=16000)
    np.testing.assert_array_equal(out["frames"], _frames_by_hand(y, 0.97, 400, 160))


@pytest.mark.parametrize("name", ["pncc", "mfcc_psf", "logfbank_psf", "lpcc"])
def test_shipped_recipes_fused_equal_unfused(monkeypatch, name):
    """With and without the block rule (the frame rules kept in both runs)."""
    recipe = featgraph.load(name)
    monkeypatch.delenv("FEATGRAPH_FUSE", raising=False)
    fused = recipe.run(SPEECH["speech_en_16k"])
    assert any(isinstance(s.model, FusedBlockOp) for s in recipe.compile().steps.values())
    monkeypatch.setattr(fuse, "RULES", [r for r in fuse.RULES if not r.block])
    monkeypatch.setattr(runner, "_COMPILED", {})          # (the fused plans kept in-process)
    assert not any(isinstance(s.model, FusedBlockOp) for s in recipe.compile().steps.values())
    plain = recipe.run(SPEECH["speech_en_16k"])
    for key in plain:
        np.testing.assert_array_equal(fused[key], plain[key])

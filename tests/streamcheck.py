"""Checks that every op and every recipe streams: chunked input gives the whole-array output.

Used by the suite-level recipe test (tests/test_recipes.py) and by each op family's
tests (see docs/adding-an-op.md for the template).
"""
from __future__ import annotations

import numpy as np

from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import join_chunks


def random_splits(n: int, rng: np.random.Generator, largest: int) -> list[int]:
    """Cut points of ``range(n)`` into pieces of 1 .. ``largest`` items, empty pieces included."""
    cuts, at = [], 0
    while at < n:
        at += int(rng.integers(0, largest + 1))      # 0: an empty chunk now and then
        cuts.append(min(at, n))
    return cuts[:-1]


def run_op_chunked(model, *inputs: Feature, rng: np.random.Generator, largest: int = 50):
    """Run one op the way the scheduler streams it: on random chunks of frames.

    A frame op is applied to each non-empty chunk; a block op steps through the
    chunks and flushes.  Returns the joined output.
    """
    n = inputs[0].n_frames
    cuts = [0] + random_splits(n, rng, largest) + [n]
    pieces = [[f.derive(f.data[..., a:b]) for f in inputs] for a, b in zip(cuts, cuts[1:])]
    if type(model).streaming == "frame":
        return join_chunks([model(*p) for p in pieces if p[0].n_frames])
    if type(model).streaming == "signal":
        return model(*inputs)
    state = model.start()
    return join_chunks([state.step(*p) for p in pieces] + [state.flush()])


def assert_same_features(got, want, rtol=1e-10, atol=1e-12):
    """Equal data (to float rounding) and equal metadata, port by port."""
    if isinstance(want, dict):
        assert set(got) == set(want)
        for port in want:
            assert_same_features(got[port], want[port], rtol, atol)
        return
    assert got.data.shape == want.data.shape
    assert got.data.dtype == want.data.dtype
    np.testing.assert_allclose(got.data, want.data, rtol=rtol, atol=atol)
    assert (got.kind, got.sr, got.hop, got.win_length, got.n_fft) == \
        (want.kind, want.sr, want.hop, want.win_length, want.n_fft)


def stream_recipe(recipe, y: np.ndarray, sr: float, block_sizes) -> dict[str, np.ndarray]:
    """``recipe.stream`` over blocks of the given sizes (cycled); outputs joined along frames."""
    sizes = list(block_sizes)
    blocks, at, i = [], 0, 0
    while at < y.shape[-1]:
        blocks.append(y[..., at:at + sizes[i % len(sizes)]])
        at += sizes[i % len(sizes)]
        i += 1
    parts: dict[str, list[Feature]] = {}
    for chunk in recipe.stream(blocks, sr=sr):
        for name, feature in chunk.items():
            parts.setdefault(name, []).append(feature)
    return {name: join_chunks(p).data for name, p in parts.items()}


def signal(y: np.ndarray, sr: float) -> Feature:
    """A signal feature for calling signal ops directly."""
    return Feature(np.asarray(y), Kind.SIGNAL, float(sr))


def nan_outputs(data: dict) -> set[str]:
    """Outputs of a recipe (its parsed YAML) that hold NaN by definition: those read from a
    port an op lists in its ``nan_ports`` class attribute (pYIN's ``f0`` is NaN when
    unvoiced, librosa's ``fill_na``).  Every other output must be finite."""
    from featgraph.engine.ops import registry

    ops, found = registry(), set()
    outputs, nodes = data.get("outputs"), data.get("nodes")
    if not isinstance(outputs, dict) or not isinstance(nodes, dict):
        return found
    for out, ref in outputs.items():
        node, _, port = str(ref).partition(":")
        body = nodes.get(node)
        model = ops.get(str(body.get("op"))) if isinstance(body, dict) else None
        if model is None:
            continue
        port = port or next(iter(model.ports()))
        if port in getattr(model, "nan_ports", ()):
            found.add(out)
    return found

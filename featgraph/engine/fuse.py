"""Plan rewriting: runs of frame ops computed as one fused step.

Recipes keep their small ops; fusion is the plan's business.  :func:`fuse`
takes a compiled :class:`~featgraph.engine.graph.Plan` and replaces each run
of consecutive ``"frame"`` steps that matches a registered :class:`Rule` by one
step whose model is a hidden :class:`FusedOp`:

- a run is a chain ``s1 -> s2 -> ... -> sk`` in which every step but the last
  has exactly one reader, the next step (no other step reads it, on any port,
  and it is not an output), and every step has one input; the last step may
  be read by anything;
- the fused step takes the first step's input, publishes the last step's
  ports (readers and outputs are redirected to it), lists every original
  recipe node in ``names`` (the report shows the first original node as
  executed, the first node of each later one as fused, and names that
  shared a computation as shared), and gets a content key hashed from the
  original keys;
- a rule of ``block`` ops fuses a chain of single-reader ``"block"`` steps the
  same way, into one block step (:class:`FusedBlockOp`) whose state the rule
  makes (e.g. ``preemphasis -> frame``: the pre-emphasis written straight into
  the framing buffer);
- a rule that ``absorbs_scale`` also takes over the constant gain of the
  source: when ``load -> frame -> <the run>`` is a chain of single readers and
  ``load`` has ``scale != 1``, the load runs with ``scale = 1`` and the fused
  step multiplies by the scale instead (folded into the window: one pass less
  over the signal).  Both steps get new keys, since their values change.

The rules themselves live next to the ops they fuse (``featgraph/nodes``) and
register with :func:`rule`, so that the engine never imports the nodes.
``FEATGRAPH_FUSE=0`` disables fusion (:func:`enabled`).  Fused and unfused
plans agree to rounding (tests/test_numeric.py holds every shipped recipe to
that); docs/numeric.md gives the measured gain of each rule.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FUSE_ENV = "FEATGRAPH_FUSE"


def enabled() -> bool:
    """False when the environment sets ``FEATGRAPH_FUSE=0``."""
    return os.environ.get(FUSE_ENV, "").strip() != "0"


@dataclass(frozen=True)
class Rule:
    """A fusable run of ops.

    ``pattern`` lists op names in order; those in ``optional`` may be missing
    from a run (at least two ops must match).  ``accepts(models)`` may refuse
    a run (e.g. a parameter value the fused kernel does not cover).
    ``fn(fused_op, x) -> Feature`` computes the run on one chunk; for a rule of
    ``block`` ops (``block``), ``fn(fused_op)`` makes the fused step's state object
    (whose ``step``, ``flush`` and ``finish`` are those of a block op).
    """

    name: str
    pattern: tuple[str, ...]
    fn: Callable
    optional: frozenset = frozenset()
    accepts: Callable | None = None
    absorbs_scale: bool = False
    block: bool = False

    def match(self, models: list) -> int:
        """How many leading ``models`` this rule fuses (0: none)."""
        taken = 0
        for op in self.pattern:
            if taken < len(models) and models[taken].op == op:
                taken += 1
            elif op not in self.optional:
                return 0
        if taken < 2 or (self.accepts and not self.accepts(tuple(models[:taken]))):
            return 0
        return taken


RULES: list[Rule] = []


def rule(name: str, pattern: tuple[str, ...], optional=(), accepts=None,
         absorbs_scale: bool = False, block: bool = False) -> Callable:
    """Decorator registering ``fn(fused_op, x) -> Feature`` as the fused form of ``pattern``
    (with ``block``: ``fn(fused_op) -> state``, the fused form of a run of block ops)."""
    def register(fn):
        RULES.append(Rule(name, tuple(pattern), fn, frozenset(optional), accepts, absorbs_scale,
                          block))
        return fn
    return register


class FusedOp:
    """The hidden op model of a fused step (not in the registry, not usable in recipes).

    ``parts`` are the original op models in order, ``groups`` the op and
    recipe node names of each original step (the report lists them, see
    :func:`featgraph.engine.report.step_rows`), ``scale`` the source gain
    taken over (1 if none).  ``cache`` memoises per-step constants (weights,
    folded matrices); :meth:`scratch` hands out per-thread work buffers that
    are reused from chunk to chunk.
    """

    streaming = "frame"

    def __init__(self, fused_rule: Rule, parts: tuple, groups: list, scale: float = 1.0):
        self.rule, self.parts, self.groups, self.scale = fused_rule, parts, groups, float(scale)
        self.op = f"fused:{fused_rule.name}"
        self.cache: dict = {}
        self._local = threading.local()

    def __call__(self, x):
        return self.rule.fn(self, x)

    def __getstate__(self) -> dict:
        """Pickled without its caches and work buffers (a plan can be stored)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("cache", "_local")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, cache={}, _local=threading.local())

    def __repr__(self) -> str:
        ops = " + ".join(p.op for p in self.parts)
        return f"FusedOp({ops}{', scale=%g' % self.scale if self.scale != 1 else ''})"

    def model_dump(self, mode: str = "python") -> dict:
        """The originals' parameters, so that the fused op hashes and prints like a node."""
        return {"op": self.op, "scale": self.scale,
                "parts": [p.model_dump(mode=mode) for p in self.parts]}

    def scratch(self, name: str, rows: int, shape: tuple, dtype) -> np.ndarray:
        """A reusable ``(rows,) + shape`` buffer of ``dtype`` (zeroed when first made).

        Grown when ``rows`` exceeds its capacity; the slice ``[:rows]`` is
        returned, so whatever was written outside the area a caller overwrites
        (zero padding) stays as it was left.
        """
        pool = self._local.__dict__.setdefault("pool", {})
        key = (name, shape, np.dtype(dtype))
        buf = pool.get(key)
        if buf is None or buf.shape[0] < rows:
            buf = pool[key] = np.zeros((max(rows, 1),) + shape, dtype)
        return buf[:rows]

    def relayout(self, name: str, shape: tuple, dtype, layout) -> bool:
        """Whether this thread's scratch buffer ``name`` must be re-laid out: False when
        its last writer declared the same ``layout`` (so what it left outside the area a
        caller overwrites, e.g. zero padding, is still right), True otherwise (and
        ``layout`` is recorded).  A buffer that grew is all zeros again: a stale answer
        (True) only costs a rewrite."""
        key = (name, shape, np.dtype(dtype))
        buf = self._local.__dict__.setdefault("pool", {}).get(key)
        marks = self._local.__dict__.setdefault("layouts", {})
        if buf is not None and marks.get(key) == (id(buf), layout):
            return False
        marks[key] = (id(buf), layout)
        return True


class FusedBlockOp(FusedOp):
    """The hidden op model of a fused run of ``"block"`` ops: ``start()`` gives the
    rule's state object, which the scheduler steps and flushes as any block op's."""

    streaming = "block"

    def __call__(self, *inputs):
        from .ops import finish

        return finish(self.start(), *inputs)

    def start(self):
        return self.rule.fn(self)

    def latency(self) -> int:
        return sum(p.latency() for p in self.parts)


def fuse(plan):
    """``plan`` with every matching run of frame steps replaced by one fused step.

    Returns ``plan`` itself when fusion is disabled or nothing matches.
    """
    if not enabled() or not RULES:
        return plan
    readers = _readers(plan)
    groups = _groups(plan, readers)
    if not groups:
        return plan
    keymap: dict[str, str] = {}
    replaced: dict[str, object] = {}            # first key of a group -> fused step
    dropped: set[str] = set()
    for keys, fused_rule in groups:
        steps = [plan.step(k) for k in keys]
        scale, source = 1.0, None
        if fused_rule.absorbs_scale:
            source = _scaled_source(plan, readers, steps[0])
            if source is not None:
                scale = source[0].model.scale
                for step in source:
                    keymap[step.key] = _derived_key("unscaled", [step.key])
        key = _derived_key("fused", keys)
        keymap[keys[-1]] = key
        model = (FusedBlockOp if fused_rule.block else FusedOp)(
            fused_rule, tuple(s.model for s in steps),
            [(s.model.op, list(s.names)) for s in steps], scale)
        replaced[keys[0]] = dataclasses.replace(
            steps[-1], key=key, model=model, inputs=list(steps[0].inputs),
            names=[n for s in steps for n in s.names])
        dropped.update(keys[1:])
        if source is not None:
            load = source[0]
            replaced[load.key] = dataclasses.replace(
                load, key=keymap[load.key], model=load.model.model_copy(update={"scale": 1.0}))

    def remap(ref):
        return keymap.get(ref[0], ref[0]), ref[1]

    new_steps = {}
    for key in plan.order:
        if key in dropped:
            continue
        step = replaced.get(key, plan.step(key))
        step = dataclasses.replace(step, key=keymap.get(step.key, step.key),
                                   inputs=[remap(ref) for ref in step.inputs])
        new_steps[step.key] = step
    names = {name: keymap.get(k, k) for name, k in plan.names.items()}
    for step in new_steps.values():
        for name in step.names:
            names[name] = step.key
    outputs = {out: remap(ref) for out, ref in plan.outputs.items()}
    return dataclasses.replace(plan, steps=new_steps, outputs=outputs, names=names)


# ------------------------------------------------------------------ helpers
def _readers(plan) -> dict[str, list]:
    """key -> every reference to it: ``(reader key, port)`` or ``("<output>", port)``."""
    readers: dict[str, list] = {key: [] for key in plan.order}
    for key in plan.order:
        for src, port in plan.step(key).inputs:
            readers[src].append((key, port))
    for src, port in plan.outputs.values():
        readers[src].append(("<output>", port))
    return readers


def _is_frame(step, mode: str = "frame") -> bool:
    return getattr(type(step.model), "streaming", None) == mode and len(step.inputs) == 1


def _sole_reader(readers, key) -> str | None:
    refs = readers[key]
    return refs[0][0] if len(refs) == 1 and refs[0][0] != "<output>" else None


def _groups(plan, readers) -> list[tuple[list[str], Rule]]:
    """Maximal chains of single-reader frame steps (and of block steps), cut into rule
    matches (longest first)."""
    return _chains(plan, readers, "frame") + _chains(plan, readers, "block")


def _chains(plan, readers, mode: str) -> list[tuple[list[str], Rule]]:
    """:func:`_groups` of the steps of one streaming class ``mode``."""
    rules = [r for r in RULES if r.block == (mode == "block")]
    inside: set[str] = set()
    groups = []
    for key in plan.order:
        if not rules or key in inside or not _is_frame(plan.step(key), mode):
            continue
        chain = [key]
        while True:
            nxt = _sole_reader(readers, chain[-1])
            if nxt is None or not _is_frame(plan.step(nxt), mode):
                break
            chain.append(nxt)
        inside.update(chain)
        i = 0
        while i < len(chain) - 1:
            models = [plan.step(k).model for k in chain[i:]]
            best = max(((r.match(models), r) for r in rules), key=lambda m: m[0])
            if best[0]:
                groups.append((chain[i:i + best[0]], best[1]))
                i += best[0]
            else:
                i += 1
    return groups


def _scaled_source(plan, readers, first):
    """``(load step, frame step)`` feeding ``first`` through single readers, if load scales."""
    frame_key = first.inputs[0][0]
    frame = plan.step(frame_key)
    if frame.model.op != "frame" or _sole_reader(readers, frame_key) != first.key:
        return None
    load_key = frame.inputs[0][0] if len(frame.inputs) == 1 else None
    if load_key is None or _sole_reader(readers, load_key) != frame_key:
        return None
    load = plan.step(load_key)
    if load.model.op != "load" or getattr(load.model, "scale", 1.0) == 1.0:
        return None
    return load, frame


def _derived_key(tag: str, keys: list[str]) -> str:
    payload = "\0".join([tag, *keys]).encode()
    return hashlib.blake2b(payload, digest_size=12).hexdigest()

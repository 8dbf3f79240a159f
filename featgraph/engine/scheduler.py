"""Run a :class:`~featgraph.engine.graph.Plan`: topological order, each key once,
intermediates released as soon as their last consumer has run.

Chains of framewise steps (see :func:`featgraph.engine.graph._segments`) run in
blocks of ``block_frames`` frames: window, FFT, power, filterbank ... go
through one block at a time, so only the chain's last output is ever held in
full.  This keeps the working set in cache and peak memory near the signal
plus the outputs, and gives the same numbers as running each step on all
frames.
"""
from __future__ import annotations

import time

import numpy as np

from .errors import NodeError
from .feature import Feature
from .graph import Plan, Step
from .report import Report, Row
from .result import Result
from .source import Source

BLOCK_FRAMES = 512
"""Frames per block of a framewise chain: measured fastest on 600 s of 16 kHz PLP
(1024 as fast at best but with slow outliers; smaller blocks pay Python overhead
per step, larger ones pay for touching fresh memory), see benchmarks/RESULTS.md."""


def run(recipes: list, source, sr: float | None = None, **params) -> Result:
    """Merge ``recipes`` into one plan, apply ``params`` overrides, run it on ``source``.

    With several recipes, outputs are named ``"<recipe>/<output>"``.
    """
    from .recipe import with_overrides

    plan = Plan.build(with_overrides(list(recipes), params))
    return execute(plan, Source.of(source, sr))


def execute(plan: Plan, source: Source, block_frames: int = BLOCK_FRAMES) -> Result:
    """Compute every output of ``plan`` on ``source``.

    Each step of the plan runs exactly once however many recipe nodes share it.
    A value is dropped when the last step reading it has run, unless it is an
    output.  ``report.peak_bytes`` is the largest total of memory held by live
    values (a value that is a view of another counts once, with its base), plus
    the largest block of a chain in flight.  A step's ``seconds`` in the report
    add up over its blocks.
    """
    graph = plan.graph
    waiting = {key: graph.out_degree(key) for key in plan.order}
    keep = {key for key, _ in plan.outputs.values()}
    values: dict[str, Feature | dict[str, Feature]] = {}
    memory = _Memory()
    rows: dict[str, Row] = {}
    for segment in plan.segments:
        head = plan.step(segment[0])
        inputs = [_port(values[k], p) for k, p in head.inputs]
        try:
            if len(segment) == 1:
                out, stats = _run_step(head, inputs, source)
            else:
                out, stats = _run_chain([plan.step(k) for k in segment], inputs[0],
                                        block_frames, memory)
        except NodeError as exc:   # add which input failed
            raise NodeError(exc.node, exc.op, exc.cause, source.label) from exc.cause
        values[segment[-1]] = out
        memory.add(segment[-1], out, [k for k, _ in head.inputs], values)
        for key, (seconds, nbytes) in zip(segment, stats):
            step = plan.step(key)
            rows[key] = Row(step.names[0], step.model.op, key, "executed", seconds, nbytes)
        for k in {k for k, _ in head.inputs}:
            waiting[k] -= 1
            if waiting[k] == 0 and k not in keep:
                values.pop(k)
                memory.release(k)
    report_rows = []
    for key in plan.order:        # execution order; names sharing a key follow it
        step = plan.step(key)
        report_rows.append(rows[key])
        report_rows.extend(Row(n, step.model.op, key, "shared", 0.0, 0) for n in step.names[1:])
    features = {name: _port(values[key], port) for name, (key, port) in plan.outputs.items()}
    return Result(features, Report(report_rows, memory.peak), source.label)


def _call(step: Step, *args):
    try:
        return step.model(*args)
    except Exception as exc:  # name the node, keep the cause
        raise NodeError(step.names[0], step.model.op, exc) from exc


def _run_step(step: Step, inputs: list[Feature], source: Source):
    start = time.perf_counter()
    out = _call(step, source) if not step.inputs else _call(step, *inputs)
    return out, [(time.perf_counter() - start, _nbytes(out))]


def _run_chain(steps: list[Step], x: Feature, block: int, memory: "_Memory"):
    """Run framewise ``steps`` one after the other on blocks of ``x``'s frames."""
    n = x.n_frames
    seconds = [0.0] * len(steps)
    nbytes = [0] * len(steps)
    pieces = []
    for start in range(0, n, block):
        value = x if n <= block else x.derive(x.data[..., start:start + block])
        transient = 0
        for i, step in enumerate(steps):
            arg = value if i == 0 else _port(value, step.inputs[0][1])
            t0 = time.perf_counter()
            value = _call(step, arg)
            seconds[i] += time.perf_counter() - t0
            size = _nbytes(value)
            nbytes[i] += size
            transient = max(transient, size + (_nbytes(arg) if i else 0))
        memory.transient(transient)
        pieces.append(value)
    return _concat_frames(pieces), list(zip(seconds, nbytes))


def _concat_frames(pieces):
    """Join per-block outputs along the frame axis, keeping frame-major memory."""
    if len(pieces) == 1:
        return pieces[0]
    first = pieces[0]
    if isinstance(first, dict):
        return {port: _concat_frames([p[port] for p in pieces]) for port in first}
    joined = np.concatenate([np.swapaxes(p.data, -1, -2) for p in pieces], axis=-2)
    return first.derive(np.swapaxes(joined, -1, -2))


def _port(value, port: str) -> Feature:
    if isinstance(value, dict):
        return value[port] if port else next(iter(value.values()))
    return value


def _features(value) -> list[Feature]:
    return list(value.values()) if isinstance(value, dict) else [value]


def _nbytes(value) -> int:
    return sum(f.nbytes for f in _features(value))


class _Memory:
    """Bytes held by live values; a view of another live value adds nothing."""

    def __init__(self):
        self.owned: dict[str, int] = {}          # key -> bytes its value owns
        self.borrowers: dict[str, set[str]] = {}  # key -> keys whose values view it
        self.released: set[str] = set()          # freed by the scheduler
        self.live = self.peak = 0

    def add(self, key: str, value, input_keys: list[str], values: dict) -> None:
        size = 0
        for f in _features(value):
            bases = [k for k in input_keys if k in values and any(
                np.may_share_memory(f.data, g.data) for g in _features(values[k]))]
            for k in bases:
                self.borrowers.setdefault(k, set()).add(key)
            size += 0 if bases else f.nbytes
        self.owned[key] = size
        self.live += size
        self.peak = max(self.peak, self.live)

    def transient(self, nbytes: int) -> None:
        self.peak = max(self.peak, self.live + nbytes)

    def release(self, key: str) -> None:
        """``key`` was dropped; its memory goes once no live value views it."""
        self.released.add(key)
        for k in [key] + [b for b, users in self.borrowers.items() if key in users]:
            if k in self.owned and k in self.released and \
                    all(u in self.released for u in self.borrowers.get(k, ())):
                self.live -= self.owned.pop(k)

"""Run a :class:`~featgraph.engine.graph.Plan`: topological order, each key once,
intermediates released as soon as their last consumer has run."""
from __future__ import annotations

import time

from .errors import NodeError
from .feature import Feature
from .graph import Plan
from .report import Report, Row
from .result import Result
from .source import Source


def execute(plan: Plan, source: Source) -> Result:
    """Compute every output of ``plan`` on ``source``.

    Each step of the plan runs exactly once however many recipe nodes share it.
    A value is dropped when the last step reading it has run, unless it is an
    output, so peak memory tracks the largest live set rather than the sum of
    all nodes; the report records that peak.
    """
    graph = plan.graph
    waiting = {key: graph.out_degree(key) for key in plan.order}
    keep = {key for key, _ in plan.outputs.values()}
    values: dict[str, Feature | dict[str, Feature]] = {}
    live = peak = 0
    rows: list[Row] = []
    for key in plan.order:
        step = plan.step(key)
        inputs = [_port(values[k], p) for k, p in step.inputs]
        start = time.perf_counter()
        try:
            out = step.model(source) if not step.inputs else step.model(*inputs)
        except Exception as exc:  # name the node, keep the cause
            raise NodeError(step.names[0], step.model.op, exc, source.label) from exc
        seconds = time.perf_counter() - start
        size = _nbytes(out)
        values[key] = out
        live += size
        peak = max(peak, live)
        rows.append(Row(step.names[0], step.model.op, key, "executed", seconds, size))
        rows.extend(Row(n, step.model.op, key, "shared", 0.0, 0) for n in step.names[1:])
        for k in {k for k, _ in step.inputs}:
            waiting[k] -= 1
            if waiting[k] == 0 and k not in keep:
                live -= _nbytes(values.pop(k))
    features = {name: _port(values[key], port) for name, (key, port) in plan.outputs.items()}
    return Result(features, Report(rows, peak), source.label)


def _port(value, port: str) -> Feature:
    if isinstance(value, dict):
        return value[port] if port else next(iter(value.values()))
    return value


def _nbytes(value) -> int:
    if isinstance(value, dict):
        return sum(v.nbytes for v in value.values())
    return value.nbytes

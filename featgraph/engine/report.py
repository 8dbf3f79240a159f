"""What a run did, node by node."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One recipe node: ``status`` is ``"executed"``, ``"shared"`` (computed by another
    node with the same content key) or ``"fused"`` (computed inside the fused step of the
    row above it, which carries the time and bytes; see featgraph/engine/fuse.py); with a
    feature cache (docs/cache.md) also ``"cached"`` (its value was read from the cache:
    ``seconds`` is the read time) or ``"skipped"`` (not run: every node that reads it
    came from the cache),
    ``seconds`` wall time and ``bytes`` of its output, both summed over the blocks of a
    streamed run."""

    node: str
    op: str
    key: str
    status: str
    seconds: float
    bytes: int


@dataclass(frozen=True)
class Report:
    """Per-node rows in execution order.

    A streamed run holds at most a block's worth of each intermediate; the
    process's real peak memory is measured in ``benchmarks/`` with the
    operating system's figure.
    """

    rows: list[Row]

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, node: str) -> Row:
        for row in self.rows:
            if row.node == node:
                return row
        raise KeyError(node)

    @property
    def executed(self) -> list[Row]:
        return [r for r in self.rows if r.status == "executed"]

    @property
    def shared(self) -> list[Row]:
        return [r for r in self.rows if r.status == "shared"]

    @property
    def fused(self) -> list[Row]:
        return [r for r in self.rows if r.status == "fused"]

    @property
    def cached(self) -> list[Row]:
        """Rows whose values were read from the feature cache."""
        return [r for r in self.rows if r.status == "cached"]

    @property
    def skipped(self) -> list[Row]:
        """Rows not run because everything below them came from the feature cache."""
        return [r for r in self.rows if r.status == "skipped"]

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.rows)

    def __str__(self) -> str:
        lines = [f"{'node':<28} {'op':<16} {'status':<9} {'ms':>8} {'KiB out':>9}"]
        for r in self.rows:
            lines.append(f"{r.node:<28} {r.op:<16} {r.status:<9} {r.seconds * 1e3:8.2f} "
                         f"{r.bytes / 1024:9.1f}")
        fused = f"{len(self.fused)} fused, " if self.fused else ""
        cached = f"{len(self.cached)} cached, {len(self.skipped)} skipped, " \
            if self.cached or self.skipped else ""
        lines.append(f"{len(self.executed)} executed, {fused}{len(self.shared)} shared, "
                     f"{cached}{self.seconds * 1e3:.1f} ms")
        return "\n".join(lines)


def step_rows(step, seconds: float, nbytes: int) -> list[Row]:
    """The rows of one plan step: its first name executed, the others shared.

    A fused step (``step.model.groups``: op and names of each original step)
    gives one row per original node: the first executed (with the step's time
    and bytes), the first name of each later original ``"fused"``, and every
    other name ``"shared"``.
    """
    return rows_from(step_layout(step), seconds, nbytes)


def step_layout(step) -> list[tuple[str, str, str, str, bool]]:
    """The fixed part of :func:`step_rows`: ``(node, op, key, status, carries the
    step's time and bytes)`` per row; it depends on the plan only, so a run over
    many files builds it once (see ``scheduler.Stream``)."""
    groups = getattr(step.model, "groups", None) or [(step.model.op, step.names)]
    layout = []
    for i, (op, names) in enumerate(groups):
        layout.append((names[0], op, step.key, "executed" if i == 0 else "fused", i == 0))
        layout.extend((n, op, step.key, "shared", False) for n in names[1:])
    return layout


def rows_from(layout, seconds: float, nbytes: int) -> list[Row]:
    """The rows of a :func:`step_layout` with a run's time and bytes."""
    return [Row(node, op, key, status, seconds if first else 0.0, nbytes if first else 0)
            for node, op, key, status, first in layout]

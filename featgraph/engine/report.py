"""What a run did, node by node."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One recipe node: ``status`` is ``"executed"`` or ``"shared"`` (computed by another
    node with the same content key), ``seconds`` wall time and ``bytes`` of its output,
    both summed over the blocks of a streamed run."""

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
    def seconds(self) -> float:
        return sum(r.seconds for r in self.rows)

    def __str__(self) -> str:
        lines = [f"{'node':<28} {'op':<16} {'status':<9} {'ms':>8} {'KiB out':>9}"]
        for r in self.rows:
            lines.append(f"{r.node:<28} {r.op:<16} {r.status:<9} {r.seconds * 1e3:8.2f} "
                         f"{r.bytes / 1024:9.1f}")
        lines.append(f"{len(self.executed)} executed, {len(self.shared)} shared, "
                     f"{self.seconds * 1e3:.1f} ms")
        return "\n".join(lines)

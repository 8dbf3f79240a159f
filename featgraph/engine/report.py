"""What a run did, node by node."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One recipe node: ``status`` is ``"executed"`` or ``"shared"`` (computed by another
    node with the same content key), ``seconds`` wall time, ``bytes`` of its output."""

    node: str
    op: str
    key: str
    status: str
    seconds: float
    bytes: int


@dataclass(frozen=True)
class Report:
    """Per-node rows in execution order, and the peak bytes held by live values."""

    rows: list[Row]
    peak_bytes: int

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
                     f"{self.seconds * 1e3:.1f} ms, peak {self.peak_bytes / 2**20:.2f} MiB live")
        return "\n".join(lines)

"""Errors that say where: the recipe file, the line, the node and the parameter."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a recipe, located as precisely as is known."""

    message: str
    file: str | None = None
    line: int | None = None
    node: str | None = None
    param: str | None = None

    def __str__(self) -> str:
        where = self.file or "<recipe>"
        if self.line is not None:
            where += f":{self.line}"
        what = []
        if self.node is not None:
            what.append(f"node '{self.node}'")
        if self.param is not None:
            what.append(f"parameter '{self.param}'")
        return f"{where}: " + (" ".join(what) + ": " if what else "") + self.message


class RecipeError(ValueError):
    """A recipe is malformed or inconsistent.  ``problems`` lists every finding."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class NodeError(RuntimeError):
    """A node failed while running; names the node, the op and the input."""

    def __init__(self, node: str, op: str, cause: BaseException, source: str | None = None):
        self.node, self.op, self.cause, self.source = node, op, cause, source
        where = f" on {source}" if source else ""
        super().__init__(f"node '{node}' (op {op}) failed{where}: {cause}")


class AudioError(ValueError):
    """Audio that cannot be used: unreadable, empty, too short, NaN or infinite."""

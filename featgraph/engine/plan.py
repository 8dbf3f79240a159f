"""The executable plan: plain data that the scheduler runs.

:func:`featgraph.engine.graph.build` makes a :class:`Plan` from recipes (with
networkx and pydantic); :meth:`Plan.to_json` / :meth:`Plan.from_json` store it,
so that a run of an unchanged recipe can skip the build (see
:mod:`featgraph.engine.runner`).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from .kinds import Kind
from .ops import Node, defined_ops, registry


@dataclass
class Step:
    """One node of the plan: computed once, possibly under several names."""

    key: str
    model: Node
    inputs: list[tuple[str, str]]          # (key, port) per input
    names: list[str]                       # every recipe node that shares this computation
    kinds: dict[str, Kind]                 # port -> kind produced


@dataclass
class Plan:
    """An executable, validated, de-duplicated graph, as plain data.

    ``steps`` maps each content key to its :class:`Step`, in a topological
    order (every step after the steps it reads); ``outputs`` maps each output
    name to ``(key, port)``; ``names`` maps every recipe node to its key.
    networkx is used to build a plan, not to run one.
    """

    steps: dict[str, Step]
    outputs: dict[str, tuple[str, str]]
    names: dict[str, str]                  # recipe node name -> key
    recipes: list = field(default_factory=list)
    files: list[str] = field(default_factory=list)   # recipe files read, includes too

    @property
    def order(self) -> list[str]:
        """Content keys in execution order."""
        return list(self.steps)

    def step(self, key: str) -> Step:
        return self.steps[key]

    # ------------------------------------------------------------------ views
    def to_text(self) -> str:
        """One line per computation, in execution order."""
        lines = []
        for key in self.order:
            step = self.step(key)
            srcs = ", ".join(self._label(k, p) for k, p in step.inputs) or "source"
            shared = f"  (shared by {', '.join(step.names[1:])})" if len(step.names) > 1 else ""
            kind = "/".join(k.label for k in step.kinds.values() if k is not None)
            lines.append(f"{step.names[0]:<24} {step.model.op:<16} <- {srcs}  -> {kind}{shared}")
        outs = ", ".join(f"{o} = {self._label(k, p)}" for o, (k, p) in self.outputs.items())
        lines.append(f"outputs: {outs}")
        return "\n".join(lines)

    def to_mermaid(self) -> str:
        """A mermaid ``flowchart`` of the plan (paste into any mermaid renderer)."""
        ids = {key: f"n{i}" for i, key in enumerate(self.order)}
        lines = ["flowchart TD"]
        for key in self.order:
            step = self.step(key)
            label = f"{step.names[0]}<br/><i>{step.model.op}</i>"
            lines.append(f'    {ids[key]}["{label}"]')
        for key in self.order:
            for src in dict.fromkeys(k for k, _ in self.step(key).inputs):
                lines.append(f"    {ids[src]} --> {ids[key]}")
        for i, (out, (key, port)) in enumerate(self.outputs.items()):
            lines.append(f'    o{i}(["{out}"])')
            lines.append(f"    {ids[key]} -.{' ' + port + ' ' if port else ''}-> o{i}")
        return "\n".join(lines)

    def _label(self, key: str, port: str) -> str:
        return self.step(key).names[0] + (f":{port}" if port else "")

    # ------------------------------------------------------------- storage
    def to_json(self) -> dict:
        """The plan as JSON-able data (parameters as validated, defaults included)."""
        return {"steps": [{"key": st.key, "module": type(st.model).__module__,
                           "params": st.model.model_dump(mode="json"),
                           "inputs": st.inputs, "names": st.names,
                           "kinds": {p: (k.label if k is not None else None)
                                     for p, k in st.kinds.items()}}
                          for st in self.steps.values()],
                "outputs": self.outputs, "names": self.names, "files": self.files}

    @classmethod
    def from_json(cls, data: dict) -> "Plan":
        """Inverse of :meth:`to_json`; each step's parameters are validated again by its op's
        model (one model each, not the union of all ops).  Only the modules of the
        plan's ops are imported."""
        steps = {}
        for st in data["steps"]:
            op = st["params"]["op"]
            importlib.import_module(st["module"])
            model_cls = defined_ops().get(op) or registry()[op]
            model = model_cls.model_validate(st["params"])
            kinds = {p: (None if k is None else _kind(k)) for p, k in st["kinds"].items()}
            steps[st["key"]] = Step(st["key"], model, [tuple(i) for i in st["inputs"]],
                                    list(st["names"]), kinds)
        outputs = {k: tuple(v) for k, v in data["outputs"].items()}
        return cls(steps, outputs, dict(data["names"]), [], list(data["files"]))


def _kind(label: str) -> Kind:
    kind = Kind(0)
    for name in label.split("|"):
        kind |= Kind[name.upper()]
    return kind

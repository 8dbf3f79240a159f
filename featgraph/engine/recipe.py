"""Recipes: named nodes, recipe-level parameters, includes and outputs.

A recipe is plain data.  It is read from YAML (``Recipe.from_yaml``, safe loading
only), or built in Python with :meth:`Recipe.add`; both give the same object and
:meth:`Recipe.to_yaml` writes it back.  Nothing here runs a node: see
:mod:`featgraph.engine.graph` for turning recipes into an executable plan.

The format is documented with complete examples in ``docs/recipes.md``.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, RecipeError
from .yamlsafe import parse, read_recipe_file

GRAPHS_DIR = Path(__file__).resolve().parent.parent / "graphs"
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
TOP_KEYS = ("featgraph", "name", "description", "dtype", "params", "include", "nodes", "outputs")
DTYPES = ("float64", "float32")
NODE_KEYS = ("op", "input", "inputs")


@dataclass
class NodeDecl:
    """One node as written: its op, the names it reads, its raw parameters."""

    op: str
    inputs: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = field(default=None, compare=False)
    param_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Include:
    """Another recipe pulled in under a namespace: its nodes become ``prefix/node``."""

    recipe: str
    prefix: str
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = field(default=None, compare=False)


@dataclass
class Recipe:
    """A feature recipe: a DAG of named nodes.

    Parameters
    ----------
    name : str
        Used as the default namespace when included and in reports.
    params : dict
        Recipe-level parameters and their defaults, referenced from node
        parameters as ``${name}`` and overridable from the CLI (``--set``) and
        from :meth:`run`.
    description : str
    dtype : {"float64", "float32"} or None
        Sample type of every ``load`` node that does not set its own (and so of
        the whole chain: ops keep their input's float type); applies to
        included recipes too.  None: each ``load`` node's own (float64).

    Examples
    --------
    >>> import featgraph
    >>> r = featgraph.Recipe("energy", params={"hop": "10ms"})
    >>> audio = r.add("audio", "load")
    >>> frames = r.add("frames", "frame", audio, length="25ms", hop="${hop}")
    >>> spec = r.add("spec", "rfft", r.add("win", "window", frames, window="hann"))
    >>> r.output("power", r.add("power", "power", spec))
    >>> featgraph.Recipe.from_yaml(r.to_yaml()) == r
    True
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    dtype: str | None = None
    nodes: dict[str, NodeDecl] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    includes: list[Include] = field(default_factory=list)
    file: str | None = field(default=None, compare=False)
    lines: dict[tuple, int] = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------ builder
    def add(self, name: str, op: str, *inputs: str, **params) -> str:
        """Add a node; returns its name, to be passed as another node's input.

        ``inputs`` are node names (``"frames"``), ports (``"lpc:error"``) or nodes
        of an included recipe (``"plp/power"``).
        """
        if name in self.nodes:
            raise RecipeError(Problem("duplicate node name", self.file, node=name))
        self.nodes[name] = NodeDecl(op, list(inputs), dict(params))
        return name

    def param(self, name: str, default: Any) -> str:
        """Declare a recipe parameter; returns its ``${name}`` reference."""
        self.params[name] = default
        return "${" + name + "}"

    def include(self, recipe: str, prefix: str | None = None, **params) -> str:
        """Include another recipe (a shipped name or a YAML path) as ``prefix/``."""
        prefix = prefix or Path(recipe).stem
        self.includes.append(Include(recipe, prefix, dict(params)))
        return prefix

    def output(self, name: str, node: str | None = None) -> None:
        """Declare an output ``name`` taken from ``node`` (default: the node called ``name``)."""
        self.outputs[name] = node or name

    def select(self, *names: str) -> "Recipe":
        """A copy that keeps only the outputs ``names``; nodes no kept output needs are then
        never built or run (the plan holds the kept outputs' ancestors only).

        >>> import featgraph
        >>> r = featgraph.load("speech_bundle").select("mfcc39", "zcr")
        >>> sorted(r.outputs)
        ['mfcc39', 'zcr']
        """
        unknown = [n for n in names if n not in self.outputs]
        if unknown or not names:
            raise RecipeError(Problem(f"select: {', '.join(map(repr, unknown)) or 'nothing'}: "
                                      f"choose among the outputs {', '.join(self.outputs)}",
                                      self.file))
        new = copy.deepcopy(self)
        new.outputs = {n: self.outputs[n] for n in names}
        return new

    # ---------------------------------------------------------------- overrides
    def with_params(self, **overrides) -> "Recipe":
        """A copy whose parameter defaults are replaced by ``overrides``.

        Raises :class:`RecipeError` for a name the recipe does not declare.
        """
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            declared = ", ".join(self.params) or "none"
            raise RecipeError([Problem(f"unknown recipe parameter '{k}' (declared: {declared})",
                                       self.file) for k in unknown])
        new = copy.deepcopy(self)
        new.params.update(overrides)
        return new

    # -------------------------------------------------------------------- I/O
    @classmethod
    def load(cls, name_or_path: str | Path, base_dir: str | Path | None = None) -> "Recipe":
        """Read a shipped recipe by name (``"plp"``) or a YAML file by path."""
        path = resolve_recipe_path(name_or_path, base_dir)
        return cls.from_yaml(read_recipe_file(path), file=str(path))

    @classmethod
    def from_yaml(cls, text: str | bytes, file: str | None = None) -> "Recipe":
        """Parse a recipe from YAML text (``yaml.SafeLoader``: no tags, no code).

        Anchors and aliases, nesting deeper than 64 levels, more than 1 MiB and
        bytes that are not UTF-8 are refused (see :mod:`featgraph.engine.yamlsafe`);
        every problem names ``file`` and a line.
        """
        data, lines, dupes = parse(text, file)
        problems = [Problem(f"duplicate key '{path[-1]}'", file, line,
                            node=str(path[1]) if len(path) > 2 and path[0] == "nodes" else None)
                    for path, line in sorted(dupes, key=lambda d: d[1])]
        recipe = _from_data(cls, data, file, lines, problems)
        if problems:
            raise RecipeError(problems)
        return recipe

    def to_dict(self) -> dict:
        """The recipe as plain data, in the YAML layout."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.dtype:
            out["dtype"] = self.dtype
        if self.params:
            out["params"] = dict(self.params)
        if self.includes:
            out["include"] = [{"recipe": i.recipe, "as": i.prefix,
                               **({"with": dict(i.params)} if i.params else {})}
                              for i in self.includes]
        nodes = {}
        for name, n in self.nodes.items():
            entry: dict[str, Any] = {"op": n.op}
            if len(n.inputs) == 1:
                entry["input"] = n.inputs[0]
            elif n.inputs:
                entry["inputs"] = list(n.inputs)
            entry.update(n.params)
            nodes[name] = entry
        out["nodes"] = nodes
        if self.outputs:
            out["outputs"] = dict(self.outputs)
        return out

    def to_yaml(self) -> str:
        """YAML text that :meth:`from_yaml` reads back to an equal recipe."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None,
                              width=100)

    def where(self, *path) -> str:
        """``file:line`` of a key path such as ``("nodes", "frames", "hop")``."""
        line = self.lines.get(tuple(path))
        return f"{self.file or '<' + self.name + '>'}" + (f":{line}" if line else "")


def with_overrides(recipes: list[Recipe], params: dict[str, Any],
                   origin: str = "parameter") -> list[Recipe]:
    """``recipes`` with ``params`` applied to every recipe that declares them.

    A name that no recipe declares is a :class:`RecipeError`; ``origin`` says
    where the override came from (``"--set"`` on the command line).  ``dtype``
    is always accepted: a recipe that declares it as a parameter gets it as one,
    the others get it as their top-level ``dtype`` (the sample type of their
    ``load`` nodes that do not set their own), so ``run(y, dtype="float32")``
    works on any recipe.
    """
    declared = set().union(*(r.params for r in recipes))
    dtype = params.get("dtype")
    if "dtype" in params and dtype not in DTYPES:
        raise RecipeError(Problem(f"{origin} dtype must be one of {', '.join(DTYPES)}, got "
                                  f"{dtype!r}", "<overrides>"))
    unknown = sorted(set(params) - declared - {"dtype"})
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise RecipeError([Problem(f"{origin} {k}: no recipe declares this parameter "
                                   f"(declared: {known})", "<overrides>") for k in unknown])
    out = []
    for r in recipes:
        if params:
            r = r.with_params(**{k: v for k, v in params.items() if k in r.params})
            if dtype is not None and "dtype" not in r.params:
                r.dtype = dtype           # with_params returned a copy
        out.append(r)
    return out


def shipped() -> dict[str, Path]:
    """``{name: path}`` of the recipes shipped in ``featgraph/graphs`` and its family folders
    (``speech/``, ``models/``, ``spectral/`` ...).  Names are unique across folders."""
    found: dict[str, Path] = {}
    for path in sorted(GRAPHS_DIR.rglob("*.yaml")):
        if path.stem in found:
            raise RuntimeError(f"two shipped recipes are named {path.stem!r}: {found[path.stem]} "
                               f"and {path}")
        found[path.stem] = path
    return dict(sorted(found.items()))


def resolve_recipe_path(name_or_path: str | Path, base_dir: str | Path | None = None) -> Path:
    """A shipped name, or a path (relative to ``base_dir`` when given)."""
    text = str(name_or_path)
    candidates = []
    if base_dir is not None:
        candidates.append(Path(base_dir) / text)
    candidates.append(Path(text))
    for c in candidates:
        if c.suffix in (".yaml", ".yml") and c.is_file():
            return c.resolve()
    if text in shipped():
        return shipped()[text]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    known = ", ".join(shipped()) or "none"
    raise RecipeError(Problem(f"no recipe file '{text}' and no shipped recipe of that name "
                              f"(shipped: {known})", text))


# ---------------------------------------------------------------------- parsing
def _from_data(cls: type, data: Any, file: str | None, lines: dict,
               problems: list[Problem]) -> Recipe:
    def at(*path):
        """Line of a key path, else of its nearest written ancestor, else 1."""
        while path:
            for key in (path, tuple(str(p) for p in path)):   # `1:` is the key "1" in `lines`
                if key in lines:
                    return lines[key]
            path = path[:-1]
        return 1

    if not isinstance(data, dict):
        problems.append(Problem("a recipe is a YAML mapping with 'nodes:' (and optionally "
                                "'name', 'params', 'include', 'outputs')", file, 1))
        return cls(name="?", file=file)
    for key in data:
        if key not in TOP_KEYS:
            problems.append(Problem(f"unknown top-level key '{key}' (expected one of "
                                    f"{', '.join(TOP_KEYS)})", file, at(key)))
    name = data.get("name") or (Path(file).stem if file else "recipe")
    recipe = cls(name=str(name), description=str(data.get("description") or "").strip(),
                    file=file, lines=lines)

    dtype = data.get("dtype")
    if dtype is not None and dtype not in DTYPES:
        problems.append(Problem(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}", file,
                                at("dtype")))
    else:
        recipe.dtype = dtype

    params = data.get("params") or {}
    if not isinstance(params, dict):
        problems.append(Problem("'params' must be a mapping of name: default", file, at("params")))
    else:
        for k in params:
            if not NAME_RE.match(str(k)):
                problems.append(Problem(f"invalid parameter name '{k}'", file, at("params", k)))
        recipe.params = dict(params)

    includes = data.get("include") or []
    if not isinstance(includes, list):
        problems.append(Problem("'include' must be a list of {recipe, as, with}", file,
                                at("include")))
        includes = []
    for i, inc in enumerate(includes):
        line = at("include", i)
        if isinstance(inc, str):
            inc = {"recipe": inc}
        if not isinstance(inc, dict) or "recipe" not in inc:
            problems.append(Problem("an include needs 'recipe: <name or path>'", file, line))
            continue
        extra = set(inc) - {"recipe", "as", "with"}
        if extra:
            problems.append(Problem(f"unknown include key(s) {sorted(extra)} (expected recipe, "
                                    "as, with)", file, line))
        prefix = str(inc.get("as") or Path(str(inc["recipe"])).stem)
        if not NAME_RE.match(prefix):
            problems.append(Problem(f"invalid include prefix '{prefix}'", file, line))
        with_ = inc.get("with") or {}
        if not isinstance(with_, dict):
            problems.append(Problem("'with' must be a mapping of parameter: value", file, line))
            with_ = {}
        recipe.includes.append(Include(str(inc["recipe"]), prefix, dict(with_), line))

    nodes = data.get("nodes")
    if nodes is None and not recipe.includes:
        problems.append(Problem("a recipe needs a 'nodes:' mapping (or an 'include:')", file, 1))
    elif nodes is not None and not isinstance(nodes, dict):
        problems.append(Problem("'nodes' must be a mapping of node name: {op: ..., ...}", file,
                                at("nodes")))
    for node_name, body in (nodes or {}).items() if isinstance(nodes, dict) else ():
        line = at("nodes", node_name)
        node_name = str(node_name)
        if not NAME_RE.match(node_name):
            problems.append(Problem("invalid node name (letters, digits, '_' and '-'; no '/' "
                                    "or ':')", file, line, node=node_name))
            continue
        if not isinstance(body, dict) or "op" not in body:
            problems.append(Problem("a node is a mapping with an 'op:'", file, line,
                                    node=node_name))
            continue
        if "input" in body and "inputs" in body:
            problems.append(Problem("give 'input' or 'inputs', not both", file, line,
                                    node=node_name))
        raw_inputs = body.get("inputs", body.get("input", []))
        inputs = [raw_inputs] if isinstance(raw_inputs, str) else raw_inputs
        if not isinstance(inputs, list) or not all(isinstance(x, str) for x in inputs):
            problems.append(Problem("'inputs' must be a node name or a list of node names",
                                    file, line, node=node_name))
            inputs = []
        node_params = {str(k): v for k, v in body.items() if k not in NODE_KEYS}
        param_lines = {k: at("nodes", node_name, k) for k in node_params}
        recipe.nodes[node_name] = NodeDecl(str(body["op"]), list(inputs), node_params, line,
                                           param_lines)

    outputs = data.get("outputs")
    if isinstance(outputs, list):
        recipe.outputs = {str(o): str(o) for o in outputs}
    elif isinstance(outputs, dict):
        recipe.outputs = {str(k): str(v) for k, v in outputs.items()}
    elif outputs is not None:
        problems.append(Problem("'outputs' must be a list of node names or a mapping "
                                "name: node", file, at("outputs")))
    return recipe

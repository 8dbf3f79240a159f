"""From recipes to an executable plan.

:func:`build` does, in order and before anything runs:

1. **flatten** — includes are expanded recursively; their nodes are renamed
   ``prefix/node`` and their parameters resolved from ``with:``;
2. **substitute** ``${param}`` references and **validate** every node with its
   pydantic model (errors name the file, line, node and parameter);
3. **check the graph** — unknown inputs and ports, wrong input counts, cycles,
   missing outputs, and kind mismatches (every op declares what it consumes and
   produces);
4. **key** every node by its content: op, validated parameters (defaults
   included) and its inputs' keys.  Nodes with equal keys — within a recipe,
   across includes, across recipes run together — become one node of the
   plan, computed once.  networkx checks and orders the graph; the plan it
   yields is plain data (:class:`Plan`), which the scheduler runs.
"""
from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import ValidationError

from .errors import Problem, RecipeError
from .kinds import Kind
from .ops import Node, node_adapter, registry
from .plan import Plan, Step
from .recipe import REF_RE, Recipe, resolve_recipe_path


@dataclass
class FlatNode:
    """A node after includes are expanded: fully qualified name, resolved parameters."""

    name: str
    op: str
    inputs: list[tuple[str, str]]
    params: dict[str, Any]
    file: str | None = None
    line: int | None = None
    param_lines: dict[str, int] = field(default_factory=dict)
    model: Node | None = None

    def problem(self, message: str, param: str | None = None) -> Problem:
        line = self.param_lines.get(param, self.line) if param else self.line
        return Problem(message, self.file, line or self.line, self.name, param)


def build(recipes: list[Recipe]) -> Plan:
    """Validate ``recipes`` and merge them into one plan (see module docs)."""
    problems: list[Problem] = []
    flat: dict[str, FlatNode] = {}
    outputs: dict[str, tuple[str, str]] = {}
    many = len(recipes) > 1
    taken: set[str] = set()
    for recipe in recipes:
        ns = recipe.name
        while many and ns in taken:
            ns += "_"
        taken.add(ns)
        prefix = f"{ns}/" if many else ""
        outs = _flatten(recipe, prefix, dict(recipe.params), flat, problems, [],
                        recipe.dtype)
        for out_name, ref in outs.items():
            outputs[f"{prefix}{out_name}"] = ref
    if not problems:
        _validate(flat, problems)
    by_name = _name_graph(flat)
    if not problems:
        _check_cycles(by_name, flat, problems)
    kinds: dict[str, dict[str, Kind]] = {}
    if not problems:
        kinds = _check_kinds(by_name, flat, problems)
    if not problems and not outputs:
        problems.append(Problem("the recipe has no outputs", recipes[0].file))
    outputs = _expand_all_ports(outputs, kinds)
    for name, (node, port) in outputs.items():
        if node in kinds and port and port not in kinds[node]:
            problems.append(flat[node].problem(f"output '{name}' asks for port '{port}', "
                                               f"which op {flat[node].op} does not have"))
    if problems:
        raise RecipeError(problems)
    files = {r.file for r in recipes if r.file} | {n.file for n in flat.values() if n.file}
    return _merge(by_name, flat, kinds, outputs, recipes, sorted(files))


def _expand_all_ports(outputs: dict, kinds: dict) -> dict:
    """An output ``node:*`` becomes one output per port of ``node``, named after the port
    (under the recipe's namespace): the ports of a wavelet transform follow its level."""
    expanded = {}
    for name, (node, port) in outputs.items():
        if port == "*" and node in kinds:
            head = name.rpartition("/")[0]
            expanded.update({f"{head}/{p}" if head else p: (node, p) for p in kinds[node]})
        else:
            expanded[name] = (node, port)
    return expanded


def _merge(by_name, flat, kinds, outputs, recipes, files) -> Plan:
    targets = {node for node, _ in outputs.values()}
    needed = targets.union(*(nx.ancestors(by_name, t) for t in targets))
    steps: dict[str, Step] = {}
    names: dict[str, str] = {}
    declared = {name: i for i, name in enumerate(flat)}     # ties: declaration order
    for name in nx.lexicographical_topological_sort(by_name.subgraph(needed),
                                                    key=declared.__getitem__):
        node = flat[name]
        inputs = [(names[src], port) for src, port in node.inputs]
        key = content_key(node.model, inputs)
        names[name] = key
        if key in steps:
            steps[key].names.append(name)
            continue
        steps[key] = Step(key, node.model, inputs, [name], kinds[name])
    keyed_outputs = {out: (names[node], port) for out, (node, port) in outputs.items()}
    return Plan(steps, keyed_outputs, names, recipes, files)


def content_key(model: Node, inputs: list[tuple[str, str]]) -> str:
    """Hash of the op, its validated parameters (defaults included) and its inputs' keys."""
    payload = json.dumps([model.model_dump(mode="json"), inputs], sort_keys=True)
    return hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()


# ------------------------------------------------------------------ flattening
def _flatten(recipe: Recipe, prefix: str, values: dict, flat: dict, problems: list,
             stack: list[str], dtype: str | None = None) -> dict[str, tuple[str, str]]:
    """Add ``recipe``'s nodes (and its includes') to ``flat``; return its outputs.

    ``dtype`` (the including recipe's, else this one's) becomes the ``dtype`` of
    every ``load`` node that does not set one.
    """
    dtype = dtype or recipe.dtype
    where = recipe.file or f"<{recipe.name}>"
    if where in stack:
        problems.append(Problem("include cycle: " + " -> ".join(stack + [where]), recipe.file))
        return {}
    stack = stack + [where]
    included: dict[str, dict[str, tuple[str, str]]] = {}
    base_dir = Path(recipe.file).parent if recipe.file else None
    for inc in recipe.includes:
        try:
            sub = Recipe.load(inc.recipe, base_dir)
        except RecipeError as exc:
            problems.extend(Problem(p.message, recipe.file, inc.line) for p in exc.problems)
            continue
        unknown = sorted(set(inc.params) - set(sub.params))
        for k in unknown:
            problems.append(Problem(f"included recipe '{inc.recipe}' has no parameter '{k}' "
                                    f"(it declares: {', '.join(sub.params) or 'none'})",
                                    recipe.file, inc.line))
        sub_values = dict(sub.params)
        for k, v in inc.params.items():
            sub_values[k] = _substitute(v, values, lambda m: problems.append(
                Problem(m, recipe.file, inc.line)))
        included[inc.prefix] = _flatten(sub, f"{prefix}{inc.prefix}/", sub_values, flat,
                                        problems, stack, dtype)

    def resolve(ref: str, report) -> tuple[str, str] | None:
        base, _, port = ref.partition(":")
        if base in recipe.nodes:
            return f"{prefix}{base}", port
        head, sep, rest = base.partition("/")
        if sep and head in included:
            outs = included[head]
            if rest in outs:
                node, out_port = outs[rest]
                return node, port or out_port
            if f"{prefix}{base}" in flat:
                return f"{prefix}{base}", port
        choices = list(recipe.nodes) + [f"{h}/{o}" for h, outs in included.items() for o in outs]
        hint = difflib.get_close_matches(base, choices, n=1)
        report(f"unknown input '{ref}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
        return None

    for name, decl in recipe.nodes.items():
        qname = f"{prefix}{name}"
        node = FlatNode(qname, decl.op, [], {}, recipe.file, decl.line, dict(decl.param_lines))
        for k, v in decl.params.items():
            node.params[k] = _substitute(v, values, lambda m, k=k: problems.append(
                node.problem(m, k)))
        if dtype and decl.op == "load" and "dtype" not in node.params:
            node.params["dtype"] = dtype
        for ref in decl.inputs:
            got = resolve(ref, lambda m: problems.append(node.problem(m)))
            if got:
                node.inputs.append(got)
        if qname in flat:
            problems.append(node.problem("duplicate node name"))
        flat[qname] = node

    if recipe.outputs:
        outputs = {}
        for out, ref in recipe.outputs.items():
            got = resolve(ref, lambda m, out=out: problems.append(Problem(
                f"output '{out}': {m.replace('input', 'node')}", recipe.file,
                recipe.lines.get(("outputs", out)) or recipe.lines.get(("outputs",)))))
            if got:
                outputs[out] = got
        return outputs
    # No outputs listed: every include's outputs, then this recipe's own sink nodes.
    outputs = {f"{h}/{o}": ref for h, outs in included.items() for o, ref in outs.items()}
    consumed = {src for n in recipe.nodes for src, _ in flat[f"{prefix}{n}"].inputs}
    outputs.update({n: (f"{prefix}{n}", "") for n in recipe.nodes
                    if f"{prefix}{n}" not in consumed})
    return outputs


def _substitute(value: Any, values: dict, report) -> Any:
    """Replace ``${name}`` by the recipe parameter (typed if the whole string is a reference)."""
    if isinstance(value, str):
        whole = REF_RE.fullmatch(value)
        if whole:
            if whole.group(1) not in values:
                report(f"unknown recipe parameter '${{{whole.group(1)}}}' (declared: "
                       f"{', '.join(values) or 'none'})")
                return value
            return values[whole.group(1)]

        def one(m):
            if m.group(1) not in values:
                report(f"unknown recipe parameter '${{{m.group(1)}}}'")
                return m.group(0)
            return str(values[m.group(1)])
        return REF_RE.sub(one, value)
    if isinstance(value, list):
        return [_substitute(v, values, report) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, values, report) for k, v in value.items()}
    return value


# ------------------------------------------------------------------ validation
def _validate(flat: dict[str, FlatNode], problems: list) -> None:
    ops = registry()
    adapter = node_adapter()
    for node in flat.values():
        model_cls = ops.get(node.op)
        if model_cls is None:
            hint = difflib.get_close_matches(node.op, ops, n=1)
            problems.append(node.problem(f"unknown op '{node.op}'" + (
                f" (did you mean '{hint[0]}'?)" if hint else "") + "; `featgraph list` shows "
                "every op"))
            continue
        try:
            node.model = adapter.validate_python({"op": node.op, **node.params})
        except ValidationError as exc:
            by_param: dict[str, list[dict]] = {}
            for err in exc.errors(include_url=False):
                by_param.setdefault(str(err["loc"][1:2]), []).append(err)
            problems.extend(_pydantic_problem(node, model_cls, errs) for errs in by_param.values())
            continue
        n_in, want = len(node.inputs), len(model_cls.consumes)
        if n_in != want and not (model_cls.variadic and n_in > want):
            what = "no input (it reads the run's source)" if want == 0 else \
                f"{want}{' or more' if model_cls.variadic else ''} input{'s' if want > 1 else ''}"
            problems.append(node.problem(f"op {node.op} takes {what}, got {n_in}"))


def _pydantic_problem(node: FlatNode, model_cls: type[Node], errs: list[dict]) -> Problem:
    """One problem per parameter; the errors of a union's branches are merged."""
    err = errs[0]
    loc = [str(x) for x in err["loc"][1:]]  # loc[0] is the union tag (the op)
    param = loc[0] if loc else None
    if err["type"] == "extra_forbidden":
        allowed = [f for f in model_cls.model_fields if f != "op"]
        hint = difflib.get_close_matches(param or "", allowed, n=1)
        msg = "unknown parameter" + (f" (did you mean '{hint[0]}'?)" if hint else "") + \
            f"; op {node.op} takes: {', '.join(allowed) or 'no parameters'}"
    elif err["type"] == "missing":
        msg = f"missing required parameter of op {node.op}"
    else:
        field_info = model_cls.model_fields.get(param or "")
        expected = f"; expected {field_info.description}" if field_info and \
            field_info.description else ""
        reasons = "; or ".join(dict.fromkeys(e["msg"] for e in errs))
        msg = f"{reasons} (got {err.get('input')!r}){expected}"
    return node.problem(msg, param)


def _name_graph(flat: dict[str, FlatNode]) -> nx.DiGraph:
    """The recipe nodes by qualified name, an edge per input (before merging by content)."""
    g = nx.DiGraph()
    g.add_nodes_from(flat)
    g.add_edges_from((src, n.name) for n in flat.values() for src, _ in n.inputs)
    return g


def _check_cycles(g: nx.DiGraph, flat: dict[str, FlatNode], problems: list) -> None:
    if not nx.is_directed_acyclic_graph(g):
        cycle = nx.find_cycle(g)
        path = " -> ".join([cycle[0][0]] + [v for _, v in cycle])
        problems.append(flat[cycle[0][1]].problem(f"cycle: {path}"))


def _check_kinds(g: nx.DiGraph, flat: dict[str, FlatNode],
                 problems: list) -> dict[str, dict[str, Kind]]:
    """Propagate kinds in topological order; report every mismatch."""
    kinds: dict[str, dict[str, Kind]] = {}
    for name in nx.topological_sort(g):
        node = flat[name]
        cls = type(node.model)
        got: list[Kind | None] = []
        for i, (src, port) in enumerate(node.inputs):
            ports = kinds.get(src, {})
            if not port and "" not in ports and ports:   # default port: the first one
                port = next(iter(ports))
                node.inputs[i] = (src, port)
            if port not in ports:
                avail = ", ".join(p for p in ports if p) or "none"
                problems.append(node.problem(f"input '{src}:{port}': op {flat[src].op} has no "
                                             f"port '{port}' (ports: {avail})"))
                got.append(None)
                continue
            kind, allowed = ports[port], cls.input_kind(i)
            if kind is not None and not (kind & allowed) == kind:
                problems.append(node.problem(
                    f"input {i + 1} '{src}' is {kind.label}, but op {node.op} consumes "
                    f"{allowed.label}"))
            got.append(kind)
        kinds[name] = {port: (k if k is not None else (got[0] if got else None))
                       for port, k in node.model.out_ports().items()}
    return kinds


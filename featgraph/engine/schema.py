"""The JSON Schema of a recipe file, for editors (completion, hover, red squiggles).

Built from the same pydantic models that validate recipes
(:func:`featgraph.engine.ops.node_adapter`), so it lists every op and parameter
with its type, range, default and description.  In YAML a node also carries its
inputs (``input:`` / ``inputs:``) next to ``op:``, and any parameter may be a
``${param}`` reference, so each op's model is widened by exactly that.

The schema checks what it can see in one file: names, ops, parameter names,
types and ranges.  It cannot check what needs the graph (unknown inputs,
cycles, kinds) or a reference's value; ``featgraph validate`` does.
Written by ``featgraph schema``; shipped as ``featgraph/graphs/recipe.schema.json``.
"""
from __future__ import annotations

import copy

from .ops import node_adapter
from .recipe import GRAPHS_DIR, NAME_RE

SCHEMA_FILE = GRAPHS_DIR / "recipe.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

PARAM_REF = {"type": "string", "pattern": r"\$\{[A-Za-z_][A-Za-z0-9_]*\}",
             "description": "a recipe parameter, '${name}' (or text containing one)"}
NAME = {"type": "string", "pattern": NAME_RE.pattern}
NODE_REF = {"type": "string", "description": "a node ('frames'), a port ('lpc:error') or a "
                                             "node of an included recipe ('plp/power')"}


def recipe_schema() -> dict:
    """JSON Schema (draft 2020-12) of a recipe file; see the module docs."""
    nodes = copy.deepcopy(node_adapter().json_schema())
    defs = nodes.pop("$defs")
    for ref in nodes["oneOf"]:
        _widen(defs[ref["$ref"].rsplit("/", 1)[-1]])
    defs["Node"] = {"description": "a node: 'op:', its input(s) and the op's parameters",
                    "type": "object", "required": ["op"], **nodes}
    defs["ParamRef"] = PARAM_REF
    include = {"type": "object", "additionalProperties": False, "required": ["recipe"],
               "properties": {
                   "recipe": {"type": "string", "description": "a shipped name or a YAML path "
                                                               "(relative to this file)"},
                   "as": {**NAME, "description": "namespace of its nodes: 'as/node'"},
                   "with": {"type": "object", "description": "its parameters: name: value"}}}
    return {
        "$schema": DIALECT,
        "title": "featgraph recipe",
        "description": "A feature recipe: named nodes (op, inputs, parameters), recipe "
                       "parameters, includes and outputs. See docs/recipes.md.",
        "type": "object",
        "additionalProperties": False,
        "anyOf": [{"required": ["nodes"]}, {"required": ["include"]}],
        "properties": {
            "featgraph": {"description": "format marker (optional)"},
            "name": {"type": "string", "description": "namespace when included; prefix of "
                                                      "its outputs when run with others"},
            "description": {"type": "string"},
            "dtype": {"enum": ["float64", "float32"], "description": "float type of the "
                                                                     "computation"},
            "params": {"type": "object", "propertyNames": NAME,
                       "description": "recipe parameters and their defaults, used as "
                                      "'${name}' and overridden with --set name=value"},
            "include": {"type": "array", "items": {"anyOf": [{"type": "string"}, include]}},
            "nodes": {"type": "object", "propertyNames": NAME,
                      "additionalProperties": {"$ref": "#/$defs/Node"}},
            "outputs": {"anyOf": [
                {"type": "array", "items": NODE_REF},
                {"type": "object", "propertyNames": {"type": "string"},
                 "additionalProperties": NODE_REF}]},
        },
        "$defs": defs,
    }


def _widen(model: dict) -> None:
    """An op's model as written in YAML: inputs next to 'op', '${param}' for any parameter."""
    props = model.setdefault("properties", {})
    for name, prop in props.items():
        if name == "op":
            continue
        outer = {k: prop.pop(k) for k in ("title", "description", "default") if k in prop}
        props[name] = {**outer, "anyOf": [prop, {"$ref": "#/$defs/ParamRef"}]}
    props["input"] = {**NODE_REF, "description": "the node read (" + NODE_REF["description"]
                      + ")"}
    props["inputs"] = {"type": "array", "items": NODE_REF,
                       "description": "the nodes read, in the order the op consumes them"}
    model["required"] = ["op"] + [r for r in model.get("required", []) if r != "op"]
    model["not"] = {"required": ["input", "inputs"]}

"""The recipe JSON Schema (`featgraph schema`): accepts every shipped recipe, rejects typos."""
import copy
import json
import re

import pytest
import yaml

import featgraph
from featgraph.cli import main
from featgraph.engine.ops import registry
from featgraph.engine.schema import SCHEMA_FILE, recipe_schema

jsonschema = pytest.importorskip("jsonschema")

MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\n")


@pytest.fixture(scope="module")
def validator():
    schema = recipe_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def shipped_data():
    return {name: yaml.safe_load(path.read_text()) for name, path in featgraph.shipped().items()}


def errors_at(validator, data):
    """``(path, message)`` of every schema error, deepest first."""
    return sorted(((tuple(e.absolute_path), e.message) for e in validator.iter_errors(data)),
                  key=lambda x: -len(x[0]))


def test_shipped_schema_file_is_current():
    assert json.loads(SCHEMA_FILE.read_text()) == recipe_schema(), \
        "regenerate it: featgraph schema -o featgraph/graphs/recipe.schema.json"


def test_every_shipped_recipe_points_its_editor_at_the_shipped_schema():
    assert featgraph.shipped()
    for name, path in featgraph.shipped().items():
        match = MODELINE.match(path.read_text())
        assert match, f"{path} does not start with the yaml-language-server modeline"
        assert (path.parent / match.group(1)).resolve() == SCHEMA_FILE.resolve(), name


def test_schema_accepts_every_shipped_recipe(validator):
    for name, data in shipped_data().items():
        assert errors_at(validator, data) == [], name


def test_schema_lists_every_op(validator):
    ops = validator.schema["$defs"]["Node"]["discriminator"]["mapping"]
    assert sorted(ops) == sorted(registry())


def a_node(data):
    """The first node that has a parameter, and that parameter's name."""
    for name, body in data["nodes"].items():
        params = [k for k in body if k not in ("op", "input", "inputs")]
        if params:
            return name, params[0]
    raise AssertionError("no node with a parameter")


@pytest.mark.parametrize("recipe", sorted(featgraph.shipped()))
def test_typo_in_an_op_name_is_rejected(validator, recipe):
    data = shipped_data()[recipe]
    node, _ = a_node(data)
    data["nodes"][node]["op"] += "x"
    assert [path for path, _ in errors_at(validator, data)] == [("nodes", node)]


@pytest.mark.parametrize("recipe", sorted(featgraph.shipped()))
def test_typo_in_a_parameter_is_rejected(validator, recipe):
    data = shipped_data()[recipe]
    node, param = a_node(data)
    body = data["nodes"][node]
    body[param + "x"] = body.pop(param)
    assert [path for path, _ in errors_at(validator, data)] == [("nodes", node)]
    # ... and the same node with the parameter spelt right passes
    body[param] = body.pop(param + "x")
    assert errors_at(validator, data) == []


@pytest.mark.parametrize("change, ok", [
    ({"order": 0}, False),                   # below the range
    ({"order": 2000}, False),                # above it
    ({"order": "eight"}, False),             # not an integer nor a reference
    ({"order": "${order}"}, True),           # a recipe parameter
    ({"order": 12}, True),
    ({"inputs": ["autocorr"]}, False),       # both input and inputs
    ({"input": 3}, False),
])
def test_parameter_values_ranges_and_references(validator, change, ok):
    data = copy.deepcopy(shipped_data()["plp"])
    data["nodes"]["lpc"].update(change)
    assert (errors_at(validator, data) == []) == ok


@pytest.mark.parametrize("change", [
    {"nodez": {}},                           # unknown top-level key
    {"nodes": {"bad/name": {"op": "load"}}},
    {"nodes": {"a": {"input": "x"}}},        # no op
    {"include": [{"recipe": "plp", "as": "p", "wiht": {}}]},
    {"params": {"1x": 3}},
])
def test_structure_errors_are_rejected(validator, change):
    data = copy.deepcopy(shipped_data()["plp"])
    data.update(change)
    assert errors_at(validator, data)


def test_cli_writes_the_schema(tmp_path, capsys):
    out = tmp_path / "recipe.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == recipe_schema()
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == recipe_schema()

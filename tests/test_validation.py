"""Every recipe mistake is reported with the file, the line, the node and the parameter."""
import textwrap

import pytest

import featgraph
from featgraph import RecipeError

FRONT = """\
name: t
params: {order: 8}
nodes:
  audio:    {op: load}
  frames:   {op: frame, input: audio, length: 25ms, hop: 10ms}
  windowed: {op: window, input: frames, window: hann}
  spectrum: {op: rfft, input: windowed}
  power:    {op: power, input: spectrum}
  bands:    {op: bark_filterbank, input: power}
"""


def problems(write_recipe, text):
    path = write_recipe(textwrap.dedent(text))
    with pytest.raises(RecipeError) as info:
        featgraph.load(path).compile()
    return path, info.value.problems


def one(write_recipe, text):
    path, found = problems(write_recipe, text)
    assert len(found) == 1, found
    assert found[0].file == str(path)
    return found[0]


def test_malformed_yaml_names_the_line(write_recipe):
    p = one(write_recipe, FRONT + "  autocorr: {op: autocorrelation, input: [bands\n")
    assert p.line == 11 and "malformed YAML" in p.message


def test_python_tags_are_refused_and_never_run(write_recipe, tmp_path):
    marker = tmp_path / "pwned"
    p = one(write_recipe, FRONT + f'  x: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert "malformed YAML" in p.message and "python/object" in p.message
    assert not marker.exists()


def test_unknown_op_suggests(write_recipe):
    p = one(write_recipe, FRONT + "  auto: {op: autocorelation, input: bands}\n")
    assert (p.line, p.node, p.param) == (10, "auto", None)
    assert "unknown op 'autocorelation'" in p.message and "'autocorrelation'" in p.message


def test_unknown_parameter(write_recipe):
    p = one(write_recipe, FRONT + "  auto:\n    op: autocorrelation\n    input: bands\n"
                                  "    nlags: 4\n")
    assert (p.line, p.node, p.param) == (13, "auto", "nlags")
    assert "unknown parameter" in p.message and "n_lags" in p.message


def test_missing_parameter(write_recipe):
    p = one(write_recipe, FRONT + "  auto: {op: autocorrelation, input: bands}\n"
                                  "  lpc: {op: lpc, input: auto}\n")
    assert (p.line, p.node, p.param) == (11, "lpc", "order")
    assert "missing required parameter" in p.message


@pytest.mark.parametrize("value, expected", [
    ("abc", "valid integer"),
    ("2.5", "valid integer"),
    ("0", "greater than or equal to 1"),
])
def test_wrong_type_or_range(write_recipe, value, expected):
    p = one(write_recipe, FRONT + "  auto: {op: autocorrelation, input: bands}\n"
                                  f"  lpc:\n    op: lpc\n    input: auto\n    order: {value}\n")
    assert (p.line, p.node, p.param) == (14, "lpc", "order")
    assert expected in p.message and "model order" in p.message


def test_wrong_type_through_a_recipe_parameter(write_recipe):
    path = write_recipe(FRONT + "  auto: {op: autocorrelation, input: bands}\n"
                                "  lpc: {op: lpc, input: auto, order: '${order}'}\n")
    with pytest.raises(RecipeError) as info:
        featgraph.load(path).compile(order="eight")
    (p,) = info.value.problems
    assert (p.node, p.param) == ("lpc", "order") and "'eight'" in p.message


def test_bad_duration(write_recipe):
    p = one(write_recipe, FRONT.replace("hop: 10ms", "hop: 10 minutes"))
    assert (p.line, p.node, p.param) == (5, "frames", "hop")
    assert "'10 minutes'" in p.message and "'25ms' or '0.025s'" in p.message


def test_unknown_input(write_recipe):
    p = one(write_recipe, FRONT + "  auto: {op: autocorrelation, input: band}\n")
    assert (p.line, p.node) == (10, "auto")
    assert "unknown input 'band'" in p.message and "did you mean 'bands'" in p.message


def test_cycle(write_recipe):
    p = one(write_recipe, """\
        nodes:
          audio: {op: load}
          a: {op: preemphasis, input: b}
          b: {op: preemphasis, input: a}
        """)
    assert "cycle" in p.message and "a -> b -> a" in p.message or "b -> a -> b" in p.message


def test_duplicate_node_name(write_recipe):
    p = one(write_recipe, FRONT + "  power: {op: power, input: spectrum, exponent: 1}\n")
    assert p.line == 10 and "duplicate key 'power'" in p.message


def test_missing_output(write_recipe):
    p = one(write_recipe, FRONT + "outputs: [bands, cepstra]\n")
    assert p.line == 10 and "output 'cepstra'" in p.message


def test_kind_mismatch_frames_into_filterbank(write_recipe):
    p = one(write_recipe, FRONT.replace("input: power}", "input: frames}"))
    assert (p.line, p.node) == (9, "bands")
    assert "'frames' is frames, but op bark_filterbank consumes power" in p.message


def test_wrong_number_of_inputs(write_recipe):
    p = one(write_recipe, FRONT.replace("{op: load}", "{op: load, input: frames}"))
    assert p.node == "audio" and "takes no input" in p.message


def test_unknown_port(write_recipe):
    p = one(write_recipe, FRONT + "  auto: {op: autocorrelation, input: bands}\n"
                                  "  lpc: {op: lpc, input: auto, order: 4}\n"
                                  "  cep: {op: lpc_to_cepstrum, input: 'lpc:gain'}\n")
    assert p.node == "cep" and "no port 'gain'" in p.message and "coeffs, error" in p.message


def test_unknown_recipe_parameter_reference(write_recipe):
    p = one(write_recipe, FRONT.replace("length: 25ms", "length: '${win}'"))
    assert (p.line, p.node, p.param) == (5, "frames", "length")
    assert "unknown recipe parameter '${win}'" in p.message


def test_several_problems_are_all_reported(write_recipe):
    _, found = problems(write_recipe, FRONT.replace("window: hann", "window: hanne")
                        .replace("{op: power,", "{op: powr,"))
    assert {p.node for p in found} == {"windowed", "power"}


def test_override_of_undeclared_parameter():
    with pytest.raises(RecipeError, match="unknown recipe parameter 'n_mels'"):
        featgraph.load("plp").with_params(n_mels=40)


def test_unknown_top_level_key_and_not_a_mapping(write_recipe):
    p = one(write_recipe, "nodez: {}\nnodes: {audio: {op: load}}\n")
    assert p.line == 1 and "unknown top-level key 'nodez'" in p.message
    p = one(write_recipe, "- just a list\n")
    assert "YAML mapping" in p.message


def test_unknown_recipe_name():
    with pytest.raises(RecipeError, match="no shipped recipe of that name.*plp"):
        featgraph.load("pl")


def test_error_message_format(write_recipe):
    path, found = problems(write_recipe, FRONT.replace("window: hann", "window: 7"))
    text = str(found[0])
    assert text.startswith(f"{path}:6: node 'windowed' parameter 'window': ")

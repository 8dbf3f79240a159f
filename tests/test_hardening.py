"""Hostile and broken recipes fail fast, with featgraph's own errors naming the file and line.

Three parts: the YAML loader's limits (alias bombs, deep nesting, bad bytes, huge
files); the numeric ranges of every op's parameters (bounded in the schema, and
finite outputs at the bounds); and a seeded fuzzer that mutates the shipped
recipes' values, keys, references and text.  Every case runs under a deadline, so
a hang fails instead of stalling the suite.
"""
import contextlib
import random
import signal
import time
import warnings

import numpy as np
import pytest
import scipy.signal  # noqa: F401  (imported here, not under a deadline)

import yaml

import featgraph
from featgraph import AudioError, NodeError, RecipeError
from featgraph.engine.graph import build
from featgraph.engine.ops import registry
from featgraph.engine.scheduler import execute
from featgraph.engine.source import Source
from featgraph.engine.yamlsafe import MAX_DEPTH, MAX_RECIPE_BYTES
from featgraph.nodes.framing import PARAM_RANGES
from streamcheck import nan_outputs

SR = 16000


class Hang(BaseException):
    """Raised by :func:`deadline`; a BaseException, so no node wraps it in a NodeError."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise :class:`Hang` once this process has used ``seconds`` on each of two cores (its
    threads' CPU time, BLAS included), or after six times ``seconds`` of wall time (a blocked
    call uses no CPU).  CPU time, because a loaded machine (CI's two cores, other jobs)
    stretches the wall time of a case that does finish."""
    def expire(signum, frame):
        spent = f"2 x {seconds:g} s of CPU" if signum == signal.SIGPROF else f"{6 * seconds:g} s"
        raise Hang(f"still running after {spent} time")
    timers = ((signal.ITIMER_PROF, signal.SIGPROF, 2 * seconds),
              (signal.ITIMER_REAL, signal.SIGALRM, 6 * seconds))
    previous = [signal.signal(signum, expire) for _, signum, _ in timers]
    for timer, _, limit in timers:
        signal.setitimer(timer, limit)
    try:
        yield
    finally:
        for (timer, signum, _), handler in zip(timers, previous):
            signal.setitimer(timer, 0)
            signal.signal(signum, handler)


def load_problems(text, file="fuzz.yaml", seconds=2.0):
    """The problems ``from_yaml`` reports for ``text`` (it must report some)."""
    with deadline(seconds), pytest.raises(RecipeError) as info:
        featgraph.Recipe.from_yaml(text, file=file)
    return info.value.problems


def the_problem(text, **kw):
    found = load_problems(text, **kw)
    assert len(found) == 1, found
    assert found[0].file == "fuzz.yaml" and found[0].line is not None, found[0]
    return found[0]


# ------------------------------------------------------------------ the loader
def test_alias_bomb_is_refused_before_expansion():
    lol = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lol += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    text = "name: lol\n" + "\n".join(lol) + "\nnodes: {audio: {op: load}}\n"
    start = time.perf_counter()
    p = the_problem(text, seconds=1.0)
    assert time.perf_counter() - start < 1.0
    assert p.line == 2 and "anchors and aliases" in p.message


@pytest.mark.parametrize("text, line", [
    ("nodes:\n  audio: &src {op: load}\n", 2),
    ("params: {a: 1}\nnodes:\n  audio: {op: load, scale: *x}\n", 3),
    ("nodes:\n  audio:\n    op: load\n    <<: *base\n", 4),
])
def test_anchors_and_aliases_name_their_line(text, line):
    p = the_problem(text)
    assert p.line == line and "params:" in p.message


def nested_flow(depth):
    return "name: deep\nnodes:\n  a: {op: lifter, value: " + "[" * depth + "]" * depth + "}\n"


def nested_block(depth):
    body = "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth))
    return "name: deep\nnodes:\n" + body + "  " * (depth + 1) + "x: 1\n"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100, 1000, 5000, 200_000])
def test_deep_flow_nesting_is_refused_quickly(depth):
    p = the_problem(nested_flow(depth), seconds=1.0)
    assert p.line == 3 and f"deeper than {MAX_DEPTH}" in p.message


@pytest.mark.parametrize("depth", [MAX_DEPTH, 100, 900])
def test_deep_block_nesting_is_refused(depth):
    p = the_problem(nested_block(depth), seconds=1.0)
    assert f"deeper than {MAX_DEPTH}" in p.message
    assert p.line == MAX_DEPTH + 1      # nodes: is level 2, k0 level 3 on line 3, ...


@pytest.mark.parametrize("depth", [1, 10, MAX_DEPTH - 3])
def test_nesting_within_the_limit_reaches_validation(depth):
    recipe = featgraph.Recipe.from_yaml(nested_flow(depth), file="fuzz.yaml")
    with pytest.raises(RecipeError) as info:
        recipe.compile()
    assert [(p.node, p.param, p.line) for p in info.value.problems] == [("a", "value", 3)]
    found = load_problems(nested_block(depth))              # 'k0' is not a node
    assert found and all("deeper" not in p.message for p in found)


def test_invalid_utf8_names_file_and_line(write_recipe):
    path = write_recipe("x")
    path.write_bytes(b"name: t\nnodes:\n  audio: {op: load}\n  # caf\xe9 \xff\n")
    with pytest.raises(RecipeError) as info:
        featgraph.load(path)
    (p,) = info.value.problems
    assert (p.file, p.line) == (str(path), 4)
    assert "not UTF-8" in p.message and "0xe9" in p.message and "column 8" in p.message


def test_a_utf8_bom_is_fine_and_bytes_are_decoded(write_recipe):
    path = write_recipe("x")
    path.write_bytes(b"\xef\xbb\xbfname: t\nnodes:\n  audio: {op: load}\n")
    assert featgraph.load(path).name == "t"
    assert featgraph.Recipe.from_yaml("name: caf\u00e9\nnodes: {}\n".encode()).name == "caf\u00e9"


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(RecipeError) as info:
        featgraph.load(tmp_path / "nope.yaml")
    assert info.value.problems[0].file == str(tmp_path / "nope.yaml")


def test_control_characters_name_their_line():
    p = the_problem("name: t\nnodes:\n  audio: {op: load}\n  bad: \x07\n")
    assert p.line == 4 and "#x0007" in p.message


def test_huge_file_is_refused_without_reading_it_all(write_recipe):
    path = write_recipe("name: big\nnodes:\n  audio: {op: load}\n" + "# padding\n" * 200_000)
    assert path.stat().st_size > MAX_RECIPE_BYTES
    with deadline(1.0), pytest.raises(RecipeError) as info:
        featgraph.load(path)
    (p,) = info.value.problems
    assert p.file == str(path) and p.line is not None and "larger than 1 MiB" in p.message


@pytest.mark.parametrize("text, line, words", [
    ("nodes:\n  lift: {op: lifter, value: " + "9" * 5000 + "}\n", 2, "cannot read the value"),
    ("name: 2001-02-30\nnodes: {}\n", 1, "day is out of range"),
    ("nodes: {}\n---\nnodes: {}\n", 2, "another document"),
    ("nodes: !!binary abc\n", 1, "base64"),
    ("nodes: !!python/name:os.system\n", 1, "python/name"),
])
def test_bad_scalars_and_documents(text, line, words):
    p = the_problem(text)
    assert p.line == line and words in p.message


def test_non_string_keys_get_their_own_line():
    found = load_problems("name: t\nnodes:\n  audio: {op: load}\n  1: {op: load}\n"
                          "params: {2: 3}\n")
    assert sorted(p.line for p in found) == [4, 5]


# -------------------------------------------------------------- numeric ranges
def numeric_schemas(model):
    """``(parameter, schema)`` for every integer or number a model's parameter admits."""
    for name, prop in model.model_json_schema()["properties"].items():
        for sub in prop.get("anyOf", [prop]):
            if sub.get("type") in ("integer", "number"):
                yield name, sub


def test_every_numeric_parameter_is_bounded_on_both_sides():
    unbounded = [f"{op}.{name}" for op, model in registry().items()
                 for name, sub in numeric_schemas(model)
                 if not ({"minimum", "exclusiveMinimum"} & set(sub)
                         and {"maximum", "exclusiveMaximum"} & set(sub))]
    assert not unbounded, f"parameters without a lower and an upper bound: {unbounded}"


def extremes(sub):
    """The admissible values at the two ends of a bounded numeric schema."""
    lo = sub.get("minimum", sub.get("exclusiveMinimum"))
    hi = sub.get("maximum", sub.get("exclusiveMaximum"))
    if sub["type"] == "integer":
        return [lo + ("exclusiveMinimum" in sub), hi - ("exclusiveMaximum" in sub)]
    return [float(np.nextafter(lo, np.inf)) if "exclusiveMinimum" in sub else float(lo),
            float(np.nextafter(hi, -np.inf)) if "exclusiveMaximum" in sub else float(hi)]


def signals():
    t = np.arange(SR // 10) / SR
    speech, sr = featgraph.example("speech"), SR
    import soundfile

    y = soundfile.read(str(speech), frames=SR // 10, start=SR)[0]
    square = np.clip(3 * np.sign(np.sin(2 * np.pi * 440 * t)), -1, 1)
    return {"speech": y, "zeros": np.zeros(SR // 10), "square": square,
            "stereo": np.stack([y, square])}


SIGNALS = signals()


def run_checked(data, label, sources={k: SIGNALS[k] for k in ("speech", "zeros", "square")}):
    """Validate ``data`` (a recipe as plain data) and run it: featgraph errors or finite output."""
    text = yaml.safe_dump(data, sort_keys=False)
    try:
        with deadline(5.0):
            plan = build([featgraph.Recipe.from_yaml(text, file="fuzz.yaml")])
    except RecipeError as exc:
        assert all(p.file == "fuzz.yaml" for p in exc.problems), (label, exc)
        return "invalid"
    return "ran" if run_checked_plan(plan, label, text, sources, nan_outputs(data)) else "node"


def run_checked_plan(plan, label, text, sources, nan_ok=frozenset()):
    ok = True
    for name, y in sources.items():
        try:
            with deadline(5.0):
                result = execute(plan, Source.of(y, SR))
        except (NodeError, AudioError) as exc:
            cause = getattr(exc, "cause", exc)
            assert isinstance(cause, ValueError), f"{label} on {name}: {exc!r}\n{text}"
            assert "NaN" not in str(cause), f"{label} on {name}: non-finite inside: {exc}\n{text}"
            ok = False
            continue
        for out, arr in result.items():
            finite = np.isfinite(arr) | (np.isnan(arr) if out in nan_ok else False)
            assert finite.all(), f"{label} on {name}: {out} is not finite\n{text}"
    return ok


def shipped_data():
    return {name: yaml.safe_load(path.read_text()) for name, path in featgraph.shipped().items()}


def test_shipped_recipes_at_every_parameter_bound():
    """Each numeric parameter of each shipped node at its lowest and highest admissible value:
    a clear error or a finite result, and no floating-point warning on the way (numpy's
    RuntimeWarnings become errors here, so an overflow that happens to end in a finite
    result or a misleading message fails the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        outcomes = _every_parameter_bound()
    assert outcomes.count("ran") > len(outcomes) // 2, "most bounds should validate and run"


def _every_parameter_bound():
    ops = registry()
    outcomes, seen = [], set()
    for rname, data in shipped_data().items():
        for node, body in data["nodes"].items():
            if body["op"] in seen:          # each op once, in the first recipe that has it
                continue
            seen.add(body["op"])
            model = ops[body["op"]]
            for param, sub in numeric_schemas(model):
                for value in extremes(sub):
                    mutant = yaml.safe_load(yaml.safe_dump(data))
                    mutant["nodes"][node][param] = value
                    outcomes.append(run_checked(mutant, f"{rname}.{node}.{param}={value!r}"))
            if body["op"] == "window":
                for window, (lo, hi, open_lo, _) in PARAM_RANGES.items():
                    for value in (float(np.nextafter(lo, np.inf)) if open_lo else lo, hi):
                        mutant = yaml.safe_load(yaml.safe_dump(data))
                        mutant["nodes"][node].update(window=window, param=value)
                        outcomes.append(run_checked(mutant, f"{rname}.{node}={window}({value})"))
    return outcomes


@pytest.mark.parametrize("node, param, value, words", [
    ("plp", "value", 1e308, "less than or equal to 1000"),
    ("plp", "value", 5.0, "lifter exponent above 4"),
    ("plp", "value", ".inf", "less than or equal to 1000"),
    ("plp", "value", ".nan", "(got nan)"),
    ("frames", "length", 10 ** 12, "less than or equal to 1048576"),
    ("spectrum", "n_fft", 2 ** 40, "less than or equal to 65536"),
    ("windowed", "param", 0.5, "window 'hanning' takes no parameter"),
    ("lpc", "order", 10 ** 30, "less than or equal to 1024"),
])
def test_out_of_range_values_are_recipe_errors(write_recipe, node, param, value, words):
    data = yaml.safe_load(featgraph.shipped()["plp"].read_text())
    data["nodes"][node][param] = value
    dumped = yaml.safe_dump(data).replace(f"'{value}'", str(value))   # .inf/.nan as YAML floats
    with pytest.raises(RecipeError) as info:
        featgraph.load(write_recipe(dumped)).compile()
    (p,) = info.value.problems
    assert (p.node, p.param) == (node, param) and p.line is not None
    assert words in p.message


@pytest.mark.parametrize("win, words", [("100000s", "more than 1048576 samples"),
                                        ("5s", "FFT of 131072 points")])
def test_sizes_too_large_for_the_signal_rate_fail_clearly(win, words):
    y = np.zeros(6 * SR)
    with pytest.raises(NodeError, match=words) as info:
        featgraph.load("plp").run(y, sr=SR, win=win)
    assert isinstance(info.value.cause, ValueError)


@pytest.mark.parametrize("rname, node, param, value, words", [
    ("audioflux_bundle", "chroma", "octwidth", 1e-300, "octave weight of zero"),
    ("beats", "tracker", "std_bpm", 1e-300, "excludes every tempo"),
    ("pwt", "pwt", "fmin", 1e-300, "contains a bin"),
    ("vqt", "vqt", "gamma", 1e4, "under one sample long"),
    ("vqt", "vqt", "filter_scale", 1e-300, "raise filter_scale"),
    ("gtcc", "bands", "bandwidth", 1e-300, "a wider bandwidth"),
    ("lfcc", "bands", "fmax", 1e-300, "widen fmin-fmax"),
])
def test_degenerate_parameters_fail_naming_the_fix(rname, node, param, value, words):
    """Values that validate but leave nothing to compute (every weight zero, a prior that
    excludes every tempo, filters under a sample) are errors that name the parameter to
    change, not all-zero outputs or a library's message."""
    data = shipped_data()[rname]
    data["nodes"][node][param] = value
    plan = build([featgraph.Recipe.from_yaml(yaml.safe_dump(data), file="x.yaml")])
    import soundfile

    y = soundfile.read(str(featgraph.example("speech")), frames=4 * SR)[0]   # 4 s: a tempo
    with pytest.raises(NodeError) as info:
        execute(plan, Source.of(y, SR))
    assert isinstance(info.value.cause, ValueError) and words in str(info.value.cause)


# ------------------------------------------------------------------- the fuzzer
ODD_VALUES = [0, -1, 1, 2, 3.5, 400, 65536, 1e308, -1e308, 1e-320, 10 ** 30, 2 ** 63,
              float("nan"), float("inf"), "nan", "NaN", "-inf", "", "abc", "1e12s", "0ms",
              "99999s", "-5ms", [], {}, [1, 2], {"a": 1}, None, True, False, "${nope}",
              "${order}", "${win}", "pow2", "hann", "2001-02-30", "x" * 300, "all", "first",
              "float32", "sinusoidal", "center", "reflect", "1ms", "5s", "0.5s", "kaiser"]
SCALES = [0, -1, 1e-9, 1e-3, 0.5, 0.9, 1.1, 2, 10, 1000, 1e9]
SPECIAL_TEXT = ["[", "]", "{", "}", ":", ": ", "- ", "&a ", "*a", "!!int ", "\t", "'", '"',
                "#", "\n", "${", "\x00", "\u2028", "%", "@", "|", ">", "? "]


def typo(rng, word):
    word = str(word)
    i = rng.randrange(len(word) + 1)
    return rng.choice([word[:i] + word[i + 1:], word[:i] + "x" + word[i:],
                       word[:i] + word[i:][::-1][:1] + word[i + 1:], word.upper(), word + "_"])


def mappings(data, path=()):
    """Every (path, mapping) inside ``data``."""
    if isinstance(data, dict):
        yield path, data
        for k, v in data.items():
            yield from mappings(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from mappings(v, path + (i,))


def admissible(rng, schema):
    """A random value that ``schema`` (one parameter of an op) accepts, mostly near its ends."""
    sub = rng.choice(schema.get("anyOf", [schema]))
    if "enum" in sub or "const" in sub:
        return rng.choice(sub.get("enum", [sub.get("const")]))
    if sub.get("type") == "boolean":
        return rng.random() < 0.5
    if sub.get("type") in ("integer", "number"):
        lo, hi = extremes(sub)
        if rng.random() < 0.3:
            return rng.choice([lo, hi])
        span = np.log1p(hi - lo) * rng.random() ** 3     # mostly small offsets from lo
        value = lo + np.expm1(span)
        return int(min(value, hi)) if sub["type"] == "integer" else float(min(value, hi))
    if sub.get("type") == "string":
        return rng.choice(["25ms", "1ms", "0.1s", "7s", "pow2"])
    return None


def mutate_data(rng, data, names):
    """One random change to a recipe's values, keys or references (in place)."""
    nodes = data.get("nodes") if isinstance(data.get("nodes"), dict) else {}
    node_names = [n for n in nodes if isinstance(nodes[n], dict)]
    kind = rng.choice(["value", "value", "number", "field", "field", "field", "key", "drop",
                       "op", "input", "input", "output", "include", "param"])
    _, mapping = rng.choice(list(mappings(data)))
    numbers = [(m, k) for _, m in mappings(data) for k, v in m.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if kind == "value" and mapping:
        mapping[rng.choice(list(mapping))] = rng.choice(ODD_VALUES)
    elif kind == "number" and numbers:         # a scaled number: often still valid, so it runs
        m, k = rng.choice(numbers)
        m[k] = type(m[k])(m[k] * rng.choice(SCALES)) if abs(m[k]) < 1e12 else 0
    elif kind == "field" and node_names:       # any parameter of the op, any admissible value
        body = nodes[rng.choice(node_names)]
        model = registry().get(body.get("op"))
        if model is not None:
            props = model.model_json_schema()["properties"]
            field = rng.choice([f for f in props if f != "op"] or ["op"])
            body[field] = admissible(rng, props[field])
    elif kind == "key" and mapping:
        key = rng.choice(list(mapping))
        mapping[typo(rng, key)] = mapping.pop(key)
    elif kind == "drop" and mapping:
        mapping.pop(rng.choice(list(mapping)))
    elif kind == "op" and node_names:
        body = nodes[rng.choice(node_names)]
        body["op"] = rng.choice([typo(rng, body.get("op", "x")), rng.choice(list(registry()))])
    elif kind == "input" and node_names:
        body = nodes[rng.choice(node_names)]
        target = rng.choice(node_names + ["nowhere"])
        body["input"] = rng.choice([target, f"{target}:error", f"{target}:nope", [target, target],
                                    typo(rng, target), 7, None])
        body.pop("inputs", None)
    elif kind == "output":
        data["outputs"] = rng.choice([[rng.choice(node_names + ["ghost"])], {"x": "lpc:error"},
                                      {"y": "lpc:nope"}, "plp", [], None, {"z": ["a"]}])
    elif kind == "include":
        data["include"] = [rng.choice([{"recipe": rng.choice(names), "as": "inc"},
                                       {"recipe": "fuzz.yaml"},            # itself: a cycle
                                       {"recipe": "plp", "with": {"nope": 1}},
                                       {"recipe": "plp", "as": "a/b"}, "missing.yaml", 5])]
    elif kind == "param":
        params = data.setdefault("params", {}) if isinstance(data.get("params"), dict) else {}
        if params:
            params[rng.choice(list(params))] = rng.choice(ODD_VALUES)


def mutate_text(rng, text):
    """One random change to the YAML text (characters, lines, bytes)."""
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(text) + 1)
    kind = rng.randrange(6)
    if kind == 0:
        return text[:i] + rng.choice(SPECIAL_TEXT) + text[i:]
    if kind == 1:
        return text[:i] + text[i + rng.randrange(1, 20):]
    if kind == 2:                                             # a duplicated line: a duplicate key
        j = rng.randrange(len(lines))
        return "".join(lines[:j + 1] + lines[j:])
    if kind == 3:
        return text[:i]
    if kind == 4:
        return (text[:i].encode() + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80"])
                + text[i:].encode())
    j = rng.randrange(len(lines))
    return "".join(lines[:j] + [" " * rng.randrange(1, 5) + lines[j]] + lines[j + 1:])


def check_mutant(path, label, sources):
    """Load, build and run the recipe file at ``path`` under the fuzzer's rules."""
    text = path.read_bytes().decode("utf-8", "replace")
    with deadline(5.0):
        try:
            recipe = featgraph.load(path)
        except RecipeError as exc:
            bad = [p for p in exc.problems if p.file != str(path) or p.line is None]
            assert not bad, f"{label}: load errors without file and line: {bad}\n{text}"
            return "load"
        try:
            plan = build([recipe])
        except RecipeError as exc:
            assert all(p.file for p in exc.problems), f"{label}: {exc}\n{text}"
            return "build"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    nan_ok = nan_outputs(data) if isinstance(data, dict) else set()
    return "ran" if run_checked_plan(plan, label, text, sources, nan_ok) else "node"


@pytest.mark.parametrize("seed", range(3))
def test_fuzzed_recipes_fail_only_with_featgraph_errors(seed, tmp_path):
    rng = random.Random(seed)
    originals = {name: path.read_text() for name, path in featgraph.shipped().items()}
    names = sorted(originals)
    sources = {k: SIGNALS[k] for k in ("speech", "zeros", "stereo")}
    path = tmp_path / "fuzz.yaml"
    outcomes = []
    for i in range(40):
        name = rng.choice(names)
        if i % 3:
            data = yaml.safe_load(originals[name])
            for _ in range(rng.randint(1, 3)):
                mutate_data(rng, data, names)
            path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        else:
            text = originals[name]
            for _ in range(rng.randint(1, 3)):
                text = mutate_text(rng, text if isinstance(text, str) else
                                   text.decode("utf-8", "replace"))
            path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8",
                                                                              "surrogatepass"))
        outcomes.append(check_mutant(path, f"seed {seed} mutant {i} of {name}", sources))
    # The fuzzer must reach every stage, or it is not testing much.
    assert {"load", "build"} <= set(outcomes), outcomes
    assert "ran" in outcomes or "node" in outcomes, outcomes

"""The ``featgraph`` command.

::

    featgraph run plp speech.wav -o speech.npz
    featgraph run my_recipe.yaml a.wav b.flac -o out/ --set n_fft=1024
    featgraph run plp rasta_plp speech.wav --report     # several recipes, shared nodes once
    featgraph validate my_recipe.yaml
    featgraph list                                      # shipped recipes, every op and its parameters
    featgraph show plp                                  # the graph as text and as a mermaid diagram
    featgraph show plp rasta_plp --format png -o g.png  # dot, mermaid or png; shared nodes marked
    featgraph plot spectral_features speech.wav -o fig.png   # every output against time

Exit status: 0 on success, 1 when a recipe is invalid or any input file failed
(the others are still processed), 2 for a usage error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from .engine.errors import RecipeError

    try:
        return args.func(args)
    except RecipeError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="featgraph", description="Audio features from "
                                "declarative recipes.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run recipes on audio files",
                         description="Run one or more recipes (shipped names or YAML files) on "
                                     "audio files. Recipes come first, then audio files.")
    run.add_argument("items", nargs="+", metavar="RECIPE... AUDIO...")
    run.add_argument("-o", "--output", help="an .npz file (one input), or a folder that gets "
                                            "<stem>.npz per input; omit to only print shapes")
    _add_set(run)
    run.add_argument("--report", action="store_true", help="print the per-node report")
    run.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check recipes without running them")
    val.add_argument("recipes", nargs="+", metavar="RECIPE")
    _add_set(val)
    val.set_defaults(func=cmd_validate)

    lst = sub.add_parser("list", help="shipped recipes and every op with its parameters")
    fmt = lst.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="the node JSON schema instead")
    fmt.add_argument("--markdown", action="store_true", help="the op reference of docs/ops.md")
    lst.set_defaults(func=cmd_list)

    show = sub.add_parser("show", help="print a recipe's graph as text and as mermaid")
    show.add_argument("recipes", nargs="+", metavar="RECIPE")
    _add_set(show)
    fmt = show.add_mutually_exclusive_group()
    fmt.add_argument("--text", action="store_true", help="text only")
    fmt.add_argument("--mermaid", action="store_true", help="mermaid only")
    fmt.add_argument("--format", choices=["text", "mermaid", "dot", "png"],
                     help="one format; png needs -o and matplotlib (featgraph[plot])")
    show.add_argument("-o", "--output", help="write to this file instead of printing")
    show.set_defaults(func=cmd_show)

    plot = sub.add_parser("plot", help="draw a recipe's outputs on one file as a PNG",
                          description="Run a recipe on one audio file and draw every output "
                                      "against time: spectrograms as images on their "
                                      "frequency axis, cepstra as images, per-frame features "
                                      "as curves. Needs matplotlib (featgraph[plot]).")
    plot.add_argument("recipe", metavar="RECIPE")
    plot.add_argument("audio", metavar="AUDIO")
    plot.add_argument("-o", "--output", required=True, help="the PNG to write")
    plot.add_argument("--size", metavar="WxH", help="picture size in pixels, e.g. 1200x900")
    _add_set(plot)
    plot.set_defaults(func=cmd_plot)
    return p


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a recipe parameter (YAML value: 1024, 25ms, null, true)")


# ------------------------------------------------------------------- commands
def cmd_run(args) -> int:
    from . import Recipe
    from .engine.errors import AudioError, NodeError
    from .engine.runner import compile_plan
    from .engine.scheduler import execute
    from .engine.source import Source

    recipe_args, audio = _split_items(args.items)
    if not recipe_args:
        return _usage(f"'{args.items[0]}' is neither a recipe file nor a shipped recipe "
                      "(see `featgraph list`)")
    if not audio:
        return _usage("no audio file given, e.g. `featgraph run plp speech.wav -o out.npz`")
    recipes = _with_overrides([Recipe.load(r) for r in recipe_args], args.set)
    plan = compile_plan(recipes, {})
    targets = _targets(audio, args.output)
    if targets is None:
        return _usage("-o FILE.npz takes one input; give a folder for several")
    failed = 0
    for path, target in zip(audio, targets):
        try:
            result = execute(plan, Source.of(path))
            if target is not None:
                result.save(target)
        except (NodeError, AudioError, OSError) as exc:
            failed += 1
            print(f"error: {path}: {exc}", file=sys.stderr)
            continue
        if not args.quiet:
            shapes = "  ".join(f"{k} {tuple(v.shape)}" for k, v in result.items())
            dest = f" -> {target}" if target is not None else ""
            print(f"{path}{dest}  {shapes}  ({result.report.seconds * 1e3:.1f} ms)")
        if args.report:
            print(result.report)
    if failed and not args.quiet:
        print(f"{failed} of {len(audio)} input(s) failed", file=sys.stderr)
    return 1 if failed else 0


def cmd_validate(args) -> int:
    from . import Recipe
    from .engine.graph import build

    recipes = _with_overrides([Recipe.load(r) for r in args.recipes], args.set)
    plan = build(recipes)
    n_names = sum(len(plan.step(k).names) for k in plan.order)
    outs = ", ".join(f"{o} ({plan.step(k).kinds[p or next(iter(plan.step(k).kinds))].label})"
                     for o, (k, p) in plan.outputs.items())
    files = ", ".join(r.file or r.name for r in recipes)
    print(f"ok: {files}: {n_names} nodes, {len(plan.order)} to compute; outputs: {outs}")
    return 0


def cmd_list(args) -> int:
    import json

    from .engine.ops import schema
    from .engine.recipe import Recipe, shipped

    if args.json:
        print(json.dumps(schema(), indent=1))
        return 0
    if args.markdown:
        print(ops_markdown())
        return 0
    print("Shipped recipes (featgraph run NAME AUDIO):")
    for name, path in shipped().items():
        desc = Recipe.load(path).description.split(":")[0].split(". ")[0]
        print(f"  {name:<12} {desc}")
    print("\nOps (consumes -> produces):")
    for op, model, ins, outs, fields in _op_table():
        print(f"\n  {op}: {ins} -> {outs}\n      {model.summary()}")
        for name, type_, default, desc in fields:
            print(f"      {name:<14} {type_}, {default}.{'  ' + desc if desc else ''}")
    return 0


def ops_markdown() -> str:
    """The op reference (docs/ops.md), generated from the parameter models."""
    import inspect

    lines = ["# Op reference", "", "Generated by `featgraph list --markdown` from the "
             "parameter models; do not edit by hand.", ""]
    for op, model, ins, outs, fields in _op_table():
        lines += [f"## `{op}`", "", f"*{ins} → {outs}*", "",
                  inspect.cleandoc(model.__doc__ or ""), ""]
        if fields:
            lines += ["| parameter | type | default | meaning |", "| --- | --- | --- | --- |"]
            lines += [f"| `{n}` | {t.replace('|', ' or ')} | {d} | {m} |"
                      for n, t, d, m in fields]
            lines.append("")
    return "\n".join(lines)


def _op_table():
    from .engine.ops import registry

    for op, model in registry().items():
        ins = ", ".join(k.label for k in model.consumes) or "source"
        outs = ", ".join(f"{port}: {k.label}" if port else (k.label if k else "same as input")
                         for port, k in model.ports().items())
        fields = [(name, _type_label(f.annotation),
                   "required" if f.is_required() else f"default {f.default!r}",
                   f.description or "")
                  for name, f in model.model_fields.items() if name != "op"]
        yield op, model, ins, outs, fields


def cmd_show(args) -> int:
    from . import Recipe
    from .engine.graph import build

    from .plot import graph_dot, graph_mermaid, graph_png

    plan = build(_with_overrides([Recipe.load(r) for r in args.recipes], args.set))
    fmt = args.format or ("text" if args.text else "mermaid" if args.mermaid else None)
    if fmt == "png":
        if not args.output:
            return _usage("--format png writes a file: give -o FILE.png")
        graph_png(plan, args.output)
        return 0
    text = {"text": plan.to_text, "mermaid": lambda: graph_mermaid(plan),
            "dot": lambda: graph_dot(plan),
            None: lambda: plan.to_text() + "\n\n" + graph_mermaid(plan)}[fmt]()
    if args.output:
        Path(args.output).write_text(text + "\n")
    else:
        print(text)
    return 0


def cmd_plot(args) -> int:
    from . import Recipe
    from .engine.errors import AudioError, NodeError
    from .plot import plot_result

    size = None
    if args.size:
        w, sep, h = args.size.lower().partition("x")
        if not (sep and w.isdigit() and h.isdigit() and int(w) >= 100 and int(h) >= 100):
            return _usage(f"--size takes WIDTHxHEIGHT in pixels (>= 100 each), got '{args.size}'")
        size = (int(w), int(h))
    recipe = _with_overrides([Recipe.load(args.recipe)], args.set)[0]
    try:
        result = recipe.run(args.audio)
    except (NodeError, AudioError, OSError) as exc:
        print(f"error: {args.audio}: {exc}", file=sys.stderr)
        return 1
    path = plot_result(result.features, args.output, size,
                       title=f"{recipe.name}: {Path(args.audio).name}")
    print(f"{path}: {', '.join(result.features)}")
    return 0


# -------------------------------------------------------------------- helpers
def _split_items(items: list[str]) -> tuple[list[str], list[str]]:
    """Leading recipes (YAML paths or shipped names), then audio files."""
    from .engine.recipe import shipped

    names = shipped()
    recipes: list[str] = []
    for i, item in enumerate(items):
        is_yaml = item.endswith((".yaml", ".yml"))
        if is_yaml or (item in names and not Path(item).is_file()):
            recipes.append(item)
        else:
            return recipes, items[i:]
    return recipes, []


def _with_overrides(recipes, settings: list[str]):
    import yaml

    from .engine.errors import Problem, RecipeError
    from .engine.recipe import with_overrides

    values = {}
    for item in settings:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise RecipeError(Problem(f"--set takes NAME=VALUE, got '{item}'", "<command line>"))
        try:
            values[name.strip()] = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            values[name.strip()] = text
    return with_overrides(recipes, values, "--set")


def _targets(audio: list[str], output: str | None) -> list[Path | None] | None:
    if output is None:
        return [None] * len(audio)
    out = Path(output)
    if out.suffix == ".npz" and not out.is_dir():
        return [out] if len(audio) == 1 else None
    stems = [Path(a).stem for a in audio]
    clash = {s for s in stems if stems.count(s) > 1}
    return [out / ((Path(a).name if s in clash else s) + ".npz") for a, s in zip(audio, stems)]


def _type_label(annotation) -> str:
    import typing

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return "|".join(repr(a) for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type_label(a) for a in args)
    if origin is typing.Annotated or (args and hasattr(annotation, "__metadata__")):
        return _type_label(args[0])
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _usage(message: str) -> int:
    print(f"featgraph: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

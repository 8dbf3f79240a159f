"""The ``featgraph`` command.

::

    featgraph run plp speech.wav -o speech.npz
    featgraph run my_recipe.yaml a.wav b.flac -o out/ --set n_fft=1024
    featgraph run plp rasta_plp speech.wav --report     # several recipes, shared nodes once
    featgraph run mfcc39 corpus/ -o features/ --jobs 2  # a corpus, resumable (docs/corpus.md)
    featgraph run mfcc39 wav.scp -o feats.h5 --scheduler tcp://host:8786   # on a Dask cluster
    featgraph validate my_recipe.yaml
    featgraph list                                      # shipped recipes, every op and its parameters
    featgraph show plp                                  # the graph as text and as a mermaid diagram
    featgraph show plp rasta_plp --format png -o g.png  # dot, mermaid or png; shared nodes marked
    featgraph plot spectral_features speech.wav -o fig.png   # every output against time
    featgraph schema -o recipe.schema.json              # JSON Schema of recipe files, for editors
    featgraph run mfcc39 a.wav --cache DIR --report     # reuse node outputs (docs/cache.md)
    featgraph cache info                                # plan and feature caches: size, limit
    featgraph cache clear [--plans | --features]

Exit status: 0 on success, 1 when a recipe is invalid or any input file failed
(the others are still processed; one ``error: PATH: reason`` line each, and a line in
the failures log), 2 for a usage error (also: two inputs that would be written to the
same output, a piped ``wav.scp``), 130 after Ctrl-C (rerun to resume).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli_cache import add_cache_command, add_cache_options, feature_cache


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
    p.add_argument("--version", action=_Version, help="print the version and which kernels "
                   "run (C, or their numpy references), then exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run recipes on audio files",
                         description="Run one or more recipes (shipped names or YAML files) on "
                                     "audio files. Recipes come first, then audio files.")
    run.add_argument("items", nargs="+", metavar="RECIPE... AUDIO...",
                     help="audio: files, folders (searched recursively for audio "
                          "extensions), text lists (.txt/.lst: one path per line) or a "
                          "Kaldi wav.scp (.scp)")
    run.add_argument("-o", "--output", help="an .npz file (one input); a folder that gets "
                                            "<stem>.npz per input, mirroring the inputs' "
                                            "folders; FILE.h5 (one HDF5 store); "
                                            "ark:FILE.ark,scp:FILE.scp (Kaldi); FILE.parquet "
                                            "(per-file statistics, see --summary); omit to "
                                            "only print shapes")
    run.add_argument("--summary", metavar="STATS",
                     help="statistics per coefficient for -o FILE.parquet: mean, std, min, "
                          "max, slope, pNN percentiles (default mean,std,min,max); an "
                          "output that is already one named vector per file (egemaps) is "
                          "written as is, one column per name")
    run.add_argument("-j", "--jobs", type=int, default=1,
                     help="local worker processes (default 1: this process)")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on a Dask cluster (tcp://host:8786; featgraph[dask])")
    run.add_argument("--failures", metavar="FILE.jsonl",
                     help="the failures log (default: OUTPUT.failures.jsonl beside the "
                          "output folder or store)")
    run.add_argument("--retry-failed", action="store_true",
                     help="retry inputs that failed before (otherwise skipped until changed)")
    _add_set(run)
    run.add_argument("--report", action="store_true", help="print the per-node report")
    run.add_argument("--format", choices=("features-first", "frames-first"),
                     default="features-first",
                     help="array layout written: (..., features, frames) as librosa (default), "
                          "or (..., frames, features) as most models take it")
    run.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    run.add_argument("-v", "--verbose", action="store_true",
                     help="a line per file, also under the progress bar and for skipped ones")
    add_cache_options(run)
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

    sch = sub.add_parser("schema", help="write the JSON Schema of recipe files (for editors)",
                         description="Write the JSON Schema of recipe files: point an editor "
                                     "at it (first line of a recipe: '# yaml-language-server: "
                                     "$schema=recipe.schema.json') for completion and checks.")
    sch.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    sch.set_defaults(func=cmd_schema)

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

    add_cache_command(sub)
    return p


class _Version(argparse.Action):
    """``--version``: imports the kernels only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from . import __version__, native

        print(f"featgraph {__version__} (kernels: {native.backend_description()})")
        parser.exit()


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a recipe parameter (YAML value: 1024, 25ms, null, true)")


# ------------------------------------------------------------------- commands
def cmd_run(args) -> int:
    from .engine import corpus, writers
    from .engine.runner import compile_plan

    recipe_args, audio = _split_items(args.items)
    if not recipe_args:
        return _usage(f"'{args.items[0]}' is neither a recipe file nor a shipped recipe "
                      "(see `featgraph list`)")
    if not audio:
        return _usage("no audio file given, e.g. `featgraph run plp speech.wav -o out.npz`")
    if args.jobs < 1:
        return _usage(f"--jobs takes a positive number, got {args.jobs}")
    recipes = _with_overrides(_load_recipes(recipe_args), args.set)
    plan = compile_plan(recipes, {})
    try:
        cache = feature_cache(args)
        if args.scheduler:
            writers.need("distributed")
        job, items, store = corpus.prepare(plan, audio, args.output, args.summary,
                                           args.format == "frames-first", cache=cache)
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        return _usage(str(exc))
    log = args.failures or _default_log(args.output, store)
    progress = _Progress(len(items), args)
    try:
        summary = corpus.run_corpus(job, items, store, args.jobs, args.scheduler, log,
                                    args.retry_failed, keep=args.report,
                                    on_status=progress.update)
    finally:
        progress.close()
    failed = len(summary.failed)
    if not args.quiet and (len(items) > 1 or args.verbose):
        print(summary, file=sys.stderr)
    if failed and not args.quiet:
        where = f"; failures logged in {log}" if log else ""
        print(f"{failed} of {len(items)} input(s) failed{where}", file=sys.stderr)
    return 1 if failed else 0


def _default_log(output: str | None, store) -> str | None:
    """``<output>.failures.jsonl`` beside the output folder or store; none for one
    ``.npz`` or no output."""
    if store is not None:
        return str(store.path.with_name(store.path.name + ".failures.jsonl"))
    if output and not output.endswith(".npz"):
        out = Path(output)
        return str(out.with_name(out.name + ".failures.jsonl"))
    return None


class _Progress:
    """A tqdm bar (files, audio hours per second, ETA) on a terminal; per-file lines
    when not on one (or with ``--verbose``); errors always, unless ``--quiet``."""

    def __init__(self, total: int, args):
        import time

        self.args, self.start, self.audio = args, time.perf_counter(), 0.0
        self.total = total
        self.bar = None
        if total > 1 and not args.quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True,
                            smoothing=0.05)

    def update(self, status: dict) -> None:
        import time

        args = self.args
        self.audio += status.get("audio_seconds", 0.0)
        line, err = None, False
        if status["status"] == "failed":
            again = " (as in the previous run; --retry-failed to retry)" \
                if status.get("known") else ""
            line, err = f"error: {status['path']}: {status.get('reason', '')}{again}", True
        elif status["status"] == "skipped":      # said for one input, or when verbose
            line = f"{status['path']}: up to date" if args.verbose or (
                self.total == 1 and not args.quiet) else None
        elif not args.quiet and (args.verbose or self.bar is None):
            shapes = "  ".join(f"{k} {tuple(v)}" for k, v in status.get("shapes", {}).items())
            dest = f" -> {status['target']}" if status.get("target") else ""
            line = f"{status['path']}{dest}  {shapes}  ({status['seconds'] * 1e3:.1f} ms)"
        if line and not (args.quiet and not err):
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr if err else sys.stdout)
            else:
                print(line, file=sys.stderr if err else sys.stdout)
        if args.report and "result" in status:
            print(status["result"].report)
        if self.bar is not None:
            elapsed = max(time.perf_counter() - self.start, 1e-9)
            self.bar.set_postfix_str(f"{self.audio / 3600 / elapsed:.3f} audio h/s",
                                     refresh=False)
            self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_validate(args) -> int:
    from .engine.graph import build

    recipes = _with_overrides(_load_recipes(args.recipes), args.set)
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
    recipes = shipped()
    width = max(map(len, recipes), default=0)
    print("Shipped recipes (featgraph run NAME AUDIO), by family:")
    for family in sorted({path.parent.name for path in recipes.values()}):
        print(f"\n  {family}/")
        for name, path in recipes.items():
            if path.parent.name == family:
                print(f"    {name:<{width}}  {_headline(Recipe.load(path).description)}")
    print("\nOps (consumes -> produces):")
    for op, model, ins, outs, fields in _op_table():
        print(f"\n  {op}: {ins} -> {outs}\n      {model.summary()}")
        for name, type_, default, desc in fields:
            print(f"      {name:<14} {type_}, {default}.{'  ' + desc if desc else ''}")
    return 0


def _headline(description: str, width: int = 72) -> str:
    """The description's first sentence (a full stop before a space and a capital, or a
    colon), cut to ``width`` characters."""
    import re

    first = re.split(r"(?<=[a-z0-9)])[.:](?=\s+[A-Z`(])|:\s", " ".join(description.split()), 1)[0]
    return first if len(first) <= width else first[:width - 1].rstrip() + "…"


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
        ins += ", ..." if model.variadic else ""
        outs = ", ".join((f"{port}: " if port else "") + (k.label if k else "same as input")
                         for port, k in model.ports().items())
        fields = [(name, _type_label(f.annotation),
                   "required" if f.is_required() else f"default {f.default!r}",
                   f.description or "")
                  for name, f in model.model_fields.items() if name != "op"]
        yield op, model, ins, outs, fields


def cmd_show(args) -> int:
    from .engine.graph import build
    from .plot import graph_dot, graph_mermaid, graph_png

    plan = build(_with_overrides(_load_recipes(args.recipes), args.set))
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
    from .engine.errors import AudioError, NodeError
    from .plot import plot_result

    size = None
    if args.size:
        w, sep, h = args.size.lower().partition("x")
        if not (sep and w.isdigit() and h.isdigit() and int(w) >= 100 and int(h) >= 100):
            return _usage(f"--size takes WIDTHxHEIGHT in pixels (>= 100 each), got '{args.size}'")
        size = (int(w), int(h))
    recipe = _with_overrides(_load_recipes([args.recipe]), args.set)[0]
    try:
        result = recipe.run(args.audio)
    except (NodeError, AudioError, OSError) as exc:
        print(f"error: {args.audio}: {exc}", file=sys.stderr)
        return 1
    path = plot_result(result.features, args.output, size,
                       title=f"{recipe.name}: {Path(args.audio).name}")
    print(f"{path}: {', '.join(result.features)}")
    return 0


def cmd_schema(args) -> int:
    import json

    from .engine.schema import recipe_schema

    text = json.dumps(recipe_schema(), indent=1) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
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


def _load_recipes(items: list[str]):
    """Load recipes; a folder or a missing ``.yaml`` path is reported as such."""
    from . import Recipe
    from .engine.errors import Problem, RecipeError

    problems = []
    for item in items:
        if Path(item).is_dir():
            problems.append(Problem("is a folder; give recipe files or shipped names", item))
        elif item.endswith((".yaml", ".yml")) and not Path(item).exists():
            problems.append(Problem("no such file", item))
    if problems:
        raise RecipeError(problems)
    return [Recipe.load(r) for r in items]


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

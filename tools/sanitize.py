"""Run the native-kernel tests against a build with AddressSanitizer and UBSan.

Usage (Linux with GCC or clang, from anywhere)::

    python tools/sanitize.py            # exit 0: clean; non-zero: a report or a gap

What it does, in a temporary folder (the checkout is not touched):

1. Discovers the kernels: every function declared in ``featgraph/native/featgraph.h``
   and every ``*.c`` file in ``featgraph/native``.  Each header function must be
   defined in exactly one source and each source must define a header function.
2. Builds ``featgraph.native._kernels`` from those sources with
   ``-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer``
   (the build script's own ``make_builder``, so the sanitized module is the shipped
   one but for its flags), next to a copy of the ``featgraph`` package.
3. Checks that the sanitizers are live: a canary call writes one element past
   a buffer and must be reported.
4. Runs ``tests/test_native*.py`` and the doctests of ``featgraph/native`` with
   the ASan runtime preloaded into Python (Python itself is not instrumented;
   leak checking is off, as CPython keeps memory until exit).  A small pytest
   plugin wraps the compiled ``lib`` and records every kernel called; a header
   function that no test calls is a failure.

Any sanitizer report (in pytest or in a subprocess it starts, collected from
the sanitizer log files), a failed test, or an unexercised kernel makes the
exit status non-zero.  Takes about half a minute on two cores.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATIVE = ROOT / "featgraph" / "native"
FLAGS = ["-O1", "-g", "-std=c99", "-Wall", "-Wextra", "-fno-omit-frame-pointer",
         "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
LINK = ["-fsanitize=address,undefined"]

PLUGIN = '''
"""pytest plugin (written by tools/sanitize.py): record the C kernels called."""
import json
import os

import pytest

CALLED = set()


class CountingLib:
    def __init__(self, lib):
        self._lib = lib

    def __getattr__(self, name):
        value = getattr(self._lib, name)
        if not (name.startswith("fg_") and callable(value)):
            return value

        def call(*args):
            CALLED.add(name)
            return value(*args)
        return call


def pytest_configure(config):
    import featgraph.native as native

    if native._lib is None:
        raise pytest.UsageError("the sanitized kernels did not load")
    native._lib = CountingLib(native._lib)


def pytest_sessionfinish(session, exitstatus):
    import sys

    with open(os.environ["FG_SANITIZE_CALLED"], "w") as fh:
        json.dump({"called": sorted(CALLED),
                   "module": sys.modules["featgraph.native._kernels"].__file__}, fh)
'''

CANARY = '''
import numpy as np
from featgraph.native import _ffi, _lib
r = np.array([4.0, 2.0, 1.0])
a = np.zeros(2)            # needs order + 1 = 3 values: the kernel writes one too many
e = np.zeros(1)
_lib.fg_levinson_f64(_ffi.from_buffer("double[]", r), 1, 3, 2,
                     _ffi.from_buffer("double[]", a), _ffi.from_buffer("double[]", e))
print("no report")
'''


def strip_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def header_functions() -> list[str]:
    text = strip_comments((NATIVE / "featgraph.h").read_text())
    return sorted(set(re.findall(r"\b(fg_\w+)\s*\(", text)))


def kernel_sources(names: list[str]) -> tuple[list[Path], list[str]]:
    """The kernel sources, and problems with how they cover the header's functions."""
    sources = sorted(p for p in NATIVE.glob("*.c") if not p.name.startswith("_"))
    problems = []
    defined: dict[str, list[str]] = {n: [] for n in names}
    for src in sources:
        text = strip_comments(src.read_text())
        here = [n for n in names if re.search(rf"\b{n}\s*\([^;{{}}]*\)\s*\{{", text)]
        if not here:
            problems.append(f"{src.name} defines no function declared in featgraph.h")
        for n in here:
            defined[n].append(src.name)
    for n, where in defined.items():
        if len(where) != 1:
            problems.append(f"{n} is defined in {len(where)} sources ({', '.join(where)})")
    return sources, problems


def load_build_module():
    spec = importlib.util.spec_from_file_location("_featgraph_build", NATIVE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def runtime(name: str) -> str:
    cc = os.environ.get("CC", "gcc").split()[0]
    path = subprocess.run([cc, f"-print-file-name={name}"], capture_output=True, text=True,
                          check=True).stdout.strip()
    if not os.path.isabs(path):
        raise SystemExit(f"sanitize: {cc} does not know where {name} is (got {path!r})")
    return path


def reports(log_dir: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(log_dir.glob("*")) if p.is_file()]


def main() -> int:
    start = time.perf_counter()
    names = header_functions()
    sources, problems = kernel_sources(names)
    if problems:
        print("sanitize: " + "\n sanitize: ".join(problems), file=sys.stderr)
        return 1
    print(f"sanitize: {len(names)} functions in featgraph.h, sources: "
          + ", ".join(s.name for s in sources))

    with tempfile.TemporaryDirectory(prefix="featgraph-sanitize-") as tmp:
        tmp = Path(tmp)
        work, logs = tmp / "work", tmp / "logs"
        logs.mkdir()
        ignore = shutil.ignore_patterns("*.so", "*.pyd", "_*.c", "__pycache__", ".pytest_cache")
        shutil.copytree(ROOT / "featgraph", work / "featgraph", ignore=ignore)
        shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
        (work / "fg_sanitize_plugin.py").write_text(PLUGIN)
        (work / "pytest.ini").write_text("[pytest]\n")

        builder = load_build_module().make_builder(
            src_dir=str(NATIVE), compile_args=FLAGS, link_args=LINK)
        built = builder.compile(tmpdir=str(work), verbose=False)
        print(f"sanitize: built {Path(built).relative_to(work)} in "
              f"{time.perf_counter() - start:.1f} s")

        env = dict(os.environ)
        env.pop("FEATGRAPH_NATIVE", None)
        env.update({
            "LD_PRELOAD": runtime("libasan.so"),
            "ASAN_OPTIONS": f"detect_leaks=0:halt_on_error=1:log_path={logs}/asan",
            "UBSAN_OPTIONS": f"print_stacktrace=1:halt_on_error=1:log_path={logs}/ubsan",
            "PYTHONPATH": str(work),
            "FG_SANITIZE_CALLED": str(tmp / "called.json"),
        })

        canary = subprocess.run([sys.executable, "-c", CANARY], cwd=work, env=env,
                                capture_output=True, text=True)
        found = reports(logs)
        if canary.returncode == 0 or not any("heap-buffer-overflow" in r for r in found):
            print("sanitize: the canary overflow was not reported; the sanitizers are not "
                  f"active\n{canary.stdout}{canary.stderr}", file=sys.stderr)
            return 1
        for p in logs.glob("*"):
            p.unlink()

        kernel_tests = sorted(f"tests/{p.name}" for p in (work / "tests").glob("test_native*.py"))
        test = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "-p", "fg_sanitize_plugin", "--rootdir", str(work), "--doctest-modules",
             "--ignore=featgraph/native/build.py", *kernel_tests, "featgraph/native"],
            cwd=work, env=env)
        found = reports(logs)
        for text in found:
            print(text, file=sys.stderr)
        if not (tmp / "called.json").exists():
            print("sanitize: pytest did not finish (a sanitizer stopped it?)", file=sys.stderr)
            return 1
        record = json.loads((tmp / "called.json").read_text())
        if not Path(record["module"]).resolve().is_relative_to(work.resolve()):
            print(f"sanitize: the tests imported {record['module']}, not the sanitized build",
                  file=sys.stderr)
            return 1
        missing = sorted(set(names) - set(record["called"]))
        if missing:
            print("sanitize: kernels no test calls: " + ", ".join(missing), file=sys.stderr)
        elapsed = time.perf_counter() - start
        ok = test.returncode == 0 and not found and not missing
        print(f"sanitize: {'clean' if ok else 'FAILED'}: {len(record['called'])} of "
              f"{len(names)} functions exercised, {len(found)} sanitizer reports, "
              f"{elapsed:.1f} s")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

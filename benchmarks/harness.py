"""Shared benchmark harness: timing, peak memory, machine facts and benchmarks/RESULTS.md.

Each ``bench_*.py`` is a short script built from these pieces:

* :func:`interleaved` - warm-up, then N rounds that call every candidate once per round
  (so slow drift of the machine hits all alike); per candidate the median and the min.
* :func:`peak_rss` - the peak resident memory of a fresh child process (the OS figure,
  its ``ru_maxrss``, read by a small launcher), for a command or for a function of a
  benchmark file (:func:`call_cmd`, run through this file's ``--call``).
* :func:`import_top` - ``python -X importtime``: the heaviest top-level imports.
* :func:`write_section` - replaces one family's section of RESULTS.md, keeping the others,
  and always records the command, the date, the machine, the environment and the versions.

Subprocesses run the featgraph of this checkout (``PYTHONPATH`` = the repository root), so
the figures belong to the code next to them.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SPEECH = ROOT / "featgraph" / "data" / "speech_en_16k.wav"     # featgraph.example("speech")
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                  os.environ.get("PYTHONPATH")]))}
sys.path.insert(0, str(ROOT))               # in-process imports: this checkout's featgraph too
LOAD_AT_START = os.getloadavg()[0]
ENV_KEYS = re.compile(r"^(OPENBLAS|OMP|MKL|NUMEXPR|FEATGRAPH|PYTHON|TMPDIR$)")


def parser(doc: str, repeats: int | None = None, seconds: float | None = None):
    """``--write``, and ``--repeats`` / ``--seconds`` (audio length) when given defaults."""
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    ap.add_argument("--write", action="store_true", help="update this family's section of "
                                                         "benchmarks/RESULTS.md")
    if repeats is not None:
        ap.add_argument("--repeats", type=int, default=repeats, help=f"timed rounds ({repeats})")
    if seconds is not None:
        ap.add_argument("--seconds", type=float, default=seconds, help=f"audio ({seconds:g} s)")
    return ap


def shown(text: str) -> str:
    """``text`` with paths relative to the repository root and this interpreter as ``python``."""
    return text.replace(sys.executable, "python").replace(str(ROOT) + os.sep, "")


def speech(seconds: float, sr: int = 16000):
    """``seconds`` of float64 audio in [-1, 1]: the bundled 8.3 s speech example tiled."""
    import numpy as np
    import soundfile as sf

    y, file_sr = sf.read(SPEECH, dtype="float64")
    assert file_sr == sr and y.ndim == 1, (file_sr, y.shape)
    n = int(round(seconds * sr))
    return np.ascontiguousarray(np.tile(y, -(-n // len(y)))[:n])


def interleaved(fns: dict, repeats: int, warmup: int = 1) -> dict:
    """``{name: {"median", "min", "runs"}}`` in seconds; rounds call every fn once."""
    runs = {name: [] for name in fns}
    for round_ in range(warmup + repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            if round_ >= warmup:
                runs[name].append(time.perf_counter() - start)
    return {n: {"median": statistics.median(r), "min": min(r), "runs": r}
            for n, r in runs.items()}


def command(cmd: list[str], env: dict | None = None):
    """A callable running ``cmd`` as a fresh process (raises on failure), for interleaved."""
    def run():
        proc = subprocess.run(cmd, env=env or ENV, capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    return run


# A small launcher runs the command and reads its peak: a child forked from this (big)
# process would inherit this process's resident high-water mark into its ru_maxrss.
_LAUNCHER = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
             "sys.stderr.write(f'\\n@peak_kib {resource.getrusage(resource.RUSAGE_CHILDREN)"
             ".ru_maxrss}\\n'); sys.exit(p.returncode)")


def peak_rss(cmd: list[str]) -> dict:
    """Run ``cmd`` in a fresh process: ``{"peak_mib", "seconds", "stdout"}``.  The peak is the
    OS figure, the child's ``ru_maxrss`` (``getrusage(RUSAGE_CHILDREN)`` in a small launcher;
    floor: the launcher's own ~10 MiB)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, *cmd], env=ENV,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    kib = int(proc.stderr.rsplit("@peak_kib ", 1)[1])
    return {"peak_mib": kib / 1024, "seconds": seconds, "stdout": proc.stdout}


def rss_mib() -> float:
    """This process's resident memory now (VmRSS), MiB; for a child's "before the call"."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def call_cmd(bench_file: str, func: str, *args) -> list[str]:
    """The command that runs ``func(*args)`` of ``bench_file`` in a fresh interpreter."""
    return [sys.executable, __file__, "--call", str(bench_file), func, json.dumps(args)]


def import_top(code: str, n: int = 8, env: dict | None = None) -> tuple[float, list]:
    """``python -X importtime -c code``: (total ms of the imports the code made, the ``n``
    heaviest modules as (name, cumulative ms)) - packages by their outermost import, and
    featgraph's own modules one by one; the interpreter's start-up (``site``) left out."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env or ENV,
                          capture_output=True, text=True, check=True)
    total, heaviest, site = 0.0, {}, False
    for line in reversed(proc.stderr.splitlines()):        # parents come after their children
        parts = line.split("|")
        if not line.startswith("import time:") or "self [us]" in line or len(parts) != 3:
            continue
        name, ms = parts[2].strip(), int(parts[1]) / 1e3
        depth = (len(parts[2]) - len(parts[2].lstrip()) - 1) // 2
        if depth == 0:
            site = name == "site"
            total += 0 if site else ms
        if site:
            continue
        key = name if name.startswith("featgraph") else name.split(".")[0]
        heaviest[key] = max(heaviest.get(key, 0.0), ms)
    return total, sorted(heaviest.items(), key=lambda kv: -kv[1])[:n]


def machine(packages: tuple[str, ...]) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "unknown")
    versions = {}
    for p in ("featgraph", "numpy", "scipy", *packages):
        try:
            versions[p] = version(p)
        except PackageNotFoundError:
            versions[p] = "not installed"
    git = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %<(60,trunc)%s"],
                         capture_output=True, text=True).stdout.strip()
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": f"{cpu}, {len(os.sched_getaffinity(0))} cores; 1-min load average "
                   f"{LOAD_AT_START:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
            "python":
            f"{platform.python_version()} on {platform.platform()}", "commit": git,
            "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
            "environment": ", ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                                     if ENV_KEYS.match(k) and k != "PYTHONPATH") or "none set"}


def table(header: list[str], rows: list[list]) -> str:
    """A markdown table; floats with three decimals."""
    cell = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(map(cell, row)) + " |" for row in rows])


class Peer:
    """A peer library's worker process (``script --peer-worker`` under another ``python``,
    e.g. a scratch venv), asked for one timed call at a time.

    The worker reads ``payload`` (one line), answers one JSON line (``info``), then per
    line ``name<TAB>number`` read answers ``{"seconds" or "error", "peak_mib"}``, the
    seconds per call of ``number`` calls in a row (one by default).  ``PYTHONPATH`` is
    dropped (the worker never imports this checkout); ``env`` is added."""

    def __init__(self, python: str, script: str, payload: str, env: dict | None = None):
        self.proc = subprocess.Popen([python, script, "--peer-worker"], text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env={k: v for k, v in os.environ.items()
                                          if k != "PYTHONPATH"} | (env or {}))
        self.proc.stdin.write(payload + "\n")
        self.proc.stdin.flush()
        hello = self.proc.stdout.readline()
        if not hello:
            raise RuntimeError(f"the peer worker under {python} failed to start")
        self.info = json.loads(hello)
        self.peak = 0.0

    def time(self, name: str, number: int = 1) -> float:
        """Seconds per call of ``name``, timed over ``number`` calls in a row."""
        self.proc.stdin.write(f"{name}\t{number}\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        self.peak = max(self.peak, reply["peak_mib"])
        if "error" in reply:
            raise RuntimeError(f"{name}: {reply['error']}")
        return reply["seconds"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def serve_peer(calls: dict, info: dict) -> None:
    """The worker side of :class:`Peer`: print ``info``, then answer each request line
    ``name<TAB>number`` from stdin with the seconds per call of ``calls[name]()`` over
    ``number`` calls in a row (or the error), and this process's peak memory."""
    import resource
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        name, _, number = line.rstrip("\n").partition("\t")
        number = int(number or 1)
        try:
            start = time.perf_counter()
            for _ in range(number):
                calls[name]()
            reply = {"seconds": (time.perf_counter() - start) / number}
        except Exception as exc:                           # noqa: BLE001 - reported as is
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        reply["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(reply), flush=True)


def write_section(family: str, title: str, body: str, packages: tuple[str, ...] = (),
                  write: bool = True, script: str | None = None) -> str:
    """Print the section and, with ``write``, put it in RESULTS.md in place of the old one
    (``script``: the bench file writing it, when not ``bench_<family>.py``)."""
    m = machine(packages)
    cmd = shlex.join(["python", os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
    script = script or f"bench_{family}.py"
    text = (f"## {family}: {title}\n\n<!-- written by benchmarks/{script} --write; "
            f"edits here are overwritten -->\n\n`{cmd}` (from the repository root), "
            f"{m['date']}, commit `{m['commit']}`.\n\n"
            f"- machine: {m['cpu']}; Python {m['python']}\n- versions: {m['versions']}\n"
            f"- environment: {m['environment']}\n\n{body.strip()}\n")
    print(text)
    if write:
        old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
        pattern = re.compile(rf"^## {re.escape(family)}:.*?(?=^## |\Z)", re.S | re.M)
        new = pattern.sub(lambda _: text + "\n", old, count=1) if pattern.search(old) \
            else old.rstrip() + "\n\n" + text
        RESULTS.write_text(new.rstrip() + "\n")
    return text


if __name__ == "__main__" and sys.argv[1:2] == ["--call"]:
    _, _, file, func, args = sys.argv
    spec = importlib.util.spec_from_file_location("bench_module", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(json.dumps(getattr(module, func)(*json.loads(args))))

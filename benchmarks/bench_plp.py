"""Speed benchmark: featgraph's PLP against spafe's, plus the cold start of the CLI.

What it measures, all in one run of this script:

1. Throughput on 600 s of 16 kHz audio (the bundled 8.3 s speech example tiled
   deterministically, float64 in [-1, 1]), side by side in this process:

   * featgraph ``plp`` recipe, rastamat defaults (order 8 -> 9 cepstra);
   * featgraph ``plp`` with ``order=12`` (13 cepstra), the like-for-like of spafe;
   * spafe 0.3.3 ``spafe.features.rplp.plp(order=13, nfilts=24, nfft=512,
     window=SlidingWindow(0.025, 0.01, "hamming"))``.

   Wall clock (``time.perf_counter``), one untimed warm-up call each, then
   rounds that interleave the libraries (featgraph 5 calls, spafe 3), so slow
   drift of the machine hits both alike.  Reported: best and median.
   Only speed is compared; spafe's PLP follows different conventions from
   rastamat's, so the values are not expected to agree.

2. Peak memory of one 600 s call, each library alone in a fresh child process
   (this script re-run with ``--child-memory``):

   * ``tracemalloc`` peak above the level before the call (numpy reports its
     data buffers to tracemalloc, so this is the peak of Python + numpy heap
     allocations made by the call, input audio excluded);
   * the growth of resident memory over the call: the kernel's high-water mark
     (VmHWM, reset just before through /proc/self/clear_refs) minus VmRSS before
     the call; measured on the first 600 s call after an 8 s warm-up call, so
     lazy imports and caches are already paid.  Without /proc it falls back to
     ``ru_maxrss`` growth, which can undercount.

3. Cold start: ``featgraph run plp <bundled 8 s wav> -o <tmp>.npz`` spawned as a
   new process 7 times (min and median wall), next to ``python -c pass``; and
   ``python -X importtime -c "import featgraph.cli"``.  The target is judged on
   the console script pip installed next to this interpreter; any other
   ``featgraph`` on PATH (a pyenv shim, say) is timed and reported as well.

Targets (printed as PASS/FAIL): featgraph >= 40x faster than spafe, and the
cold CLI run under 0.5 s.

Usage::

    pip install -e .[bench]          # spafe==0.3.3
    python benchmarks/bench_plp.py   # about 1.5 minutes on 2 cores
    python benchmarks/bench_plp.py --seconds 60 --json out.json
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import soundfile as sf

import featgraph

SR = 16000
TARGET_RATIO = 40.0
TARGET_COLD_S = 0.5
REPEATS = {"featgraph": 5, "spafe": 3}
COLD_REPEATS = 7
VARIANTS = ("featgraph-9", "featgraph-13", "spafe-13")


# --------------------------------------------------------------------------- setup

def require_spafe():
    """Import spafe's PLP, or exit with the install command."""
    try:
        from spafe.features.rplp import plp
        from spafe.utils.preprocessing import SlidingWindow
    except ImportError as exc:
        sys.exit(f"bench_plp: spafe is not installed ({exc}).\n"
                 "Install the benchmark extra from the repository root:\n"
                 "    pip install -e .[bench]")
    return plp, SlidingWindow


def make_audio(seconds: float) -> np.ndarray:
    """``seconds`` of 16 kHz float64 audio: the bundled speech example, tiled."""
    y, sr = sf.read(featgraph.example("speech"), dtype="float64", always_2d=False)
    if sr != SR or y.ndim != 1:
        raise RuntimeError(f"unexpected example: sr={sr}, shape={y.shape}")
    n = int(round(seconds * SR))
    y = np.tile(y, -(-n // len(y)))[:n]
    assert np.abs(y).max() <= 1.0
    return np.ascontiguousarray(y)


def make_callables() -> dict:
    """name -> f(y) returning the feature matrix; the recipe is loaded once, outside timing."""
    plp, SlidingWindow = require_spafe()
    recipe = featgraph.load("plp")

    def featgraph_9(y):
        return recipe.run(y, sr=SR)["plp"]

    def featgraph_13(y):
        return recipe.run(y, sr=SR, order=12)["plp"]

    def spafe_13(y):
        return plp(y, fs=SR, order=13, window=SlidingWindow(0.025, 0.01, "hamming"),
                   nfilts=24, nfft=512)

    return {"featgraph-9": featgraph_9, "featgraph-13": featgraph_13, "spafe-13": spafe_13}


def repeats_for(name: str) -> int:
    return REPEATS[name.split("-")[0]]


def machine() -> dict:
    """nproc, CPU model and the versions that matter."""
    import scipy
    import featgraph.native
    try:
        from importlib.metadata import version
        spafe_version = version("spafe")
    except Exception:  # noqa: BLE001 - reported, not fatal
        spafe_version = "not installed"
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.date.today().isoformat(),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "featgraph": featgraph.__version__,
        "featgraph_native_backend": featgraph.native.BACKEND,
        "spafe": spafe_version,
    }


# --------------------------------------------------------------------------- throughput

def time_side_by_side(fns: dict, y: np.ndarray) -> dict:
    """Warm up each callable once, then interleaved timed rounds. Returns name -> stats."""
    out = {}
    for name, fn in fns.items():
        start = time.perf_counter()
        feats = fn(y)
        out[name] = {"warmup_s": time.perf_counter() - start, "shape": list(feats.shape),
                     "times_s": []}
        del feats
    for round_ in range(max(repeats_for(n) for n in fns)):
        for name, fn in fns.items():
            if round_ < repeats_for(name):
                start = time.perf_counter()
                feats = fn(y)
                out[name]["times_s"].append(time.perf_counter() - start)
                del feats
    for stats in out.values():
        stats["best_s"] = min(stats["times_s"])
        stats["median_s"] = statistics.median(stats["times_s"])
    return out


# --------------------------------------------------------------------------- memory

def _status_kib(field: str) -> int | None:
    """A ``kB`` field of /proc/self/status (``VmRSS``, ``VmHWM``), or None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's resident high-water mark (VmHWM), Linux >= 4.0."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child_memory(name: str, seconds: float) -> dict:
    """Run inside a fresh process: peak memory of one ``name`` call on ``seconds`` of audio."""
    fn = make_callables()[name]
    fn(make_audio(8.0))                       # lazy imports, caches, recipe validation
    y = make_audio(seconds)
    if _reset_peak_rss() and _status_kib("VmHWM") is not None:
        method = "VmHWM after the call - VmRSS before (high-water mark reset via clear_refs)"
        before = _status_kib("VmRSS")
        feats = fn(y)
        rss_growth = (_status_kib("VmHWM") - before) * 1024
    else:
        method = "ru_maxrss after the call - ru_maxrss before (may undercount)"
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        feats = fn(y)
        rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    del feats
    tracemalloc.start()
    traced_before, _ = tracemalloc.get_traced_memory()
    feats = fn(y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del feats
    return {"tracemalloc_peak_bytes": peak - traced_before, "rss_growth_bytes": rss_growth,
            "rss_method": method}


def measure_memory(seconds: float) -> dict:
    """name -> child_memory(name) for each variant, each in its own process."""
    out = {}
    for name in VARIANTS:
        proc = subprocess.run([sys.executable, __file__, "--child-memory", name,
                               "--seconds", str(seconds)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"memory child for {name} failed:\n{proc.stderr}")
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def featgraph_report(y: np.ndarray):
    """featgraph's per-node report for one run of the 9-cepstra recipe."""
    return featgraph.load("plp").run(y, sr=SR).report


# --------------------------------------------------------------------------- cold start

def find_cli() -> list[tuple[str, str]]:
    """(label, path) of the ``featgraph`` commands to time: first the console script that
    pip installed next to this interpreter (the target is judged on it), then every other
    ``featgraph`` on PATH, e.g. a pyenv shim, which adds its own start-up."""
    found, seen = [], set()
    direct = Path(sys.executable).parent / "featgraph"
    if direct.is_file():
        found.append(("console script", str(direct)))
        seen.add(direct.resolve())
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        exe = Path(folder) / "featgraph"
        if exe.is_file() and os.access(exe, os.X_OK) and exe.resolve() not in seen:
            seen.add(exe.resolve())
            label = "pyenv shim" if exe.parent.name == "shims" else "on PATH"
            found.append((label if found else "console script", str(exe)))
    return found


def wall_of(cmd: list[str], repeats: int) -> list[float]:
    """Wall time of ``cmd`` as a fresh process, ``repeats`` times; raises if it fails."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    return times


def import_time(code: str) -> dict:
    """``python -X importtime -c code``: total import time (sum of the top-level imports),
    the part under featgraph's own top-level imports, and the heaviest third-party packages."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, check=True)
    total = featgraph_us = 0
    packages = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, cum, name = line.split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        name, cum = name.strip(), int(cum)
        if depth == 0:
            total += cum
            if name.startswith("featgraph"):
                featgraph_us += cum
        root = name.split(".")[0]
        if not root.startswith(("featgraph", "__editable__")):
            packages[root] = max(packages.get(root, 0), cum)   # its outermost import
    heaviest = sorted(packages.items(), key=lambda kv: -kv[1])[:8]
    return {"code": code, "total_s": total / 1e6, "featgraph_s": featgraph_us / 1e6,
            "heaviest_s": [(k, v / 1e6) for k, v in heaviest]}


def cold_start() -> dict:
    """Cold ``featgraph run plp`` on the bundled 8 s file, plus interpreter and import floors."""
    wav = str(featgraph.example("speech"))
    out = {"python_pass_s": wall_of([sys.executable, "-c", "pass"], COLD_REPEATS),
           "cli": {}}
    with tempfile.TemporaryDirectory() as tmp:
        npz = os.path.join(tmp, "speech.npz")
        for label, exe in find_cli():
            cmd = [exe, "run", "plp", wav, "-o", npz]
            times = wall_of(cmd, COLD_REPEATS)
            with np.load(npz) as data:
                shape = list(data["plp"].shape)
            os.remove(npz)
            entry = {"path": exe, "times_s": times, "shape": shape}
            shim_python = Path(exe).parent / "python"
            if label == "pyenv shim" and shim_python.is_file():
                entry["shim_python_pass_s"] = wall_of([str(shim_python), "-c", "pass"],
                                                      COLD_REPEATS)
            out["cli"][label] = entry
        run_code = ("import sys; from featgraph.cli import main; "
                    f"sys.exit(main(['run', 'plp', {wav!r}, '-o', {npz!r}, '-q']))")
        out["importtime"] = {}
        for label, code in (("import featgraph.cli", "import featgraph.cli"),
                            ("the whole `run plp` command", run_code)):
            try:
                out["importtime"][label] = import_time(code)
            except subprocess.CalledProcessError as exc:
                out["importtime"][label] = {"error": exc.stderr}
    return out


# --------------------------------------------------------------------------- output

def mib(n: float) -> float:
    return n / 2**20


def print_table(timing: dict, memory: dict) -> None:
    print(f"{'library':<10} {'variant':<22} {'n':>2} {'best s':>8} {'median s':>9} "
          f"{'spafe/this':>10} {'peak MiB':>9} {'RSS+ MiB':>9}  shape")
    rows = [("featgraph", "plp order 8 (9 cep)", "featgraph-9"),
            ("featgraph", "plp order 12 (13 cep)", "featgraph-13"),
            ("spafe", "rplp.plp order 13", "spafe-13")]
    spafe_best = timing["spafe-13"]["best_s"]
    for lib, variant, key in rows:
        t, m = timing[key], memory[key]
        ratio = spafe_best / t["best_s"]
        print(f"{lib:<10} {variant:<22} {len(t['times_s']):>2} {t['best_s']:8.3f} "
              f"{t['median_s']:9.3f} {ratio:9.1f}x {mib(m['tracemalloc_peak_bytes']):9.1f} "
              f"{mib(m['rss_growth_bytes']):9.1f}  {tuple(t['shape'])}")
    print("spafe/this = spafe's best time / this row's best time; peak MiB = tracemalloc peak "
          "of one call;\nRSS+ MiB = peak resident growth over one call; both in a fresh process "
          "per row.\nRSS method: " + memory["spafe-13"]["rss_method"])
    print("warm-up (first call) s: " + ", ".join(f"{k} {v['warmup_s']:.3f}"
                                                  for k, v in timing.items()))
    print("all times s: " + "; ".join(f"{k} " + " ".join(f"{x:.3f}" for x in v["times_s"])
                                      for k, v in timing.items()))


def print_cold(cold: dict) -> None:
    py = cold["python_pass_s"]
    print(f"python -c pass           min {min(py):.3f} s  median {statistics.median(py):.3f} s")
    if not cold["cli"]:
        print("featgraph command not found on PATH: pip install -e . (cold start not measured)")
    for label, c in cold["cli"].items():
        print(f"featgraph {label:<14} min {min(c['times_s']):.3f} s  median "
              f"{statistics.median(c['times_s']):.3f} s  ({c['path']}; output {tuple(c['shape'])})")
        print("    runs s: " + " ".join(f"{x:.3f}" for x in c["times_s"]))
        if "shim_python_pass_s" in c:
            sp = c["shim_python_pass_s"]
            print(f"    the same shim's python -c pass: min {min(sp):.3f} s  median "
                  f"{statistics.median(sp):.3f} s (the shim's own cost)")
    for label, it in cold.get("importtime", {}).items():
        if "error" in it:
            print(f"python -X importtime, {label}: failed\n{it['error']}")
            continue
        print(f"python -X importtime, {label}: imports total {it['total_s']:.3f} s, "
              f"of which under featgraph's top-level imports {it['featgraph_s']:.3f} s")
        print("    heaviest packages (cumulative s, -X importtime inflates these): "
              + ", ".join(f"{k} {v:.3f}" for k, v in it["heaviest_s"]))


def verdicts(timing: dict, cold: dict) -> list[tuple[str, bool | None, str]]:
    spafe_best = timing["spafe-13"]["best_s"]
    checks = []
    for key in ("featgraph-9", "featgraph-13"):
        ratio = spafe_best / timing[key]["best_s"]
        med = timing["spafe-13"]["median_s"] / timing[key]["median_s"]
        checks.append((f"{key} >= {TARGET_RATIO:.0f}x faster than spafe", ratio >= TARGET_RATIO,
                       f"{ratio:.1f}x best-vs-best, {med:.1f}x median-vs-median"))
    for i, (label, c) in enumerate(cold["cli"].items()):
        med = statistics.median(c["times_s"])
        what = f"cold `featgraph run plp` (8 s wav) < {TARGET_COLD_S} s, {label}"
        if i:
            what += " [environment, not the target]"
        checks.append((what, med < TARGET_COLD_S,
                       f"median {med:.3f} s, min {min(c['times_s']):.3f} s"))
    if not cold["cli"]:
        checks.append((f"cold featgraph run plp < {TARGET_COLD_S} s", None, "not measured"))
    return checks


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=600.0, help="audio length (default 600)")
    ap.add_argument("--json", metavar="PATH", help="also write every figure to this JSON file")
    ap.add_argument("--no-cold", action="store_true", help="skip the CLI cold-start part")
    ap.add_argument("--child-memory", choices=VARIANTS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child_memory:
        print(json.dumps(child_memory(args.child_memory, args.seconds)))
        return 0

    fns = make_callables()                  # exits with the install hint if spafe is missing
    info = machine()
    print("== machine")
    for k, v in info.items():
        print(f"{k:<26} {v}")

    y = make_audio(args.seconds)
    print(f"\n== PLP on {len(y) / SR:.0f} s of 16 kHz audio (bundled speech tiled, float64)")
    timing = time_side_by_side(fns, y)
    memory = measure_memory(args.seconds)
    print_table(timing, memory)

    report = featgraph_report(y)
    print(f"\n== featgraph per-node report, plp (9 cepstra), one {len(y) / SR:.0f} s run")
    print(report)

    cold = {"cli": {}}
    if not args.no_cold:
        print("\n== cold start (new process each run, bundled 8.3 s wav)")
        cold = cold_start()
        print_cold(cold)

    print("\n== summary")
    checks = verdicts(timing, cold)
    for what, ok, detail in checks:
        tag = "SKIP" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{tag}  {what}: {detail}")

    if args.json:
        Path(args.json).write_text(json.dumps(
            {"machine": info, "seconds": args.seconds, "timing": timing, "memory": memory,
             "featgraph_report_peak_bytes": report.peak_bytes, "cold": cold,
             "checks": [{"check": w, "pass": ok, "detail": d} for w, ok, d in checks]},
            indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Constant-Q presets and the reassigned spectrogram against librosa, side by side.

600 s of 22.05 kHz music: the chord recording (tests/data/chord_pluck_22k_stereo.wav,
channel mean) tiled with a different gain on every repeat.  featgraph runs each shipped
recipe (``cqt_librosa``, ``vqt_librosa``, ``chroma_cqt``, ``reassign``) on the array in
float32 and float64; librosa 0.11 runs the call each preset reproduces on the float32
array (what ``librosa.load`` gives): ``np.abs(librosa.cqt(y, sr=sr))``,
``np.abs(librosa.vqt(y, sr=sr))``, ``librosa.feature.chroma_cqt(y=y, sr=sr)`` (tuning
estimated) and ``librosa.reassigned_spectrogram(y, sr=sr)``.  Each measurement runs in a
fresh child process: one untimed warm-up on 8 s (librosa's numba compilation, the plan
cache), then ``--repeat`` timed calls (median and best) and the growth of ru_maxrss over
them (peak resident memory).  The ratio is librosa's median over featgraph float32's, in
wall time (the target's measure) and in CPU time (``time.process_time``: less sensitive to
other processes on a loaded machine).

Usage::

    python benchmarks/bench_cqt.py [--seconds 600] [--repeat 5] [--only vqt_librosa] [--write]

``--only`` (repeatable) measures the named works alone (for a quick check; ``--write``
refuses it, so that RESULTS.md always holds the whole table).
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WAV = ROOT / "tests" / "data" / "chord_pluck_22k_stereo.wav"
WORKS = {"cqt_librosa": ("cqt", "librosa.cqt", 3.0),
         "vqt_librosa": ("vqt", "librosa.vqt", 3.0),
         "chroma_cqt": ("chroma", "librosa.feature.chroma_cqt", 5.0),
         "reassign": ("mags", "librosa.reassigned_spectrogram", 5.0)}


def audio(seconds: float, dtype: str):
    import numpy as np
    import soundfile as sf
    y, sr = sf.read(WAV)
    y = y.mean(axis=1)
    reps = int(seconds * sr) // len(y) + 1
    gains = 0.3 + 0.6 * np.random.default_rng(0).random(reps)
    out = (np.tile(y, (reps, 1)) * gains[:, None]).ravel()[:int(seconds * sr)]
    return out.astype(dtype), sr


def child(lib: str, work: str, seconds: float, repeat: int, dtype: str) -> dict:
    import numpy as np
    y, sr = audio(seconds, dtype)
    if lib == "featgraph":
        sys.path.insert(0, str(ROOT))
        import featgraph
        recipe = featgraph.load(work)

        def call(x):
            return recipe.run(x, sr=sr, dtype=dtype)
    else:
        import librosa
        fn = {"cqt_librosa": lambda x: np.abs(librosa.cqt(x, sr=sr)),
              "vqt_librosa": lambda x: np.abs(librosa.vqt(x, sr=sr)),
              "chroma_cqt": lambda x: librosa.feature.chroma_cqt(y=x, sr=sr),
              "reassign": lambda x: librosa.reassigned_spectrogram(x, sr=sr)}[work]

        def call(x):
            return fn(x)
    call(y[:8 * sr])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        call(y)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    grow = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {"median": statistics.median(times), "best": min(times),
            "cpu": statistics.median(cpu), "rss_mib": grow / 1024}


def spawn(lib: str, work: str, args, dtype: str) -> dict:
    cmd = [sys.executable, __file__, "--child", lib, work, "--seconds", str(args.seconds),
           "--repeats", str(args.repeats), "--dtype", dtype]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if out.returncode != 0:
        return {"error": f"exit {out.returncode}: {out.stderr.strip().splitlines()[-1:]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        lib, work = sys.argv[i + 1:i + 3]
        opts = dict(zip(sys.argv[i + 3::2], sys.argv[i + 4::2]))
        print(json.dumps(child(lib, work, float(opts["--seconds"]), int(opts["--repeats"]),
                               opts["--dtype"])))
        return
    ap = harness.parser(__doc__, repeats=5, seconds=600.0)
    ap.add_argument("--only", action="append", choices=list(WORKS), help="measure this work "
                    "alone (repeatable; not with --write)")
    args = ap.parse_args()
    if args.only and args.write:
        ap.error("--only measures part of the table: run without it to --write")
    rows = []
    for work, (_, peer, target) in WORKS.items():
        if args.only and work not in args.only:
            continue
        fg64 = spawn("featgraph", work, args, "float64")
        fg32 = spawn("featgraph", work, args, "float32")
        ref = spawn("librosa", work, args, "float32")

        def cell(r):
            return r["error"] if "error" in r else f"{r['median']:.3f} ({r['best']:.3f})"

        ok = "error" not in ref and "error" not in fg32
        ratio = ref["median"] / fg32["median"] if ok else float("nan")
        mem = " / ".join(f"{r.get('rss_mib', float('nan')):.0f}" for r in (fg32, fg64, ref))
        cpu = ref["cpu"] / fg32["cpu"] if ok else float("nan")
        rows.append([f"`{work}`", f"`{peer}`", cell(fg32), cell(fg64), cell(ref),
                     f"{ratio:.2f}x", f"{cpu:.2f}x", f"{target:g}x",
                     "met" if ratio >= target else "not met", mem])
        print(rows[-1], flush=True)
    body = (f"{args.seconds:g} s of 22.05 kHz music (the chord recording tiled with varied "
            f"gains); median (best) of {args.repeats} calls in seconds, each side in a fresh "
            "process after a warm-up; librosa on float32 (librosa.load's type).\n\n" +
            harness.table(["work", "peer", "featgraph f32", "featgraph f64", "librosa f32",
                           "librosa / featgraph f32", "same, CPU time", "target", "",
                           "peak RSS growth MiB (fg f32 / fg f64 / librosa)"], rows))
    harness.write_section("cqt", "constant-Q presets and reassignment vs librosa", body,
                          ("numpy", "scipy", "soxr", "ducc0", "librosa"), write=args.write)


if __name__ == "__main__":
    main()

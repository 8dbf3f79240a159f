"""Corpus throughput: audio hours per second over many files, featgraph against librosa,
python_speech_features and decoding alone.

A corpus of ``--files`` files (default 200) of varied length (uniform 1 s to
``--longest`` s; the bundled 16 kHz speech example, tiled from a random offset) is
written into a temporary folder (10 sub-folders), once as 16-bit WAV and once as FLAC.
Each candidate runs in a fresh process (the imports and the interpreter's start-up are
not timed; starting the worker pool is) and its peak resident memory is the OS figure
(the largest ``ru_maxrss`` of the process and its workers; Dask workers report their
own).  Rounds are interleaved; the median of ``--repeats`` rounds is reported.

- decoding alone: ``soundfile.read`` of every file, in a loop and in
  ``multiprocessing.Pool(2)``: the floor of any corpus run;
- featgraph ``mfcc39`` (HTK MFCC_E_D_A) with 1 and 2 local workers and on a Dask
  ``LocalCluster`` of 2 worker processes, writing one ``.npz`` per file
  (``Recipe.run_many``);
- featgraph ``mfcc_librosa`` (librosa's MFCC defaults, number for number; in float64,
  the recipe's default, and in float32, as librosa computes) against
  ``librosa.feature.mfcc`` in a loop and in ``Pool(2)``;
- featgraph ``mfcc_psf`` against ``python_speech_features.mfcc``, both ways.

The libraries read with soundfile and write one ``.npy`` per file, as featgraph writes
its ``.npz``.  Install: ``pip install -e .[bench,corpus] librosa``.
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

PACKAGES = ("librosa", "python_speech_features", "soundfile", "dask", "distributed")


# ------------------------------------------------------------------ in the child processes
def _files(corpus: str) -> list[str]:
    return sorted(str(p) for p in Path(corpus).rglob("*") if p.suffix in (".wav", ".flac"))


def _cpu() -> float:
    """CPU seconds of this process and of its finished (waited for) children."""
    import resource

    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                 resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _done(seconds: float, cpu: float | None = None) -> None:
    print(f"@seconds {seconds}")
    if cpu is not None:
        print(f"@cpu {cpu}")


def fg(corpus: str, recipe: str, jobs: int, scheduler: str | None = None,
       dtype: str | None = None) -> None:
    import featgraph

    params = {"dtype": dtype} if dtype else {}
    r = featgraph.load(recipe)
    r.compile(**params)
    if scheduler:
        import distributed  # noqa: F401  (imported before the clock starts)
    out = tempfile.mkdtemp(prefix="fgbench-")
    cpu, start = _cpu(), time.perf_counter()
    summary = r.run_many(corpus, out=out, jobs=jobs, scheduler=scheduler or None, **params)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    shutil.rmtree(out)
    assert not summary.failed and len(summary.done) == len(_files(corpus)), summary
    if scheduler:
        import resource

        from distributed import Client

        with Client(scheduler) as client:
            peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        print(f"@worker_peak_kib {max(peaks.values())}")
    _done(seconds, None if scheduler else cpu)       # (Dask workers are not children)


def _decode(path: str) -> None:
    import soundfile as sf

    sf.read(path, dtype="float32")


def _librosa(args) -> None:
    import librosa
    import numpy as np
    import soundfile as sf

    path, out = args
    y, sr = sf.read(path, dtype="float32")
    np.save(os.path.join(out, Path(path).stem), librosa.feature.mfcc(y=y, sr=sr))


def _psf(args) -> None:
    import numpy as np
    import python_speech_features as psf
    import soundfile as sf

    path, out = args
    y, sr = sf.read(path, dtype="float64")
    np.save(os.path.join(out, Path(path).stem), psf.mfcc(y, sr))


def lib(corpus: str, which: str, jobs: int) -> None:
    import multiprocessing

    import numpy as np

    func = {"decode": _decode, "librosa": _librosa, "psf": _psf}[which]
    if which == "librosa":
        import librosa
        librosa.feature.mfcc(y=np.zeros(16000, np.float32), sr=16000)   # warm its caches
    elif which == "psf":
        import python_speech_features  # noqa: F401
    import types

    module = types.ModuleType(__name__)        # loaded by harness --call without a name:
    module.__dict__.update(globals())          # make the workers' functions picklable
    sys.modules[__name__] = module
    out = tempfile.mkdtemp(prefix="fgbench-")
    files = _files(corpus)
    items = files if which == "decode" else [(f, out) for f in files]
    cpu, start = _cpu(), time.perf_counter()
    if jobs == 1:
        for item in items:
            func(item)
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            pool.map(func, items, chunksize=4)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    shutil.rmtree(out)
    _done(seconds, cpu)


# ------------------------------------------------------------------ the benchmark
def make_corpus(folder: Path, n: int, longest: float, seed: int = 0) -> float:
    """Write the WAV and FLAC corpora; return the audio's total seconds."""
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(seed)
    y = harness.speech(8.0)
    total = 0.0
    for i in range(n):
        seconds = rng.uniform(1.0, longest)
        start = int(rng.integers(0, len(y)))
        clip = np.tile(y, int(seconds // 8) + 2)[start:start + int(seconds * 16000)]
        total += len(clip) / 16000
        for fmt in ("wav", "flac"):
            target = folder / fmt / f"d{i % 10}" / f"f{i:04d}.{fmt}"
            target.parent.mkdir(parents=True, exist_ok=True)
            sf.write(target, clip, 16000, subtype="PCM_16")
    return total


def candidates(corpus: Path, scheduler: str) -> dict:
    c = str(corpus)
    call = lambda *a: harness.call_cmd(__file__, *a)  # noqa: E731
    return {
        "decoding alone, 1 process": call("lib", c, "decode", 1),
        "decoding alone, Pool(2)": call("lib", c, "decode", 2),
        "featgraph mfcc39, 1 process": call("fg", c, "mfcc39", 1),
        "featgraph mfcc39, --jobs 2": call("fg", c, "mfcc39", 2),
        "featgraph mfcc39, Dask (2 workers)": call("fg", c, "mfcc39", 2, scheduler),
        "featgraph mfcc_librosa, --jobs 2": call("fg", c, "mfcc_librosa", 2),
        "featgraph mfcc_librosa float32, --jobs 2": call("fg", c, "mfcc_librosa", 2, "",
                                                         "float32"),
        "librosa mfcc, loop": call("lib", c, "librosa", 1),
        "librosa mfcc, Pool(2)": call("lib", c, "librosa", 2),
        "featgraph mfcc_psf, --jobs 2": call("fg", c, "mfcc_psf", 2),
        "python_speech_features mfcc, loop": call("lib", c, "psf", 1),
        "python_speech_features mfcc, Pool(2)": call("lib", c, "psf", 2),
    }


def profile(folder: Path, rounds: int = 15) -> str:
    """Where a file's time goes in featgraph ``mfcc39`` (this process, one core): a
    per-file task (read, compute, write a new ``.npz``; ``corpus.process``) on a 0.1 s
    FLAC (the fixed cost of a file) and on 7 s of FLAC, each against its decoding; the
    ``.npz`` write, new and over an existing file; the slowest plan steps (medians over
    the timed rounds; a fused step named by its first node and its ops) and the first
    run's extra cost (once per process: FFT plans, filter weights, work buffers)."""
    import dataclasses
    import itertools

    import soundfile as sf

    import featgraph
    from featgraph.engine import corpus
    from featgraph.engine.scheduler import execute
    from featgraph.engine.source import Source

    y = harness.speech(7.0)
    short, long_ = folder / "short.flac", folder / "long.flac"
    sf.write(short, y[:1600], 16000, subtype="PCM_16")
    sf.write(long_, y, 16000, subtype="PCM_16")
    plan = featgraph.load("mfcc39").compile()
    start = time.perf_counter()
    result = execute(plan, Source.of(long_), corpus.BLOCK_SAMPLES)     # the first, cold
    cold = time.perf_counter() - start
    job, items, _ = corpus.prepare(plan, [str(short), str(long_)], str(folder / "out"))
    item = {Path(i.path).stem: i for i in items}
    (folder / "out").mkdir(exist_ok=True)
    count = itertools.count()
    reports: list = []

    def task(name: str) -> None:         # a new output each time, as in a first run
        fresh = dataclasses.replace(item[name], target=str(folder / "out" / f"{next(count)}.npz"))
        assert corpus.process(job, fresh)["status"] == "done"

    t = harness.interleaved({
        "short": lambda: task("short"),
        "short decode": lambda: sf.read(short),
        "long": lambda: task("long"),
        "long compute": lambda: reports.append(
            execute(plan, Source.of(long_), corpus.BLOCK_SAMPLES).report),
        "long decode": lambda: sf.read(long_),
        "npz": lambda: result.save(folder / "out" / f"{next(count)}.npz"),
        "npz over": lambda: result.save(folder / "long.npz"),
        "create": lambda: os.close(os.open(folder / "out" / f"{next(count)}.x",
                                           os.O_WRONLY | os.O_CREAT | os.O_EXCL))}, rounds)
    ms = {k: v["median"] * 1e3 for k, v in t.items()}
    steps = {}                               # step key: (name, median ms over the rounds)
    for row in result.report:
        if row.status == "executed":
            steps[row.key] = [f"{row.node} ({row.op}", statistics.median(
                r[row.node].seconds for r in reports[1:]) * 1e3]
        elif row.status == "fused":
            steps[row.key][0] += f" + {row.op}"
    slowest = sorted(steps.values(), key=lambda s: -s[1])[:5]
    nodes = ", ".join(f"{name}) {v:.2f} ms" for name, v in slowest)
    return (f"Where the time goes (mfcc39, one process, median of {rounds}): the task of a "
            f"0.1 s FLAC (read, compute, write its new .npz) costs {ms['short']:.1f} ms "
            f"against {ms['short decode']:.2f} ms to decode it: the fixed cost of a file "
            f"(libsndfile's open, a call of each plan step, the output file "
            f"created); the task of 7 s of FLAC {ms['long']:.1f} ms, of which computing "
            f"{ms['long compute']:.1f} ms (decoding included) against "
            f"{ms['long decode']:.1f} ms to decode; writing its .npz {ms['npz']:.1f} ms "
            f"as a new file, {ms['npz over']:.1f} ms over an existing one (a rerun after a "
            f"parameter change; ext4 starts the write-back at such a rename), where "
            f"creating an empty file in the output folder alone costs "
            f"{ms['create']:.2f} ms (the file system's part). Slowest plan steps "
            f"on the 7 s file: {nodes}; the first run in a process took "
            f"{cold * 1e3:.1f} ms (once per worker: FFT plans, filter weights, work "
            f"buffers).")


def main() -> None:
    ap = harness.parser(__doc__, repeats=3)
    ap.add_argument("--files", type=int, default=200, help="files per corpus (200)")
    ap.add_argument("--longest", type=float, default=12.0, help="longest file, s (12)")
    ap.add_argument("--only", action="append", metavar="TEXT",
                    help="run only the candidates whose name holds TEXT (repeatable; "
                         "a trial: prints the table, writes nothing)")
    ap.add_argument("--profile-only", action="store_true",
                    help="print only the per-file profile of mfcc39")
    args = ap.parse_args()
    if args.profile_only:
        with tempfile.TemporaryDirectory() as tmp:
            print(profile(Path(tmp)))
        return
    import dask
    from distributed import LocalCluster

    # Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536: glibc then returns every
    # freed block at the top of the heap to the OS, and each numpy temporary page-faults
    # afresh (about 2x slower per task here).  A large threshold, as docs/corpus.md
    # recommends for real clusters, makes a worker as fast as a pool process.
    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 1 << 30})
    with tempfile.TemporaryDirectory(prefix="fgcorpus-") as tmp, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None) as cluster:
        total = make_corpus(Path(tmp), args.files, args.longest)
        runs: dict = {}
        for round_ in range(args.repeats):
            for fmt in ("flac", "wav"):
                for name, cmd in candidates(Path(tmp) / fmt, cluster.scheduler_address).items():
                    if args.only and not any(o in name for o in args.only):
                        continue
                    r = harness.peak_rss(cmd)
                    lines = dict(line.split(" ", 1) for line in r["stdout"].splitlines()
                                 if line.startswith("@"))
                    peak = int(lines.get("@worker_peak_kib", 0)) / 1024 or r["peak_mib"]
                    entry = runs.setdefault((fmt, name), {"s": [], "cpu": [], "peak": 0.0})
                    entry["s"].append(float(lines["@seconds"]))
                    if "@cpu" in lines:
                        entry["cpu"].append(float(lines["@cpu"]))
                    entry["peak"] = max(entry["peak"], peak)
                    print(f"round {round_} {fmt} {name}: {entry['s'][-1]:.2f} s, "
                          f"CPU {float(lines.get('@cpu', 'nan')):.2f} s, {peak:.0f} MiB",
                          flush=True)
        if args.only:                    # a trial: the table only, nothing written
            print(report(runs, total, args, summary=False))
            return
        notes = profile(Path(tmp))
    body = report(runs, total, args) + "\n\n" + notes
    harness.write_section("corpus", f"corpus throughput, {args.files} files of 1-"
                          f"{args.longest:g} s (16 kHz), WAV and FLAC", body, PACKAGES,
                          args.write)


def report(runs: dict, total: float, args, summary: bool = True) -> str:
    hours = total / 3600
    rows, med = [], {}
    for (fmt, name), e in runs.items():
        med[fmt, name] = statistics.median(e["s"])
    for (fmt, name), e in runs.items():
        floor = med.get((fmt, "decoding alone, Pool(2)" if "2" in name.split(",")[-1]
                         else "decoding alone, 1 process"))
        rows.append([fmt, name, med[fmt, name], min(e["s"]), hours / med[fmt, name],
                     f"{med[fmt, name] / floor:.2f}x" if floor else "-",
                     f"{statistics.median(e['cpu']):.3f}" if e["cpu"] else "-",
                     f"{e['peak']:.0f}"])
    table = harness.table(["corpus", "candidate", "median s", "min s", "audio h/s",
                           "vs decoding (same workers)", "CPU s (all processes)",
                           "peak MiB per worker"], rows)
    lines = [f"{args.files} files, {total / 60:.1f} min of audio per corpus; median of "
             f"{args.repeats} interleaved rounds; each candidate in a fresh process, "
             "imports not timed; CPU: user + system time of the process and its workers "
             "(not the Dask workers'), which a loaded machine inflates less than the "
             "wall time.", "", table, ""]
    for fmt in ("flac", "wav") if summary else ():
        fg_best = min(med[fmt, "featgraph mfcc_librosa, --jobs 2"], 1e9)
        fg32 = med[fmt, "featgraph mfcc_librosa float32, --jobs 2"]
        lib_best = min(med[fmt, "librosa mfcc, loop"], med[fmt, "librosa mfcc, Pool(2)"])
        psf_best = min(med[fmt, "python_speech_features mfcc, loop"],
                       med[fmt, "python_speech_features mfcc, Pool(2)"])
        mfcc39 = min(med[fmt, "featgraph mfcc39, --jobs 2"],
                     med[fmt, "featgraph mfcc39, 1 process"])
        floor = min(med[fmt, "decoding alone, Pool(2)"], med[fmt, "decoding alone, 1 process"])
        lines.append(f"- {fmt.upper()}: featgraph `mfcc_librosa` (2 workers) is "
                     f"**{lib_best / fg_best:.1f}x** librosa's best (target >= 3x), in "
                     f"float32 as librosa computes {lib_best / fg32:.1f}x; "
                     f"`mfcc_psf` (2 workers) {psf_best / med[fmt, 'featgraph mfcc_psf, --jobs 2']:.1f}x "
                     f"python_speech_features' best; `mfcc39`'s best takes "
                     f"**{mfcc39 / floor:.2f}x** the time of the best decoding alone "
                     "(target <= 1.5x on FLAC).")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""eGeMAPS and GeMAPS recipes against openSMILE 2.6, 600 s of 16 kHz speech.

Workload as issue 16 states it: openSMILE's eGeMAPSv02 low-level descriptors and
functionals (and GeMAPSv01b's functionals) on 600 s of 16 kHz speech (the bundled
speech example tiled, written once as a 16-bit WAV), against featgraph's recipes
``egemaps_lld``, ``egemaps`` and ``gemaps`` run on the same file
(``featgraph.load(name).run(path)``).  openSMILE runs in a scratch virtual environment
given by ``--peer-python`` (``opensmile``: never a featgraph dependency; its research
licence is why this exists) as a worker process that keeps a ``Smile`` object per feature
set warm and times one ``process_file`` when asked.  Rounds are interleaved: each round
times every featgraph recipe in this process and every openSMILE call in the worker, so
slow drift of the machine hits both alike; medians of ``--repeats`` rounds after one
warm-up.  Peak resident memory: each featgraph recipe once more in a fresh process
(``harness.peak_rss``, the OS figure), the openSMILE worker's ``ru_maxrss``.

A recipe that is not shipped yet is reported as such (the openSMILE side is still
timed).  Target (issue 16): >= 5x for the LLDs and for the functionals.

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    python benchmarks/bench_egemaps.py --peer-python /tmp/venv-smile/bin/python --write
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

import harness as h

# (featgraph recipe, openSMILE call, target speed-up)
WORK = [
    ("egemaps_lld", "eGeMAPSv02 LowLevelDescriptors", 5),
    ("egemaps", "eGeMAPSv02 Functionals", 5),
    ("gemaps", "GeMAPSv01b Functionals", 5),
]


# ---- the peer worker (runs in the scratch venv; imports nothing of featgraph) -------------

def peer_worker() -> None:
    """Read the WAV path, then serve timed calls (:func:`harness.serve_peer`)."""
    import opensmile

    path = sys.stdin.readline().strip()
    sets = {"eGeMAPSv02": opensmile.FeatureSet.eGeMAPSv02,
            "GeMAPSv01b": opensmile.FeatureSet.GeMAPSv01b}
    levels = {"LowLevelDescriptors": opensmile.FeatureLevel.LowLevelDescriptors,
              "Functionals": opensmile.FeatureLevel.Functionals}
    calls = {}
    for _, call, _ in WORK:
        feature_set, level = call.split()
        smile = opensmile.Smile(feature_set=sets[feature_set], feature_level=levels[level])
        calls[call] = lambda smile=smile: smile.process_file(path)
    h.serve_peer(calls, {"ready": sorted(calls), "versions": {"opensmile": opensmile.__version__}})


# ---- featgraph, in this process -------------------------------------------------------------

def run_recipe(name: str, path: str) -> dict:
    """One run of recipe ``name`` on ``path`` (for the peak-memory child process)."""
    import featgraph

    out = featgraph.load(name).run(path)
    return {k: list(v.shape) for k, v in out.items()}


def featgraph_calls(path: str) -> tuple[dict, dict]:
    """``{recipe: call}`` for the shipped recipes, ``{recipe: reason}`` for the others."""
    import featgraph

    calls, missing = {}, {}
    for name, _, _ in WORK:
        try:
            recipe = featgraph.load(name)
        except Exception as exc:                           # noqa: BLE001 - reported as is
            missing[name] = f"not available ({type(exc).__name__})"
            continue
        calls[name] = lambda r=recipe: r.run(path)
    return calls, missing


def write_wav(folder: str, seconds: float) -> str:
    import soundfile as sf

    path = os.path.join(folder, "speech_600s_16k.wav")
    sf.write(path, h.speech(seconds), 16000, subtype="PCM_16")
    return path


def main() -> None:
    ap = h.parser(__doc__, repeats=3, seconds=600.0)
    ap.add_argument("--peer-python", required=True, help="the scratch venv's python "
                                                         "(with opensmile)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_wav(tmp, args.seconds)
        fg, missing = featgraph_calls(path)
        peer = h.Peer(args.peer_python, __file__, path)
        runs = {n: [] for n in [*fg, *(w[1] for w in WORK)]}
        for round_ in range(args.repeats + 1):           # round 0 warms up
            for name, call, _ in WORK:
                if name in fg:
                    start = time.perf_counter()
                    fg[name]()
                    if round_:
                        runs[name].append(time.perf_counter() - start)
                seconds = peer.time(call)
                if round_:
                    runs[call].append(seconds)
        peer.close()
        peaks = {name: h.peak_rss(h.call_cmd(__file__, "run_recipe", name, path))["peak_mib"]
                 for name in fg}
    med = {n: sorted(r)[len(r) // 2] for n, r in runs.items() if r}
    rows = []
    for name, call, target in WORK:
        if name in fg:
            ratio = med[call] / med[name]
            rows.append([name, med[name], f"{peaks[name]:.0f}", call, med[call],
                         f"{ratio:.1f}x", f">= {target}x", "met" if ratio >= target else "not met"])
        else:
            rows.append([name, missing[name], "", call, med[call], "", f">= {target}x", ""])
    all_runs = "\n".join(f"- {n}: " + " ".join(f"{t:.3f}" for t in r) for n, r in runs.items())
    versions = ", ".join(f"{k} {v}" for k, v in peer.info["versions"].items())
    body = (f"{args.seconds:g} s of 16 kHz speech (16-bit WAV), {args.repeats} interleaved "
            f"rounds after one warm-up, medians in seconds; speed-up = openSMILE's median over "
            f"featgraph's.  openSMILE in `{h.shown(args.peer_python)}` ({versions}), "
            f"`Smile(...).process_file`, one worker process (peak resident memory "
            f"{peer.peak:.0f} MiB over all its calls); featgraph's peak per recipe in a fresh "
            f"process.  Load average at the start: {h.LOAD_AT_START:.2f}.\n\n"
            + h.table(["recipe", "featgraph", "peak MiB", "openSMILE", "openSMILE s",
                       "speed-up", "target", ""], rows)
            + f"\n\nAll timed runs, s:\n\n{all_runs}\n")
    h.write_section("egemaps", "eGeMAPS / GeMAPS recipes against openSMILE 2.6, "
                    f"{args.seconds:g} s of 16 kHz", body, ("soundfile",), args.write)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer-worker"]:
        peer_worker()
    else:
        main()

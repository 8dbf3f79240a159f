"""Onsets, beats, HPSS and the MIR bundle on 600 s at 22.05 kHz: featgraph against librosa.

Audio: ``tests/mir_signals.drum_loop()`` (20 s of drums and plucked chords at 124 BPM)
tiled to 600 s, float32 (what ``librosa.load`` gives), made once.  Speed, in this
process: one warm-up call each, then interleaved rounds (every variant once per round,
>= 5 rounds); median and min.  featgraph recipes are loaded once, outside the timing; a
call is ``recipe.run(y, sr=22050)`` (float64 unless the variant says float32).  librosa
at its defaults: ``onset.onset_strength(y=y, sr=sr)``; ``beat.beat_track(y=y, sr=sr)``;
``decompose.hpss(np.abs(stft(y)))``; for the bundle the expert way, one STFT passed as
``S=`` to every call (see ``librosa_bundle``).  Peak RSS: each variant alone in a fresh
process (``ru_maxrss``) that makes the audio, warms up on 8 s, then makes one call;
"before" is VmRSS just before it.

    pip install librosa==0.11.0
    python benchmarks/bench_onsets.py --write       # about 15 minutes on 2 cores
"""
from __future__ import annotations

import json
import sys

import harness as h

sys.path.insert(0, str(h.ROOT / "tests"))
SR = 22050
VARIANTS = {  # name: (library, what)
    "featgraph onset_strength": ("featgraph", "`onset_strength`"),
    "featgraph onset_strength float32": ("featgraph", "`onset_strength`, `dtype: float32`"),
    "librosa onset_strength": ("librosa", "`onset.onset_strength(y=y, sr=sr)`"),
    "featgraph beats": ("featgraph", "`beats` (tempo and beat times)"),
    "featgraph beats float32": ("featgraph", "`beats`, `dtype: float32`"),
    "librosa beats": ("librosa", "`beat.beat_track(y=y, sr=sr)`"),
    "featgraph hpss": ("featgraph", "`hpss`"),
    "featgraph hpss float32": ("featgraph", "`hpss`, `dtype: float32`"),
    "librosa hpss": ("librosa", "`decompose.hpss(np.abs(stft(y)))`"),
    "featgraph mir_bundle": ("featgraph", "`mir_bundle`"),
    "featgraph mir_bundle float32": ("featgraph", "`mir_bundle`, `dtype: float32`"),
    "librosa mir_bundle": ("librosa", "the same set, one `stft` passed as `S=`"),
}
PAIRS = [(f"featgraph {w}{f}", f"librosa {w}") for w in ("onset_strength", "beats", "hpss",
                                                          "mir_bundle")
         for f in ("", " float32")]


def audio(seconds: float):
    import numpy as np
    from mir_signals import drum_loop

    loop = drum_loop().astype(np.float32)
    n = int(round(seconds * SR))
    return np.ascontiguousarray(np.tile(loop, -(-n // loop.size))[:n])


def librosa_bundle(y):
    """onsets, tempo, beats, chroma of H, onset strength of P: one STFT, as an expert."""
    import librosa
    import numpy as np

    mag = np.abs(librosa.stft(y))
    logmel = librosa.power_to_db(librosa.feature.melspectrogram(S=mag ** 2, sr=SR))
    env = librosa.onset.onset_strength(S=logmel, sr=SR)
    onsets = librosa.onset.onset_detect(onset_envelope=env, sr=SR, units="time")
    env_median = librosa.onset.onset_strength(S=logmel, sr=SR, aggregate=np.median)
    tempo, beats = librosa.beat.beat_track(onset_envelope=env_median, sr=SR, units="time")
    harm, perc = librosa.decompose.hpss(mag)
    chroma = librosa.feature.chroma_stft(S=harm ** 2, sr=SR, tuning=0.0)
    perc_env = librosa.onset.onset_strength(
        S=librosa.power_to_db(librosa.feature.melspectrogram(S=perc ** 2, sr=SR)), sr=SR)
    return onsets, tempo, beats, chroma, perc_env


def callables(names=VARIANTS) -> dict:
    """name -> f(y) giving the outputs."""
    fns = {}
    if any(n.startswith("featgraph") for n in names):
        import featgraph
        for recipe in ("onset_strength", "beats", "hpss", "mir_bundle"):
            r = featgraph.load(recipe)      # dtype is a recipe parameter: pass it to run
            fns[f"featgraph {recipe}"] = lambda y, r=r: dict(r.run(y, sr=SR))
            fns[f"featgraph {recipe} float32"] = (
                lambda y, r=r: dict(r.run(y, sr=SR, dtype="float32")))
    if any(n.startswith("librosa") for n in names):
        import librosa
        import numpy as np
        fns["librosa onset_strength"] = lambda y: librosa.onset.onset_strength(y=y, sr=SR)
        fns["librosa beats"] = lambda y: librosa.beat.beat_track(y=y, sr=SR)
        fns["librosa hpss"] = lambda y: librosa.decompose.hpss(np.abs(librosa.stft(y)))
        fns["librosa mir_bundle"] = librosa_bundle
    return {n: f for n, f in fns.items() if n in names}


def child(name: str, seconds: float) -> dict:
    """In a fresh process: warm up on 8 s, then one call on ``seconds``."""
    fn = callables([name])[name]
    fn(audio(8.0))
    y = audio(seconds)
    before = h.rss_mib()
    fn(y)
    return {"before_mib": before}


def main() -> None:
    ap = h.parser(__doc__, repeats=5, seconds=600.0)
    ap.add_argument("--only", default="", help="comma-separated works to time (onset_strength, "
                                               "beats, hpss, mir_bundle); not with --write")
    args = ap.parse_args()
    y = audio(args.seconds)
    if args.only:
        if args.write:
            ap.error("--only times some rows: it cannot --write the section")
        works = args.only.split(",")
        fns = callables([n for n in VARIANTS if n.split()[1] in works])
        stats = h.interleaved({n: (lambda f=f: f(y)) for n, f in fns.items()}, args.repeats)
        for n, s in stats.items():
            print(f"{n:36s} median {s['median']:.3f} s  min {s['min']:.3f} s")
        for a, b in PAIRS:
            if a in stats and b in stats:
                print(f"{b} / {a}: {stats[b]['median'] / stats[a]['median']:.2f}x (medians), "
                      f"{stats[b]['min'] / stats[a]['min']:.2f}x (mins)")
        return
    fns = callables()
    stats = h.interleaved({n: (lambda f=f: f(y)) for n, f in fns.items()}, args.repeats)
    memory = {n: h.peak_rss(h.call_cmd(__file__, "child", n, args.seconds)) for n in fns}
    rows = []
    for name, (lib, what) in VARIANTS.items():
        s, m = stats[name], memory[name]
        before = json.loads(m["stdout"])["before_mib"]
        rows.append([lib, what, len(s["runs"]), s["median"], s["min"], f"{m['peak_mib']:.0f}",
                     f"{m['peak_mib'] - before:.0f}"])
    ratios = "\n".join(
        f"- {b} / {a}: **{stats[b]['median'] / stats[a]['median']:.1f}x** (ratio of medians; "
        f"of mins {stats[b]['min'] / stats[a]['min']:.1f}x)" for a, b in PAIRS)
    runs = "\n".join(f"- {n}: " + " ".join(f"{t:.3f}" for t in s["runs"])
                     for n, s in stats.items())
    import featgraph
    report = featgraph.load("mir_bundle").run(y, sr=SR).report
    body = (f"{args.seconds:.0f} s at 22.05 kHz (a 20 s synthetic drum and chord loop, tiled), "
            "float32 input.\n\n"
            + h.table(["library", "variant", "n", "median s", "min s", "peak RSS MiB",
                       "RSS growth MiB"], rows)
            + "\n\nlibrosa time over featgraph time (targets: onset_strength >= 3x, beats "
            f">= 3x, hpss >= 10x, mir_bundle >= 3x):\n\n{ratios}\n\n"
            "Peak RSS: the child's `ru_maxrss` (interpreter, imports and the signal "
            "included); growth: peak minus VmRSS just before the call.\n\n"
            f"All timed runs, s:\n\n{runs}\n\nfeatgraph's per-node report, `mir_bundle`, one "
            f"{args.seconds:.0f} s run:\n\n```\n{report}\n```\n")
    h.write_section("onsets", f"onsets, beats, HPSS against librosa, {args.seconds:.0f} s "
                    "at 22.05 kHz", body, ("librosa",), args.write)


if __name__ == "__main__":
    main()

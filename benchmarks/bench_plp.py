"""PLP and RASTA-PLP on 600 s of 16 kHz audio: featgraph against spafe 0.3.3.

Audio: featgraph/data/speech_en_16k.wav (8.3 s) tiled to 600 s, float64 in [-1, 1], made once.
Speed, in this process: one warm-up call each, then interleaved rounds (every variant once
per round, >= 5 rounds); median and min.  featgraph recipes are loaded once, outside the
timing; a call is ``recipe.run(y, sr=16000)`` (``order=12`` for 13 cepstra).  spafe:
``rplp.plp`` / ``rplp.rplp`` with order 13, 24 filters, nfft 512, Hamming 25 ms / 10 ms.
Only speed and memory are compared: spafe's PLP follows other conventions than rastamat's.
Peak RSS: each variant alone in a fresh process (OS figure, ``ru_maxrss``) that makes the
audio, makes one warm-up call on 8 s, then one 600 s call; "before" is VmRSS just before it.

    pip install -e .[bench]                      # spafe==0.3.3
    python benchmarks/bench_plp.py --write       # about 2 minutes on 2 cores
"""
from __future__ import annotations

import json

import harness as h

SR = 16000
VARIANTS = {  # name: (library, what)
    "featgraph plp": ("featgraph", "`plp`, order 8 (9 cepstra, rastamat defaults)"),
    "featgraph plp order=12": ("featgraph", "`plp --set order=12` (13 cepstra)"),
    "featgraph plp order=12 float32": ("featgraph", "`plp --set order=12`, recipe `dtype: float32`"),
    "featgraph rasta_plp order=12": ("featgraph", "`rasta_plp --set order=12` (13 cepstra)"),
    "spafe plp": ("spafe", "`rplp.plp(order=13, nfilts=24, nfft=512)`"),
    "spafe rplp": ("spafe", "`rplp.rplp(order=13, nfilts=24, nfft=512)`"),
}
PAIRS = [("featgraph plp order=12", "spafe plp"), ("featgraph plp order=12 float32", "spafe plp"),
         ("featgraph rasta_plp order=12", "spafe rplp")]


def callables(names=VARIANTS) -> dict:
    """name -> f(y) giving the feature matrix."""
    fns = {}
    if any(n.startswith("featgraph") for n in names):
        import featgraph
        plp, rasta, plp32 = featgraph.load("plp"), featgraph.load("rasta_plp"), featgraph.load("plp")
        plp32.dtype = "float32"
        fns["featgraph plp"] = lambda y: plp.run(y, sr=SR)["plp"]
        fns["featgraph plp order=12"] = lambda y: plp.run(y, sr=SR, order=12)["plp"]
        fns["featgraph plp order=12 float32"] = lambda y: plp32.run(y, sr=SR, order=12)["plp"]
        fns["featgraph rasta_plp order=12"] = (
            lambda y: rasta.run(y, sr=SR, order=12)["rasta_plp"])
    if any(n.startswith("spafe") for n in names):
        from spafe.features import rplp
        from spafe.utils.preprocessing import SlidingWindow
        kw = dict(fs=SR, order=13, nfilts=24, nfft=512)
        fns["spafe plp"] = lambda y: rplp.plp(y, window=SlidingWindow(0.025, 0.01, "hamming"),
                                              **kw)
        fns["spafe rplp"] = lambda y: rplp.rplp(y, window=SlidingWindow(0.025, 0.01, "hamming"),
                                                **kw)
    return {n: f for n, f in fns.items() if n in names}


def child(name: str, seconds: float) -> dict:
    """In a fresh process: warm up on 8 s, then one call on ``seconds``."""
    fn = callables([name])[name]
    fn(h.speech(8.0))
    y = h.speech(seconds)
    before = h.rss_mib()
    shape = fn(y).shape
    return {"before_mib": before, "shape": list(shape)}


def main() -> None:
    args = h.parser(__doc__, repeats=5, seconds=600.0).parse_args()
    y = h.speech(args.seconds)
    fns = callables()
    stats = h.interleaved({n: (lambda f=f: f(y)) for n, f in fns.items()}, args.repeats)
    memory = {n: h.peak_rss(h.call_cmd(__file__, "child", n, args.seconds)) for n in fns}
    rows = []
    for name, (lib, what) in VARIANTS.items():
        s, m = stats[name], memory[name]
        child_out = json.loads(m["stdout"])
        rows.append([lib, what, len(s["runs"]), s["median"], s["min"], f"{m['peak_mib']:.0f}",
                     f"{m['peak_mib'] - child_out['before_mib']:.0f}", tuple(child_out["shape"])])
    ratios = "\n".join(
        f"- {b} / {a}: **{stats[b]['median'] / stats[a]['median']:.1f}x** (ratio of medians; "
        f"of mins {stats[b]['min'] / stats[a]['min']:.1f}x)" for a, b in PAIRS)
    runs = "\n".join(f"- {n}: " + " ".join(f"{t:.3f}" for t in s["runs"])
                     for n, s in stats.items())
    import featgraph
    report = featgraph.load("plp").run(y, sr=SR).report
    body = (f"{args.seconds:.0f} s of 16 kHz speech (tiled), float64.\n\n"
            + h.table(["library", "variant", "n", "median s", "min s", "peak RSS MiB",
                       "RSS growth MiB", "shape"], rows)
            + f"\n\nspafe time over featgraph time, like for like (13 cepstra):\n\n{ratios}\n\n"
            "Peak RSS: the child's `ru_maxrss` (interpreter, imports and the 73 MiB signal "
            "included); growth: peak minus VmRSS just before the 600 s call.\n\n"
            f"All timed runs, s:\n\n{runs}\n\nfeatgraph's per-node report, `plp`, one "
            f"{args.seconds:.0f} s run:\n\n```\n{report}\n```\n")
    h.write_section("plp", f"featgraph against spafe, {args.seconds:.0f} s of 16 kHz", body,
                    ("spafe",), args.write)


if __name__ == "__main__":
    main()

"""Feature cache: a cached rerun against an uncached run (docs/cache.md).

One file (the 8.3 s example tiled to ``--seconds``, written as 16-bit WAV), in process,
per recipe, interleaved rounds (one warm-up), each candidate prepared before its timed call:

* uncached: ``recipe.run(path)``;
* first cached run: the cache folder emptied, then ``recipe.run(path, cache=folder)`` (it
  computes and stores: the cost of filling);
* rerun, same parameters: the cache holds that run; everything is read;
* rerun after a downstream change (PLP's lifter, mfcc39's cepstral lifter, mfcc_librosa's
  number of cepstra): the cache holds the run before the change (the entries the changed run
  stored in the previous round are removed first), so the nodes below the change run from
  cached intermediates.

Default store policy (``reduced``), default identity (``stat``).

    python benchmarks/bench_cache.py --write       # about 2 minutes
"""
from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import harness as h

CASES = (("plp", {"lifter": 0.5}), ("mfcc39", {"ceplifter": 20}),
         ("mfcc_librosa", {"n_mfcc": 13}))


def main() -> None:
    args = h.parser(__doc__, repeats=5, seconds=300.0).parse_args()
    import soundfile as sf

    import featgraph
    from featgraph.engine.cache import Cache

    tmp = Path(tempfile.mkdtemp())
    wav = tmp / "speech.wav"
    sf.write(wav, h.speech(args.seconds), 16000, subtype="PCM_16")
    rows = []
    for name, change in CASES:
        recipe = featgraph.load(name)
        fill, warm, base = (Cache(tmp / f"{name}-{k}") for k in ("fill", "warm", "base"))
        recipe.run(wav, cache=warm)
        recipe.run(wav, cache=base)
        kept = {p for _, _, p in base.entries()}

        def drop_new(cache=base, kept=kept):
            for _, _, p in cache.entries():
                if p not in kept:
                    p.unlink()

        candidates = {
            "uncached": (None, lambda: recipe.run(wav)),
            "first cached run (stores)": (lambda: shutil.rmtree(fill.folder, True),
                                          lambda: recipe.run(wav, cache=fill)),
            "rerun, same parameters": (None, lambda: recipe.run(wav, cache=warm)),
            "rerun, " + ", ".join(f"{k}={v}" for k, v in change.items()):
                (drop_new, lambda: recipe.run(wav, cache=base, **change)),
        }
        runs = {label: [] for label in candidates}
        for round_ in range(1 + args.repeats):
            for label, (setup, fn) in candidates.items():
                if setup:
                    setup()
                start = time.perf_counter()
                fn()
                if round_:
                    runs[label].append(time.perf_counter() - start)
        plain = statistics.median(runs["uncached"])
        for label, times in runs.items():
            med = statistics.median(times)
            rows.append([name, label, len(times), med, min(times), f"{plain / med:.1f}x"])
        drop_new()
        rows.append([name, "stored (MiB)", "", base.info()["bytes"] / 2 ** 20, "", ""])
    shutil.rmtree(tmp)
    body = (f"{args.seconds:g} s of 16 kHz speech (the example tiled), one WAV file, in "
            f"process; {args.repeats} interleaved rounds after a warm-up; store policy "
            "`reduced`.\n\n"
            + h.table(["recipe", "run", "n", "median s", "min s", "speed-up (median)"], rows)
            + "\n")
    h.write_section("cache", "feature cache: cached reruns against an uncached run", body,
                    ("soundfile",), args.write)


if __name__ == "__main__":
    main()

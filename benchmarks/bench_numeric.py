"""The numeric core: FFT backends, float32 against float64, fusion, and PLP against spafe.

Sections (all in one run, each timing the median of interleaved repeated calls,
so that slow drift of a loaded machine hits every variant alike):

``fft``
    ``rfft`` of a block of 410 frames x 512 points (one streaming chunk of PLP),
    numpy against ducc0, float64 and float32; ducc0 also into a preallocated
    output.
``plp``
    The ``plp`` recipe on ``--seconds`` of 16 kHz audio (the bundled speech,
    tiled), float64 and float32 (recipe-level ``dtype``), fused and unfused
    (``FEATGRAPH_FUSE=0``), through ``Recipe.run`` (compile included), next to
    spafe 0.3.3 ``rplp.plp(order=13, nfilts=24, nfft=512, hamming 25/10 ms)``
    with the parameters of /work/shared/reference/index.json.  The ratio is
    spafe's median over each variant's median.
``rules``
    Fused PLP with one fusion rule (or the scale folding) left out at a time,
    and with no band folding (neither ``bands`` nor ``spectrum+bands``): what
    each rule is worth.
``accuracy``
    float32 and float64 PLP (fused) on the three speech files against
    rastamat (tests/data/*__rastamat.npz) and against each other, as the
    largest error over a coefficient's range.

Usage::

    pip install spafe==0.3.3 ducc0
    python benchmarks/bench_numeric.py                   # all sections, 600 s, 5 rounds
    python benchmarks/bench_numeric.py --only fft plp --rounds 7 --json out.json
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

import featgraph
from featgraph.engine import fuse as fusion

SR = 16000
ROOT = Path(__file__).resolve().parents[1]


def median_of(fns: dict, rounds: int, warmup: int = 1) -> dict:
    """``{name: (median s, all times)}``; calls interleaved round by round after a warm-up."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(t), t) for name, t in times.items()}


@contextlib.contextmanager
def env(**values):
    """Set environment variables for the duration of the block."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items()})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def audio(seconds: float) -> np.ndarray:
    y, sr = sf.read(featgraph.example("speech"), dtype="float64")
    assert sr == SR
    n = int(seconds * SR)
    return np.ascontiguousarray(np.tile(y, -(-n // len(y)))[:n])


# ------------------------------------------------------------------ sections
def bench_fft(args) -> dict:
    import ducc0

    rng = np.random.default_rng(0)
    out = {}
    for dtype, ctype in ((np.float64, np.complex128), (np.float32, np.complex64)):
        x = rng.standard_normal((410, 512)).astype(dtype)
        spec = np.empty((410, 257), ctype)
        fns = {
            "numpy": lambda: np.fft.rfft(x, axis=-1),
            "ducc0": lambda: ducc0.fft.r2c(x, axes=(-1,), nthreads=1),
            "ducc0 out=": lambda: ducc0.fft.r2c(x, axes=(-1,), nthreads=1, out=spec),
        }
        res = median_of(fns, rounds=max(args.rounds, 25), warmup=3)
        name = np.dtype(dtype).name
        out[name] = {k: v[0] * 1e6 for k, v in res.items()}
        line = ", ".join(f"{k} {v:.0f} us" for k, v in out[name].items())
        print(f"fft {name}: {line}; numpy/ducc0 {out[name]['numpy'] / out[name]['ducc0']:.2f}x")
    return out


def plp_callables(y: np.ndarray, spafe: bool = True) -> dict:
    def run(dtype, fused):
        recipe = featgraph.load("plp")
        recipe.dtype = dtype

        def call():
            with env(FEATGRAPH_FUSE="1" if fused else "0"):
                return recipe.run(y, sr=SR)["plp"]
        return call

    fns = {f"featgraph {dt} {'fused' if f else 'unfused'}": run(dt, f)
           for dt in ("float64", "float32") for f in (True, False)}
    if spafe:
        from spafe.features.rplp import plp
        from spafe.utils.preprocessing import SlidingWindow

        fns["spafe plp order 13"] = lambda: plp(y, fs=SR, order=13, nfilts=24, nfft=512,
                                                 window=SlidingWindow(0.025, 0.01, "hamming"))
    return fns


def bench_plp(args) -> dict:
    y = audio(args.seconds)
    res = median_of(plp_callables(y), args.rounds)
    spafe = res["spafe plp order 13"][0]
    out = {}
    print(f"plp on {args.seconds:g} s, median of {args.rounds} interleaved rounds:")
    for name, (med, times) in res.items():
        out[name] = {"median_s": med, "times_s": times, "spafe_ratio": spafe / med}
        print(f"  {name:<28} {med * 1e3:9.1f} ms   spafe/this {spafe / med:7.1f}x   "
              f"(all: {' '.join(f'{t * 1e3:.0f}' for t in times)})")
    return out


def bench_rules(args) -> dict:
    y = audio(args.seconds)
    recipe = featgraph.load("plp")
    rules = list(fusion.RULES)
    variants = {"all rules": rules, "no fusion": []}
    for r in rules:
        variants[f"without {r.name}"] = [x for x in rules if x is not r]
    variants["no band folding"] = [x for x in rules if "bands" not in x.name]
    variants["without scale folding"] = [dataclasses.replace(r, absorbs_scale=False)
                                         for r in rules]

    def call_with(rule_set):
        def call():
            fusion.RULES[:] = rule_set
            try:
                return recipe.run(y, sr=SR)["plp"]
            finally:
                fusion.RULES[:] = rules
        return call

    res = median_of({k: call_with(v) for k, v in variants.items()}, args.rounds)
    base = res["all rules"][0]
    print(f"fusion rules, plp float64 on {args.seconds:g} s (median of {args.rounds}):")
    for name, (med, _) in res.items():
        print(f"  {name:<28} {med * 1e3:8.1f} ms  ({(med - base) * 1e3:+.1f} ms)")
    return {k: v[0] for k, v in res.items()}


def bench_accuracy(args) -> dict:
    data = ROOT / "tests" / "data"
    files = {"speech_en_16k": featgraph.example("speech"),
             "speech_en_gb_16k": data / "speech_en_gb_16k.wav",
             "english_8k": data / "english_8k.wav"}

    def worst(got, want):
        span = want.max(axis=-1) - want.min(axis=-1)
        return float((np.abs(got - want).max(axis=-1) / span).max())

    out = {}
    print("accuracy: max |error| / range of the coefficient, worst coefficient")
    for stem, path in files.items():
        with np.load(data / f"{stem}__rastamat.npz") as z:
            ref = {k: z[k] for k in z.files}
        row = {}
        for recipe_name, key, params in (("plp", "plp", {}), ("plp", "plp13", {"order": 12}),
                                         ("rasta_plp", "rasta_plp", {})):
            got = {}
            for dt in ("float64", "float32"):
                recipe = featgraph.load(recipe_name)
                recipe.dtype = dt
                got[dt] = recipe.run(path, **params)[recipe_name].astype(np.float64)
            row[key] = {"float64 vs rastamat": worst(got["float64"], ref[key]),
                        "float32 vs rastamat": worst(got["float32"], ref[key]),
                        "float32 vs float64": worst(got["float32"], got["float64"])}
            print(f"  {stem:<17} {key:<10} " + "  ".join(f"{k} {v:.2e}"
                                                         for k, v in row[key].items()))
        out[stem] = row
    return out


SECTIONS = {"fft": bench_fft, "plp": bench_plp, "rules": bench_rules, "accuracy": bench_accuracy}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", nargs="+", choices=list(SECTIONS), default=list(SECTIONS))
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    from featgraph.nodes.spectral import fft_backend
    import featgraph.native as native

    print(f"featgraph {featgraph.__version__}, numpy {np.__version__}, FFT backend "
          f"{fft_backend()}, native {native.BACKEND}, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    results = {name: SECTIONS[name](args) for name in args.only}
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

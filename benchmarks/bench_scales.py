"""Speed of each ``spectrogram_<scale>`` recipe against audioFlux's own call for that scale.

600 s of 22.05 kHz audio (the chord recording tiled, float32 mix as float64), 2048-point
FFT, hop 512, Hann, frames not centred, power.  featgraph: the recipe with
``center=false`` (its two outputs: the power spectrogram and the dB one), float64 and
float32.  audioFlux 0.1.9: ``mel_spectrogram`` for mel, ``BFT(scale_type=...).bft`` then
``np.abs`` for the other scales.  Every measurement runs in a fresh child process: one
untimed warm-up call on 8 s, then ``--repeat`` timed calls (median and best reported),
and the growth of ru_maxrss over the timed calls (peak resident memory).  audioFlux
runs under the interpreter given by ``--audioflux-python`` (a scratch venv; it is never
a featgraph dependency); a crash of its call is reported as such.

Usage::

    python benchmarks/bench_scales.py --audioflux-python /tmp/venv/bin/python
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAV = ROOT / "tests" / "data" / "chord_pluck_22k_stereo.wav"
SCALES = {"linear": 1025, "linspace": 128, "mel": 128, "bark": 48, "erb": 64, "octave": 84,
          "log": 96}


def audio(seconds: float):
    import numpy as np
    import soundfile as sf
    y, sr = sf.read(WAV, dtype="float32")
    y = y.mean(axis=1).astype(np.float64)
    reps = int(seconds * sr) // len(y) + 1
    return np.tile(y, reps)[:int(seconds * sr)], sr


def child(lib: str, scale: str, seconds: float, repeat: int, dtype: str) -> dict:
    y, sr = audio(seconds)
    if lib == "featgraph":
        sys.path.insert(0, str(ROOT))
        import featgraph
        recipe = featgraph.load(f"spectrogram_{scale}")
        kw = dict(center=False)
        if scale in ("octave", "log"):
            kw["fmin"] = 65.40639
        kw["dtype"] = dtype

        def call(x):
            return recipe.run(x, sr=sr, **kw)
    else:
        import audioflux as af
        import numpy as np
        from audioflux.type import SpectralDataType, SpectralFilterBankScaleType
        y = y.astype(np.float32)
        if scale == "mel":
            def call(x):
                return af.mel_spectrogram(x, num=128, radix2_exp=11, samplate=sr,
                                          slide_length=512)
        else:
            kw = dict(num=SCALES[scale], radix2_exp=11, samplate=sr, slide_length=512,
                      scale_type=SpectralFilterBankScaleType[scale.upper()],
                      data_type=SpectralDataType.POWER)
            if scale in ("octave", "log"):
                kw["low_fre"] = 65.40639
            bft = af.BFT(**kw)

            def call(x):
                return np.abs(bft.bft(x))
    call(y[:8 * sr])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        call(y)
        times.append(time.perf_counter() - t)
    grow = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {"median": statistics.median(times), "best": min(times), "rss_mib": grow / 1024}


def spawn(python: str, lib: str, scale: str, args, dtype="float64") -> dict:
    cmd = [python, __file__, "--child", lib, scale, "--seconds", str(args.seconds),
           "--repeat", str(args.repeat), "--dtype", dtype]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if out.returncode != 0:
        return {"error": f"exit {out.returncode}: {out.stderr.strip().splitlines()[-1:]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dtype", default="float64")
    ap.add_argument("--audioflux-python", default=None)
    ap.add_argument("--child", nargs=2, metavar=("LIB", "SCALE"))
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child, args.seconds, args.repeat, args.dtype)))
        return
    print(f"| scale | featgraph f64 median (best) s | featgraph f32 median (best) s | "
          f"audioFlux median (best) s | audioFlux / featgraph f32 (medians) | peak RSS "
          f"growth MiB fg f32 / aF |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for scale in SCALES:
        fg = spawn(sys.executable, "featgraph", scale, args)
        fg32 = spawn(sys.executable, "featgraph", scale, args, "float32")
        af = spawn(args.audioflux_python, "audioflux", scale, args) if args.audioflux_python \
            else {"error": "not run"}

        def cell(r):
            return r["error"] if "error" in r else f"{r['median']:.3f} ({r['best']:.3f})"
        ratio = (f"{af['median'] / fg32['median']:.2f}x" if "error" not in af and
                 "error" not in fg32 else "-")
        mem = (f"{fg32.get('rss_mib', float('nan')):.0f} / "
               f"{af.get('rss_mib', float('nan')):.0f}")
        print(f"| {scale} | {cell(fg)} | {cell(fg32)} | {cell(af)} | {ratio} | {mem} |",
              flush=True)


if __name__ == "__main__":
    main()

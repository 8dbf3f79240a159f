"""FFT backends on PLP's framing: numpy.fft, scipy.fft and ducc0.fft, one thread each.

Input: 600 s of 16 kHz (the bundled speech tiled), 25 ms Hamming frames (400 samples) every
10 ms, zero-padded to 512: a (59998, 512) frame-major array, made once per dtype and layout.

* backends: ``numpy.fft.rfft(x, axis=-1)``, ``scipy.fft.rfft(x, axis=-1, workers=1)``,
  ``ducc0.fft.r2c(x, axes=(1,), nthreads=1)``;
* dtypes: float64 and float32 (every backend keeps float32 and returns complex64);
* buffers: 64-byte aligned, and misaligned (the data starts 4 bytes - float32 - or 8 bytes -
  float64 - past a 64-byte boundary);
* shapes: the whole array in one call, or blocks of 512 frames (about 1 MiB of float32 input,
  in cache), as featgraph's scheduler runs framewise chains.

Every combination is timed in interleaved rounds after a warm-up (median and min of >= 5).
Then the import time of each library, a fresh ``python -c "import X"`` each, interleaved,
next to ``python -c pass`` and ``import numpy`` (ducc0 is imported with numpy, which it
needs to be of use but does not import itself).

    pip install -e .[bench]                   # ducc0
    python benchmarks/bench_fft.py --write    # about 1 minute
"""
from __future__ import annotations

import sys

import numpy as np

import harness as h

SR, WIN, HOP, NFFT, BLOCK = 16000, 400, 160, 512, 512


def backends() -> dict:
    import ducc0
    import scipy.fft

    return {"numpy.fft.rfft": lambda x: np.fft.rfft(x, axis=-1),
            "scipy.fft.rfft": lambda x: scipy.fft.rfft(x, axis=-1, workers=1),
            "ducc0.fft.r2c": lambda x: ducc0.fft.r2c(x, axes=(1,), nthreads=1)}


def frames(y: np.ndarray, dtype, misaligned: bool) -> np.ndarray:
    """Windowed frames zero-padded to NFFT, in a buffer with the requested alignment."""
    n = 1 + (len(y) - WIN) // HOP
    itemsize = np.dtype(dtype).itemsize
    raw = np.empty(n * NFFT * itemsize + 128, np.uint8)
    start = -raw.ctypes.data % 64 + (itemsize if misaligned else 0)
    out = raw[start:start + n * NFFT * itemsize].view(dtype).reshape(n, NFFT)
    idx = np.arange(WIN)[None, :] + HOP * np.arange(n)[:, None]
    out[:, :WIN] = y[idx] * np.hamming(WIN)
    out[:, WIN:] = 0
    assert (out.ctypes.data % 64 == 0) != misaligned
    return out


def blocked(fft):
    def run(x):
        for i in range(0, len(x), BLOCK):
            fft(x[i:i + BLOCK])
    return run


def main() -> None:
    args = h.parser(__doc__, repeats=5, seconds=600.0).parse_args()
    y = h.speech(args.seconds)
    inputs = {(dt, mis): frames(y, dt, mis) for dt in ("float64", "float32")
              for mis in (False, True)}
    ref = np.fft.rfft(inputs["float64", False], axis=-1)
    fns = {}
    for name, fft in backends().items():
        for (dt, mis), x in inputs.items():
            got = fft(x)
            assert got.dtype == (np.complex64 if dt == "float32" else np.complex128), name
            tol = 1e-3 if dt == "float32" else 1e-9
            assert np.abs(got - ref).max() <= tol * np.abs(ref).max(), (name, dt)
            for shape, f in (("whole", fft), (f"blocks of {BLOCK}", blocked(fft))):
                fns[name, dt, "misaligned" if mis else "aligned", shape] = \
                    (lambda f=f, x=x: f(x))
    stats = h.interleaved(fns, args.repeats)
    rows = [[f"`{n}`", dt, al, shape, f"{s['median'] * 1e3:.1f}", f"{s['min'] * 1e3:.1f}"]
            for (n, dt, al, shape), s in stats.items()]
    libs = {"python -c pass": "pass", "numpy": "import numpy", "numpy.fft": "import numpy.fft",
            "scipy.fft": "import scipy.fft", "ducc0": "import numpy, ducc0.fft"}
    cold = h.interleaved({k: h.command([sys.executable, "-c", c]) for k, c in libs.items()},
                         7)
    cold_rows = [[f"`python -c \"{libs[k]}\"`", s["median"], s["min"],
                  f"{(s['median'] - cold['python -c pass']['median']) * 1e3:.0f}"]
                 for k, s in cold.items()]
    n = len(inputs["float64", False])
    body = (f"{args.seconds:.0f} s, {n} frames of {WIN} samples zero-padded to {NFFT}; "
            "outputs checked against numpy's float64 rfft (1e-9 of the peak; float32 1e-3).\n\n"
            + h.table(["backend", "dtype", "buffer", "calls", "median ms", "min ms"], rows)
            + "\n\nImport, a fresh process each, 7 interleaved rounds after a warm-up:\n\n"
            + h.table(["command", "median s", "min s", "median - python -c pass, ms"],
                      cold_rows) + "\n")
    h.write_section("fft", "FFT backends on PLP's framing (600 s, 16 kHz)", body,
                    ("ducc0",), args.write)


if __name__ == "__main__":
    main()

"""Could an own FIR decimator replace soxr's octave halvings in ``cqt_librosa``,
``vqt_librosa`` and ``chroma_cqt``?  Recorded in docs/transforms-cqt.md ("Speed").

1. Agreement with librosa 0.11 when the halving (the soxr stream made by
   ``featgraph.nodes._cqcascade.resampler``) is swapped for soxr at another quality or
   for a linear-phase FIR (delay compensated; the cascade cuts or pads it to ``ceil(n /
   2)`` samples and, in float64, multiplies it by sqrt(2) as librosa's ``scale=True``),
   on the shared music files: max |featgraph - librosa| / max |librosa|, over the whole
   output, over the first 12 frames, and over the rest.  The FIRs are Kaiser-window
   designs (J. F. Kaiser, "Nonrecursive digital filter design using the I0-sinh window
   function", ISCAS 1974; the order and beta formulas as in Oppenheim & Schafer,
   "Discrete-Time Signal Processing", 3rd ed., sec. 7.6): half-bands ``0.5 sinc(n/2)
   w(n)`` with passband edge ``fp`` and stop edge ``1 - fp`` (fractions of the input's
   Nyquist), and a low-pass with soxr HQ's nominal band (pass to 0.913, stop from 1.0 of
   the output's Nyquist, 126 dB).
2. CPU time of ``vqt_librosa`` (float32, 600 s, benchmarks/bench_cqt.py's signal) with
   soxr_hq and with a free "halving" (``y[::2]``: wrong values, the lower bound of any
   decimator), back to back, and of ``librosa.vqt`` on the same signal.

Needs librosa and scipy (references only)::

    python docs/measure_cqt_decimators.py [--time]
"""
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
import featgraph  # noqa: E402
import featgraph.nodes._cqcascade as cq  # noqa: E402

SOXR = cq.resampler
PRESETS = (("cqt_librosa", "cqt"), ("vqt_librosa", "vqt"), ("chroma_cqt", "chroma"))


def halfband(fp: float, atten_db: float = 120.0) -> np.ndarray:
    """Kaiser-window half-band, passband ``[0, fp]``, stopband ``[1 - fp, 1]`` (x Nyquist)."""
    order = math.ceil((atten_db - 8) / (2.285 * math.pi * (1 - 2 * fp)))
    k = -(-order // 4)
    n = np.arange(-(2 * k - 1), 2 * k)
    h = 0.5 * np.sinc(n / 2) * np.kaiser(len(n), 0.1102 * (atten_db - 8.7))
    h[(n % 2 == 0) & (n != 0)] = 0.0
    return h / h.sum()


def lowpass(pass_out: float, stop_out: float, atten_db: float) -> np.ndarray:
    """Kaiser-window low-pass, band edges as fractions of the output's Nyquist."""
    from scipy.signal import firwin, kaiserord

    taps, beta = kaiserord(atten_db, (stop_out - pass_out) / 2)
    return firwin(taps | 1, (pass_out + stop_out) / 4, window=("kaiser", beta))


class Whole:
    """A stand-in for the cascade's soxr stream: gathers its input and returns ``fn`` of all
    of it with the last call (nothing before)."""

    def __init__(self, fn):
        self.fn, self.parts = fn, []

    def resample_chunk(self, x, last=False):
        self.parts.append(x)
        if not last:
            return x[:0]
        return self.fn(np.concatenate(self.parts)).astype(x.dtype)


def fir_halving(h: np.ndarray):
    def make(factor, dtype, res_type):
        def halve(y):
            c, f = len(h) // 2, factor
            while f > 1:
                n = -(-y.shape[-1] // 2)
                y = np.convolve(y, h)[c::2][:n]
                f //= 2
            return y
        return Whole(halve)
    return make


def swaps():
    yield "soxr_hq (as librosa)", SOXR
    for q in ("soxr_vhq", "soxr_mq"):
        yield q, lambda f, dt, rt, q=q: SOXR(f, dt, q)
    for fp in (0.22, 0.35, 0.4565):
        h = halfband(fp, 126.0 if fp > 0.4 else 120.0)
        yield f"half-band fp {fp} ({np.count_nonzero(h)} non-zero taps)", fir_halving(h)
    h = lowpass(0.913, 1.0, 126.0)
    yield f"low-pass 0.913-1.0 of out. Nyquist, 126 dB ({len(h)} taps)", fir_halving(h)


def agreement():
    import librosa

    files = {"mono": sf.read(ROOT / "tests/data/chord_pluck_22k_mono.wav")[0],
             "stereo mix": sf.read(ROOT / "tests/data/chord_pluck_22k_stereo.wav")[0].mean(1)}
    for fname, y in files.items():
        refs = {"cqt": np.abs(librosa.cqt(y, sr=22050)), "vqt": np.abs(librosa.vqt(y, sr=22050)),
                "chroma": librosa.feature.chroma_cqt(y=y, sr=22050)}
        for name, fn in swaps():
            cq.resampler = fn
            cells = []
            for preset, out in PRESETS:
                d = np.abs(featgraph.load(preset).run(y, sr=22050)[out] - refs[out])
                d /= np.abs(refs[out]).max()
                cells.append(f"{out} {d.max():.1e} ({d[:, :12].max():.1e} / {d[:, 12:].max():.1e})")
            cq.resampler = SOXR
            print(f"| {fname} | {name} | " + " | ".join(cells) + " |", flush=True)


def timing(repeats: int = 5):
    import bench_cqt
    import librosa

    y, sr = bench_cqt.audio(600, "float32")
    rec = featgraph.load("vqt_librosa")
    free = lambda f, dt, rt: Whole(lambda x: x[::f])  # noqa: E731
    rec.run(y[:8 * sr], sr=sr, dtype="float32")
    np.abs(librosa.vqt(y[:8 * sr], sr=sr))
    cpu = {"vqt_librosa, soxr_hq": [], "vqt_librosa, free halving": [], "librosa.vqt": []}
    for _ in range(repeats):
        for key in cpu:
            cq.resampler = free if "free" in key else SOXR
            t = time.process_time()
            if key == "librosa.vqt":
                np.abs(librosa.vqt(y, sr=sr))
            else:
                rec.run(y, sr=sr, dtype="float32")
            cpu[key].append(time.process_time() - t)
    cq.resampler = SOXR
    for key, v in cpu.items():
        print(f"{key}: CPU median {statistics.median(v):.3f} s", flush=True)


if __name__ == "__main__":
    timing() if "--time" in sys.argv else agreement()

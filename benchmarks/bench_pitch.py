"""pitch: pitch_pyin and pitch_yin against librosa.pyin and librosa.yin, at 22.05 kHz.

Audio: the bundled speech example resampled to 22.05 kHz (soxr) followed by the chord
recording (tests/data/chord_pluck_22k_mono.wav), tiled to the length asked: voiced,
unvoiced and silent stretches, speech and music.  Both sides get the same float64 array and
librosa's defaults with fmin C2, fmax C7 (frame_length 2048, hop 512, centred).

- featgraph: ``featgraph.load("pitch_pyin" / "pitch_yin").run(y, sr=22050)``;
- librosa 0.11: ``librosa.pyin(y, fmin=..., fmax=..., sr=22050)``, ``librosa.yin(...)``
  (numba-compiled on the warm-up call).

In-process timing: interleaved rounds (every candidate once per round), one warm-up,
median and min of ``--repeats``.  Peak memory: each call in a fresh process
(``ru_maxrss``, including the interpreter and imports).  librosa is a reference only,
never a featgraph dependency (pip install librosa in the benchmark environment).

    python benchmarks/bench_pitch.py [--pyin-seconds 60] [--yin-seconds 600] [--repeats 5] [--write]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402

SR = 22050
FMIN, FMAX = 65.40639132514966, 2093.004522404789


def audio(seconds: float):
    import numpy as np
    import soundfile as sf
    import soxr

    speech, sr = sf.read(h.SPEECH, dtype="float64")
    chord, _ = sf.read(h.ROOT / "tests" / "data" / "chord_pluck_22k_mono.wav", dtype="float64")
    piece = np.concatenate([soxr.resample(speech, sr, SR), chord])
    n = int(round(seconds * SR))
    return np.ascontiguousarray(np.tile(piece, -(-n // len(piece)))[:n])


def featgraph_fn(name: str):
    import featgraph

    recipe = featgraph.load(name)
    return lambda y: recipe.run(y, sr=SR)


def librosa_fn(name: str):
    import librosa

    fn = librosa.pyin if name == "pyin" else librosa.yin
    return lambda y: fn(y, fmin=FMIN, fmax=FMAX, sr=SR)


def run_once(side: str, name: str, seconds: float) -> None:
    """For peak memory in a fresh process: one call (after a 1 s warm-up)."""
    y = audio(seconds)
    fn = featgraph_fn(f"pitch_{name}") if side == "featgraph" else librosa_fn(name)
    fn(y[:SR])
    fn(y)


def main() -> None:
    ap = h.parser(__doc__, repeats=5)
    ap.add_argument("--pyin-seconds", type=float, default=60.0)
    ap.add_argument("--yin-seconds", type=float, default=600.0)
    args = ap.parse_args()
    rows = []
    for name, seconds in (("pyin", args.pyin_seconds), ("yin", args.yin_seconds)):
        y = audio(seconds)
        fg, lr = featgraph_fn(f"pitch_{name}"), librosa_fn(name)
        fg(y[:SR]), lr(y[:SR])                               # numba compile, plan, caches
        times = h.interleaved({"featgraph": lambda: fg(y), "librosa": lambda: lr(y)},
                              repeats=args.repeats)
        mem = {side: h.peak_rss(h.call_cmd(__file__, "run_once", side, name, seconds))
               for side in ("featgraph", "librosa")}
        f, r = times["featgraph"], times["librosa"]
        rows.append([f"`pitch_{name}` vs `librosa.{name}`", f"{seconds:.0f} s", f["median"],
                     r["median"], f"{r['median'] / f['median']:.1f}x",
                     f"{r['min'] / f['min']:.1f}x", f"{mem['featgraph']['peak_mib']:.0f}",
                     f"{mem['librosa']['peak_mib']:.0f}"])
    body = h.table(["work", "audio", "featgraph s (median)", "librosa s (median)",
                    "speed-up (medians)", "speed-up (mins)", "featgraph peak MiB",
                    "librosa peak MiB"], rows)
    body += ("\n\nTargets (issue 15): pitch_pyin >= 20x librosa.pyin on 60 s, pitch_yin >= 5x "
             "librosa.yin on 600 s. Peak memory is the whole process (interpreter, imports, "
             "audio) after a 1 s warm-up call.")
    h.write_section("pitch", f"pitch_pyin and pitch_yin against librosa, {SR / 1000:.2f} kHz",
                    body, packages=("librosa", "numba", "ducc0"), write=args.write)


if __name__ == "__main__":
    main()

"""Peak memory of ``featgraph run plp`` on long files: 10 minutes and 1 hour of 16 kHz.

The bundled 8.3 s speech example, tiled, is written as 16-bit PCM WAV files to a temporary
folder (1 h: 115 MB).  Each command runs alone in a fresh process; the figure is the OS's
peak resident memory of that process (``ru_maxrss``), with its wall time:

* ``python -m featgraph run plp <file> -o <tmp>/out.npz`` on the 8.3 s example (the floor:
  interpreter, imports, a tiny input), on 10 minutes and on 1 hour, after one unmeasured
  run that warms the plan cache;
* for reference, spafe 0.3.3 ``rplp.plp`` (order 13, 24 filters, nfft 512, Hamming
  25 ms / 10 ms) on the 10-minute file read with soundfile; on 1 hour only with
  ``--spafe-hour`` (about 8 GB and a minute or more).

Target: featgraph on 1 hour <= 120 MB (114.4 MiB).

    pip install -e .[bench]                      # spafe==0.3.3
    python benchmarks/bench_memory.py --write    # about 1 minute
"""
from __future__ import annotations

import os
import sys
import tempfile

import harness as h

SR = 16000
TARGET_MB = 120


def write_wav(path: str, seconds: float) -> None:
    """``seconds`` of the tiled example as int16 PCM, written in blocks of one tile."""
    import soundfile as sf

    tile, sr = sf.read(h.SPEECH, dtype="int16")
    assert sr == SR
    n = int(seconds * SR)
    with sf.SoundFile(path, "w", SR, 1, "PCM_16") as f:
        for start in range(0, n, len(tile)):
            f.write(tile[:min(len(tile), n - start)])


def spafe_child(path: str) -> list[int]:
    """In a fresh process: spafe's PLP of the file; returns the output shape."""
    import soundfile as sf
    from spafe.features.rplp import plp
    from spafe.utils.preprocessing import SlidingWindow

    y, sr = sf.read(path)
    return list(plp(y, fs=sr, order=13, nfilts=24, nfft=512,
                    window=SlidingWindow(0.025, 0.01, "hamming")).shape)


def main() -> None:
    ap = h.parser(__doc__)
    ap.add_argument("--spafe-hour", action="store_true", help="also spafe on the 1 h file")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    files = {"8.3 s": str(h.SPEECH)}
    for label, seconds in (("10 min", 600), ("1 h", 3600)):
        files[label] = os.path.join(tmp, f"{label.replace(' ', '')}.wav")
        write_wav(files[label], seconds)
    out = os.path.join(tmp, "out.npz")
    # warm-up, not measured: the first run after a code change compiles the plan and
    # stores it in the plan cache (~/.cache/featgraph/plans), which costs seconds and
    # ~90 MiB once; the rows measure runs with the cache warm, as a user's runs are
    h.command([sys.executable, "-m", "featgraph", "run", "plp", str(h.SPEECH), "-o",
               os.path.join(tmp, "warm.npz")])()
    rows, peaks = [], {}
    for label, path in files.items():
        cmd = [sys.executable, "-m", "featgraph", "run", "plp", path, "-o", out]
        r = h.peak_rss(cmd)
        peaks[label] = r["peak_mib"]
        rows.append(["featgraph `run plp`", label, f"{os.path.getsize(path) / 1e6:.1f}",
                     f"{r['peak_mib']:.0f}", f"{r['peak_mib'] * 2**20 / 1e6:.0f}",
                     f"{r['seconds']:.2f}"])
    for label in ("10 min", "1 h") if args.spafe_hour else ("10 min",):
        r = h.peak_rss(h.call_cmd(__file__, "spafe_child", files[label]))
        rows.append(["spafe `rplp.plp`", label, f"{os.path.getsize(files[label]) / 1e6:.1f}",
                     f"{r['peak_mib']:.0f}", f"{r['peak_mib'] * 2**20 / 1e6:.0f}",
                     f"{r['seconds']:.2f}"])
    if not args.spafe_hour:
        rows.append(["spafe `rplp.plp`", "1 h", "", "not run", "", "(`--spafe-hour`)"])
    for path in files.values():
        if path.startswith(tmp):
            os.remove(path)
    os.remove(out)
    os.remove(os.path.join(tmp, "warm.npz"))
    os.rmdir(tmp)
    hour_mb = peaks["1 h"] * 2**20 / 1e6
    verdict = "PASS" if hour_mb <= TARGET_MB else "FAIL"
    body = ("Command: `python -m featgraph run plp FILE -o <tmp>/out.npz`.  Each row one "
            "fresh process; peak RSS is the process's `ru_maxrss` (the OS "
            "figure, interpreter and imports included); the wall time includes start-up and "
            "writing the .npz.  Inputs: the bundled speech tiled, int16 WAV, written to a "
            "temporary folder.\n\n"
            + h.table(["command", "audio", "file MB", "peak RSS MiB", "peak RSS MB",
                       "wall s"], rows)
            + f"\n\n**featgraph on 1 hour: {hour_mb:.0f} MB, target <= {TARGET_MB} MB: "
            f"{verdict}.**  Growth from 10 minutes to 1 hour: "
            f"{(peaks['1 h'] - peaks['10 min']) / 50:.1f} MiB per minute of audio.\n")
    h.write_section("memory", "peak memory of `featgraph run plp` on 10 minutes and 1 hour",
                    body, ("spafe", "soundfile"), args.write)


if __name__ == "__main__":
    main()

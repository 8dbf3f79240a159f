"""Wavelet transforms: featgraph's recipes against PyWavelets and audioFlux, side by side.

Audio: tests/data/chord_pluck_22k_stereo.wav mixed to mono, tiled (float64, 22.05 kHz).

* ``dwt``, ``swt``, ``wpt`` on 600 s: the recipes (db4, symmetric, levels 5 / 4 / 3; ``wpt``
  restricted to its ``wpt`` output, the nodes, without the energy and entropy it adds) against
  calling ``pywt.wavedec`` / ``pywt.swt(trim_approx=True)`` / ``pywt.WaveletPacket(...)
  .get_level(3, "freq")`` directly, in this process, interleaved rounds, median and min.
* ``cwt`` (Morlet, 64 scales C1 * 2^(k/12), on 10 s): the recipe at its hop (512) and at
  hop 1 (full rate, what PyWavelets returns: there its ``cwt`` output alone, without the
  recipe's ``magnitude``), against ``pywt.cwt(y, scales, "cmor1.5-1.0")``
  with the scales whose centre frequencies are the same (``method="fft"``; its default
  ``"conv"`` took 190 s there, not repeated), ``pywt.cwt(y, np.arange(1, 65), "morl")`` (the
  issue's peer figure: 64 small scales, 17.9 kHz down to 280 Hz, direct convolution), and audioFlux 0.1.9's ``CWT(num=64, ..., MORLET, OCTAVE).cwt`` in a scratch
  venv (``--audioflux-python``; it is never a featgraph dependency).  audioFlux transforms
  one block of ``2^radix2_exp`` samples and crashed above 2^16 here, so it runs on the 10 s
  as 2^16-sample blocks (the sum of the calls is timed; its object is made once).
* ``wsst`` likewise against audioFlux's ``WSST``.  This is also the comparison for audioFlux's
  synchrosqueezing: its ``Synsq`` squeezes a CWT (what ``WSST`` does in one call) and its
  STFT (``BFT``) has none, so featgraph's STFT ``synsq`` has no audioFlux counterpart.
* Memory: the ``cwt`` recipe on 600 s, 84 scales, hop 512, in a fresh process: growth of
  the peak resident memory over the call (VmHWM, reset before the call, minus VmRSS
  before; the audio is made before) and Python's tracemalloc peak of the call; then the
  ``cwt`` op alone on the same array (tracemalloc peak), float64 and float32.

    python benchmarks/bench_wavelets.py --audioflux-python /tmp/venv-wav/bin/python --write
"""
from __future__ import annotations

import json
import subprocess
import sys

import harness as h

SR = 22050
WAV = h.ROOT / "tests" / "data" / "chord_pluck_22k_stereo.wav"
FMIN = 32.703195662574764


def audio(seconds: float):
    import numpy as np
    import soundfile as sf
    y, sr = sf.read(WAV, dtype="float64")
    y = y.mean(axis=1)
    n = int(seconds * sr)
    return np.ascontiguousarray(np.tile(y, -(-n // len(y)))[:n])


def discrete(repeats: int, seconds: float) -> list:
    import pywt
    import featgraph
    y = audio(seconds)
    y16 = y[:len(y) // 16 * 16]                     # pywt.swt needs whole 2^level blocks
    dwt, swt = featgraph.load("dwt"), featgraph.load("swt")
    wpt = featgraph.load("wpt").select("wpt")       # the nodes only, as PyWavelets gives them
                                                    # (the recipe adds energy and entropy)
    fns = {
        "featgraph dwt": lambda: dwt.run(y, sr=SR),
        "pywt.wavedec": lambda: pywt.wavedec(y, "db4", mode="symmetric", level=5),
        "featgraph swt": lambda: swt.run(y16, sr=SR),
        "pywt.swt": lambda: pywt.swt(y16, "db4", level=4, trim_approx=True),
        "featgraph wpt": lambda: wpt.run(y, sr=SR),
        "pywt.WaveletPacket": lambda: [n.data for n in pywt.WaveletPacket(
            y, "db4", mode="symmetric", maxlevel=3).get_level(3, "freq")],
    }
    return [h.interleaved(fns, repeats)]


def continuous(repeats: int) -> dict:
    import numpy as np
    import pywt
    import featgraph
    y = audio(10.0)
    fc = FMIN * 2.0 ** (np.arange(64) / 12)
    scales = pywt.central_frequency("cmor1.5-1.0") * SR / fc
    cwt, wsst = featgraph.load("cwt"), featgraph.load("wsst")
    coeffs = featgraph.load("cwt").select("cwt")    # at hop 1 the coefficients only, as
                                                    # PyWavelets returns them (no |W|)
    fns = {
        "featgraph cwt (hop 512)": lambda: cwt.run(y, sr=SR, n_bins=64)["cwt"],
        "featgraph cwt float32 (hop 512)": lambda: cwt.run(y, sr=SR, n_bins=64,
                                                           dtype="float32")["cwt"],
        "featgraph cwt (hop 1, full rate)": lambda: coeffs.run(y, sr=SR, n_bins=64,
                                                               hop=1)["cwt"],
        "pywt.cwt fft": lambda: pywt.cwt(y, scales, "cmor1.5-1.0", method="fft"),
        "pywt.cwt morl scales 1..64": lambda: pywt.cwt(y, np.arange(1, 65), "morl"),
        "featgraph wsst (hop 512)": lambda: wsst.run(y, sr=SR, n_bins=64)["wsst"],
    }
    return h.interleaved(fns, repeats)


AF_CHILD = r"""
import json, statistics, sys, time
import numpy as np, soundfile as sf
import audioflux as af
from audioflux.type import WaveletContinueType, SpectralFilterBankScaleType
y, sr = sf.read(sys.argv[1], dtype="float32"); y = y.mean(axis=1)
n = int(10 * sr); y = np.tile(y, -(-n // len(y)))[:n].astype(np.float32)
block = 1 << 16
pad = np.zeros(-(-n // block) * block, np.float32); pad[:n] = y
out = {}
for name in ("CWT", "WSST"):
    obj = getattr(af, name)(num=64, radix2_exp=16, samplate=sr, low_fre=32.703,
                            bin_per_octave=12, wavelet_type=WaveletContinueType.MORLET,
                            scale_type=SpectralFilterBankScaleType.OCTAVE)
    call = getattr(obj, name.lower())
    call(pad[:block])
    times = []
    for _ in range(int(sys.argv[2])):
        t = time.perf_counter()
        for a in range(0, len(pad), block):
            call(pad[a:a + block])
        times.append(time.perf_counter() - t)
    out[name] = {"median": statistics.median(times), "min": min(times)}
print(json.dumps(out))
"""


def audioflux(python: str | None, repeats: int) -> dict:
    if not python:
        return {}
    proc = subprocess.run([python, "-c", AF_CHILD, str(WAV), str(repeats)],
                          capture_output=True, text=True)
    if proc.returncode:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-200:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _status_mib(key: str) -> float:
    from pathlib import Path
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory_child(seconds: float) -> None:
    """In a fresh process: the cwt recipe, 84 scales, hop 512, on ``seconds`` of audio (peak
    resident growth over the call, tracemalloc peak), then the ``cwt`` op alone on the
    same array (tracemalloc peak), float64 and float32."""
    import tracemalloc
    import numpy as np
    import featgraph
    from featgraph.engine.feature import Feature
    from featgraph.engine.kinds import Kind
    from featgraph.nodes.cwt import CWT
    y = audio(seconds)
    recipe = featgraph.load("cwt")
    recipe.run(y[:SR * 8], sr=SR)
    before = h.rss_mib()
    with open("/proc/self/clear_refs", "w") as f:      # reset the high-water mark (VmHWM)
        f.write("5")
    out = recipe.run(y, sr=SR)["cwt"]
    peak = _status_mib("VmHWM")
    res = {"growth_mib": peak - before, "shape": list(out.shape), "out_mib": out.nbytes / 2 ** 20}
    del out
    tracemalloc.start()
    recipe.run(y, sr=SR)
    res["traced_mib"] = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    for dtype in (np.float64, np.float32):
        x = Feature(y.astype(dtype), Kind.SIGNAL, float(SR))
        CWT(hop=512)(x.derive(x.data[:SR]))
        tracemalloc.start()
        o = CWT(hop=512)(x)
        res[f"op_{np.dtype(dtype).name}_mib"] = tracemalloc.get_traced_memory()[1] / 2 ** 20
        res[f"op_{np.dtype(dtype).name}_out_mib"] = o.data.nbytes / 2 ** 20
        tracemalloc.stop()
        del o, x
    print(json.dumps(res))


def main():
    ap = h.parser(__doc__, repeats=5, seconds=600.0)
    ap.add_argument("--audioflux-python", default=None)
    ap.add_argument("--memory-child", type=float, default=None)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    (d,) = discrete(args.repeats, args.seconds)
    c = continuous(args.repeats)
    af = audioflux(args.audioflux_python, args.repeats)
    mem = subprocess.run([sys.executable, __file__, "--memory-child", str(args.seconds)],
                         capture_output=True, text=True, env=h.ENV)
    mem = json.loads(mem.stdout.strip().splitlines()[-1]) if mem.returncode == 0 else \
        {"error": mem.stderr.strip()[-300:]}

    def cell(r):
        return f"{r['median']:.3f} ({r['min']:.3f})"
    rows = [["`dwt` (db4, symmetric, level 5)", cell(d["featgraph dwt"]),
             "`pywt.wavedec` " + cell(d["pywt.wavedec"]),
             f"{d['pywt.wavedec']['median'] / d['featgraph dwt']['median']:.2f}x"],
            ["`swt` (db4, level 4)", cell(d["featgraph swt"]), "`pywt.swt` " + cell(d["pywt.swt"]),
             f"{d['pywt.swt']['median'] / d['featgraph swt']['median']:.2f}x"],
            ["`wpt` (db4, symmetric, level 3)", cell(d["featgraph wpt"]),
             "`pywt.WaveletPacket` " + cell(d["pywt.WaveletPacket"]),
             f"{d['pywt.WaveletPacket']['median'] / d['featgraph wpt']['median']:.2f}x"]]
    for name in ("featgraph cwt (hop 512)", "featgraph cwt float32 (hop 512)",
                 "featgraph cwt (hop 1, full rate)"):
        for peer in ("pywt.cwt morl scales 1..64", "pywt.cwt fft"):
            rows.append([f"{name[10:]}, 64 scales, 10 s", cell(c[name]), f"`{peer}` "
                         + cell(c[peer]), f"{c[peer]['median'] / c[name]['median']:.2f}x"])
    for ours, theirs in (("featgraph cwt (hop 512)", "CWT"), ("featgraph wsst (hop 512)", "WSST")):
        if theirs in af:
            rows.append([f"{ours[10:]}, 64 scales, 10 s", cell(c[ours]),
                         f"audioFlux `{theirs}` " + cell(af[theirs]),
                         f"{af[theirs]['median'] / c[ours]['median']:.2f}x"])
        else:
            rows.append([ours[10:], cell(c[ours]), f"audioFlux: {af.get('error', 'not run')}",
                         "-"])
    body = h.table(["work", "featgraph median (min) s", "peer median (min) s",
                    "peer / featgraph"], rows)
    body += ("\n\nMemory, `cwt` recipe on 600 s, 84 scales, hop 512 (fresh process, audio made "
             "before the call): " + (mem["error"] if "error" in mem else
                                     f"the recipe (float64): peak resident growth "
                                     f"{mem['growth_mib']:.0f} MiB, tracemalloc peak "
                                     f"{mem['traced_mib']:.0f} MiB, of which the output "
                                     f"{mem['out_mib']:.0f} MiB (complex128 "
                                     f"{tuple(mem['shape'])}), the whole-signal op reading "
                                     f"the caller's 101 MiB signal in place (no copy); the "
                                     f"`cwt` op alone on the array: tracemalloc peak "
                                     f"{mem['op_float64_mib']:.0f} MiB in float64 (output "
                                     f"{mem['op_float64_out_mib']:.0f} MiB), "
                                     f"{mem['op_float32_mib']:.0f} MiB in float32 (output "
                                     f"{mem['op_float32_out_mib']:.0f} MiB); target < 200 MB.")
             + f"\n\n{args.repeats} interleaved rounds after one warm-up; audioFlux in its own "
               "process (2^16-sample blocks). Medians and mins in seconds. audioFlux's "
               "`Synsq` squeezes a CWT, as `WSST` does in one call (its STFT has no "
               "synchrosqueezing): the wsst row is the synchrosqueezing comparison.")
    h.write_section("wavelets", "DWT/SWT/WPT against PyWavelets (600 s), CWT/WSST against "
                    "PyWavelets and audioFlux (10 s), 22.05 kHz", body, ("PyWavelets",),
                    args.write)


if __name__ == "__main__":
    main()

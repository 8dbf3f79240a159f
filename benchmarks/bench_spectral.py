"""audioflux_bundle against audioFlux and librosa computing the same feature set, 600 s of audio.

Each variant runs in its own process (so that peak memory is its own): the audio is
loaded, the libraries imported, one warm-up call made, then ``--repeat`` timed calls;
the child reports every time and its peak RSS growth over the state before the first
call (``ru_maxrss``, which sees C allocations too).

The set (n_fft 2048, hop 512, Hann, frames not centred): the 128-band mel power
spectrogram and its dB, 13 MFCCs, and from the magnitude spectrum centroid, spread,
skewness, kurtosis, flatness, rolloff, entropy, crest, slope, decrease, HFC, RMS, flux,
rectified SF, MKL (and librosa's contrast, which audioFlux lacks), and a 12-bin chromagram
from the power spectrum.

- featgraph: ``featgraph.load("audioflux_bundle").run(y, sr=sr, n_fft=2048, hop=512)``,
  float64 and float32, one STFT.
- audioFlux 0.1.9, as its documentation shows: ``af.mel_spectrogram``, ``af.mfcc``,
  ``af.BFT`` (linear scale, magnitude) and ``af.Spectral`` for the features; each of the
  three transforms computes its own STFT, as a user calling these functions gets.
- librosa 0.11: one ``stft``; ``melspectrogram(S=|X|**2)``, ``power_to_db``, ``mfcc(S=...)``,
  ``spectral_centroid/bandwidth/rolloff/flatness/contrast(S=|X|)``: only the features it
  offers (spread is its bandwidth; the others have no librosa function), so its time is a
  lower bound for the set.

Run (audioFlux and librosa in a scratch environment, never featgraph dependencies)::

    python -m venv /tmp/venv && /tmp/venv/bin/pip install audioflux==0.1.9 librosa \\
        pydantic networkx pyyaml cffi soxr scipy soundfile
    PYTHONPATH=. /tmp/venv/bin/python benchmarks/bench_spectral.py --seconds 600 --repeat 5
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N_FFT, HOP, N_MELS = 2048, 512, 128


def audio(seconds: float):
    import numpy as np
    import soundfile as sf

    y, sr = sf.read(ROOT / "featgraph" / "data" / "speech_en_16k.wav", dtype="float32")
    reps = int(np.ceil(seconds * sr / len(y)))
    return np.tile(y, reps)[:int(seconds * sr)], sr


def featgraph_call(dtype: str):
    import featgraph

    recipe = featgraph.load("audioflux_bundle")

    def call(y, sr):
        return recipe.run(y, sr=sr, n_fft=N_FFT, hop=HOP, dtype=dtype)
    return call


def audioflux_call():
    import audioflux as af
    import numpy as np
    from audioflux.type import SpectralDataType, SpectralFilterBankScaleType

    def call(y, sr):
        mel, _ = af.mel_spectrogram(y, num=N_MELS, radix2_exp=11, samplate=sr, slide_length=HOP)
        mel_db = af.utils.power_to_db(mel)
        mfcc, _ = af.mfcc(y, cc_num=13, mel_num=N_MELS, radix2_exp=11, samplate=sr,
                          slide_length=HOP)
        bft = af.BFT(num=N_FFT // 2 + 1, radix2_exp=11, samplate=sr, slide_length=HOP,
                     data_type=SpectralDataType.MAG, scale_type=SpectralFilterBankScaleType.LINEAR)
        s = np.abs(bft.bft(y))
        spectral = af.Spectral(num=bft.num, fre_band_arr=bft.get_fre_band_arr())
        spectral.set_time_length(s.shape[-1])
        feats = [spectral.centroid(s), spectral.spread(s), spectral.skewness(s),
                 spectral.kurtosis(s), spectral.flatness(s), spectral.rolloff(s),
                 spectral.entropy(s, is_norm=True), spectral.crest(s), spectral.slope(s),
                 spectral.decrease(s), spectral.hfc(s), spectral.rms(s), spectral.flux(s),
                 spectral.sf(s, is_positive=True), spectral.mkl(s)]
        chroma, _ = af.chroma_linear(y, radix2_exp=11, samplate=sr, slide_length=HOP)
        return mel, mel_db, mfcc, feats, chroma
    return call


def librosa_call():
    import librosa
    import numpy as np

    def call(y, sr):
        s = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP, center=False))
        mel = librosa.feature.melspectrogram(S=s ** 2, sr=sr, n_mels=N_MELS)
        mel_db = librosa.power_to_db(mel)
        mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=13)
        feats = [librosa.feature.spectral_centroid(S=s, sr=sr),
                 librosa.feature.spectral_bandwidth(S=s, sr=sr),
                 librosa.feature.spectral_rolloff(S=s, sr=sr, roll_percent=0.95),
                 librosa.feature.spectral_flatness(S=s),
                 librosa.feature.spectral_contrast(S=s, sr=sr),
                 librosa.feature.chroma_stft(S=s ** 2, sr=sr, tuning=0.0)]
        return mel, mel_db, mfcc, feats
    return call


VARIANTS = {
    "featgraph float64": lambda: featgraph_call("float64"),
    "featgraph float32": lambda: featgraph_call("float32"),
    "audioFlux": audioflux_call,
    "librosa (subset)": librosa_call,
}


def child(name: str, seconds: float, repeat: int) -> None:
    y, sr = audio(seconds)
    call = VARIANTS[name]()
    call(y[:sr], sr)                                     # warm-up: imports, caches, plan
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call(y, sr)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"name": name, "times": times, "rss_growth_mib": (peak - base) / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", action="append", help="run only these variants")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.seconds, args.repeat)
        return
    rows = []
    for name in args.only or VARIANTS:
        out = subprocess.run([sys.executable, __file__, "--child", name, "--seconds",
                              str(args.seconds), "--repeat", str(args.repeat)],
                             capture_output=True, text=True)
        if out.returncode:
            print(f"{name}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    import statistics

    fg = min((statistics.median(r["times"]) for r in rows if r["name"].startswith("featgraph")),
             default=None)
    print(f"| variant | median s | best s | peak RSS growth MiB | median / featgraph best median |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        med = statistics.median(r["times"])
        ratio = f"{med / fg:.1f}x" if fg else "-"
        print(f"| {r['name']} | {med:.3f} | {min(r['times']):.3f} | {r['rss_growth_mib']:.0f} "
              f"| {ratio} |")


if __name__ == "__main__":
    main()

"""audioflux_bundle against audioFlux and librosa computing the same feature set, 600 s of audio.

Each variant runs in its own worker process (so that peak memory is its own): the audio
is loaded, the libraries imported and one warm-up call made on 1 s; then ``--repeat``
rounds ask every worker for one timed call in turn (interleaved, so that the machine's
drift hits all alike).  Memory is the growth of the worker's peak RSS (``ru_maxrss``,
which sees C allocations too) over its state after the warm-up.

The set (n_fft 2048, hop 512, Hann, frames not centred): the 128-band mel power
spectrogram and its dB, 13 MFCCs, and from the magnitude spectrum centroid, spread,
skewness, kurtosis, flatness, rolloff, entropy, crest, slope, decrease, HFC, RMS, flux,
rectified SF, MKL (and librosa's contrast, which audioFlux lacks), and a 12-bin chromagram
from the power spectrum.

- featgraph: ``featgraph.load("audioflux_bundle").run(y, sr=sr, n_fft=2048, hop=512)``,
  with the recipe's ``dtype`` float32 (what both peers compute in: the audio is float32)
  and float64, one STFT.
- audioFlux 0.1.9, as its documentation shows: ``af.mel_spectrogram``, ``af.mfcc``,
  ``af.BFT`` (linear scale, magnitude) and ``af.Spectral`` for the features,
  ``af.chroma_linear``; each of the four transforms computes its own STFT, as a user
  calling these functions gets.
- librosa 0.11: one ``stft``; ``melspectrogram(S=|X|**2)``, ``power_to_db``, ``mfcc(S=...)``,
  ``spectral_centroid/bandwidth/rolloff/flatness/contrast(S=|X|)``, ``chroma_stft``: only
  the features it offers (spread is its bandwidth; the others have no librosa function),
  so its time is a lower bound for the set.  The variant "featgraph float32, librosa's
  set" runs the bundle with only those 9 outputs (``Recipe.select``: the other nodes are
  never built), the same set on both sides.

Run (audioFlux and librosa in a scratch environment, never featgraph dependencies)::

    python -m venv /tmp/venv && /tmp/venv/bin/pip install audioflux==0.1.9 librosa \\
        pydantic networkx pyyaml cffi soxr scipy soundfile
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. /tmp/venv/bin/python benchmarks/bench_spectral.py \\
        --seconds 600 --repeat 5 --write

``--write`` replaces the ``audioflux_bundle`` section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N_FFT, HOP, N_MELS = 2048, 512, 128


def audio(seconds: float):
    import numpy as np
    import soundfile as sf

    y, sr = sf.read(ROOT / "featgraph" / "data" / "speech_en_16k.wav", dtype="float32")
    reps = int(np.ceil(seconds * sr / len(y)))
    return np.tile(y, reps)[:int(seconds * sr)], sr


LIBROSA_SET = ("mel", "mel_db", "mfcc", "centroid", "spread", "rolloff", "flatness",
               "contrast", "chroma")
"""The outputs of the bundle that librosa computes (:func:`librosa_call`)."""


def featgraph_call(dtype: str, outputs: tuple = ()):
    import featgraph

    recipe = featgraph.load("audioflux_bundle")
    if outputs:
        recipe = recipe.select(*outputs)

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
        chroma = af.chroma_linear(y, radix2_exp=11, samplate=sr, slide_length=HOP)
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
    "featgraph float32, librosa's set": lambda: featgraph_call("float32", LIBROSA_SET),
    "audioFlux": audioflux_call,
    "librosa (subset)": librosa_call,
}


def worker() -> None:
    """``--peer-worker``: read ``name<TAB>seconds``, warm up, then time calls on request."""
    import resource

    from harness import serve_peer

    name, _, seconds = sys.stdin.readline().rstrip("\n").partition("\t")
    y, sr = audio(float(seconds))
    call = VARIANTS[name]()
    call(y[:sr], sr)                                     # warm-up: imports, caches, plan
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    serve_peer({"call": lambda: call(y, sr)}, {"base_mib": base})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", action="append", help="run only these variants")
    ap.add_argument("--write", action="store_true", help="update the audioflux_bundle section "
                                                         "of benchmarks/RESULTS.md")
    ap.add_argument("--peer-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer_worker:
        worker()
        return
    import statistics

    from harness import Peer, table, write_section

    names = args.only or list(VARIANTS)
    workers = {}
    for name in names:
        try:
            workers[name] = Peer(sys.executable, __file__, f"{name}\t{args.seconds}",
                                 env={"PYTHONPATH": str(ROOT)})
        except RuntimeError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
    times = {name: [] for name in workers}
    for _ in range(args.repeat):
        for name, peer in workers.items():
            times[name].append(peer.time("call"))
    for peer in workers.values():
        peer.close()
    med = {name: statistics.median(t) for name, t in times.items()}
    rows = [[name, med[name], min(t), f"{workers[name].peak - workers[name].info['base_mib']:.0f}"]
            for name, t in times.items()]
    body = [f"{args.seconds:g} s of 16 kHz speech (the example tiled), float32 samples; n_fft "
            f"{N_FFT}, hop {HOP}; {args.repeat} interleaved rounds after a warm-up on 1 s, each "
            "variant in its own process.  The set and every call: the docstring of "
            "benchmarks/bench_spectral.py (librosa computes 9 of the 20 outputs: its time is a "
            "lower bound for the whole set; the \"librosa's set\" variant is featgraph on "
            "those 9 outputs).",
            table(["variant", "median s", "min s", "peak RSS growth MiB"], rows)]
    peers = [p for p in ("audioFlux", "librosa (subset)") if p in med]
    ratios = [[fg] + [f"{med[p] / med[fg]:.2f}x" for p in peers]
              for fg in med if fg.startswith("featgraph")]
    if ratios and peers:
        body.append(table(["featgraph variant"] + [f"{p} median / featgraph median"
                                                   for p in peers], ratios))
    write_section("audioflux_bundle", "featgraph against audioFlux and librosa, "
                  f"{args.seconds:g} s of 16 kHz audio", "\n\n".join(body),
                  packages=("audioflux", "librosa", "ducc0"), write=args.write,
                  script="bench_spectral.py")


if __name__ == "__main__":
    main()

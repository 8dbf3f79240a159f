"""The speech front-end presets against the libraries they reproduce, 600 s of 16 kHz.

Audio: the bundled 8.3 s speech example tiled to 600 s, float64 in [-1, 1] (float32 for
librosa, as ``librosa.load`` gives it).  Each featgraph preset runs with its library's
default parameters, as the library call beside it: ``recipe.run(y, sr=16000)`` against
``librosa.feature.mfcc(y=y32, sr=16000)``, ``python_speech_features.mfcc(y, 16000)``,
``spafe.features.pncc.pncc(y, 16000, window=SlidingWindow(0.025, 0.01, "hamming"))`` ...
``speech_bundle`` (MFCC-39, PLP, time-domain measures, spectral shape on one STFT) is
timed against librosa computing its librosa-defined part the expert way: one STFT passed
as ``S=`` to melspectrogram/MFCC, deltas, RMS, centroid, bandwidth, rolloff, flatness, and
ZCR on ``y``, on the bundle's framing (25 ms Hamming frames every 10 ms, 512-point FFT): the full bundle computes more (PLP, AMDF and autocorrelation periodicity,
energy, average magnitude), so it is also timed restricted to the outputs librosa computes
(``recipe.select(...)``: MFCC-39, RMS, ZCR, centroid, bandwidth, rolloff, flatness), the
like-for-like comparison.  Interleaved rounds (every variant once per round), median and min.

The target is judged at the peer's own precision: librosa computes in float32 (``librosa.load``
gives float32, its STFT is complex64), so its targets apply to featgraph's float32 runs;
python_speech_features and spafe compute in float64, so theirs apply to the float64 runs.
The other precision is listed for information.  Peak memory: each variant in a fresh process
(warm-up on 8 s, then one call on the full length), the OS's peak resident size of that
process and its growth over the resident size just before the call.

    pip install -e .[bench] librosa
    python benchmarks/bench_speech.py --write
"""
from __future__ import annotations

import json

import harness as h

SR = 16000
PAIRS = [  # (featgraph variant, peer variant, target ratio or None: listed for information)
    ("featgraph mfcc_librosa", "librosa mfcc", None),
    ("featgraph mfcc_librosa float32", "librosa mfcc", 2.5),
    ("featgraph melspec_librosa", "librosa melspectrogram", None),
    ("featgraph melspec_librosa float32", "librosa melspectrogram", 2.5),
    ("featgraph mfcc_psf", "psf mfcc", 3.5),
    ("featgraph logfbank_psf", "psf logfbank", 3.5),
    ("featgraph logfbank_psf float32", "psf logfbank", None),
    ("featgraph pncc", "spafe pncc", 50),
    ("featgraph pncc float32", "spafe pncc", None),
    ("featgraph gtcc", "spafe gfcc", 4),
    ("featgraph lpcc", "spafe lpcc", 15),
    ("featgraph speech_bundle, librosa's part", "librosa expert set", None),
    ("featgraph speech_bundle, librosa's part, float32", "librosa expert set", 3),
    ("featgraph speech_bundle", "librosa expert set", None),
]
"""Why a row has no target: librosa computes float32, so its float64 rows are more precise
than the peer; psf and spafe compute float64, so their float32 rows are less precise; the
whole ``speech_bundle`` computes 13 outputs where the librosa expert set computes 7."""
LIBROSA_PART = ("mfcc39", "rms", "zcr", "centroid", "bandwidth", "rolloff", "flatness")


def featgraph_fns() -> dict:
    import featgraph

    fns = {}
    for name in ("mfcc_librosa", "melspec_librosa", "mfcc_psf", "logfbank_psf", "pncc", "gtcc",
                 "lpcc", "speech_bundle"):
        recipe = featgraph.load(name)
        fns[f"featgraph {name}"] = lambda y, r=recipe: r.run(y, sr=SR)
        if name == "speech_bundle":
            part = recipe.select(*LIBROSA_PART)
            fns[f"featgraph {name}, librosa's part"] = lambda y, r=part: r.run(y, sr=SR)
            fns[f"featgraph {name}, librosa's part, float32"] = (  # librosa's is float32 too
                lambda y, r=part: r.run(y, sr=SR, dtype="float32"))
        if name in ("mfcc_librosa", "melspec_librosa", "logfbank_psf", "pncc"):
            fns[f"featgraph {name} float32"] = lambda y, r=recipe: r.run(y, sr=SR,
                                                                         dtype="float32")
    return fns


def peer_fns() -> dict:
    import librosa
    import numpy as np
    import python_speech_features as psf
    from spafe.features import gfcc, lpc, pncc
    from spafe.utils.preprocessing import SlidingWindow

    win = SlidingWindow(0.025, 0.01, "hamming")

    def expert(y):
        """The bundle's librosa-defined part on the bundle's framing (25 ms Hamming frames
        every 10 ms, not centred, 512-point FFT, 26 HTK mel bands): one STFT as ``S=``."""
        y32 = y.astype(np.float32)
        kw = dict(n_fft=512, hop_length=160, win_length=400, window="hamming", center=False)
        S = np.abs(librosa.stft(y32, **kw))
        mfcc = librosa.feature.mfcc(S=librosa.power_to_db(
            librosa.feature.melspectrogram(S=S, sr=SR, n_mels=26, htk=True)), n_mfcc=13)
        return (mfcc, librosa.feature.delta(mfcc), librosa.feature.delta(mfcc, order=2),
                librosa.feature.rms(S=S, frame_length=512),
                librosa.feature.zero_crossing_rate(y32, frame_length=400, hop_length=160,
                                                   center=False),
                librosa.feature.spectral_centroid(S=S, sr=SR, n_fft=512),
                librosa.feature.spectral_bandwidth(S=S, sr=SR, n_fft=512),
                librosa.feature.spectral_rolloff(S=S, sr=SR, n_fft=512),
                librosa.feature.spectral_flatness(S=S))

    return {
        "librosa mfcc": lambda y: librosa.feature.mfcc(y=y.astype(np.float32), sr=SR),
        "librosa melspectrogram": lambda y: librosa.feature.melspectrogram(
            y=y.astype(np.float32), sr=SR),
        "psf mfcc": lambda y: psf.mfcc(y, SR),
        "psf logfbank": lambda y: psf.logfbank(y, SR),
        "spafe pncc": lambda y: pncc.pncc(y, SR, window=win),
        "spafe gfcc": lambda y: gfcc.gfcc(y, SR, window=win),
        "spafe lpcc": lambda y: lpc.lpcc(y, SR, window=win),
        "librosa expert set": expert,
    }


def child(name: str, seconds: float) -> dict:
    """In a fresh process: warm up on 8 s, then one call of variant ``name`` on ``seconds``."""
    fns = featgraph_fns() if name.startswith("featgraph") else peer_fns()  # one side's imports
    fns[name](h.speech(8.0))
    y = h.speech(seconds)
    before = h.rss_mib()
    fns[name](y)
    return {"before_mib": before}


def main() -> None:
    ap = h.parser(__doc__, repeats=5, seconds=600.0)
    ap.add_argument("--only", default="", help="comma-separated substrings of the variants to "
                                               "time (e.g. 'pncc,psf'); not with --write")
    args = ap.parse_args()
    if args.only and args.write:
        ap.error("--only times some rows: it cannot --write the section")
    y = h.speech(args.seconds)
    fns = {**featgraph_fns(), **peer_fns()}
    if args.only:
        keep = args.only.split(",")
        fns = {n: f for n, f in fns.items() if any(k in n for k in keep)}
    stats = h.interleaved({n: (lambda f=f: f(y)) for n, f in fns.items()}, args.repeats)
    if args.only:
        for n, st in stats.items():
            print(f"{n:50s} median {st['median']:.3f} s  min {st['min']:.3f} s")
        for fg, peer, target in PAIRS:
            if fg in stats and peer in stats:
                print(f"{peer} / {fg}: {stats[peer]['median'] / stats[fg]['median']:.2f}x "
                      f"(target {target or '-'})")
        return
    memory = {n: h.peak_rss(h.call_cmd(__file__, "child", n, args.seconds)) for n in fns}

    def mem(name: str) -> str:
        m = memory[name]
        before = json.loads(m["stdout"])["before_mib"]
        return f"{m['peak_mib']:.0f} / {m['peak_mib'] - before:.0f}"

    rows = []
    for fg, peer, target in PAIRS:
        ratio = stats[peer]["median"] / stats[fg]["median"]
        verdict = "-" if target is None else "met" if ratio >= target else "not met"
        rows.append([fg, peer, stats[fg]["median"], stats[peer]["median"], f"{ratio:.1f}x",
                     "-" if target is None else f">= {target}x", verdict, mem(fg), mem(peer)])
    runs = "\n".join(f"- {n}: " + " ".join(f"{t:.3f}" for t in s["runs"])
                     for n, s in stats.items())
    body = (f"{args.seconds:.0f} s of 16 kHz speech (tiled); each library at its defaults; "
            f"{args.repeats} interleaved rounds.  Targets at the peer's precision (librosa: "
            "float32; python_speech_features, spafe: float64); rows without a target are "
            "listed for information (the other precision; the whole bundle, which computes "
            "13 outputs to the expert set's 7).  Memory: peak resident MiB of a fresh process "
            "running the variant once / its growth over the resident size before the call.\n\n"
            + h.table(["featgraph", "peer", "featgraph median s", "peer median s",
                       "speed-up", "target", "", "featgraph peak / growth MiB",
                       "peer peak / growth MiB"], rows)
            + f"\n\nAll timed runs, s:\n\n{runs}\n")
    h.write_section("speech", f"speech presets against their libraries, {args.seconds:.0f} s",
                    body, ("librosa", "python_speech_features", "spafe"), args.write)


if __name__ == "__main__":
    main()

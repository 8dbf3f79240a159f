"""The model front-end presets against the feature extractors they reproduce.

Workloads as issue 11 states them: 600 s of 16 kHz speech for the fbank/log-mel
extractors that take one long utterance (kaldi-native-fbank, Parakeet, Speech2Text,
SeamlessM4T, Gemma 3n), 20 clips of 30 s for Whisper, 60 clips of 10 s for AST, and 60
clips of 10 s at 48 kHz for CLAP.  Audio: the bundled speech example tiled (the clips are
consecutive slices of it; the 48 kHz clips resampled with soxr), float32 in [-1, 1].

featgraph runs in this process: ``recipe.run(y, sr=...)`` for one utterance,
``recipe.batch(clips, sr=...)`` for clips (the padded batch the model is fed, as the
extractors return it).  The peers run in a scratch virtual environment given by
``--peer-python`` (transformers, torch CPU, kaldi-native-fbank; never featgraph
dependencies), as a worker process that keeps the extractors warm and times one call when
asked; torch is limited to one thread, as featgraph's pipeline is single-threaded.
Rounds are interleaved: each round times every featgraph variant in this process and
every peer call in the worker, so slow drift of the machine hits both alike.  A call
shorter than 0.25 s in the warm-up round is timed over that many calls in a row per
sample (featgraph and peer alike; the Gemma 3n extractor keeps only 30 s).  The
worker's peak resident memory (ru_maxrss) and this process's are reported.

    python -m venv /tmp/venv-peers
    /tmp/venv-peers/bin/pip install numpy soundfile transformers torch kaldi-native-fbank
    python benchmarks/bench_models.py --peer-python /tmp/venv-peers/bin/python --write
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time

import harness as h

# (featgraph recipe, input, peer, target) ; inputs: long | clips30 | clips10 | clips10_48k
WORK = [
    ("fbank_kaldi", "long", "kaldi-native-fbank fbank 80", 3),
    ("mfcc_kaldi", "long", "kaldi-native-fbank mfcc 13", 3),
    ("logmel_whisper", "clips30", "WhisperFeatureExtractor", 3),
    ("logmel_parakeet", "long", "ParakeetFeatureExtractor", 3),
    ("fbank_speech2text", "long", "Speech2TextFeatureExtractor", 3),
    ("fbank_seamless", "long", "SeamlessM4TFeatureExtractor", 3),
    ("fbank_ast", "clips10", "ASTFeatureExtractor", 3),
    ("logmel_clap", "clips10_48k", "ClapFeatureExtractor", 3),
    ("logmel_gemma3n", "long", "Gemma3nAudioFeatureExtractor", 3),
]
INPUTS = {"long": (600.0, 1, 16000), "clips30": (30.0, 20, 16000),
          "clips10": (10.0, 60, 16000), "clips10_48k": (10.0, 60, 48000)}


def make_inputs(folder: str, scale: float = 1.0) -> dict:
    """Write every input as .npy in ``folder``: ``{name: (paths, sr)}``."""
    import numpy as np
    import soxr

    out = {}
    for name, (seconds, count, sr) in INPUTS.items():
        seconds *= scale
        y16 = h.speech(seconds * count).astype(np.float32)
        paths = []
        for i in range(count):
            clip = y16[int(i * seconds * 16000):int((i + 1) * seconds * 16000)]
            if sr != 16000:
                clip = soxr.resample(clip, 16000, sr).astype(np.float32)
            path = os.path.join(folder, f"{name}_{i:03d}.npy")
            np.save(path, np.clip(clip, -1.0, 1.0))
            paths.append(path)
        out[name] = (paths, sr)
    return out


# ---- the peer worker (runs in the scratch venv; imports nothing of featgraph) -------------

def _peer_calls(inputs: dict) -> dict:
    import numpy as np
    import torch
    import transformers as T

    torch.set_num_threads(1)
    data = {k: ([np.load(p) for p in paths], sr) for k, (paths, sr) in inputs.items()}
    long = data["long"][0][0]

    def knf(mfcc: bool):
        import kaldi_native_fbank as knf_
        opts = knf_.MfccOptions() if mfcc else knf_.FbankOptions()
        opts.frame_opts.dither = 0.0
        opts.frame_opts.samp_freq = 16000
        if mfcc:
            opts.mel_opts.num_bins = 23
        else:
            opts.mel_opts.num_bins = 80
        cls = knf_.OnlineMfcc if mfcc else knf_.OnlineFbank

        def call():
            f = cls(opts)
            f.accept_waveform(16000, (long * 32768.0).tolist())
            f.input_finished()
            return np.stack([f.get_frame(i) for i in range(f.num_frames_ready)])
        return call

    def hf(cls, key: str, kw=None):
        ex = cls(**(kw or {}))
        items, sr = data[key]
        arg = items[0] if key == "long" else items

        def call():
            return ex(arg, sampling_rate=sr, return_tensors="np")
        return call

    return {
        "kaldi-native-fbank fbank 80": knf(False),
        "kaldi-native-fbank mfcc 13": knf(True),
        "WhisperFeatureExtractor": hf(T.WhisperFeatureExtractor, "clips30"),
        "ParakeetFeatureExtractor": hf(T.ParakeetFeatureExtractor, "long"),
        "Speech2TextFeatureExtractor": hf(T.Speech2TextFeatureExtractor, "long"),
        "SeamlessM4TFeatureExtractor": hf(T.SeamlessM4TFeatureExtractor, "long"),
        "ASTFeatureExtractor": hf(T.ASTFeatureExtractor, "clips10"),
        "ClapFeatureExtractor": hf(T.ClapFeatureExtractor, "clips10_48k"),
        "Gemma3nAudioFeatureExtractor": hf(T.Gemma3nAudioFeatureExtractor, "long"),
    }


def peer_worker() -> None:
    """Read ``{"inputs": ...}``, then serve timed calls (:func:`harness.serve_peer`)."""
    inputs = json.loads(sys.stdin.readline())
    calls = _peer_calls(inputs)
    versions = {}
    for p in ("transformers", "torch", "kaldi_native_fbank"):
        try:
            versions[p] = __import__(p).__version__
        except Exception as exc:                           # noqa: BLE001 - reported as is
            versions[p] = f"unavailable ({exc})"
    h.serve_peer(calls, {"ready": sorted(calls), "versions": versions})


# ---- featgraph, in this process -------------------------------------------------------------

def featgraph_calls(inputs: dict, dtypes=("float64", "float32")) -> dict:
    import numpy as np

    import featgraph

    calls = {}
    for recipe_name, key, _peer, _target in WORK:
        recipe = featgraph.load(recipe_name)
        paths, sr = inputs[key]
        items = [np.load(p).astype(np.float64) for p in paths]
        for dtype in dtypes:
            name = f"{recipe_name} {dtype}"
            if key == "long":
                calls[name] = (lambda r=recipe, y=items[0], s=sr, d=dtype:
                               r.run(y, sr=s, dtype=d))
            else:
                calls[name] = (lambda r=recipe, ys=items, s=sr, d=dtype:
                               r.batch(ys, sr=s, dtype=d))
    return calls


def calls_per_sample(seconds: float, least: float = 0.25) -> int:
    """How many calls in a row make one timed sample last ``least`` seconds (at least one):
    a call of a few tens of milliseconds is timed over several, as ``timeit`` does, so
    that one sample is not a single short call at the mercy of the scheduler."""
    return max(1, min(50, int(-(-least // max(seconds, 1e-6)))))


def main() -> None:
    ap = h.parser(__doc__, repeats=5)
    ap.add_argument("--peer-python", required=True, help="the scratch venv's python")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="shorten every input by this factor (a quick trial: 0.1)")
    ap.add_argument("--only", default="", help="comma-separated presets to time (a trial; "
                                               "not with --write)")
    args = ap.parse_args()
    work = [w for w in WORK if not args.only or w[0] in args.only.split(",")]
    if args.only and args.write:
        ap.error("--only times a subset: the section would lose the other presets")
    if not work:
        ap.error(f"--only: no preset among {', '.join(w[0] for w in WORK)}")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = make_inputs(tmp, args.scale)
        fg = featgraph_calls(inputs)
        peer = h.Peer(args.peer_python, __file__, json.dumps(inputs),
                      {"OMP_NUM_THREADS": "1"})
        runs = {n: [] for n in [*fg, *(w[2] for w in work)]}
        number = {}                   # calls per timed sample, set from the warm-up round
        for round_ in range(args.repeats + 1):           # round 0 warms up
            for recipe_name, _key, peer_name, _t in work:
                for dtype in ("float64", "float32"):
                    name = f"{recipe_name} {dtype}"
                    k = number.get(name, 1)
                    start = time.perf_counter()
                    for _ in range(k):
                        fg[name]()
                    seconds = (time.perf_counter() - start) / k
                    if round_:
                        runs[name].append(seconds)
                    else:
                        number[name] = calls_per_sample(seconds)
                seconds = peer.time(peer_name, number.get(peer_name, 1))
                if round_:
                    runs[peer_name].append(seconds)
                else:
                    number[peer_name] = calls_per_sample(seconds)
        peer.close()
    runs = {n: r for n, r in runs.items() if r}
    med = {n: sorted(r)[len(r) // 2] for n, r in runs.items()}
    rows = []
    for recipe_name, key, peer_name, target in work:
        f64, f32 = med[f"{recipe_name} float64"], med[f"{recipe_name} float32"]
        best = min(f64, f32)
        ratio = med[peer_name] / best
        seconds, count, sr = INPUTS[key]
        what = (f"{seconds * args.scale:g} s" if count == 1 else
                f"{count} x {seconds * args.scale:g} s") + f" at {sr // 1000} kHz"
        rows.append([recipe_name, what, peer_name, f64, f32, med[peer_name],
                     f"{ratio:.1f}x", f">= {target}x", "met" if ratio >= target else "not met"])
    all_runs = "\n".join(f"- {n}: " + " ".join(f"{t:.3f}" for t in r) for n, r in runs.items())
    versions = ", ".join(f"{k} {v}" for k, v in peer.info["versions"].items())
    body = (f"Each preset against its extractor, {args.repeats} interleaved rounds after one "
            f"warm-up, medians in seconds (a call under 0.25 s is timed over enough calls "
            f"in a row to last 0.25 s, on both sides); the speed-up is the peer's median "
            f"over featgraph's faster dtype.  Peers in `{h.shown(args.peer_python)}` ({versions}), torch on one "
            f"thread.  Peak resident memory: featgraph {h.rss_mib():.0f} MiB now (this "
            f"process, all inputs loaded), the peer worker {peer.peak:.0f} MiB.\n\n"
            + h.table(["recipe", "input", "peer", "featgraph f64", "featgraph f32", "peer",
                       "speed-up", "target", ""], rows)
            + f"\n\nAll timed runs, s:\n\n{all_runs}\n")
    h.write_section("models", "model front ends against their extractors", body, (),
                    args.write)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer-worker"]:
        peer_worker()
    else:
        main()

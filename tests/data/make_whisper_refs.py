"""Regenerate ``model_frontends_refs.npz``: transformers' feature extractors at other lengths.

Needs transformers and torch (CPU) in a scratch environment; neither is a featgraph
dependency and the tests never import them::

    python -m venv /tmp/venv && /tmp/venv/bin/pip install transformers torch soundfile
    /tmp/venv/bin/python tests/data/make_whisper_refs.py
    python tests/data/make_whisper_refs.py --copy     # model_frontends_main.npz from ../shared

The inputs are built from the test recordings by :func:`signals` (the tests build the
same ones): a few samples (shorter than one analysis frame), exactly 30 s (10 s at
48 kHz), longer than 30 s (12 s at 48 kHz), and CLAP's corner case just over 10 s.
Each array is ``(features, frames)`` float32 without the batch axis; arrays of more
than 1000 frames keep every 7th frame (the tests compare the same frames).  Batches
(``batch.*``) hold the padded features and the attention mask of a two-item call.
"""
import importlib.metadata as md
import json
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).parent
EVERY = 7


def example_speech() -> Path:
    """The bundled speech example: from the checkout when there is one (the scratch
    environments that make the references have no featgraph), else from the installed
    package (the tests run against an installed wheel too)."""
    path = HERE.parent.parent / "featgraph" / "data" / "speech_en_16k.wav"
    if path.exists():
        return path
    import featgraph
    return featgraph.example("speech")


def signals():
    """The test inputs: ``{name: (float32 samples, rate)}``."""
    en, _ = sf.read(example_speech(), dtype="float32")
    gb, _ = sf.read(HERE / "speech_en_gb_16k.wav", dtype="float32")
    y48, _ = sf.read(HERE / "speech_en_48k.wav", dtype="float32")
    long16 = np.concatenate([en, gb, en, gb, en])
    long48 = np.concatenate([y48, y48[::-1]])
    return {
        "short": (gb[16000:16100], 16000),          # 100 samples: under one 400-sample frame
        "short1k": (gb[16000:17000], 16000),        # 1000 samples
        "exact30": (long16[:480000], 16000),
        "long35": (long16[:560000], 16000),
        "clap_short": (y48[48000:49000], 48000),
        "clap_exact10": (long48[:480000], 48000),
        "clap_corner": (long48[:480200], 48000),
        "clap_long12": (long48[:576000], 48000),
    }


def fc(x):
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32).T)


def thin(a):
    return a[:, ::EVERY] if a.shape[1] > 1000 else a


def main():
    import transformers as T

    sig = signals()
    out = {}
    w80, w128 = T.WhisperFeatureExtractor(feature_size=80), T.WhisperFeatureExtractor(feature_size=128)
    for name in ("short", "exact30", "long35"):
        y, sr = sig[name]
        out[f"whisper80_30s.{name}"] = w80(y, sampling_rate=sr, return_tensors="np")["input_features"][0]
        out[f"whisper128_30s.{name}"] = w128(y, sampling_rate=sr, return_tensors="np")["input_features"][0]
    for name in ("short1k", "long35"):
        y, sr = sig[name]
        out[f"whisper80_unpadded.{name}"] = w80(y, sampling_rate=sr, padding="longest",
                                                truncation=False,
                                                return_tensors="np")["input_features"][0]
    par = T.ParakeetFeatureExtractor()
    gem = T.Gemma3nAudioFeatureExtractor()
    for name in ("short1k", "exact30", "long35"):
        y, sr = sig[name]
        out[f"parakeet.{name}"] = fc(par(y, sampling_rate=sr, return_tensors="np")["input_features"][0])
        out[f"gemma3n.{name}"] = fc(gem(y, sampling_rate=sr, return_tensors="np")["input_features"][0])
    clap = T.ClapFeatureExtractor()
    for name in ("clap_short", "clap_exact10", "clap_corner", "clap_long12"):
        y, sr = sig[name]
        out[f"clap.{name}"] = fc(np.asarray(clap(y, sampling_rate=sr, return_tensors="np")["input_features"])[0, 0])
    # batches: two items of different lengths, with the attention masks
    a, b = sig["short1k"][0], sig["exact30"][0][:50000]
    for key, fe, kw in (("whisper80_30s", w80, {}), ("whisper80_longest", w80, {"padding": "longest"})):
        r = fe([a, b], sampling_rate=16000, return_attention_mask=True, return_tensors="np", **kw)
        out[f"batch.{key}"] = np.asarray(r["input_features"], dtype=np.float32)
        out[f"batch.{key}.mask"] = np.asarray(r["attention_mask"]).sum(-1)
    r = par([a, b], sampling_rate=16000, return_tensors="np")
    out["batch.parakeet"] = np.swapaxes(np.asarray(r["input_features"], dtype=np.float32), 1, 2)
    out["batch.parakeet.mask"] = np.asarray(r["attention_mask"]).sum(-1)
    r = gem([a, b], sampling_rate=16000, return_tensors="np")
    out["batch.gemma3n"] = np.swapaxes(np.asarray(r["input_features"], dtype=np.float32), 1, 2)
    out["batch.gemma3n.mask"] = np.asarray(r["input_features_mask"]).sum(-1)
    arrays = {}
    for k, v in out.items():
        v = np.asarray(v)
        if v.dtype.kind == "f" and v.ndim == 2:
            v = thin(v.astype(np.float32))
        elif v.dtype.kind == "f":
            v = v[..., ::EVERY] if v.shape[-1] > 1000 else v
        arrays[k] = v
    np.savez_compressed(HERE / "model_frontends_refs.npz", **arrays)
    versions = {n: md.version(n) for n in ("transformers", "torch", "numpy")}
    (HERE / "model_frontends_refs.json").write_text(json.dumps(
        {"versions": versions, "every": EVERY,
         "shapes": {k: list(np.asarray(v).shape) for k, v in out.items()}}, indent=1) + "\n")


def copy_main(shared=HERE.parent.parent.parent / "shared" / "reference"):
    """``model_frontends_main.npz``: the issue's references, copied from ``shared/reference``
    (``<stem>/<array>``, every 4th frame of arrays over 500 frames, plus ``<key>.shape``)."""
    arrays = {}
    for stem, npz, names in (
            ("speech_en_16k", "frontends", WHISPER), ("speech_en_gb_16k", "frontends", WHISPER),
            ("speech_en_16k", "models", MODELS), ("speech_en_gb_16k", "models", MODELS),
            ("speech_en_48k", "models", ("clap.logmel64",))):
        with np.load(Path(shared) / f"{stem}__{npz}.npz") as z:
            for name in names:
                a = z[name].astype(np.float32)
                arrays[f"{stem}/{name}"] = a[:, ::4] if a.shape[1] > 500 else a
                arrays[f"{stem}/{name}.shape"] = np.array(a.shape)
    np.savez_compressed(HERE / "model_frontends_main.npz", **arrays)


WHISPER = tuple(f"whisper.logmel{n}_{p}" for n in (80, 128) for p in ("30s", "unpadded"))
MODELS = ("parakeet.logmel80", "gemma3n.logmel128")

if __name__ == "__main__":
    import sys

    copy_main() if "--copy" in sys.argv else main()

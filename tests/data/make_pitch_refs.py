"""Regenerate tests/data/pitch_refs.npz: librosa 0.11's yin and pyin at their defaults
(fmin C2, fmax C7, frame_length 2048, hop 512, centred) on the voice and music files.

Keys ``<stem>/<dtype>/<name>``: ``yin`` (f0, Hz), ``pyin_f0`` (Hz, NaN unvoiced),
``pyin_voiced`` (bool), ``pyin_voiced_prob``, for the audio read at its own rate
(librosa.load(path, sr=None) reads the same samples) as ``float32`` (what
``librosa.load`` returns, so librosa computes in float32) and as ``float64``.
``speech_en_16k/shared/yin`` is ``librosa.yin`` at fmin 60, fmax 400,
frame_length 1024, hop 160, copied from ``../shared/reference/speech_en_16k.npz``.
Not run by the tests (which must not import librosa):

    python tests/data/make_pitch_refs.py [path/to/shared]
"""
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

import librosa

HERE = Path(__file__).parent
FILES = ("speech_en_16k", "speech_en_gb_16k", "chord_pluck_22k_mono")


def main(shared: Path) -> None:
    fmin, fmax = librosa.note_to_hz("C2"), librosa.note_to_hz("C7")
    out = {}
    for stem in FILES:
        for dtype in ("float32", "float64"):
            y, sr = sf.read(shared / "audio" / f"{stem}.wav", dtype=dtype)
            key = f"{stem}/{dtype}"
            out[f"{key}/yin"] = librosa.yin(y, fmin=fmin, fmax=fmax, sr=sr)
            f0, voiced, prob = librosa.pyin(y, fmin=fmin, fmax=fmax, sr=sr)
            out[f"{key}/pyin_f0"] = f0
            out[f"{key}/pyin_voiced"] = voiced
            out[f"{key}/pyin_voiced_prob"] = prob
    ref = np.load(shared / "reference" / "speech_en_16k.npz")
    out["speech_en_16k/shared/yin"] = ref["librosa.yin"]
    np.savez_compressed(HERE / "pitch_refs.npz", **out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared")

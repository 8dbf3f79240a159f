"""Regenerate tests/data/time_domain_refs.npz: librosa's time-domain and
spectral-shape features on the test speech files.

Two sets per file, keys ``<stem>/<set>/<feature>``:

``ref``
    Copied from ``../shared/reference/<stem>.npz`` (librosa 0.11.0, see its
    index.json): frame_length/win_length = 25 ms, hop = 10 ms, n_fft = 512,
    center=True; ``rms``, ``zcr`` and the four spectral features with
    ``S = |stft|`` (hann window centred in n_fft, pad_mode constant).
``default``
    Computed here with librosa's *default* parameters (frame_length 2048,
    hop_length 512, n_fft 2048, hann, center=True), from ``y=`` directly:
    ``librosa.feature.rms(y=y)``, ``zero_crossing_rate(y)``,
    ``spectral_centroid(y=y, sr=sr)``, ``spectral_bandwidth(y=y, sr=sr)``,
    ``spectral_rolloff(y=y, sr=sr)``, ``spectral_flatness(y=y)``.

Audio is read as float32 at its own rate (librosa.load(path, sr=None) reads the
same samples, without resampling), as in ../shared/reference/make_refs.py.
Not run by the tests (which must not import librosa):

    python tests/data/make_time_domain_refs.py [path/to/shared]
"""
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

import librosa

HERE = Path(__file__).parent
STEMS = {"speech_en_16k": HERE.parent.parent / "featgraph" / "data" / "speech_en_16k.wav",
         "speech_en_gb_16k": HERE / "speech_en_gb_16k.wav",
         "english_8k": HERE / "english_8k.wav",
         "silence_16k": HERE / "silence_16k.wav"}
NAMES = ["rms", "zcr", "spectral_centroid", "spectral_bandwidth", "spectral_rolloff",
         "spectral_flatness"]


def defaults(y, sr):
    f = librosa.feature
    return {"rms": f.rms(y=y), "zcr": f.zero_crossing_rate(y),
            "spectral_centroid": f.spectral_centroid(y=y, sr=sr),
            "spectral_bandwidth": f.spectral_bandwidth(y=y, sr=sr),
            "spectral_rolloff": f.spectral_rolloff(y=y, sr=sr),
            "spectral_flatness": f.spectral_flatness(y=y)}


def main(shared):
    out = {}
    for stem, wav in STEMS.items():
        with np.load(Path(shared) / "reference" / f"{stem}.npz") as z:
            for name in NAMES:
                out[f"{stem}/ref/{name}"] = z[f"librosa.{name}"]
        y, sr = sf.read(wav, dtype="float32")
        for name, value in defaults(y, sr).items():
            out[f"{stem}/default/{name}"] = value
    np.savez_compressed(HERE / "time_domain_refs.npz", librosa_version=librosa.__version__,
                        **out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared")

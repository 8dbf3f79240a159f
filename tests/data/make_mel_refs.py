"""Regenerate tests/data/<stem>__mel.npz: the peer-library arrays the mel-family tests compare with.

Two kinds of arrays, per speech file:

* ``ref.*``: copied from ``../shared/reference/<stem>.npz`` (librosa 0.11 and
  python_speech_features 0.6 at the parameters listed in its index.json: n_fft 512,
  25 ms / 10 ms frames, 40 Slaney mels; psf at its defaults).
* ``default.*``: computed here at each library's *default* parameters (librosa
  0.11: n_fft 2048, hop 512, 128 mels, 20 MFCC, top_db 80; delta width 9), and
  ``alt.*``: python_speech_features at non-default parameters (its defaults are
  already the shared reference's), to check the parameter mapping of the presets;
  psf gets the samples as float64 (the shared reference gave it float32, so its
  pre-emphasis rounds to float32, which shows in near-silent frames).

Arrays with many rows keep every ``STRIDE``-th frame only (``<name>.frames`` gives
which); the ops are framewise, so a subset of frames checks them.  float32.

Needs librosa, python_speech_features and soundfile (not needed by the tests)::

    python tests/data/make_mel_refs.py [path/to/shared/reference]
"""
import sys
from pathlib import Path

import librosa
import numpy as np
import python_speech_features as psf

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
FILES = {
    "speech_en_16k": ROOT / "featgraph" / "data" / "speech_en_16k.wav",
    "speech_en_gb_16k": HERE / "speech_en_gb_16k.wav",
    "english_8k": HERE / "english_8k.wav",
}
STRIDE = 4
REF_KEYS = ["librosa.melspectrogram", "librosa.log_mel_db", "librosa.mfcc",
            "librosa.mfcc_delta", "librosa.mfcc_delta2", "psf.mfcc", "psf.fbank",
            "psf.frame_energy", "psf.logfbank", "psf.mfcc_delta"]
# python_speech_features at non-default parameters (and the preset overrides that match them)
PSF_ALT = dict(winlen=0.02, winstep=0.0125, numcep=20, nfilt=40, nfft=1024, lowfreq=100,
               preemph=0.95, ceplifter=30, winfunc=np.hamming)


def put(out: dict, name: str, a: np.ndarray) -> None:
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 2 and a.shape[0] >= 26:
        frames = np.arange(0, a.shape[1], STRIDE)
        frames = np.union1d(frames, [a.shape[1] - 1])
        out[name + ".frames"] = frames.astype(np.int32)
        a = a[:, frames]
    out[name] = a


def main(shared: Path) -> None:
    for stem, path in FILES.items():
        out: dict[str, np.ndarray] = {}
        with np.load(shared / f"{stem}.npz") as z:
            for key in REF_KEYS:
                put(out, "ref." + key, z[key])
        y, sr = librosa.load(path, sr=None)                 # float32, the file's rate
        mel = librosa.feature.melspectrogram(y=y, sr=sr)
        put(out, "default.melspectrogram", mel)
        put(out, "default.log_mel_db", librosa.power_to_db(mel))
        mfcc = librosa.feature.mfcc(y=y, sr=sr)
        put(out, "default.mfcc", mfcc)
        put(out, "default.mfcc_delta", librosa.feature.delta(mfcc))
        put(out, "default.mfcc_delta2", librosa.feature.delta(mfcc, order=2))
        highfreq = sr / 2 - 500
        y = y.astype(np.float64)   # exact (16-bit samples); psf then rounds nothing to float32
        feat = psf.mfcc(y, samplerate=sr, highfreq=highfreq, **PSF_ALT)
        put(out, "alt.psf.mfcc", feat.T)
        put(out, "alt.psf.mfcc_delta", psf.delta(feat, 3).T)
        kw = {k: v for k, v in PSF_ALT.items() if k not in ("numcep", "ceplifter")}
        fb, energy = psf.fbank(y, samplerate=sr, highfreq=highfreq, **kw)
        put(out, "alt.psf.fbank", fb.T)
        put(out, "alt.psf.frame_energy", energy[None, :])
        kw.pop("winfunc")
        put(out, "alt.psf.logfbank",
            psf.logfbank(y, samplerate=sr, highfreq=highfreq, **kw).T)
        np.savez_compressed(HERE / f"{stem}__mel.npz", **out)
        print(stem, sum(a.nbytes for a in out.values()) // 1024, "KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference")

"""Reference arrays for tests/test_chroma.py and docs/spectral-scales.md (scales helper).

Needs librosa 0.11 (and, for the audioFlux comparison printed at the end, audioflux 0.1.9)
in a scratch environment; featgraph never imports them and the tests never run this:

    python -m venv /tmp/venv && /tmp/venv/bin/pip install librosa audioflux==0.1.9
    /tmp/venv/bin/python tests/data/make_scales_refs.py

Writes tests/data/chord_scales_refs.npz:
- ``chroma_stft.t0`` / ``chroma_stft.t02``: ``librosa.feature.chroma_stft(S=|stft|^2, sr=22050,
  n_fft=2048, hop_length=512, tuning=0.0 / 0.2, norm=inf)`` of the mono mix of
  chord_pluck_22k_stereo.wav (stft: hann, centred, constant padding), float64;
- ``chroma_stft.none``: the same with ``norm=None`` and tuning 0;
- ``audioflux.mel_spectrogram``: copied from ../shared/reference/chord_pluck_22k_stereo.npz
  (audioFlux 0.1.9 ``mel_spectrogram(y, num=128, radix2_exp=11, samplate=22050,
  slide_length=512)`` of the float32 channel mean; frames not centred), float32;
- ``audioflux.chroma_linear``: audioFlux 0.1.9 ``chroma_linear(y32, radix2_exp=11,
  samplate=22050, slide_length=512, high_fre=11025)`` of the same float32 channel mean.
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    import audioflux
    import librosa
    import numpy as np
    import soundfile as sf

    y, sr = sf.read(HERE / "chord_pluck_22k_stereo.wav")
    y = y.mean(axis=1)
    S = np.abs(librosa.stft(y, n_fft=2048, hop_length=512, window="hann", center=True,
                            pad_mode="constant")) ** 2
    out = {
        "chroma_stft.t0": librosa.feature.chroma_stft(S=S, sr=sr, n_fft=2048, tuning=0.0),
        "chroma_stft.t02": librosa.feature.chroma_stft(S=S, sr=sr, n_fft=2048, tuning=0.2),
        "chroma_stft.none": librosa.feature.chroma_stft(S=S, sr=sr, n_fft=2048, tuning=0.0,
                                                        norm=None),
    }
    shared = HERE.parents[2] / "shared" / "reference"
    if not shared.is_dir():
        shared = Path("/work/shared/reference")
    with np.load(shared / "chord_pluck_22k_stereo.npz") as z:
        out["audioflux.mel_spectrogram"] = z["audioflux.mel_spectrogram"]
    y32 = sf.read(HERE / "chord_pluck_22k_stereo.wav", dtype="float32")[0].mean(axis=1)
    out["audioflux.chroma_linear"] = audioflux.chroma_linear(y32, radix2_exp=11, samplate=sr,
                                                             slide_length=512, high_fre=sr / 2)
    np.savez_compressed(HERE / "chord_scales_refs.npz", **out)
    print({k: v.shape for k, v in out.items()})


if __name__ == "__main__":
    main()

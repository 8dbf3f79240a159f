"""Draw docs/img/pitch_track.png: pitch_pyin's f0 (voiced frames) and pitch_yin's f0 over
the power spectrogram of the bundled speech example and of the chord recording.

Run from the repository root: ``PYTHONPATH=. python docs/make_pitch_figure.py`` (needs
matplotlib).
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import featgraph  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FILES = {"speech (speech_en_16k.wav)": featgraph.example("speech"),
         "plucked chord (chord_pluck_22k_mono.wav)":
             ROOT / "tests" / "data" / "chord_pluck_22k_mono.wav"}


def main() -> None:
    fig, axes = plt.subplots(len(FILES), 1, figsize=(9, 7))
    for ax, (title, path) in zip(axes, FILES.items()):
        spec = featgraph.load("melspec_librosa").run(path, mel_scale="htk", n_mels=160,
                                                     n_fft=4096, fmin=50.0, fmax=2500.0)
        mel = spec.features["melspec_librosa"]
        pyin = featgraph.load("pitch_pyin").run(path)
        yin = featgraph.load("pitch_yin").run(path)
        times = pyin.features["f0"].times
        db = 10 * np.log10(np.maximum(mel.data, 1e-10))
        ax.pcolormesh(mel.times, mel.axis, db, vmin=db.max() - 80, shading="auto",
                      cmap="magma")
        ax.plot(times, yin["f0"][0], ".", ms=2, color="0.8", label="pitch_yin f0")
        ax.plot(times, pyin["f0"][0], "-", lw=2, color="cyan", label="pitch_pyin f0 (voiced)")
        ax.set_yscale("log")
        ax.set_ylim(60, 2500)
        ax.set_ylabel("Hz")
        ax.set_title(title)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    out = ROOT / "docs" / "img" / "pitch_track.png"
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()

"""Draw docs/img/scales_filterbanks.png (each scale's filterbank) and
docs/img/scales_spectrograms.png (each spectrogram_<scale> recipe on the chord recording).

Run from the repository root: ``python docs/make_scale_figures.py`` (needs matplotlib).
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

import featgraph  # noqa: E402
from featgraph.nodes.filterbank import Filterbank  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
SCALES = {"linspace": {}, "mel": {}, "bark": {}, "erb": {}, "octave": {"fmin": 65.40639,
          "bins_per_octave": 3, "widen": True}, "log": {"fmin": 65.40639, "widen": True}}
SR, N_FFT = 22050, 2048


def filterbanks():
    fig, axes = plt.subplots(len(SCALES), 1, figsize=(8, 12), sharex=True)
    f = np.arange(N_FFT // 2 + 1) * SR / N_FFT
    for ax, (scale, kw) in zip(axes, SCALES.items()):
        n = None if scale == "octave" else 16
        w, centres = Filterbank(scale=scale, n_bands=n, **kw).weights(SR, N_FFT)
        ax.plot(f, w.T, lw=0.8)
        ax.set_title(f"{scale}: {len(centres)} triangular filters", fontsize=9)
        ax.set_ylabel("weight")
    axes[-1].set_xlabel("frequency (Hz)")
    fig.tight_layout()
    fig.savefig(OUT / "scales_filterbanks.png", dpi=60)


def spectrograms():
    y, sr = sf.read(ROOT / "tests" / "data" / "chord_pluck_22k_stereo.wav")
    y = y.mean(axis=1)
    names = ["linear", "linspace", "mel", "bark", "erb", "octave", "log"]
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 16))
    for ax, name in zip(axes, names):
        res = featgraph.load(f"spectrogram_{name}").run(y, sr=sr)
        feat = res.features[f"{name}_db"]
        axis = np.asarray(feat.axis)
        ax.pcolormesh(feat.times, np.arange(len(axis)), feat.data, shading="nearest")
        ticks = np.linspace(0, len(axis) - 1, 6).astype(int)
        ax.set_yticks(ticks, [f"{axis[t]:.0f}" for t in ticks])
        ax.set_title(f"spectrogram_{name} (dB)", fontsize=9)
        ax.set_ylabel("Hz")
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(OUT / "scales_spectrograms.png", dpi=60)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    filterbanks()
    spectrograms()

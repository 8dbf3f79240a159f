"""Draw docs/img/transforms_wavelets.png: each wavelet-family transform on the chord recording.

Run from the repository root: ``python docs/make_wavelet_figures.py`` (needs matplotlib and
PyWavelets).  Audio: /work/shared/audio/chord_pluck_22k_mono.wav when present, else the
mono mix of tests/data/chord_pluck_22k_stereo.wav (the same recording).
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

import featgraph  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
SHARED = Path("/work/shared/audio/chord_pluck_22k_mono.wav")
PANELS = [  # (recipe, output, title, params)
    ("cwt", "magnitude", "cwt: Morlet, 84 bins from C1, hop 512", {}),
    ("cwt", "magnitude", "cwt: generalized Morse (3, 20)", {"wavelet": "morse"}),
    ("wsst", "magnitude", "wsst: synchrosqueezed Morlet CWT", {}),
    ("pwt", "magnitude", "pwt: triangular bands on the octave scale", {}),
    ("nsgt", "magnitude", "nsgt: octave scale, 12 per octave, DC and Nyquist rows", {}),
    ("st", "magnitude", "st: S-transform, 256 voices", {"fmax": 4000.0}),
    ("fst", "magnitude", "fst: 4 bands per octave", {}),
    ("wpt", "wpt", "wpt: db4, level 3, 8 nodes in frequency order", {}),
    ("swt", "stack", "swt: db4, level 4 (rows a4, d4 ... d1)", {}),
]


def audio():
    if SHARED.exists():
        y, sr = sf.read(SHARED)
    else:
        y, sr = sf.read(ROOT / "tests" / "data" / "chord_pluck_22k_stereo.wav")
    return (y.mean(axis=1) if y.ndim > 1 else y), sr


def main():
    y, sr = audio()
    fig, axes = plt.subplots(len(PANELS) + 1, 1, figsize=(8, 2.0 * (len(PANELS) + 1)))
    for ax, (recipe, out, title, params) in zip(axes, PANELS):
        feat = featgraph.load(recipe).run(y, sr=sr, **params).features[out]
        data = np.abs(feat.data)
        db = 20 * np.log10(np.maximum(data, 1e-6 * data.max() if data.max() > 0 else 1e-12))
        axis = np.asarray(feat.axis) if feat.axis is not None else np.arange(data.shape[0])
        ax.pcolormesh(feat.times, np.arange(len(axis)), db, shading="nearest")
        ticks = np.linspace(0, len(axis) - 1, min(6, len(axis))).astype(int)
        ax.set_yticks(ticks, [f"{axis[t]:.0f}" for t in ticks])
        ax.set_title(title + " (dB)", fontsize=9)
        ax.set_ylabel("Hz")
    dwt = featgraph.load("dwt").run(y, sr=sr).features
    ax = axes[-1]
    for i, (name, feat) in enumerate(dwt.items()):
        c = feat.data / (np.abs(feat.data).max() or 1.0)
        ax.plot(np.arange(len(c)) / feat.sr, 0.45 * c + i, lw=0.4)
    ax.set_yticks(range(len(dwt)), list(dwt))
    ax.set_title("dwt: db4, symmetric, level 5 (each port at its own rate, normalised)",
                 fontsize=9)
    ax.set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(OUT / "transforms_wavelets.png", dpi=60)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    main()

"""Draw docs/img/transforms_cqt.png: each constant-Q and sharpening recipe on the chord
recording (cqt_librosa, vqt_librosa, pseudo-CQT, chroma_cqt, CENS, CQCC, the reassigned
spectrogram as a scatter of (time, frequency) points, and synsq).

Run from the repository root: ``python docs/make_cqt_figures.py`` (needs matplotlib).
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

import featgraph  # noqa: E402
from featgraph.nodes.constantq import PseudoCQT  # noqa: E402
from featgraph.engine.feature import Feature  # noqa: E402
from featgraph.engine.kinds import Kind  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"


def db(x):
    x = np.abs(x)
    return 20 * np.log10(np.maximum(x, 1e-6 * x.max()) / x.max())


def image(ax, feat, title, values=None, ylabel="Hz"):
    data = feat.data if values is None else values
    rows = np.arange(data.shape[0])
    ax.pcolormesh(feat.times, rows, data, shading="nearest")
    if feat.axis is not None and ylabel == "Hz":
        ticks = np.linspace(0, len(feat.axis) - 1, 6).astype(int)
        ax.set_yticks(ticks, [f"{feat.axis[t]:.0f}" for t in ticks])
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(ylabel)


def main():
    path = ROOT / "tests" / "data" / "chord_pluck_22k_stereo.wav"
    y, sr = sf.read(path)
    y = y.mean(axis=1)
    cqt = featgraph.load("cqt_librosa").run(y, sr=sr).features["cqt"]
    vqt = featgraph.load("vqt_librosa").run(y, sr=sr).features["vqt"]
    pseudo = PseudoCQT()(Feature(y, Kind.SIGNAL, sr))
    chroma = featgraph.load("chroma_cqt").run(y, sr=sr).features
    cqcc = featgraph.load("cqcc").run(y, sr=sr).features["cqcc"]
    ra = featgraph.load("reassign").run(y, sr=sr)
    ss = featgraph.load("synsq").run(y, sr=sr).features["magnitude"]
    fig, axes = plt.subplots(8, 1, figsize=(8, 22))
    image(axes[0], cqt, "cqt_librosa: |CQT| (dB), 84 bins from C1", db(cqt.data))
    image(axes[1], vqt, "vqt_librosa: |VQT| (dB), gamma = ERB", db(vqt.data))
    image(axes[2], pseudo, "pseudo_cqt (dB)", db(pseudo.data))
    image(axes[3], chroma["chroma"], "chroma_cqt (rows C .. B)", ylabel="pitch class")
    image(axes[4], chroma["cens"], "chroma_cqt: cens", ylabel="pitch class")
    image(axes[5], cqcc, "cqcc: 20 coefficients", ylabel="coefficient")
    mags, keep = ra["mags"], ra["mags"] > ra["mags"].max() * 1e-3
    axes[6].scatter(ra["times"][keep], ra["freqs"][keep], s=1,
                    c=db(mags)[keep], cmap="viridis", vmin=-60, vmax=0)
    axes[6].set_ylim(0, 4000)
    axes[6].set_title("reassign: (times, freqs) of the bins above -60 dB", fontsize=9)
    axes[6].set_ylabel("Hz")
    image(axes[7], ss, "synsq (dB), n_fft 1024", db(ss.data))
    axes[7].set_ylim(0, 200)
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(OUT / "transforms_cqt.png", dpi=60)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    main()

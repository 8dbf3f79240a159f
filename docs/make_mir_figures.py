"""Draw docs/img/mir_onsets_beats.png (onsets and beats over the waveform and the onset
strength) and docs/img/mir_hpss.png (the HPSS parts side by side), on 8 s of the
synthetic drum and chord loop of tests/mir_signals.py.

Run from the repository root: ``python docs/make_mir_figures.py`` (needs matplotlib).
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]      # this checkout's featgraph, mir_signals

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import featgraph  # noqa: E402

OUT = ROOT / "docs" / "img"
from mir_signals import SR, drum_loop  # noqa: E402


def onsets_and_beats(y):
    bundle = featgraph.load("mir_bundle").run(y, sr=SR)
    env = featgraph.load("onset_strength").run(y, sr=SR).features["onset_strength"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    t = np.arange(y.size) / SR
    top.plot(t, y, lw=0.3, color="0.4")
    top.vlines(bundle["onsets"], -1, 0, color="tab:orange", lw=1, label="onsets")
    top.vlines(bundle["beats"], 0, 1, color="tab:blue", lw=1.5, label="beats")
    top.set_ylim(-1, 1)
    top.set_ylabel("waveform")
    top.legend(loc="upper right", fontsize=8)
    top.set_title(f"mir_bundle: {bundle['onsets'].size} onsets, {bundle['beats'].size} beats, "
                  f"tempo {bundle['tempo'][0, 0]:.1f} BPM", fontsize=9)
    bottom.plot(env.times, env.data[0], lw=0.8, color="tab:orange")
    bottom.vlines(bundle["onsets"], 0, env.data.max(), color="tab:orange", lw=0.5, alpha=0.4)
    bottom.set_ylabel("onset strength")
    bottom.set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(OUT / "mir_onsets_beats.png", dpi=70)


def hpss(y):
    parts = featgraph.load("hpss").run(y, sr=SR)
    whole = parts["harmonic"] + parts["percussive"]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
    top = 20 * np.log10(whole.max())
    extent = [0, whole.shape[1] * 512 / SR, 0, SR / 2000]
    for ax, (name, s) in zip(axes, [("input |STFT|", whole), ("harmonic", parts["harmonic"]),
                                    ("percussive", parts["percussive"])]):
        db = 20 * np.log10(np.maximum(s, 1e-10))
        ax.imshow(db, origin="lower", aspect="auto", extent=extent, vmin=top - 80, vmax=top,
                  cmap="magma")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("time (s)")
    axes[0].set_ylabel("frequency (kHz)")
    axes[0].set_ylim(0, 8)
    fig.tight_layout()
    fig.savefig(OUT / "mir_hpss.png", dpi=60)


if __name__ == "__main__":
    loop = drum_loop(8.0)
    onsets_and_beats(loop)
    hpss(loop)

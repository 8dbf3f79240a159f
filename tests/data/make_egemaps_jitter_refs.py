"""Reference arrays for the period marking of tests/test_egemaps_jitter.py: openSMILE 2.6's
``cPitchJitter`` (eGeMAPSv02) on synthetic pulse trains.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_jitter_refs.py

The probes (numpy only, :func:`probes`): trains of short positive pulses (Hann, 9 samples) at
whole-sample periods ``T`` from 0.1 s on, 1 s long, whose amplitudes step by ``exp(+-c k)``
(``k`` the pulse's index, ``c = 0.005``, the sign alternating so the level stays within
+-0.4 of ``ln`` 0.4): every pair of consecutive pulses has its own amplitude ratio, so a
frame's shimmer tells which pulses its periods covered.  ``T`` = 120, 137, 150, 163 and 170
at 16 kHz and 60, 70 and 75 at 8 kHz (periods shorter and longer than the 10 ms hop: one
period per frame, two in some, none in some), and one train at 170 (16 kHz) whose first
0.2 s are 1000 times quieter (the energy gate opens on periodic signal: a mark at the
voicing onset, and the level step, 20 log10(1 + 1) = 6.0206 dB: openSMILE caps the relative
shimmer at 1).  Writes tests/data/egemaps_jitter_refs.npz: per probe ``<name>/x`` (the
16-bit samples), ``<name>/sr``, and from openSMILE's own eGeMAPSv02.conf ``<name>/f0``
(``gemapsv01b_logPitch`` F0final), ``<name>/jitter``, ``<name>/shimmer``
(``gemapsv01b_jitterShimmer`` jitterLocal, shimmerLocalDB), float32.
"""
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PROBES = {"t120": (16000, 120), "t137": (16000, 137), "t150": (16000, 150),
          "t163": (16000, 163), "t170": (16000, 170), "t60_8k": (8000, 60),
          "t70_8k": (8000, 70), "t75_8k": (8000, 75), "onset170": (16000, 170)}


def pulse_train(sr, period, seconds=1.0, c=0.005, quiet=0.0):
    """16-bit samples (int16) of the coded pulse train; ``quiet`` > 0: the first 0.2 s
    scaled by 1e-3."""
    start = int(0.1 * sr)
    pos = np.arange(start, int(seconds * sr) - 8, period)
    g = np.concatenate([[0.0], np.cumsum([(1 if k % 2 else -1) * c * k
                                          for k in range(1, len(pos))])])
    a = 0.4 * np.exp(g)
    if quiet:
        a = np.where(pos < 0.2 * sr, a * quiet, a)
    x = np.zeros(int(seconds * sr))
    k = np.arange(-4, 5)
    hann = 0.5 + 0.5 * np.cos(2 * np.pi * k / 9)
    for p, ai in zip(pos, a):
        x[p + k] += ai * hann
    return np.round(x * 32767).astype(np.int16)


def probes():
    """{name: (sr, int16 samples)}."""
    return {name: (sr, pulse_train(sr, t, quiet=1e-3 if name.startswith("onset") else 0.0))
            for name, (sr, t) in PROBES.items()}


def level(y, sr, name):
    import opensmile

    conf = Path(opensmile.__file__).parent / "core" / "config" / "egemaps" / "v02" / \
        "eGeMAPSv02.conf"
    smile = opensmile.Smile(feature_set=str(conf), feature_level=name)
    return np.asarray(smile.process(y, sr)[2], dtype=np.float32)


def write_refs(probes, filename):
    """openSMILE's F0 and jitter/shimmer levels on each probe ``{name: (sr, int16 samples)}``,
    saved as tests/data/``filename`` (``<name>/x``, ``sr``, ``f0``, ``jitter``, ``shimmer``);
    the glide and edge scripts use it too."""
    out = {}
    for name, (sr, x) in probes.items():
        y = x.astype(np.float32) / 32768
        f0 = level(y, sr, "gemapsv01b_logPitch")[:, 0]
        js = level(y, sr, "gemapsv01b_jitterShimmer")
        out.update({f"{name}/x": x, f"{name}/sr": np.int32(sr), f"{name}/f0": f0,
                    f"{name}/jitter": js[:, 0], f"{name}/shimmer": js[:, 1]})
        print(name, sr, len(f0), "frames", int((f0 > 0).sum()), "voiced")
    np.savez_compressed(HERE / filename, **out)


def main():
    write_refs(probes(), "egemaps_jitter_refs.npz")


if __name__ == "__main__":
    main()

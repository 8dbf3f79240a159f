"""Reference arrays for the sub-sample period of tests/test_egemaps_jitter.py: openSMILE 2.6's
``cPitchJitter`` (eGeMAPSv02) on harmonic glides.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_glide_refs.py

The probes (numpy only, :func:`probes`): 1.5 s of twelve harmonics (amplitudes ``0.7^k``,
fixed random phases) whose F0 glides linearly (100 -> 125 Hz at 16 kHz, 200 -> 250 Hz at
8 kHz), 1000 times quieter before 0.1 s and after 1.4 s (5 ms linear fades; no
stretch of zeros, whose correlation is degenerate), peak 0.3; ``glide`` as is,
``glide_am`` and ``glide_am2`` amplitude-modulated (depth 0.5 at 3 Hz, 0.8 at 5 Hz).
Pulse trains are degenerate for the shape of the correlation around its peak (any window
that holds the same pulses gives the same curve); on these smooth, slowly changing periods
the fractional period depends on the window, its normalisation and where it starts, and
the amplitude modulation separates normalisations that a steady level cannot.  Writes
tests/data/egemaps_glide_refs.npz: per probe ``<name>/x`` (the 16-bit samples), ``<name>/sr``,
and from openSMILE's own eGeMAPSv02.conf ``<name>/f0`` (``gemapsv01b_logPitch`` F0final),
``<name>/jitter``, ``<name>/shimmer`` (``gemapsv01b_jitterShimmer``), float32.
"""
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PROBES = {"glide": (16000, 100.0, 0.0, 0.0), "glide_am": (16000, 100.0, 0.5, 3.0),
          "glide_am2": (16000, 100.0, 0.8, 5.0), "glide_8k": (8000, 200.0, 0.0, 0.0),
          "glide_am_8k": (8000, 200.0, 0.5, 3.0)}


def glide(sr, f_a, depth, fm, seconds=1.5, harmonics=12, tilt=0.7, seed=0, fade=0.005, quiet=1e-3):
    """16-bit samples (int16, ``trunc(32768 y)``) of the harmonic glide ``f_a -> 1.25 f_a``."""
    t = np.arange(int(seconds * sr)) / sr
    f = f_a + 0.25 * f_a * t / seconds
    ph = 2 * np.pi * np.cumsum(f) / sr
    phs = np.random.default_rng(seed).uniform(0, 2 * np.pi, harmonics)
    y = sum(tilt ** k * np.cos((k + 1) * ph + phs[k]) for k in range(harmonics))
    y *= 0.3 / np.abs(y).max()
    y *= np.maximum(np.clip(np.minimum(t - 0.1, seconds - 0.1 - t) / fade, 0, 1), quiet)
    y *= 1 - depth * 0.5 * (1 + np.sin(2 * np.pi * fm * t))
    return np.trunc(y.astype(np.float32).astype(np.float64) * 32768).astype(np.int16)


def probes():
    """{name: (sr, int16 samples)}."""
    return {name: (sr, glide(sr, fa, depth, fm)) for name, (sr, fa, depth, fm) in PROBES.items()}


def main():
    sys.path.insert(0, str(HERE))
    from make_egemaps_jitter_refs import write_refs      # openSMILE's levels, saved

    write_refs(probes(), "egemaps_glide_refs.npz")


if __name__ == "__main__":
    main()

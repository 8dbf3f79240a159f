"""Reference arrays for tests/test_egemaps_jitter.py: openSMILE 2.6's ``cPitchJitter``
(eGeMAPSv02) where the period search meets an end of its lag range or a voicing onset.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_edge_refs.py

The probes (numpy only, :func:`probes`), 8 kHz, 1.5 s, harmonics below Nyquist of an F0
track (amplitudes ``0.7^k``, fixed random phases), peak 0.3:

- ``steps``: periods of 30, 35, 28, 33 and 30 samples in turn (phase-continuous steps at
  0.35, 0.6, 0.85 and 1.1 s), 1000 times quieter outside 0.1-1.4 s: after each step the
  true period lies outside openSMILE's lag range ``T0 (1 +- 0.1)`` for a few frames;
- ``vib14``: F0 250 Hz with a 6 Hz vibrato of +-14 % (the period leaves the range at both
  ends every cycle), same envelope;
- ``onset_sil``, ``onset_noise``: F0 250 Hz +-5 % at 2 Hz, on during 0.3-0.7 s and
  0.9-1.3 s, digital silence or white noise (0.05 RMS, seeded) in between.

Writes tests/data/egemaps_edge_refs.npz: per probe ``<name>/x`` (16-bit samples),
``<name>/sr`` and openSMILE's ``<name>/f0`` (``gemapsv01b_logPitch`` F0final),
``<name>/jitter``, ``<name>/shimmer`` (``gemapsv01b_jitterShimmer``), float32.
"""
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SR = 8000


def harmonics(f, harmonics=12, tilt=0.7, seed=0):
    ph = 2 * np.pi * np.cumsum(f) / SR
    phs = np.random.default_rng(seed).uniform(0, 2 * np.pi, harmonics)
    y = sum(tilt ** k * np.cos((k + 1) * ph + phs[k]) for k in range(harmonics)
            if (k + 1) * f.max() < SR / 2)
    return 0.3 * y / np.abs(y).max()


def pcm16(y):
    return np.trunc(np.asarray(y, np.float32).astype(np.float64) * 32768).astype(np.int16)


def probes():
    """{name: int16 samples} at 8 kHz."""
    t = np.arange(int(1.5 * SR)) / SR
    env = np.maximum(np.clip(np.minimum(t - 0.1, 1.4 - t) / 0.005, 0, 1), 1e-3)
    steps = np.select([t < 0.35, t < 0.6, t < 0.85, t < 1.1],
                      [SR / 30, SR / 35, SR / 28, SR / 33], SR / 30)
    out = {"steps": pcm16(harmonics(steps) * env),
           "vib14": pcm16(harmonics(250 * (1 + 0.14 * np.sin(2 * np.pi * 6 * t))) * env)}
    y = harmonics(250 * (1 + 0.05 * np.sin(2 * np.pi * 2 * t)))
    on = np.where(((t > 0.3) & (t < 0.7)) | ((t > 0.9) & (t < 1.3)), 1.0, 0.0)
    noise = 0.05 * np.random.default_rng(3).standard_normal(len(t))
    out["onset_sil"] = pcm16(y * on)
    out["onset_noise"] = pcm16(y * on + (1 - on) * noise)
    return out


def main():
    sys.path.insert(0, str(HERE))
    from make_egemaps_jitter_refs import write_refs      # openSMILE's levels, saved

    write_refs({name: (SR, x) for name, x in probes().items()}, "egemaps_edge_refs.npz")


if __name__ == "__main__":
    main()

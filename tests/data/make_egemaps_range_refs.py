"""Reference arrays for tests/test_egemaps_jitter.py: openSMILE 2.6's ``cPitchJitter``
(eGeMAPSv02) with an F0 chosen at will, to pin the ends of its lag range and the values of
frames that take no period.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_range_refs.py

cPitchJitter reads the F0 from an HTK file (make_egemaps_jitter_refs.py's ``f0_config``;
the rest of eGeMAPSv02.conf unchanged), so the lag range ``T0 (1 +- 0.1)`` can be put where
the signal's true period lies.  The F0 track is 0 but for blocks of 11 frames at a constant
``T0`` (2 unvoiced frames between blocks, so that each block starts a fresh mark); the
blocks put ``1.1 T0`` (:data:`TOP`) and then ``0.9 T0`` (:data:`BOTTOM`) at the given
number of samples (the true period lies inside the range, at its top or bottom lag, or
just outside it).  The probes (numpy only, :func:`probes`), 2 s each:

- ``range_pulse``, ``range_pulse_16k``: make_egemaps_jitter_refs.py's coded pulse trains
  (amplitude step ``c = 0.002``) at whole-sample periods of 33 samples (8 kHz) and 150
  (16 kHz): whether openSMILE takes a period says whether the true period's lag was searched
  and was not the last one;
- ``range_tone``: ten harmonics (amplitudes ``0.7^k``, fixed random phases, 30 % amplitude
  modulation at 3.7 Hz) of a period of 32.6 samples at 8 kHz: ranges whose largest sampled
  correlation lies at their top lag while a smaller interior maximum exists.

And, for the frames that take no period, ``gaps``, ``gaps_8k`` (3 s): pulse trains (Hann,
9 samples) whose periods alternate 176 and 180 samples at 16 kHz (88 and 90 at 8 kHz: local
jitter ~2 %) and amplitudes 0.4 and 0.34, with every 11th pulse left out (the periods
around it are rejected), fed a constant F0 of ``sr / 178`` (``sr / 89``) on frames 8 to
``n - 8``: periods longer than the hop, so that some frames try no mark, right after frames
that took a period and right after frames that rejected one.

And ``tone110``, ``tone110_sil`` (16 kHz): seven segments of 40 frames, each with an F0 of
110 Hz on 32 frames (``1.1 T0`` = 160 lags, an integer) and a tone (ten harmonics,
amplitudes ``0.7^k``, fixed random phases, F0 110 Hz with a +-2 % vibrato at 3 Hz, peak 0.3)
starting 4-13 frames into it (at a sample offset ``37 i mod 160``) and ending after frame 30;
``tone110`` has +-1 LSB of uniform dither everywhere (seeded), ``tone110_sil`` digital silence
around the tone.

And ``onsets``, ``onsets_8k`` (16 and 8 kHz, F0 110 Hz, not pinned down): segments of 30
frames with the F0 on 24 of them and digital silence until a tone like tone110's starts
``d`` samples after the fourth mark of the segment (the fresh mark ``a hop - 1`` plus three
moves by ``round(T0)`` through the silence), for every ``d`` from ``round(T0) + 2`` to
``floor(1.1 T0)``: the try whose window at lag ``round(T0)`` is still silent while longer
lags reach the tone.

Writes tests/data/egemaps_range_refs.npz: per probe ``<name>/x`` (16-bit samples),
``<name>/sr``, ``<name>/f0`` (the F0 track given to cPitchJitter, float32), ``<name>/jitter``,
``<name>/shimmer`` (``gemapsv01b_jitterShimmer``), float32.
"""
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# per probe: 1.1 T0 of the top blocks and 0.9 T0 of the bottom blocks, in samples
TOP = {"range_pulse": (33.2, 33.5, 33.8, 34.2, 34.5),
       "range_pulse_16k": (150.3, 150.7, 151.3, 151.7),
       "range_tone": (32.8, 33.2, 33.5, 33.8, 34.2, 34.5)}
BOTTOM = {"range_pulse": (33.8, 33.5, 33.2, 32.8, 32.5),
          "range_pulse_16k": (150.7, 150.3, 149.7, 149.3),
          "range_tone": (33.2, 32.8, 32.5, 32.2, 31.8)}
START, ON, GAP = 12, 11, 2
GAPS = {"gaps": (16000, (176, 180)), "gaps_8k": (8000, (88, 90))}
TONE110 = {"tone110": True, "tone110_sil": False}
SEG, NSEG = 40, 7
ONSETS = {"onsets": 16000, "onsets_8k": 8000}


def tone(sr, period, seconds=2.0, harmonics=10, tilt=0.7, am=0.3, seed=0):
    """16-bit samples (int16, ``trunc(32768 y)``) of the modulated harmonic tone."""
    t = np.arange(int(seconds * sr)) / sr
    ph = 2 * np.pi * sr / period * t
    phs = np.random.default_rng(seed).uniform(0, 2 * np.pi, harmonics)
    y = sum(tilt ** k * np.cos((k + 1) * ph + phs[k]) for k in range(harmonics)
            if (k + 1) * sr / period < sr / 2)
    y = y * (1 + am * np.sin(2 * np.pi * 3.7 * t))
    return np.trunc(0.3 * y / np.abs(y).max() * 32768).astype(np.int16)


def gap_train(sr, periods, seconds=3.0, drop=11, amps=(0.4, 0.34)):
    """16-bit samples (int16) of the pulse train with every ``drop``-th pulse left out."""
    n = int(seconds * sr)
    pos = int(0.1 * sr) + np.concatenate([[0], np.cumsum(np.resize(periods, n // min(periods)))])
    pos = pos[pos < n - 10]
    k = np.arange(-4, 5)
    hann = 0.5 + 0.5 * np.cos(2 * np.pi * k / 9)
    x = np.zeros(n)
    for i, p in enumerate(pos):
        if i % drop != drop - 1:
            x[p + k] += amps[i % 2] * hann
    return np.round(x * 32767).astype(np.int16)


def vibrato_tone(n, sr, f, harmonics, seed):
    """``n`` samples of ``harmonics`` partials of ``f`` Hz (amplitudes 0.7^k, phases drawn
    from ``seed``, those below Nyquist) with a 2 % vibrato at 3 Hz, peak 0.3."""
    t = np.arange(n) / sr
    phs = np.random.default_rng(seed).uniform(0, 2 * np.pi, harmonics)
    ph = 2 * np.pi * f * t * (1 + 0.02 * np.sin(2 * np.pi * 3 * t))
    y = sum(0.7 ** k * np.cos((k + 1) * ph + phs[k]) for k in range(harmonics)
            if (k + 1) * f < sr / 2)
    return 0.3 * y / np.abs(y).max()


def tone110(dither, sr=16000, f=110.0, harmonics=10):
    """16-bit samples (int16) of the tone110 probes: ``NSEG`` tone onsets."""
    hop = sr // 100
    x = np.zeros((10 + SEG * NSEG + 16) * hop)
    for i in range(NSEG):
        a = 10 + SEG * i
        start, end = (a + 4 + i * 3 // 2) * hop + i * 37 % hop, (a + 30) * hop
        x[start:end] = vibrato_tone(end - start, sr, f, harmonics, seed=i)
    x = np.trunc(x * 32768)
    if dither:
        x += np.random.default_rng(5).integers(-1, 2, len(x))
    return x.astype(np.int16)


def onset_offsets(sr, f=110.0):
    """The onsets probes' offsets ``d`` (samples after the fourth mark)."""
    t0 = sr / f
    return list(range(int(np.floor(t0 + 0.5)) + 2, int(np.floor(t0 + 0.1 * t0)) + 1))


def onsets(sr, f=110.0, seg=30, harmonics=10):
    """16-bit samples (int16) of the onsets probes."""
    hop, ds = sr // 100, onset_offsets(sr, f)
    x = np.zeros((10 + seg * len(ds) + 16) * hop)
    for i, d in enumerate(ds):
        a = 10 + seg * i
        start = a * hop - 1 + 3 * int(np.floor(sr / f + 0.5)) + d
        end = (a + 22) * hop
        x[start:end] = vibrato_tone(end - start, sr, f, harmonics, seed=i)
    return np.trunc(x * 32768).astype(np.int16)


def f0_track(name, sr, n):
    """The F0 track (Hz, 0 unvoiced, float32) of ``n`` frames for probe ``name``."""
    if name in ONSETS:
        f0 = np.zeros(n)
        for i in range(len(onset_offsets(sr))):
            f0[10 + 30 * i:10 + 30 * i + 24] = 110.0
        return f0.astype(np.float32)
    if name in TONE110:
        f0 = np.zeros(n)
        for i in range(NSEG):
            f0[10 + SEG * i:10 + SEG * i + 32] = 110.0
        return f0.astype(np.float32)
    if name in GAPS:
        f0 = np.zeros(n)
        f0[8:n - 8] = sr / np.mean(GAPS[name][1])
        return f0.astype(np.float32)
    t0s = [c / 1.1 for c in TOP[name]] + [c / 0.9 for c in BOTTOM[name]]
    f0 = np.zeros(n)
    for i, t0 in enumerate(t0s):
        a = START + (ON + GAP) * i
        assert a + ON <= n
        f0[a:a + ON] = sr / t0
    return f0.astype(np.float32)


def probes():
    """{name: (sr, int16 samples)}."""
    sys.path.insert(0, str(HERE))
    from make_egemaps_jitter_refs import pulse_train

    return {"range_pulse": (8000, pulse_train(8000, 33, seconds=2.0, c=0.002)),
            "range_pulse_16k": (16000, pulse_train(16000, 150, seconds=2.0, c=0.002)),
            "range_tone": (8000, tone(8000, 32.6)),
            **{name: (sr, gap_train(sr, per)) for name, (sr, per) in GAPS.items()},
            **{name: (16000, tone110(dither)) for name, dither in TONE110.items()},
            **{name: (sr, onsets(sr)) for name, sr in ONSETS.items()}}


def main():
    sys.path.insert(0, str(HERE))
    from make_egemaps_jitter_refs import write_refs      # openSMILE's levels, saved

    pr = probes()
    write_refs(pr, "egemaps_range_refs.npz",
               f0={name: (lambda n, name=name: f0_track(name, pr[name][0], n)) for name in pr})


if __name__ == "__main__":
    main()

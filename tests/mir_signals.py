"""Synthetic music-like signals with known events, for the onset, beat and HPSS tests.

Pure numpy and seeded: tests/data/make_onset_refs.py computes librosa's references on
exactly these arrays, and the tests rebuild them without librosa.
"""
from __future__ import annotations

import numpy as np

SR = 22050
HOP = 512


def click(sr: int = SR, ms: float = 4.0) -> np.ndarray:
    """A short broadband click: a 3 kHz burst with a fast exponential decay."""
    t = np.arange(int(sr * ms / 1000)) / sr
    return np.sin(2 * np.pi * 3000 * t) * np.exp(-t / 0.0008)


def click_times(period: float, n: int, start: float = 0.5) -> np.ndarray:
    """``n`` click times, ``period`` seconds apart from ``start`` (s)."""
    return start + period * np.arange(n)


def click_track(times: np.ndarray, seconds: float, sr: int = SR) -> np.ndarray:
    """Clicks at ``times`` (s) over ``seconds`` of silence."""
    y = np.zeros(int(seconds * sr))
    c = click(sr)
    for t in times:
        i = int(round(t * sr))
        y[i:i + c.size] += c[:max(0, y.size - i)]
    return y


def chord(seconds: float, sr: int = SR, freqs=(261.63, 329.63, 392.0)) -> np.ndarray:
    """A sustained chord: three sines with two harmonics each, fixed amplitude, faded in
    and out over 50 ms."""
    t = np.arange(int(seconds * sr)) / sr
    y = sum(np.sin(2 * np.pi * f * h * t) / h for f in freqs for h in (1, 2, 3)) / 6.0
    ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.05)
    return y * ramp


def drum_loop(seconds: float = 20.0, bpm: float = 124.0, sr: int = SR) -> np.ndarray:
    """A drum and chord loop: kick on beats 1 and 3, snare on 2 and 4, hi-hat on eighths,
    a plucked chord per bar changing over four chords, light noise floor.  Seeded."""
    rng = np.random.default_rng(20240615)
    n = int(seconds * sr)
    y = 1e-4 * rng.standard_normal(n)
    beat = 60.0 / bpm
    t_kick = np.arange(int(0.15 * sr)) / sr
    kick = np.sin(2 * np.pi * (50 + 80 * np.exp(-t_kick / 0.02)) * t_kick) * np.exp(-t_kick / 0.06)
    snare = rng.standard_normal(int(0.12 * sr)) * np.exp(-np.arange(int(0.12 * sr)) / (0.03 * sr))
    hat = np.diff(rng.standard_normal(int(0.04 * sr) + 1)) * np.exp(
        -np.arange(int(0.04 * sr)) / (0.008 * sr))
    chords = [(261.63, 329.63, 392.0), (220.0, 261.63, 329.63),
              (174.61, 220.0, 261.63), (196.0, 246.94, 293.66)]

    def add(part, at, gain):
        i = int(round(at * sr))
        if i < n:
            y[i:i + part.size] += gain * part[:n - i]

    k = 0
    while k * beat < seconds:
        at = 0.25 + k * beat
        add(kick if k % 2 == 0 else snare, at, 0.8 if k % 2 == 0 else 0.35)
        add(hat, at, 0.15)
        add(hat, at + beat / 2, 0.1)
        if k % 4 == 0:
            t = np.arange(int(4 * beat * sr)) / sr
            pluck = sum(np.sin(2 * np.pi * f * t) for f in chords[(k // 4) % 4])
            add(pluck * np.exp(-t / 0.8) * 0.12, at, 1.0)
        k += 1
    return y

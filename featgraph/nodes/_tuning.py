"""Tuning estimation from spectral peaks (librosa's ``estimate_tuning`` definition).

Definition (librosa 0.11 documentation of ``estimate_tuning``, ``piptrack`` and
``pitch_tuning``; code written from it): the magnitude STFT (Hann, ``n_fft`` = 2048,
hop ``n_fft / 4``, centred frames with zero padding); in each frame, the bins ``k`` with
``150 <= f_k < 4000`` Hz that are local maxima (``S_k > S_(k-1)`` and ``S_k >= S_(k+1)``)
of the spectrum with every value at or below a tenth of the frame's maximum set to 0;
the peak frequency ``(k + d) sr / n_fft`` with the parabolic offset
``d = -(S_(k+1) - S_(k-1)) / 2 / (S_(k+1) + S_(k-1) - 2 S_k)`` (0 when ``|d| >= 1``) and
its magnitude ``S_k + d (S_(k+1) - S_(k-1)) / 4``; the peaks whose magnitude is at least the
median of all peak magnitudes vote with their deviation from the equal-tempered grid,
``r = bpo log2(f / (440 / 16)) mod 1`` wrapped into ``[-0.5, 0.5)``, in a histogram of
``ceil(1 / resolution)`` bins over ``[-0.5, 0.5]``; the estimate is the left edge of the
fullest bin, in fractions of a bin (``bins_per_octave`` per octave).

This is most of the time of librosa's ``chroma_cqt``; here the STFT is taken in blocks
with ducc0, straight from the signal, and the peaks are picked in C
(:func:`featgraph.native.transforms.tuning_peaks`, bit-equal to its numpy definition).
"""
from __future__ import annotations

import numpy as np

from ..native.transforms import tuning_peaks
from ._cqfilters import frame_block, frame_count
from .spectral import rfft_frames

BLOCK = 128
"""Frames per STFT block: the windowed frames (1 MiB at 2048 points, float32) and their
spectra stay near the cache (512 frames took 15 % longer)."""


def estimate_tuning(y: np.ndarray, sr: float, bins_per_octave: int = 12, n_fft: int = 2048,
                    resolution: float = 0.01, fmin: float = 150.0, fmax: float = 4000.0,
                    threshold: float = 0.1) -> float:
    """Tuning deviation of a signal ``(..., samples)`` in fractions of a bin (see the module
    docs); the peaks of every channel vote together, as in librosa."""
    y = np.asarray(y)
    if y.dtype not in (np.float32, np.float64):
        y = y.astype(np.float64)
    win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(y.dtype)
    fft_freqs = np.arange(n_fft // 2 + 1) * (sr / n_fft)
    inside = np.nonzero((fft_freqs >= max(fmin, 0)) & (fft_freqs < min(fmax, sr / 2)))[0]
    if inside.size == 0:
        return 0.0
    k0, k1 = max(int(inside[0]), 1), min(int(inside[-1]), n_fft // 2 - 1)
    if k1 < k0:
        return 0.0
    freqs, mags = [], []
    work = np.empty((BLOCK, n_fft), y.dtype)
    spec = np.empty((BLOCK, n_fft // 2 + 1), np.complex64 if y.dtype == np.float32
                    else np.complex128)
    for row in y.reshape(-1, y.shape[-1]):
        row = np.ascontiguousarray(row)
        n_frames = frame_count(row.shape[-1], n_fft, n_fft // 4)
        for a in range(0, n_frames, BLOCK):
            count = min(BLOCK, n_frames - a)
            block = frame_block(row, n_fft, n_fft // 4, a, count)
            buf = np.multiply(block, win, out=work[:count])
            f, m = tuning_peaks(rfft_frames(buf, n_fft, out=spec[:count]), k0, k1, threshold,
                                sr / n_fft)
            freqs.append(f)
            mags.append(m)
    freqs, mags = np.concatenate(freqs), np.concatenate(mags)
    if freqs.size and freqs.min() > 0:          # (peaks have positive frequencies)
        chosen = freqs[mags >= np.median(mags)]
    else:
        keep = freqs > 0
        if not keep.any():
            return 0.0
        chosen = freqs[keep & (mags >= np.median(mags[keep]))]
    return pitch_tuning(chosen, resolution, bins_per_octave)


def pitch_tuning(freqs: np.ndarray, resolution: float, bins_per_octave: int) -> float:
    """Histogram peak of the deviations from the equal-tempered grid (see module docs)."""
    if freqs.size and not freqs.min() > 0:
        freqs = freqs[freqs > 0]
    if freqs.size == 0:
        return 0.0
    residual = freqs / (440.0 / 16)
    np.log2(residual, out=residual)
    residual *= bins_per_octave
    np.mod(residual, 1.0, out=residual)
    residual[residual >= 0.5] -= 1.0
    # equal bins over [-0.5, 0.5]: numpy's uniform-bin path, the same counts as with the
    # edges np.linspace(-0.5, 0.5, n + 1) and faster than a search in them
    counts, edges = np.histogram(residual, int(np.ceil(1.0 / resolution)), (-0.5, 0.5))
    return float(edges[np.argmax(counts)])

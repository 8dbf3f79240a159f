"""The S-transform (Stockwell) and a fast discrete S-transform (FST).

References
----------
R. G. Stockwell, L. Mansinha and R. P. Lowe, "Localization of the complex spectrum: the
S transform", IEEE Trans. Signal Process. 44(4), 998-1001, 1996 (eq. 8: the discrete
S-transform; its time average is the spectrum, eq. 5).
R. G. Stockwell, "A basis for efficient representation of the S-transform", Digital
Signal Processing 17, 371-393, 2007 (the DOST: dyadic bands, one coefficient per band
width).
R. A. Brown, M. L. Lauzon and R. Frayne, "A general description of linear time-frequency
transforms and formulation of a fast, invertible transform that samples the continuous
S-transform spectrum nonredundantly", IEEE Trans. Signal Process. 58(1), 281-290, 2010.
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import frame_major


MAX_WORK = 2.0 ** 31
"""Largest ST workload (products plus outputs, per channel) before a clear error."""


class _Stockwell(Node):
    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.SPECTRUM
    streaming: ClassVar = "signal"
    hop: int = Field(512, ge=1, le=8192, description="output decimation in samples")
    fmin: float = Field(0.0, ge=0.0, le=1e5, description="lowest frequency (Hz)")
    fmax: float | None = Field(None, gt=0.0, le=1e5, description="highest frequency (Hz; "
                                                                 "default Nyquist)")


def _spectrum(x: np.ndarray) -> np.ndarray:
    """``X[k] = (1/N) sum_t x[t] exp(-i 2 pi k t / N)`` for ``k = 0 .. N/2`` (Stockwell's
    normalisation: a cosine of amplitude A has ``|X| = A / 2``)."""
    n = x.shape[-1]
    return np.fft.rfft(x.astype(np.float64, copy=False), axis=-1) / max(n, 1)


def _bins(p, n: int, sr: float) -> tuple[int, int]:
    """First and last DFT bin (inclusive) within ``[fmin, fmax]``."""
    top = sr / 2 if p.fmax is None else min(p.fmax, sr / 2)
    lo = int(math.ceil(p.fmin * n / sr - 1e-9))
    hi = int(math.floor(top * n / sr + 1e-9))
    return lo, min(hi, n // 2)


class ST(_Stockwell):
    """The discrete S-transform, complex ``(..., voices, frames)``.

    ``S[j, k] = sum_m X[k + m] exp(-2 pi^2 m^2 factor^2 / k^2) exp(i 2 pi m j / N)``
    (Stockwell et al. 1996, eq. 8, with the window-width ``factor`` of the generalised
    S-transform), ``X`` the ``1/N``-normalised DFT of the whole signal (circular), voice
    ``k = 0``: the mean of the signal.  Voices: the DFT bins in ``[fmin, fmax]``, all of
    them (``n_freqs`` unset: the full-resolution transform) or the ``n_freqs`` bins
    nearest to equally spaced frequencies; axis: their frequencies ``k sr / N`` (Hz).
    Times ``j = t * hop``: frames ``ceil(n / hop)``, the signal zero-padded to
    ``N = frames * hop`` samples (no padding at ``hop = 1``).  The mean over ``j`` of ``S[j, k]``
    (``hop = 1``) is ``X[k]``; a cosine of amplitude A at bin ``k`` has ``|S| = A / 2``.

    Streaming: whole-signal (one DFT of the whole input).
    """

    op: Literal["st"] = "st"
    n_freqs: int | None = Field(None, ge=1, le=1 << 16, description="voices (default every "
                                                                    "DFT bin in range)")
    factor: float = Field(1.0, ge=0.05, le=20.0, description="window width: Gaussian std "
                                                             "factor / f (1: Stockwell)")


def _voices(p: ST, n: int, sr: float) -> np.ndarray:
    lo, hi = _bins(p, n, sr)
    if hi < lo:
        raise ValueError(f"no DFT bin between fmin = {p.fmin:g} Hz and fmax on {n} samples")
    if p.n_freqs is None:
        return np.arange(lo, hi + 1)
    return np.unique(np.rint(np.linspace(lo, hi, p.n_freqs)).astype(int))


@ST.compute
def st(x: Feature, p: ST) -> Feature:
    n_frames = -(-x.data.shape[-1] // p.hop)
    n = n_frames * p.hop                           # zero-padded to whole hops
    if n == 0:
        raise ValueError("st needs at least one sample")
    voices = _voices(p, n, x.sr)
    reach = math.sqrt(math.log(1e14) / 2) / math.pi    # exp(-2 pi^2 u^2) < 1e-14 beyond
    work = np.minimum(n, 2 * reach * voices / p.factor + 3).sum() + len(voices) * n_frames
    if work > MAX_WORK:
        raise ValueError(f"st: {len(voices)} voices on {n} samples need about {work:.3g} "
                         f"operations (more than {MAX_WORK:.3g}): set n_freqs, a larger "
                         "factor, or analyse a shorter signal")
    flat = x.data.reshape(-1, x.data.shape[-1]).astype(np.float64, copy=False)
    spec = np.fft.fft(flat, n, axis=-1) / n                                  # (c, N) full
    left = n // 2 + 1                   # k + m spans [-n/2, n]: wrap half a period, one bin
    wrapped = np.concatenate([spec[:, n - left:], spec, spec[:, :1]], axis=-1)
    out = np.empty((flat.shape[0], n_frames, len(voices)), np.complex128)
    for i, k in enumerate(voices):
        if k == 0:
            out[:, :, i] = spec[:, :1]                 # the mean of the (padded) signal
            continue
        half = min(n // 2, int(math.ceil(reach * k / p.factor)) + 1)
        m = np.arange(-half, half + (1 if 2 * half < n else 0))
        prod = wrapped[:, left + k + m[0]:left + k + m[-1] + 1] * \
            np.exp(-2 * np.pi ** 2 * (m * p.factor / k) ** 2)
        out[:, :, i] = _on_frames(prod, -half, n_frames)
    ctype = np.complex64 if x.data.dtype == np.float32 else np.complex128
    data = out.reshape(x.data.shape[:-1] + out.shape[1:]).astype(ctype, copy=False)
    return x.derive(frame_major(data), Kind.SPECTRUM, hop=p.hop, win_length=p.hop, n_fft=n,
                    axis=voices * x.sr / n)


def _on_frames(prod: np.ndarray, m0: int, n_frames: int) -> np.ndarray:
    """``sum_m prod[m] exp(i 2 pi m t / n_frames)`` for ``m = m0, m0 + 1 ...``: the sum at
    ``j = t hop`` of ``exp(i 2 pi m j / N)`` with ``N = n_frames hop``, by folding ``m``
    modulo ``n_frames`` and one inverse FFT."""
    width = -(-prod.shape[-1] // n_frames) * n_frames
    padded = np.zeros(prod.shape[:-1] + (width,), np.complex128)
    padded[..., :prod.shape[-1]] = prod
    folded = np.roll(padded.reshape(prod.shape[:-1] + (-1, n_frames)).sum(axis=-2),
                     m0 % n_frames, axis=-1)
    return np.fft.ifft(folded, axis=-1) * n_frames


class FST(_Stockwell):
    """Fast discrete S-transform: the S-transform sampled non-redundantly on log-spaced bands.

    The positive DFT bins ``[k_min, N/2)`` (``k_min >= 1`` from ``fmin``) are cut into bands
    of geometric widths, ``bins_per_octave`` per octave (1: the dyadic bands of
    Stockwell's DOST, 2007); band ``b`` of ``beta`` bins from ``k_b`` gives ``beta``
    coefficients ``c_b[tau] = sum_{m<beta} X[k_b + m] exp(i 2 pi m tau / beta)`` at times
    ``tau N / beta`` (Brown, Lauzon & Frayne 2010 with the boxcar window: ``N/2``
    coefficients in all, ``O(N log N)``; ``X`` normalised by ``1/N`` so that a cosine of
    amplitude A in a band has ``|c| = A / 2``).  The output samples every band at the
    frame times ``t * hop`` (the coefficient whose interval holds it), ``(..., bands,
    frames)``, axis the bands' centre frequencies (Hz), frames ``1 + N // hop``.

    Streaming: whole-signal.
    """

    op: Literal["fst"] = "fst"
    bins_per_octave: int = Field(1, ge=1, le=48, description="bands per octave (1: dyadic)")


def fst_bands(k_min: int, k_max: int, bins_per_octave: int) -> np.ndarray:
    """Band edges (DFT bins) from ``k_min`` to ``k_max``: geometric, each band at least one bin."""
    edges = [k_min]
    j = 1
    while edges[-1] < k_max:
        nxt = max(edges[-1] + 1, int(round(k_min * 2.0 ** (j / bins_per_octave))))
        edges.append(min(nxt, k_max))
        j += 1
    return np.array(edges)


@FST.compute
def fst(x: Feature, p: FST) -> Feature:
    n = x.data.shape[-1]
    lo, hi = _bins(p, n, x.sr)
    lo = max(lo, 1)
    if hi <= lo:
        raise ValueError(f"fst: no band between fmin = {p.fmin:g} Hz and fmax on {n} samples")
    edges = fst_bands(lo, hi, p.bins_per_octave)
    spec = _spectrum(x.data.reshape(-1, n))
    n_frames = 1 + n // p.hop
    times = np.arange(n_frames) * p.hop
    out = np.empty((spec.shape[0], n_frames, len(edges) - 1), np.complex128)
    for b, (k0, k1) in enumerate(zip(edges[:-1], edges[1:])):
        beta = k1 - k0
        coef = np.fft.ifft(spec[:, k0:k1], axis=-1) * beta
        slot = np.minimum(times * beta // n, beta - 1)
        out[:, :, b] = coef[:, slot]
    ctype = np.complex64 if x.data.dtype == np.float32 else np.complex128
    data = out.reshape(x.data.shape[:-1] + out.shape[1:]).astype(ctype, copy=False)
    centres = np.sqrt(edges[:-1] * np.maximum(edges[1:] - 1, edges[:-1])) * x.sr / n
    return x.derive(frame_major(data), Kind.SPECTRUM, hop=p.hop, win_length=p.hop, n_fft=n,
                    axis=centres)

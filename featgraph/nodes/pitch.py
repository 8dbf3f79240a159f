"""YIN pitch: the difference function, its cumulative mean normalisation, and the
thresholded trough pick (de Cheveigné & Kawahara 2002), with librosa 0.11's conventions.

References
----------
A. de Cheveigné and H. Kawahara, "YIN, a fundamental frequency estimator for speech
and music", J. Acoust. Soc. Am. 111(4), 1917-1930, 2002 (eqs. 6-8: difference
function, cumulative mean normalised difference; steps 4-5: absolute threshold,
parabolic interpolation).
librosa 0.11 documentation, ``librosa.yin`` (frame_length 2048, hop frame_length // 4,
centred frames zero-padded, trough_threshold 0.1; the energy term of the
difference function and the trough rule are librosa's, see :func:`cmnd`).
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native import pitch as kernels
from ._common import frame_major
from .spectral import _ducc_fft, fft_backend

TINY = np.finfo(np.float64).tiny
MAX_BLOCK_TERMS = 12
"""Most block-pair products per frame for the blocked autocorrelation (:func:`acf`)."""


def _rfft(x: np.ndarray, n: int) -> np.ndarray:
    if fft_backend() == "ducc0":
        if x.shape[-1] != n:
            pad = np.zeros(x.shape[:-1] + (n,))
            pad[..., :x.shape[-1]] = x
            x = pad
        return _ducc_fft.r2c(x, axes=(-1,), forward=True, nthreads=1)
    return np.fft.rfft(x, n=n, axis=-1)


def _irfft(z: np.ndarray, n: int) -> np.ndarray:
    if fft_backend() == "ducc0":
        return _ducc_fft.c2r(z, axes=(-1,), lastsize=n, forward=False, inorm=2, nthreads=1)
    return np.fft.irfft(z, n=n, axis=-1)


def consecutive(frames: np.ndarray, hop: int | None) -> bool:
    """Whether ``frames`` ``(..., T, N)`` are consecutive frames of one signal ``hop``
    samples apart (frame ``t + 1`` starts with frame ``t``'s last ``N - hop`` samples)."""
    n = frames.shape[-1]
    if not hop or n % hop or frames.shape[-2] < 1:
        return False
    return bool(np.array_equal(frames[..., 1:, :n - hop], frames[..., :-1, hop:]))


def acf(frames: np.ndarray, max_lag: int, hop: int | None = None) -> np.ndarray:
    """Autocorrelation ``r[k] = sum_n x[n] x[n + k]`` of each frame, lags ``0 .. max_lag``.

    ``frames`` ``(..., T, N)`` float64.  When the frames are consecutive with a hop
    dividing ``N`` (:func:`consecutive`), the signal is cut into hop-long blocks
    ``b_g``; each block's transform ``B_g`` (length ``(q + 1) hop``,
    ``q = ceil(max_lag / hop)``) is taken once, and frame ``t`` (blocks ``t .. t+M-1``)
    gets ``r = IDFT(sum_i conj(B_{t+i}) sum_{j <= min(q, M-1-i)} e^{-2 pi i f j hop / L}
    B_{t+i+j})``: the same sums, regrouped by block pair, with one short transform per
    hop instead of two long ones per frame.  Otherwise each frame is transformed at a
    length of at least ``N + max_lag`` (no circular wrap at the lags kept).
    """
    t, n = frames.shape[-2], frames.shape[-1]
    if t == 0:
        return np.zeros(frames.shape[:-1] + (max_lag + 1,))
    if consecutive(frames, hop):
        m, q = n // hop, -(-max_lag // hop)
        if q <= m and (q + 1) * m <= MAX_BLOCK_TERMS:
            return _acf_blocks(frames, max_lag, hop, m, q)
    size = 1 << (n + max_lag - 1).bit_length()
    spec = _rfft(frames, size)
    power = spec.real ** 2 + spec.imag ** 2
    return _irfft(power.astype(np.complex128), size)[..., :max_lag + 1]


def _acf_blocks(frames: np.ndarray, max_lag: int, hop: int, m: int, q: int) -> np.ndarray:
    lead, t = frames.shape[:-2], frames.shape[-2]
    blocks = np.concatenate([frames[..., :, :hop],
                             frames[..., -1, hop:].reshape(lead + (m - 1, hop))], axis=-2)
    size = (q + 1) * hop
    spec = _rfft(blocks, size)                                   # (..., T + M - 1, F)
    freq = np.arange(spec.shape[-1])
    phase = np.exp(-2j * np.pi * np.outer(np.arange(q + 1), freq) * hop / size)
    if q == 1:
        phase[1] = np.where(freq % 2, -1.0, 1.0)                 # e^{-i pi f}: exact signs
    flat = spec.reshape((-1,) + spec.shape[-2:])
    total = np.stack([kernels.acf_combine(s, m, q, phase) for s in flat])
    return _irfft(total, size).reshape(lead + (t, size))[..., :max_lag + 1]


def cmnd(frames: np.ndarray, min_period: int, max_period: int,
         hop: int | None = None) -> np.ndarray:
    """YIN's cumulative mean normalised difference, lags ``min_period .. max_period``.

    With ``r`` the frame's autocorrelation (:func:`acf`) and ``E_k = sum_{n<k} x[n]^2``
    (``E_1 = 0``, as librosa computes it), the difference function is librosa's
    ``d(k) = 2 (r[0] - r[k]) - E_k``
    (de Cheveigné & Kawahara 2002, eq. 7, with librosa's energy term), and
    ``d'(k) = d(k) / (sum_{j=1}^{k} d(j) / k + tiny)`` (eq. 8), ``tiny`` the smallest
    normal float64.

    Parameters
    ----------
    frames : np.ndarray [shape=(..., T, N)], frame-major
    min_period, max_period : int, ``1 <= min_period < max_period < N``

    Returns
    -------
    np.ndarray [shape=(..., T, max_period - min_period + 1)], float64
    """
    f = frames.astype(np.float64, copy=False)
    r = acf(f, max_period, hop)
    lead, t = f.shape[:-2], f.shape[-2]
    c = kernels.yin_cmnd(r.reshape(-1, r.shape[-1]), f[..., :max_period].reshape(-1, max_period),
                         min_period, max_period)
    return c.reshape(lead + (t, c.shape[-1]))


def periods(sr: float, fmin: float, fmax: float, n: int, op: str) -> tuple[int, int]:
    """``(floor(sr / fmax), min(ceil(sr / fmin), n - 1))`` with librosa's checks."""
    if fmax > sr / 2:
        raise ValueError(f"{op}: fmax = {fmax:g} Hz is above the Nyquist frequency {sr / 2:g} "
                         f"Hz; lower fmax")
    if sr / fmin >= n - 1:
        raise ValueError(f"{op}: fmin = {fmin:g} Hz needs frames longer than {sr / fmin + 1:.0f} "
                         f"samples at {sr:g} Hz (got {n}); raise fmin to at least "
                         f"{sr / (n - 1):.3f} Hz or use longer frames")
    lo, hi = int(math.floor(sr / fmax)), min(int(math.ceil(sr / fmin)), n - 1)
    if hi - lo < 2:
        raise ValueError(f"{op}: fmin .. fmax spans fewer than 3 lags at {sr:g} Hz; widen it")
    return lo, hi


class _PitchRange(Node):
    """``fmin`` / ``fmax`` shared by the YIN-family ops (a base class, not an op)."""

    op: str
    fmin: float = Field(65.40639132514966, gt=0, le=1e5,
                        description="lowest f0 searched, Hz (C2; librosa's note_to_hz('C2'))")
    fmax: float = Field(2093.004522404789, gt=0, le=1e5,
                        description="highest f0 searched, Hz (C7), at most sr / 2")

    @model_validator(mode="after")
    def _ordered(self):
        if self.fmin >= self.fmax:
            raise ValueError(f"fmin ({self.fmin} Hz) must be below fmax ({self.fmax} Hz); swap "
                             f"them")
        return self


class Yin(_PitchRange):
    """YIN fundamental frequency of each frame, Hz (de Cheveigné & Kawahara 2002).

    ``librosa.yin``'s definition: on each frame, the cumulative mean normalised
    difference ``d'`` over lags ``floor(sr / fmax) .. min(ceil(sr / fmin), N - 1)``
    (:func:`cmnd`); the period is the first trough (``d'[k] < d'[k-1]`` and
    ``d'[k] <= d'[k+1]``; the first lag when below the second, the last when below
    the one before) under ``trough_threshold``, else the global minimum, refined by
    parabolic interpolation; ``f0 = sr / period``.  There is no voicing decision:
    silence gives the period of the global minimum (``sr / floor(sr / fmax)`` for
    exact zeros), as librosa does.  Feed it ``frame`` with librosa's framing
    (``length: 2048, hop: 512, center: true``).
    Output ``(..., 1, frames)``, Hz, in the input's float dtype (computed in float64).

    Streaming: frame by frame.  Consecutive frames are recognised and their
    autocorrelations shared block by block (:func:`acf`), within each chunk.
    """

    op: Literal["yin"] = "yin"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    trough_threshold: float = Field(0.1, ge=0, le=100, description="absolute threshold on "
                                                                   "the normalised difference")


def out_dtype(x: Feature):
    return x.data.dtype if x.data.dtype.kind == "f" else np.float64


@Yin.compute
def yin(x: Feature, p: Yin) -> Feature:
    frames = frame_major(x.data)
    lo, hi = periods(x.sr, p.fmin, p.fmax, frames.shape[-1], p.op)
    c = cmnd(frames, lo, hi, x.hop)
    lead = c.shape[:-1]
    pos = kernels.yin_pick(c.reshape(-1, c.shape[-1]), p.trough_threshold).reshape(lead)
    f0 = x.sr / (lo + pos)
    return x.derive(f0[..., None, :].astype(out_dtype(x)), Kind.FEATURE, axis=None)

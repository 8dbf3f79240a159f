"""Chroma: the energy of each pitch class, from the linear spectrum or an octave spectrum.

References
----------
D. P. W. Ellis, "Chroma feature analysis and synthesis" (2007), ``chromagram_E.m``: each
FFT bin contributes to the pitch classes through a Gaussian bump on the chroma axis,
one bin wide, weighted by a Gaussian over octaves; librosa 0.11 documentation,
``librosa.filters.chroma`` and ``librosa.feature.chroma_stft`` (the same construction,
its defaults ``ctroct = 5``, ``octwidth = 2``, ``base_c``, ``norm = inf``) and
``librosa.util.normalize`` (the norms inf, -inf, 1, 2 and the ``tiny`` threshold).
audioFlux 0.1.9 documentation: ``chroma_linear``, ``chroma_octave``,
``ChromaDataNormalType`` (NONE, MAX, MIN, P1, P2).
"""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import frame_major, matmul
from ._scales import A4, C0


class Chroma(Node):
    """Pitch-class profile of each frame, from the linear spectrum or octave bands.

    ``(..., bins or bands, frames) -> (..., n_chroma, frames)``, dtype kept.

    **From the linear spectrum** (``power``, any ``n_fft``): Ellis' chroma filters.  Bin
    ``k`` (``f_k = k sr / n_fft``) sits at ``o_k = n_chroma log2(16 f_k / A)`` chroma steps
    above ``A / 16``, ``A = 440 * 2^(tuning / n_chroma)`` (bin 0 at ``o_1 - 1.5 n_chroma``);
    its width is ``w_k = max(o_(k+1) - o_k, 1)``.  Its weight for class ``c`` is
    ``exp(-2 (d / w_k)^2)`` with ``d`` the distance from ``o_k`` to ``c`` wrapped into
    ``[-n/2, n/2)``; each bin's weights are scaled to unit L2 norm over the classes and
    multiplied by ``exp(-((o_k / n_chroma - ctroct) / octwidth)^2 / 2)`` (no octave weight
    when ``octwidth`` is null).  Rows start at C (``base_c``) or A; the feature axis
    holds each row's pitch class in chroma steps above C.  This is
    ``librosa.feature.chroma_stft`` given ``S`` and ``tuning``.

    **From an octave spectrum** (``bands`` from ``filterbank`` with ``scale: octave``, the
    centres in Hz as axis): each band is added to its nearest pitch class,
    ``round(n_chroma log2(f / C0') ) mod n_chroma`` with ``C0' = 16.3516 * 2^(tuning /
    n_chroma)`` Hz (audioFlux's ``chroma_octave``).

    ``tuning``: deviation from A4 = 440 Hz in fractions of a chroma step (librosa's).
    ``norm`` per frame: ``none``; ``max`` (divide by the largest |value|, librosa's
    ``norm=inf``); ``min`` (by the smallest |value|, ``-inf``); ``l1``; ``l2``.  A frame
    whose norm is below the smallest normal float is left as it is (librosa), so
    silence stays finite.

    Streaming: framewise.
    """

    op: Literal["chroma"] = "chroma"
    consumes: ClassVar = (Kind.POWER | Kind.BANDS,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    n_chroma: int = Field(12, ge=1, le=120, description="pitch classes per octave")
    tuning: float = Field(0.0, ge=-0.5, le=0.5, description="deviation from A440 in chroma steps")
    norm: Literal["none", "max", "min", "l1", "l2"] = Field("max", description="per-frame norm")
    ctroct: float = Field(5.0, ge=0, le=12, description="linear spectrum: centre of the octave "
                                                        "weighting, octaves above A0/2 (27.5/2 Hz)")
    octwidth: float | None = Field(2.0, gt=0, le=100, description="linear spectrum: width of the "
                                   "octave weighting in octaves; null: flat")
    base_c: bool = Field(True, description="first row C (true) or A")


@functools.lru_cache(maxsize=32)
def chroma_weights(sr: float, n_fft: int, n_chroma: int = 12, tuning: float = 0.0,
                   ctroct: float = 5.0, octwidth: float | None = 2.0,
                   base_c: bool = True) -> np.ndarray:
    """``(n_chroma, n_fft // 2 + 1)`` float64 weights of :class:`Chroma` on the linear spectrum
    (read-only, cached)."""
    a = A4 * 2.0 ** (tuning / n_chroma)
    f = np.arange(1, n_fft) * (sr / n_fft)
    o = np.empty(n_fft)
    o[1:] = n_chroma * np.log2(16.0 * f / a)
    o[0] = o[1] - 1.5 * n_chroma
    width = np.ones(n_fft)
    width[:-1] = np.maximum(np.diff(o), 1.0)
    half = round(n_chroma / 2)
    d = np.remainder(o[None, :] - np.arange(n_chroma)[:, None] + half + 10 * n_chroma,
                     n_chroma) - half
    w = np.exp(-0.5 * (2.0 * d / width[None, :]) ** 2)
    w /= np.sqrt((w ** 2).sum(axis=0, keepdims=True))
    if octwidth is not None:
        with np.errstate(over="ignore"):         # a tiny width: the weight's limit, zero
            octave = np.exp(-0.5 * ((o / n_chroma - ctroct) / octwidth) ** 2)
        if not octave[:n_fft // 2 + 1].any():
            raise ValueError(f"chroma: octwidth = {octwidth:.6g} octaves leaves every frequency "
                             f"bin an octave weight of zero (centre ctroct = {ctroct:.6g}); "
                             f"widen it (2 is librosa's default) or set it to null (flat)")
        w *= octave[None, :]
    if base_c:
        w = np.roll(w, -3 * (n_chroma // 12), axis=0)
    w = np.ascontiguousarray(w[:, :n_fft // 2 + 1])
    w.setflags(write=False)
    return w


def fold_weights(centres: np.ndarray, n_chroma: int, tuning: float, base_c: bool) -> np.ndarray:
    """``(n_chroma, bands)`` 0/1 matrix adding each band to its nearest pitch class."""
    ref = C0 * 2.0 ** (tuning / n_chroma)
    if not base_c:
        ref *= 2.0 ** (9 / 12)                               # A
    cls = np.rint(n_chroma * np.log2(np.maximum(centres, 1e-300) / ref)).astype(int) % n_chroma
    w = np.zeros((n_chroma, centres.size))
    w[cls, np.arange(centres.size)] = 1.0
    return w


def normalize(c: np.ndarray, norm: str) -> np.ndarray:
    """Per-frame norm over the last axis (frame-major input); frames with a norm below
    ``tiny`` are left unscaled."""
    if norm == "none":
        return c
    mag = np.abs(c)
    size = {"max": lambda: mag.max(axis=-1, keepdims=True),
            "min": lambda: mag.min(axis=-1, keepdims=True),
            "l1": lambda: mag.sum(axis=-1, keepdims=True),
            "l2": lambda: np.sqrt((mag ** 2).sum(axis=-1, keepdims=True))}[norm]()
    tiny = np.finfo(c.dtype).tiny
    return c / np.where(size < tiny, c.dtype.type(1), size)


@Chroma.compute
def chroma(x: Feature, p: Chroma) -> Feature:
    spec = frame_major(x.data)
    if x.kind == Kind.POWER:
        n_fft = x.n_fft or 2 * (spec.shape[-1] - 1)
        if spec.shape[-1] != n_fft // 2 + 1:
            raise ValueError(f"chroma: the input has {spec.shape[-1]} bins, not n_fft // 2 + 1 = "
                             f"{n_fft // 2 + 1}; give it the linear power spectrum")
        w = chroma_weights(float(x.sr), int(n_fft), p.n_chroma, p.tuning, p.ctroct, p.octwidth,
                           p.base_c)
    else:
        if x.axis is None or len(x.axis) != spec.shape[-1]:
            raise ValueError("chroma: bands need their centre frequencies (an octave filterbank)")
        w = fold_weights(np.asarray(x.axis, dtype=np.float64), p.n_chroma, p.tuning, p.base_c)
    c = normalize(matmul(spec, w.T.astype(spec.dtype, copy=False)), p.norm)
    start = 0.0 if p.base_c else 0.75 * p.n_chroma            # rows from C, or from A
    return x.derive(frame_major(c), Kind.FEATURE, axis=(np.arange(p.n_chroma) + start) % p.n_chroma)

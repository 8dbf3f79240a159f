"""Spectrogram decompositions: harmonic-percussive separation by median filtering (HPSS)
and non-negative matrix factorisation (NMF).

Reference
---------
D. FitzGerald, "Harmonic/percussive separation using median filtering", DAFx 2010.
J. Driedger, M. Müller, S. Disch, "Extending harmonic-percussive separation of audio
signals", ISMIR 2014 (the separation margins).
D. D. Lee, H. S. Seung, "Algorithms for non-negative matrix factorization", NIPS 2000;
C. Févotte, J. Idier, "Algorithms for nonnegative matrix factorization with the
beta-divergence", Neural Computation 23(9), 2011 (the multiplicative updates).
librosa 0.11 documentation: ``librosa.decompose.hpss``, ``librosa.util.softmask``.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.median import hpss_masks, running_median
from ._common import frame_major


class HPSS(Node):
    """Harmonic and percussive parts of a spectrogram by median filtering (Fitzgerald 2010).

    With ``S`` the magnitude (or power) spectrogram, ``H`` its running median over
    ``kernel_harmonic`` frames along time and ``P`` over ``kernel_percussive`` bins
    along frequency (scipy's ``'reflect'`` ends, C kernel
    :func:`featgraph.native.median.running_median`), the soft masks are
    ``M_h = H^p / (H^p + (margin_h P)^p)`` and ``M_p = P^p / (P^p + (margin_p H)^p)``
    (``p = power``; where both are below float tiny the masks are 1/2 with unit
    margins, else 0), or with ``hard`` the binary ``H > margin_h P`` and
    ``P > margin_p H``.  Outputs ``harmonic = M_h S`` and ``percussive = M_p S`` (of
    the complex spectrum when given one, i.e. with the input's phase), or the masks
    with ``masks``.  Margins above 1 leave a residual out of both parts (Driedger et
    al. 2014).  The masks and their products are one C pass
    (:func:`featgraph.native.median.hpss_masks`, numpy's arithmetic bit for bit).
    This is ``librosa.decompose.hpss(S, kernel_size, power, mask, margin)``
    (``hard`` is its ``power=np.inf``).  Output dtype: the input's.

    Streaming: whole signal (the harmonic filter looks ``kernel_harmonic // 2`` frames
    ahead and mirrors the last frames at the end of the input).
    """

    op: Literal["hpss"] = "hpss"
    consumes: ClassVar = (Kind.SPECTRUM | Kind.POWER | Kind.BANDS,)
    streaming: ClassVar = "signal"
    produces: ClassVar = {"harmonic": None, "percussive": None}

    kernel_harmonic: int = Field(31, ge=1, le=1001, description="median length along time, "
                                                               "frames")
    kernel_percussive: int = Field(31, ge=1, le=1001, description="median length along "
                                                                 "frequency, bins")
    power: float = Field(2.0, gt=0, le=64, description="exponent of the soft masks")
    hard: bool = Field(False, description="binary masks (librosa's power=inf)")
    margin_harmonic: float = Field(1.0, ge=1, le=1000, description="harmonic margin")
    margin_percussive: float = Field(1.0, ge=1, le=1000, description="percussive margin")
    masks: bool = Field(False, description="output the masks instead of the parts")


@HPSS.compute
def hpss(x: Feature, p: HPSS) -> dict[str, Feature]:
    fm = frame_major(x.data)                                   # (..., frames, bins)
    mag = np.abs(fm) if np.iscomplexobj(fm) else fm
    if mag.dtype not in (np.float32, np.float64):
        mag = mag.astype(np.float64)
    if mag.size and mag.min() < 0:                             # a reduction: no mask array
        raise ValueError("hpss needs a magnitude or power spectrogram (non-negative values) "
                         "or the complex spectrum")
    harm = running_median(mag, p.kernel_harmonic, axis=-2)
    perc = running_median(mag, p.kernel_percussive, axis=-1)
    real = not (p.masks or np.iscomplexobj(fm))          # the parts of a real spectrogram
    mask_h, mask_p = hpss_masks(mag if real else None, harm, perc, p.power,
                                p.margin_harmonic, p.margin_percussive, p.hard,
                                overwrite=True)         # over the medians: no new arrays
    kind = Kind.FEATURE if p.masks else x.kind
    if not (p.masks or real):                                  # the input's phase
        mask_h, mask_p = fm * mask_h, fm * mask_p
    parts = {"harmonic": mask_h, "percussive": mask_p}
    return {port: x.derive(np.swapaxes(a, -1, -2), kind) for port, a in parts.items()}


# ------------------------------------------------------------------ NMF
class NMF(Node):
    """Non-negative matrix factorisation ``S ~ W H`` by multiplicative updates.

    ``S`` (``bins x frames``, one channel, non-negative) is approximated by
    ``n_components`` spectral templates ``W`` (``bins x k``) and their activations
    ``H`` (``k x frames``), minimising the beta-divergence ``D_beta(S | W H)``
    (``beta = 2``: squared Euclidean; 1: generalised Kullback-Leibler; 0:
    Itakura-Saito) with the multiplicative updates of Févotte and Idier (2011, eq. 4-5):
    ``H <- H * (W^T (V^(beta-2) S)) / (W^T V^(beta-1))``, then the same for ``W``,
    ``V = W H + eps``; ``n_iter`` iterations from a seeded uniform start scaled to the
    mean of ``S``.  Templates are normalised to unit sum, the scale moved into ``H``.
    Outputs: ``activations`` ``H`` (``(k, frames)``, feature kind) and ``approximation``
    ``W H`` (the input's kind and axis).

    Streaming: whole signal.
    """

    op: Literal["nmf"] = "nmf"
    consumes: ClassVar = (Kind.POWER | Kind.BANDS,)
    streaming: ClassVar = "signal"
    produces: ClassVar = {"activations": Kind.FEATURE, "approximation": None}

    n_components: int = Field(8, ge=1, le=256, description="number of templates k")
    beta: float = Field(2.0, ge=0, le=2, description="divergence: 2 Euclidean, 1 KL, 0 IS")
    n_iter: int = Field(100, ge=1, le=2000, description="multiplicative-update iterations")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="seed of the random start")
    eps: float = Field(1e-12, gt=0, le=1, description="floor added to W H and denominators")


def nmf_updates(s: np.ndarray, p: NMF) -> tuple[np.ndarray, np.ndarray]:
    """``(W, H)`` for a float64 ``(bins, frames)`` matrix ``s`` (see :class:`NMF`)."""
    rng = np.random.default_rng(p.seed)
    scale = np.sqrt(max(s.mean(), p.eps) / p.n_components)
    w = rng.uniform(0.5, 1.5, (s.shape[0], p.n_components)) * scale
    h = rng.uniform(0.5, 1.5, (p.n_components, s.shape[1])) * scale
    for _ in range(p.n_iter):
        v = w @ h + p.eps
        if p.beta == 2:
            h *= (w.T @ s) / (w.T @ v + p.eps)
            v = w @ h + p.eps
            w *= (s @ h.T) / (v @ h.T + p.eps)
        else:
            h *= (w.T @ (v ** (p.beta - 2) * s)) / (w.T @ v ** (p.beta - 1) + p.eps)
            v = w @ h + p.eps
            w *= ((v ** (p.beta - 2) * s) @ h.T) / (v ** (p.beta - 1) @ h.T + p.eps)
    norm = np.maximum(w.sum(axis=0), p.eps)
    return w / norm, h * norm[:, None]


@NMF.compute
def nmf(x: Feature, p: NMF) -> dict[str, Feature]:
    a = np.asarray(x.data)
    if a.size != a.shape[-1] * a.shape[-2]:
        raise ValueError(f"nmf factorises one channel (bins, frames); got {a.shape}")
    s = a.reshape(a.shape[-2:]).astype(np.float64)
    if np.any(s < 0) or not np.isfinite(s).all():
        raise ValueError("nmf needs a finite, non-negative spectrogram")
    w, h = nmf_updates(s, p)
    dtype = a.dtype if a.dtype in (np.float32, np.float64) else np.float64
    lead = a.shape[:-2]
    return {"activations": x.derive(h.reshape(lead + h.shape).astype(dtype), Kind.FEATURE,
                                    axis=None),
            "approximation": x.derive((w @ h).reshape(a.shape).astype(dtype))}

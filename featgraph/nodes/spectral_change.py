"""Spectral change between frames: flux (SD, SF), MKL, novelty, broadband, and the phase
features PD, WPD, NWPD, CD, RCD (audioFlux's temporal spectral features).

Input: a real spectrum with a frequency axis (``power``: magnitude or power
bins, or ``bands``), or the complex ``spectrum`` for the phase features;
``fmin``/``fmax`` select the bins as in :mod:`featgraph.nodes.spectral_stats`.
Frame ``t`` is compared with frame ``t - step`` (the phase features with
``t - 1`` and ``t - 2``); the first frames of the input, which have no
predecessor, give 0 (as audioFlux).  Output ``(..., 1, frames)`` in the input's
float dtype.

Streaming: block ops; each carries the last ``step`` (phase: 2) frames of the
range across chunks and emits every frame as it arrives (no latency).

Reference
---------
audioFlux 0.1.9 documentation, ``audioflux.Spectral`` (flux, sd, sf, mkl,
novelty, broadband, pd, wpd, nwpd, cd, rcd).
J. P. Bello et al., "A tutorial on onset detection in music signals", IEEE
Trans. Speech and Audio Processing 13(5), 2005 (spectral difference, phase
deviation, complex domain).
S. Dixon, "Onset detection revisited", DAFx 2006 (weighted phase deviation,
normalised WPD, rectified complex domain).
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..native.framestats import spectral_change
from ._common import frame_major
from .spectral_stats import BandLimited, band, out, safe_div


class _LagState:
    """Keeps the last ``lag`` frames of the prepared input; the values of frames with
    ``lag`` predecessors come from ``fn(window, start)``, the others are 0."""

    def __init__(self, p, lag: int, prepare, fn):
        self.p, self.lag, self.prepare, self.fn = p, lag, prepare, fn
        self.hist: tuple[np.ndarray, ...] | None = None

    def step(self, x: Feature) -> Feature:
        parts = self.prepare(x, self.p)
        n = parts[0].shape[-2]
        if self.hist is not None:
            parts = tuple(np.concatenate([h, a], axis=-2) for h, a in zip(self.hist, parts))
        h = parts[0].shape[-2] - n
        values = np.zeros(parts[0].shape[:-2] + (n,))
        start = max(self.lag, h)
        if start < parts[0].shape[-2]:
            values[..., start - h:] = self.fn(parts, start, self.p)
        keep = max(0, parts[0].shape[-2] - self.lag)
        self.hist = tuple(a[..., keep:, :].copy() for a in parts)
        return out(x, values)

    def flush(self) -> None:
        return None


class _PairState:
    """Keeps the last ``lag`` frames of the range (no copy of the chunk); each frame with a
    predecessor ``lag`` frames back gets ``fn(frames, predecessors, p)`` (a C kernel over
    the pairs of rows), the first ``lag`` frames of the input 0.  Every frame is checked
    for negative values, those without a predecessor too."""

    def __init__(self, p, lag: int, fn):
        self.p, self.lag, self.fn = p, lag, fn
        self.hist: np.ndarray | None = None

    def step(self, x: Feature) -> Feature:
        s = band(x, self.p, self.p.op, native=True)[0]
        lag, n = self.lag, s.shape[-2]
        h = 0 if self.hist is None else self.hist.shape[-2]
        values = np.zeros(s.shape[:-2] + (n,))
        lo, hi = min(max(0, lag - h), n), min(n, lag)     # predecessors in the history
        if np.any(s[..., :lo, :] < 0):
            raise ValueError(f"{self.p.op} is only defined for non-negative spectra (a "
                             "magnitude or power spectrum); got negative values")
        if hi > lo:
            prev = self.hist[..., h - lag + lo:h - lag + hi, :]
            values[..., lo:hi] = self.fn(s[..., lo:hi, :], prev, self.p)
        if n > lag:                                         # predecessors in this chunk
            values[..., lag:] = self.fn(s[..., lag:, :], s[..., :n - lag, :], self.p)
        if n >= lag or self.hist is None:
            self.hist = s[..., max(0, n - lag):, :].copy()
        else:
            self.hist = np.concatenate([self.hist, s], axis=-2)[..., -lag:, :].copy()
        return out(x, values)

    def flush(self) -> None:
        return None


def _real(x: Feature, p) -> tuple[np.ndarray]:
    return (band(x, p, p.op)[0],)


def _lagged(a: np.ndarray, start: int, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a[t], a[t - lag])`` for ``t >= start`` along the frame axis."""
    return a[..., start:, :], a[..., start - lag:a.shape[-2] - lag, :]


def _reduce(terms: np.ndarray, how: str) -> np.ndarray:
    return terms.sum(axis=-1) if how == "sum" else terms.mean(axis=-1)


# ------------------------------------------------------------------ flux
class SpectralFlux(BandLimited):
    """Spectral flux, ``sum_k |s_k(t) - s_k(t - step)|**p`` (audioFlux ``Spectral.flux``).

    ``rectify`` keeps only increases (``max(0, d)``, audioFlux ``is_positive``),
    ``root`` takes the ``1/p`` power of the sum (``is_exp``), ``reduce: mean``
    divides by the number of bins (``tp=1``).  The defaults are audioFlux's:
    ``p = 2``, no rectification, no root, a sum.  Input units ``**p``.

    Streaming: block op holding ``step`` frames.
    """

    op: Literal["spectral_flux"] = "spectral_flux"
    streaming: ClassVar = "block"

    step: int = Field(1, ge=1, le=1000, description="compare frame t with frame t - step")
    p: float = Field(2.0, ge=1, le=8, description="exponent of each difference (norm order)")
    rectify: bool = Field(False, description="only increases count (half-wave rectification)")
    root: bool = Field(False, description="take the 1/p power of the sum (the p-norm)")
    reduce: Literal["sum", "mean"] = Field("sum", description="sum or mean over the bins")


class SpectralSD(SpectralFlux):
    """Spectral difference, ``sum_k |s_k(t) - s_k(t - step)|``: the flux with ``p = 1``
    (audioFlux ``Spectral.sd``; with ``rectify``, Bello et al. 2005's rectified SD)."""

    op: Literal["spectral_sd"] = "spectral_sd"
    p: float = Field(1.0, ge=1, le=8, description="exponent of each difference")


class SpectralSF(SpectralFlux):
    """Spectral flux as audioFlux's ``Spectral.sf``: ``sum_k (s_k(t) - s_k(t - step))**2``
    (``p = 2``; with ``rectify`` only increases count)."""

    op: Literal["spectral_sf"] = "spectral_sf"


def _flux(cur, prev, p: SpectralFlux) -> np.ndarray:
    total = spectral_change(cur, prev, "rectify" if p.rectify else "abs", p.p, what=p.op)
    total = total / cur.shape[-1] if p.reduce == "mean" else total
    return total ** (1.0 / p.p) if p.root else total


@SpectralFlux.stream
class SpectralFluxStream(_PairState):
    def __init__(self, p: SpectralFlux):
        super().__init__(p, p.step, _flux)


# ------------------------------------------------------------- MKL, novelty
class SpectralMKL(BandLimited):
    """Modified Kullback-Leibler distance, ``sum_k ln(1 + s_k(t) / max(amin, s_k(t-1)))``
    (audioFlux ``Spectral.mkl``; P. Brossier, PhD thesis, Queen Mary 2006, 2.4.1).

    ``reduce: mean`` divides by the number of bins (audioFlux ``tp=1``).
    ``amin`` keeps a zero bin finite (audioFlux divides by it).
    """

    op: Literal["spectral_mkl"] = "spectral_mkl"
    streaming: ClassVar = "block"

    reduce: Literal["sum", "mean"] = Field("sum", description="sum or mean over the bins")
    amin: float = Field(1e-10, gt=0, le=1, description="floor of the previous frame's values")


def _mkl(cur, prev, p: SpectralMKL) -> np.ndarray:
    total = spectral_change(cur, prev, "mkl", amin=p.amin, what=p.op)
    return total / cur.shape[-1] if p.reduce == "mean" else total


@SpectralMKL.stream
class SpectralMKLStream(_PairState):
    def __init__(self, p: SpectralMKL):
        super().__init__(p, 1, _mkl)


class SpectralNovelty(BandLimited):
    """Spectral novelty: a per-bin change term between frames ``t - step`` and ``t``,
    summed (``output: value``) or counted where it exceeds ``threshold`` (``number``).

    With ``r = s_k(t) / s_k(t - step)`` (both floored at ``amin``) the terms are
    ``sub``: ``max(0, s_k(t) - s_k(t-step))``; ``entropy``: ``max(0, ln r)``;
    ``kl``: ``max(0, s_k(t) ln r)``; ``is`` (Itakura-Saito): ``r - ln r - 1``.
    ``value`` sums the terms above ``threshold``.  audioFlux ``Spectral.novelty``
    (method SUB, ENTROY, KL, IS; data type VALUE, NUMBER).
    """

    op: Literal["spectral_novelty"] = "spectral_novelty"
    streaming: ClassVar = "block"

    method: Literal["sub", "entropy", "kl", "is"] = Field("sub", description="change term")
    output: Literal["value", "number"] = Field("value", description="sum of the terms, or "
                                                                    "how many exceed threshold")
    step: int = Field(1, ge=1, le=1000, description="compare frame t with frame t - step")
    threshold: float = Field(0.0, ge=0, le=1e12, description="terms at or below it are ignored")
    amin: float = Field(1e-10, gt=0, le=1, description="floor of both frames (ratio methods)")


class SpectralBroadband(SpectralNovelty):
    """Broadband change: how many bins rose by more than ``threshold`` since the previous
    frame (audioFlux ``Spectral.broadband``; novelty ``sub`` counted)."""

    op: Literal["spectral_broadband"] = "spectral_broadband"
    output: Literal["value", "number"] = Field("number", description="count (default) or sum")


def _novelty(parts, start, p: SpectralNovelty) -> np.ndarray:
    cur, prev = _lagged(parts[0], start, p.step)
    if p.method == "sub":
        terms = np.maximum(cur - prev, 0.0)
    else:
        cur_f, prev_f = np.maximum(cur, p.amin), np.maximum(prev, p.amin)
        log_r = np.log(cur_f / prev_f)
        if p.method == "entropy":
            terms = np.maximum(log_r, 0.0)
        elif p.method == "kl":
            terms = np.maximum(cur_f * log_r, 0.0)
        else:
            terms = cur_f / prev_f - log_r - 1.0
    above = terms > p.threshold
    return above.sum(axis=-1).astype(np.float64) if p.output == "number" else \
        np.where(above, terms, 0.0).sum(axis=-1)


@SpectralNovelty.stream
class SpectralNoveltyStream(_LagState):
    def __init__(self, p: SpectralNovelty):
        super().__init__(p, p.step, _real, _novelty)


# ------------------------------------------------------------------ phase
class SpectralPD(BandLimited):
    """Phase deviation, ``(1/K) sum_k w_k |psi_k(t) - 2 psi_k(t-1) + psi_k(t-2)|``, rad.

    ``psi`` is the phase of the complex spectrum.  ``weight: none`` gives PD
    (``w = 1``, audioFlux ``Spectral.pd``), ``magnitude`` WPD (``w = |X_k(t)|``,
    ``Spectral.wpd``), ``normalized`` NWPD (WPD divided by the frame's mean
    magnitude, ``Spectral.nwpd``).  With ``wrap`` the second difference is taken to
    its principal value in ``(-pi, pi]`` (Bello et al. 2005, Dixon 2006);
    audioFlux does not wrap (``wrap: false``).

    Streaming: block op holding 2 frames.
    """

    op: Literal["spectral_pd"] = "spectral_pd"
    consumes: ClassVar = (Kind.SPECTRUM,)
    streaming: ClassVar = "block"

    weight: Literal["none", "magnitude", "normalized"] = Field(
        "none", description="none: PD; magnitude: WPD; normalized: NWPD")
    wrap: bool = Field(True, description="principal value of the phase's second difference")


class SpectralWPD(SpectralPD):
    """Weighted phase deviation: :class:`SpectralPD` with ``weight: magnitude`` (audioFlux
    ``Spectral.wpd``)."""

    op: Literal["spectral_wpd"] = "spectral_wpd"
    weight: Literal["none", "magnitude", "normalized"] = "magnitude"


class SpectralNWPD(SpectralPD):
    """Normalised weighted phase deviation: :class:`SpectralPD` with ``weight: normalized``."""

    op: Literal["spectral_nwpd"] = "spectral_nwpd"
    weight: Literal["none", "magnitude", "normalized"] = "normalized"


def _complex(x: Feature, p) -> tuple[np.ndarray, np.ndarray]:
    z = frame_major(x.data)
    if not np.iscomplexobj(z):
        raise ValueError(f"{p.op} needs the complex spectrum (the rfft output), not its power")
    mag = band(x.derive(frame_major(np.abs(z)), Kind.POWER), p, p.op)[0]
    lo = int(np.searchsorted(np.asarray(x.axis, dtype=np.float64), p.fmin))
    phase = np.angle(z[..., lo:lo + mag.shape[-1]]).astype(np.float64, copy=False)
    return mag, phase


def _pd(parts, start, p: SpectralPD) -> np.ndarray:
    mag, phase = parts
    d2 = phase[..., start:, :] - 2.0 * phase[..., start - 1:-1, :] + \
        phase[..., start - 2:phase.shape[-2] - 2, :]
    if p.wrap:
        d2 = np.angle(np.exp(1j * d2))
    dev = np.abs(d2)
    if p.weight == "none":
        return dev.mean(axis=-1)
    cur = mag[..., start:, :]
    wpd = np.einsum("...k,...k->...", dev, cur) / cur.shape[-1]
    return wpd if p.weight == "magnitude" else safe_div(wpd, cur.mean(axis=-1))


@SpectralPD.stream
class SpectralPDStream(_LagState):
    def __init__(self, p: SpectralPD):
        super().__init__(p, 2, _complex, _pd)


class SpectralCD(BandLimited):
    """Complex-domain distance, ``sum_k |X_k(t) - |X_k(t-1)| e^{j(2 psi_k(t-1) - psi_k(t-2))}|``.

    The distance of each bin from its prediction by constant magnitude and
    constant phase increment (Bello et al. 2005; audioFlux ``Spectral.cd``).
    With ``rectify`` only bins whose magnitude did not fall count (RCD, Dixon
    2006; audioFlux ``Spectral.rcd``).  Input units.

    Streaming: block op holding 2 frames.
    """

    op: Literal["spectral_cd"] = "spectral_cd"
    consumes: ClassVar = (Kind.SPECTRUM,)
    streaming: ClassVar = "block"

    rectify: bool = Field(False, description="only bins with |X(t)| >= |X(t-1)| (RCD)")


class SpectralRCD(SpectralCD):
    """Rectified complex-domain distance: :class:`SpectralCD` with ``rectify: true``."""

    op: Literal["spectral_rcd"] = "spectral_rcd"
    rectify: bool = Field(True, description="only bins with |X(t)| >= |X(t-1)|")


def _cd(parts, start, p: SpectralCD) -> np.ndarray:
    mag, phase = parts
    n = mag.shape[-2]
    cur_m, prev_m = mag[..., start:, :], mag[..., start - 1:n - 1, :]
    target = 2.0 * phase[..., start - 1:n - 1, :] - phase[..., start - 2:n - 2, :]
    dist = np.abs(cur_m * np.exp(1j * phase[..., start:, :]) - prev_m * np.exp(1j * target))
    if p.rectify:
        dist = np.where(cur_m >= prev_m, dist, 0.0)
    return dist.sum(axis=-1)


@SpectralCD.stream
class SpectralCDStream(_LagState):
    def __init__(self, p: SpectralCD):
        super().__init__(p, 2, _complex, _cd)


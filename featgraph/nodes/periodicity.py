"""Periodicity of each frame from its short-time autocorrelation or AMDF: the strength
and lag of the best peak (valley) between ``fmin`` and ``fmax``; and the fused forms
``time_autocorrelation -> periodicity`` and ``amdf -> amdf_periodicity``, which compute
only the lags the peak picking reads, a block of frames at a time, without the frames x
lags intermediate.

References
----------
L. R. Rabiner and R. W. Schafer, *Introduction to Digital Speech Processing*,
Foundations and Trends in Signal Processing 1(1-2), 2007, chapter
"Short-time analysis of speech" (autocorrelation and AMDF pitch detection).
M. J. Ross, H. L. Shaffer, A. Cohen, R. Freudberg and H. J. Manley, "Average
magnitude difference function pitch extractor", IEEE Trans. ASSP 22(5), 1974.
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.fuse import FusedOp, rule
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native import timedomain as kernels
from ._common import frame_major, to_samples
from .time_domain import _BLOCK, Work, autocorrelation_lags, float_frames


class _Periodicity(Node):
    """Lag-range parameters shared by the periodicity ops (a base class, not an op)."""

    op: str
    streaming: ClassVar = "frame"
    produces: ClassVar = {"strength": Kind.FEATURE, "f0": Kind.FEATURE}

    fmin: float = Field(60.0, ge=1, le=1e6, description="lowest fundamental searched, Hz")
    fmax: float = Field(400.0, gt=0, le=1e6, description="highest fundamental searched, Hz")
    tolerance: float = Field(0.05, ge=0, le=1, description="take the shortest-lag peak within "
                                                           "this of the best (avoids octave "
                                                           "errors at multiples of the period)")

    @model_validator(mode="after")
    def _ordered(self):
        if self.fmin >= self.fmax:
            raise ValueError(f"fmin ({self.fmin} Hz) must be below fmax ({self.fmax} Hz); "
                             f"swap them")
        return self


def lag_range(p: _Periodicity, sr: float, n_lags: int) -> tuple[int, int]:
    """Lags ``[kmin, kmax]`` in samples for ``fmax .. fmin`` at ``sr``; all must be in the input."""
    kmin = max(1, math.floor(sr / p.fmax))
    kmax = math.ceil(sr / p.fmin)
    if kmax > n_lags - 1:
        raise ValueError(f"{p.op}: fmin = {p.fmin:g} Hz needs lags up to {kmax} at {sr:g} Hz, "
                         f"but the input has lags 0 .. {n_lags - 1}; raise fmin, or compute "
                         f"more lags (amdf max_lag, time_autocorrelation n_lags, longer frames)")
    return kmin, kmax


def _periodicity_out(x: Feature, strength: np.ndarray, lag: np.ndarray) -> dict[str, Feature]:
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    f0 = x.sr / lag.astype(np.float64)
    return {"strength": x.derive(strength[..., None, :].astype(dtype), Kind.FEATURE, axis=None),
            "f0": x.derive(f0[..., None, :].astype(dtype), Kind.FEATURE, axis=None)}


class Periodicity(_Periodicity):
    """Periodicity from the short-time autocorrelation: the highest normalised peak.

    Over lags ``k`` in ``[floor(sr / fmax), ceil(sr / fmin)]`` the score is
    ``r[k] / r[0]`` (0 for a frame with ``r[0] = 0``); a periodic frame has
    peaks at every multiple of its period (Rabiner & Schafer 2007), so
    the chosen lag is the shortest local maximum scoring within ``tolerance``
    of the best.  ``strength`` is its score, port ``f0 = sr / lag`` in Hz.
    Outputs ``(..., 1, frames)``: ports ``strength`` (default) and ``f0``.

    Streaming: frame by frame.
    """

    op: Literal["periodicity"] = "periodicity"
    consumes: ClassVar = (Kind.AUTOCORR,)


def _pick(x: Feature, p: _Periodicity, mode: str) -> dict[str, Feature]:
    """Both ops: the C kernel's pick over the lags of ``x`` (see ``pick_period``)."""
    lags = frame_major(x.data)
    kmin, kmax = lag_range(p, x.sr, lags.shape[-1])
    lag, strength = kernels.pick_period(lags, kmin, kmax, mode, p.tolerance)
    return _periodicity_out(x, strength, lag)


@Periodicity.compute
def periodicity(x: Feature, p: Periodicity) -> dict[str, Feature]:
    return _pick(x, p, "autocorrelation")


class AMDFPeriodicity(_Periodicity):
    """Periodicity from the AMDF: the depth of its deepest valley.

    Over lags ``k`` in ``[floor(sr / fmax), ceil(sr / fmin)]`` the score is
    ``1 - D[k] / max_k D[k]`` (0 when ``D`` is 0 there, as in silence); the
    AMDF of a periodic frame dips to 0 at every multiple of its period (Ross
    et al. 1974), so the chosen lag is the shortest valley scoring within
    ``tolerance`` of the best.  ``strength`` is its score, port
    ``f0 = sr / lag`` in Hz.  Feed it ``amdf`` with ``normalize: true`` so that
    long lags are not favoured.
    Outputs ``(..., 1, frames)``: ports ``strength`` (default) and ``f0``.

    Streaming: frame by frame.
    """

    op: Literal["amdf_periodicity"] = "amdf_periodicity"
    consumes: ClassVar = (Kind.FEATURE,)


@AMDFPeriodicity.compute
def amdf_periodicity(x: Feature, p: AMDFPeriodicity) -> dict[str, Feature]:
    return _pick(x, p, "amdf")


def _blocks(n_frames: int):
    """``(a, b)`` frame ranges of ``_BLOCK`` frames: the intermediate lags stay in cache."""
    return ((a, min(n_frames, a + _BLOCK)) for a in range(0, n_frames, _BLOCK))


@rule("time_autocorrelation+periodicity", ("time_autocorrelation", "periodicity"))
def fused_autocorrelation_periodicity(f: FusedOp, x: Feature) -> dict[str, Feature]:
    """``time_autocorrelation -> periodicity`` with the lags ``0 .. kmax + 1`` the peak
    picking reads, ``_BLOCK`` frames at a time (the blocks of the op's own FFT path, so
    the values are the two ops' bit for bit), without the frames x lags array."""
    acf, per = f.parts
    frames = float_frames(x)
    n = frames.shape[-1]
    n_lags = n if acf.n_lags is None else acf.n_lags
    if n_lags > n:                                   # the ops' own error
        return per(acf(x))
    kmin, kmax = lag_range(per, x.sr, n_lags)
    keep = min(n_lags, kmax + 2)
    lag = np.empty(frames.shape[:-1])
    strength = np.empty(frames.shape[:-1])
    work = Work(f)
    for a, b in _blocks(frames.shape[-2]):
        r = autocorrelation_lags(frames[..., a:b, :], n_lags, acf.normalize, keep, work)
        lag[..., a:b], strength[..., a:b] = kernels.pick_period(
            r, kmin, kmax, "autocorrelation", per.tolerance)
    return _periodicity_out(x, strength, lag)


@rule("amdf+amdf_periodicity", ("amdf", "amdf_periodicity"))
def fused_amdf_periodicity(f: FusedOp, x: Feature) -> dict[str, Feature]:
    """``amdf -> amdf_periodicity`` with the lags ``kmin - 1 .. kmax + 1`` the valley
    picking reads (230 of the 321 lags of 20 ms at 16 kHz), ``_BLOCK`` frames at a time.
    The range is widened to the kernel's passes of ``amdf_pass()`` lags, so that every
    lag is summed as the op sums it: equal to the two ops bit for bit."""
    am, per = f.parts
    frames = float_frames(x)
    n = frames.shape[-1]
    n_lags = n if am.max_lag is None else to_samples(am.max_lag, x.sr) + 1
    if n_lags > n:                                   # the ops' own error
        return per(am(x))
    kmin, kmax = lag_range(per, x.sr, n_lags)
    step = kernels.amdf_pass()
    first = (kmin - 1) // step * step
    end = min(n_lags, -(-(kmax + 2) // step) * step)
    if end > n_lags // step * step:                  # the op's single-lag tail
        end = n_lags
    lag = np.empty(frames.shape[:-1])
    strength = np.empty(frames.shape[:-1])
    for a, b in _blocks(frames.shape[-2]):
        buf = f.scratch("amdf_lags", b - a, (end - first,), frames.dtype) \
            if frames.ndim == 2 else None                    # reused: no page faults
        d = kernels.amdf(frames[..., a:b, :], end, am.normalize, first, out=buf)
        lag[..., a:b], strength[..., a:b] = kernels.pick_period(
            d, kmin - first, kmax - first, "amdf", per.tolerance)
    lag += first
    return _periodicity_out(x, strength, lag)

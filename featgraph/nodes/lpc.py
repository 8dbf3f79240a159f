"""Linear prediction ops: autocorrelation by inverse DFT, Levinson-Durbin,
LPC to cepstrum, liftering.

References
----------
J. Makhoul, "Linear prediction: a tutorial review", Proc. IEEE 63(4), 1975.
S. Young et al., *The HTK Book*, section "Linear prediction analysis"
(LPC to cepstrum recursion).
H. Hermansky, "Perceptual linear predictive (PLP) analysis of speech", JASA 1990.
"""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from .. import native
from ..native.fused import lpc_cepstra
from ..engine.feature import Feature
from ..engine.fuse import FusedOp, rule
from ..engine.kinds import SPECTRAL, Kind
from ..engine.ops import Node
from ._common import MAX_FFT, frame_major, matmul

MAX_LIFTER_EXPONENT = 4


class Autocorrelation(Node):
    """Autocorrelation of a real, even power spectrum by inverse DFT (Wiener-Khinchin).

    The ``n`` input values are taken as the non-negative half of a symmetric
    spectrum of length ``2 (n - 1)`` (rastamat's ``dolpc``):
    ``r[k] = (x[0] + (-1)^k x[n-1] + 2 sum_{m=1}^{n-2} x[m] cos(pi k m / (n-1))) / (2 (n-1))``.
    Output ``(..., n_lags, frames)``, lags ``0 .. n_lags - 1``.
    """

    op: Literal["autocorrelation"] = "autocorrelation"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.AUTOCORR

    n_lags: int | None = Field(None, ge=1, le=MAX_FFT, description="lags to keep; null: as "
                                                                   "many as input values")


@functools.lru_cache(maxsize=32)
def idft_matrix(n: int, n_lags: int) -> np.ndarray:
    """``(n_lags, n)`` matrix mapping a half spectrum to autocorrelation lags (cached, read-only)."""
    m = n - 1
    k = np.arange(n_lags)[:, None]
    weights = np.full(n, 2.0)
    weights[0] = weights[-1] = 1.0
    matrix = weights * np.cos(np.pi * k * np.arange(n)[None, :] / m) / (2 * m)
    matrix.setflags(write=False)
    return matrix


@Autocorrelation.compute
def autocorrelation(x: Feature, p: Autocorrelation) -> Feature:
    n = x.data.shape[-2]
    if n < 2:
        raise ValueError("autocorrelation needs at least 2 spectral values per frame")
    n_lags = n if p.n_lags is None else p.n_lags
    if n_lags > n:
        raise ValueError(f"n_lags = {n_lags} exceeds the {n} values per frame")
    spec = frame_major(x.data)
    r = matmul(spec, idft_matrix(n, n_lags).astype(spec.dtype, copy=False).T)
    return x.derive(frame_major(r), Kind.AUTOCORR, axis=None)


class LPC(Node):
    """Linear prediction coefficients by the Levinson-Durbin recursion (C kernel).

    Output port ``coeffs`` (default): ``(..., order + 1, frames)``, the polynomial
    ``[1, a1, ... ap]`` of ``A(z)``, divided by the prediction error when
    ``gain_normalize`` (rastamat's ``dolpc``, so that the model spectrum is
    ``1 / |A|^2`` unscaled).  Port ``error``: ``(..., 1, frames)``, the prediction
    error.  Zero frames give ``[1, 0, ...]`` and error 0; a perfectly
    predictable frame keeps the highest stable order.
    """

    op: Literal["lpc"] = "lpc"
    consumes: ClassVar = (Kind.AUTOCORR,)
    streaming: ClassVar = "frame"
    produces: ClassVar = {"coeffs": Kind.LPC, "error": Kind.FEATURE}

    order: int = Field(..., ge=1, le=1024, description="model order p (required)")
    gain_normalize: bool = Field(False, description="divide the coefficients by the prediction "
                                                    "error (rastamat)")
    error_floor: float = Field(1e-10, ge=1e-30, le=1e30, description="smallest error divided "
                               "by, so that silent frames stay finite (1e-30 to 1e30: float32 "
                               "keeps 1 / error_floor finite)")


@LPC.compute
def lpc(x: Feature, p: LPC) -> dict[str, Feature]:
    n_lags = x.data.shape[-2]
    if p.order >= n_lags:
        raise ValueError(f"LPC order {p.order} needs {p.order + 1} autocorrelation lags, "
                         f"the input has {n_lags}")
    a, err = native.levinson(frame_major(x.data), p.order)      # (..., frames, p+1), (..., frames)
    if p.gain_normalize:
        a /= np.maximum(err, p.error_floor)[..., None]
    return {"coeffs": x.derive(frame_major(a), Kind.LPC),
            "error": x.derive(err[..., None, :], Kind.FEATURE)}


class LPCToCepstrum(Node):
    """Cepstrum of the all-pole model ``1 / A(z)`` (HTK's recursion, rastamat's ``lpc2cep``).

    ``c0 = -log a0``, and for ``n >= 1`` with ``b = a / a0``:
    ``c[n] = -(b[n] + sum_{m=1}^{n-1} (n - m) b[m] c[n-m] / n)``.
    Output ``(..., n_ceps, frames)``.
    """

    op: Literal["lpc_to_cepstrum"] = "lpc_to_cepstrum"
    consumes: ClassVar = (Kind.LPC,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.CEPSTRA

    n_ceps: int | None = Field(None, ge=1, le=1024, description="coefficients out; null: "
                                                                "order + 1")


@LPCToCepstrum.compute
def lpc_to_cepstrum(x: Feature, p: LPCToCepstrum) -> Feature:
    n_ceps = x.data.shape[-2] if p.n_ceps is None else p.n_ceps
    c = native.lpc_to_cepstrum(frame_major(x.data), n_ceps)
    return x.derive(frame_major(c), Kind.CEPSTRA)


class Lifter(Node):
    """Weight cepstral coefficient ``n`` by ``w[n]``, with ``w[0] = 1``.

    ``mode: exponent`` (rastamat): ``w[n] = n ** value``; ``mode: sinusoidal``
    (HTK, python_speech_features): ``w[n] = 1 + value / 2 * sin(pi n / value)``.
    ``value: 0`` leaves the coefficients as they are in both modes, as rastamat's
    ``lift = 0``, HTK's ``CEPLIFTER = 0``, Kaldi's ``--cepstral-lifter=0`` and
    python_speech_features' ``ceplifter=0`` define it.
    """

    op: Literal["lifter"] = "lifter"
    consumes: ClassVar = (Kind.CEPSTRA,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.CEPSTRA

    mode: Literal["exponent", "sinusoidal"] = "exponent"
    value: float = Field(0.6, ge=0, le=1000, description="exponent (at most 4), or the HTK "
                                                         "lifter length L; 0: no liftering")

    @field_validator("value")
    @classmethod
    def _exponent_bounded(cls, value, info):
        if info.data.get("mode") == "exponent" and value > MAX_LIFTER_EXPONENT:
            raise ValueError(f"a lifter exponent above {MAX_LIFTER_EXPONENT} overflows n ** value "
                             "(mode: sinusoidal takes a lifter length up to 1000)")
        if info.data.get("mode") == "sinusoidal" and 0 < value < 1:
            raise ValueError("an HTK lifter length below 1 is not a lifter (sin(pi n / L) "
                             "oscillates faster than the coefficients); use L >= 1, e.g. 22, "
                             "or 0 for none")
        return value


@Lifter.compute
def lifter(x: Feature, p: Lifter) -> Feature:
    if p.value == 0:
        return x.derive(x.data.copy())
    n = np.arange(x.data.shape[-2], dtype=np.float64)
    w = n ** p.value if p.mode == "exponent" else 1.0 + p.value / 2 * np.sin(np.pi * n / p.value)
    w[0] = 1.0
    return x.derive(x.data * w.astype(x.data.dtype)[:, None])


# ------------------------------------------------------------------ fused form
@rule("lpc+cepstra", ("lpc", "lpc_to_cepstrum", "lifter"), optional=("lifter",))
def fused_lpc_cepstra(f: FusedOp, x: Feature) -> Feature:
    """``lpc -> lpc_to_cepstrum [-> lifter]`` in one C call per chunk.

    :func:`featgraph.native.fused.lpc_cepstra`: per frame, Levinson-Durbin, the
    gain normalisation, the cepstral recursion and the lifter weights, in the
    same arithmetic as the separate ops (equal bit for bit in float64; the
    float32 kernel rounds once instead of after each op).
    """
    lpc_p, cep_p = f.parts[:2]
    n_lags = x.data.shape[-2]
    if lpc_p.order >= n_lags:
        raise ValueError(f"LPC order {lpc_p.order} needs {lpc_p.order + 1} autocorrelation "
                         f"lags, the input has {n_lags}")
    n_ceps = lpc_p.order + 1 if cep_p.n_ceps is None else cep_p.n_ceps
    weights = None
    if len(f.parts) == 3:
        key = ("lifter", n_ceps)
        weights = f.cache.get(key)
        if weights is None:
            ones = x.derive(np.ones((n_ceps, 1)), Kind.CEPSTRA)
            weights = f.cache[key] = f.parts[2](ones).data[:, 0].copy()
    c = lpc_cepstra(frame_major(x.data), lpc_p.order, n_ceps, lpc_p.gain_normalize,
                    lpc_p.error_floor, weights)
    return x.derive(frame_major(c), Kind.CEPSTRA)

"""PNCC's medium-time processing and power normalisation, as two streaming ops.

The ``pncc`` recipe is ``gammatone_filterbank -> pncc_suppression ->
mean_power_normalization -> power_law (1/15) -> dct``.

Reference
---------
C. Kim and R. M. Stern, "Power-Normalized Cepstral Coefficients (PNCC) for Robust
Speech Recognition", IEEE/ACM Trans. Audio, Speech, and Language Processing 24(7),
1315-1329, 2016.  Section II-B (medium-time power), II-C (asymmetric noise
suppression), II-D (temporal masking), II-E (spectral weight smoothing), II-F
(mean power normalisation).  Where the paper leaves a detail open (start of the
recursions, the edges of the medium-time window) the choices are documented in
docs/speech-pncc.md.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import SPECTRAL
from ..engine.ops import Node
from ..native import pncc as kernels
from ._common import frame_major


def _empty_like(x: Feature, n_bands: int) -> Feature:
    lead = x.data.shape[:-2]
    return x.derive(frame_major(np.empty(lead + (0, n_bands), dtype=x.data.dtype)))


class PnccSuppression(Node):
    """Asymmetric noise suppression, temporal masking and weight smoothing: ``T = P S~``.

    ``P[m, l]`` is the input band power (the gammatone filterbank's output).
    The medium-time power is ``Q[m, l] = mean(P[m - M .. m + M, l])`` (eq. 4;
    at the ends of the input the mean runs over the frames that exist).  Per
    band, with the asymmetric filter ``AF`` (eq. 5: ``lambda_a`` where the
    input rises above the output, ``lambda_b`` where it falls below)::

        Q_le = AF(Q);  Q0 = max(Q - Q_le, 0);  Q_f = AF(Q0)               (eqs. 6-8)
        R_tm = Q0 if Q0 >= lambda_t Q_p[m-1] else mu_t Q_p[m-1];
        Q_p = max(lambda_t Q_p[m-1], Q0)                                   (eqs. 9-10)
        R = max(R_tm, Q_f) if Q >= c Q_le else Q_f                          (eq. 11)
        S~[m, l] = mean over l' in [l - N, l + N] of R / Q                  (eq. 12)
        T[m, l] = P[m, l] S~[m, l]                                          (eq. 13)

    The recursions start from ``Q_le = 0.9 Q[0]``, ``Q_f = 0.9 Q0[0]``, ``Q_p =
    Q0[0]`` (Kim's reference code); ``R / Q`` is 0 where ``Q = 0``.  Input and
    output ``(..., bands, frames)``, non-negative; the dtype is kept (computed
    in float64 in one C pass per block, ``fg_pncc_suppression_f64`` / ``_f32``,
    which reads float32 input in place and rounds the results to float32).
    Streaming: block op with state (the three filters and the last ``2 M`` input
    frames), ``M`` frames of look-ahead.
    """

    op: Literal["pncc_suppression"] = "pncc_suppression"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "block"
    produces: ClassVar = None

    M: int = Field(2, ge=0, le=100, description="medium-time half-window, frames (Q averages "
                                                "2M+1 frames)")
    lambda_a: float = Field(0.999, ge=0, lt=1, description="asymmetric filter factor where the "
                                                           "input rises")
    lambda_b: float = Field(0.5, ge=0, lt=1, description="asymmetric filter factor where the "
                                                         "input falls")
    c: float = Field(2.0, ge=0, le=1e6, description="excitation threshold: Q >= c Q_le")
    temporal_masking: bool = Field(True, description="apply temporal masking (eqs. 9-10)")
    lambda_t: float = Field(0.85, ge=0, lt=1, description="decay of the online peak power")
    mu_t: float = Field(0.2, ge=0, le=1, description="masked level, fraction of the peak")
    N: int = Field(4, ge=0, le=256, description="half-width of the weight smoothing, bands")

    def latency(self) -> int:
        return self.M


@PnccSuppression.stream
class _SuppressionState:
    """The block's frames go to one C pass (:func:`featgraph.native.pncc.pncc_suppression`:
    the medium-time power, then the recursions) that reads them in place; the state keeps
    the last ``2 M`` input frames (float64) for the windows of the next block."""

    def __init__(self, p: PnccSuppression):
        self.p = p
        self.hist = None         # the last (up to) 2M input frames, float64, frame-major
        self.state = None
        self.template = None
        self.n_seen = 0
        self.n_done = 0

    def step(self, x: Feature):
        a = frame_major(x.data)
        if self.hist is None:
            self.hist = np.zeros(a.shape[:-2] + (0, a.shape[-1]))
            self.state = kernels.suppress_state(a.shape[:-2], a.shape[-1])
        self.template = x
        self.n_seen += a.shape[-2]
        out = self._emit(a, max(self.n_done, self.n_seen - self.p.M))
        keep = 2 * self.p.M
        tail = a[..., max(a.shape[-2] - keep, 0):, :].astype(np.float64)
        self.hist = np.concatenate([self.hist, tail], axis=-2)
        self.hist = self.hist[..., max(self.hist.shape[-2] - keep, 0):, :].copy()
        return out

    def flush(self):
        if self.template is None:
            return None
        h = self.hist
        return self._emit(np.zeros(h.shape[:-2] + (0, h.shape[-1]), self.template.data.dtype),
                          self.n_seen)

    def _emit(self, a: np.ndarray, stop: int) -> Feature:
        """Output frames ``n_done .. stop - 1`` from ``hist ++ a``, which ends at input
        frame ``n_seen``."""
        x, p = self.template, self.p
        start, base = self.n_done, self.n_seen - self.hist.shape[-2] - a.shape[-2]
        if stop <= start:
            return _empty_like(x, a.shape[-1])
        t = kernels.pncc_suppression(a, self.hist, start - base, stop - start, self.state, p.M,
                                     p.lambda_a, p.lambda_b, p.c, p.lambda_t, p.mu_t,
                                     p.temporal_masking, p.N)
        self.n_done = stop
        return x.derive(frame_major(t.astype(x.data.dtype, copy=False)))


class MeanPowerNormalization(Node):
    """Divide every band by the running mean power of all bands: ``U = k T / mu`` (eqs. 14-15).

    ``mu[m] = lambda_mu mu[m-1] + (1 - lambda_mu) mean_l T[m, l]``.  The paper
    leaves ``mu``'s start open (Kim's code starts from a constant fitted to
    WSJ at 16-bit scale).  With ``mu0: null`` the factor is ``min(lambda_mu,
    n / (n + 1))`` after ``n`` frames, so ``mu`` is the plain running mean of
    the frames so far until ``n = lambda_mu / (1 - lambda_mu)`` (999 frames),
    then the exponential average: the output does not depend on the input's
    scale.  A number starts the exponential average from ``mu0``.  ``U`` is 0
    while ``mu`` is 0 (digital silence).  The dtype is kept (computed in float64
    in the C kernel ``fg_mean_power_norm_f64``; float32 is read in place by
    ``_f32``).  Since ``mu >= (1 - lambda_mu) mean_l T``, ``U <= k L / (1 -
    lambda_mu)`` for ``L`` bands: the ranges of ``k`` and ``lambda_mu`` keep
    float32 output finite.  Streaming: block op carrying
    ``mu``; no look-ahead.
    """

    op: Literal["mean_power_normalization"] = "mean_power_normalization"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "block"
    produces: ClassVar = None

    lambda_mu: float = Field(0.999, ge=0, le=0.99999, description="forgetting factor of the "
                                                                 "mean power")
    k: float = Field(1.0, gt=0, le=1e6, description="output scale (arbitrary in the paper)")
    mu0: float | None = Field(None, gt=0, le=1e300, description="initial mean power; null: "
                                                                 "running mean of the first frames")


@MeanPowerNormalization.stream
class _NormState:
    def __init__(self, p: MeanPowerNormalization):
        self.p = p
        self.state = None

    def step(self, x: Feature):
        a = frame_major(x.data)
        if self.state is None:
            self.state = kernels.norm_state(a.shape[:-2], self.p.mu0)
        u = kernels.mean_power_norm(a, self.state, self.p.lambda_mu, self.p.k)
        return x.derive(frame_major(u.astype(x.data.dtype, copy=False)))

    def flush(self):
        return None

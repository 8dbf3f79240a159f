"""Linear prediction straight from frames (covariance method) and LPC cepstra with gain.

References
----------
J. Makhoul, "Linear prediction: a tutorial review", Proc. IEEE 63(4), 1975
(section III: the autocorrelation and covariance methods; eq. 38 ff.).
L. R. Rabiner and R. W. Schafer, *Introduction to Digital Speech Processing*,
2007, chapters "Linear predictive analysis" (covariance method, gain
``G**2 = E``) and "Homomorphic speech analysis" (the cepstrum of
the all-pole model ``H(z) = G / A(z)``: ``c0 = ln G``,
``c[n] = -a[n] - sum_{m=1}^{n-1} (m / n) c[m] a[n-m]``).
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from .. import native
from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import frame_major


class LPCCovariance(Node):
    """Linear prediction by the covariance (least-squares) method, from frames.

    Minimises ``E = sum_{n=p}^{N-1} (x[n] + sum_{k=1}^{p} a[k] x[n-k])**2`` over
    the frame only (no zeros assumed outside it; Makhoul 1975, section III-B):
    ``sum_k a[k] phi(i, k) = -phi(i, 0)`` for ``i = 1..p`` with
    ``phi(i, k) = sum_{n=p}^{N-1} x[n-i] x[n-k]``, solved per frame.  The
    matrix is loaded with ``ridge * trace / p`` on its diagonal so that silent
    or perfectly predictable frames stay finite; an all-zero frame gives
    ``[1, 0, ...]`` and error 0.  Unlike the autocorrelation method the
    result is exact for a noise-free all-pole signal but ``1 / A(z)`` need
    not be stable.

    Output port ``coeffs`` (default): ``(..., order + 1, frames)``, ``[1, a1 ... ap]``;
    port ``error``: ``(..., 1, frames)``, the minimum ``E`` (squared signal units;
    the model gain is ``G = sqrt(E)``).

    Streaming: frame by frame.
    """

    op: Literal["lpc_covariance"] = "lpc_covariance"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = {"coeffs": Kind.LPC, "error": Kind.FEATURE}

    order: int = Field(..., ge=1, le=1024, description="model order p (required)")
    ridge: float = Field(1e-9, gt=0, lt=1, description="diagonal loading relative to the mean "
                                                       "diagonal, keeps singular frames finite")


@LPCCovariance.compute
def lpc_covariance(x: Feature, p: LPCCovariance) -> dict[str, Feature]:
    f = frame_major(x.data).astype(np.float64, copy=False)
    n, order = f.shape[-1], p.order
    if n <= order:
        raise ValueError(f"lpc_covariance: order {order} needs frames longer than {order} "
                         f"samples (got {n}); lower the order or lengthen the frames")
    # rows m = 0 .. N-p-1 hold x[m + p - j] for j = 0 .. p (lags 0 .. p)
    lagged = np.lib.stride_tricks.sliding_window_view(f, order + 1, axis=-1)[..., ::-1]
    phi = np.swapaxes(lagged, -1, -2) @ lagged                     # (..., frames, p+1, p+1)
    cov, rhs = phi[..., 1:, 1:], phi[..., 1:, 0]
    load = np.trace(cov, axis1=-2, axis2=-1) / order
    silent = ~(load > 0)
    eye = np.eye(order)
    system = cov + (p.ridge * np.where(silent, 1.0, load))[..., None, None] * eye
    coeffs = np.linalg.solve(system, -rhs[..., None])[..., 0]
    coeffs[silent] = 0.0
    err = np.maximum(phi[..., 0, 0] + np.einsum("...k,...k->...", coeffs, rhs), 0.0)
    a = np.concatenate([np.ones(coeffs.shape[:-1] + (1,)), coeffs], axis=-1)
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    return {"coeffs": x.derive(frame_major(a.astype(dtype)), Kind.LPC, axis=None),
            "error": x.derive(err[..., None, :].astype(dtype), Kind.FEATURE, axis=None)}


class LPCC(Node):
    """LPC cepstrum with the gain: the cepstrum of ``H(z) = G / A(z)``, ``G = sqrt(E)``.

    Inputs: the LPC polynomial (port ``coeffs`` of ``lpc`` or ``lpc_covariance``)
    and its prediction error ``E`` (their port ``error``).  ``c0 = ln G =
    ln(max(E, error_floor)) / 2``; for ``n >= 1`` the recursion of
    ``lpc_to_cepstrum`` on ``a / a0`` (Rabiner & Schafer 2007, "Homomorphic speech analysis"; the HTK
    Book), ``c[n] = -(a[n] + sum_{m=1}^{n-1} (n - m) a[m] c[n-m] / n)``, which
    for poles ``z_i`` equals ``sum_i z_i**n / n``.  ``n_ceps`` may exceed
    ``order + 1``.  Output ``(..., n_ceps, frames)``, nepers.

    Streaming: frame by frame.
    """

    op: Literal["lpcc"] = "lpcc"
    consumes: ClassVar = (Kind.LPC, Kind.FEATURE)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.CEPSTRA

    n_ceps: int | None = Field(None, ge=1, le=4096, description="coefficients out, c0 "
                                                                "included; null: order + 1")
    error_floor: float = Field(1e-10, gt=0, le=1e6, description="smallest error in ln G, so "
                                                                "silent frames stay finite")


@LPCC.compute
def lpcc(a: Feature, error: Feature, p: LPCC) -> Feature:
    if error.data.shape[-2] != 1:
        raise ValueError(f"lpcc: the second input must be the prediction error (one value per "
                         f"frame, port 'error' of lpc), got {error.data.shape[-2]} values")
    n_ceps = a.data.shape[-2] if p.n_ceps is None else p.n_ceps
    c = native.lpc_to_cepstrum(frame_major(a.data), n_ceps)     # (..., frames, n_ceps)
    e = error.data[..., 0, :].astype(np.float64)
    c[..., 0] = 0.5 * np.log(np.maximum(e, p.error_floor))
    return a.derive(frame_major(c), Kind.CEPSTRA, axis=None)

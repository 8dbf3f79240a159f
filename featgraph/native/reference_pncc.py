"""Plain-numpy definitions of the PNCC kernels in ``pncc.c``.

Same checks, same floating-point operations in the same order as the C code
(loops over frames, vectorised over batch and bands), so the two backends
agree to rounding error.  Used by :mod:`featgraph.native.pncc` when
``FEATGRAPH_NATIVE=0`` and by the tests.

Reference: C. Kim and R. M. Stern, "Power-Normalized Cepstral Coefficients (PNCC)
for Robust Speech Recognition", IEEE/ACM TASLP 24(7), 1315-1329, 2016, Sec. II.
"""
from __future__ import annotations

import numpy as np

__all__ = ["asymmetric_filter", "medium_time_power", "pncc_suppress", "pncc_suppression",
           "mean_power_norm", "suppress_state", "norm_state"]


def suppress_state(lead_shape: tuple, n_bands: int) -> np.ndarray:
    """A fresh state for :func:`pncc_suppress`: ``(..., 3 n_bands + 1)`` zeros."""
    return np.zeros(tuple(lead_shape) + (3 * n_bands + 1,))


def norm_state(lead_shape: tuple, mu0: float | None = None) -> np.ndarray:
    """A fresh state for :func:`mean_power_norm`: ``(..., 2)`` = (mu, frames seen).

    ``mu0 = None`` starts with the running mean (no frames seen); a value starts
    the exponential average from ``mu0`` as if many frames had been seen.
    """
    state = np.zeros(tuple(lead_shape) + (2,))
    if mu0 is not None:
        state[..., 0] = mu0
        state[..., 1] = 1e18
    return state


def check_unit(value: float, name: str) -> float:
    value = float(value)
    if not (np.isfinite(value) and 0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def check_power(x: np.ndarray, name: str) -> None:
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinity")
    if (x < 0).any():
        raise ValueError(f"{name} must be non-negative (a power)")


def _asym(prev, x, la, lb):
    return np.where(x >= prev, la * prev + (1.0 - la) * x, lb * prev + (1.0 - lb) * x)


def asymmetric_filter(x, lambda_a=0.999, lambda_b=0.5, init=0.9):
    """The asymmetric filter AF of TASLP eq. 5 along axis -2 (frames), started at
    ``init * x[0]``: rises slowly (``lambda_a``), falls fast (``lambda_b``)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.empty_like(x)
    prev = init * x[..., 0, :] if x.shape[-2] else None
    for m in range(x.shape[-2]):
        prev = _asym(prev, x[..., m, :], lambda_a, lambda_b)
        y[..., m, :] = prev
    return y


def pncc_suppress(p, q, state, lambda_a=0.999, lambda_b=0.5, c=2.0, lambda_t=0.85,
                  mu_t=0.2, temporal_masking=True, n_smooth=4):
    """``T = P * S~``: noise suppression, temporal masking and weight smoothing.

    See ``fg_pncc_suppress_f64`` in featgraph.h for the definition.  ``p`` and
    ``q`` are ``(..., frames, bands)``; ``state`` ``(..., 3 bands + 1)`` float64
    is updated in place.  Returns ``t`` float64 ``(..., frames, bands)``.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    for v, name in ((lambda_a, "lambda_a"), (lambda_b, "lambda_b"), (lambda_t, "lambda_t")):
        check_unit(v, name)
    if not (np.isfinite(c) and c >= 0 and np.isfinite(mu_t) and mu_t >= 0):
        raise ValueError(f"c and mu_t must be finite and >= 0, got {c}, {mu_t}")
    check_power(p, "PNCC short-time power")
    check_power(q, "PNCC medium-time power")
    n_bands = p.shape[-1]
    le, fl, pk = (state[..., 1 + i * n_bands:1 + (i + 1) * n_bands] for i in range(3))
    t = np.empty_like(p)
    idx = np.arange(n_bands)
    lo, hi = np.maximum(idx - n_smooth, 0), np.minimum(idx + n_smooth, n_bands - 1)
    for m in range(p.shape[-2]):
        qt = q[..., m, :]
        first = state[..., :1] == 0.0
        le[...] = np.where(first, 0.9 * qt, le)
        le[...] = _asym(le, qt, lambda_a, lambda_b)
        q0 = np.maximum(qt - le, 0.0)
        fl[...] = np.where(first, 0.9 * q0, fl)
        pk[...] = np.where(first, q0, pk)
        fl[...] = _asym(fl, q0, lambda_a, lambda_b)
        r = q0
        if temporal_masking:
            decayed = lambda_t * pk
            r = np.where(q0 < decayed, mu_t * pk, q0)
            pk[...] = np.maximum(q0, decayed)
        r = np.where(qt >= c * le, np.maximum(r, fl), fl)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(qt > 0.0, r / qt, 0.0)
        s = np.zeros_like(w)
        for j in range(2 * n_smooth + 1):          # ascending l' as in C
            col = lo + j
            ok = col <= hi
            s += np.where(ok, w[..., np.minimum(col, n_bands - 1)], 0.0)
        t[..., m, :] = p[..., m, :] * (s / (hi - lo + 1))
        state[..., 0] += 1.0
    return t


def check_block(x, hist, out_start: int, n_out: int, M: int):
    """``(x, hist, out_start, n_out, M)`` of :func:`pncc_suppression` checked: ``x``
    float32 or float64 (other types as float64), ``hist`` float64 with ``x``'s leading
    axes and bands, the output range inside ``hist ++ x``."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    hist = np.asarray(hist, dtype=np.float64)
    if x.ndim < 2 or hist.shape[:-2] != x.shape[:-2] or hist.shape[-1:] != x.shape[-1:]:
        raise ValueError(f"PNCC suppression: x (..., frames, bands) and hist (..., frames, "
                         f"bands) must agree, got {x.shape} and {hist.shape}")
    out_start, n_out, M = int(out_start), int(n_out), int(M)
    n_c = hist.shape[-2] + x.shape[-2]
    if min(out_start, n_out, M) < 0 or out_start + n_out > n_c:
        raise ValueError(f"PNCC suppression: output frames {out_start} .. "
                         f"{out_start + n_out - 1} (M = {M}) outside the {n_c} frames given")
    return x, hist, out_start, n_out, M


def medium_time_power(p: np.ndarray, out_start: int, n_out: int, M: int) -> np.ndarray:
    """``Q[i] = mean(P[max(i - M, 0) .. min(i + M, n - 1)])`` for ``i`` in ``out_start ..
    out_start + n_out - 1``, ``p`` ``(..., n, bands)`` float64.

    The terms are added in a fixed order (offsets ``-M .. M``, frames outside ``p`` as
    exact zeros), so the result does not depend on chunking.  Kim and Stern 2016, eq. 4
    (which divides by ``2M + 1``; the ends here divide by the frames present).
    """
    n = p.shape[-2]
    pad = np.zeros(p.shape[:-2] + (M, p.shape[-1]))
    padded = np.concatenate([pad, p, pad], axis=-2)         # frame i of p: padded[i + M]
    total = padded[..., out_start:out_start + n_out, :].copy()
    with np.errstate(over="ignore"):                        # checked by pncc_suppress
        for j in range(1, 2 * M + 1):
            total += padded[..., out_start + j:out_start + j + n_out, :]
    i = np.arange(out_start, out_start + n_out)
    count = np.minimum(i + M, n - 1) - np.maximum(i - M, 0) + 1
    return total / count[:, None]


def pncc_suppression(x, hist, out_start, n_out, state, M=2, lambda_a=0.999, lambda_b=0.5,
                     c=2.0, lambda_t=0.85, mu_t=0.2, temporal_masking=True, n_smooth=4):
    """The medium-time power of frames ``c = hist ++ x`` and :func:`pncc_suppress`.

    See ``fg_pncc_suppression_f64`` in featgraph.h: for the frames ``out_start ..
    out_start + n_out - 1`` of ``c``, ``q`` is the mean of the frames ``i - M .. i + M``
    present in ``c`` (added in that order, absent frames as 0.0), then ``t =
    pncc_suppress(c[i], q)`` in float64, returned in ``x``'s type (float32 stays float32).
    ``state`` is updated in place.
    """
    x, hist, out_start, n_out, M = check_block(x, hist, out_start, n_out, M)
    cat = np.concatenate([hist, x.astype(np.float64)], axis=-2)
    check_power(cat, "PNCC short-time power")
    q = medium_time_power(cat, out_start, n_out, M)
    t = pncc_suppress(cat[..., out_start:out_start + n_out, :], q, state, lambda_a, lambda_b,
                      c, lambda_t, mu_t, temporal_masking, n_smooth)
    return t.astype(x.dtype, copy=False)


def mean_power_norm(t, state, lambda_mu=0.999, k=1.0):
    """``U = k T / mu`` with mu the running / exponential mean band power (eqs. 14-15).

    See ``fg_mean_power_norm_f64`` in featgraph.h.  ``state`` ``(..., 2)`` is
    updated in place.  Returns ``u`` float64 ``(..., frames, bands)``.
    """
    t = np.asarray(t, dtype=np.float64)
    check_unit(lambda_mu, "lambda_mu")
    if not (np.isfinite(k) and k > 0):
        raise ValueError(f"k must be finite and > 0, got {k}")
    check_power(t, "PNCC power")
    u = np.empty_like(t)
    mu, count = state[..., 0], state[..., 1]
    for m in range(t.shape[-2]):
        row = t[..., m, :]
        s = np.zeros(row.shape[:-1])
        for j in range(row.shape[-1]):             # sequential sum, as in C
            s += row[..., j]
        s = s / row.shape[-1]
        lam = np.minimum(count / (count + 1.0), lambda_mu)
        mu[...] = lam * mu + (1.0 - lam) * s
        count += 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            u[..., m, :] = np.where(mu[..., None] > 0.0, k * row / mu[..., None], 0.0)
    return u

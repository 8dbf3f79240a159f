"""Bridge to the PNCC kernels of ``pncc.c`` (numpy definitions in reference_pncc.py).

Functions take frame-major arrays ``(..., frames, bands)`` and a float64 state
array owned by the caller (made by :func:`reference_pncc.suppress_state` /
:func:`reference_pncc.norm_state`), which is updated in place, so that a
stream processed chunk by chunk gives the same numbers as one call.  They
compute in float64; :func:`pncc_suppression` and :func:`mean_power_norm` read
float32 in place and return float32 for it (the float64 results rounded), the
others return float64.  The backend follows :data:`featgraph.native.BACKEND`.
"""
from __future__ import annotations

import math

import numpy as np

from . import BACKEND, _raise_for_status, reference_pncc
from .reference_pncc import check_block, check_power, check_unit, norm_state, suppress_state

__all__ = ["pncc_suppress", "pncc_suppression", "mean_power_norm", "suppress_state",
           "norm_state"]


def _batched(x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"PNCC kernels need (..., frames, bands), got shape {x.shape}")
    return x


def _check_state(state, lead_shape, width):
    if not (isinstance(state, np.ndarray) and state.dtype == np.float64
            and state.flags.c_contiguous and state.flags.writeable
            and state.shape == tuple(lead_shape) + (width,)):
        raise ValueError(f"PNCC state must be a writable C-contiguous float64 array of shape "
                         f"{tuple(lead_shape) + (width,)}")


def pncc_suppress(p, q, state, lambda_a=0.999, lambda_b=0.5, c=2.0, lambda_t=0.85, mu_t=0.2,
                  temporal_masking=True, n_smooth=4):
    """``T = P * S~`` (Kim and Stern 2016, Sec. II-C to II-E), in C.

    Parameters
    ----------
    p, q : np.ndarray [shape=(..., frames, bands)], real, >= 0
        Short-time power of the centre frames and their medium-time power.
    state : np.ndarray [shape=(..., 3 bands + 1)], float64
        Updated in place; start from :func:`suppress_state`.
    lambda_a, lambda_b : float in [0, 1)
        Rise and fall forgetting factors of the asymmetric filters.
    c : float >= 0
        Excitation threshold on ``Q / Q_le``.
    lambda_t, mu_t : float
        Temporal-masking peak decay (in [0, 1)) and floor factor (>= 0).
    temporal_masking : bool
    n_smooth : int >= 0
        Half-width N of the weight smoothing across bands.

    Returns
    -------
    t : np.ndarray [shape=(..., frames, bands)], float64
    """
    p, q = _batched(p), _batched(q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have equal shapes, got {p.shape} and {q.shape}")
    n_frames, n_bands = p.shape[-2:]
    _check_state(state, p.shape[:-2], 3 * n_bands + 1)
    n_smooth = int(n_smooth)
    if n_smooth < 0:
        raise ValueError(f"n_smooth must be >= 0, got {n_smooth}")
    args = (lambda_a, lambda_b, c, lambda_t, mu_t, bool(temporal_masking), n_smooth)
    if BACKEND == "numpy":
        return reference_pncc.pncc_suppress(p, q, state, *args)
    from . import _ffi, _lib, _ptr
    for v, name in ((lambda_a, "lambda_a"), (lambda_b, "lambda_b"), (lambda_t, "lambda_t")):
        check_unit(v, name)
    t = np.empty_like(p)
    work = np.empty(max(n_bands, 1))
    n_batch = p.size // max(1, n_frames * n_bands)
    status = _lib.fg_pncc_suppress_f64(
        _ptr(p), _ptr(q), n_batch, n_frames, n_bands, float(lambda_a), float(lambda_b),
        float(c), float(lambda_t), float(mu_t), int(bool(temporal_masking)), n_smooth,
        _ffi.from_buffer("double[]", state), _ptr(work), _ptr(t))
    if status == _lib.FG_EDOMAIN:
        check_power(p, "PNCC short-time power")
        check_power(q, "PNCC medium-time power")
    _raise_for_status(status, "PNCC power", None, None)
    return t


def pncc_suppression(x, hist, out_start, n_out, state, M=2, lambda_a=0.999, lambda_b=0.5,
                     c=2.0, lambda_t=0.85, mu_t=0.2, temporal_masking=True, n_smooth=4):
    """Medium-time power and :func:`pncc_suppress` of a block in one C pass, no copies.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n_x, bands)], float32 or float64 (others as float64), >= 0
        The new frames, read in place when C-contiguous.
    hist : np.ndarray [shape=(..., n_hist, bands)], float64, >= 0
        Earlier frames kept by the caller; the frames are ``c = hist ++ x``.  No frame
        before ``c`` may exist but at the start of the stream (keep ``2 M`` frames).
    out_start, n_out : int >= 0
        The output frames ``out_start .. out_start + n_out - 1`` of ``c``.
    state : np.ndarray [shape=(..., 3 bands + 1)], float64
        Updated in place; start from :func:`suppress_state`.
    M : int >= 0
        Medium-time half-window: ``q`` averages the frames ``i - M .. i + M`` present.
    lambda_a, lambda_b, c, lambda_t, mu_t, temporal_masking, n_smooth
        As :func:`pncc_suppress`.

    Returns
    -------
    t : np.ndarray [shape=(..., n_out, bands)], ``x``'s type (float32 or float64)
        Equal bit for bit to :func:`reference_pncc.pncc_suppression`.
    """
    x, hist, out_start, n_out, M = check_block(x, hist, out_start, n_out, M)
    n_bands = x.shape[-1]
    _check_state(state, x.shape[:-2], 3 * n_bands + 1)
    n_smooth = int(n_smooth)
    if n_smooth < 0:
        raise ValueError(f"n_smooth must be >= 0, got {n_smooth}")
    args = (M, lambda_a, lambda_b, c, lambda_t, mu_t, bool(temporal_masking), n_smooth)
    if BACKEND == "numpy":
        return reference_pncc.pncc_suppression(x, hist, out_start, n_out, state, *args)
    from . import _ffi, _lib, _ptr
    for v, name in ((lambda_a, "lambda_a"), (lambda_b, "lambda_b"), (lambda_t, "lambda_t")):
        check_unit(v, name)
    x, hist = np.ascontiguousarray(x), np.ascontiguousarray(hist)
    lead = x.shape[:-2]
    n_batch = math.prod(lead)
    t = np.empty(lead + (n_out, n_bands), dtype=x.dtype)
    work = np.empty((n_batch * n_out + 2) * max(n_bands, 1))
    kernel = (_lib.fg_pncc_suppression_f32 if x.dtype == np.float32
              else _lib.fg_pncc_suppression_f64)
    status = kernel(
        _ptr(x), n_batch, x.shape[-2], n_bands, _ptr(hist), hist.shape[-2], out_start, n_out,
        M, float(lambda_a), float(lambda_b), float(c), float(lambda_t), float(mu_t),
        int(bool(temporal_masking)), n_smooth, _ffi.from_buffer("double[]", state),
        _ptr(work), _ptr(t))
    if status == _lib.FG_EDOMAIN:
        check_power(hist, "PNCC short-time power")
        check_power(x, "PNCC short-time power")
    _raise_for_status(status, "PNCC power", None, None)
    return t


def mean_power_norm(t, state, lambda_mu=0.999, k=1.0):
    """``U = k T / mu``, mu the running mean band power (Kim and Stern 2016, eqs. 14-15), in C.

    Parameters
    ----------
    t : np.ndarray [shape=(..., frames, bands)], real, >= 0
        float32 is read in place (``fg_mean_power_norm_f32``).
    state : np.ndarray [shape=(..., 2)], float64
        (mu, frames seen), updated in place; start from :func:`norm_state`.
    lambda_mu : float in [0, 1)
    k : float > 0

    Returns
    -------
    u : np.ndarray [shape=(..., frames, bands)], float32 for float32 ``t`` (the float64
        result rounded), else float64
    """
    single = isinstance(t, np.ndarray) and t.dtype == np.float32 and t.ndim >= 2
    t = np.ascontiguousarray(t) if single else _batched(t)
    n_frames, n_bands = t.shape[-2:]
    _check_state(state, t.shape[:-2], 2)
    if BACKEND == "numpy":
        return reference_pncc.mean_power_norm(t, state, lambda_mu, k).astype(t.dtype,
                                                                              copy=False)
    from . import _ffi, _lib, _ptr
    check_unit(lambda_mu, "lambda_mu")
    if not (np.isfinite(k) and k > 0):
        raise ValueError(f"k must be finite and > 0, got {k}")
    u = np.empty_like(t)
    n_batch = t.size // max(1, n_frames * n_bands)
    kernel = _lib.fg_mean_power_norm_f32 if single else _lib.fg_mean_power_norm_f64
    status = kernel(_ptr(t), n_batch, n_frames, max(n_bands, 1), float(lambda_mu), float(k),
                    _ffi.from_buffer("double[]", state), _ptr(u))
    if status == _lib.FG_EDOMAIN:
        check_power(t, "PNCC power")
    _raise_for_status(status, "PNCC power", None, None)
    return u

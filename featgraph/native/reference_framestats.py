"""numpy definitions of the per-frame statistics kernels (``framestats.c``).

Each function takes frames ``(..., n_bins)`` of float32 or float64 (read in float64) and
returns float64; :mod:`featgraph.native.framestats` validates the arguments and calls the
C kernel, which computes the same values (to rounding: it sums in another order, and MKL's
logarithms are ``fastlog.h``'s, within about an ulp of numpy's).
"""
import numpy as np

CHANGE_MODES = ("abs", "rectify", "mkl")
"""``spectral_change`` modes, in the order of the C kernel's mode numbers (0, 1, 2)."""


def negative_error(what):
    return ValueError(f"{what} is only defined for non-negative spectra (a magnitude or power "
                      "spectrum); got negative values")


def frame_dots(s, w, square=False, nonneg=True, what="frame dots"):
    """``out[..., j] = sum_k w[j, k] g(s[..., k])`` with ``g(s) = s**2`` (``square``) or ``s``,
    float64 ``(..., n_w)``; ValueError for a negative value with ``nonneg``."""
    s = np.asarray(s)
    if nonneg and np.any(s < 0):
        raise negative_error(what)
    v = s.astype(np.float64, copy=False)
    return (v * v if square else v) @ np.asarray(w, dtype=np.float64).T


def spectral_change(a, b, mode, p=2.0, amin=1e-10, what="spectral change"):
    """``sum_k h(a_k, b_k)`` over the last axis of two stacks of frames of one shape: ``abs``
    ``|a - b|**p``, ``rectify`` ``max(0, a - b)**p``, ``mkl`` ``ln(1 + a / max(amin, b))``;
    float64 ``a.shape[:-1]``.  ValueError for negative values."""
    a, b = np.asarray(a), np.asarray(b)
    if np.any(a < 0) or np.any(b < 0):
        raise negative_error(what)
    a, b = a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)
    if mode == "mkl":
        with np.errstate(over="ignore"):                  # a huge ratio is +inf, as in C
            return np.log1p(a / np.maximum(b, amin)).sum(axis=-1)
    d = a - b
    d = np.maximum(d, 0.0) if mode == "rectify" else np.abs(d)
    return (d if p == 1 else d ** p).sum(axis=-1)


def contrast_extremes(s, first, count, q):
    """``(..., n_bands, 2)`` float64: for band ``b``, the values ``s[..., first[b]:first[b] +
    count[b]]``, the mean of their ``q[b]`` largest (``[..., b, 0]``) and of their ``q[b]``
    smallest (``[..., b, 1]``); NaN in a band gives NaN in both."""
    s = np.asarray(s).astype(np.float64, copy=False)
    out = np.empty(s.shape[:-1] + (len(first), 2))
    for b, (lo, n, m) in enumerate(zip(first, count, q)):
        sub = s[..., lo:lo + n]
        if m == 1:
            out[..., b, 0], out[..., b, 1] = sub.max(axis=-1), sub.min(axis=-1)
        else:
            ordered = np.sort(sub, axis=-1)
            out[..., b, 0] = ordered[..., -m:].mean(axis=-1)
            out[..., b, 1] = ordered[..., :m].mean(axis=-1)
        out[np.isnan(sub).any(axis=-1), b, :] = np.nan     # NaN in a band: NaN (sort hides it)
    return out

"""numpy definitions of the discrete wavelet kernels (``wavelets.c``), and the boundary
extensions both backends share.

One analysis step of the DWT (Mallat 2009, 7.3.1, the fast wavelet transform) is a
convolution with the decomposition filters, every second output kept.  With the signal
``x`` (length ``n``) extended by ``left`` and ``right`` boundary samples into ``e =
[left, x, right]`` and filters ``h`` (low-pass) and ``g`` (high-pass) of length ``F``::

    a[k] = sum_{j=0}^{F-1} h[j] e[2k + F - 1 - j],   d[k] = same with g,   k = 0 .. m - 1

The boundary modes are PyWavelets' (``pywt.Modes``; G. R. Lee et al., JOSS 4(36), 1237,
2019, the documented output lengths and extensions): ``m = floor((n + F - 1) / 2)`` with
``F - 2`` samples on the left, or in ``periodization`` mode ``m = ceil(n / 2)``, an odd
signal first lengthened by its last sample, then ``F / 2 - 1`` periodic samples on the left.

The stationary transform (Nason & Silverman 1995; the "algorithme a trous") keeps every
output and dilates the filters instead: level ``j`` (``D = 2^(j-1)``) of a periodic signal
``s`` of length ``n``::

    a[k] = sum_{i=0}^{F-1} h[i] s[(k + D F / 2 - i D) mod n],   d[k] = same with g
"""
from __future__ import annotations

import numpy as np

__all__ = ["MODES", "coeff_len", "dwt_step", "extension", "swt"]

MODES = ("symmetric", "zero", "constant", "periodic", "smooth", "periodization", "reflect",
         "antisymmetric", "antireflect")


def coeff_len(n: int, flen: int, mode: str) -> int:
    """Coefficients per band of one DWT step of ``n`` samples (``pywt.dwt_coeff_len``)."""
    return (n + 1) // 2 if mode == "periodization" else (n + flen - 1) // 2


def _check(x: np.ndarray, flen: int, mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown wavelet extension mode {mode!r}; one of {MODES}")
    if flen < 2:
        raise ValueError(f"the wavelet filters need at least 2 taps; got {flen}")
    if x.shape[-1] < 1:
        raise ValueError("the DWT needs at least one sample")
    if x.shape[-1] < 2 and mode in ("reflect", "antireflect"):
        raise ValueError("Input data length must be greater than 1 for [anti]reflect mode.")


def _antireflect(x: np.ndarray, i: int) -> np.ndarray:
    """Whole-sample antisymmetric extension at index ``i`` (repeated about both ends)."""
    n = x.shape[-1]
    if 0 <= i < n:
        return x[..., i]
    if i < 0:
        return 2 * x[..., 0] - _antireflect(x, -i)
    return 2 * x[..., n - 1] - _antireflect(x, 2 * (n - 1) - i)


def _values(x: np.ndarray, idx: np.ndarray, mode: str) -> np.ndarray:
    """The extended signal at indices ``idx`` (all outside ``0 .. n - 1``), ``(..., len(idx))``."""
    n = x.shape[-1]
    if idx.size == 0:
        return np.empty(x.shape[:-1] + (0,), x.dtype)
    if mode == "zero":
        return np.zeros(x.shape[:-1] + (idx.size,), x.dtype)
    if mode == "constant":
        return x[..., np.where(idx < 0, 0, n - 1)]
    if mode in ("periodic", "periodization"):
        return x[..., idx % n]
    if mode in ("symmetric", "antisymmetric"):        # half-sample (anti)symmetric, period 2n
        p = idx % (2 * n)
        out = x[..., np.where(p < n, p, 2 * n - 1 - p)]
        return out if mode == "symmetric" else np.where(p < n, out, -out)
    if mode == "reflect":                               # whole-sample symmetric, period 2n - 2
        p = idx % (2 * n - 2)
        return x[..., np.where(p < n, p, 2 * n - 2 - p)]
    if mode == "smooth":                                # the first-order (linear) extrapolation
        if n == 1:
            return x[..., np.zeros(idx.size, np.intp)]
        step0, step1 = x[..., :1] - x[..., 1:2], x[..., -1:] - x[..., -2:-1]
        dist = np.where(idx < 0, -idx, idx - (n - 1)).astype(x.dtype)
        return np.where(idx < 0, x[..., :1] + dist * step0, x[..., -1:] + dist * step1)
    return np.stack([_antireflect(x, int(i)) for i in idx], axis=-1)   # antireflect


def extension(x: np.ndarray, flen: int, mode: str) -> tuple[np.ndarray, np.ndarray, int]:
    """``(left, right, m)``: the boundary samples of one DWT step and its output length.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n)], float32 or float64, ``n >= 1`` (``n >= 2`` for
        ``reflect`` and ``antireflect``)
    flen : int >= 2, the filter length ``F``
    mode : one of :data:`MODES`

    Returns
    -------
    left, right : np.ndarray [shape=(..., n_left)], [shape=(..., n_right)], C-contiguous,
        the dtype of ``x``: ``e = [left, x, right]`` holds every sample the step reads.
    m : int, coefficients per band.
    """
    _check(x, flen, mode)
    n = x.shape[-1]
    m = coeff_len(n, flen, mode)
    if mode == "periodization":
        period = x if n % 2 == 0 else np.concatenate([x, x[..., -1:]], axis=-1)
        n_left = flen // 2 - 1
        source, mode_used = period, "periodic"
    else:
        n_left = flen - 2
        source, mode_used = x, mode
    last = 2 * (m - 1) + flen - 1 - n_left              # last signal index read
    left_idx = np.arange(-n_left, 0)
    right_idx = np.arange(n, max(n, last + 1))
    left = _values(source, left_idx, mode_used)
    if mode == "periodization" and n % 2:                # the odd signal's repeated last sample
        right = np.concatenate([x[..., -1:], _values(period, right_idx[1:], "periodic")], -1)
    else:
        right = _values(source, right_idx, mode_used)
    return np.ascontiguousarray(left), np.ascontiguousarray(right), m


def dwt_step(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, mode: str):
    """One DWT analysis step, ``(a, d)`` each ``(..., m)`` (``pywt.dwt(x, w, mode)``).

    ``lo``, ``hi``: the decomposition filters (``pywt.Wavelet(name).dec_lo / dec_hi``) in
    the dtype of ``x``; products summed over ``j = 0 .. F - 1`` in that order, in the dtype
    of ``x`` (the C kernel's order).
    """
    flen = len(lo)
    left, right, m = extension(x, flen, mode)
    e = np.concatenate([left, x, right], axis=-1)
    a = np.zeros(x.shape[:-1] + (m,), x.dtype)
    d = np.zeros_like(a)
    for j in range(flen):
        window = e[..., flen - 1 - j:flen - 1 - j + 2 * m - 1:2]
        a += lo[j] * window
        d += hi[j] * window
    return a, d


def swt(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: int) -> np.ndarray:
    """Stationary wavelet transform ``(..., level + 1, n)``: rows ``a_L, d_L, ..., d_1``
    (``pywt.swt(x, w, level, trim_approx=True)`` for ``n`` a multiple of ``2^level``)."""
    n, flen = x.shape[-1], len(lo)
    out = np.empty(x.shape[:-1] + (level + 1, n), x.dtype)
    s = x
    for j in range(1, level + 1):
        dil = 2 ** (j - 1)
        a = np.zeros(x.shape[:-1] + (n,), x.dtype)
        d = np.zeros_like(a)
        k = np.arange(n)
        for i in range(flen):
            window = s[..., (k + dil * (flen // 2) - i * dil) % n]
            a += lo[i] * window
            d += hi[i] * window
        out[..., level + 1 - j, :] = d
        s = a
    out[..., 0, :] = s
    return out

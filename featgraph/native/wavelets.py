"""Bridge to the discrete wavelet kernels (``wavelets.c``): the DWT to level L, the
stationary transform and the wavelet packet, from the decomposition filters.

Validates every length here, hands C-contiguous float32/float64 buffers to C without
copying, and turns status codes into exceptions.  The boundary samples of each DWT step
(PyWavelets' extension modes) are made here, a few per row
(:func:`featgraph.native.reference_wavelets.extension`); the signal is never copied to be
extended.  With ``FEATGRAPH_NATIVE=0`` (``featgraph.native.BACKEND == "numpy"``) the
definitions in :mod:`featgraph.native.reference_wavelets` run instead.

References: S. Mallat, *A Wavelet Tour of Signal Processing*, 3rd ed., 2009, ch. 7 (the
fast wavelet transform) and 8.1 (wavelet packets); G. Nason and B. Silverman, "The
stationary wavelet transform and some statistical applications", Lecture Notes in
Statistics 103, 1995.
"""
from __future__ import annotations

import numpy as np

from .. import native as _pkg
from . import reference_wavelets as reference

__all__ = ["dwt_max_level", "dwt_step", "swt", "wavedec", "wpt"]

MAX_TAPS = 256          # MAX_TAPS in wavelets.c


def _prepare(x, lo, hi):
    """``x`` as C-contiguous float32/float64 ``(rows, n)`` and the filters in its dtype."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    if x.ndim == 0 or x.shape[-1] < 1:
        raise ValueError("the wavelet transforms need a signal (..., n) of at least one sample")
    x = np.ascontiguousarray(x)
    lo = np.ascontiguousarray(lo, dtype=x.dtype).ravel()
    hi = np.ascontiguousarray(hi, dtype=x.dtype).ravel()
    if lo.size != hi.size or lo.size % 2 or not 2 <= lo.size <= MAX_TAPS:
        raise ValueError(f"the wavelet filters need an even number of taps, 2 .. {MAX_TAPS}, "
                         f"the same for both; got {lo.size} and {hi.size}")
    return x, lo, hi


def dwt_max_level(n: int, flen: int) -> int:
    """Deepest level whose coefficients are not all boundary-affected
    (``pywt.dwt_max_level``): ``floor(log2(n / (F - 1)))``, 0 when ``n < F - 1``."""
    if flen <= 1 or n < flen - 1:
        return 0
    return (n // (flen - 1)).bit_length() - 1


def _step_into(x2, lo, hi, mode, a2, d2):
    """One DWT step of the rows of ``x2 (rows, n)`` into ``a2``, ``d2 (rows, m)``: views
    with unit sample stride (rows may be strided), the dtype of ``x2``."""
    left, right, m = reference.extension(x2, lo.size, mode)
    rows, n = x2.shape
    if a2.shape != (rows, m) or d2.shape != (rows, m) or (rows > 1
                                                          and a2.strides != d2.strides):
        raise ValueError(f"dwt step: outputs {a2.shape} / {d2.shape} for ({rows}, {m})")
    if _pkg.BACKEND == "numpy":
        a2[...], d2[...] = reference.dwt_step(x2, lo, hi, mode)
        return
    item = x2.itemsize
    x_stride, out_stride = x2.strides[0] // item, a2.strides[0] // item
    ok = (rows == 0 or (x2.strides[1] == item and a2.strides[1] == item
                        and x2.strides[0] % item == 0 and a2.strides[0] % item == 0
                        and (rows == 1 or (x_stride >= n and out_stride >= m))))
    if not ok or 2 * (m - 1) + lo.size > left.shape[1] + n + right.shape[1]:
        raise ValueError("dwt step: rows need unit sample strides and the extension "
                         "must cover every sample read")
    if rows == 0 or m == 0:
        return
    ffi = _pkg._ffi
    kernel = _pkg._lib.fg_dwt_step_f32 if x2.dtype == np.float32 else _pkg._lib.fg_dwt_step_f64
    ctype = _pkg._C_TYPES[x2.dtype] + "[]"
    status = kernel(ffi.from_buffer(ctype, _span(x2)), rows, n, max(x_stride, n),
                    _pkg._ptr(left), left.shape[1], _pkg._ptr(right), right.shape[1],
                    _pkg._ptr(lo), _pkg._ptr(hi), lo.size, m,
                    ffi.from_buffer(ctype, _span(a2), require_writable=True),
                    ffi.from_buffer(ctype, _span(d2), require_writable=True),
                    max(out_stride, m))
    _pkg._raise_for_status(status, "wavelet step", None, None)


def _span(rows):
    """The memory of a ``(rows, n)`` view with unit sample stride, as a 1-D view."""
    if rows.shape[0] == 1:
        return rows[0]
    length = (rows.shape[0] - 1) * (rows.strides[0] // rows.itemsize) + rows.shape[1]
    return np.lib.stride_tricks.as_strided(rows, (length,), (rows.itemsize,))


def dwt_step(x, lo, hi, mode="symmetric"):
    """One DWT analysis step ``(a, d)``, each ``(..., m)`` (``pywt.dwt(x, w, mode)``).

    ``a[k] = sum_j lo[j] e[2k + F - 1 - j]`` over the extended signal ``e`` (see
    :mod:`featgraph.native.reference_wavelets`); ``m = floor((n + F - 1) / 2)``, or
    ``ceil(n / 2)`` in ``periodization`` mode.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n)], real (float32 stays float32), ``n >= 1``
    lo, hi : np.ndarray [shape=(F,)], the decomposition filters, ``F`` even, ``2 <= F <= 256``
    mode : one of ``reference_wavelets.MODES``

    Examples
    --------
    Haar filters (PyWavelets' ``haar``): ``a[k] = (x[2k] + x[2k+1]) / sqrt(2)``,
    ``d[k] = (x[2k] - x[2k+1]) / sqrt(2)``:

    >>> import numpy as np
    >>> from featgraph.native.wavelets import dwt_step
    >>> s = np.sqrt(0.5)
    >>> a, d = dwt_step(np.array([1.0, 3.0, 5.0, 7.0]), [s, s], [-s, s], "periodization")
    >>> np.round(a * s, 12).tolist(), np.round(d * s, 12).tolist()
    ([2.0, 6.0], [-1.0, -1.0])
    """
    x, lo, hi = _prepare(x, lo, hi)
    lead, n = x.shape[:-1], x.shape[-1]
    x2 = x.reshape(-1, n)
    m = reference.coeff_len(n, lo.size, mode)
    a = np.empty((x2.shape[0], m), x.dtype)
    d = np.empty_like(a)
    _step_into(x2, lo, hi, mode, a, d)
    return a.reshape(lead + (m,)), d.reshape(lead + (m,))


def wavedec(x, lo, hi, mode, level):
    """DWT to ``level``: ``[a_L, d_L, ..., d_1]``, each ``(..., n_j)`` (``pywt.wavedec``;
    its length rule per level; its warning for a level above :func:`dwt_max_level` is the
    caller's)."""
    x, lo, hi = _prepare(x, lo, hi)
    lead, n = x.shape[:-1], x.shape[-1]
    if not 1 <= int(level) <= 64:
        raise ValueError(f"wavedec: level must be 1 .. 64; got {level}")
    approx, details = x.reshape(-1, n), []
    lengths = [n]
    for _ in range(int(level)):
        lengths.append(reference.coeff_len(lengths[-1], lo.size, mode))
    # the approximations are temporaries: each level writes its own at the front of one
    # work array, over the previous one it reads (each block of outputs is written after
    # its samples are read, and later blocks read past it), so that a 600 s signal's
    # intermediate levels do not ask for (and fault in) another ~n samples of fresh memory
    # (one row: the kernel gives a and d one row stride; several rows take fresh arrays)
    rows = approx.shape[0]
    work = np.empty((rows, max(lengths[1:])), x.dtype) if rows == 1 else None
    for m in lengths[1:]:
        a = work[:, :m] if rows == 1 else np.empty((rows, m), x.dtype)
        d = np.empty((rows, m), x.dtype)
        _step_into(approx, lo, hi, mode, a, d)
        details.append(d.reshape(lead + (m,)))
        approx = a
    if work is not None and approx.shape[-1] != work.shape[-1]:
        approx = approx.copy()                      # not the whole work array: its own
    return [approx.reshape(lead + approx.shape[-1:])] + details[::-1]


def swt(x, lo, hi, level):
    """Stationary wavelet transform ``(..., level + 1, n)``: rows ``a_L, d_L, ..., d_1``
    (``pywt.swt(x, w, level, trim_approx=True)`` when ``n`` is a multiple of ``2^level``;
    any ``n >= 1`` is transformed, periodically)."""
    x, lo, hi = _prepare(x, lo, hi)
    lead, n = x.shape[:-1], x.shape[-1]
    level = int(level)
    if not 1 <= level <= 48 or n < 1:
        raise ValueError(f"swt: needs 1 <= level <= 48 and n >= 1; got level {level}, n {n}")
    if _pkg.BACKEND == "numpy":
        return reference.swt(x, lo, hi, level)
    x2 = x.reshape(-1, n)
    out = np.empty(lead + (level + 1, n), x.dtype)
    work = np.empty(n if level > 1 else 1, x.dtype)
    if x2.shape[0]:
        kernel = _pkg._lib.fg_swt_f32 if x.dtype == np.float32 else _pkg._lib.fg_swt_f64
        status = kernel(_pkg._ptr(x2), x2.shape[0], n, _pkg._ptr(lo), _pkg._ptr(hi), lo.size,
                        level, _pkg._ptr(out.reshape(-1)), _pkg._ptr(work))
        _pkg._raise_for_status(status, "stationary wavelet transform", None, None)
    return out


def wpt(x, lo, hi, mode, level, paths):
    """Wavelet packet level ``(..., 2^L, n_L)``: row ``i`` holds node ``paths[i]``
    (``"a"``/``"d"`` strings of length ``level``, each node once), every node the
    :func:`dwt_step` of its parent (``pywt.WaveletPacket``); the last level is written
    straight into its rows."""
    x, lo, hi = _prepare(x, lo, hi)
    lead, n = x.shape[:-1], x.shape[-1]
    level = int(level)
    if not 1 <= level <= 16 or sorted(paths) != sorted(_natural(level)):
        raise ValueError(f"wpt: needs 1 <= level <= 16 and the 2^level node paths; got "
                         f"level {level}, {len(paths)} paths")
    row_of = {p: i for i, p in enumerate(paths)}
    nodes = x.reshape(-1, n)[:, None, :]                    # (channels, nodes, samples)
    for j in range(1, level + 1):
        parents = _natural(j - 1)
        m = reference.coeff_len(nodes.shape[-1], lo.size, mode)
        out = np.empty((nodes.shape[0], 2 ** j, m), x.dtype)
        for i, path in enumerate(parents):
            ra, rd = ((row_of[path + "a"], row_of[path + "d"]) if j == level
                      else (2 * i, 2 * i + 1))
            _step_into(nodes[:, i, :], lo, hi, mode, out[:, ra, :], out[:, rd, :])
        nodes = out
    return nodes.reshape(lead + nodes.shape[1:])


def _natural(level):
    """Node paths of ``level`` in natural (filter bank) order: ``a`` before ``d``."""
    order = [""]
    for _ in range(level):
        order = [p + c for p in order for c in "ad"]
    return order

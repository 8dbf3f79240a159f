"""Bridges to the per-frame statistics kernels (``framestats.c``): weighted sums of each
frame, the change between two frames (flux, SD, SF, MKL) and the spectral contrast's band
extremes.

Validates every argument, hands C-contiguous float32/float64 frames to C without a copy
(other layouts are copied, other real types converted to float64), and turns status codes
into exceptions.  With ``FEATGRAPH_NATIVE=0`` (``featgraph.native.BACKEND == "numpy"``) the
definitions in :mod:`featgraph.native.reference_framestats` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_framestats as reference

__all__ = ["contrast_extremes", "frame_dots", "spectral_change"]


def _frames(s, what, contiguous=True):
    """``s`` as a float32/float64 array with at least one bin (C-contiguous unless not
    ``contiguous``)."""
    s = np.asarray(s)
    if s.dtype not in (np.float32, np.float64):
        s = s.astype(np.float64)
    if s.ndim < 1 or s.shape[-1] == 0:
        raise ValueError(f"{what}: the frames need at least one bin, got shape {s.shape}")
    return np.ascontiguousarray(s) if contiguous else s


def _suffix(s):
    return "f32" if s.dtype == np.float32 else "f64"


def _check(status, what):
    if status == _pkg._lib.FG_EDOMAIN:
        raise reference.negative_error(what)
    _pkg._raise_for_status(status, f"{what} frames", None, None)


def frame_dots(s, w, square=False, nonneg=True, what="frame dots"):
    """Weighted sums of each frame, ``out[..., j] = sum_k w[j, k] g(s[..., k])``.

    Parameters
    ----------
    s : np.ndarray [shape=(..., n_bins)], real (float32 read as is)
    w : np.ndarray [shape=(n_w, n_bins)], finite weights (float64)
    square : bool
        ``g(s) = s**2`` (else ``g(s) = s``).
    nonneg : bool
        Refuse negative values (ValueError naming ``what``).
    what : str
        The op, for error messages.

    Returns
    -------
    np.ndarray [shape=(..., n_w)], float64, summed in double (four partial sums)

    Examples
    --------
    >>> import numpy as np
    >>> frame_dots(np.array([[1.0, 2.0, 3.0]]), np.array([[0.0, 1.0, 2.0]]))
    array([[8.]])
    """
    s = _frames(s, what)
    w = np.ascontiguousarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] == 0 or w.shape[1] != s.shape[-1] or \
            not np.all(np.isfinite(w)):
        raise ValueError(f"{what}: weights must be finite, (n_w >= 1, {s.shape[-1]}), got "
                         f"{w.shape}")
    if _pkg.BACKEND == "numpy":
        return reference.frame_dots(s, w, square, nonneg, what)
    rows = s.reshape(-1, s.shape[-1])
    out = np.empty((rows.shape[0], w.shape[0]))
    if rows.shape[0]:
        kernel = getattr(_pkg._lib, "fg_frame_dots_" + _suffix(s))
        _check(kernel(_pkg._ptr(rows), rows.shape[0], rows.shape[1], rows.shape[1],
                      _pkg._ptr(w), w.shape[0], int(bool(square)), int(bool(nonneg)),
                      _pkg._ptr(out)), what)
    return out.reshape(s.shape[:-1] + (w.shape[0],))


def spectral_change(a, b, mode, p=2.0, amin=1e-10, what="spectral change"):
    """The change from frame ``b`` to frame ``a``, summed over bins, for each pair of rows.

    Parameters
    ----------
    a, b : np.ndarray [shape=(..., n_bins)], one shape and float dtype, non-negative
        ``a`` the later frames, ``b`` the frames they are compared with.
    mode : {"abs", "rectify", "mkl"}
        ``|a - b|**p``, ``max(0, a - b)**p``, or ``ln(1 + a / max(amin, b))``.
    p : float >= 1
    amin : float > 0

    Returns
    -------
    np.ndarray [shape=a.shape[:-1]], float64

    Examples
    --------
    >>> import numpy as np
    >>> spectral_change(np.array([[3.0, 1.0]]), np.array([[1.0, 2.0]]), "rectify")
    array([4.])
    """
    a, b = _frames(a, what, contiguous=False), _frames(b, what, contiguous=False)
    if a.shape != b.shape or a.dtype != b.dtype:
        raise ValueError(f"{what}: the two stacks of frames differ: {a.shape} {a.dtype} and "
                         f"{b.shape} {b.dtype}")
    if mode not in reference.CHANGE_MODES:
        raise ValueError(f"{what}: mode must be one of {reference.CHANGE_MODES}, got {mode!r}")
    p, amin = float(p), float(amin)
    if not (np.isfinite(p) and p >= 1 and np.isfinite(amin) and amin > 0):
        raise ValueError(f"{what}: needs p >= 1 and amin > 0, finite; got p={p}, amin={amin}")
    if _pkg.BACKEND == "numpy":
        return reference.spectral_change(a, b, mode, p, amin, what)
    n = a.shape[-1]
    ra, rb = a.reshape(-1, n), b.reshape(-1, n)
    out = np.empty(ra.shape[0])
    if ra.shape[0]:
        # rows read where they lie (a band of bins of a spectrum, lagged frames: views with
        # a row stride), copied only when they have no uniform row stride
        (sa, stride_a), (sb, stride_b) = _pkg._signal_span(ra), _pkg._signal_span(rb)
        kernel = getattr(_pkg._lib, "fg_spectral_change_" + _suffix(a))
        _check(kernel(_pkg._ptr(sa), _pkg._ptr(sb), ra.shape[0], n, stride_a, stride_b,
                      reference.CHANGE_MODES.index(mode), p, amin, _pkg._ptr(out)), what)
    return out.reshape(a.shape[:-1])


def contrast_extremes(s, first, count, q):
    """The mean of the ``q[b]`` largest and of the ``q[b]`` smallest values of each band.

    Parameters
    ----------
    s : np.ndarray [shape=(..., n_bins)], real (float32 read as is)
    first, count, q : sequences of ints, one per band
        Band ``b`` is ``s[..., first[b]:first[b] + count[b]]``; ``1 <= q[b] <= count[b]``.

    Returns
    -------
    np.ndarray [shape=(..., n_bands, 2)], float64: ``[..., b, 0]`` the peak (mean of the
    largest), ``[..., b, 1]`` the valley (mean of the smallest); NaN in a band gives NaN.

    Examples
    --------
    >>> import numpy as np
    >>> contrast_extremes(np.array([[1.0, 5.0, 2.0, 4.0]]), [0], [4], [2])
    array([[[4.5, 1.5]]])
    """
    s = _frames(s, "spectral contrast")
    first, count, q = (np.ascontiguousarray(v, dtype=np.uintp) for v in (first, count, q))
    n_bins = s.shape[-1]
    if (first.ndim != 1 or first.size == 0 or count.shape != first.shape
            or q.shape != first.shape or np.any(count == 0) or np.any(first > n_bins)
            or np.any(count > n_bins - np.minimum(first, n_bins)) or np.any(q == 0)
            or np.any(q > count)):
        raise ValueError(f"spectral contrast: bands must lie within the {n_bins} bins with "
                         f"1 <= q <= count; got first {first}, count {count}, q {q}")
    if _pkg.BACKEND == "numpy":                          # Python ints: -q of a uintp wraps
        return reference.contrast_extremes(s, first.tolist(), count.tolist(), q.tolist())
    rows = s.reshape(-1, n_bins)
    out = np.empty((rows.shape[0], first.size, 2))
    if rows.shape[0]:
        work = np.empty(max(int(count.max()), 1))
        ffi = _pkg._ffi
        kernel = getattr(_pkg._lib, "fg_spectral_contrast_" + _suffix(s))
        _check(kernel(_pkg._ptr(rows), rows.shape[0], n_bins, n_bins,
                      ffi.from_buffer("size_t[]", first), ffi.from_buffer("size_t[]", count),
                      ffi.from_buffer("size_t[]", q), first.size, _pkg._ptr(work),
                      _pkg._ptr(out)), "spectral contrast")
    return out.reshape(s.shape[:-1] + (first.size, 2))

"""Bridges to the HPSS kernels: the running median (``median.c``), the filter of HPSS, and
the masks applied in one pass (``hpss.c``).

Validates arguments, hands C-contiguous float32/float64 buffers to C without copying,
and turns status codes into exceptions.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) :func:`featgraph.native.reference_mir.running_median`
(scipy's median filter) and :func:`featgraph.native.reference_mir.hpss_masks` run instead.
"""
import math

import numpy as np

from .. import native as _pkg
from . import reference_mir as reference

__all__ = ["hpss_masks", "running_median"]


def running_median(x, size, axis=-1):
    """Median filter of ``size`` values along ``axis`` with mirrored ends (C kernel).

    The value of rank ``size // 2`` of each window ``j - size // 2 .. j + size - 1 -
    size // 2``, ends mirrored as scipy.ndimage's ``'reflect'`` mode; equal to
    ``scipy.ndimage.median_filter`` along one axis (see
    :func:`featgraph.native.reference_mir.running_median`).  O(size) per value, no sort per
    window; the axis may be strided (no transposed copy is made).

    Parameters
    ----------
    x : np.ndarray, real, finite
        float32 stays float32, other real dtypes give float64; a C-contiguous
        float32/float64 array is not copied.
    size : int >= 1
    axis : int

    Returns
    -------
    y : np.ndarray [shape=x.shape], C-contiguous, dtype of ``x``

    Raises
    ------
    ValueError
        For ``size < 1``, a bad axis, or NaN / infinity in ``x``.
    """
    if _pkg.BACKEND == "numpy":
        return reference.running_median(x, size, axis)
    x, size, axis = reference.check_running_median_args(x, size, axis, check_finite=False)
    x = np.ascontiguousarray(x)
    y = np.empty_like(x)
    if x.size == 0:
        return y
    n = x.shape[axis]
    inner = math.prod(x.shape[axis + 1:])
    outer = math.prod(x.shape[:axis])
    kernel = (_pkg._lib.fg_running_median_f32 if x.dtype == np.float32
              else _pkg._lib.fg_running_median_f64)
    if inner == 1:                               # the last axis: one call, a line per row
        status = kernel(_pkg._ptr(x), outer, n, n, 1, size, _pkg._ptr(y))
        _pkg._raise_for_status(status, "running_median input x", None, None)
        return y
    xb, yb = x.reshape(outer, n * inner), y.reshape(outer, n * inner)
    for o in range(outer):                       # lines: the `inner` positions of block o
        status = kernel(_pkg._ptr(xb[o]), inner, n, 1, inner, size, _pkg._ptr(yb[o]))
        _pkg._raise_for_status(status, "running_median input x", None, None)
    return y


def hpss_masks(s, harm, perc, power=2.0, margin_h=1.0, margin_p=1.0, hard=False,
               overwrite=False):
    """HPSS's masks, or the parts they cut from ``s``, in one pass (C kernel).

    See :func:`featgraph.native.reference_mir.hpss_masks` for the definition (librosa's
    soft masks and margins), which the result equals bit for bit.

    Parameters
    ----------
    s : np.ndarray or None, real, the shape of ``harm``
        The spectrogram the masks multiply; None: return the masks.
    harm, perc : np.ndarray, real (float32 stays float32)
        The harmonic and percussive running medians.
    power : float > 0
    margin_h, margin_p : float >= 1
    hard : bool
    overwrite : bool
        Write the results over ``harm`` and ``perc`` (when they are C-contiguous and of
        the result's type) instead of fresh arrays.

    Returns
    -------
    (np.ndarray, np.ndarray), the shape and float type of ``harm``

    Raises
    ------
    ValueError
        For mismatched shapes, a power that is not > 0 or a margin below 1.
    """
    if _pkg.BACKEND == "numpy":
        return reference.hpss_masks(s, harm, perc, power, margin_h, margin_p, hard)
    given = (harm, perc)
    s, harm, perc, power, margin_h, margin_p = reference.check_hpss_masks_args(
        s, harm, perc, power, margin_h, margin_p)
    in_place = overwrite and harm is given[0] and perc is given[1] and \
        harm.flags.writeable and perc.flags.writeable and not np.shares_memory(harm, perc)
    out_h, out_p = (harm, perc) if in_place else (np.empty_like(harm), np.empty_like(perc))
    if harm.size:
        kernel = (_pkg._lib.fg_hpss_masks_f32 if harm.dtype == np.float32
                  else _pkg._lib.fg_hpss_masks_f64)
        status = kernel(_pkg._ffi.NULL if s is None else _pkg._ptr(s), _pkg._ptr(harm),
                        _pkg._ptr(perc), harm.size, power, margin_h, margin_p, int(bool(hard)),
                        _pkg._ptr(out_h), _pkg._ptr(out_p))
        _pkg._raise_for_status(status, "hpss masks", None, None)
    return out_h, out_p

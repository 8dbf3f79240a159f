"""Bridge to the running-median C kernel (``median.c``), the filter of HPSS.

Validates arguments, hands C-contiguous float32/float64 buffers to C without copying,
and turns status codes into exceptions.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) :func:`featgraph.native.reference_mir.running_median`
(scipy's median filter) runs instead.
"""
import math

import numpy as np

from .. import native as _pkg
from . import reference_mir as reference

__all__ = ["running_median"]


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

"""Bridge to the contour kernel (``contour.c``): openSMILE's turning points of a 1-D series.

Validates the arguments, hands a C-contiguous float64 copy-free buffer to C with output
room for every possible point, and turns status codes into exceptions.  With
``FEATGRAPH_NATIVE=0`` (``featgraph.native.BACKEND == "numpy"``)
:func:`featgraph.native.reference_contour.turning_points` runs instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_contour as reference

__all__ = ["turning_points"]


def turning_points(x, th, replace_th):
    """Peaks and valleys of a contour with hysteresis (C kernel).

    Parameters
    ----------
    x : np.ndarray [shape=(n,)], float64 (other real types are converted)
    th : float
        Hysteresis: a turn counts when the contour moves more than ``th`` past the
        pending point (:func:`featgraph.engine.functionals.turning_points`).
    replace_th : float
        The rise a peak after a smaller opposite excursion needs to replace the pending
        peak.

    Returns
    -------
    frames : np.ndarray [shape=(points,)], int64, increasing
    signs : np.ndarray [shape=(points,)], int32, +1 (peak) or -1 (valley), alternating

    Examples
    --------
    >>> f, s = turning_points(np.array([0.0, 1, 0, 3, 0, 2, 0, 0]), 0.3, 0.1)
    >>> f.tolist(), s.tolist()
    ([3, 4, 5], [1, -1, 1])
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"turning_points: expected a 1-D series, got shape {x.shape}")
    th, replace_th = float(th), float(replace_th)
    if _pkg.BACKEND == "numpy":
        return reference.turning_points(x, th, replace_th)
    n = x.size
    frames = np.empty(max(n, 1), np.int64)
    signs = np.empty(max(n, 1), np.int32)
    count = _pkg._ffi.new("size_t *")
    status = _pkg._lib.fg_turning_points_f64(
        _pkg._ptr(x) if n else _pkg._ffi.NULL, n, th, replace_th,
        _pkg._ffi.from_buffer("int64_t[]", frames), _pkg._ffi.from_buffer("int32_t[]", signs),
        count)
    _pkg._raise_for_status(status, "contour", None, None)
    k = int(count[0])
    return frames[:k].copy(), signs[:k].copy()

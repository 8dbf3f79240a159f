"""Bridge to the beat-tracking C kernel (``beat.c``).

Validates arguments and hands float64 buffers to C.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) :func:`featgraph.native.reference_mir.beat_dp`
runs instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_mir as reference

__all__ = ["beat_dp"]


def beat_dp(localscore, frames_per_beat, tightness):
    """Beat tracking's dynamic program over a local score (C kernel).

    See :func:`featgraph.native.reference_mir.beat_dp` for the definition (Ellis 2007,
    librosa.beat.beat_track's candidate range and first-beat threshold).

    Parameters
    ----------
    localscore : np.ndarray [shape=(n,)], finite
    frames_per_beat : float or np.ndarray [shape=(1,) or (n,)], each finite and >= 1
    tightness : float > 0

    Returns
    -------
    backlink : np.ndarray [shape=(n,)], int64 (-1: no predecessor)
    cumscore : np.ndarray [shape=(n,)], float64
    """
    if _pkg.BACKEND == "numpy":
        return reference.beat_dp(localscore, frames_per_beat, tightness)
    localscore, fpb, tightness = reference.check_beat_dp_args(localscore, frames_per_beat,
                                                              tightness)
    n = localscore.size
    backlink = np.empty(n, dtype=np.int64)
    cumscore = np.empty(n, dtype=np.float64)
    if n:
        status = _pkg._lib.fg_beat_dp_f64(
            _pkg._ffi.from_buffer("double[]", localscore), n,
            _pkg._ffi.from_buffer("double[]", fpb), fpb.size, tightness,
            _pkg._ffi.from_buffer("long long[]", backlink), _pkg._ffi.from_buffer(
                "double[]", cumscore))
        _pkg._raise_for_status(status, "beat_dp local score", None, None)
    return backlink, cumscore

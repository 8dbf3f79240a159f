"""Plain-numpy definitions of the MIR kernels: the running median of HPSS (``median.c``),
its masks (``hpss.c``) and beat tracking's dynamic program (``beat.c``).

The C kernels must agree with these (tests/test_native_median.py,
tests/test_native_hpss.py, tests/test_native_beat.py); with ``FEATGRAPH_NATIVE=0`` these run instead.
"""
import operator

import numpy as np

from .reference import _as_float_array, _nonfinite_error, _positive_int


def check_running_median_args(x, size, axis, check_finite=True):
    """Validate :func:`running_median`'s arguments; return ``(x, size, axis)`` normalised
    (the C kernel checks finiteness itself: ``check_finite=False``)."""
    x = _as_float_array(x, "running_median input x")
    size = _positive_int(size, "size")
    if x.ndim == 0:
        raise ValueError("running_median needs at least one dimension")
    axis = operator.index(axis)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} out of range for {x.ndim} dimensions")
    if check_finite and not np.isfinite(x).all():
        raise _nonfinite_error("running_median input x")
    return x, size, axis % x.ndim


def running_median(x, size, axis=-1):
    """Median filter of ``size`` values along ``axis``, mirrored at the ends (numpy/scipy).

    ``y[..., j, ...]`` is the value of rank ``size // 2`` (the median for odd ``size``,
    the upper median for even) of ``x`` at ``j - size // 2 .. j + size - 1 - size // 2``
    along ``axis``, where positions beyond the ends mirror the data as scipy.ndimage's
    ``'reflect'`` mode (``d c b a | a b c d | d c b a``): this is
    ``scipy.ndimage.median_filter(x, size)`` along one axis, the filter of
    librosa.decompose.hpss (Fitzgerald 2010).

    Parameters
    ----------
    x : np.ndarray, real, finite (float32 stays float32)
    size : int >= 1
    axis : int

    Returns
    -------
    y : np.ndarray [shape=x.shape], dtype of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native import reference_mir as reference
    >>> reference.running_median(np.array([1.0, 9.0, 2.0, 8.0, 3.0]), 3).tolist()
    [1.0, 2.0, 8.0, 3.0, 3.0]
    """
    x, size, axis = check_running_median_args(x, size, axis)
    if x.size == 0:
        return x.copy()
    lo = size // 2
    pad = [(0, 0)] * x.ndim
    pad[axis] = (lo, size - 1 - lo)
    # numpy's 'symmetric' is scipy's 'reflect' (repeated for windows longer than the
    # data, where scipy 1.17's median_filter itself reads uninitialised memory)
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, pad, mode="symmetric"),
                                                       size, axis=axis)
    return np.partition(windows, lo, axis=-1)[..., lo].astype(x.dtype, copy=False)


def check_hpss_masks_args(s, harm, perc, power, margin_h, margin_p):
    """Validate :func:`hpss_masks`' arguments; return ``(s, harm, perc, power, margin_h,
    margin_p)`` with the arrays C-contiguous, of one float type and one shape."""
    harm = _as_float_array(harm, "hpss harmonic median")
    perc = np.ascontiguousarray(perc, dtype=harm.dtype)
    if perc.shape != harm.shape:
        raise ValueError(f"hpss masks: harmonic {harm.shape} and percussive {perc.shape} "
                         "medians differ in shape")
    if s is not None:
        s = np.ascontiguousarray(s, dtype=harm.dtype)
        if s.shape != harm.shape:
            raise ValueError(f"hpss masks: spectrogram {s.shape} and medians {harm.shape} "
                             "differ in shape")
    power, margin_h, margin_p = float(power), float(margin_h), float(margin_p)
    if not (np.isfinite(power) and power > 0):
        raise ValueError(f"hpss masks: power must be finite and > 0, got {power}")
    for name, margin in (("margin_h", margin_h), ("margin_p", margin_p)):
        if not (np.isfinite(margin) and margin >= 1):
            raise ValueError(f"hpss masks: {name} must be finite and >= 1, got {margin}")
    return s, harm, perc, power, margin_h, margin_p


def softmask(x, ref, power, split_zeros):
    """``x^p / (x^p + ref^p)`` computed as librosa's ``softmask`` (both scaled by
    ``max(x, ref)`` first; where that is below float tiny: 1/2 if ``split_zeros`` else 0).
    A fresh array of ``x``'s type; ``x`` and ``ref`` are not modified."""
    z = np.maximum(x, ref)
    tiny = np.finfo(z.dtype).tiny
    bad = z < tiny
    z[bad] = 1
    m = x / z
    r = np.divide(ref, z, out=z)
    if power == 2.0:
        m *= m
        r *= r
    elif power != 1.0:
        m **= power
        r **= power
    r += m
    r[bad] = 1
    m /= r
    m[bad] = 0.5 if split_zeros else 0.0
    return m


def hpss_masks(s, harm, perc, power=2.0, margin_h=1.0, margin_p=1.0, hard=False):
    """The masks of median-filtering HPSS, or the parts they cut from ``s`` (numpy).

    Soft: ``M_h = softmask(H, margin_h P)`` and ``M_p = softmask(P, margin_p H)``
    (:func:`softmask`, 1/2 where both are below float tiny when both margins are 1, else
    0); ``hard``: ``M_h = H > margin_h P`` and ``M_p = P > margin_p H``.  Returns
    ``(M_h s, M_p s)``, or ``(M_h, M_p)`` when ``s`` is None.  This is the mask
    arithmetic of ``librosa.decompose.hpss`` (Fitzgerald 2010; margins: Driedger et al.
    2014).

    Parameters
    ----------
    s : np.ndarray or None, real, the shape of ``harm``
    harm, perc : np.ndarray, real (float32 stays float32), the running medians
    power : float > 0
    margin_h, margin_p : float >= 1
    hard : bool

    Returns
    -------
    (np.ndarray, np.ndarray), the shape and float type of ``harm``

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native import reference_mir as reference
    >>> h, p = reference.hpss_masks(None, np.array([3.0, 0.0]), np.array([1.0, 0.0]))
    >>> np.round(h, 12).tolist(), np.round(p, 12).tolist()
    ([0.9, 0.5], [0.1, 0.5])
    """
    s, harm, perc, power, margin_h, margin_p = check_hpss_masks_args(
        s, harm, perc, power, margin_h, margin_p)
    one = harm.dtype.type
    if hard:
        mask_h = (harm > margin_h * perc).astype(harm.dtype)
        mask_p = (perc > margin_p * harm).astype(harm.dtype)
    else:
        split = margin_h == 1 and margin_p == 1
        mask_h = softmask(harm, perc * one(margin_h) if margin_h != 1 else perc, power, split)
        mask_p = softmask(perc, harm * one(margin_p) if margin_p != 1 else harm, power, split)
    if s is not None:
        mask_h *= s
        mask_p *= s
    return mask_h, mask_p


def check_beat_dp_args(localscore, frames_per_beat, tightness):
    """Validate :func:`beat_dp`'s arguments; return them as float64 arrays and a float."""
    localscore = np.ascontiguousarray(localscore, dtype=np.float64)
    fpb = np.ascontiguousarray(np.atleast_1d(frames_per_beat), dtype=np.float64)
    if localscore.ndim != 1 or fpb.ndim != 1:
        raise ValueError("beat_dp takes a 1-D local score and 1-D periods")
    if fpb.size not in (1, localscore.size):
        raise ValueError(f"beat_dp: {fpb.size} periods for {localscore.size} frames "
                         "(give one, or one per frame)")
    if not np.all(np.isfinite(fpb) & (fpb >= 1)):
        raise ValueError("beat_dp: every period must be finite and >= 1 frame")
    tightness = float(tightness)
    if not (np.isfinite(tightness) and tightness > 0):
        raise ValueError(f"beat_dp: tightness must be finite and > 0, got {tightness}")
    if not np.isfinite(localscore).all():
        raise _nonfinite_error("beat_dp local score")
    return localscore, fpb, tightness


def beat_dp(localscore, frames_per_beat, tightness):
    """Beat tracking's dynamic program (Ellis 2007, as librosa.beat.beat_track).

    For frame ``i`` with period ``P`` (frames per beat; one for all frames or one per
    frame) the candidates are ``loc = i - round(P / 2)`` down to ``i - 2 P`` (>= 0),
    ``score = cumscore[loc] - tightness * (log(i - loc) - log(P))**2``;
    ``cumscore[i] = localscore[i] + max score`` (or ``localscore[i]`` with no
    candidate), ``backlink[i]`` the nearest candidate reaching the max, -1 with none
    and -1 for every frame before the first with ``localscore >= 0.01 max``.
    ``round`` is numpy's (half to even).

    Returns
    -------
    backlink : np.ndarray [shape=(n,)], int64
    cumscore : np.ndarray [shape=(n,)], float64
    """
    localscore, fpb, tightness = check_beat_dp_args(localscore, frames_per_beat, tightness)
    n = localscore.size
    backlink = np.full(n, -1, dtype=np.int64)
    cumscore = localscore.copy()
    if n == 0:
        return backlink, cumscore
    thresh = 0.01 * localscore.max()
    first_beat = True
    for i in range(n):
        period = fpb[0 if fpb.size == 1 else i]
        start, stop = min(i - int(np.round(period / 2)), i - 1), i - int(2 * period)
        best_loc = -1
        if start >= 0:
            locs = np.arange(start, max(stop, 0) - 1, -1)
            scores = cumscore[locs] - tightness * (np.log(i - locs) - np.log(period)) ** 2
            if scores.max() > -np.inf:
                best_loc = int(locs[np.argmax(scores)])
                cumscore[i] = localscore[i] + scores.max()
        if first_beat and localscore[i] < thresh:
            backlink[i] = -1
        else:
            backlink[i] = best_loc
            first_beat = False
    return backlink, cumscore


def check_onset_flux_args(s, lag, start):
    """``(s as float32/float64 C-contiguous (..., n_frames, n_bands), lag, start)``
    validated for :func:`onset_flux`."""
    s = np.asarray(s)
    if s.dtype not in (np.float32, np.float64):
        s = s.astype(np.float64)
    if s.ndim < 2:
        raise ValueError(f"onset flux: s must be (..., n_frames, n_bands), got shape {s.shape}")
    lag, start = int(lag), int(start)
    if lag < 1 or not lag <= start <= s.shape[-2]:
        raise ValueError(f"onset flux: needs 1 <= lag <= start <= n_frames = {s.shape[-2]}, "
                         f"got lag {lag}, start {start}")
    return np.ascontiguousarray(s), lag, start


def onset_flux(s, lag, start):
    """``sum_k max(0, s[..., t, k] - s[..., t - lag, k])`` for ``t = start .. n_frames - 1``:
    float64 ``(..., n_frames - start)`` (``fg_onset_flux`` in ``featgraph.h``; the kernel
    sums in double in another order, so it agrees to rounding)."""
    s, lag, start = check_onset_flux_args(s, lag, start)
    d = s[..., start:, :].astype(np.float64) - s[..., start - lag:s.shape[-2] - lag, :]
    return np.maximum(d, 0.0).sum(axis=-1)


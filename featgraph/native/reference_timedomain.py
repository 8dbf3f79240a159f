"""Plain-numpy definitions of the time-domain kernels (``amdf.c``, ``agc.c``,
``crossings.c``, ``samples.c``, ``periodicity.c``).

The readable specification of what the C kernels compute, with the same
argument checks and the same floating-point operations in the same order
(double-precision accumulation), so that both backends agree to rounding
error.  Used by :mod:`featgraph.native.timedomain` when ``FEATGRAPH_NATIVE=0``
and by the tests.
"""
import numpy as np

from .reference import _FLOATS, _nonfinite_error

__all__ = ["amdf", "agc", "zero_crossings", "samples", "preemphasis", "pick_lag",
           "pick_period"]


def _as_float(x, name):
    arr = np.asarray(x)
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real-valued, got dtype {arr.dtype}")
    dtype = arr.dtype if arr.dtype in _FLOATS else np.dtype(np.float64)
    return np.ascontiguousarray(arr, dtype=dtype)


def check_amdf_args(x, n_lags, first_lag=0):
    """Validate :func:`amdf`'s arguments; return ``(x, n_lags, first_lag)`` (``x`` float32 /
    float64, not copied when it already is: framed views keep their strides)."""
    arr = np.asarray(x)
    if np.iscomplexobj(arr):
        raise TypeError(f"AMDF frames x must be real-valued, got dtype {arr.dtype}")
    x = arr if arr.dtype in _FLOATS else arr.astype(np.float64)
    if x.ndim < 1:
        raise ValueError("AMDF frames x must have at least one dimension, got a scalar")
    n_lags = int(n_lags)
    if not 0 <= n_lags <= x.shape[-1]:
        raise ValueError(f"AMDF n_lags must be between 0 and the frame length "
                         f"{x.shape[-1]} (lag k needs N - k >= 1 pairs), got {n_lags}")
    first_lag = int(first_lag)
    if not 0 <= first_lag <= n_lags:
        raise ValueError(f"AMDF first_lag must be between 0 and n_lags = {n_lags}, got "
                         f"{first_lag}")
    return x, n_lags, first_lag


def amdf(x, n_lags, normalize=False, first_lag=0):
    """Average magnitude difference function of frames along the last axis.

    ``d[..., k] = sum_{n=k}^{N-1} |x[..., n] - x[..., n-k]|`` for
    ``k = 0 .. n_lags - 1`` (Ross et al. 1974; Rabiner and Schafer 2007,
    "Short-time analysis of speech"): the sum over the ``N - k`` pairs, divided by
    ``N - k`` when ``normalize``.

    Parameters
    ----------
    x : np.ndarray [shape=(..., N)], real
        Frames along the leading axes, samples along the last one.
    n_lags : int, ``0 <= n_lags <= N``
    normalize : bool
        Divide lag k's sum by its ``N - k`` pairs (in the output's type).
    first_lag : int, ``0 <= first_lag <= n_lags``
        Return lags ``first_lag .. n_lags - 1`` only.

    Returns
    -------
    d : np.ndarray [shape=(..., n_lags - first_lag)], dtype of ``x`` (float32 or float64)
        Differences and sums in float64 (the exact value to double rounding), rounded
        to the type of ``x``.  The C kernel works in the frames' own type, W lanes at a
        time, so it is within ``(N / W + 4)`` units of that type's rounding of ``d``
        (every term is >= 0: no cancellation).

    Raises
    ------
    ValueError
        For ``n_lags`` out of range or NaN / infinity in ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native.reference_timedomain import amdf
    >>> amdf(np.array([1.0, -1.0, 1.0, -1.0]), 3).tolist()
    [0.0, 6.0, 0.0]
    """
    x, n_lags, first_lag = check_amdf_args(x, n_lags, first_lag)
    x64 = x.astype(np.float64)
    if not np.isfinite(x64).all():
        raise _nonfinite_error("AMDF frames x")
    n = x.shape[-1]
    d = np.zeros(x.shape[:-1] + (n_lags - first_lag,))
    for k in range(first_lag, n_lags):
        d[..., k - first_lag] = np.abs(x64[..., k:] - x64[..., : n - k]).sum(axis=-1)
    d = d.astype(x.dtype, copy=False)
    if normalize:
        d /= (n - np.arange(first_lag, n_lags)).astype(d.dtype)
    return d


def check_agc_args(x, alpha, floor, energy, prev):
    """Validate :func:`agc`'s arguments; return ``(x, alpha, floor, energy, prev)``."""
    x = _as_float(x, "AGC signal x")
    if x.ndim < 1:
        raise ValueError("AGC signal x must have at least one dimension, got a scalar")
    alpha, floor = float(alpha), float(floor)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"AGC alpha must lie in (0, 1), got {alpha}")
    if not (np.isfinite(floor) and floor > 0.0):
        raise ValueError(f"AGC floor must be finite and > 0, got {floor}")
    lead = x.shape[:-1]
    energy = np.array(np.broadcast_to(energy, lead), dtype=np.float64, order="C")
    prev = np.array(np.broadcast_to(prev, lead), dtype=np.float64, order="C")
    if not (np.isfinite(energy).all() and np.isfinite(prev).all() and (energy >= 0).all()):
        raise ValueError("AGC state must be finite with energy >= 0")
    return x, alpha, floor, energy, prev


def agc(x, alpha, floor, energy=0.0, prev=0.0):
    """Automatic gain control: ``y(n) = x(n) / sqrt(max(E(n), floor))``.

    ``E(n) = (1 - alpha) x(n-1)**2 + alpha E(n-1)`` (Rabiner and Schafer,
    *Introduction to Digital Speech Processing*, 2007: an exponentially
    weighted short-time energy, as in adaptive quantisation).  Rows along the leading axes are independent.

    Parameters
    ----------
    x : np.ndarray [shape=(..., samples)], real
    alpha : float in (0, 1)
        Forgetting factor; the energy's time constant is ``1 / (1 - alpha)`` samples.
    floor : float > 0
        Smallest energy divided by (squared signal units), so silence stays finite.
    energy, prev : float or np.ndarray [shape=(...)]
        State before the block: ``E(-1)`` and ``x(-1)``.

    Returns
    -------
    y : np.ndarray [shape=(..., samples)], dtype of ``x``
    energy, prev : np.ndarray [shape=(...)], float64
        State after the block (pass to the next block).

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native.reference_timedomain import agc
    >>> y, e, p = agc(np.array([2.0, 2.0]), 0.5, 1e-12, energy=4.0, prev=2.0)
    >>> y.tolist(), float(e), float(p)
    ([1.0, 1.0], 4.0, 2.0)
    """
    x, alpha, floor, energy, prev = check_agc_args(x, alpha, floor, energy, prev)
    x64 = x.astype(np.float64)
    if not np.isfinite(x64).all():
        raise _nonfinite_error("AGC signal x")
    y = np.empty(x.shape)
    e, xp = energy, prev
    for n in range(x.shape[-1]):
        xn = x64[..., n]
        e = (1.0 - alpha) * (xp * xp) + alpha * e
        y[..., n] = xn / np.sqrt(np.where(e > floor, e, floor))
        xp = xn
    return y.astype(x.dtype, copy=False), np.asarray(e, dtype=np.float64), \
        np.asarray(xp, dtype=np.float64)


def check_crossings_args(frames, threshold):
    """Validate :func:`zero_crossings`' arguments; return ``(frames as float32/float64,
    threshold as float)`` (frames not copied when already float)."""
    f = np.asarray(frames)
    if f.dtype not in _FLOATS:
        f = f.astype(np.float64)
    if f.ndim < 1 or f.shape[-1] == 0:
        raise ValueError(f"zero crossings: frames need at least one sample, got {f.shape}")
    threshold = float(threshold)
    if not threshold >= 0:
        raise ValueError(f"zero crossings: threshold must be >= 0, got {threshold}")
    return f, threshold


def zero_crossings(frames, threshold=1e-10, lecture=False):
    """Sign changes between neighbouring samples of each frame (last axis), float64 counts.

    ``neg(v)``: librosa's rule, the sign bit of ``v`` after ``|v| <= threshold`` is set to
    +0 (``librosa.feature.zero_crossing_rate``); with ``lecture``, ``v < 0`` (Rabiner and
    Schafer 2007).  ``fg_zero_crossings`` in ``featgraph.h``."""
    f, threshold = check_crossings_args(frames, threshold)
    if lecture:
        neg = f < 0
    else:
        neg = np.signbit(np.where(np.abs(f) <= f.dtype.type(threshold), 0, f))
    return np.count_nonzero(neg[..., 1:] != neg[..., :-1], axis=-1).astype(np.float64)


def all_finite(x):
    """True when ``x`` has no NaN or infinity.  NaN propagates through ``min`` and
    ``max`` and an infinity is the extreme on its side, so finite extremes prove it
    (two vectorised passes, no temporary array).

    >>> all_finite(np.array([1.0, np.inf]))
    False
    """
    x = np.asarray(x)
    if not x.size:
        return True
    return bool(np.isfinite(x.min()) and np.isfinite(x.max()))


def samples(x, dtype, scale=1.0):
    """``x`` cast to ``dtype`` (float32 or float64), times ``scale`` unless it is 1 (the
    product in ``dtype``), as a fresh C-contiguous array; ValueError when ``x`` holds NaN
    or an infinity (the load op's check of every block).

    >>> samples(np.array([0.5, -1.0]), np.float32, 2.0)
    array([ 1., -2.], dtype=float32)
    """
    x = np.asarray(x)
    if x.dtype not in _FLOATS or np.dtype(dtype) not in _FLOATS:
        raise TypeError(f"samples: float32 or float64 in and out, got {x.dtype} -> "
                        f"{np.dtype(dtype)}")
    if not np.isfinite(scale):
        raise ValueError(f"samples: scale must be finite, got {scale}")
    if x.size and not np.isfinite(x).all():
        raise _nonfinite_error("the audio")
    y = np.array(x, dtype=dtype, order="C")
    if scale != 1.0:
        y *= y.dtype.type(scale)
    return y


def preemphasis(x, coef, prev=None):
    """``y[..., n] = x[..., n] - coef * x[..., n - 1]`` along the last axis in the type of
    ``x`` (the product rounded, then the difference), with ``x[..., -1] = prev`` (one value
    per row), or ``y[..., 0] = x[..., 0]`` when ``prev`` is None (a stream's start).

    >>> preemphasis(np.array([1.0, 2.0, 4.0]), 0.5)
    array([1. , 1.5, 3. ])
    """
    x = np.asarray(x)
    if x.dtype not in _FLOATS:
        raise TypeError(f"preemphasis: float32 or float64 samples, got {x.dtype}")
    if not 0.0 <= coef <= 1.0:
        raise ValueError(f"preemphasis: coef must be in [0, 1], got {coef}")
    rows = x.size // x.shape[-1] if x.ndim and x.shape[-1] else 0
    if prev is not None and np.size(prev) != rows:
        raise ValueError(f"preemphasis: prev needs one sample per row ({rows}), got "
                         f"{np.size(prev)}")
    y = np.empty_like(x)
    if x.shape[-1]:
        c = x.dtype.type(coef)
        before = None if prev is None else np.asarray(prev, x.dtype).reshape(x.shape[:-1] + (1,))
        y[..., :1] = x[..., :1] if before is None else x[..., :1] - c * before
        np.subtract(x[..., 1:], c * x[..., :-1], out=y[..., 1:])
    return y


def pick_lag(score, kmin, kmax, tolerance):
    """``(lag, score at lag)`` per row of ``score`` ``(..., lags)``: the shortest lag in
    ``[kmin, kmax]`` that is a local maximum (against its neighbours, also those outside
    the range) scoring within ``tolerance`` of the range's best; the best lag if none is."""
    seg = score[..., kmin:kmax + 1]
    left = score[..., kmin - 1:kmax]
    right = score[..., kmin + 1:kmax + 2]
    if right.shape[-1] < seg.shape[-1]:
        right = np.concatenate([right, np.full(seg.shape[:-1] + (1,), -np.inf)], axis=-1)
    best = seg.max(axis=-1, keepdims=True)
    good = (seg >= left) & (seg >= right) & (seg >= best - tolerance)
    index = np.where(good.any(axis=-1), np.argmax(good, axis=-1), np.argmax(seg, axis=-1))
    return index + kmin, np.take_along_axis(seg, index[..., None], axis=-1)[..., 0]


def check_pick_args(x, kmin, kmax, mode, tolerance):
    """Validate :func:`pick_period`'s arguments; return ``(x, kmin, kmax, tolerance)``."""
    x = _as_float(x, "periodicity lags x")
    if x.ndim < 1:
        raise ValueError("periodicity lags x must have at least one dimension, got a scalar")
    kmin, kmax, tolerance = int(kmin), int(kmax), float(tolerance)
    if not 1 <= kmin <= kmax < x.shape[-1]:
        raise ValueError(f"periodicity: need 1 <= kmin <= kmax < n_lags = {x.shape[-1]}, "
                         f"got kmin = {kmin}, kmax = {kmax}")
    if mode not in ("autocorrelation", "amdf"):
        raise ValueError(f"periodicity: mode must be 'autocorrelation' or 'amdf', got {mode!r}")
    if not tolerance >= 0:
        raise ValueError(f"periodicity: tolerance must be >= 0, got {tolerance}")
    return x, kmin, kmax, tolerance


def pick_period(x, kmin, kmax, mode, tolerance):
    """The period of each row of lags, by the periodicity ops' rule.

    Score over lags ``k``: ``x[k] / x[0]`` (``mode="autocorrelation"``, 0 when
    ``x[0] <= 0``; Rabiner and Schafer 2007, "Short-time analysis of speech") or
    ``1 - x[k] / max_{kmin <= k <= kmax} x[k]`` (``mode="amdf"``, 0 when that maximum
    is <= 0; Ross et al. 1974).  The lag is :func:`pick_lag`'s choice in
    ``[kmin, kmax]``.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n_lags)], real, finite
    kmin, kmax : int, ``1 <= kmin <= kmax < n_lags``
    mode : {"autocorrelation", "amdf"}
    tolerance : float >= 0

    Returns
    -------
    lag, strength : np.ndarray [shape=x.shape[:-1]], float64
        The chosen lag in samples and its score.

    Examples
    --------
    >>> import numpy as np
    >>> pick_period(np.array([4.0, 1.0, 3.0, 1.0, 2.9]), 1, 4, "autocorrelation", 0.05)
    (array(2.), array(0.75))
    """
    x, kmin, kmax, tolerance = check_pick_args(x, kmin, kmax, mode, tolerance)
    r = x.astype(np.float64)
    if not np.isfinite(r[..., [0]]).all() or \
            not np.isfinite(r[..., kmin - 1:kmax + 2]).all():
        raise _nonfinite_error("periodicity lags x")
    ref = r[..., :1] if mode == "autocorrelation" else \
        r[..., kmin:kmax + 1].max(axis=-1, keepdims=True)
    safe = np.where(ref > 0, ref, 1.0)
    score = r / safe if mode == "autocorrelation" else 1.0 - r / safe
    score = np.where(ref > 0, score, 0.0)
    lag, strength = pick_lag(score, kmin, kmax, tolerance)
    return np.asarray(lag, dtype=np.float64), np.asarray(strength, dtype=np.float64)

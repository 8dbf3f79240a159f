"""Bridge to the time-domain C kernels (``amdf.c``, ``agc.c``, ``crossings.c``,
``samples.c``, ``periodicity.c``).

Validates arguments, hands C-contiguous float32/float64 buffers to C without
copying, and turns status codes into exceptions.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) the definitions in
:mod:`featgraph.native.reference_timedomain` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_timedomain as reference

__all__ = ["amdf", "amdf_pass", "agc", "zero_crossings", "samples", "preemphasis", "pick_period"]

_TYPES = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}   # kernel name suffixes


def amdf(x, n_lags, normalize=False, first_lag=0, out=None):
    """Average magnitude difference function of frames (C kernel).

    ``d[..., k] = sum_{n=k}^{N-1} |x[..., n] - x[..., n-k]|``, ``k = 0 .. n_lags-1``,
    divided by ``N - k`` when ``normalize``; see
    :func:`featgraph.native.reference_timedomain.amdf` (to which it is equal within
    ``(N / W + 4)`` units of rounding of ``d``, W = 8 floats or 4 doubles per vector).
    Overlapping frames (a strided view of a signal, as the ``frame`` op makes) are read
    in place.

    Parameters
    ----------
    x : np.ndarray [shape=(..., N)], real (float32 stays float32)
    n_lags : int, ``0 <= n_lags <= N``
    normalize : bool
    first_lag : int, ``0 <= first_lag <= n_lags``
        Return lags ``first_lag .. n_lags - 1`` only.  Lag k's last bits depend on the
        kernel's pass holding it: they equal those of a call from lag 0 when
        ``first_lag`` is a multiple of ``_lib.FG_AMDF_LAGS`` and ``n_lags`` is one too or
        the same.
    out : np.ndarray [shape=(..., n_lags - first_lag)], C-contiguous, dtype of ``x``, optional
        Written in place and returned (C backend; the numpy one returns a new array).

    Returns
    -------
    d : np.ndarray [shape=(..., n_lags - first_lag)]

    Raises
    ------
    ValueError
        For ``n_lags`` out of range or NaN / infinity in ``x``.
    """
    if _pkg.BACKEND == "numpy":
        return reference.amdf(x, n_lags, normalize, first_lag)
    from . import _lib
    x, n_lags, first_lag = reference.check_amdf_args(x, n_lags, first_lag)
    shape, n, count = x.shape, x.shape[-1], n_lags - first_lag
    if x.ndim == 1:
        x = x[None, :]
    lead, n_frames = x.shape[:-2], x.shape[-2]
    if out is None:
        d = np.empty(lead + (n_frames, count), dtype=x.dtype)
    elif out.shape == shape[:-1] + (count,) and out.dtype == x.dtype and \
            out.flags.c_contiguous:
        d = out.reshape(lead + (n_frames, count))
    else:
        raise ValueError(f"amdf: out must be a C-contiguous {x.dtype} array of shape "
                         f"{shape[:-1] + (count,)}, got {out.dtype} {out.shape}")
    if not (n_frames and count):
        return d.reshape(shape[:-1] + (count,))
    kernel = _lib.fg_amdf_f32 if x.dtype == np.float32 else _lib.fg_amdf_f64
    for idx in np.ndindex(*lead):
        span, stride = _pkg._signal_span(x[idx])
        out = d[idx]
        if span.size != (n_frames - 1) * stride + n or out.shape != (n_frames, count):
            raise ValueError("amdf: internal buffer size mismatch")      # never expected
        status = kernel(_pkg._ptr(span), n_frames, n, stride, first_lag, n_lags,
                        int(bool(normalize)), _pkg._ptr(out))
        _pkg._raise_for_status(status, "AMDF frames x", None, None)
    return d.reshape(shape[:-1] + (count,))


def amdf_pass():
    """Lags per pass of the AMDF kernel (``FG_AMDF_LAGS``; 1 with the numpy backend, whose
    lags do not depend on each other): see :func:`amdf`'s ``first_lag``."""
    if _pkg.BACKEND == "numpy":
        return 1
    from . import _lib
    return int(_lib.FG_AMDF_LAGS)


def agc(x, alpha, floor, energy=0.0, prev=0.0):
    """Automatic gain control over samples, state in and out (C kernel).

    ``E(n) = (1 - alpha) x(n-1)**2 + alpha E(n-1)``, ``y(n) = x(n) / sqrt(max(E(n), floor))``;
    see :func:`featgraph.native.reference_timedomain.agc`.

    Returns
    -------
    y : np.ndarray [shape=x.shape], dtype of ``x``
    energy, prev : np.ndarray [shape=x.shape[:-1]], float64
        The state after the last sample, for the next block.
    """
    if _pkg.BACKEND == "numpy":
        return reference.agc(x, alpha, floor, energy, prev)
    x, alpha, floor, energy, prev = reference.check_agc_args(x, alpha, floor, energy, prev)
    lead, n = x.shape[:-1], x.shape[-1]
    n_batch = int(np.prod(lead))
    y = np.empty_like(x)
    if n_batch and n:
        kernel = _pkg._lib.fg_agc_f32 if x.dtype == np.float32 else _pkg._lib.fg_agc_f64
        status = kernel(_pkg._ptr(x.reshape(n_batch, n)), n_batch, n, alpha, floor,
                        _pkg._ptr(energy.reshape(-1)), _pkg._ptr(prev.reshape(-1)),
                        _pkg._ptr(y.reshape(n_batch, n)))
        _pkg._raise_for_status(status, "AGC signal x", None, None)
    return y, energy, prev


def zero_crossings(frames, threshold=1e-10, lecture=False):
    """Sign changes between neighbouring samples of each frame (C kernel), float64 counts.

    See :func:`featgraph.native.reference_timedomain.zero_crossings`.  Overlapping frames
    (a strided view of a signal, as the ``frame`` op makes) are read in place: the kernel
    walks the signal span they cover, with the distance between frames as stride.

    Parameters
    ----------
    frames : np.ndarray [shape=(..., n_frames, N)], real (float32 read as is), N >= 1
    threshold : float >= 0
        librosa: samples with ``|v| <= threshold`` count as +0.
    lecture : bool
        Count ``v < 0`` against ``v >= 0`` instead.

    Returns
    -------
    np.ndarray [shape=(..., n_frames)], float64

    Examples
    --------
    >>> import numpy as np
    >>> zero_crossings(np.array([[1.0, -1.0, 0.0, 2.0, -3.0]]))
    array([3.])
    """
    if _pkg.BACKEND == "numpy":
        return reference.zero_crossings(frames, threshold, lecture)
    f, threshold = reference.check_crossings_args(frames, threshold)
    if f.ndim == 1:
        f = f[None, :]
    lead, n_frames, n = f.shape[:-2], f.shape[-2], f.shape[-1]
    out = np.empty(lead + (n_frames,), dtype=np.float64)
    kernel = _pkg._lib.fg_zero_crossings_f32 if f.dtype == np.float32 else \
        _pkg._lib.fg_zero_crossings_f64
    for idx in np.ndindex(*lead):
        rows = f[idx]
        if not n_frames:
            continue
        span, stride = _pkg._signal_span(rows)
        status = kernel(_pkg._ptr(span), n_frames, n, stride, threshold, int(bool(lecture)),
                        _pkg._ptr(out[idx]))
        _pkg._raise_for_status(status, "zero crossings frames", None, None)
    return out.reshape(np.asarray(frames).shape[:-1])


def samples(x, dtype, scale=1.0):
    """``x`` cast to ``dtype`` and scaled, with its finiteness checked, in one C pass.

    The load op's work on every block: numpy needs a minimum, a maximum and the cast
    (three passes); ``fg_samples_*`` reads each sample once.  Same values as
    :func:`featgraph.native.reference_timedomain.samples` (the cast, then the product in
    ``dtype`` unless ``scale`` is 1).

    Parameters
    ----------
    x : np.ndarray [shape=(...)], float32 or float64
        Samples; a C-contiguous ``x`` is read in place, others are copied first.
    dtype : float32 or float64
        The output type.
    scale : float, finite
        Gain applied after the cast (1: none).

    Returns
    -------
    y : np.ndarray [shape=x.shape], dtype
        A fresh C-contiguous array.

    Raises
    ------
    ValueError
        When ``x`` holds NaN or an infinity (no partial result is returned).

    Examples
    --------
    >>> samples(np.array([0.25, 1.0]), np.float32)
    array([0.25, 1.  ], dtype=float32)
    """
    dtype = np.dtype(dtype)
    x = np.asarray(x)
    if _pkg.BACKEND == "numpy" or x.dtype not in _TYPES or dtype not in _TYPES:
        return reference.samples(x, dtype, scale)
    if not np.isfinite(scale):
        raise ValueError(f"samples: scale must be finite, got {scale}")
    from . import _lib, _ptr
    x = np.ascontiguousarray(x)
    y = np.empty(x.shape, dtype)
    kernel = getattr(_lib, f"fg_samples_{_TYPES[x.dtype]}_{_TYPES[dtype]}")
    status = kernel(_ptr(x), x.size, float(scale), _ptr(y))
    if status == _lib.FG_ENONFINITE:
        raise reference._nonfinite_error("the audio")
    _pkg._raise_for_status(status, "samples", None, None)
    return y


def all_finite(x):
    """True when ``x`` holds no NaN and no infinity: one C pass over its bits.

    For samples passed on unchanged (numpy needs a minimum and a maximum, two passes).

    Parameters
    ----------
    x : np.ndarray [shape=(...)], any dtype
        A C-contiguous float32 or float64 ``x`` is read in place by ``fg_finite_*``;
        other arrays go to :func:`featgraph.native.reference_timedomain.all_finite`.

    Returns
    -------
    bool

    Examples
    --------
    >>> all_finite(np.array([0.5, -1.0])), all_finite(np.array([0.5, np.nan]))
    (True, False)
    """
    x = np.asarray(x)
    if (_pkg.BACKEND == "numpy" or x.dtype not in _TYPES
            or not x.flags.c_contiguous):
        return reference.all_finite(x)
    from . import _lib, _ptr
    status = getattr(_lib, f"fg_finite_{_TYPES[x.dtype]}")(_ptr(x), x.size)
    if status == _lib.FG_ENONFINITE:
        return False
    _pkg._raise_for_status(status, "finite", None, None)
    return True


def preemphasis(x, coef, prev=None, out=None):
    """Pre-emphasis ``y[n] = x[n] - coef x[n - 1]`` of each row, in one C pass.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n)], float32 or float64
        Samples, one row per channel (copied first unless C-contiguous).
    coef : float in [0, 1]
    prev : np.ndarray [shape=(...,) or (..., 1)] or None
        The sample before each row (the last one of the previous block); None: the
        rows start a stream, ``y[0] = x[0]``.
    out : np.ndarray [shape=x.shape], the dtype of ``x``, or None
        Where to write ``y`` (e.g. the tail of a larger buffer): by the kernel when
        C-contiguous and apart from ``x``, else ``y`` is computed and copied in.  None: a
        new array.

    Returns
    -------
    y : np.ndarray [shape=x.shape], the dtype of ``x`` (``out`` when given)
        Equal bit for bit to :func:`featgraph.native.reference_timedomain.preemphasis`
        (the product rounded to the type, then the difference).

    Examples
    --------
    >>> preemphasis(np.array([[1.0, 2.0, 4.0]]), 0.5, prev=np.array([2.0]))
    array([[0. , 1.5, 3. ]])
    """
    x = np.asarray(x)
    coef = float(coef)
    if out is not None:
        if out.shape != x.shape or out.dtype != x.dtype or not out.flags.writeable:
            raise ValueError(f"preemphasis: out must be a writeable {x.dtype} array of shape "
                             f"{x.shape}, got {out.dtype} {out.shape}")
        if (not out.flags.c_contiguous or _pkg.BACKEND == "numpy" or x.dtype not in _TYPES
                or x.ndim == 0 or np.may_share_memory(out, x)):
            out[...] = preemphasis(x, coef, prev)
            return out
    if _pkg.BACKEND == "numpy" or x.dtype not in _TYPES or x.ndim == 0:
        return reference.preemphasis(x, coef, prev)
    if not 0.0 <= coef <= 1.0:
        raise ValueError(f"preemphasis: coef must be in [0, 1], got {coef}")
    from . import _ffi, _lib, _ptr
    x = np.ascontiguousarray(x)
    n = x.shape[-1]
    rows = x.size // n if n else 0
    if prev is not None:
        prev = np.ascontiguousarray(prev, dtype=x.dtype).reshape(-1)
        if prev.size != rows:
            raise ValueError(f"preemphasis: prev needs one sample per row ({rows}), got "
                             f"{prev.size}")
    y = np.empty_like(x) if out is None else out
    kernel = getattr(_lib, f"fg_preemphasis_{_TYPES[x.dtype]}")
    _pkg._raise_for_status(
        kernel(_ptr(x), rows, n, coef, _ffi.NULL if prev is None else _ptr(prev), _ptr(y)),
        "preemphasis", None, None)
    return y



def pick_period(x, kmin, kmax, mode, tolerance):
    """The period of each row of autocorrelation or AMDF lags (C kernel, one pass per row).

    Equal bit for bit to :func:`featgraph.native.reference_timedomain.pick_period` (the
    same double operations); see there.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n_lags)], float32 or float64 (others: float64), finite
    kmin, kmax : int, ``1 <= kmin <= kmax < n_lags``
    mode : {"autocorrelation", "amdf"}
    tolerance : float >= 0

    Returns
    -------
    lag, strength : np.ndarray [shape=x.shape[:-1]], float64

    Examples
    --------
    >>> pick_period(np.array([4.0, 1.0, 3.0, 1.0, 2.9]), 1, 4, "autocorrelation", 0.05)
    (array(2.), array(0.75))
    """
    if _pkg.BACKEND == "numpy":
        return reference.pick_period(x, kmin, kmax, mode, tolerance)
    from . import _lib, _ptr
    x, kmin, kmax, tolerance = reference.check_pick_args(x, kmin, kmax, mode, tolerance)
    lead, n_lags = x.shape[:-1], x.shape[-1]
    rows = x.reshape(-1, n_lags)
    lag = np.empty(lead)
    strength = np.empty(lead)
    if rows.shape[0] != lag.size:
        raise ValueError("pick_period: internal buffer size mismatch")   # never expected
    kernel = getattr(_lib, f"fg_pick_period_{_TYPES[x.dtype]}")
    status = kernel(_ptr(rows), rows.shape[0], n_lags, kmin, kmax,
                    0 if mode == "autocorrelation" else 1, tolerance,
                    _ptr(lag.reshape(-1)), _ptr(strength.reshape(-1)))
    _pkg._raise_for_status(status, "periodicity lags x", None, None)
    return lag, strength

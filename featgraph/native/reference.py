"""Plain-numpy definitions of the native linear-prediction kernels.

These functions are the readable specification of what the C kernels in
``lpc.c`` compute, with the same argument checks, the same error messages and
the same floating-point operations in the same order, so that the two
backends agree to rounding error (about 1e-12 relative in float64; the C
code is compiled without floating-point contraction or reassociation).  The
only loops are over the model order or the cepstral index; frames are
processed together.

They are used by :mod:`featgraph.native` when ``FEATGRAPH_NATIVE=0`` is set
and by the tests.  Prefer ``featgraph.native.levinson`` and
``featgraph.native.lpc_to_cepstrum`` in application code.
"""

import operator

import numpy as np

__all__ = ["levinson", "lpc_to_cepstrum", "one_pole"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# ---------------------------------------------------------------------------
# Argument handling shared with the C bridge (featgraph/native/__init__.py).
# ---------------------------------------------------------------------------

def _as_float_array(x, name):
    """Return ``x`` as a C-contiguous float32/float64 array with ndim >= 1.

    float32 and native float64 arrays that are already C-contiguous are
    returned as they are (no copy); any other real dtype is converted to
    float64.
    """
    arr = np.asarray(x)
    if arr.ndim < 1:
        raise ValueError(f"{name} must have at least one dimension, got a scalar")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real-valued, got dtype {arr.dtype}")
    dtype = arr.dtype if arr.dtype in _FLOATS else np.dtype(np.float64)
    return np.ascontiguousarray(arr, dtype=dtype)


def _positive_int(value, name):
    """Return ``value`` as a Python int >= 1, or raise TypeError/ValueError."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def _check_levinson_args(r, order):
    """Validate ``order`` against the number of lags in ``r``; return order."""
    order = _positive_int(order, "LPC order")
    n_lags = r.shape[-1]
    if n_lags < order + 1:
        raise ValueError(
            f"LPC order {order} needs {order + 1} autocorrelation lags, "
            f"got {n_lags} (a frame of N samples has at most N lags, so the "
            f"order must be smaller than the frame length)"
        )
    return order


def _check_cepstrum_args(a, n_ceps):
    """Validate the coefficient axis of ``a`` and ``n_ceps``; return n_ceps."""
    n_ceps = _positive_int(n_ceps, "n_ceps")
    if a.shape[-1] < 2:
        raise ValueError(
            "LPC coefficients need a[0] and at least one predictor coefficient "
            f"along the last axis (length >= 2), got length {a.shape[-1]}"
        )
    return n_ceps


def _nonfinite_error(name):
    return ValueError(f"{name} contains NaN or infinity")


def _domain_error(a2, lead_shape):
    """ValueError naming the first frame whose gain term a[0] is not > 0."""
    bad = np.flatnonzero(~(a2[:, 0] > 0))
    where = ""
    if bad.size:
        index = np.unravel_index(int(bad[0]), lead_shape) if lead_shape else ()
        where = f" (first at frame index {tuple(int(i) for i in index)})"
    return ValueError(
        "LPC coefficients must have a[0] > 0 in every frame to define the "
        f"all-pole model 1/A(z){where}"
    )


# ---------------------------------------------------------------------------
# Kernels.
# ---------------------------------------------------------------------------

def levinson(r, order):
    """Linear-prediction coefficients from autocorrelations (Levinson-Durbin).

    Solves the autocorrelation normal equations of order ``order`` for the
    predictor polynomial ``A(z) = 1 + a[1] z^-1 + ... + a[order] z^-order``
    (Levinson 1947, Durbin 1960; Makhoul 1975, "Linear prediction: a
    tutorial review", eq. 38).  For i = 1..order::

        k_i = -(r[i] + sum_{j=1}^{i-1} a[j] r[i-j]) / E_{i-1}
        a[j] <- a[j] + k_i a[i-j]   (j < i),   a[i] = k_i
        E_i  = (1 - k_i**2) E_{i-1},           E_0 = r[0]

    If some ``|k_i| < 1`` fails (a singular, perfectly predictable or
    non-positive-definite sequence) the recursion stops there and keeps the
    order ``i-1`` model, leaving the higher coefficients at 0.  Frames with
    ``r[0] <= 0`` (e.g. silence) give ``a = [1, 0, ..., 0]`` and ``E = 0``.

    Parameters
    ----------
    r : np.ndarray [shape=(..., n_lags)], real
        Autocorrelation sequences (lags 0, 1, ...) along the last axis, one
        per frame along the leading axes. Only lags ``0..order`` are read.
    order : int >= 1
        Model order; needs ``n_lags >= order + 1``.

    Returns
    -------
    a : np.ndarray [shape=(..., order + 1)]
        Predictor polynomial coefficients, ``a[..., 0] == 1``.
    err : np.ndarray [shape=(...)]
        Final prediction-error power ``E`` (same units as ``r``, i.e. squared
        signal units).

    float32 input gives float32 output (computed in float64); any other real
    dtype gives float64.

    Raises
    ------
    ValueError
        If ``order`` exceeds ``n_lags - 1`` or the lags read are not finite.

    Examples
    --------
    AR(1) process ``x[t] = 0.9 x[t-1] + e[t]`` with unit innovation
    variance: ``r[k] = 0.9**k / (1 - 0.81)``.

    >>> import numpy as np
    >>> from featgraph.native import reference
    >>> r = 0.9 ** np.arange(3) / (1 - 0.81)
    >>> a, err = reference.levinson(r, 2)
    >>> np.round(a, 12) + 0.0, round(float(err), 12)
    (array([ 1. , -0.9,  0. ]), 1.0)
    """
    r = _as_float_array(r, "autocorrelation r")
    order = _check_levinson_args(r, order)
    out_dtype = r.dtype
    lead_shape = r.shape[:-1]

    lags = r[..., : order + 1].reshape(-1, order + 1).astype(np.float64)
    if not np.isfinite(lags).all():
        raise _nonfinite_error("autocorrelation r")

    n_frames = lags.shape[0]
    a = np.zeros((n_frames, order + 1))
    a[:, 0] = 1.0
    active = lags[:, 0] > 0
    err = np.where(active, lags[:, 0], 0.0)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(1, order + 1):
            acc = lags[:, i].copy()
            for j in range(1, i):
                acc += a[:, j] * lags[:, i - j]
            k = -acc / err
            # A frame stays stopped once |k| < 1 has failed for it.
            active &= np.abs(k) < 1.0
            k = np.where(active, k, 0.0)
            # The right-hand side is evaluated before assignment: old values.
            a[:, 1:i] = a[:, 1:i] + k[:, None] * a[:, i - 1 : 0 : -1]
            a[:, i] = k
            err = err * (1.0 - k * k)

    a = a.reshape(lead_shape + (order + 1,)).astype(out_dtype, copy=False)
    err = err.reshape(lead_shape).astype(out_dtype, copy=False)
    return a, err


def lpc_to_cepstrum(a, n_ceps):
    """Cepstrum of the all-pole model ``1 / A(z)`` from LPC coefficients.

    With ``b = a / a[0]`` (so the model is ``(1/a[0]) / B(z)``), the complex
    cepstrum follows the recursion of the HTK Book (LPC2Cepstrum, also used
    by rastamat's ``lpc2cep``; see Makhoul 1975 for the derivation)::

        c[0] = -log(a[0])
        c[n] = -(b[n] + (1/n) sum_{m=1}^{n-1} (n - m) b[m] c[n-m]),   n >= 1

    where ``b[m] = 0`` for ``m > order``.  For ``a = [1, -alpha]`` this gives
    ``c[n] = alpha**n / n``, the Taylor series of ``-log(1 - alpha z^-1)``.

    Parameters
    ----------
    a : np.ndarray [shape=(..., order + 1)], real
        Predictor polynomials along the last axis (``order >= 1``), one per
        frame along the leading axes; ``a[..., 0] > 0`` (1 for
        :func:`levinson` output, or a gain-normalised value).
    n_ceps : int >= 1
        Number of cepstral coefficients to return, including ``c[0]``; may
        be smaller than, equal to or larger than ``order + 1``.

    Returns
    -------
    c : np.ndarray [shape=(..., n_ceps)]
        Cepstral coefficients (dimensionless; ``c[0]`` is the log gain in
        nepers). float32 input gives float32 output (computed in float64);
        any other real dtype gives float64.

    Raises
    ------
    ValueError
        If the last axis is shorter than 2, ``a`` is not finite, or some
        frame has ``a[0] <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native import reference
    >>> c = reference.lpc_to_cepstrum(np.array([1.0, -0.5]), 4)
    >>> np.allclose(c, [0.0, 0.5, 0.5**2 / 2, 0.5**3 / 3])
    True
    """
    a = _as_float_array(a, "LPC coefficients a")
    n_ceps = _check_cepstrum_args(a, n_ceps)
    out_dtype = a.dtype
    lead_shape = a.shape[:-1]
    order = a.shape[-1] - 1

    coeffs = a.reshape(-1, order + 1).astype(np.float64)
    if not np.isfinite(coeffs).all():
        raise _nonfinite_error("LPC coefficients a")
    if not (coeffs[:, 0] > 0).all():
        raise _domain_error(coeffs, lead_shape)

    n_frames = coeffs.shape[0]
    a0 = coeffs[:, 0]
    b = coeffs / a0[:, None]
    c = np.zeros((n_frames, n_ceps))
    c[:, 0] = -np.log(a0)
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(1, n_ceps):
            s = np.zeros(n_frames)
            for m in range(1, min(n - 1, order) + 1):
                s += ((n - m) * b[:, m]) * c[:, n - m]
            b_n = b[:, n] if n <= order else 0.0
            c[:, n] = -(b_n + s / n)

    return c.reshape(lead_shape + (n_ceps,)).astype(out_dtype, copy=False)


def _check_one_pole_args(u, pole, state=None):
    """Validate the input of :func:`one_pole`; return ``pole`` as a float.

    ``state``, when given, must be a writeable C-contiguous float64 array of
    shape ``u.shape[:-2] + u.shape[-1:]`` holding finite values (it is
    updated in place, so it cannot be converted).
    """
    if u.ndim < 2:
        raise ValueError(f"one_pole needs (..., frames, bands), got shape {u.shape}")
    pole = float(pole)
    if not (np.isfinite(pole) and abs(pole) < 1.0):
        raise ValueError(f"one_pole needs a finite pole with |pole| < 1, got {pole}")
    if state is not None:
        want = u.shape[:-2] + u.shape[-1:]
        if not isinstance(state, np.ndarray) or state.dtype != np.float64:
            kind = state.dtype if isinstance(state, np.ndarray) else type(state).__name__
            raise TypeError(f"one_pole state must be a float64 numpy array, got {kind}")
        if state.shape != want:
            raise ValueError(f"one_pole state must have shape {want} (the input's shape "
                             f"without the frame axis), got {state.shape}")
        if not (state.flags.c_contiguous and state.flags.writeable):
            raise ValueError("one_pole state must be C-contiguous and writeable (it is "
                             "updated in place)")
        if not np.isfinite(state).all():
            raise _nonfinite_error("one_pole state")
    return pole


def one_pole(u, pole, state=None):
    """One-pole recursion along frames: ``y[t] = u[t] + pole * y[t-1]``.

    ``y[-1]`` is ``state`` (zero when ``state`` is None), so
    ``y[0] = u[0] + pole * state``; afterwards ``state`` holds ``y[-1]`` of
    this call, the starting point of the next chunk of the same stream.

    Parameters
    ----------
    u : np.ndarray [shape=(..., frames, bands)], real
        Input, frames on the second-to-last axis.  float32 stays float32
        (computed in float64, rounded on output); other dtypes give float64.
    pole : float, ``|pole| < 1``
    state : np.ndarray [shape=(..., bands)], float64, C-contiguous, or None
        The previous output frame, read and then overwritten with the last
        output frame (left unchanged when there are no frames).  Kept in
        float64 for float32 input too, so chunked and whole-array runs agree
        exactly.

    Returns
    -------
    y : np.ndarray [shape=(..., frames, bands)]

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native.reference import one_pole
    >>> one_pole(np.ones((4, 1)), 0.5)[:, 0].tolist()
    [1.0, 1.5, 1.75, 1.875]
    >>> state = np.zeros(1)
    >>> one_pole(np.ones((2, 1)), 0.5, state)[:, 0].tolist(), state.tolist()
    ([1.0, 1.5], [1.5])
    >>> one_pole(np.ones((2, 1)), 0.5, state)[:, 0].tolist()
    [1.75, 1.875]
    """
    u = _as_float_array(u, "one_pole input u")
    pole = _check_one_pole_args(u, pole, state)
    if not np.isfinite(u).all():
        raise _nonfinite_error("one_pole input u")
    x = u.astype(np.float64, copy=False)
    y = np.empty(u.shape, dtype=np.float64)
    if u.shape[-2]:
        y[..., 0, :] = x[..., 0, :] if state is None else x[..., 0, :] + pole * state
    for t in range(1, u.shape[-2]):
        y[..., t, :] = x[..., t, :] + pole * y[..., t - 1, :]
    if state is not None and u.shape[-2]:
        state[...] = y[..., -1, :]
    return y.astype(u.dtype, copy=False)


def lpc_cepstra(r, order, n_ceps, gain_normalize=False, error_floor=1e-10, lifter=None):
    """Levinson-Durbin, gain normalisation, cepstrum and lifter in one call.

    The definition of the fused kernel ``fg_lpc_cepstra_*`` (lpc_fused.c):
    :func:`levinson`, then ``a / max(err, error_floor)`` when
    ``gain_normalize``, then :func:`lpc_to_cepstrum`, then ``c * lifter``,
    all in float64; float32 input gives float32 output (rounded once).

    Parameters
    ----------
    r : np.ndarray [shape=(..., n_lags)], real, finite
    order : int, 1 <= order < n_lags
    n_ceps : int >= 1
    gain_normalize : bool
    error_floor : float > 0
        Smallest error divided by, so that silent frames stay finite.
    lifter : np.ndarray [shape=(n_ceps,)] or None

    Returns
    -------
    c : np.ndarray [shape=(..., n_ceps)]

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native import reference
    >>> r = 0.9 ** np.arange(3) / (1 - 0.81)        # AR(1), a = [1, -0.9, 0]
    >>> c = reference.lpc_cepstra(r, 2, 3)
    >>> np.allclose(c, [0.0, 0.9, 0.81 / 2])
    True
    """
    r = _as_float_array(r, "autocorrelation r")
    if not (np.isfinite(error_floor) and error_floor > 0):
        raise ValueError(f"error_floor must be finite and > 0, got {error_floor}")
    a, err = levinson(r.astype(np.float64), order)
    if gain_normalize:
        a = a / np.maximum(err, error_floor)[..., None]
    c = lpc_to_cepstrum(a, n_ceps)
    if lifter is not None:
        c = c * np.asarray(lifter, dtype=np.float64)
    return c.astype(r.dtype, copy=False)

"""Native (C) kernels for linear prediction and recursions over time, with a numpy reference backend.

Functions
---------
levinson(r, order) -> (a, err)
    Levinson-Durbin recursion: autocorrelations -> predictor polynomial and
    prediction-error power.
lpc_to_cepstrum(a, n_ceps) -> c
    Cepstrum of the all-pole model 1/A(z) (HTK's LPC2Cepstrum recursion).
one_pole(u, pole, state=None) -> y
    One-pole recursion along frames (RASTA's integrator), with the state
    carried in place between the chunks of a stream.

The first two take arrays of shape ``(..., n)``: frames along the leading axes,
coefficients along the last one.  float32 input stays float32 (the kernels
compute in float64 internally), float64 stays float64, any other real dtype
is converted to float64.  C-contiguous float32/float64 input is handed to C
without a copy.  Shapes, dtypes and sizes are validated here before C is
called; C status codes become exceptions (``ValueError`` for invalid
arguments, NaN/infinity, or values outside the kernel's domain).

Backends
--------
``BACKEND`` is ``"c"`` when the compiled cffi module
``featgraph.native._kernels`` is used and ``"numpy"`` when the plain-numpy
definitions in :mod:`featgraph.native.reference` are used.  The choice is
made once, at import time:

* ``FEATGRAPH_NATIVE=0`` in the environment selects the numpy backend (the
  compiled module is then not imported at all);
* otherwise the compiled module is used when it was built; when it is
  missing (``pip install`` found no C compiler) the numpy backend runs and a
  ``RuntimeWarning`` says so, once, at import.  ``BACKEND_REASON`` tells why
  numpy runs ("" for C); ``featgraph --version`` prints both.  Build the
  kernels with ``pip install -e .`` (or ``pip install .``) from the
  repository root.

The two backends perform the same floating-point operations in the same
order and agree to rounding error.
"""

import math
import os
import warnings

import numpy as np

from . import reference
from .reference import (
    _as_float_array,
    _check_cepstrum_args,
    _check_levinson_args,
    _check_one_pole_args,
    _domain_error,
    _nonfinite_error,
)

__all__ = ["BACKEND", "backend_description", "levinson", "lpc_to_cepstrum", "one_pole"]

if os.environ.get("FEATGRAPH_NATIVE", "").strip() == "0":
    BACKEND, BACKEND_REASON = "numpy", "FEATGRAPH_NATIVE=0"
    _ffi = _lib = None
else:
    try:
        from ._kernels import ffi as _ffi, lib as _lib
    except ImportError as exc:
        BACKEND, BACKEND_REASON = "numpy", "the C kernels were not built"
        _ffi = _lib = None
        warnings.warn(
            f"featgraph.native: the C kernels are not available ({exc}); running their numpy "
            "references instead (slower). Reinstall with a C compiler to build them, or set "
            "FEATGRAPH_NATIVE=0 to choose numpy and silence this.", RuntimeWarning,
            stacklevel=2)
    else:
        BACKEND, BACKEND_REASON = "c", ""


def backend_description():
    """Which kernels run: ``"c"``, or ``"numpy, <why>"`` (shown by ``featgraph --version``)."""
    return BACKEND if not BACKEND_REASON else f"{BACKEND}, {BACKEND_REASON}"


_C_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def _as_frames(arr, n_cols):
    """View a C-contiguous ``(..., n_cols)`` array as ``(n_frames, n_cols)``.

    Reshaping a C-contiguous array never copies (the caller has made ``arr``
    contiguous), so C reads and writes the caller's memory directly.
    """
    return arr.reshape(-1, n_cols)


def _ptr(arr):
    """cffi pointer to the data of a C-contiguous float32/float64 array."""
    return _ffi.from_buffer(_C_TYPES[arr.dtype] + "[]", arr)


def _check_out(out, shape, dtype, what):
    """ValueError unless ``out`` is None or a writeable C-contiguous ``dtype`` array of
    ``shape`` (an output buffer a kernel writes as one block)."""
    if out is not None and (out.shape != shape or out.dtype != dtype
                            or not out.flags.c_contiguous or not out.flags.writeable):
        raise ValueError(f"{what}: out must be a writeable C-contiguous {np.dtype(dtype)} "
                         f"array of shape {shape}, got {out.dtype} {out.shape}")


def _signal_span(rows):
    """``(span, stride)``: a C-contiguous 1-D array whose sample ``t * stride + n`` is
    ``rows[t, n]`` -- the memory a framed view already covers (no copy), or a copy."""
    item = rows.itemsize
    step, inner = rows.strides
    if inner == item and step > 0 and step % item == 0:
        stride = step // item
        length = (rows.shape[0] - 1) * stride + rows.shape[1]
        span = np.lib.stride_tricks.as_strided(rows, (length,), (item,), writeable=False)
        return span, stride
    rows = np.ascontiguousarray(rows)
    return rows.reshape(-1), rows.shape[1]


def _raise_for_status(status, what, frames, lead_shape):
    if status == _lib.FG_OK:
        return
    if status == _lib.FG_ENONFINITE:
        raise _nonfinite_error(what)
    if status == _lib.FG_EDOMAIN:
        raise _domain_error(frames, lead_shape)
    if status == _lib.FG_ENOMEM:
        raise MemoryError(f"featgraph.native: out of memory while processing {what}")
    message = _ffi.string(_lib.fg_strerror(status)).decode("ascii")
    raise ValueError(f"featgraph.native: {message} (status {status}) for {what}")


def levinson(r, order):
    """Linear-prediction coefficients from autocorrelations (Levinson-Durbin).

    Solves the autocorrelation normal equations of order ``order``,
    ``sum_j a[j] r[|i-j|] = 0`` for ``i = 1..order`` with ``a[0] = 1``, for
    the predictor polynomial ``A(z) = 1 + a[1] z^-1 + ... + a[order]
    z^-order`` by the Levinson-Durbin recursion (Levinson 1947, Durbin 1960;
    Makhoul 1975, "Linear prediction: a tutorial review", eq. 38).  The
    recursion stops early, keeping the lower-order model and zeros above
    it, at the first reflection coefficient with ``|k| >= 1`` (singular or
    perfectly predictable frames, e.g. a pure sinusoid at high order), so
    the output is always finite.  Frames with ``r[0] <= 0`` (silence) give
    ``a = [1, 0, ..., 0]`` and ``err = 0``.  See
    :func:`featgraph.native.reference.levinson` for the exact recursion.

    Parameters
    ----------
    r : np.ndarray [shape=(..., n_lags)], real
        Autocorrelation sequences (lags 0, 1, ...) along the last axis, one
        per frame along the leading axes.  Only lags ``0..order`` are read;
        extra lags are allowed.
    order : int >= 1
        Model order; needs ``n_lags >= order + 1``.

    Returns
    -------
    a : np.ndarray [shape=(..., order + 1)]
        Predictor polynomial coefficients, ``a[..., 0] == 1``.
    err : np.ndarray [shape=(...)]
        Final prediction-error power (units of ``r``: squared signal units
        times whatever normalisation the autocorrelation used).

    float32 input gives float32 output; other real dtypes give float64.

    Raises
    ------
    ValueError
        If ``order`` is not >= 1, there are fewer than ``order + 1`` lags,
        or the lags read contain NaN or infinity.

    Examples
    --------
    Second-order model of a frame of noise (16 kHz, 25 ms):

    >>> import numpy as np
    >>> from featgraph.native import levinson
    >>> x = np.random.default_rng(0).standard_normal(400)
    >>> r = np.correlate(x, x, mode="full")[x.size - 1:]   # lags 0..399
    >>> a, err = levinson(r, 2)
    >>> a.shape, err.shape, float(a[0])
    ((3,), (), 1.0)
    >>> bool(0 < err <= r[0])
    True
    """
    r = _as_float_array(r, "autocorrelation r")
    order = _check_levinson_args(r, order)
    if BACKEND == "numpy":
        return reference.levinson(r, order)

    lead_shape = r.shape[:-1]
    n_lags = r.shape[-1]
    frames = _as_frames(r, n_lags)
    n_frames = frames.shape[0]
    a = np.empty((n_frames, order + 1), dtype=r.dtype)
    err = np.empty(n_frames, dtype=r.dtype)
    kernel = _lib.fg_levinson_f32 if r.dtype == np.float32 else _lib.fg_levinson_f64
    status = kernel(_ptr(frames), n_frames, n_lags, order, _ptr(a), _ptr(err))
    _raise_for_status(status, "autocorrelation r", frames, lead_shape)
    return a.reshape(lead_shape + (order + 1,)), err.reshape(lead_shape)


def lpc_to_cepstrum(a, n_ceps):
    """Cepstrum of the all-pole model ``1 / A(z)`` from LPC coefficients.

    Uses the recursion of the HTK Book (LPC2Cepstrum, as in rastamat's
    ``lpc2cep``) on ``b = a / a[0]``::

        c[0] = -log(a[0])
        c[n] = -(b[n] + (1/n) sum_{m=1}^{n-1} (n - m) b[m] c[n-m]),   n >= 1

    with ``b[m] = 0`` for ``m > order``, so ``n_ceps`` may exceed
    ``order + 1``.  See :func:`featgraph.native.reference.lpc_to_cepstrum`.

    Parameters
    ----------
    a : np.ndarray [shape=(..., order + 1)], real
        Predictor polynomials along the last axis (``order >= 1``), one per
        frame along the leading axes, with ``a[..., 0] > 0`` (1 for
        :func:`levinson` output, or a gain-normalised value).
    n_ceps : int >= 1
        Number of cepstral coefficients returned, including ``c[0]``.

    Returns
    -------
    c : np.ndarray [shape=(..., n_ceps)]
        Cepstral coefficients (dimensionless; ``c[0]`` is the log gain of
        the model in nepers).  float32 input gives float32 output; other
        real dtypes give float64.

    Raises
    ------
    ValueError
        If the last axis is shorter than 2, ``n_ceps`` is not >= 1, ``a``
        contains NaN or infinity, or some frame has ``a[0] <= 0`` (the
        message names the first such frame).

    Examples
    --------
    For ``A(z) = 1 - 0.5 z^-1`` the cepstrum is ``c[n] = 0.5**n / n``:

    >>> import numpy as np
    >>> from featgraph.native import lpc_to_cepstrum
    >>> c = lpc_to_cepstrum(np.array([1.0, -0.5]), 4)
    >>> np.allclose(c, [0.0, 0.5, 0.125, 0.5**3 / 3])
    True
    """
    a = _as_float_array(a, "LPC coefficients a")
    n_ceps = _check_cepstrum_args(a, n_ceps)
    if BACKEND == "numpy":
        return reference.lpc_to_cepstrum(a, n_ceps)

    lead_shape = a.shape[:-1]
    order = a.shape[-1] - 1
    frames = _as_frames(a, order + 1)
    n_frames = frames.shape[0]
    c = np.empty((n_frames, n_ceps), dtype=a.dtype)
    kernel = (
        _lib.fg_lpc_to_cepstrum_f32 if a.dtype == np.float32 else _lib.fg_lpc_to_cepstrum_f64
    )
    status = kernel(_ptr(frames), n_frames, order, n_ceps, _ptr(c))
    _raise_for_status(status, "LPC coefficients a", frames, lead_shape)
    return c.reshape(lead_shape + (n_ceps,))


def one_pole(u, pole, state=None):
    """One-pole recursion along frames, ``y[t] = u[t] + pole * y[t-1]`` (C kernel).

    The IIR half of RASTA filtering (Hermansky and Morgan 1994), vectorised
    over bands, with the state carried between the chunks of a stream; see
    :func:`featgraph.native.reference.one_pole` for the definition.

    Parameters
    ----------
    u : np.ndarray [shape=(..., frames, bands)], real
        Frames on the second-to-last axis.  float32 stays float32 (computed
        in float64), other real dtypes give float64; C-contiguous
        float32/float64 input is not copied.
    pole : float, ``|pole| < 1``
    state : np.ndarray [shape=(..., bands)], float64, C-contiguous, optional
        ``y[-1]``, the output frame before ``u[0]``; overwritten in place with
        the last output frame (unchanged for zero frames).  None starts from a
        zero state and keeps nothing.

    Returns
    -------
    y : np.ndarray [shape=(..., frames, bands)]

    Raises
    ------
    ValueError
        For fewer than two dimensions, a pole outside (-1, 1), NaN or
        infinity in ``u`` or ``state``, or a state of the wrong shape or
        layout (``TypeError`` for a state that is not float64).

    Streaming
    ---------
    Calling it on consecutive chunks of frames (any sizes, 0 included) with
    the same ``state`` array gives exactly the frames of one call on the
    whole input with that initial state.

    Examples
    --------
    >>> import numpy as np
    >>> from featgraph.native import one_pole
    >>> one_pole(np.ones((3, 2)), 0.5)[:, 1].tolist()
    [1.0, 1.5, 1.75]
    >>> state = np.zeros(2)
    >>> [one_pole(np.ones((n, 2)), 0.5, state)[:, 1].tolist() for n in (2, 0, 1)]
    [[1.0, 1.5], [], [1.75]]
    """
    u = _as_float_array(u, "one_pole input u")
    pole = _check_one_pole_args(u, pole, state)
    if BACKEND == "numpy":
        return reference.one_pole(u, pole, state)
    y = np.empty_like(u)
    n_frames, n_bands = u.shape[-2:]
    n_batch = math.prod(u.shape[:-2])
    kernel = _lib.fg_one_pole_f32 if u.dtype == np.float32 else _lib.fg_one_pole_f64
    state_ptr = _ffi.NULL if state is None else _ffi.from_buffer("double[]", state)
    status = kernel(_ptr(u), n_batch, n_frames, n_bands, pole, state_ptr, _ptr(y))
    _raise_for_status(status, "one_pole input u", None, None)
    return y

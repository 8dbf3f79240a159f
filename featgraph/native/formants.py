"""Bridge to the polynomial-root C kernel (``formants.c``), used by LPC formant analysis.

Validates arguments, hands a C-contiguous float64 buffer to C and turns status codes into
exceptions.  With ``FEATGRAPH_NATIVE=0`` (``featgraph.native.BACKEND == "numpy"``), or for
degrees above 256, :func:`featgraph.native.reference_formants.poly_roots` runs instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_formants as reference
from . import reference_smile_fft

__all__ = ["poly_roots", "frame_lags", "smile_lpc_f32", "smile_idft_f32", "smile_rdft_f32"]


def poly_roots(c, max_iter=100):
    """Roots of the monic polynomials ``z^p + c[0] z^(p-1) + ... + c[p-1]`` (C kernel).

    The Aberth-Ehrlich iteration (Aberth 1973), all roots of a frame at once, frames one
    after another; see :func:`featgraph.native.reference_formants.poly_roots` for the exact
    start, update and stopping rule.  For the low-order polynomials of LPC analysis (order
    10-20) it is several times faster than the eigenvalues of batched companion matrices
    (``np.roots``) and agrees with them to about 1e-12 for simple roots.

    Parameters
    ----------
    c : np.ndarray [shape=(frames, p)], real, finite
    max_iter : int >= 1
        Iterations at most per frame (a frame stops when every step is below 1e-14 of
        its root).

    Returns
    -------
    roots : np.ndarray [shape=(frames, p)], complex128, unsorted

    Raises
    ------
    ValueError
        For a shape other than ``(frames, p >= 1)``, ``max_iter < 1``, or NaN / infinity.
    """
    c, max_iter = reference.check_poly_roots_args(c, max_iter)
    n, p = c.shape
    if _pkg.BACKEND == "numpy" or p > reference.MAX_DEGREE:
        return reference.poly_roots(c, max_iter)
    out = np.empty((n, p), np.complex128)                # (re, im) pairs, as C writes them
    status = _pkg._lib.fg_poly_roots_f64(_pkg._ptr(c), n, p, max_iter,
                                         _pkg._ptr(out.view(np.float64)))
    _pkg._raise_for_status(status, "polynomial coefficients", None, None)
    return out


def frame_lags(x, n_lags):
    """Autocorrelation lags ``r[:, k] = sum_i x[:, i] x[:, i + k]``, ``k < n_lags`` (C kernel).

    Summed in float64 whatever the input precision (eight partial sums, then the rest: equal
    to :func:`featgraph.native.reference_formants.frame_lags` to rounding).

    Parameters
    ----------
    x : np.ndarray [shape=(frames, n)], float32 or float64 (others are converted), finite
    n_lags : int, 1 <= n_lags <= n

    Returns
    -------
    r : np.ndarray [shape=(frames, n_lags)], float64

    Raises
    ------
    ValueError
        For a shape other than ``(frames, n >= 1)``, ``n_lags`` outside ``[1, n]``, or NaN /
        infinity.
    """
    if _pkg.BACKEND == "numpy":
        return reference.frame_lags(x, n_lags)
    x, n_lags = reference.check_frame_lags_args(x, n_lags, finite=False)
    from . import _ffi, _lib

    n_frames, n = x.shape
    r = np.empty((n_frames, n_lags))
    if x.dtype == np.float32:
        status = _lib.fg_frame_lags_f32(_ffi.from_buffer("float[]", x), n_frames, n, n_lags,
                                        _ffi.from_buffer("double[]", r))
    else:
        status = _lib.fg_frame_lags_f64(_ffi.from_buffer("double[]", x), n_frames, n, n_lags,
                                        _ffi.from_buffer("double[]", r))
    _pkg._raise_for_status(status, "frames", None, None)
    return r


def smile_lpc_f32(x, order):
    """openSMILE 2.6's ``cLpc`` (``method = acf``) in single precision (C kernel).

    Float32 lags summed from the first sample up and a float32 Levinson-Durbin recursion
    with ``k = -(acc * (1 / e))``: the exact arithmetic is that of
    :func:`featgraph.native.reference_formants.smile_lpc_f32` (measured bit-exact against
    openSMILE's ``gemapsv01b_lpc`` level); the kernel gives the same bits.

    Parameters
    ----------
    x : np.ndarray [shape=(frames, n)], rounded to float32, finite
    order : int, 1 <= order <= 256, order < n

    Returns
    -------
    a : np.ndarray [shape=(frames, order + 1)], float32, ``a[:, 0] == 1``; ``[1, 0, ...]``
        for frames with zero energy

    Raises
    ------
    ValueError
        For a shape other than ``(frames, n)``, a bad ``order``, or NaN / infinity.
    """
    x, order = reference.check_smile_lpc_args(x, order)
    if _pkg.BACKEND == "numpy":
        return reference.smile_lpc_f32(x, order)
    from . import _ffi, _lib

    n_frames, n = x.shape
    a = np.empty((n_frames, order + 1), dtype=np.float32)
    status = _lib.fg_smile_lpc_f32(_ffi.from_buffer("float[]", x), n_frames, n, order,
                                   _ffi.from_buffer("float[]", a))
    _pkg._raise_for_status(status, "frames", None, None)
    return a


def smile_idft_f32(re, im, cos_tab, sin_tab, scale):
    """openSMILE 2.6's ``cSpecResample`` synthesis in single precision (C kernel).

    ``y[m] = scale * sum_k (re[k] cos_tab[k, m] + im[k] sin_tab[k, m])`` with one float32
    accumulator per sample, bins ascending, the cosine term then the sine term: the exact
    arithmetic of :func:`featgraph.native.reference_formants.smile_idft_f32`; the kernel
    gives the same bits.

    Parameters
    ----------
    re, im : np.ndarray [shape=(frames, K)], rounded to float32, finite
    cos_tab, sin_tab : np.ndarray [shape=(K, M)], rounded to float32
    scale : float, rounded to float32

    Returns
    -------
    y : np.ndarray [shape=(frames, M)], float32

    Raises
    ------
    ValueError
        For mismatched shapes, or NaN / infinity in ``re`` or ``im``.
    """
    re, im, cos_tab, sin_tab = reference.check_smile_idft_args(re, im, cos_tab, sin_tab)
    if _pkg.BACKEND == "numpy":
        return reference.smile_idft_f32(re, im, cos_tab, sin_tab, scale)
    from . import _ffi, _lib

    n_frames, k_bins = re.shape
    m_out = cos_tab.shape[1]
    y = np.empty((n_frames, m_out), dtype=np.float32)
    status = _lib.fg_smile_idft_f32(
        _ffi.from_buffer("float[]", re), _ffi.from_buffer("float[]", im), n_frames, k_bins,
        _ffi.from_buffer("float[]", cos_tab), _ffi.from_buffer("float[]", sin_tab), m_out,
        float(np.float32(scale)), _ffi.from_buffer("float[]", y))
    _pkg._raise_for_status(status, "spectrum", None, None)
    return y


def smile_rdft_f32(x, n_fft, offset=None, n_out=None, window=None, rows=None):
    """openSMILE 2.6's single-precision real FFT (C kernel, ``smile_fft.c``).

    The frames rounded to float32 (times the float32 ``window``, if given), placed at
    ``offset`` in ``N`` zeros, transformed with every rounding of openSMILE's (the order of
    operations of Ooura's split-radix package in float, measured bit-exact against
    openSMILE's ``gemapsv01b_fftcH25``): see
    :func:`featgraph.native.reference_smile_fft.smile_rdft_f32`, whose bits the kernel
    gives (eight frames per vector, each lane the scalar routine's operations).  Framed
    views of a float64 signal are read in place, and ``rows`` picks frames without a copy.

    Parameters
    ----------
    x : np.ndarray [shape=(frames, n)], float (read as float64, rounded to float32 in C),
        finite as float32 (the frames transformed)
    n_fft : int, 256, 512 or 1024 (``N``)
    offset : int >= 0 with ``offset + n <= N``, or None (centred: ``(N - n) // 2``)
    n_out : int in [1, N], or None (N)
    window : np.ndarray [shape=(n,)] or None, rounded to float32
    rows : np.ndarray [shape=(m,)] of indices into the frames, or None (all of them)

    Returns
    -------
    np.ndarray [shape=(frames or m, n_out)], float32: the first ``n_out`` values of ``[R0,
    R(N/2), R1, I1, R2, I2, ...]``, ``R[k] = sum_j a[j] cos(2 pi j k / N)``, ``I[k] =
    sum_j a[j] sin(2 pi j k / N)`` (``I`` is minus ``numpy.fft.rfft``'s imaginary part)

    Raises
    ------
    ValueError
        For a shape other than ``(frames, n)``, an unsupported ``n_fft``, frames that do
        not fit at ``offset``, a bad ``n_out``, window or ``rows``, or NaN / infinity.
    """
    if _pkg.BACKEND == "numpy":
        return reference_smile_fft.smile_rdft_f32(x, n_fft, offset, n_out, window, rows)
    x, n_fft, offset, n_out, window, rows = reference_smile_fft.check_smile_rdft_args(
        x, n_fft, offset, n_out, window, rows, values=False)   # C checks the values
    from . import _ffi, _lib

    w, c = reference_smile_fft.smile_fft_tables(n_fft)
    n_x, n = x.shape
    n_frames = n_x if rows is None else rows.shape[0]
    out = np.empty((n_frames, n_out), dtype=np.float32)
    if n_frames == 0:
        return out
    span, stride = _pkg._signal_span(x)
    status = _lib.fg_smile_rdft_f32(
        _ffi.from_buffer("double[]", span), n_x, stride, n,
        _ffi.NULL if rows is None else _ffi.from_buffer("int64_t[]", rows), n_frames,
        _ffi.NULL if window is None else _ffi.from_buffer("float[]", window), n_fft, offset,
        _ffi.from_buffer("float[]", w), _ffi.from_buffer("float[]", c), n_out,
        _ffi.from_buffer("float[]", out))
    _pkg._raise_for_status(status, "frames", None, None)
    return out

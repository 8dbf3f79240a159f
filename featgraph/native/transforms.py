"""Bridges to the time-frequency transform kernels: the constant-Q basis product, its
time-domain form and the
spectral peaks of the tuning estimate (``constantq.c``), the reassigned spectrogram
(``reassign.c``).

Validates arguments, hands C-contiguous buffers to C without copying, and turns status
codes into exceptions.  With ``FEATGRAPH_NATIVE=0`` (``featgraph.native.BACKEND ==
"numpy"``) the definitions in :mod:`featgraph.native.reference_transforms` run instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_transforms as reference

__all__ = ["CqBasis", "cq_frames", "reassign", "tuning_peaks"]


class CqBasis:
    """A sparse complex basis ``w (rows, cols)`` with each row's support ``first .. stop - 1``,
    checked once, for many :meth:`product` calls (one per block of frames).

    Parameters
    ----------
    w : np.ndarray [shape=(rows, cols)], complex (kept as complex128)
    first, stop : np.ndarray [shape=(rows,)], integers, ``0 <= first <= stop <= cols``

    Raises
    ------
    ValueError
        For a support outside the columns or mismatched shapes.
    """

    def __init__(self, w, first, stop):
        self.w, self.first, self.stop = reference.check_cq_basis(w, first, stop)
        self._args = None

    def product(self, spec, out, col0=0, out_col0=0):
        """``out[t, out_col0 + r] = sum_{k = first[r]}^{stop[r] - 1} w[r, k] spec[t, col0 +
        k]`` (``fg_cq_product`` in ``featgraph.h``): each row summed over its support only,
        products and sums in the precision of ``spec``; ``out`` is written in place and returned.

        Parameters
        ----------
        spec : np.ndarray [shape=(frames, bins)], complex64 or complex128, C-contiguous
        out : np.ndarray [shape=(frames, columns)], the type of ``spec``, C-contiguous,
            writeable
        col0, out_col0 : int >= 0
            First spectral bin read (``col0 + cols <= bins``) and first column written
            (``out_col0 + rows <= columns``).

        Returns
        -------
        np.ndarray, ``out``

        Raises
        ------
        ValueError
            For mismatched shapes, types or layouts.

        Examples
        --------
        >>> import numpy as np
        >>> out = np.zeros((1, 2), np.complex128)
        >>> CqBasis(np.array([[1, 1j], [0, 2]]), [0, 1], [2, 2]).product(
        ...     np.array([[1, 2j, 3]]), out, col0=1)
        array([[0.+5.j, 6.+0.j]])
        """
        w = self.w
        reference.check_cq_spectra(spec, out, w.shape, col0, out_col0)
        if _pkg.BACKEND == "numpy":
            return reference.cq_product(spec, w, self.first, self.stop, out, col0, out_col0)
        if spec.shape[0] and w.shape[0]:
            lib = _pkg._lib
            if self._args is None:                   # cffi views of the basis, made once
                ffi = _pkg._ffi
                self._args = (_pkg._ptr(self.w.view(np.float64)), w.shape[0], w.shape[1],
                              ffi.from_buffer("size_t[]", self.first),
                              ffi.from_buffer("size_t[]", self.stop))
            real = spec.real.dtype
            kernel = lib.fg_cq_product_f32 if real == np.float32 else lib.fg_cq_product_f64
            status = kernel(_pkg._ptr(spec.view(real)), spec.shape[0], spec.shape[1],
                            int(col0), *self._args, _pkg._ptr(out.view(real)), out.shape[1],
                            int(out_col0))
            _pkg._raise_for_status(status, "cq product", None, None)
        return out


def cq_frames(y, hop, n_fft, n_frames, h, out, out_col0=0, m_out=None):
    """Real frames of a signal times real filters: ``out[t, out_col0 + c] = sum_{j <
    n_fft} y[t hop + j] h[j, c]``, ``c < m_out`` (``fg_cq_frames`` in ``featgraph.h``, with
    fused multiply-adds; :func:`featgraph.native.reference_transforms.cq_frames`, which
    rounds products and sums apart, to within ``2 n_fft eps sum_j |y h|``).  The constant-Q
    basis rows as time-domain filters (real and imaginary parts as columns), applied to
    the rectangular-window frames without an FFT.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float32 or float64, C-contiguous
        Frame ``t`` is ``y[t hop : t hop + n_fft]``; ``(n_frames - 1) hop + n_fft <= n``.
    hop, n_fft, n_frames : int, ``hop >= 1``
    h : np.ndarray [shape=(n_fft, m)], the type of ``y``, C-contiguous, ``m`` a multiple
        of ``reference_transforms.CQ_FRAME_COLS`` (24; pad with zero columns)
    out : np.ndarray [shape=(n_frames, columns)], the type of ``y``, C-contiguous,
        writeable; columns ``out_col0 .. out_col0 + m_out - 1`` are written
    out_col0, m_out : int, ``m_out <= m`` (default ``m``)

    Returns
    -------
    np.ndarray, ``out``

    Raises
    ------
    ValueError
        For mismatched shapes, types or layouts, or frames past the end of ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> h = np.zeros((2, 24)); h[:, 0] = [1, -1]
    >>> cq_frames(np.array([1.0, 3.0, 7.0]), 1, 2, 2, h, np.zeros((2, 1)), 0, 1)
    array([[-2.],
           [-4.]])
    """
    m_out = h.shape[1] if m_out is None else int(m_out)
    hop, n_fft, n_frames, out_col0 = int(hop), int(n_fft), int(n_frames), int(out_col0)
    if _pkg.BACKEND == "numpy":
        return reference.cq_frames(y, hop, n_fft, n_frames, h, out, out_col0, m_out)
    reference.check_cq_frames(y, hop, n_fft, n_frames, h, out, out_col0, m_out)
    lib = _pkg._lib
    kernel = lib.fg_cq_frames_f32 if y.dtype == np.float32 else lib.fg_cq_frames_f64
    status = kernel(_pkg._ptr(y), y.shape[0], hop, n_fft, n_frames, _pkg._ptr(h), h.shape[1],
                    m_out, _pkg._ptr(out), out.shape[1], out_col0)
    _pkg._raise_for_status(status, "cq frames", None, None)
    return out


def tuning_peaks(spec, k0, k1, threshold, bin_hz):
    """Spectral peaks of each frame for the tuning estimate (librosa's ``piptrack``).

    In bins ``k0 .. k1``, the local maxima of ``|spec|`` (above the left neighbour, at
    least the right one) once every magnitude at or below ``threshold`` times the frame's
    maximum is set to 0, refined by parabolic interpolation
    (``fg_cq_tuning_peaks`` in ``featgraph.h``; bit-equal to
    :func:`featgraph.native.reference_transforms.tuning_peaks`).

    Parameters
    ----------
    spec : np.ndarray [shape=(frames, bins)], complex64 or complex128
    k0, k1 : int, ``1 <= k0 <= k1 <= bins - 2``
    threshold : float
        Share of the frame's maximum magnitude at or below which bins are not peaks.
    bin_hz : float
        Hz per bin (``sr / n_fft``).

    Returns
    -------
    freq : np.ndarray [shape=(peaks,)], float64, Hz
    mag : np.ndarray [shape=(peaks,)], the real type of ``spec``
        Frame by frame, bins in increasing order.

    Raises
    ------
    ValueError
        For a non-complex or non-2-d ``spec`` or bins outside ``1 .. bins - 2``.
    """
    if _pkg.BACKEND == "numpy":
        return reference.tuning_peaks(spec, k0, k1, threshold, bin_hz)
    spec, mag = reference.check_tuning_peaks(spec, k0, k1)     # numpy's abs (its hypot)
    lib, ffi = _pkg._lib, _pkg._ffi
    real = spec.real.dtype
    cap = spec.shape[0] * ((int(k1) - int(k0)) // 2 + 1)
    freq, peak = np.empty(cap, np.float64), np.empty(cap, real)
    count = ffi.new("size_t *")
    kernel = lib.fg_cq_tuning_peaks_f32 if real == np.float32 else lib.fg_cq_tuning_peaks_f64
    status = kernel(_pkg._ptr(spec.view(real)), spec.shape[0], spec.shape[1], _pkg._ptr(mag),
                    int(k0), int(k1), float(threshold), float(bin_hz), _pkg._ptr(freq),
                    _pkg._ptr(peak), count)
    _pkg._raise_for_status(status, "tuning peaks", None, None)
    return freq[:count[0]], peak[:count[0]]


def reassign(X, n_fft, coef, sr, hop, t0, ref_power, reassign_freqs=True,
             reassign_times=True, out=None):
    """Reassigned frequencies, times and magnitudes of a cosine-sum window, from two DFTs.

    ``X = (DFT(x), DFT(x t))`` of frames ``t0, t0 + 1, ..`` (``t`` the time from the frame
    centre in samples) and the window ``h[n] = sum_m coef[m] cos(2 pi m n / n_fft)``: the
    spectra with the window ``S_h``, its cyclic gradient ``S_dh`` and the time-weighted
    window ``S_th`` are formed in the frequency domain, then ``freqs = f_k - Im(S_dh
    conj(S_h)) / |S_h|^2 sr / (2 pi)`` clipped to ``[0, sr / 2]``, ``times = t hop / sr +
    Re(S_th conj(S_h)) / |S_h|^2 / sr`` (at least 0), ``mags = |S_h|``; no correction
    where ``|S_h|^2 < max(ref_power, tiny)`` (``fg_reassign`` in ``featgraph.h``; the numpy
    definition is :func:`featgraph.native.reference_transforms.reassign`).

    Parameters
    ----------
    X : np.ndarray [shape=(2, ..., frames, n_fft // 2 + 1)], complex64 or complex128
    n_fft : int >= 2
    coef : sequence of 1 to 3 floats
        Cosine coefficients (periodic Hann: ``(0.5, -0.5)``).
    sr : float > 0, Hz
    hop : float >= 0, samples
    t0 : int, index of the first frame
    ref_power : float >= 0
    reassign_freqs, reassign_times : bool
    out : tuple of 3 np.ndarray [shape=(..., frames, bins)], the real type of ``X``, optional
        Where to write ``freqs``, ``times``, ``mags`` (each ``(frames, bins)`` slab
        C-contiguous, e.g. a slice along frames of a C-contiguous array).

    Returns
    -------
    freqs, times, mags : np.ndarray [shape=(..., frames, bins)], the real type of ``X``
        Hz, seconds, magnitude (``out`` when given).

    Raises
    ------
    ValueError
        For spectra of another shape or type, or a number out of range.
    """
    X, coef = reference.check_reassign(X, n_fft, coef, sr, hop, ref_power)
    real = X.real.dtype
    shape = X.shape[1:]
    out = reference.check_reassign_out(out, shape, real)
    if _pkg.BACKEND == "numpy":
        res = reference.reassign(X, n_fft, coef, sr, hop, t0, ref_power, reassign_freqs,
                                 reassign_times)
        for o, r in zip(out, res):
            o[...] = r
        return out
    frames, bins = shape[-2], shape[-1]
    if frames == 0 or bins == 0:
        return out
    kernel = _pkg._lib.fg_reassign_f32 if real == np.float32 else _pkg._lib.fg_reassign_f64
    for idx in np.ndindex(shape[:-2]):          # each (frames, bins) slab: C-contiguous
        slabs = [o[idx] for o in out]
        status = kernel(_pkg._ptr(X[(0,) + idx].view(real)), _pkg._ptr(X[(1,) + idx].view(real)),
                        frames, bins, int(n_fft), _pkg._ptr(coef), coef.size, float(sr),
                        float(hop), float(t0), float(ref_power), int(bool(reassign_freqs)),
                        int(bool(reassign_times)), *(_pkg._ptr(o) for o in slabs))
        _pkg._raise_for_status(status, "reassign", None, None)
    return out

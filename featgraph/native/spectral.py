"""Bridges to the spectral kernels: the fused spectral moments (``moments.c``), the
one-pass power spectrum (``spectrum.c``) and the band-limited filterbank product
(``filterbank.c``), also straight from a complex spectrum.

Validates arguments, hands the C-contiguous float32/float64 frames to C without
copying, and turns status codes into exceptions.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) the definition in
:mod:`featgraph.native.reference_spectral` runs instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_spectral as reference

__all__ = ["BandedPowerFilterbank", "banded_filterbank", "banded_power_filterbank",
           "magnitude_spectrum", "power_spectrum", "spectral_moments", "spectral_shape"]


def spectral_moments(s, freq):
    """Centroid, spread, skewness, kurtosis, entropy (bits), max and mean of each frame.

    Parameters
    ----------
    s : np.ndarray [shape=(..., n_bins)], real, non-negative (float32 read as is)
    freq : np.ndarray [shape=(n_bins,)], Hz

    Returns
    -------
    out : np.ndarray [shape=(..., 7)], float64, columns as
        :data:`featgraph.native.reference_spectral.COLUMNS`

    Raises
    ------
    ValueError
        For a frequency count other than ``n_bins``, NaN / infinity, negative values.
    """
    if _pkg.BACKEND == "numpy":
        return reference.spectral_moments(s, freq)
    s, freq = reference.check_moments_args(s, freq)
    lead, n = s.shape[:-1], s.shape[-1]
    frames = s.reshape(-1, n)
    out = np.empty((frames.shape[0], 7), dtype=np.float64)
    if frames.shape[0]:
        kernel = (_pkg._lib.fg_spectral_moments_f32 if s.dtype == np.float32
                  else _pkg._lib.fg_spectral_moments_f64)
        status = kernel(_pkg._ptr(frames), frames.shape[0], n, _pkg._ptr(freq), _pkg._ptr(out))
        if status == _pkg._lib.FG_EDOMAIN:
            raise ValueError("spectral moments: the spectrum has negative values")
        _pkg._raise_for_status(status, "spectral frames s", None, None)
    return out.reshape(lead + (7,))


def power_spectrum(z, floor=0.0, out=None):
    """``|z|**2 + floor`` in one pass: ``(re * re + im * im) + floor``, bit-equal to numpy.

    Parameters
    ----------
    z : np.ndarray [shape=(...)], complex64 or complex128
        Read without a copy when C-contiguous (copied otherwise).
    floor : float >= 0
        Added to every value (a virtual dither's power).
    out : np.ndarray [shape=z.shape], float32/float64 matching ``z``, C-contiguous, optional

    Returns
    -------
    np.ndarray [shape=z.shape], the real type of ``z``

    Raises
    ------
    ValueError
        For a non-complex ``z``, a negative or non-finite floor, or an ``out`` of another
        shape, type or layout.

    Examples
    --------
    >>> import numpy as np
    >>> power_spectrum(np.array([3 + 4j, 1j], dtype=np.complex64), floor=1.0)
    array([26.,  2.], dtype=float32)
    """
    z = _complex(z, "power spectrum")
    floor = float(floor)
    if not (np.isfinite(floor) and floor >= 0):
        raise ValueError(f"power spectrum: floor must be finite and >= 0, got {floor}")
    _pkg._check_out(out, z.shape, z.real.dtype, "power spectrum")
    if _pkg.BACKEND == "numpy":
        return reference.power_spectrum(z, floor, out)
    return _per_value(z, out, "power spectrum z", _pkg._lib.fg_power_spectrum_f32,
                      _pkg._lib.fg_power_spectrum_f64, floor)


def _complex(z, what):
    z = np.asarray(z)
    if z.dtype not in (np.complex64, np.complex128):
        raise ValueError(f"{what}: z must be complex64 or complex128, got {z.dtype}")
    return z


def _per_value(z, out, what, f32, f64, *args):
    """Run the value-by-value kernel ``f32`` or ``f64`` (by the precision of ``z``) on
    ``z`` (copied when not C-contiguous) into ``out`` (or a new array): ``kernel(z, n,
    *args, out)``."""
    real = z.real.dtype
    z = np.ascontiguousarray(z)
    if out is None:
        out = np.empty(z.shape, dtype=real)
    if z.size:
        kernel = f32 if real == np.float32 else f64
        _pkg._raise_for_status(kernel(_pkg._ptr(z.view(real)), z.size, *args, _pkg._ptr(out)),
                               what, None, None)
    return out


def magnitude_spectrum(z, out=None):
    """``sqrt(re * re + im * im)`` in one pass, bit-equal to :func:`power_spectrum` then
    ``np.sqrt``.

    Parameters
    ----------
    z : np.ndarray [shape=(...)], complex64 or complex128
        Read without a copy when C-contiguous (copied otherwise).
    out : np.ndarray [shape=z.shape], float32/float64 matching ``z``, C-contiguous, optional

    Returns
    -------
    np.ndarray [shape=z.shape], the real type of ``z``

    Raises
    ------
    ValueError
        For a non-complex ``z`` or an ``out`` of another shape, type or layout.

    Examples
    --------
    >>> import numpy as np
    >>> magnitude_spectrum(np.array([3 + 4j, 1j]))
    array([5., 1.])
    """
    z = _complex(z, "magnitude spectrum")
    _pkg._check_out(out, z.shape, z.real.dtype, "magnitude spectrum")
    if _pkg.BACKEND == "numpy":
        return reference.magnitude_spectrum(z, out)
    return _per_value(z, out, "magnitude spectrum z", _pkg._lib.fg_magnitude_spectrum_f32,
                      _pkg._lib.fg_magnitude_spectrum_f64)


def banded_filterbank(spec, w, first, stop):
    """Each filter ``w[b]`` summed over its support ``first[b]:stop[b]`` only.

    Parameters
    ----------
    spec : np.ndarray [shape=(..., n_bins)], float32 or float64
        One spectrum per row (copied if not C-contiguous).
    w : np.ndarray [shape=(n_bands, n_bins)], the dtype of ``spec``
    first, stop : np.ndarray [shape=(n_bands,)], integers, ``0 <= first <= stop <= n_bins``
        Each filter's support (:func:`featgraph.native.reference_spectral.filter_supports`).

    Returns
    -------
    np.ndarray [shape=(..., n_bands)], the dtype of ``spec``

    Raises
    ------
    ValueError
        For mismatched shapes or dtypes, or a support outside the bins.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0.5, 1.0, 0.0], [0.0, 0.0, 2.0]])
    >>> banded_filterbank(np.array([[2.0, 3.0, 4.0]]), w, [0, 2], [2, 3])
    array([[4., 8.]])
    """
    spec, w, first, stop = _check_banded(spec, w, first, stop, "banded filterbank")
    if _pkg.BACKEND == "numpy":
        return reference.banded_filterbank(spec, w, first, stop)
    spec, w = np.ascontiguousarray(spec), np.ascontiguousarray(w)
    n_bins = spec.shape[-1]
    rows = spec.reshape(-1, n_bins)
    n_frames, n_bands = rows.shape[0], w.shape[0]
    out = np.empty((n_frames, n_bands), dtype=w.dtype)
    if n_frames and n_bands:
        kernel = (_pkg._lib.fg_banded_filterbank_f32 if w.dtype == np.float32
                  else _pkg._lib.fg_banded_filterbank_f64)
        ffi = _pkg._ffi
        work = np.empty(_pkg._lib.FG_BANDED_LANES * max(n_bins, 1))   # double, either type
        _pkg._raise_for_status(
            kernel(_pkg._ptr(rows), n_frames, n_bins, _pkg._ptr(w), n_bands,
                   ffi.from_buffer("size_t[]", first), ffi.from_buffer("size_t[]", stop),
                   _pkg._ptr(work), _pkg._ptr(out)), "banded filterbank", None, None)
    return out.reshape(spec.shape[:-1] + (w.shape[0],))


def banded_power_filterbank(z, w, first, stop, magnitude=False, window=None):
    """:func:`banded_filterbank` of the power ``re * re + im * im`` of a complex spectrum,
    or of its square root with ``magnitude``, without the power spectrogram in memory
    (a few frames at a time, in cache).

    The power form is equal bit for bit to :func:`power_spectrum` followed by
    :func:`banded_filterbank`; the magnitude form to ``np.sqrt`` of the power in between
    (:func:`featgraph.native.reference_spectral.banded_power_filterbank`).

    ``window = (c0, c1)`` first windows each spectrum in the frequency domain:
    ``z[k] -> c0 z[k] + c1 (z[k - 1] + z[k + 1])``, with ``z[-1] = conj(z[1])`` and
    ``z[n_bins] = conj(z[n_bins - 2])``.  For the ``N/2 + 1`` bins of the real DFT of a
    frame of even length ``N`` this is the DFT of the frame times ``c0 + 2 c1 cos(2 pi n
    / N)`` (F. J. Harris, "On the use of windows for harmonic analysis with the discrete
    Fourier transform", Proc. IEEE 66(1), 1978, sec. IV): periodic Hann is ``(0.5,
    -0.25)``, Hamming ``(0.54, -0.23)``, times any gain.  The frames are then transformed
    as they are, without a windowed copy.

    Parameters
    ----------
    z : np.ndarray [shape=(..., n_bins)], complex64 or complex128
        One spectrum per row (copied if not C-contiguous).
    w : np.ndarray [shape=(n_bands, n_bins)], the real type of ``z``
    first, stop : np.ndarray [shape=(n_bands,)], integers, ``0 <= first <= stop <= n_bins``
    magnitude : bool
        Sum ``sqrt(re * re + im * im)`` (a magnitude spectrogram) instead of the power.
    window : tuple (c0, c1) of finite floats, optional
        A two-term cosine window applied to each spectrum first (needs ``n_bins >= 2``).

    Returns
    -------
    np.ndarray [shape=(..., n_bands)], the real type of ``z``

    Raises
    ------
    ValueError
        For mismatched shapes or dtypes, or a support outside the bins.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0.5, 1.0, 0.0], [0.0, 0.0, 2.0]])
    >>> banded_power_filterbank(np.array([[3 + 4j, 0, 1j]]), w, [0, 2], [2, 3], magnitude=True)
    array([[2.5, 2. ]])
    >>> banded_power_filterbank(np.array([[2j, 1 + 1j, 2.0]]), w, [0, 2], [2, 3])
    array([[4., 8.]])
    """
    return BandedPowerFilterbank(w, first, stop, magnitude, window)(z)


class BandedPowerFilterbank:
    """:func:`banded_power_filterbank` with the filterbank, its supports and taps validated
    and laid out once: a fused step builds one per layout and calls it on every chunk,
    so that only the spectrum is checked per call.

    Parameters are those of :func:`banded_power_filterbank`; calling the object with a
    spectrum ``z`` of ``w``'s precision returns the same array as the function.

    Examples
    --------
    >>> import numpy as np
    >>> bank = BandedPowerFilterbank(np.array([[0.5, 1.0, 0.0], [0.0, 0.0, 2.0]]), [0, 2],
    ...                              [2, 3], magnitude=True)
    >>> bank(np.array([[3 + 4j, 0, 1j]]))
    array([[2.5, 2. ]])
    """

    def __init__(self, w, first, stop, magnitude=False, window=None):
        w = np.asarray(w)
        _, w, first, stop = _check_banded(np.empty(w.shape[-1:] if w.ndim == 2 else (0,),
                                                   w.dtype if w.dtype in (np.float32,
                                                                          np.float64)
                                                   else np.float64), w, first, stop,
                                          "banded power filterbank")
        if window is not None:
            window = np.array(window, dtype=np.float64).reshape(-1)
            if window.shape != (2,) or not np.all(np.isfinite(window)) or w.shape[1] < 2:
                raise ValueError(f"banded power filterbank: window must be two finite taps "
                                 f"(c0, c1) on spectra of at least 2 bins, got {window} on "
                                 f"{w.shape[1]} bins")
        self.w, self.first, self.stop = np.ascontiguousarray(w), first, stop
        self.magnitude, self.window = bool(magnitude), window
        self.complex = np.dtype(np.complex64 if w.dtype == np.float32 else np.complex128)
        self._kernel = None

    def __call__(self, z, out=None):
        """The band sums of ``z (..., n_bins)``: a new array, or written into ``out``
        (a writeable C-contiguous ``(..., n_bands)`` array of ``w``'s dtype)."""
        z = np.asarray(z)
        if z.dtype != self.complex:
            raise ValueError(f"banded power filterbank: z must be {self.complex} for a "
                             f"{self.w.dtype} filterbank (complex64 or complex128), got "
                             f"{z.dtype}")
        n_bins = self.w.shape[1]
        if z.ndim < 1 or z.shape[-1] != n_bins:
            raise ValueError(f"banded power filterbank: needs spec (..., n_bins), w (n_bands, "
                             f"n_bins) and supports 0 <= first <= stop <= n_bins; got spec "
                             f"{z.shape}, w {self.w.shape}")
        n_bands = self.w.shape[0]
        _pkg._check_out(out, z.shape[:-1] + (n_bands,), self.w.dtype, "banded power filterbank")
        if _pkg.BACKEND == "numpy":
            y = reference.banded_power_filterbank(z, self.w, self.first, self.stop,
                                                  self.magnitude, self.window)
            return y if out is None else np.copyto(out, y) or out
        if self._kernel is None:
            ffi, lib = _pkg._ffi, _pkg._lib
            name = ("fg_banded_magnitude_filterbank" if self.magnitude
                    else "fg_banded_power_filterbank")
            self._kernel = (
                getattr(lib, name + ("_f32" if self.w.dtype == np.float32 else "_f64")),
                name.replace("fg_", "").replace("_", " "), _pkg._ptr(self.w),
                ffi.from_buffer("size_t[]", self.first), ffi.from_buffer("size_t[]", self.stop),
                ffi.NULL if self.window is None else ffi.from_buffer("double[]", self.window))
        kernel, what, w_ptr, first_ptr, stop_ptr, taps = self._kernel
        z = np.ascontiguousarray(z)
        rows = z.reshape(-1, n_bins)
        out = np.empty((rows.shape[0], n_bands), dtype=self.w.dtype) if out is None else \
            out.reshape(rows.shape[0], n_bands)
        if rows.shape[0] and n_bands:
            work = np.empty(_pkg._lib.FG_BANDED_LANES * max(n_bins, 1))   # double, either type
            _pkg._raise_for_status(
                kernel(_pkg._ptr(rows.view(self.w.dtype)), rows.shape[0], n_bins, w_ptr,
                       n_bands, first_ptr, stop_ptr, taps, _pkg._ptr(work), _pkg._ptr(out)),
                what, None, None)
        return out.reshape(z.shape[:-1] + (n_bands,))


def _check_banded(spec, w, first, stop, what):
    """``(spec, w, first, stop)`` validated for the banded products (supports as uintp)."""
    spec, w = np.asarray(spec), np.asarray(w)
    if spec.dtype not in (np.float32, np.float64) or w.dtype != spec.dtype:
        raise ValueError(f"{what}: spec and w must both be float32 or float64, got "
                         f"{spec.dtype} and {w.dtype}")
    first = np.ascontiguousarray(first, dtype=np.uintp)
    stop = np.ascontiguousarray(stop, dtype=np.uintp)
    n_bins = spec.shape[-1] if spec.ndim else 0
    if (spec.ndim < 1 or w.ndim != 2 or w.shape[1] != n_bins
            or first.shape != (w.shape[0],) or stop.shape != first.shape
            or np.any(first > stop) or np.any(stop > n_bins)):
        raise ValueError(f"{what}: needs spec (..., n_bins), w (n_bands, n_bins) and "
                         f"supports 0 <= first <= stop <= n_bins; got spec {spec.shape}, "
                         f"w {w.shape}, {first.shape[0]} / {stop.shape[0]} supports")
    return spec, w, first, stop


def spectral_shape(what, s, freq=None, **params):
    """librosa's spectral centroid, bandwidth, rolloff or flatness of each frame, in Hz
    (flatness: dimensionless), one pass per frame in C (``shape.c``).

    Parameters
    ----------
    what : {"centroid", "bandwidth", "rolloff", "flatness"}
    s : np.ndarray [shape=(..., n_bins)], real, non-negative (float32 read as is)
        Frames with contiguous bins (rows may be any distance apart).
    freq : np.ndarray [shape=(n_bins,)], Hz (not for flatness)
    **params
        bandwidth: ``p`` (> 0), ``norm`` (bool); rolloff: ``roll_percent`` (0, 1);
        flatness: ``power`` (> 0), ``amin`` (> 0).  Definitions in
        :mod:`featgraph.native.reference_spectral` (``spectral_centroid``, ...).

    Returns
    -------
    np.ndarray [shape=(...)], float64

    Raises
    ------
    ValueError
        For negative values, a frequency count other than ``n_bins`` or a parameter out
        of range.

    Examples
    --------
    >>> import numpy as np
    >>> spectral_shape("centroid", np.array([[1.0, 0.0, 1.0]]), np.array([0.0, 100.0, 200.0]))
    array([100.])
    """
    if what not in _SHAPE:
        raise ValueError(f"spectral shape: unknown descriptor {what!r}; one of {list(_SHAPE)}")
    reference_fn, c_params = _SHAPE[what]
    if _pkg.BACKEND == "numpy":
        return reference_fn(s, **params) if what == "flatness" else \
            reference_fn(s, freq, **params)
    s = np.asarray(s)
    if s.dtype not in (np.float32, np.float64):
        s = s.astype(np.float64)
    if s.ndim < 1 or s.shape[-1] == 0:
        raise ValueError(f"spectral shape: the frames need at least one bin, got {s.shape}")
    lead, n_bins = s.shape[:-1], s.shape[-1]
    rows = np.ascontiguousarray(s.reshape(-1, n_bins))   # a copy only for a bin range
    head = ()
    if what != "flatness":
        freq = np.ascontiguousarray(freq, dtype=np.float64)
        if freq.shape != (n_bins,):
            raise ValueError(f"spectral shape: {freq.shape} frequencies for {n_bins} bins")
        head = (_pkg._ptr(freq),)
    out = np.empty(rows.shape[0], dtype=np.float64)
    if rows.shape[0]:
        kernel = getattr(_pkg._lib, f"fg_spectral_{what}_" +
                         ("f32" if rows.dtype == np.float32 else "f64"))
        status = kernel(_pkg._ptr(rows), rows.shape[0], n_bins, n_bins, *head,
                        *c_params(params), _pkg._ptr(out))
        if status == _pkg._lib.FG_EDOMAIN:
            raise ValueError(f"spectral {what} is only defined for non-negative spectra (a "
                             f"magnitude or power spectrum), with parameters in range; got "
                             f"negative values or {params}")
        _pkg._raise_for_status(status, f"spectral {what} frames", None, None)
    return out.reshape(lead)


# descriptor: (numpy definition, its parameters as the C kernel's arguments)
_SHAPE = {
    "centroid": (reference.spectral_centroid, lambda q: ()),
    "bandwidth": (reference.spectral_bandwidth,
                  lambda q: (float(q.get("p", 2.0)), int(bool(q.get("norm", True))))),
    "rolloff": (reference.spectral_rolloff, lambda q: (float(q.get("roll_percent", 0.85)),)),
    "flatness": (reference.spectral_flatness,
                 lambda q: (float(q.get("power", 2.0)), float(q.get("amin", 1e-10)))),
}


def tiled_power_filterbank(bank, windows, fft, n_frames, frames_buf, spec_buf, out, pad=True):
    """``windows -> fft -> bank`` over frames ``0 .. n_frames - 1``, ``len(frames_buf)``
    frames at a time: each tile's frames are windowed into ``frames_buf`` (a
    :class:`featgraph.native.windows.FrameWindows`), transformed into ``spec_buf`` by
    ``fft(rows, out=spectra)`` and summed into ``out[at:at + m]`` by the
    :class:`BandedPowerFilterbank` ``bank``; the same numbers as the three calls tile by
    tile, with the buffers checked and their pointers taken once (a fused step's loop,
    some 470 tiles a 600 s file).

    Parameters
    ----------
    bank : BandedPowerFilterbank
    windows : featgraph.native.windows.FrameWindows
        Frames of ``bank``'s real type, rows of ``n_fft`` values out.
    fft : callable
        ``fft(rows (m, n_fft), out=(m, n_bins) complex)`` writes the real DFT of each row.
    n_frames : int, ``0 <= n_frames <=`` the frames of ``windows``
    frames_buf : np.ndarray [shape=(tile, n_fft)], C-contiguous work buffer
    spec_buf : np.ndarray [shape=(tile, n_bins)], complex of ``bank``'s precision,
        C-contiguous work buffer
    out : np.ndarray [shape=(n_frames, n_bands)], ``bank``'s dtype, C-contiguous
    pad : bool
        Write the zero padding of ``frames_buf`` (with the first tile); False: it is
        already there (as :class:`~featgraph.native.windows.FrameWindows` takes it).

    Returns
    -------
    out
    """
    tile, n_bins, n_bands = frames_buf.shape[0], bank.w.shape[1], bank.w.shape[0]
    dtype = windows.frames.dtype
    if (dtype != bank.w.dtype or frames_buf.shape != (tile, windows.n_out)
            or frames_buf.dtype != dtype or spec_buf.shape != (tile, n_bins)
            or spec_buf.dtype != bank.complex or windows.n_out // 2 + 1 != n_bins
            or not 0 <= n_frames <= windows.frames.shape[0] or (n_frames and not tile)
            or not all(a.flags.c_contiguous and a.flags.writeable
                       for a in (frames_buf, spec_buf, out))):
        raise ValueError(f"tiled power filterbank: needs frames_buf (tile, n_fft) "
                         f"{bank.w.dtype}, spec_buf (tile, n_fft // 2 + 1) {bank.complex} "
                         f"C-contiguous work buffers, got {frames_buf.dtype} "
                         f"{frames_buf.shape} and {spec_buf.dtype} {spec_buf.shape}")
    _pkg._check_out(out, (n_frames, n_bands), bank.w.dtype, "tiled power filterbank")
    if _pkg.BACKEND == "numpy" or not n_bands:
        for at in range(0, n_frames, max(tile, 1)):
            m = min(tile, n_frames - at)
            windows(at, frames_buf[:m], pad=pad and not at)
            bank(fft(frames_buf[:m], out=spec_buf[:m]), out=out[at:at + m])
        return out
    bank(spec_buf[:0])                              # lays the kernel out once
    kernel, what, w_ptr, first_ptr, stop_ptr, taps = bank._kernel
    from .windows import _windows_kernel

    win = windows._kernel = windows._kernel or _windows_kernel(windows.frames, windows.w)
    win_kernel, _, x, stride, length, w = win
    lib, ok = _pkg._lib, _pkg._lib.FG_OK
    buf, spec = _pkg._ptr(frames_buf), _pkg._ptr(spec_buf.view(dtype))
    work = np.empty(lib.FG_BANDED_LANES * n_bins)               # double, either type
    work_ptr, dst = _pkg._ptr(work), _pkg._ptr(out)
    preemph, start, n_fft = windows.preemph, windows.start, windows.n_out
    views = {tile: (frames_buf, spec_buf)}
    for at in range(0, n_frames, tile):
        m = min(tile, n_frames - at)
        rows, spectra = views.get(m) or (frames_buf[:m], spec_buf[:m])
        status = win_kernel(x + at * stride, m, length, stride, w, preemph, n_fft, start,
                            int(bool(pad and not at)), buf)
        if status != ok:
            _pkg._raise_for_status(status, "window frames", None, None)
        fft(rows, out=spectra)
        status = kernel(spec, m, n_bins, w_ptr, n_bands, first_ptr, stop_ptr, taps, work_ptr,
                        dst + at * n_bands)
        if status != ok:
            _pkg._raise_for_status(status, what, None, None)
    return out


"""Bridges to the spectral kernels: the fused spectral moments (``moments.c``) and the
one-pass power spectrum (``spectrum.c``).

Validates arguments, hands the C-contiguous float32/float64 frames to C without
copying, and turns status codes into exceptions.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) the definition in
:mod:`featgraph.native.reference_spectral` runs instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_spectral as reference

__all__ = ["power_spectrum", "spectral_moments"]


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
    z = np.asarray(z)
    if z.dtype not in (np.complex64, np.complex128):
        raise ValueError(f"power spectrum: z must be complex64 or complex128, got {z.dtype}")
    floor = float(floor)
    if not (np.isfinite(floor) and floor >= 0):
        raise ValueError(f"power spectrum: floor must be finite and >= 0, got {floor}")
    real = z.real.dtype
    if out is not None and (out.shape != z.shape or out.dtype != real
                            or not out.flags.c_contiguous or not out.flags.writeable):
        raise ValueError(f"power spectrum: out must be a writeable C-contiguous {real} array "
                         f"of shape {z.shape}, got {out.dtype} {out.shape}")
    if _pkg.BACKEND == "numpy":
        return reference.power_spectrum(z, floor, out)
    z = np.ascontiguousarray(z)
    if out is None:
        out = np.empty(z.shape, dtype=real)
    if z.size:
        kernel = (_pkg._lib.fg_power_spectrum_f32 if real == np.float32
                  else _pkg._lib.fg_power_spectrum_f64)
        _pkg._raise_for_status(kernel(_pkg._ptr(z.view(real)), z.size, floor, _pkg._ptr(out)),
                               "power spectrum z", None, None)
    return out

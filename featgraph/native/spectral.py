"""Bridge to the fused spectral-moments kernel (``moments.c``).

Validates arguments, hands the C-contiguous float32/float64 frames to C without
copying, and turns status codes into exceptions.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) the definition in
:mod:`featgraph.native.reference_spectral` runs instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_spectral as reference

__all__ = ["spectral_moments"]


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

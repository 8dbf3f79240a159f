"""Bridge to the full-rate band-pass kernel (``tf.c``): interleaving phases into the rows
of the frame-major output of :func:`featgraph.nodes._tf.bandpass` at ``hop = 1``.

Validates every shape here and hands the buffers to C without copying; with
``FEATGRAPH_NATIVE=0`` (``featgraph.native.BACKEND == "numpy"``) the numpy definition
:func:`featgraph.native.reference_tf.interleave` runs instead.
"""
from __future__ import annotations

import numpy as np

from .. import native as _pkg
from . import reference_tf as reference

__all__ = ["aligned_zeros", "interleave"]


def aligned_zeros(shape: tuple[int, ...], align: int = 64) -> np.ndarray:
    """A C-contiguous complex128 array of zeros whose first element is ``align``-byte
    aligned (a 64-byte cache line: each output row's groups of 4 bands are then whole
    lines)."""
    size = int(np.prod(shape))
    extra = align // 16
    raw = np.zeros(size + extra, np.complex128)
    skip = (-raw.ctypes.data % align) // 16
    return raw[skip:skip + size].reshape(shape)


def interleave(src: np.ndarray, first_phase: int, sub: int, out: np.ndarray,
               col0: int) -> None:
    """Write phases ``first_phase .. first_phase + k - 1`` into the output rows.

    ``out[i sub + first_phase + p, col0 + b] = src[p, b, i]`` for every ``i`` whose row
    is below ``len(out)``.

    Parameters
    ----------
    src : np.ndarray [shape=(k, g, q)], complex128, C-contiguous
        Phase ``p``'s band ``b`` at positions ``i`` (``y[i sub + first_phase + p]``).
    first_phase, sub : int
        The chunk's first phase and the number of phases, ``first_phase + k <= sub``.
    out : np.ndarray [shape=(n_rows, n_bands)], complex128, C-contiguous
        The frame-major output, ``col0 + g <= n_bands``; written in place.
    """
    if src.ndim != 3 or src.dtype != np.complex128 or not src.flags.c_contiguous:
        raise ValueError("interleave: src must be a C-contiguous complex128 (k, g, q) array")
    if out.ndim != 2 or out.dtype != np.complex128 or not out.flags.c_contiguous \
            or not out.flags.writeable:
        raise ValueError("interleave: out must be a writable C-contiguous complex128 "
                         "(n_rows, n_bands) array")
    k, g, q = src.shape
    if not (sub >= 1 and 0 <= first_phase and first_phase + k <= sub
            and 0 <= col0 and col0 + g <= out.shape[1]):
        raise ValueError(f"interleave: phases {first_phase} + {k} of {sub}, bands {col0} + "
                         f"{g} of {out.shape[1]}")
    if np.may_share_memory(src, out):
        raise ValueError("interleave: src and out overlap")
    if _pkg.BACKEND == "numpy":
        reference.interleave(src, first_phase, sub, out, col0)
        return
    from . import _ffi, _lib
    if src.size == 0 or out.size == 0:
        return
    dst = _ffi.cast("double *", _ffi.from_buffer("double[]", out.reshape(-1).view(np.float64),
                                                require_writable=True)) + 2 * col0
    status = _lib.fg_interleave_c128(_ffi.from_buffer("double[]", src.reshape(-1)
                                                       .view(np.float64)),
                                     k, g, q, sub, first_phase, dst, out.shape[0],
                                     out.shape[1])
    _pkg._raise_for_status(status, "interleave", None, None)

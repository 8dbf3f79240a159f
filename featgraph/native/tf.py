"""Bridge to the full-rate band-pass kernels (``tf.c``): a chunk of phases' spectra by
twiddle doubling, and interleaving phases into the rows of the frame-major output of
:func:`featgraph.nodes._tf.bandpass` at ``hop = 1``.

Validates every shape here and hands the buffers to C without copying; with
``FEATGRAPH_NATIVE=0`` (``featgraph.native.BACKEND == "numpy"``) the numpy definitions
in :mod:`featgraph.native.reference_tf` run instead.  :func:`phases` runs a group of
bands' phases chunk by chunk, validating once (hundreds of chunks per signal).
"""
from __future__ import annotations

import functools

import numpy as np

from .. import native as _pkg
from . import reference_tf as reference

__all__ = ["aligned_zeros", "interleave", "phase_chunk", "phases"]


def aligned_zeros(shape: tuple[int, ...], align: int = 64) -> np.ndarray:
    """A C-contiguous complex128 array of zeros whose first element is ``align``-byte
    aligned (a 64-byte cache line: each output row's groups of 4 bands are then whole
    lines)."""
    size = int(np.prod(shape))
    raw = np.zeros(size + align // 16, np.complex128)
    skip = (-raw.ctypes.data % align) // 16
    return raw[skip:skip + size].reshape(shape)


def _c128(a, ndim: int, writable: bool = False) -> bool:
    return (isinstance(a, np.ndarray) and a.ndim == ndim and a.dtype == np.complex128
            and a.flags.c_contiguous and (a.flags.writeable or not writable))


def _check_interleave(shape: tuple, first_phase: int, sub: int, out, col0: int) -> None:
    if not _c128(out, 2, writable=True):
        raise ValueError("interleave: out must be a writable C-contiguous complex128 "
                         "(n_rows, n_bands) array")
    k, g, _ = shape
    if not (sub >= 1 and 0 <= first_phase and first_phase + k <= sub
            and 0 <= col0 and col0 + g <= out.shape[1]):
        raise ValueError(f"interleave: phases {first_phase} + {k} of {sub}, bands {col0} + "
                         f"{g} of {out.shape[1]}")


def _check_chunk(z0, first, twiddles, chunk) -> None:
    if not (_c128(z0, 2) and _c128(twiddles, 2) and _c128(chunk, 3, writable=True)
            and (first is None or _c128(first, 1))):
        raise ValueError("phase_chunk: C-contiguous complex128 arrays z0 (g, q), first "
                         "(q,), twiddles (J, q) and a writable chunk (2^J, g, q)")
    g, q = z0.shape
    if chunk.shape != (2 ** twiddles.shape[0], g, q) or twiddles.shape[1] != q or \
            (first is not None and first.shape != (q,)):
        raise ValueError(f"phase_chunk: chunk {chunk.shape}, z0 {z0.shape}, twiddles "
                         f"{twiddles.shape}, first {None if first is None else first.shape}")
    if any(np.may_share_memory(chunk, a) for a in (z0, first, twiddles) if a is not None):
        raise ValueError("phase_chunk: chunk overlaps an input")


def _dbl(a: np.ndarray, writable: bool = False):
    from . import _ffi
    return _ffi.from_buffer("double[]", a.reshape(-1).view(np.float64),
                            require_writable=writable)


def _interleave_c(src, first_phase, sub, out, col0) -> None:
    from . import _ffi, _lib
    k, g, q = src.shape
    if src.size == 0 or out.size == 0:
        return
    dst = _ffi.cast("double *", _dbl(out, True)) + 2 * col0
    status = _lib.fg_interleave_c128(_dbl(src), k, g, q, sub, first_phase, dst,
                                     out.shape[0], out.shape[1])
    _pkg._raise_for_status(status, "interleave", None, None)


def _phase_chunk_c(z0, first, twiddles, chunk) -> None:
    from . import _ffi, _lib
    if chunk.size == 0:
        return
    g, q = z0.shape
    status = _lib.fg_phase_chunk_c128(_dbl(z0), g, q, _ffi.NULL if first is None else
                                      _dbl(first), _dbl(twiddles) if twiddles.size else
                                      _ffi.NULL, twiddles.shape[0], _dbl(chunk, True))
    _pkg._raise_for_status(status, "phase chunk", None, None)


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
    if not _c128(src, 3):
        raise ValueError("interleave: src must be a C-contiguous complex128 (k, g, q) array")
    _check_interleave(src.shape, first_phase, sub, out, col0)
    if np.may_share_memory(src, out):
        raise ValueError("interleave: src and out overlap")
    if _pkg.BACKEND == "numpy":
        reference.interleave(src, first_phase, sub, out, col0)
    else:
        _interleave_c(src, first_phase, sub, out, col0)


def phase_chunk(z0: np.ndarray, first: np.ndarray | None, twiddles: np.ndarray,
                chunk: np.ndarray) -> None:
    """The spectra of ``2^J`` consecutive phases from the first one's, in place.

    ``chunk[0] = z0 * first`` (``z0`` when ``first`` is None), then for ``j < J``,
    ``s = 2^j``: ``chunk[s + r] = chunk[r] * twiddles[j]`` (``r < s``): phase ``r0 + r``
    from phase ``r0`` by the twiddles of ``r``'s bits.

    Parameters
    ----------
    z0 : np.ndarray [shape=(g, q)], complex128, C-contiguous
    first : np.ndarray [shape=(q,)], complex128, or None
    twiddles : np.ndarray [shape=(J, q)], complex128, C-contiguous
    chunk : np.ndarray [shape=(2^J, g, q)], complex128, C-contiguous, written
    """
    _check_chunk(z0, first, twiddles, chunk)
    if _pkg.BACKEND == "numpy":
        reference.phase_chunk(z0, first, twiddles, chunk)
    else:
        _phase_chunk_c(z0, first, twiddles, chunk)


def phases(z0: np.ndarray, twiddles: np.ndarray, sub: int, chunk: np.ndarray,
           out: np.ndarray, col0: int, fft) -> None:
    """All ``sub`` phases of a group of bands, ``k = len(chunk)`` at a time, into ``out``.

    For ``r0 = 0, k, 2k ...``: the chunk's spectra from ``z0`` (phase 0) times the
    twiddles of ``r0``'s bits (``twiddles[j]`` for bit ``j``), then the chunk's other
    phases by doubling (:func:`phase_chunk`), ``fft(chunk)`` (in place: the inverse
    FFTs along the last axis), and :func:`interleave` into ``out`` at column ``col0``.

    Parameters
    ----------
    z0 : np.ndarray [shape=(g, q)], complex128, C-contiguous
    twiddles : np.ndarray [shape=(log2 sub, q)], complex128, C-contiguous
    sub : int, a power of two
    chunk : np.ndarray [shape=(k, g, q)], complex128, C-contiguous, ``k`` a power of two
        dividing ``sub``: working memory
    out : np.ndarray [shape=(n_rows, n_bands)], complex128, C-contiguous, written
    """
    k = len(chunk)
    low = k.bit_length() - 1
    if not (sub >= 1 and sub & (sub - 1) == 0 and k >= 1 and k & (k - 1) == 0 and k <= sub
            and _c128(twiddles, 2) and len(twiddles) == sub.bit_length() - 1):
        raise ValueError(f"phases: {sub} phases by chunks of {k}, twiddles "
                         f"{getattr(twiddles, 'shape', None)}")
    _check_chunk(z0, None, twiddles[:low], chunk)
    _check_interleave(chunk.shape, 0, sub, out, col0)
    if np.may_share_memory(chunk, out):
        raise ValueError("phases: chunk and out overlap")
    if _pkg.BACKEND == "numpy":
        for r0 in range(0, sub, k):
            reference.phase_chunk(z0, _first(twiddles, low, r0), twiddles[:low], chunk)
            fft(chunk)
            reference.interleave(chunk, r0, sub, out, col0)
        return
    if chunk.size == 0 or out.size == 0:
        return
    from . import _ffi, _lib
    g, q = z0.shape
    src, dst = _dbl(chunk, True), _ffi.cast("double *", _dbl(out, True)) + 2 * col0
    args = (_dbl(z0), g, q)
    low_twiddles = _dbl(twiddles[:low]) if low else _ffi.NULL
    for r0 in range(0, sub, k):
        first = _first(twiddles, low, r0)
        status = _lib.fg_phase_chunk_c128(*args, _ffi.NULL if first is None else _dbl(first),
                                          low_twiddles, low, src)
        _pkg._raise_for_status(status, "phase chunk", None, None)
        fft(chunk)
        status = _lib.fg_interleave_c128(src, k, g, q, sub, r0, dst, out.shape[0],
                                         out.shape[1])
        _pkg._raise_for_status(status, "interleave", None, None)


def _first(twiddles: np.ndarray, low: int, r0: int) -> np.ndarray | None:
    """Phase ``r0``'s twiddles from phase 0's: the product of ``twiddles[j]`` over the set
    bits ``j >= low`` of ``r0`` (None for none)."""
    high = [twiddles[j] for j in range(low, len(twiddles)) if r0 >> j & 1]
    return functools.reduce(np.multiply, high) if high else None

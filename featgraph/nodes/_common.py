"""Small helpers shared by node modules: units and axis order."""
from __future__ import annotations

import math
import weakref
from typing import Union

import numpy as np
from pydantic import Field, StringConstraints
from typing_extensions import Annotated

DURATION_RE = r"^\s*[0-9]+(\.[0-9]*)?\s*(ms|s)\s*$"

MAX_LENGTH = 1 << 20
"""Longest frame or hop in samples (65 s at 16 kHz): larger sizes are errors, not MemoryErrors."""
MAX_FFT = 1 << 16
"""Longest FFT (4 s at 16 kHz); 512 frames of its complex spectrum take 512 MiB."""

Duration = Annotated[
    Union[Annotated[int, Field(gt=0, le=MAX_LENGTH)],
          Annotated[str, StringConstraints(pattern=DURATION_RE, max_length=64)]],
    Field(description=f"samples (an integer up to {MAX_LENGTH}) or a time such as '25ms' or "
                      "'0.025s'"),
]
"""A length: whole samples, or a time converted with the signal's rate at run time."""

FFTLength = Annotated[int, Field(ge=1, le=MAX_FFT)]
"""An FFT length in samples, at most :data:`MAX_FFT`."""


def round_half_up(x: float) -> int:
    """MATLAB's ``round`` for non-negative values (Python's ``round`` rounds half to even)."""
    return int(math.floor(x + 0.5))


def to_samples(value: int | str, sr: float) -> int:
    """``400`` -> 400; ``'25ms'`` at 16 kHz -> 400 (``round(t * sr)``, half away from zero)."""
    if isinstance(value, int):
        return value
    text = value.strip()
    seconds = float(text[:-2]) / 1000 if text.endswith("ms") else float(text[:-1])
    n = round_half_up(seconds * sr) if seconds * sr < 2 * MAX_LENGTH else 2 * MAX_LENGTH
    if n < 1:
        raise ValueError(f"{value!r} is less than one sample at {sr:g} Hz")
    if n > MAX_LENGTH:
        raise ValueError(f"{value!r} is more than {MAX_LENGTH} samples at {sr:g} Hz (the "
                         "longest frame or hop)")
    return n


def fft_length(n_fft: int | str | None, length: int) -> int:
    """``n_fft`` as a number of samples: an integer (at least ``length``), ``"pow2"`` for
    the next power of two at or above ``length`` (rastamat), ``None`` for ``length``."""
    if n_fft is None:
        n = length
    elif n_fft == "pow2":
        n = 1 << max(0, (length - 1).bit_length())
    elif n_fft < length:
        raise ValueError(f"n_fft = {n_fft} is shorter than the frame length {length}: use "
                         f"n_fft >= {length} (or 'pow2') or shorter frames (a frame is not "
                         f"truncated to n_fft, as python_speech_features does)")
    else:
        n = int(n_fft)
    if n > MAX_FFT:
        raise ValueError(f"an FFT of {n} points is longer than the {MAX_FFT} allowed; use "
                         "shorter frames")
    return n


def frame_major(a: np.ndarray) -> np.ndarray:
    """Swap the last two axes: ``(..., features, frames)`` <-> ``(..., frames, features)``.

    Framed data is stored frame-major (each frame contiguous) and shown to the
    user feature-major; this view costs nothing.
    """
    return np.swapaxes(a, -1, -2)


SINGLE_THREAD_MNK = 1 << 18
"""OpenBLAS runs a product of ``m x k`` by ``k x n`` on one thread when ``m n k`` is at
most 4 * 65536 (its GEMM_MULTITHREAD_THRESHOLD); larger ones start its thread pool."""


def flush_subnormals(b: np.ndarray) -> np.ndarray:
    """``b`` with its subnormal values (non-zero, below ``np.finfo(b.dtype).tiny``) set to 0.

    Constant weights cast to float32 keep their tiny tails (Bark weights of 1e-45 as
    float64) as subnormals, and a product with a subnormal operand takes a microcode
    assist on Intel cores (about 100 cycles): PLP's float32 Bark product ran 4.5x slower
    for 300 such weights.  Their share of any sum is below float32's resolution of the
    sum's other terms (the smallest normal is 1.2e-38).
    """
    if b.dtype.kind != "f":
        return b
    sub = (b != 0) & (np.abs(b) < np.finfo(b.dtype).tiny)
    return np.where(sub, b.dtype.type(0), b) if sub.any() else b


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for ``a (..., m, k)`` and a small ``b (k, n)``, in row blocks small enough that
    BLAS stays on one thread; subnormal values of ``b`` are taken as 0
    (:func:`flush_subnormals`).

    On a loaded machine OpenBLAS' threads made a 410 x 257 by 257 x 21 product
    (the Bark weights on one chunk) 100x slower than one thread, and a mel
    filterbank on 2048-point spectra 10x (benchmarks/bench_numeric.py,
    bench_speech.py); the blocks cost a few microseconds.  Every op that multiplies
    a chunk by a constant matrix uses it.
    """
    m, (k, n) = a.shape[-2], b.shape
    b = flush_subnormals(b)
    step = max(1, SINGLE_THREAD_MNK // max(1, k * n))
    if m <= step:
        return a @ b
    out = np.empty(a.shape[:-1] + (n,), np.result_type(a, b))
    for i in range(0, m, step):
        np.matmul(a[..., i:i + step, :], b, out=out[..., i:i + step, :])
    return out


def apply_filterbank(spec: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``spec @ w.T`` for a spectrum ``(..., frames, bins)`` and filters ``w (bands, bins)``,
    in the dtype of ``spec`` when float32/float64, else float64 (``w`` is cast to it).

    Filterbanks are band-limited: each filter is summed over its support
    (first to last non-zero bin) only, when the supports cover a quarter of
    the weight matrix or less, which is the usual case (neighbours overlap,
    nothing more): a 128-band mel bank on 1025 bins does 64 times fewer
    multiplications than the dense product.  Otherwise the dense product, in
    single-thread blocks (:func:`matmul`).  The band-limited sum is
    :func:`featgraph.native.spectral.banded_filterbank` (C: all bands of a frame
    in one pass; its numpy reference with ``FEATGRAPH_NATIVE=0``).  The cast weights
    and their supports are kept while ``w`` lives (ops pass their cached
    filterbank, so each chunk reuses them).
    """
    from ..native.spectral import banded_filterbank

    dtype = spec.dtype if spec.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    w, first, stop, banded = _prepared(w, dtype)
    if not banded:
        return matmul(spec, w.T)
    return banded_filterbank(spec.astype(w.dtype, copy=False), w, first, stop)


_PREPARED: dict = {}      # id(w) -> (weakref to w, {dtype: (w cast, first, stop, banded)})


def _prepared(w: np.ndarray, dtype) -> tuple:
    """``(w as dtype, first, stop, banded)`` for a filterbank, cached while ``w`` lives."""
    from ..native.reference_spectral import filter_supports

    key = id(w)
    entry = _PREPARED.get(key)
    if entry is None or entry[0]() is not w:
        try:
            ref = weakref.ref(w, lambda _, k=key, cache=_PREPARED: cache.pop(k, None))
        except TypeError:                       # not weak-referenceable: no caching
            ref = None
        entry = (ref, {})
        if ref is not None:
            _PREPARED[key] = entry
    dtype = np.dtype(dtype)
    if dtype not in entry[1]:
        first, stop = filter_supports(w)
        entry[1][dtype] = (flush_subnormals(np.ascontiguousarray(w, dtype=dtype)), first, stop,
                           (stop - first).sum() * 4 <= w.size)
    return entry[1][dtype]


F32_ROWS = 16
"""float32 rows go through ducc0's ``r2c`` in whole groups of this many (zero rows added):
ducc0 transforms rows in vector groups (4 or 8 float32 lanes here) and the rows left over
in a scalar path that rounds differently, so without whole groups a row's spectrum would
depend on how many rows came with it, i.e. on the chunking of a stream (~1e-7 relative in
float32, where float64's ~1e-16 stays below every tolerance)."""


def r2c_row_groups(r2c, frames: np.ndarray, n_fft: int, out: np.ndarray | None = None):
    """``r2c`` (ducc0's) of the float32 rows of ``frames`` ``(..., length)``, zero-padded to
    ``n_fft`` points, in whole groups of :data:`F32_ROWS` rows; into ``out`` if given.  The
    whole groups of unpadded 2-D frames are transformed in place, only the rows left over
    (fewer than ``F32_ROWS``) go through a padded copy."""
    lead, length = frames.shape[:-1], frames.shape[-1]
    rows, bins = math.prod(lead), n_fft // 2 + 1
    into = out if out is not None and out.flags.c_contiguous else \
        np.empty(lead + (bins,), np.complex64)
    flat = into.reshape(rows, bins)                           # a view: into is contiguous
    main = rows - rows % F32_ROWS if frames.ndim == 2 and length == n_fft else 0
    if main:
        r2c(frames[:main], axes=(-1,), forward=True, nthreads=1, out=flat[:main])
    rest = frames.reshape(rows, length)[main:]
    padded = np.zeros((rest.shape[0] + -rest.shape[0] % F32_ROWS, n_fft), frames.dtype)
    padded[:rest.shape[0], :length] = rest
    flat[main:] = r2c(padded, axes=(-1,), forward=True, nthreads=1)[:rest.shape[0]]
    if out is not None and into is not out:
        out[...] = into
    return into if out is None else out

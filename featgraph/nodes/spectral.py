"""Frequency-domain ops: the real FFT and its power.

FFT backend
-----------
:func:`rfft_frames` runs ducc0's ``r2c`` (M. Reinecke's successor of pocketfft,
the FFT inside numpy) when ducc0 is importable, numpy's ``rfft`` otherwise;
``FEATGRAPH_FFT=numpy`` or ``FEATGRAPH_FFT=ducc0`` forces one.  ducc0 was
chosen by benchmark (benchmarks/bench_numeric.py, docs/numeric.md): about 2x
numpy in float64 on blocks of 400 frames of 512 points, and in float32 it avoids numpy's
alignment-dependent slow path (float32 rows go in whole groups: ``_common.F32_ROWS``).  Both
compute ``X[k] = sum_n x[n] exp(-2 pi i k n / N)`` and agree to rounding; float32 frames give
complex64, float64 frames complex128.
"""
from __future__ import annotations

import functools
import math
import os
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.fuse import FusedOp, rule
from .framing import window_function
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import F32_ROWS, FFTLength, fft_length, frame_major, r2c_row_groups
from ._windows import COSINE_WINDOWS

try:
    import ducc0.fft as _ducc_fft
except ImportError:  # pragma: no cover - ducc0 is a dependency, numpy is the fallback
    _ducc_fft = None

FFT_BACKENDS = ("ducc0", "numpy")
_NUMPY2 = int(np.__version__.split(".")[0]) >= 2       # rfft with out= and in float32
_COMPLEX = {np.dtype(np.float32): np.dtype(np.complex64),
            np.dtype(np.float64): np.dtype(np.complex128)}


def fft_backend() -> str:
    """The FFT backend in use: ``FEATGRAPH_FFT`` if set, else ducc0 when importable, else numpy."""
    forced = os.environ.get("FEATGRAPH_FFT", "").strip().lower()
    if forced:
        if forced not in FFT_BACKENDS:
            raise ValueError(f"FEATGRAPH_FFT={forced!r}: expected one of {', '.join(FFT_BACKENDS)}")
        if forced == "ducc0" and _ducc_fft is None:
            raise ValueError("FEATGRAPH_FFT=ducc0 but ducc0 is not installed (pip install ducc0)")
        return forced
    return "numpy" if _ducc_fft is None else "ducc0"


def spectrum_dtype(dtype) -> np.dtype:
    """complex64 for float32 frames, complex128 for anything else."""
    return _COMPLEX.get(np.dtype(dtype), np.dtype(np.complex128))


def rfft_frames(frames: np.ndarray, n_fft: int, out: np.ndarray | None = None) -> np.ndarray:
    """Real DFT of each row: ``(..., length) -> (..., n_fft // 2 + 1)``, complex.

    Parameters
    ----------
    frames : np.ndarray [shape=(..., length)], float32 or float64
        One frame per row (any strides); rows shorter than ``n_fft`` are zero-padded at the
        end.  Other real dtypes are converted to float64.
    n_fft : int >= length
    out : np.ndarray [shape=(..., n_fft // 2 + 1)], complex, optional
        Preallocated output of the matching precision (complex64 for float32), written in.

    Returns
    -------
    np.ndarray, complex64 for float32 input, else complex128: the unnormalised DFT.
    """
    if frames.dtype not in _COMPLEX:
        frames = frames.astype(np.float64)
    length = frames.shape[-1]
    if fft_backend() == "ducc0":
        if frames.dtype == np.float32 and math.prod(frames.shape[:-1]) % F32_ROWS:
            return r2c_row_groups(_ducc_fft.r2c, frames, n_fft, out)    # (chunking-proof)
        if length != n_fft:
            padded = np.zeros(frames.shape[:-1] + (n_fft,), frames.dtype)
            padded[..., :length] = frames
            frames = padded
        return _ducc_fft.r2c(frames, axes=(-1,), forward=True, nthreads=1, out=out)
    if out is not None and _NUMPY2 and out.dtype == spectrum_dtype(frames.dtype):
        return np.fft.rfft(frames, n=n_fft, axis=-1, out=out)
    spec = np.fft.rfft(frames, n=n_fft, axis=-1)
    if spec.dtype != spectrum_dtype(frames.dtype):      # numpy < 2 computes float32 in double
        spec = spec.astype(spectrum_dtype(frames.dtype))
    if out is None:
        return spec
    out[...] = spec
    return out


def power_to_autocorrelation(power: np.ndarray, n_fft: int, n_lags: int,
                             normalize: bool = True, overwrite: bool = False) -> np.ndarray:
    """Lags ``0 .. n_lags-1`` of the inverse DFT of a power spectrum (Wiener-Khinchin).

    ``r[k] = (1 / n_fft) sum_j P[j] exp(2 pi i j k / n_fft)`` over the full,
    symmetric spectrum, i.e. numpy's ``irfft(P, n_fft)[:n_lags]``.  For a real,
    even spectrum this is a DCT-I of the ``n_fft // 2 + 1`` bins divided by
    ``n_fft``, which ducc0 computes on the real array without a complex copy;
    numpy's ``irfft`` otherwise.  Needs ``n_lags <= n_fft // 2 + 1``.

    Parameters
    ----------
    power : np.ndarray [shape=(..., n_fft // 2 + 1)], float32 or float64
    n_fft : int, even
    n_lags : int
    normalize : bool
        False: ``n_fft`` times ``r`` (the sums without the ``1 / n_fft``, one pass less; for a
        caller whose result does not change with the scale, such as a ratio of lags).
    overwrite : bool
        True: ``power`` is the caller's work buffer (ducc0 transforms it in place, same values).

    Returns
    -------
    np.ndarray [shape=(..., n_lags)], the precision of ``power``
    """
    if fft_backend() == "ducc0":
        out = power if overwrite and power.flags.c_contiguous and power.flags.writeable else None
        r = _ducc_fft.dct(power, type=1, axes=(-1,), inorm=0, nthreads=1, out=out)[..., :n_lags]
        if normalize:
            r *= r.dtype.type(1.0 / n_fft)
        return r
    r = np.fft.irfft(power, n_fft, axis=-1, norm="backward" if normalize else "forward")
    r = r[..., :n_lags]
    return r.astype(power.dtype, copy=False)


class RFFT(Node):
    """DFT of each real frame: ``(..., length, frames) -> (..., n_fft // 2 + 1, frames)``, complex.

    Frames shorter than ``n_fft`` are zero-padded at the end (MATLAB ``specgram``);
    padding them in the ``window`` op instead (``pad_to``) gives the same result
    faster, since numpy then need not copy every frame into a padded buffer.
    The feature axis is the bin frequencies ``k * sr / n_fft`` in Hz.
    """

    op: Literal["rfft"] = "rfft"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.SPECTRUM

    n_fft: FFTLength | Literal["pow2"] | None = Field(
        None, description="FFT length: an integer >= the frame length, 'pow2' for the next "
                          "power of two (rastamat), or null for the frame length")


@RFFT.compute
def rfft(x: Feature, p: RFFT) -> Feature:
    n_fft = fft_length(p.n_fft, x.data.shape[-2])
    frames = frame_major(x.data)
    if frames.dtype not in _COMPLEX:
        frames = frames.astype(np.float64)
    out = np.empty(frames.shape[:-1] + (n_fft // 2 + 1,), spectrum_dtype(frames.dtype))
    spec = rfft_frames(frames, n_fft, out=out)
    return x.derive(frame_major(spec), Kind.SPECTRUM, n_fft=n_fft, axis=bin_frequencies(n_fft, x.sr))


@functools.lru_cache(maxsize=64)
def bin_frequencies(n_fft: int, sr: float) -> np.ndarray:
    """``k * sr / n_fft`` for ``k = 0 .. n_fft // 2``, in Hz (read-only, cached: every
    chunk of a spectrum carries it as its axis)."""
    f = np.arange(n_fft // 2 + 1) * (sr / n_fft)
    f.flags.writeable = False
    return f


class Power(Node):
    """``|X| ** exponent`` of a complex spectrum, plus an optional dither floor.

    ``dither`` models a white dither of that variance (in squared sample units)
    added to the signal before analysis; its expected contribution,
    approximated as ``dither * win_length`` in every bin, is added to the
    result.  rastamat's ``powspec`` does exactly this with ``dither = 1``, which
    keeps digital silence away from log(0).  ``normalize: n_fft`` divides by
    the FFT length, python_speech_features' ``powspec = |X|^2 / NFFT``; ``dtype`` converts it.
    """

    op: Literal["power"] = "power"
    consumes: ClassVar = (Kind.SPECTRUM,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.POWER

    exponent: float = Field(2.0, gt=0, le=4, description="2 for power, 1 for magnitude "
                                                         "(at most 4)")
    dither: float = Field(0.0, ge=0, le=1e12, description="variance of a virtual white "
                                                          "dither; adds dither * win_length "
                                                          "to every bin")
    normalize: Literal["none", "n_fft"] = Field(
        "none", description="n_fft: divide by the FFT length (python_speech_features' powspec)")
    dtype: Literal["float32", "float64"] | None = Field(
        None, description="convert the result (computed in the spectrum's precision) to this "
                          "dtype; null keeps the spectrum's real precision")


def power_of(z: np.ndarray, exponent: float, dither_floor: float,
             out: np.ndarray | None = None, overwrite: bool = False) -> np.ndarray:
    """``|z| ** exponent + dither_floor`` in the real precision of ``z``, into ``out`` if given.

    For ``exponent == 2`` the one-pass C kernel computes ``(re * re + im * im)
    + floor`` (:func:`featgraph.native.spectral.power_spectrum`, bit-equal to
    numpy).  Without it, the squares are summed on a real view of ``z``, with
    no complex temporary; with ``overwrite`` a C-contiguous ``z`` is squared in
    place (it is a work buffer), so that no temporary is made at all.  For
    ``exponent == 1`` the square root of that power, ``sqrt(re * re + im *
    im)``, as the fused magnitude filterbank forms it (within an ulp of
    ``np.abs``).
    """
    from .. import native

    if exponent == 1.0 and native.BACKEND == "c" and (out is None or out.flags.c_contiguous):
        from ..native.spectral import magnitude_spectrum     # the same, in one pass

        out = magnitude_spectrum(z, out)
        if dither_floor:
            out += out.dtype.type(dither_floor)
        return out
    if exponent == 1.0:                             # sqrt(re * re + im * im), in place
        out = power_of(z, 2.0, 0.0, out, overwrite)
        out = np.sqrt(out, out=out)
        if dither_floor:
            out += out.dtype.type(dither_floor)
        return out
    if exponent == 2.0 and native.BACKEND == "c" and (out is None or out.flags.c_contiguous):
        from ..native.spectral import power_spectrum

        return power_spectrum(z, dither_floor, out)
    if exponent == 2.0:
        pairs = z.view(z.real.dtype).reshape(z.shape + (2,)) if z.flags.c_contiguous else None
        if overwrite and pairs is not None:
            np.square(pairs, out=pairs)
            out = np.add(pairs[..., 0], pairs[..., 1], out=out)
        else:
            re, im = (pairs[..., 0], pairs[..., 1]) if pairs is not None else (z.real, z.imag)
            out = np.multiply(re, re, out=out)
            out += im * im
    else:
        out = np.abs(z, out=out)
        np.power(out, exponent, out=out)
    if dither_floor:
        out += out.dtype.type(dither_floor)
    return out


@Power.compute
def power(x: Feature, p: Power) -> Feature:
    z = frame_major(x.data)                         # (..., frames, bins)
    floor = p.dither * (x.win_length or z.shape[-1]) if p.dither else 0.0
    out = power_of(z, p.exponent, floor)
    if p.normalize == "n_fft":
        out *= out.dtype.type(1.0 / (x.n_fft or 2 * (z.shape[-1] - 1)))
    out = out if p.dtype is None else out.astype(p.dtype, copy=False)
    return x.derive(frame_major(out), Kind.POWER)


# ------------------------------------------------------------------ fused form
@rule("window+rfft+power", ("htk_preemphasis", "window", "rfft", "power"),
      optional=("htk_preemphasis",), absorbs_scale=True)
def window_rfft_power(f: FusedOp, x: Feature) -> Feature:
    """``[htk_preemphasis ->] window -> rfft -> power`` on one chunk (see :func:`fused_power`)."""
    data, meta = fused_power(f, f.parts, x)
    return meta.derive(frame_major(data))


@rule("window+rfft", ("window", "rfft"))
def window_rfft(f: FusedOp, x: Feature) -> Feature:
    """``window -> rfft`` on one chunk whose spectrum has several readers (eGeMAPS' 20 ms
    grid: magnitude and power): the windowed frames go to a reused zero-padded work buffer
    (:func:`fused_spectrum`'s), transformed into the output; bit-equal to the two ops."""
    win, fft = f.parts
    frames = frame_major(x.data)
    if frames.dtype not in _COMPLEX:
        frames = frames.astype(np.float64)
    length, dtype = frames.shape[-1], frames.dtype
    n_fft = fft_length(fft.n_fft, fft_length(win.pad_to, length))
    lead = frames.shape[:-1]
    out = np.empty(lead + (n_fft // 2 + 1,), spectrum_dtype(dtype))
    spec, meta = fused_spectrum(f, f.parts, x, out=out)
    return x.derive(frame_major(spec), Kind.SPECTRUM, n_fft=n_fft, axis=meta.axis)


@rule("rfft+power", ("rfft", "power"))
def rfft_power(f: FusedOp, x: Feature) -> Feature:
    """``rfft -> power`` on one chunk whose frames come from elsewhere (a window with other
    readers): the frames are copied into a zero-padded work buffer, transformed into a
    reused complex buffer and squared (or their magnitude taken) into the output, the same
    operations as the two ops (bit-equal to them), without a complex array per chunk."""
    fft, pw = f.parts
    frames = frame_major(x.data)                              # (..., frames, length)
    if frames.dtype not in _COMPLEX:
        frames = frames.astype(np.float64)
    length, dtype = frames.shape[-1], frames.dtype
    n_fft = fft_length(fft.n_fft, length)
    bins = n_fft // 2 + 1
    lead, rows = frames.shape[:-1], math.prod(frames.shape[:-1])
    if length == n_fft:
        buf = frames
    else:
        buf = f.scratch("frames", rows, (n_fft,), dtype).reshape(lead + (n_fft,))
        buf[..., :length] = frames
        buf[..., length:] = 0
    spec = f.scratch("spectrum", rows, (bins,), spectrum_dtype(dtype)).reshape(lead + (bins,))
    spec = rfft_frames(buf, n_fft, out=spec)
    floor = pw.dither * (x.win_length or bins) if pw.dither else 0.0
    out = power_of(spec, pw.exponent, floor, out=np.empty(lead + (bins,), dtype),
                   overwrite=True)
    if pw.normalize == "n_fft":
        out *= out.dtype.type(1.0 / n_fft)
    out = out if pw.dtype is None else out.astype(pw.dtype, copy=False)
    return x.derive(frame_major(out), Kind.POWER, n_fft=n_fft, axis=bin_frequencies(n_fft, x.sr))


def fused_power(f: FusedOp, parts: tuple, x: Feature, scratch: bool = False):
    """``(power (..., frames, bins), metadata)`` of ``[htk_preemphasis ->] window -> rfft ->
    power`` on a chunk.

    The (pre-emphasised and) windowed frames are written into a zero-padded work buffer of
    ``n_fft`` points (the window times the source scale, when the plan folded
    it in), transformed into a reused complex buffer (:func:`fused_spectrum`),
    squared in place and summed into the output: a fresh array, or another
    work buffer when ``scratch`` (the caller consumes it at once).  Same
    operations as the three ops; equal to them bit for bit when the folded
    scale is a power of two (rastamat's 32768) or 1.
    """
    pw = parts[-1]
    spec, meta = fused_spectrum(f, parts[:-1], x)
    lead, bins, dtype = spec.shape[:-1], spec.shape[-1], meta.data.dtype
    rows = math.prod(lead)
    out = f.scratch("power", rows, (bins,), dtype).reshape(lead + (bins,)) if scratch else \
        np.empty(lead + (bins,), dtype)
    floor = pw.dither * (x.win_length or bins) if pw.dither else 0.0
    out = power_of(spec, pw.exponent, floor, out=out, overwrite=True)
    if pw.normalize == "n_fft":
        out *= out.dtype.type(1.0 / meta.n_fft)
    out = out if pw.dtype is None else out.astype(pw.dtype, copy=False)
    return out, meta


def spectrum_taps(f: FusedOp, parts: tuple, x: Feature) -> tuple | None:
    """``(c0, c1)`` (times the folded scale) when ``window -> rfft`` on this chunk is a
    periodic Hann or Hamming window on frames of even length without padding, so that
    the window can be applied after the FFT of the bare frames (:func:`raw_spectrum`);
    else None."""
    win, fft = parts
    sums = COSINE_WINDOWS.get(win.window)     # a0 + a1 cos: taps a0 and a1 / 2 (k +- 1)
    length = x.data.shape[-2]
    if (sums is None or len(sums) != 2 or not win.periodic or length % 2 or length < 4
            or fft_length(win.pad_to, length) != length
            or fft_length(fft.n_fft, length) != length
            or x.data.dtype not in (np.float32, np.float64)):
        return None
    return sums[0] * f.scale, sums[1] / 2 * f.scale


def raw_spectrum(f: FusedOp, x: Feature):
    """``(spectrum (..., frames, bins), power metadata)`` of the frames as they are, no
    window, no copy (the FFT reads the strided frames): the input of a kernel that
    applies :func:`spectrum_taps` itself.  The buffer is reused by the next chunk."""
    frames = frame_major(x.data)
    n_fft, dtype = frames.shape[-1], frames.dtype
    lead, rows = frames.shape[:-1], math.prod(frames.shape[:-1])
    bins = n_fft // 2 + 1
    spec = f.scratch("spectrum", rows, (bins,), spectrum_dtype(dtype)).reshape(lead + (bins,))
    spec = rfft_frames(frames, n_fft, out=spec)
    meta = x.derive(np.empty((0, 0), dtype), Kind.POWER, n_fft=n_fft,
                    axis=bin_frequencies(n_fft, x.sr))
    return spec, meta


def fused_spectrum(f: FusedOp, parts: tuple, x: Feature, out: np.ndarray | None = None):
    """``(spectrum (..., frames, bins) complex work buffer, power metadata)`` of ``[htk_preemphasis
    ->] window -> rfft`` on a chunk (see :func:`fused_power`); the buffer is reused by the next
    chunk (or the spectrum goes to ``out``).  Real frames are pre-emphasised, windowed and
    zero-padded into the FFT's work buffer in one pass
    (:func:`featgraph.native.windows.window_frames`, bit-equal to the ops)."""
    *pre, win, fft = parts
    coef = pre[0].coef if pre else 0.0                        # htk_preemphasis
    frames = frame_major(x.data)                              # (..., frames, length)
    if frames.dtype not in _COMPLEX:
        frames = frames.astype(np.float64)
    length, dtype = frames.shape[-1], frames.dtype
    padded = fft_length(win.pad_to, length)
    n_fft = fft_length(fft.n_fft, padded)
    bins = n_fft // 2 + 1
    start = 0 if win.pad_at == "end" else (padded - length) // 2
    w = _scaled_window(f, win, length, dtype)
    lead, rows = frames.shape[:-1], math.prod(frames.shape[:-1])
    buf = f.scratch("frames", rows, (n_fft,), dtype).reshape(lead + (n_fft,))
    if dtype in (np.float32, np.float64):
        from ..native.windows import window_frames
        # the zero padding is written when this buffer last held another layout (a run at
        # another rate: longer frames, same n_fft) and is left as it is otherwise
        pad = f.relayout("frames", (n_fft,), dtype, (length, start))
        window_frames(frames, w, buf, start, coef, pad=pad)
    else:                                   # complex frames: the numpy definition
        from ..native.reference_spectral import window_frames
        buf[...] = window_frames(frames, w, n_fft, start, coef)
    spec = f.scratch("spectrum", rows, (bins,), spectrum_dtype(dtype)).reshape(lead + (bins,)) \
        if out is None else out
    spec = rfft_frames(buf, n_fft, out=spec)
    meta = x.derive(np.empty((0, 0), dtype), Kind.POWER, n_fft=n_fft,
                    axis=bin_frequencies(n_fft, x.sr))
    return spec, meta


def _scaled_window(f: FusedOp, win, length: int, dtype) -> np.ndarray:
    """The window of ``length`` points in ``dtype`` times the folded scale (kept per
    layout in the step's cache)."""
    key = ("window", length, dtype)
    w = f.cache.get(key)
    if w is None:
        w = f.cache[key] = (window_function(win.window, length, win.periodic, win.param)
                            .astype(dtype) * dtype.type(f.scale))
    return w


def frame_windows(f: FusedOp, parts: tuple, x: Feature):
    """``(n_fft, windows, fft)`` of ``[htk_preemphasis ->] window -> rfft`` on a chunk of
    one channel's real frames (at least one): the chunk's
    :class:`featgraph.native.windows.FrameWindows` (the window times the folded scale) and
    ``fft(rows, out=)``, the real DFT of rows of ``n_fft`` values (:func:`rfft_frames`, the
    backend chosen once); None for several channels or complex frames, the general case of
    :func:`spectrum_tiles`."""
    frames = frame_major(x.data)
    if (frames.dtype not in (np.float32, np.float64) or frames.ndim != 2
            or not frames.shape[0]):
        return None
    from ..native.windows import FrameWindows

    *pre, win, fft = parts
    length = frames.shape[-1]
    padded = fft_length(win.pad_to, length)
    n_fft = fft_length(fft.n_fft, padded)
    start = 0 if win.pad_at == "end" else (padded - length) // 2
    windows = FrameWindows(frames, _scaled_window(f, win, length, frames.dtype), n_fft, start,
                           pre[0].coef if pre else 0.0)                 # htk_preemphasis
    if fft_backend() == "ducc0" and frames.dtype == np.float64:    # (float32: row groups)
        return n_fft, windows, functools.partial(_ducc_fft.r2c, axes=(-1,), forward=True,
                                                 nthreads=1)
    return n_fft, windows, lambda rows, out: rfft_frames(rows, n_fft, out=out)


def spectrum_tiles(f: FusedOp, parts: tuple | None, x: Feature, tile: int):
    """``(n_fft, tiles)``: ``tiles`` yields ``(start, stop, spectrum (..., stop - start,
    bins))`` for the frames ``start:stop`` of a chunk, ``tile`` frames at a time:
    :func:`fused_spectrum` of each tile (:func:`raw_spectrum`'s when ``parts`` is None),
    the layout prepared once.  Each spectrum is a work buffer that the next tile
    overwrites; the numbers are those of the whole chunk at once."""
    frames = frame_major(x.data)                              # (..., frames, length)
    if frames.dtype not in _COMPLEX:
        frames = frames.astype(np.float64)
    length, dtype = frames.shape[-1], frames.dtype
    n_fft, window, start, coef = length, None, 0, 0.0
    if parts is not None:
        *pre, win, fft = parts
        padded = fft_length(win.pad_to, length)
        n_fft = fft_length(fft.n_fft, padded)
        start = 0 if win.pad_at == "end" else (padded - length) // 2
        coef = pre[0].coef if pre else 0.0                    # htk_preemphasis
        window = _scaled_window(f, win, length, dtype)
    return n_fft, _tiles(f, frames, window, n_fft, (start, coef) if window is not None
                         else None, tile)


def _tiles(f: FusedOp, frames, window, n_fft: int, pre, tile: int):
    """:func:`spectrum_tiles`' tiles."""
    length, dtype, n = frames.shape[-1], frames.dtype, frames.shape[-2]
    channels, cdtype, bins = math.prod(frames.shape[:-2]), spectrum_dtype(dtype), n_fft // 2 + 1
    real = dtype in (np.float32, np.float64)
    if real:
        from ..native.windows import FrameWindows, window_frames
    else:                                       # complex frames: the numpy definition
        from ..native.reference_spectral import window_frames
    start, coef = pre or (0, 0.0)
    mono = None                                 # one channel: its frames laid out once
    if window is not None and real and channels == 1 and n:
        mono = FrameWindows(frames.reshape(n, length), window, n_fft, start, coef)
    for at in range(0, n, tile):
        m = min(tile, n - at)
        rows = frames[..., at:at + m, :]
        spec = f.scratch("spectrum", channels * m, (bins,), cdtype).reshape(
            rows.shape[:-1] + (bins,))
        if window is not None:
            buf = f.scratch("frames", channels * m, (n_fft,), dtype)
            if real:                            # padding as in fused_spectrum
                pad = f.relayout("frames", (n_fft,), dtype, (length, start))
                if mono is not None:
                    mono(at, buf, pad)
                else:
                    window_frames(rows, window, buf.reshape(rows.shape[:-1] + (n_fft,)),
                                  start, coef, pad=pad)
            else:
                buf[...] = window_frames(rows, window, n_fft, start, coef).reshape(buf.shape)
            rows = buf.reshape(rows.shape[:-1] + (n_fft,))
        yield at, at + m, rfft_frames(rows, n_fft, out=spec)

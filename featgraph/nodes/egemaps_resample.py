"""openSMILE 2.6's ``cSpecResample`` (the eGeMAPS formants' resampling to 11 kHz), in float64
and in openSMILE's own float32 arithmetic (its float32 Hamming product and FFT,
:mod:`featgraph.native.reference_smile_fft`, and its float32 synthesis), and its fused
form after ``window``.

The measured agreement and the rest of the formant chain (cLpc, cFormantLpc) are in
:mod:`featgraph.nodes.egemaps_formants`; the openSMILE C++ source was not read (the
rules were measured on openSMILE's levels ``gemapsv01b_winH25``, ``gemapsv01b_fftcH25``
and ``gemapsv01b_outpR``; tests/test_egemaps_resample.py, tests/test_native_smile_fft.py).

References
----------
openSMILE 2.6 documentation, component cSpecResample
(https://audeering.github.io/opensmile/).
"""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.fuse import FusedOp, rule
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.formants import smile_idft_f32, smile_rdft_f32
from ..native.reference_smile_fft import SIZES as SMILE_FFT_SIZES
from ._common import frame_major
from .framing import window_function
from .pitch import _irfft, _rfft

MAX_RATE = 384000.0


class SmileSpecResample(Node):
    """Resample each frame through its DFT, as openSMILE 2.6's ``cSpecResample``.

    Input: windowed frames ``(..., n, frames)`` at the signal's rate ``sr`` (not
    zero-padded: pad nothing in ``window``).  Each frame is placed in the middle
    of ``N`` zeros (``N`` the next power of two at or above ``n``, openSMILE's
    FFT length; offset ``(N - n) // 2``), transformed,
    ``X[k] = sum_j x[j] exp(-2 pi i k (j + offset) / N)``, and evaluated on the
    grid of the target rate ``fs'`` (``N' = N fs' / sr`` points per period)::

        y[m] = (2 / N) sum_{k=0}^{K-1} Re(X[k] exp(2 pi i k m / N')),   m = 0 .. M-1

    with ``M = round(n fs' / sr)`` output samples and ``K = M // 2`` bins.  So the
    output is the first ``M`` samples of the padded buffer at the new rate,
    band-limited to ``K`` bins (``K sr / N`` Hz: 3437.5 Hz at 16 kHz and at 8 kHz
    for eGeMAPS' 20 ms frames and ``fs' = 11000``), with the DC bin counted twice.
    All of this was measured (openSMILE's ``gemapsv01b_outpR`` level equals it to
    1e-6 of its range at 8 and 16 kHz); ``targetFs = 11000`` is eGeMAPSv02's
    ``gemapsv01b_resampLpc`` setting.  The samples are at ``fs'``: give that rate
    to :class:`LpcFormants` (``sample_rate``).

    Output ``(..., M, frames)``, kind frames, dtype kept (computed in float64).

    ``precision: single`` is openSMILE's own arithmetic, measured bit for bit: from frames,
    the frames rounded to float32 (``window: hamming``: times openSMILE's float32 symmetric
    Hamming window, a float32 product, its ``gemapsv01b_winH25``), its float32 FFT
    (:func:`featgraph.native.formants.smile_rdft_f32`, ``N`` = 256, 512 or 1024: 20 ms
    frames from 6.4 to 51.2 kHz; other ``N`` through a float64 FFT of the float32 frames,
    within a few float32 ulps), then the sum above evaluated directly in float32, bins ascending
    (:func:`smile_synthesis`); float32 out.  Fed the 20 ms frames of openSMILE's
    samples with ``window: hamming``, its window product, FFT and synthesis are
    ``gemapsv01b_winH25``, ``gemapsv01b_fftcH25`` and ``gemapsv01b_outpR`` bit for bit
    (tests/test_native_smile_fft.py).  From a spectrum the centred frame's DFT is the float64 one
    (below), rounded to float32.

    ``window`` (frames only): the window applied here, to unwindowed frames; null when the
    frames come windowed.  The eGeMAPS recipes feed the 20 ms frames with ``window:
    hamming`` so that the single-precision product is openSMILE's (a float64 ``window``
    op's product rounded to float32 is not).

    The input may also be the spectrum of the windowed frames zero-padded at their end
    to ``N`` (``window`` with ``pad_to: pow2``, then ``rfft``; the spectrum eGeMAPS' 20 ms
    descriptors read): the centred frame's ``X[k]`` is then that spectrum times ``exp(-2
    pi i k offset / N)`` (the shift theorem), which spares a second FFT of every frame.
    The two inputs give the same samples to rounding.

    Streaming: frame by frame.
    """

    op: Literal["smile_spec_resample"] = "smile_spec_resample"
    consumes: ClassVar = (Kind.FRAMES | Kind.SPECTRUM,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FRAMES

    target_rate: float = Field(11000.0, ge=1000.0, le=MAX_RATE, description="rate of the "
                               "output samples, Hz (eGeMAPS: 11000)")
    precision: Literal["double", "single"] = Field(
        "double", description="the arithmetic: double (float64 FFTs, dtype kept) or single "
                              "(openSMILE 2.6's float32 FFT and sum over the bins, float32 "
                              "out; the eGeMAPS recipes)")
    window: Literal["hamming"] | None = Field(
        None, description="window the (unwindowed) frames here: hamming is openSMILE's "
                          "symmetric Hamming, a float32 product with precision single; "
                          "null for frames windowed already")


MAX_MATRIX = 1 << 24
"""Largest ``n * M`` resampling matrix (128 MiB): only for rate ratios whose period ``N'``
is not a whole number of samples; whole ones go through two FFTs."""


def resample_plan(n: int, sr: float, target: float) -> tuple[int, float, int, int, int]:
    """``(N, N', M, K, offset)`` of :class:`SmileSpecResample` for frames of ``n`` samples."""
    big_n = 1 << max(0, (n - 1).bit_length())
    n_prime = big_n * target / sr
    m_out = max(1, int(np.floor(n * target / sr + 0.5)))
    k_bins = min(m_out // 2, big_n // 2 + 1)
    return big_n, n_prime, m_out, k_bins, (big_n - n) // 2


@functools.lru_cache(maxsize=16)
def resample_matrix(n: int, sr: float, target: float) -> np.ndarray:
    """``(n, M)`` real matrix taking a frame to its resampled samples (cached, read-only).

    ``W[j, m] = (2 / N) sum_{k<K} cos(2 pi k (m / N' - (j + offset) / N))``: the
    formula of :class:`SmileSpecResample` with the DFT expanded.
    """
    big_n, n_prime, m_out, k_bins, offset = resample_plan(n, sr, target)
    if n * m_out > MAX_MATRIX:
        raise ValueError(f"smile_spec_resample: {n}-sample frames to {target:g} Hz need a "
                         f"{n} x {m_out} matrix (the rate ratio gives no whole period); use "
                         "shorter frames or a target rate with N * target / sr whole")
    t = np.arange(m_out)[None, :] / n_prime - (np.arange(n)[:, None] + offset) / big_n
    w = np.zeros((n, m_out))
    for kk in range(k_bins):                     # K <= a few hundred: sum of cosines
        w += np.cos(2.0 * np.pi * kk * t)
    w *= 2.0 / big_n
    w.setflags(write=False)
    return w


def spec_resample(frames: np.ndarray, sr: float, target: float) -> np.ndarray:
    """The resampled frames ``(..., M)`` of ``frames`` ``(..., n)``, float64.

    When ``N' = N target / sr`` is whole (eGeMAPS: 352 at 8 and 16 kHz), the inverse is an
    inverse real FFT of length ``N'`` over the first ``K`` bins, DC doubled, scaled by
    ``N' / N``; otherwise the matrix of :func:`resample_matrix`.
    """
    n = frames.shape[-1]
    big_n, n_prime, m_out, k_bins, offset = resample_plan(n, sr, target)
    whole = abs(n_prime - round(n_prime)) < 1e-9 and k_bins <= int(round(n_prime)) // 2
    if not whole:
        return frames.astype(np.float64, copy=False) @ resample_matrix(n, sr, target)
    buf = np.zeros(frames.shape[:-1] + (big_n,))
    buf[..., offset:offset + n] = frames
    return _resample_padded(buf, sr, target, n)


def _resample_padded(buf: np.ndarray, sr: float, target: float, n: int) -> np.ndarray:
    """:func:`spec_resample` of frames of ``n`` samples already placed, zero-padded, in
    ``buf`` ``(..., N)`` (a whole period ``N'``)."""
    big_n, n_prime, m_out, k_bins, offset = resample_plan(n, sr, target)
    n_p = int(round(n_prime))
    spec = _rfft(buf, big_n)
    z = np.zeros(buf.shape[:-1] + (n_p // 2 + 1,), dtype=complex)
    z[..., :k_bins] = spec[..., :k_bins]
    z[..., 0] *= 2.0
    return _irfft(z, n_p)[..., :m_out] * (n_p / big_n)


@functools.lru_cache(maxsize=16)
def _synthesis_tables(k_bins: int, m_out: int, n_prime: float) -> tuple[np.ndarray, np.ndarray]:
    """``float32(cos(2 pi k m / N'))`` and ``float32(sin(...))``, ``(K, M)`` (read-only): the
    angle and its cosine in float64, rounded once."""
    th = 2.0 * np.pi * np.outer(np.arange(k_bins), np.arange(m_out)) / n_prime
    tabs = (np.cos(th).astype(np.float32), np.sin(th).astype(np.float32))
    for t in tabs:
        t.setflags(write=False)
    return tabs


def smile_synthesis(centred: np.ndarray, big_n: int, n_prime: float, m_out: int) -> np.ndarray:
    """openSMILE 2.6's cSpecResample synthesis in float32, ``(frames, M)`` float32, from the
    first ``K`` bins ``(frames, K)`` (complex) of the DFT of frames centred in ``N`` samples.

    The real part and the negated imaginary part (openSMILE's spectra hold ``sum x sin``) are
    rounded to float32, and ``y[m] = (2 / N) sum_k (Re X[k] c[k, m] - Im X[k] s[k, m])`` is
    summed by :func:`featgraph.native.formants.smile_idft_f32` (one float32 accumulator per
    sample, bins ascending, the cosine term then the sine term, ``2 / N`` last) with the
    tables of :func:`_synthesis_tables`.  Measured black-box: fed openSMILE's own
    ``gemapsv01b_fftcH25`` this is its ``gemapsv01b_outpR`` bit for bit on every frame of the
    three reference speech files (16 and 8 kHz); a float64 accumulator, the bins descending,
    the two terms of a bin summed first or the two parts in separate accumulators miss on
    88 % of the samples or more (tests/test_egemaps_resample.py).
    """
    k_bins = centred.shape[-1]
    flat = centred.reshape(-1, k_bins)
    return smile_synthesis_parts(flat.real, -flat.imag, big_n, n_prime,
                                 m_out).reshape(centred.shape[:-1] + (m_out,))


def smile_synthesis_parts(re: np.ndarray, im: np.ndarray, big_n: int, n_prime: float,
                          m_out: int) -> np.ndarray:
    """:func:`smile_synthesis` from the real parts ``re`` and the + sine parts ``im``
    (``sum x sin``: minus the imaginary parts) ``(frames, K)``, rounded to float32."""
    cos_tab, sin_tab = _synthesis_tables(re.shape[-1], m_out, float(n_prime))
    return smile_idft_f32(re, im, cos_tab, sin_tab, 2.0 / big_n)


def smile_window(n: int) -> np.ndarray:
    """openSMILE's symmetric Hamming window of ``n`` points as float32 (its cWindower's
    table: ``float32(frame) * this`` is its ``gemapsv01b_winH25``, measured bit for bit)."""
    return window_function("hamming", n, False).astype(np.float32)


def _single_from_frames(frames: np.ndarray, sr: float, target: float,
                        window: str | None = None, rows: np.ndarray | None = None,
                        ) -> np.ndarray:
    """``precision: single`` from frames ``(..., n)`` (with ``rows``: those of the frames
    ``(frames, n)``, ``(len(rows), M)``): rounded to float32, times openSMILE's float32
    window when ``window``, openSMILE's float32 FFT of the frame centred in ``N`` zeros
    (``N`` in the kernel's sizes; else a float64 FFT of the float32 frames), openSMILE's
    float32 synthesis."""
    n = frames.shape[-1]
    big_n, n_prime, m_out, k_bins, offset = resample_plan(n, sr, target)
    lead = frames.shape[:-1] if rows is None else (len(rows),)
    flat = frames.reshape(-1, n)
    w = smile_window(n) if window else None
    if big_n in SMILE_FFT_SIZES:
        n_out = min(2 * k_bins, big_n)
        spec = smile_rdft_f32(flat, big_n, offset, n_out, w, rows)
        re = np.ascontiguousarray(spec[:, 0::2])      # R0, R1, .. (R(N/2) is value 1)
        im = np.empty_like(re)
        im[:, 0] = 0.0
        im[:, 1:] = spec[:, 3::2][:, :k_bins - 1]
        if k_bins > big_n // 2:                       # every bin: R(N/2) last, no sine part
            re = np.concatenate([re, spec[:, 1:2]], axis=1)
            im = np.concatenate([im, np.zeros_like(im[:, :1])], axis=1)
        y = smile_synthesis_parts(re, im, big_n, n_prime, m_out)
        return y.reshape(lead + (m_out,))
    sel = flat if rows is None else flat[rows]
    x32 = sel.astype(np.float32) if w is None else sel.astype(np.float32) * w
    buf = np.zeros((sel.shape[0], big_n))
    buf[:, offset:offset + n] = x32
    y = smile_synthesis(_rfft(buf, big_n)[..., :k_bins], big_n, n_prime, m_out)
    return y.reshape(lead + (m_out,))


def _check_unpadded(x: Feature, n: int) -> None:
    if x.win_length is not None and x.win_length != n:
        raise ValueError(f"smile_spec_resample needs unpadded frames (frame length "
                         f"{x.win_length}, got {n} values): drop pad_to from the window")


def _resampled(x: Feature, y: np.ndarray, dtype) -> Feature:
    return x.derive(frame_major(np.ascontiguousarray(y.astype(dtype, copy=False))),
                    Kind.FRAMES, win_length=y.shape[-1], axis=None, n_fft=None)


@functools.lru_cache(maxsize=16)
def _shift(big_n: int, k_bins: int, offset: int) -> np.ndarray:
    """``exp(-2 pi i k offset / N)``, ``k < K``: a frame's spectrum moved ``offset`` samples
    later in its ``N``-point buffer (read-only)."""
    ph = np.exp(-2j * np.pi * np.arange(k_bins) * offset / big_n)
    ph.setflags(write=False)
    return ph


def _resample_spectrum(x: Feature, p: SmileSpecResample) -> Feature:
    """:class:`SmileSpecResample` from the spectrum of end-padded frames."""
    dtype = np.float32 if p.precision == "single" else x.data.real.dtype
    return _resampled(x, resample_spectrum_rows(x, p.target_rate, precision=p.precision), dtype)


def resample_spectrum_rows(x: Feature, target_rate: float, rows: np.ndarray | None = None,
                           dtype=np.float64, precision: str = "double") -> np.ndarray:
    """The resampled frames ``(..., M)`` (``dtype``) of :class:`SmileSpecResample` from the
    spectrum ``x`` of end-padded frames; with ``rows`` (indices into the frames, one
    channel), those frames only, ``(len(rows), M)``: only the bins the inverse reads are
    gathered.  The same operations on each frame as the whole spectrum's, rounded once to
    ``dtype`` (float32 for the single-precision LPC that reads them); ``precision:
    single`` sums openSMILE's float32 synthesis (:func:`smile_synthesis`)."""
    spec = frame_major(x.data)
    n, big_n, sr = x.win_length, x.n_fft, float(x.sr)
    if not n or not big_n or spec.shape[-1] != big_n // 2 + 1 or \
            big_n != 1 << max(0, (n - 1).bit_length()):
        raise ValueError("smile_spec_resample: feed it the frames, or the rfft of the frames "
                         "windowed with pad_to: pow2 (a spectrum of n_fft = the next power of "
                         f"two of the frame length; got n_fft {big_n}, frame length {n})")
    if rows is not None:
        spec = spec.reshape(-1, spec.shape[-1])
    _, n_prime, m_out, k_bins, offset = resample_plan(n, sr, target_rate)
    if precision == "single":
        sel = spec[..., :k_bins] if rows is None else spec[rows, :k_bins]
        centred = sel.astype(np.complex128, copy=False) * _shift(big_n, k_bins, offset)
        return smile_synthesis(centred, big_n, n_prime, m_out).astype(dtype, copy=False)
    if abs(n_prime - round(n_prime)) >= 1e-9 or k_bins > int(round(n_prime)) // 2:
        sel = spec if rows is None else spec[rows]
        frames = _irfft(sel.astype(np.complex128, copy=False), big_n)[..., :n]
        return (frames @ resample_matrix(n, sr, target_rate)).astype(dtype, copy=False)
    n_p = int(round(n_prime))
    sel = spec[..., :k_bins] if rows is None else spec[rows, :k_bins]
    z = np.empty(sel.shape[:-1] + (n_p // 2 + 1,), dtype=np.complex128)
    z[..., k_bins:] = 0
    np.multiply(sel, _shift(big_n, k_bins, offset), out=z[..., :k_bins])
    z[..., 0] *= 2.0
    full = _irfft(z, n_p)                              # scaled straight into a contiguous
    return np.multiply(full[..., :m_out], n_p / big_n,  # output (no second copy)
                       out=np.empty(full.shape[:-1] + (m_out,), dtype))


@SmileSpecResample.compute
def smile_spec_resample(x: Feature, p: SmileSpecResample) -> Feature:
    if x.kind == Kind.SPECTRUM:
        if p.window:
            raise ValueError("smile_spec_resample: window applies to frames, not to a "
                             "spectrum (its frames were windowed already)")
        return _resample_spectrum(x, p)
    frames = frame_major(x.data)
    _check_unpadded(x, frames.shape[-1])
    if p.precision == "single":
        return _resampled(x, _single_from_frames(frames, float(x.sr), p.target_rate,
                                                 p.window), np.float32)
    if p.window:
        frames = frames * window_function(p.window, frames.shape[-1], False)
    return _resampled(x, spec_resample(frames, float(x.sr), p.target_rate), x.data.dtype)


@rule("window+smile_spec_resample", ("window", "smile_spec_resample"),
      accepts=lambda models: models[0].pad_to is None)
def window_spec_resample(f: FusedOp, x: Feature) -> Feature:
    """``window -> smile_spec_resample`` on one chunk of float64 frames (eGeMAPS' Hamming
    frames before LPC): the windowed frames are written straight into the resampler's
    zero-padded buffer (reused from chunk to chunk) instead of a windowed array and then a
    padded copy; the same products and transforms, bit-equal to the two ops.  Other dtypes
    and rate ratios without a whole period run the two ops."""
    win, rs = f.parts
    if rs.window:                       # a second window: the two ops
        return rs(win(x))
    frames = frame_major(x.data)
    n, sr = frames.shape[-1], float(x.sr)
    big_n, n_prime, m_out, k_bins, offset = resample_plan(n, sr, rs.target_rate)
    whole = abs(n_prime - round(n_prime)) < 1e-9 and k_bins <= int(round(n_prime)) // 2
    if frames.dtype != np.float64 or not whole or rs.precision == "single":
        return rs(win(x))
    _check_unpadded(x, n)
    w = window_function(win.window, n, win.periodic, win.param)
    lead, rows = frames.shape[:-1], int(np.prod(frames.shape[:-1]))
    buf = f.scratch("frames", rows, (big_n,), np.float64).reshape(lead + (big_n,))
    buf[..., :offset] = 0
    buf[..., offset + n:] = 0
    np.multiply(frames, w, out=buf[..., offset:offset + n])
    return _resampled(x, _resample_padded(buf, sr, rs.target_rate, n), np.float64)

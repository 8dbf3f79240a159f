"""The mel filterbank, in librosa's, python_speech_features' and HTK's constructions.

References
----------
M. Slaney, "Auditory Toolbox", Technical Report 1998-010, Interval Research (the
Slaney mel scale: linear below 1 kHz, logarithmic above; area-normalised filters).
S. Young et al., *The HTK Book* (HTK 3.4), section 5.4 "Filterbank analysis":
``Mel(f) = 2595 log10(1 + f / 700) = 1127 ln(1 + f / 700)``; triangular filters
equally spaced on the mel scale, DC excluded.
librosa 0.11 documentation, ``librosa.filters.mel`` and ``librosa.mel_frequencies``.
python_speech_features 0.6 documentation, ``get_filterbanks``.
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.fuse import FusedOp, rule
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.framed import framed_power_filterbank, framed_supported
from ..native.spectral import BandedPowerFilterbank, tiled_power_filterbank
from ._common import _prepared, apply_filterbank, frame_major
from .cepstral import log_values, power_to_db_values
from .shaping import affine_values
from .spectral import (bin_frequencies, frame_windows, fused_power, fused_spectrum, power_of,
                       raw_spectrum, spectrum_dtype, spectrum_taps, spectrum_tiles)

# Slaney's scale: 3 mels per 200 Hz up to 1 kHz (15 mels), then 27 mels per factor 6.4.
SLANEY_F_SP = 200.0 / 3
SLANEY_MIN_LOG_HZ = 1000.0
SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP
SLANEY_LOGSTEP = math.log(6.4) / 27.0


def hz_to_mel(f, scale: str = "slaney"):
    """Hz to mel: ``2595 log10(1 + f/700)`` (``htk``) or Slaney's piecewise scale (``slaney``)."""
    f = np.asarray(f, dtype=np.float64)
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    lin = f / SLANEY_F_SP
    with np.errstate(divide="ignore"):
        log = SLANEY_MIN_LOG_MEL + np.log(np.maximum(f, 1e-300) / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP
    return np.where(f >= SLANEY_MIN_LOG_HZ, log, lin)


def mel_to_hz(m, scale: str = "slaney"):
    """The inverse of :func:`hz_to_mel`."""
    m = np.asarray(m, dtype=np.float64)
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    log = SLANEY_MIN_LOG_HZ * np.exp(SLANEY_LOGSTEP * (m - SLANEY_MIN_LOG_MEL))
    return np.where(m >= SLANEY_MIN_LOG_MEL, log, SLANEY_F_SP * m)


class MelFilterbank(Node):
    """Triangular filters equally spaced on a mel scale, applied to a power or magnitude spectrum.

    ``(..., n_fft // 2 + 1, frames) -> (..., n_mels, frames)``, ``y = W x``, dtype kept;
    the feature axis holds the filters' centre frequencies in Hz.  With
    ``n_mels + 2`` points ``f_0 < ... < f_{M+1}`` equally spaced in mel between
    ``fmin`` and ``fmax``, filter ``i`` rises from ``f_i`` to ``f_{i+1}`` and falls to
    ``f_{i+2}``.  ``layout`` chooses how the triangles meet the FFT bins:

    - ``librosa``: triangles linear in Hz, evaluated at the bin frequencies
      ``k sr / n_fft`` (``librosa.filters.mel``).  ``mel_scale``: ``slaney``
      (default, librosa's ``htk=False``) or ``htk``.
    - ``psf``: python_speech_features' ``get_filterbanks``: the points are snapped
      to bins ``b_i = floor((n_fft + 1) f_i / sr)`` and filter ``i`` is
      ``(k - b_i) / (b_{i+1} - b_i)`` for ``b_i <= k < b_{i+1}``,
      ``(b_{i+2} - k) / (b_{i+2} - b_{i+1})`` for ``b_{i+1} <= k < b_{i+2}``; HTK mel scale.
    - ``htk``: HTK's filterbank (The HTK Book 5.4): triangles linear in *mel*,
      over the bins ``klo..khi`` only (``klo = max(1, floor(fmin n_fft / sr + 1.5))``,
      ``khi = min(n_fft/2 - 1, floor(fmax n_fft / sr - 0.5))``, 0-based: DC and
      Nyquist excluded by default); HTK mel scale, ``fmax`` the Nyquist frequency.
    - ``kaldi``: Kaldi's ``MelBanks`` (``feat/mel-computations.cc``; also
      kaldi-native-fbank and ``torchaudio.compliance.kaldi``): triangles linear in
      mel (``1127 ln(1 + f/700)``) between the points ``mel(fmin) + i * delta``,
      ``delta = (mel(fmax) - mel(fmin)) / (n_mels + 1)``, evaluated at the bins
      ``k = 0 .. n_fft/2 - 1`` strictly inside each triangle (the Nyquist bin gets
      no weight); Kaldi's default ``fmin`` is 20 Hz, and an ``fmax`` of 0 or below is
      an offset from the Nyquist frequency (``--high-freq=-400``: ``sr / 2 - 400``), as
      Kaldi's MelBanksOptions define it (this layout only).  With ``allow_empty`` its
      empty filters are kept without a warning, as kaldi-native-fbank and
      torchaudio keep them (128 bins at 16 kHz leave six empty).

    ``norm``: ``none`` (peak 1 at the centre frequency), ``slaney`` (filter
    ``i`` scaled by ``2 / (f_{i+2} - f_i)``, constant energy per band; librosa's
    default) or ``peak`` (each row divided by its largest weight).

    An empty filter (no FFT bin inside its triangle), or one that sees the same
    single bin as its neighbour (a redundant channel), is an error naming the
    largest ``n_mels`` that works; ``allow_empty: true`` keeps it, with a
    warning, as librosa does.  ``fmax_clip: true`` lowers an ``fmax`` above the
    Nyquist frequency to it, as openSMILE's ``cMelspec`` does with ``hifreq``
    (eGeMAPS' 20-8000 Hz bands at 8 kHz span 20-4000 Hz, measured).  The ``psf`` layout also rejects coinciding bin
    points (degenerate, one-sided or empty channels, e.g. ``nfilt=80`` at
    ``nfft=512``).

    Streaming: framewise.
    """

    op: Literal["mel_filterbank"] = "mel_filterbank"
    consumes: ClassVar = (Kind.POWER,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.BANDS

    n_mels: int = Field(128, ge=1, le=2048, description="number of filters")
    fmin: float = Field(0.0, ge=0, le=1e6, description="lowest edge, Hz")
    fmax: float | None = Field(None, ge=-1e6, le=1e6, description="highest edge, Hz; null: "
                               "sr / 2; layout kaldi: 0 or below is an offset from sr / 2")
    layout: Literal["librosa", "psf", "htk", "kaldi"] = Field(
        "librosa", description="how triangles meet FFT bins (see the op)")
    mel_scale: Literal["slaney", "htk"] | None = Field(
        None, description="slaney or htk (2595 log10(1 + f/700)); null: slaney for the "
                          "librosa layout, htk otherwise")
    norm: Literal["none", "slaney", "peak"] | None = Field(
        None, description="filter scaling; null: slaney for the librosa layout, none otherwise")
    allow_empty: bool = Field(False, description="keep empty filters with a warning (librosa's "
                                                 "behaviour) instead of an error")
    fmax_clip: bool = Field(False, description="lower an fmax above the Nyquist frequency to "
                                               "it (openSMILE's cMelspec) instead of an error")

    @model_validator(mode="after")
    def _check(self):
        if self.fmax is not None and self.fmax <= 0 and self.layout != "kaldi":
            raise ValueError(f"fmax = {self.fmax:g} must be > 0 (an offset from the Nyquist "
                             "frequency, 0 or below, is Kaldi's convention: layout: kaldi)")
        if self.fmax is not None and 0 < self.fmax <= self.fmin:
            raise ValueError(f"fmax = {self.fmax:g} must exceed fmin = {self.fmin:g}")
        if self.layout != "librosa" and self.mel_scale == "slaney":
            raise ValueError(f"layout {self.layout} uses the htk mel scale; drop mel_scale or "
                             "use layout: librosa")
        return self

    def resolved(self) -> tuple[str, str]:
        """``(mel_scale, norm)`` with the layout's defaults filled in."""
        scale = self.mel_scale or ("slaney" if self.layout == "librosa" else "htk")
        norm = self.norm or ("slaney" if self.layout == "librosa" else "none")
        return scale, norm


def mel_points(n: int, fmin: float, fmax: float, scale: str) -> np.ndarray:
    """``n`` frequencies in Hz equally spaced in mel from ``fmin`` to ``fmax`` (inclusive)."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin, scale), hz_to_mel(fmax, scale), n), scale)


@functools.lru_cache(maxsize=32)
def mel_weights(sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float,
                layout: str, scale: str, norm: str) -> tuple[np.ndarray, np.ndarray]:
    """``(W, centres)``: the ``(n_mels, n_fft // 2 + 1)`` float64 weights (read-only, cached)
    and the filters' centre frequencies in Hz.  See :class:`MelFilterbank`."""
    n_bins = n_fft // 2 + 1
    if layout == "psf":
        w, f = _psf_weights(sr, n_fft, n_mels, fmin, fmax)
    elif layout == "htk":
        w, f = _htk_weights(sr, n_fft, n_mels, fmin, fmax)
    elif layout == "kaldi":
        w, f = _kaldi_weights(sr, n_fft, n_mels, fmin, fmax)
    else:
        f = mel_points(n_mels + 2, fmin, fmax, scale)
        if not np.all(np.diff(f) > 0):                 # fmax a denormal step above fmin
            raise ValueError(f"mel_filterbank: fmin = {fmin:g} Hz and fmax = {fmax:g} Hz are "
                             f"too close to place {n_mels} filters; widen the range")
        bins = np.linspace(0.0, sr / 2, n_bins)
        rise = (bins[None, :] - f[:-2, None]) / np.diff(f)[:-1, None]
        fall = (f[2:, None] - bins[None, :]) / np.diff(f)[1:, None]
        w = np.maximum(0.0, np.minimum(rise, fall))
    if norm == "slaney":
        w = w * (2.0 / (f[2:] - f[:-2]))[:, None]
    elif norm == "peak":
        peak = w.max(axis=1, keepdims=True)
        w = w / np.where(peak > 0, peak, 1.0)
    w.setflags(write=False)
    centres = f[1:-1].copy()
    centres.setflags(write=False)
    return w, centres


def _psf_weights(sr, n_fft, n_mels, fmin, fmax):
    mels = np.linspace(2595 * np.log10(1 + fmin / 700.), 2595 * np.log10(1 + fmax / 700.),
                       n_mels + 2)
    f = 700 * (10 ** (mels / 2595.0) - 1)
    b = np.floor((n_fft + 1) * f / sr)
    k = np.arange(n_fft // 2 + 1)[None, :]
    lo, mid, hi = b[:-2, None], b[1:-1, None], b[2:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where((k >= lo) & (k < mid), (k - lo) / (mid - lo), 0.0)
        fall = np.where((k >= mid) & (k < hi), (hi - k) / (hi - mid), 0.0)
    return rise + fall, f


def _htk_weights(sr, n_fft, n_mels, fmin, fmax):
    half = n_fft // 2
    klo = max(1, int(fmin * n_fft / sr + 1.5))            # HTK: (int)(lopass*fftN/sr + 2.5), 1-based
    khi = min(half - 1, int(fmax * n_fft / sr - 0.5))     # HTK: (int)(hipass*fftN/sr + 0.5), 1-based
    mlo, mhi = 1127.0 * np.log1p(fmin / 700.0), 1127.0 * np.log1p(fmax / 700.0)
    cf = mlo + np.arange(n_mels + 2) / (n_mels + 1) * (mhi - mlo)   # cf[0] = mlo
    w = np.zeros((n_mels, half + 1))
    k = np.arange(klo, khi + 1)
    m = 1127.0 * np.log1p(k * sr / n_fft / 700.0)
    lo = np.searchsorted(cf[1:], m, side="left")          # channels (1-based) with cf < m
    lo = np.minimum(lo, n_mels + 1)
    upper = cf[np.minimum(lo + 1, n_mels + 1)]
    weight = (upper - m) / (upper - cf[lo])
    for ch, wt in ((lo, weight), (lo + 1, 1.0 - weight)):   # HTK: lower and upper channel
        ok = (ch >= 1) & (ch <= n_mels)
        w[ch[ok] - 1, k[ok]] = wt[ok]
    return w, 700.0 * np.expm1(cf / 1127.0)


def _kaldi_weights(sr, n_fft, n_mels, fmin, fmax):
    mlo, mhi = 1127.0 * np.log1p(fmin / 700.0), 1127.0 * np.log1p(fmax / 700.0)
    edges = mlo + np.arange(n_mels + 2) * ((mhi - mlo) / (n_mels + 1))
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    m = 1127.0 * np.log1p(np.arange(n_fft // 2) * (sr / n_fft) / 700.0)[None, :]
    inside = (m > left) & (m < right)
    tri = np.where(m <= centre, (m - left) / (centre - left), (right - m) / (right - centre))
    w = np.zeros((n_mels, n_fft // 2 + 1))
    w[:, :-1] = np.where(inside, tri, 0.0)
    return w, 700.0 * np.expm1(edges / 1127.0)


def _empty_rows(w: np.ndarray, layout: str, sr: float, n_fft: int, fmin, fmax) -> list[int]:
    """Filters with no weight, or proportional to their lower neighbour (the same single bin)."""
    peak = w.max(axis=1)
    rows = [int(i) for i in np.flatnonzero(peak <= 0)]
    unit = w / np.where(peak > 0, np.linalg.norm(w, axis=1), 1.0)[:, None]
    same = np.abs(np.diff(unit, axis=0)).max(axis=1, initial=0.0) < 1e-9
    rows = sorted(set(rows) | {int(i) + 1 for i in np.flatnonzero(same & (peak[1:] > 0))})
    if layout == "psf":
        mels = np.linspace(2595 * np.log10(1 + fmin / 700.), 2595 * np.log10(1 + fmax / 700.),
                           w.shape[0] + 2)
        b = np.floor((n_fft + 1) * 700 * (10 ** (mels / 2595.0) - 1) / sr)
        rows = sorted(set(rows) | {int(i) for i in np.flatnonzero((np.diff(b)[:-1] <= 0) |
                                                                    (np.diff(b)[1:] <= 0))})
    return rows


@MelFilterbank.compute
def mel_filterbank(x: Feature, p: MelFilterbank) -> Feature:
    n_fft = x.n_fft or 2 * (x.data.shape[-2] - 1)
    if x.data.shape[-2] != n_fft // 2 + 1:
        raise ValueError(f"mel_filterbank: the input has {x.data.shape[-2]} bins per frame, "
                         f"not n_fft // 2 + 1 = {n_fft // 2 + 1}")
    w = filterbank_for(p, x.sr, n_fft)
    y = apply_filterbank(frame_major(x.data), w)
    return x.derive(frame_major(y), Kind.BANDS, axis=mel_weights(*_key(p, x.sr, n_fft))[1])


def _key(p: MelFilterbank, sr: float, n_fft: int) -> tuple:
    fmax = sr / 2 if p.fmax is None else p.fmax
    if fmax <= 0:                                     # layout kaldi: offset from Nyquist
        fmax = sr / 2 + fmax
    if p.fmax_clip:
        fmax = min(fmax, sr / 2)
    scale, norm = p.resolved()
    return float(sr), int(n_fft), p.n_mels, float(p.fmin), float(fmax), p.layout, scale, norm


@functools.lru_cache(maxsize=64)
def filterbank_for(p: MelFilterbank, sr: float, n_fft: int) -> np.ndarray:
    """The weights of ``p`` at ``sr`` and ``n_fft``; empty filters raise (or warn)."""
    key = _key(p, sr, n_fft)
    fmax = key[4]
    if fmax > sr / 2 + 1e-9 and p.layout != "librosa":
        raise ValueError(f"mel_filterbank: fmax = {fmax:g} Hz is above the Nyquist frequency "
                         f"{sr / 2:g} Hz; use fmax <= {sr / 2:g}")
    if fmax <= p.fmin:
        raise ValueError(f"mel_filterbank: fmin = {p.fmin:g} Hz is not below fmax = {fmax:g} Hz")
    w = mel_weights(*key)[0]
    empty = _empty_rows(w, p.layout, sr, n_fft, p.fmin, fmax)
    if empty:
        def fits(n):
            return not _empty_rows(mel_weights(*key[:2], n, *key[3:])[0], p.layout, sr, n_fft,
                                   p.fmin, fmax)
        lo, hi = 0, p.n_mels - 1          # bisect for the largest count without empty filters
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
        best = lo
        msg = (f"mel_filterbank: {len(empty)} of the {p.n_mels} filters ({_listing(empty)}) "
               f"{'are empty or degenerate' if p.layout == 'psf' else 'are empty'} at "
               f"sr = {sr:g} Hz, n_fft = {n_fft} (FFT bins {sr / n_fft:.4g} Hz apart): "
               f"use n_mels <= {best}, a larger n_fft, or a higher fmin")
        if not p.allow_empty:
            raise ValueError(msg + " (allow_empty: true keeps them, as librosa does)")
        if p.layout != "kaldi":     # Kaldi's extractors keep them silently: log(epsilon) rows
            warnings.warn(msg + "; kept because allow_empty is true", stacklevel=2)
    return w


def _listing(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:6])
    return shown + (", ..." if len(rows) > 6 else "")


# ------------------------------------------------------------------ fused form
TAILS = ("power_to_db", "log", "affine")
"""Framewise ops on the mel bands that the fused step applies in place, in this order."""


SPECTRUM_OPS = ("htk_preemphasis", "window", "rfft", "power")
"""The ops of a fused-filterbank rule before the filterbank (the first three optional)."""


_TAIL_VALUES = {"power_to_db": power_to_db_values, "log": log_values, "affine": affine_values}


def plain_power(filterbank: str):
    """``accepts`` of a fused-filterbank rule: ``[[htk_preemphasis ->] window -> rfft ->]
    power -> filterbank [-> power_to_db] [-> log] [-> affine]`` with the plain power ``|X|^2`` or
    magnitude ``|X|``, optionally divided by ``n_fft`` (python_speech_features)."""
    def accepts(models) -> bool:
        models = [m for m in models if m.op not in TAILS]
        ops = [m.op for m in models]
        if ops not in (["htk_preemphasis", "window", "rfft", "power", filterbank],
                       ["window", "rfft", "power", filterbank], ["power", filterbank]):
            return False
        pw = models[-2]
        return pw.exponent in (1.0, 2.0) and not pw.dither and pw.dtype is None
    return accepts


@rule("spectrum+mel", SPECTRUM_OPS + ("mel_filterbank",) + TAILS,
      optional=SPECTRUM_OPS[:3] + TAILS, accepts=plain_power("mel_filterbank"),
      absorbs_scale=True)
def fused_mel(f: FusedOp, x: Feature) -> Feature:
    """``[[htk_preemphasis ->] window -> rfft ->] power -> mel_filterbank`` on one chunk (see
    :func:`fused_filterbank`)."""
    return fused_filterbank(f, x, lambda m, sr, n_fft: (
        filterbank_for(m, sr, n_fft), mel_weights(*_key(m, sr, n_fft))[1]))


def fused_filterbank(f: FusedOp, x: Feature, weights_of) -> Feature:
    """``[[htk_preemphasis ->] window -> rfft ->] power -> <filterbank>`` on one chunk: the
    power (or magnitude) of each frame goes straight into the band-limited filter sums
    (:class:`featgraph.native.spectral.BandedPowerFilterbank`, prepared once per layout
    and kept in the step's cache), so the power spectrogram
    is never written (with the window and FFT, the spectrum is a reused work buffer).
    ``weights_of(model, sr, n_fft)`` gives the filterbank's ``(weights, axis)``.  A
    following ``power_to_db``, ``log`` and ``affine`` run in place on the bands.  A periodic Hann or
    Hamming window is applied by the kernel to the spectrum of the bare frames
    (:func:`featgraph.nodes.spectral.spectrum_taps`): no windowed copy of the frames is
    made; equal to the ops one by one to rounding.  Otherwise equal bit for bit (a dense
    filterbank takes the power from a work buffer and the ops' product), but for a power
    divided by ``n_fft`` (python_speech_features' ``powspec``), which the banded kernel
    divides after the filter sums: bit for bit when ``n_fft`` is a power of two (a
    division by ``2^k`` commutes with every rounding), to rounding otherwise."""
    parts = tuple(p for p in f.parts if p.op not in TAILS)
    tails = f.parts[len(parts):]
    bank = parts[-1]
    layout = ("taps", x.sr, x.data.shape[-2], x.data.dtype)
    if layout not in f.cache:                   # per layout: decided on the first chunk
        taps = spectrum_taps(f, parts[:2], x) if len(parts) == 4 else None
        w = weights_of(bank, x.sr, x.data.shape[-2])[0] if taps is not None else None
        if taps is not None and not _prepared(w, x.data.dtype)[3]:
            taps = None                         # a dense filterbank: window in time
        if (taps is not None and x.data.ndim == 2
                and framed_supported(x.data.shape[-2], w.shape[0])):
            taps = None                         # one channel: the framed kernel, in time
        f.cache[layout] = taps
    taps = f.cache[layout]
    y = None
    lean = frame_windows(f, parts[:-2], x) if len(parts) >= 4 and taps is None else None
    if lean is not None:                        # one channel windowed in time: one C loop
        n_fft = lean[0]
        w, axis, kernel = _bank(f, x, n_fft, spectrum_dtype(lean[1].frames.dtype), None,
                                parts, weights_of)
        y = _lean_tiles(f, lean, kernel)
    if y is not None:
        meta = x.derive(np.empty((0, 0), y.dtype), Kind.POWER, n_fft=n_fft,
                        axis=bin_frequencies(n_fft, x.sr))
        if parts[-2].normalize == "n_fft":      # as below
            y *= y.dtype.type(1.0 / n_fft)
    else:
        y, meta, axis = _general(f, x, parts, taps, weights_of)
    for tail in tails:                          # y is this step's own array: in place
        y = _TAIL_VALUES[tail.op](y, tail, out=y)
    return meta.derive(frame_major(y), Kind.BANDS, axis=axis)


def _general(f: FusedOp, x: Feature, parts: tuple, taps, weights_of) -> tuple:
    """``(band sums (..., frames, n_bands), power metadata, axis)`` of
    :func:`fused_filterbank` on a chunk in the general case: several channels, a
    spectrum as input, a window applied to the spectrum, or a dense filterbank."""
    bank, exponent = parts[-1], parts[-2].exponent
    tiles = None
    if len(parts) >= 4:                         # the first tile: the layout, the kernel
        n_fft, tiles = spectrum_tiles(f, None if taps is not None else parts[:-2], x,
                                      TILE_FRAMES)
        spec = next(tiles, (0, 0, None))[2]
        if spec is None:                        # no frames: the layout of one
            spec = (raw_spectrum(f, x) if taps is not None else
                    fused_spectrum(f, parts[:-2], x))[0]
        meta = x.derive(np.empty((0, 0), spec.real.dtype), Kind.POWER, n_fft=n_fft,
                        axis=bin_frequencies(n_fft, x.sr))
    else:
        spec = frame_major(x.data)                               # (..., frames, bins)
        meta = x.derive(np.empty((0, 0), spec.real.dtype), Kind.POWER)
    n_fft = meta.n_fft or 2 * (spec.shape[-1] - 1)
    if spec.shape[-1] != n_fft // 2 + 1:
        raise ValueError(f"{bank.op}: the input has {spec.shape[-1]} bins per frame, "
                         f"not n_fft // 2 + 1 = {n_fft // 2 + 1}")
    if spec.dtype not in (np.complex64, np.complex128):
        spec = spec.astype(np.complex128)
    w, axis, kernel = _bank(f, x, n_fft, spec.dtype, taps, parts, weights_of)
    normalize = parts[-2].normalize == "n_fft"
    if kernel is not None:
        y = kernel(spec) if tiles is None else _tiled(x, kernel, spec, tiles)
        if normalize:                           # W (P / n) as (W P) / n: exact for n = 2^k
            y *= y.dtype.type(1.0 / n_fft)
    else:
        if len(parts) == 2:
            power = power_of(spec, exponent, 0.0)
            if normalize:
                power *= power.dtype.type(1.0 / n_fft)
        else:                                   # normalises as the power op does
            power = fused_power(f, parts[:-1], x, scratch=True)[0]      # (the whole chunk)
        y = apply_filterbank(power, w)
    return y, meta, axis


TILE_FRAMES = 128
"""Frames per pass of a fused filterbank step through window, FFT and filter sums: a
tile's work buffers (its windowed frames and spectra: 2 MiB for 1024-point float64 FFTs)
stay in the core's L2 cache from one to the next, where a whole 16 s chunk's (30 MB)
went through memory each time: the three take some 12 % less time (PNCC in float64).
A multiple of 16: ducc0 transforms rows in SIMD batches (up to 16 float32 rows) and
rounds the rows left over by a batch differently, so with tiles made of whole batches
every frame's numbers are those of the whole chunk at once."""


def _bank(f: FusedOp, x: Feature, n_fft: int, cdtype, taps, parts: tuple, weights_of) -> tuple:
    """``(weights, axis, BandedPowerFilterbank or None for a dense filterbank)`` of the
    filterbank ``parts[-1]`` on spectra of ``cdtype`` (kept in the step's cache)."""
    key = ("bank", x.sr, n_fft, np.dtype(cdtype), taps)
    if key not in f.cache:                      # the weights and the prepared kernel
        w, axis = weights_of(parts[-1], x.sr, n_fft)
        w_cast, first, stop, banded = _prepared(w, np.finfo(cdtype).dtype)
        f.cache[key] = (w, axis, BandedPowerFilterbank(
            w_cast, first, stop, magnitude=parts[-2].exponent == 1.0, window=taps)
            if banded else None)
    return f.cache[key]


def _lean_tiles(f: FusedOp, lean: tuple, kernel) -> np.ndarray | None:
    """The band sums ``(frames, n_bands)`` of one channel's frames through
    :func:`featgraph.native.spectral.tiled_power_filterbank`, :data:`TILE_FRAMES` at a
    time in the step's work buffers (the numbers of :func:`_tiled`); None for a dense
    filterbank (``kernel`` None).  Power or magnitude sums (float64 or float32) with a
    power-of-two FFT go through :func:`featgraph.native.framed.framed_power_filterbank`
    instead, the whole chunk in one C call with its own FFT (the same numbers to
    rounding)."""
    n_fft, windows, fft = lean
    if kernel is None:
        return None
    dtype, n = windows.frames.dtype, windows.frames.shape[0]
    if (dtype in (np.float64, np.float32) and kernel.w.dtype == dtype
            and kernel.window is None and framed_supported(n_fft, kernel.w.shape[0])):
        return framed_power_filterbank(kernel, windows)       # the whole chunk in C
    tile = min(TILE_FRAMES, n)
    frames = f.scratch("frames", tile, (n_fft,), dtype)
    pad = f.relayout("frames", (n_fft,), dtype, (windows.frames.shape[1], windows.start))
    spec = f.scratch("spectrum", tile, (n_fft // 2 + 1,), spectrum_dtype(dtype))
    y = np.empty((n, kernel.w.shape[0]), kernel.w.dtype)
    return tiled_power_filterbank(kernel, windows, fft, n, frames, spec, y, pad)


def _tiled(x: Feature, kernel, spec: np.ndarray, tiles) -> np.ndarray:
    """The band sums of a chunk's frames, tile by tile: ``spec`` is the first tile's
    spectrum, ``tiles`` (:func:`featgraph.nodes.spectral.spectrum_tiles`) gives the others."""
    lead = x.data.shape[:-2]
    y = np.empty(lead + (x.data.shape[-1], kernel.w.shape[0]), kernel.w.dtype)
    single = math.prod(lead) == 1
    stop = spec.shape[-2]
    while True:
        part = y[..., stop - spec.shape[-2]:stop, :]
        if single:
            kernel(spec, out=part)
        else:                                   # channels: a tile of each, not contiguous
            part[...] = kernel(spec)
        _, stop, spec = next(tiles, (0, 0, None))
        if spec is None:
            return y

"""Time-domain ops per frame: energy, RMS, average magnitude, zero-crossing rate,
short-time autocorrelation, AMDF, periodicity; and automatic gain control.

References
----------
L. R. Rabiner and R. W. Schafer, *Introduction to Digital Speech Processing*,
Foundations and Trends in Signal Processing 1(1-2), 2007, chapter
"Short-time analysis of speech" (short-time energy, magnitude, zero-crossing
rate, autocorrelation, AMDF).
M. J. Ross, H. L. Shaffer, A. Cohen, R. Freudberg and H. J. Manley, "Average
magnitude difference function pitch extractor", IEEE Trans. ASSP 22(5), 1974.
librosa 0.11 documentation: ``librosa.feature.rms``, ``zero_crossing_rate``,
``librosa.zero_crossings``.
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.fuse import FusedOp, rule
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native import timedomain as kernels
from ..native.reference_timedomain import pick_lag  # noqa: F401  (pitch_spectral's import)
from ._common import Duration, frame_major, to_samples


_BLOCK = 256          # frames per pass of the blockwise loops (their buffers stay in cache)


def _frames64(x: Feature) -> np.ndarray:
    """The frames of ``x`` as float64, ``(..., frames, samples)``."""
    return frame_major(x.data).astype(np.float64, copy=False)


def _per_frame(x: Feature, values: np.ndarray) -> Feature:
    """A ``(..., 1, frames)`` feature from ``(..., frames)`` values, in the input's dtype."""
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    return x.derive(values[..., None, :].astype(dtype, copy=False), Kind.FEATURE, axis=None)


class Energy(Node):
    """Short-time energy of each frame, ``E = sum_n x[n]**2`` (``mean``: divided by N).

    Rabiner & Schafer (2007), "Short-time analysis": with a rectangular frame, the sum
    of squares; window the frames first for a tapered analysis.
    Output ``(..., 1, frames)``, squared signal units.

    Streaming: frame by frame.
    """

    op: Literal["energy"] = "energy"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    mean: bool = Field(False, description="divide by the frame length (mean square)")


@Energy.compute
def energy(x: Feature, p: Energy) -> Feature:
    f = _frames64(x)
    e = np.einsum("...n,...n->...", f, f)
    if p.mean and f.shape[-1]:
        e = e / f.shape[-1]
    return _per_frame(x, e)


class RMS(Node):
    """Root mean square of each frame, ``sqrt(sum_n x[n]**2 / N)`` (``librosa.feature.rms(y=)``).

    Frame with ``center: true, pad_mode: constant`` for librosa's framing.
    Output ``(..., 1, frames)``, signal units.  Computed in float64 and rounded
    to the input's dtype once.

    Streaming: frame by frame.
    """

    op: Literal["rms"] = "rms"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE


@RMS.compute
def rms(x: Feature, p: RMS) -> Feature:
    f = _frames64(x)
    n = max(1, f.shape[-1])
    return _per_frame(x, np.sqrt(np.einsum("...n,...n->...", f, f) / n))


class AverageMagnitude(Node):
    """Short-time average magnitude, ``M = sum_n |x[n]|`` (``mean``: divided by N).

    Rabiner & Schafer (2007), "Short-time analysis": like the energy, but less dominated by
    large samples.  Output ``(..., 1, frames)``, signal units.

    Streaming: frame by frame.
    """

    op: Literal["average_magnitude"] = "average_magnitude"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    mean: bool = Field(False, description="divide by the frame length")


@AverageMagnitude.compute
def average_magnitude(x: Feature, p: AverageMagnitude) -> Feature:
    f = _frames64(x)
    m = np.empty(f.shape[:-1])
    rows, sums = f.reshape((-1,) + f.shape[-2:]), m.reshape(-1, f.shape[-2])
    buf = np.empty((min(f.shape[-2], _BLOCK), f.shape[-1]))
    for c in range(rows.shape[0]):          # blocks of frames: |x| in a cached buffer,
        for a in range(0, rows.shape[1], _BLOCK):      # not a copy of all the frames
            part = buf[:min(_BLOCK, rows.shape[1] - a)]
            np.abs(rows[c, a:a + _BLOCK], out=part)
            part.sum(axis=-1, out=sums[c, a:a + _BLOCK])
    if p.mean and x.data.shape[-2]:
        m = m / x.data.shape[-2]
    return _per_frame(x, m)


class ZeroCrossingRate(Node):
    """Zero crossings per sample in each frame, in two variants.

    ``lecture`` (Rabiner & Schafer 2007, "Short-time analysis"):
    ``Z = (1 / (2 N)) sum_{n=1}^{N-1} |sgn x[n] - sgn x[n-1]|`` with
    ``sgn x = +1`` for ``x >= 0`` and ``-1`` otherwise.

    ``librosa`` (``librosa.feature.zero_crossing_rate``): samples with
    ``|x| <= threshold`` are set to 0, a crossing is a change of sign bit
    between neighbours in the frame (0 counts as positive), and the count is
    divided by N.  Frame with ``center: true, pad_mode: edge`` for librosa's
    framing.  ``counts: true`` returns the number of crossings instead.
    Output ``(..., 1, frames)``.

    Streaming: frame by frame.
    """

    op: Literal["zero_crossing_rate"] = "zero_crossing_rate"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    variant: Literal["librosa", "lecture"] = "librosa"
    threshold: float = Field(1e-10, ge=0, le=1e6, description="librosa: |x| at or below this "
                                                              "counts as zero")
    counts: bool = Field(False, description="return crossings per frame, not per sample")


@ZeroCrossingRate.compute
def zero_crossing_rate(x: Feature, p: ZeroCrossingRate) -> Feature:
    f = frame_major(x.data)
    z = kernels.zero_crossings(f, p.threshold, lecture=p.variant == "lecture")
    if not p.counts:
        z /= max(1, f.shape[-1])
    return _per_frame(x, z)


class TimeAutocorrelation(Node):
    """Short-time autocorrelation of each frame, ``r[k] = sum_{n=k}^{N-1} x[n] x[n-k]``.

    Rabiner & Schafer (2007), "Short-time analysis", computed through an FFT of length
    ``>= 2N`` (exact up to rounding: within ``~eps log2(n_fft) r[0]``, since
    ``|r[k]| <= r[0]``), or as direct sums when few lags are asked for (``n_lags`` up to
    about 32, where that is faster).  ``normalize``: ``none`` as written,
    ``biased`` divided by N, ``unbiased`` divided by ``N - k``.  Computed in the
    frames' precision (float32 frames: float32 FFTs, relative error ~1e-6 of r[0]).
    Output ``(..., n_lags, frames)``, kind autocorr, lags 0 .. n_lags-1 (the
    feature axis holds the lags in samples).

    Streaming: frame by frame.
    """

    op: Literal["time_autocorrelation"] = "time_autocorrelation"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.AUTOCORR

    n_lags: int | None = Field(None, ge=1, le=1 << 20, description="lags to keep (<= frame "
                                                                   "length); null: all")
    normalize: Literal["none", "biased", "unbiased"] = "none"


# direct sums when n_lags <= this * log2(n_fft): measured crossover of the two paths at
# about 32 lags for frames of 256, 400 and 1024 samples, float32 and float64
_ACF_DIRECT_WORK = 3.5


def _acf_direct(rows: np.ndarray, n_lags: int, out: np.ndarray) -> None:
    """``out[..., k] = sum_n rows[..., n] rows[..., n - k]``: one dot product per lag."""
    n = rows.shape[-1]
    for k in range(n_lags):
        np.einsum("...n,...n->...", rows[..., k:], rows[..., :n - k], out=out[..., k])


def _acf_fft(rows: np.ndarray, n_fft: int, n_lags: int, out: np.ndarray) -> None:
    """:func:`_acf_direct` through the power spectrum (Wiener-Khinchin), ``_BLOCK``
    rows of ``rows (frames, n)`` at a time into ``out (frames, n_lags)``: one padded
    buffer reused, so no frame-sized temporaries."""
    from .spectral import power_of, power_to_autocorrelation, rfft_frames

    m, n = rows.shape
    pad = np.zeros((min(m, _BLOCK), n_fft), rows.dtype)     # columns n.. stay 0
    for a in range(0, m, _BLOCK):
        b = min(m, a + _BLOCK)
        pad[:b - a, :n] = rows[a:b]
        spec = rfft_frames(pad[:b - a], n_fft)
        out[a:b] = power_to_autocorrelation(power_of(spec, 2.0, 0.0), n_fft, n_lags)


def acf_fft_length(n: int) -> int:
    """An even FFT length ``>= 2 n`` (no circular wrap for lags ``< n``): twice ducc0's good
    size for ``n`` (800 for 400-sample frames), else the next power of two."""
    from .spectral import _ducc_fft, fft_backend

    if fft_backend() == "ducc0":
        return 2 * _ducc_fft.good_size(max(1, n), True)
    return 1 << max(1, (2 * n - 1).bit_length())


@TimeAutocorrelation.compute
def time_autocorrelation(x: Feature, p: TimeAutocorrelation) -> Feature:
    f = frame_major(x.data)
    if f.dtype not in (np.float32, np.float64):
        f = f.astype(np.float64)
    n = f.shape[-1]
    n_lags = n if p.n_lags is None else p.n_lags
    if n_lags > n:
        raise ValueError(f"time_autocorrelation: n_lags = {n_lags} exceeds the frame length "
                         f"{n}; lower n_lags or use longer frames")
    n_fft = acf_fft_length(n)
    r = np.empty(f.shape[:-1] + (n_lags,), f.dtype)
    if n_lags <= _ACF_DIRECT_WORK * math.log2(n_fft):
        _acf_direct(f, n_lags, r)
    else:
        for idx in np.ndindex(*f.shape[:-2]):                  # channels: 2-D views, no copy
            _acf_fft(f[idx], n_fft, n_lags, r[idx])
    if p.normalize == "biased":
        r *= r.dtype.type(1.0 / n)
    elif p.normalize == "unbiased":
        r /= (n - np.arange(n_lags)).astype(r.dtype)
    return x.derive(frame_major(r), Kind.AUTOCORR, axis=np.arange(n_lags, dtype=float))


def _short_lags(models: tuple) -> bool:
    acf, lp = models
    return acf.n_lags is None or acf.n_lags > lp.order


@rule("time_autocorrelation+lpc", ("time_autocorrelation", "lpc"), accepts=_short_lags)
def fused_autocorrelation_lpc(f: FusedOp, x: Feature):
    """``time_autocorrelation -> lpc`` with only the ``order + 1`` lags LPC reads.

    Levinson-Durbin needs ``r[0..order]``; the op alone computes every lag by
    FFT (``N`` lags of an ``N``-sample frame).  Here the few lags are summed
    directly, ``r[k] = sum_n x[n] x[n - k]`` (one dot product per lag and
    frame), then normalised as the op says: 13 lags of a 400-sample frame cost
    a fifth of the FFTs.  Equal to the two ops to rounding.
    """
    acf, lp = f.parts
    frames = frame_major(x.data)
    if frames.dtype not in (np.float32, np.float64):
        frames = frames.astype(np.float64)
    n, lags = frames.shape[-1], lp.order + 1
    if n < lags:                                   # the ops' own error
        return lp(acf(x))
    r = np.empty(frames.shape[:-1] + (lags,), frames.dtype)
    _acf_direct(frames, lags, r)
    if acf.normalize == "biased":
        r *= r.dtype.type(1.0 / n)
    elif acf.normalize == "unbiased":
        r /= (n - np.arange(lags)).astype(r.dtype)
    return lp(x.derive(frame_major(r), Kind.AUTOCORR, axis=np.arange(lags, dtype=float)))


class AMDF(Node):
    """Average magnitude difference function of each frame (C kernel).

    ``D[k] = sum_{n=k}^{N-1} |x[n] - x[n-k]|`` for ``k = 0 .. max_lag``
    (Ross et al. 1974), divided by the ``N - k`` pairs when ``normalize``.  A
    signal of period P has ``D[k] = 0`` at ``k = 0, P, 2P, ...``.
    Output ``(..., max_lag + 1, frames)``, kind feature, feature axis = lag in
    samples.  The cost grows with ``N * max_lag``: keep ``max_lag`` at the
    longest period searched (``1 / fmin``).

    Streaming: frame by frame.
    """

    op: Literal["amdf"] = "amdf"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    max_lag: Duration | None = Field(None, description="longest lag, samples or a time such as "
                                                       "'20ms' (< frame length); null: all")
    normalize: bool = Field(True, description="divide lag k by its N - k pairs")


@AMDF.compute
def amdf(x: Feature, p: AMDF) -> Feature:
    f = frame_major(x.data)
    n = f.shape[-1]
    n_lags = n if p.max_lag is None else to_samples(p.max_lag, x.sr) + 1
    if n_lags > n:
        raise ValueError(f"amdf: max_lag = {p.max_lag} ({n_lags - 1} samples) is not shorter "
                         f"than the frame length {n}; lower max_lag or use longer frames")
    d = kernels.amdf(f, n_lags, p.normalize)
    return x.derive(frame_major(d), Kind.FEATURE, axis=np.arange(n_lags, dtype=float))


class _Periodicity(Node):
    """Lag-range parameters shared by the periodicity ops (a base class, not an op)."""

    op: str
    streaming: ClassVar = "frame"
    produces: ClassVar = {"strength": Kind.FEATURE, "f0": Kind.FEATURE}

    fmin: float = Field(60.0, ge=1, le=1e6, description="lowest fundamental searched, Hz")
    fmax: float = Field(400.0, gt=0, le=1e6, description="highest fundamental searched, Hz")
    tolerance: float = Field(0.05, ge=0, le=1, description="take the shortest-lag peak within "
                                                           "this of the best (avoids octave "
                                                           "errors at multiples of the period)")

    @model_validator(mode="after")
    def _ordered(self):
        if self.fmin >= self.fmax:
            raise ValueError(f"fmin ({self.fmin} Hz) must be below fmax ({self.fmax} Hz); "
                             f"swap them")
        return self


def lag_range(p: _Periodicity, sr: float, n_lags: int) -> tuple[int, int]:
    """Lags ``[kmin, kmax]`` in samples for ``fmax .. fmin`` at ``sr``; all must be in the input."""
    kmin = max(1, math.floor(sr / p.fmax))
    kmax = math.ceil(sr / p.fmin)
    if kmax > n_lags - 1:
        raise ValueError(f"{p.op}: fmin = {p.fmin:g} Hz needs lags up to {kmax} at {sr:g} Hz, "
                         f"but the input has lags 0 .. {n_lags - 1}; raise fmin, or compute "
                         f"more lags (amdf max_lag, time_autocorrelation n_lags, longer frames)")
    return kmin, kmax


def _periodicity_out(x: Feature, strength: np.ndarray, lag: np.ndarray) -> dict[str, Feature]:
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    f0 = x.sr / lag.astype(np.float64)
    return {"strength": x.derive(strength[..., None, :].astype(dtype), Kind.FEATURE, axis=None),
            "f0": x.derive(f0[..., None, :].astype(dtype), Kind.FEATURE, axis=None)}


class Periodicity(_Periodicity):
    """Periodicity from the short-time autocorrelation: the highest normalised peak.

    Over lags ``k`` in ``[floor(sr / fmax), ceil(sr / fmin)]`` the score is
    ``r[k] / r[0]`` (0 for a frame with ``r[0] = 0``); a periodic frame has
    peaks at every multiple of its period (Rabiner & Schafer 2007), so
    the chosen lag is the shortest local maximum scoring within ``tolerance``
    of the best.  ``strength`` is its score, port ``f0 = sr / lag`` in Hz.
    Outputs ``(..., 1, frames)``: ports ``strength`` (default) and ``f0``.

    Streaming: frame by frame.
    """

    op: Literal["periodicity"] = "periodicity"
    consumes: ClassVar = (Kind.AUTOCORR,)


@Periodicity.compute
def periodicity(x: Feature, p: Periodicity) -> dict[str, Feature]:
    r = frame_major(x.data)
    kmin, kmax = lag_range(p, x.sr, r.shape[-1])
    lag, strength = kernels.pick_period(r, kmin, kmax, "autocorrelation", p.tolerance)
    return _periodicity_out(x, strength, lag)


class AMDFPeriodicity(_Periodicity):
    """Periodicity from the AMDF: the depth of its deepest valley.

    Over lags ``k`` in ``[floor(sr / fmax), ceil(sr / fmin)]`` the score is
    ``1 - D[k] / max_k D[k]`` (0 when ``D`` is 0 there, as in silence); the
    AMDF of a periodic frame dips to 0 at every multiple of its period (Ross
    et al. 1974), so the chosen lag is the shortest valley scoring within
    ``tolerance`` of the best.  ``strength`` is its score, port
    ``f0 = sr / lag`` in Hz.  Feed it ``amdf`` with ``normalize: true`` so that
    long lags are not favoured.
    Outputs ``(..., 1, frames)``: ports ``strength`` (default) and ``f0``.

    Streaming: frame by frame.
    """

    op: Literal["amdf_periodicity"] = "amdf_periodicity"
    consumes: ClassVar = (Kind.FEATURE,)


@AMDFPeriodicity.compute
def amdf_periodicity(x: Feature, p: AMDFPeriodicity) -> dict[str, Feature]:
    d = frame_major(x.data)
    kmin, kmax = lag_range(p, x.sr, d.shape[-1])
    lag, strength = kernels.pick_period(d, kmin, kmax, "amdf", p.tolerance)
    return _periodicity_out(x, strength, lag)


class AGC(Node):
    """Automatic gain control: divide each sample by a running RMS (C kernel).

    ``E(n) = (1 - alpha) x(n-1)**2 + alpha E(n-1)`` and
    ``y(n) = x(n) / sqrt(max(E(n), floor))`` (the lecture's AGC, issue 10: an
    exponentially weighted short-time energy, the recursive variance estimate
    of adaptive quantisation in Rabiner & Schafer 2007, "Digital speech coding"), starting from
    ``E(-1) = initial_energy`` and ``x(-1) = 0``.  A signal of constant
    amplitude converges to unit RMS within a few ``1 / (1 - alpha)`` samples.
    Output: a signal of the input's shape and dtype, dimensionless.

    Streaming: block op; ``E`` and the previous sample are carried across
    chunks (no look-ahead), so any split gives the whole-signal result.
    """

    op: Literal["agc"] = "agc"
    consumes: ClassVar = (Kind.SIGNAL,)
    streaming: ClassVar = "block"
    produces: ClassVar = Kind.SIGNAL

    alpha: float = Field(0.99, gt=0, lt=1, description="forgetting factor; time constant "
                                                       "1 / (1 - alpha) samples")
    floor: float = Field(1e-10, gt=0, le=1e6, description="smallest energy divided by "
                                                          "(squared signal units)")
    initial_energy: float = Field(1.0, ge=0, le=1e12, description="E(-1), the energy "
                                                                  "assumed before the signal")


@AGC.stream
class AGCState:
    """Carries ``E(n-1)`` and ``x(n-1)`` per channel across chunks."""

    def __init__(self, p: AGC):
        self.p = p
        self.energy = None
        self.prev = None

    def step(self, x: Feature) -> Feature:
        data = x.data if x.data.dtype.kind == "f" else x.data.astype(np.float64)
        if self.energy is None:
            lead = data.shape[:-1]
            self.energy = np.full(lead, self.p.initial_energy)
            self.prev = np.zeros(lead)
        y, self.energy, self.prev = kernels.agc(data, self.p.alpha, self.p.floor,
                                                self.energy, self.prev)
        return x.derive(y)

    def flush(self) -> None:
        return None

"""Time-domain ops per frame: energy, RMS, average magnitude, zero-crossing rate,
short-time autocorrelation, AMDF; and automatic gain control.  The periodicity ops
that read the autocorrelation and the AMDF are in :mod:`featgraph.nodes.periodicity`.

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
from pydantic import Field

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
    f = float_frames(x)                     # |x| is exact in any float type: converted
    m = np.empty(f.shape[:-1])              # to float64 block by block, then summed
    rows, sums = f.reshape((-1,) + f.shape[-2:]), m.reshape(-1, f.shape[-2])
    buf = np.empty((min(f.shape[-2], _BLOCK), f.shape[-1]))
    for c in range(rows.shape[0]):          # blocks of frames: |x| in a cached buffer,
        for a in range(0, rows.shape[1], _BLOCK):      # not a copy of all the frames
            part = buf[:min(_BLOCK, rows.shape[1] - a)]
            np.abs(rows[c, a:a + _BLOCK], out=part, casting="safe")
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


class Work:
    """Reusable zeroed buffers by name: a fused step's per-thread scratch
    (:meth:`featgraph.engine.fuse.FusedOp.scratch`), or one call's own.  Blockwise loops
    take their temporaries here: fresh block-sized arrays would be mapped and faulted in
    again on every block (measured: 20x the page faults of one frame-sized array)."""

    def __init__(self, fused=None):
        self.fused, self.bufs = fused, {}

    def get(self, name: str, rows: int, shape: tuple, dtype) -> np.ndarray:
        if self.fused is not None:
            return self.fused.scratch(name, rows, shape, dtype)
        key = (name, shape, np.dtype(dtype))
        buf = self.bufs.get(key)
        if buf is None or buf.shape[0] < rows:
            buf = self.bufs[key] = np.zeros((max(rows, 1),) + shape, dtype)
        return buf[:rows]


def _acf_fft(rows: np.ndarray, n_fft: int, n_lags: int, out: np.ndarray, work: Work) -> None:
    """:func:`_acf_direct` through the power spectrum (Wiener-Khinchin), ``_BLOCK``
    rows of ``rows (frames, n)`` at a time into ``out (frames, n_lags)``, in ``work``'s
    buffers (the padded rows, their spectrum, power and inverse transform)."""
    from .spectral import _ducc_fft, fft_backend, power_of, power_to_autocorrelation, \
        rfft_frames, spectrum_dtype

    m, n = rows.shape
    bins, block = n_fft // 2 + 1, min(m, _BLOCK)
    pad = work.get(f"acf_pad_{n}", block, (n_fft,), rows.dtype)      # columns n.. stay 0
    spec = work.get("acf_spec", block, (bins,), spectrum_dtype(rows.dtype))
    power = work.get("acf_power", block, (bins,), rows.dtype)
    ducc = fft_backend() == "ducc0"
    inverse = work.get("acf_inverse", block, (bins,), rows.dtype) if ducc else None
    for a in range(0, m, _BLOCK):
        c = min(m, a + _BLOCK) - a
        pad[:c, :n] = rows[a:a + c]
        rfft_frames(pad[:c], n_fft, out=spec[:c])
        power_of(spec[:c], 2.0, 0.0, out=power[:c])
        if ducc:        # power_to_autocorrelation's DCT-I, into the work buffer
            r = _ducc_fft.dct(power[:c], type=1, axes=(-1,), inorm=0, nthreads=1,
                              out=inverse[:c])
            np.multiply(r[:, :n_lags], r.dtype.type(1.0 / n_fft), out=out[a:a + c])
        else:
            out[a:a + c] = power_to_autocorrelation(power[:c], n_fft, n_lags)


def acf_fft_length(n: int) -> int:
    """An even FFT length ``>= 2 n`` (no circular wrap for lags ``< n``): twice ducc0's good
    size for ``n`` (800 for 400-sample frames), else the next power of two."""
    from .spectral import _ducc_fft, fft_backend

    if fft_backend() == "ducc0":
        return 2 * _ducc_fft.good_size(max(1, n), True)
    return 1 << max(1, (2 * n - 1).bit_length())


def autocorrelation_lags(f: np.ndarray, n_lags: int, normalize: str,
                         keep: int | None = None, work: Work | None = None) -> np.ndarray:
    """Lags ``0 .. keep-1`` of ``time_autocorrelation`` with ``n_lags`` lags on frames
    ``f (..., frames, n)``, normalised: the op's values (its path, direct or FFT, is chosen
    by ``n_lags``), computing only what is kept.  ``(..., frames, keep)``; with ``work``,
    in its buffer ``acf_lags`` (valid until the next call)."""
    n = f.shape[-1]
    keep = n_lags if keep is None else keep
    n_fft = acf_fft_length(n)
    if work is None:
        work, r = Work(), np.empty(f.shape[:-1] + (keep,), f.dtype)
    else:
        r = work.get("acf_lags", f.shape[-2], f.shape[:-2] + (keep,), f.dtype)
        r = np.moveaxis(r, 0, -2)
    if n_lags <= _ACF_DIRECT_WORK * math.log2(n_fft):
        _acf_direct(f, keep, r)
    else:
        for idx in np.ndindex(*f.shape[:-2]):                  # channels: 2-D views, no copy
            _acf_fft(f[idx], n_fft, keep, r[idx], work)
    if normalize == "biased":
        r *= r.dtype.type(1.0 / n)
    elif normalize == "unbiased":
        r /= (n - np.arange(keep)).astype(r.dtype)
    return r


def float_frames(x: Feature) -> np.ndarray:
    """The frames of ``x`` ``(..., frames, samples)``, float32 kept, other types as float64."""
    f = frame_major(x.data)
    return f if f.dtype in (np.float32, np.float64) else f.astype(np.float64)


@TimeAutocorrelation.compute
def time_autocorrelation(x: Feature, p: TimeAutocorrelation) -> Feature:
    f = float_frames(x)
    n = f.shape[-1]
    n_lags = n if p.n_lags is None else p.n_lags
    if n_lags > n:
        raise ValueError(f"time_autocorrelation: n_lags = {n_lags} exceeds the frame length "
                         f"{n}; lower n_lags or use longer frames")
    r = autocorrelation_lags(f, n_lags, p.normalize)
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
    longest period searched (``1 / fmin``).  The kernel sums in the frames' type
    (float32 frames in float32), several lags and 4 / 8 samples per vector step:
    within ``(N / W + 6)`` roundings of each value (W = 4 doubles, 8 floats; all
    terms are >= 0, so relative to the value itself).  Read by ``amdf_periodicity``
    alone, only the lags it searches are computed (a fused step).

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

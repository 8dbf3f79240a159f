"""Functionals: a per-frame feature summarised as one fixed vector, and openSMILE's smoothing.

Ops: ``functionals`` (statistics of every feature row, optionally over its
non-zero frames only), ``masked_functionals`` (the same over the frames a second
input marks voiced, or unvoiced), ``segment_stats`` (eGeMAPS' voiced/unvoiced
segment statistics of a voicing flag such as F0), ``equivalent_sound_level``
(eGeMAPS' Leq from frames) and ``sma3`` (openSMILE's
3-frame symmetric moving average, with its voiced-only ``nz`` variant).

Output shape of the summaries: ``(..., features * n_stats, 1)``, kind ``feature``,
one frame.  Rows are feature-major: for feature ``f`` and statistic ``s`` (in the
order of ``stats``), row ``f * n_stats + s``; this is openSMILE's column order
(``F0_amean, F0_stddevNorm, ..., loudness_amean, ...``).  The output's
``Feature.names`` are ``<row name>_<statistic>`` (row names from the input, e.g.
set by ``name_rows``, else the row indices; statistic names from ``stat_names``,
default ``stats``).

The formulas live in :mod:`featgraph.engine.functionals`, shared with the
Parquet summary of corpus runs.  See ``docs/functionals.md`` for each
definition, its openSMILE source and the measured agreement with openSMILE 2.6.

References
----------
openSMILE 3 documentation (audEERING), reference section: ``cFunctionals``,
``cFunctionalMeans``/``cFunctionalMoments`` (``amean``, ``stddevNorm``),
``cFunctionalPercentiles`` (``percentile[]``, ``pctlrange[]``, ``interp``),
``cContourSmoother`` (``smaWin``, ``noZeroSma``), ``nonZeroFuncts``; parameter
values from openSMILE's shipped ``config/egemaps/v02`` files.  Eyben et al. 2016,
"The Geneva Minimalistic Acoustic Parameter Set (GeMAPS)", IEEE Trans. Affective
Computing 7(2).
"""
from __future__ import annotations

import re
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from ..engine import functionals as fn
from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import frame_major

VALUES = Kind.POWER | Kind.BANDS | Kind.CEPSTRA | Kind.FEATURE
_SLOPES = ("meanRisingSlope", "stddevRisingSlope", "meanFallingSlope", "stddevFallingSlope")
_STAT = re.compile(r"amean|stddev|stddevNorm|peaksPerSec|" + "|".join(_SLOPES)
                   + r"|percentile(\d{1,2}(?:\.\d+)?|100(?:\.0+)?)"
                   r"|pctlrange(\d{1,2}(?:\.\d+)?)-(\d{1,2}(?:\.\d+)?|100(?:\.0+)?)$")


def _check_stats(stats: tuple[str, ...]) -> tuple[str, ...]:
    if not stats:
        raise ValueError("stats needs at least one statistic, e.g. [amean, stddevNorm]")
    for s in stats:
        if not _STAT.fullmatch(s):
            raise ValueError(f"unknown statistic '{s}': choose amean, stddev, stddevNorm, "
                             "meanRisingSlope, stddevRisingSlope, meanFallingSlope, "
                             "stddevFallingSlope, peaksPerSec, "
                             "percentileQ (0 <= Q <= 100, e.g. percentile20.0) or "
                             "pctlrangeA-B (percentile B minus percentile A, e.g. pctlrange20-80)")
    if len(set(stats)) != len(stats):
        raise ValueError(f"stats names a statistic twice: {list(stats)}")
    return tuple(stats)


def _one(x: np.ndarray, stat: str, step: float, rel_thresh: float,
         memo: dict | None = None) -> float:
    """``stat`` of the 1-D float64 array ``x``; 0 for an empty ``x`` (openSMILE's output).
    ``memo`` (one per ``x``) keeps the four slope statistics, computed together."""
    if x.size == 0:
        return 0.0
    if stat in _SLOPES:
        memo = {} if memo is None else memo
        if "slopes" not in memo:
            memo["slopes"] = fn.slope_stats(x, step, rel_thresh)
        return float(memo["slopes"][_SLOPES.index(stat)])
    if stat == "peaksPerSec":
        return fn.peaks_per_second(x, step, rel_thresh)
    row = x[None]
    if stat == "amean":
        return float(fn.amean(row)[0])
    if stat == "stddev":
        return float(fn.stddev(row)[0])
    if stat == "stddevNorm":
        return float(fn.stddev_norm(row)[0])
    m = _STAT.fullmatch(stat)
    if stat.startswith("percentile"):
        return _percentile(x, float(m.group(1)), memo)
    lo, hi = float(m.group(2)), float(m.group(3))
    return _percentile(x, hi, memo) - _percentile(x, lo, memo)


def _percentile(x: np.ndarray, q: float, memo: dict | None) -> float:
    """``fn.percentile`` of the 1-D ``x`` at ``q``; with a ``memo`` (one per ``x``) every
    percentile its statistics name is taken in one call (``memo["percentiles"]``, the
    ``q``s): numpy partitions once for all of them, each value the same as alone."""
    qs = memo.get("percentiles") if memo is not None else None
    if not qs or q not in qs:
        return float(fn.percentile(x[None], q)[0])
    if "pctl" not in memo:
        memo["pctl"] = dict(zip(qs, fn.percentile(x[None], np.array(qs))[:, 0].tolist()))
    return memo["pctl"][q]


def _percentiles_of(stats: tuple[str, ...]) -> list[float]:
    """The percentiles (``q`` in 0..100) that ``stats`` read, each once, in order."""
    qs: list[float] = []
    for s in stats:
        m = _STAT.fullmatch(s)
        if s.startswith("percentile"):
            found = [float(m.group(1))]
        elif s.startswith("pctlrange"):
            found = [float(m.group(3)), float(m.group(2))]
        else:
            found = []
        qs.extend(q for q in found if q not in qs)
    return qs


def _summarise(x: Feature, keep: np.ndarray | None, p: "Functionals | MaskedFunctionals"
               ) -> Feature:
    stats, nonzero, step = p.stats, p.nonzero, (x.hop or 1) / x.sr
    data = np.asarray(x.data, np.float64)
    lead, (n_feat, n) = data.shape[:-2], data.shape[-2:]
    rows = data.reshape(int(np.prod(lead, dtype=int)) * n_feat, n)
    keep_rows = None if keep is None else np.broadcast_to(keep, data.shape).reshape(rows.shape)
    out = np.zeros((rows.shape[0], len(stats)))
    qs = _percentiles_of(stats)
    for r, row in enumerate(rows):
        sel = np.ones(n, bool) if keep_rows is None else keep_rows[r].copy()
        if nonzero:
            sel &= row != 0
        vals = row[sel]
        vals = vals[np.isfinite(vals)]
        memo: dict = {"percentiles": qs}
        out[r] = [_one(vals, s, step, p.rel_thresh, memo) for s in stats]
    y = out.reshape(lead + (n_feat * len(stats), 1)).astype(x.data.dtype)
    rows = x.names if x.names and len(x.names) == n_feat else [str(i) for i in range(n_feat)]
    labels = p.stat_names or stats
    return x.derive(frame_major(np.ascontiguousarray(frame_major(y))), kind=Kind.FEATURE,
                    axis=None, hop=max(1, n) * (x.hop or 1),
                    names=tuple(f"{r}_{s}" for r in rows for s in labels))


def _check_stat_names(v, info):
    if v is not None and len(v) != len(info.data.get("stats", ())):
        want = len(info.data.get("stats", ()))
        raise ValueError(f"stat_names needs one name per statistic ({want}), got {len(v)}")
    return v


_STAT_NAMES = Field(None, description="the statistics' names in the output's row names "
                                      "(default: stats), e.g. pctlrange0-2 as openSMILE")


class Functionals(Node):
    """Summary statistics of every feature row over the frames: ``(..., F, T) -> (..., F * S, 1)``.

    ``stats`` (openSMILE's names): ``amean`` (arithmetic mean), ``stddev``
    (population standard deviation, divide by ``n``), ``stddevNorm`` (coefficient
    of variation ``stddev / mean``, the mean's sign kept, 0 for a zero mean),
    ``percentileQ`` (linear interpolation at rank ``Q/100 (n-1)`` of the sorted
    values: openSMILE's ``interp = 1``), ``pctlrangeA-B`` (``percentileB -
    percentileA``; eGeMAPS' ``pctlrange0-2`` is ``pctlrange20-80``),
    ``meanRisingSlope``, ``stddevRisingSlope``, ``meanFallingSlope``,
    ``stddevFallingSlope`` (slopes between the turning points of a hysteresis
    peak picker with threshold ``rel_thresh`` times the range, in units per
    second; :func:`featgraph.engine.functionals.slope_stats`) and
    ``peaksPerSec`` (its peaks per second: eGeMAPS' ``loudnessPeaksPerSec``).
    With ``nonzero`` the slopes are taken on the voiced frames joined, time
    counted in voiced frames (openSMILE's behaviour, measured).

    ``nonzero: true`` is openSMILE's ``nonZeroFuncts = 1`` (eGeMAPS' ``_sma3nz``
    descriptors): frames whose value is exactly 0 (unvoiced) are left out.  A
    statistic of no frames is 0 (openSMILE's output on silence).  Non-finite
    frames are left out.

    Output rows feature-major (feature ``f``, statistic ``s`` at ``f * S + s``),
    dtype kept, kind ``feature``, one frame.

    Streaming: whole signal (runs once after the stream).
    """

    op: Literal["functionals"] = "functionals"
    consumes: ClassVar = (VALUES,)
    produces: ClassVar = Kind.FEATURE
    streaming: ClassVar = "signal"

    stats: tuple[str, ...] = Field(("amean", "stddevNorm"),
                                   description="statistics, openSMILE names: amean, stddev, "
                                               "stddevNorm, percentileQ, pctlrangeA-B")
    nonzero: bool = Field(False, description="leave out frames equal to 0 (openSMILE's nz: "
                                             "voiced frames only)")
    rel_thresh: float = Field(0.1, gt=0, le=1, description="peak picking hysteresis as a "
                                                           "fraction of the range (eGeMAPS: 0.1)")
    stat_names: tuple[str, ...] | None = _STAT_NAMES

    _v = field_validator("stats")(classmethod(lambda cls, v: _check_stats(v)))
    _n = field_validator("stat_names")(classmethod(lambda cls, v, i: _check_stat_names(v, i)))


@Functionals.compute
def functionals(x: Feature, p: Functionals) -> Feature:
    return _summarise(x, None, p)


class MaskedFunctionals(Node):
    """``functionals`` over the frames a second input marks: voiced (``mask > 0``) or unvoiced.

    Inputs: the values ``(..., F, T)`` and a mask broadcastable to it, usually
    ``(..., 1, T)`` (a 0/1 flag, or F0 itself: voiced where F0 > 0).  eGeMAPS'
    ``...V_sma3nz`` and ``...UV_sma3nz`` descriptors are spectral LLDs over the
    voiced and the unvoiced frames.  Statistics and output as ``functionals``.

    Streaming: whole signal.
    """

    op: Literal["masked_functionals"] = "masked_functionals"
    consumes: ClassVar = (VALUES, VALUES)
    produces: ClassVar = Kind.FEATURE
    streaming: ClassVar = "signal"

    stats: tuple[str, ...] = Field(("amean", "stddevNorm"), description="as in functionals")
    keep: Literal["voiced", "unvoiced"] = Field(
        "voiced", description="voiced: frames where mask > 0; unvoiced: where mask <= 0")
    nonzero: bool = Field(False, description="also leave out frames whose value is 0")
    rel_thresh: float = Field(0.1, gt=0, le=1, description="peak picking hysteresis as a "
                                                           "fraction of the range (eGeMAPS: 0.1)")
    stat_names: tuple[str, ...] | None = _STAT_NAMES

    _v = field_validator("stats")(classmethod(lambda cls, v: _check_stats(v)))
    _n = field_validator("stat_names")(classmethod(lambda cls, v, i: _check_stat_names(v, i)))


@MaskedFunctionals.compute
def masked_functionals(x: Feature, mask: Feature, p: MaskedFunctionals) -> Feature:
    n = min(x.data.shape[-1], mask.data.shape[-1])
    voiced = np.asarray(mask.data[..., :n]) > 0
    keep = voiced if p.keep == "voiced" else ~voiced
    return _summarise(x.derive(x.data[..., :n]), keep, p)


class SegmentStats(Node):
    """eGeMAPS' voiced/unvoiced segment statistics of each row: ``(..., F, T) -> (..., F * 5, 1)``.

    A frame is voiced where the input is > 0 (F0).  Rows per feature, in
    openSMILE's order: ``VoicedSegmentsPerSec``, ``MeanVoicedSegmentLengthSec``,
    ``StddevVoicedSegmentLengthSec``, ``MeanUnvoicedSegmentLength``,
    ``StddevUnvoicedSegmentLength`` (seconds; population std).  Conventions
    measured on openSMILE 2.6 (see :func:`featgraph.engine.functionals.segment_stats`):
    the last ``drop_last`` frames are not seen, a run of ``r`` frames lasts
    ``(r - 1) * hop / sr`` seconds, voiced runs shorter than ``min_frames`` are
    dropped; statistics of no segment are 0.

    Streaming: whole signal.
    """

    op: Literal["segment_stats"] = "segment_stats"
    consumes: ClassVar = (VALUES,)
    produces: ClassVar = Kind.FEATURE
    streaming: ClassVar = "signal"

    drop_last: int = Field(2, ge=0, le=100, description="frames at the end not seen "
                                                         "(openSMILE 2.6: 2)")
    min_frames: int = Field(3, ge=1, le=1000, description="shortest voiced run kept, in "
                                                          "frames (openSMILE 2.6: 3)")


@SegmentStats.compute
def segment_stats(x: Feature, p: SegmentStats) -> Feature:
    data = np.asarray(x.data, np.float64)
    lead, (n_feat, n) = data.shape[:-2], data.shape[-2:]
    step = (x.hop or 1) / x.sr
    rows = data.reshape(int(np.prod(lead, dtype=int)) * n_feat, n)
    out = np.array([fn.segment_stats(row > 0, step, p.drop_last, p.min_frames)
                    for row in rows]).reshape(lead + (n_feat * 5, 1))
    names = fn.SEGMENT_STATS if n_feat == 1 else tuple(
        f"{i}_{s}" for i in range(n_feat) for s in fn.SEGMENT_STATS)
    return x.derive(frame_major(np.ascontiguousarray(frame_major(out.astype(x.data.dtype)))),
                    kind=Kind.FEATURE, axis=None, hop=max(1, n) * (x.hop or 1), names=names)


class EquivalentSoundLevel(Node):
    """eGeMAPS' equivalent sound level: ``10 log10(mean_t mean_n x_t[n]^2)`` in dB, ``(..., 1, 1)``.

    Input: frames ``(..., length, frames)`` of the signal (``frame`` without a
    window; 20 ms frames every 10 ms reproduce eGeMAPSv02).  Each frame's mean
    square, averaged over the frames (an ``amean`` functional of a frame energy)
    and converted to ``dBp`` (``10 log10``, the name's suffix), with the mean
    floored at ``floor`` so that silence is finite (``floor`` 1e-10: -100 dB).
    The frame length and the mean-square form were settled by measurement.  Measured against openSMILE 2.6's
    ``equivalentSoundLevel_dBp``: within 1e-3 dB on three files (20 ms, 10 ms
    hop, frames starting at sample 0, only full frames).

    Streaming: block op emitting at the end of input; it keeps one mean square per frame
    (not the frames), so the result equals the whole-signal one.
    """

    op: Literal["equivalent_sound_level"] = "equivalent_sound_level"
    consumes: ClassVar = (Kind.FRAMES,)
    produces: ClassVar = Kind.FEATURE
    streaming: ClassVar = "block"

    floor: float = Field(1e-10, gt=0, le=1, description="floor of the mean power before the log")


def _frame_power(data: np.ndarray) -> np.ndarray:
    """Mean square of each frame ``(..., length, frames) -> (..., frames)``, float64."""
    data = np.asarray(data, np.float64)
    if not data.shape[-2]:
        return np.zeros(data.shape[:-2] + data.shape[-1:])
    return np.einsum("...lt,...lt->...t", data, data) / data.shape[-2]


@EquivalentSoundLevel.stream
class EquivalentSoundLevelState:
    """The mean square of every frame seen (a few bytes per frame)."""

    def __init__(self, p: EquivalentSoundLevel):
        self.p = p
        self.meta: Feature | None = None
        self.power: list[np.ndarray] = []

    def step(self, x: Feature) -> None:
        if self.meta is None:
            self.meta = x
        self.power.append(_frame_power(x.data))

    def flush(self) -> Feature | None:
        if self.meta is None:
            return None
        x, power = self.meta, np.concatenate(self.power, axis=-1)
        self.power = []
        n = power.shape[-1]
        mean = power.mean(axis=-1) if n else np.zeros(power.shape[:-1])
        y = (10 * np.log10(np.maximum(mean, self.p.floor)))[..., None, None].astype(x.data.dtype)
        return x.derive(frame_major(np.ascontiguousarray(frame_major(y))), kind=Kind.FEATURE,
                        axis=None, hop=max(1, n) * (x.hop or 1),
                        names=("equivalentSoundLevel_dBp",))


def _sma3(buf: np.ndarray, start: int, stop: int, nonzero: bool,
          replicate: bool = False) -> np.ndarray:
    """Smoothed frames ``start .. stop - 1`` of ``buf`` ``(..., F, T)``, neighbours in ``buf``.

    Sums ``x w`` and ``w`` (``w = [x != 0]`` when ``nonzero``, else 1) over the frame and
    its left and right neighbours, in that order; a neighbour outside ``buf`` adds 0, or
    the edge frame with ``replicate``.  The neighbours are read as slices of the frames
    padded by one on each side (zeros, or the edge frames).  ``x w`` is ``x`` (a zero
    times 0 or 1 is that zero), so the sums of values are taken on ``x`` itself."""
    x = np.asarray(buf, dtype=np.float64)
    pad = [(0, 0)] * (x.ndim - 1) + [(1, 1)]
    xp = np.pad(x, pad, mode="edge" if replicate else "constant")    # frame j at j + 1
    num = xp[..., start + 1:stop + 1] + xp[..., start:stop]
    num += xp[..., start + 2:stop + 2]
    if not nonzero:
        if replicate or (start > 0 and stop < x.shape[-1] - 1):
            return (num / 3.0).astype(buf.dtype, copy=False)
        den = np.full(stop - start, 3.0)
        den[:1] -= start == 0
        den[-1:] -= stop == x.shape[-1]
        return (num / den).astype(buf.dtype, copy=False)
    wp = (xp != 0).astype(np.float64)
    den = wp[..., start + 1:stop + 1] + wp[..., start:stop]
    den += wp[..., start + 2:stop + 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    y[wp[..., start + 1:stop + 1] == 0] = 0.0
    return y.astype(buf.dtype, copy=False)


class Sma3(Node):
    """openSMILE's 3-frame symmetric moving average (``_sma3``), or its voiced-only ``nz`` form.

    ``y[t] = (x[t-1] + x[t] + x[t+1]) / 3`` (``cContourSmoother``, ``smaWin =
    3``, as eGeMAPSv02 smooths every LLD).  At the first and last frame the
    window holds the two frames that exist (their mean).  ``nonzero: true`` is
    ``noZeroSma = 1`` (the ``_sma3nz`` voice descriptors): a frame equal to 0
    (unvoiced) stays 0 and is left out of its neighbours' averages, which are
    taken over the non-zero frames of the window.  Shape and dtype kept.

    ``edges: replicate`` counts the edge frame twice instead, ``y[0] = (2 x[0] +
    x[1]) / 3``: that is what openSMILE 2.6 does for eGeMAPSv02's ``_sma3``
    descriptors (its ``egemapsv02_lldsetE_smo`` level equals this to float32
    rounding on three speech files; measured for ``nonzero: false`` only).

    Streaming: block op with one frame of look-ahead (its latency); streamed
    output equals the whole-array output.
    """

    op: Literal["sma3"] = "sma3"
    consumes: ClassVar = (VALUES,)
    streaming: ClassVar = "block"

    nonzero: bool = Field(False, description="openSMILE's noZeroSma: zeros stay 0 and are left "
                                             "out of the averages")
    edges: Literal["shrink", "replicate"] = Field(
        "shrink", description="first and last frame: mean of the two frames that exist, or "
                              "the edge frame counted twice (openSMILE's _sma3, measured)")

    def latency(self) -> int:
        return 1


@Sma3.stream
class Sma3State:
    """The last input frames: the pending one (waiting for its right neighbour) and its left."""

    def __init__(self, p: Sma3):
        self.p = p
        self.keep: np.ndarray | None = None
        self.meta: Feature | None = None

    def step(self, x: Feature) -> Feature | None:
        if self.meta is None:
            self.meta = x
        buf = x.data if self.keep is None else np.concatenate([self.keep, x.data], axis=-1)
        n = buf.shape[-1]
        if n == 0:
            return None
        first = 0 if self.keep is None or self.keep.shape[-1] < 2 else 1
        y = _sma3(buf, first, n - 1, self.p.nonzero, self.p.edges == "replicate")
        self.keep = buf[..., -2:]
        return x.derive(frame_major(np.ascontiguousarray(frame_major(y))))

    def flush(self) -> Feature | None:
        if self.keep is None or self.keep.shape[-1] == 0:
            return None
        n = self.keep.shape[-1]
        y = _sma3(self.keep, n - 1, n, self.p.nonzero, self.p.edges == "replicate")
        self.keep = None
        return self.meta.derive(frame_major(np.ascontiguousarray(frame_major(y))))

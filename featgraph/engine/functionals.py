"""Per-file summary statistics ("functionals", as openSMILE calls them), in plain numpy.

One vector per file for users who train on one row per file (the Parquet output of
a corpus run, :mod:`featgraph.engine.writers`).  For an output ``x`` of shape
``(..., features, frames)`` each statistic is taken over the frames of every
feature (leading channel axes are flattened into the features), giving one value
per coefficient:

``mean``, ``std`` (population, ``ddof=0``), ``min``, ``max``
    As numpy computes them.
``pNN``
    The NN-th percentile (``p50`` is the median), numpy's default linear
    interpolation between order statistics; ``0 <= NN <= 100``.
``slope``
    The least-squares slope of the coefficient against time in seconds
    (frame start times ``t = frame * hop / sr``), in units per second:
    ``sum((t - mean t) (x - mean x)) / sum((t - mean t)**2)``.  ``nan`` with fewer
    than two frames.

A 1-D output of event times in seconds (onsets, beats) has no coefficients; its
statistics are three numbers whatever ``stats`` asks for: ``count`` (events),
``rate`` (events per second of audio) and ``mean_interval`` (mean gap between
consecutive events in seconds; ``nan`` with fewer than two events).
"""
from __future__ import annotations

import re

import numpy as np

from ..native.contour import turning_points as _turning_points

STATS = ("mean", "std", "min", "max", "slope")
EVENT_STATS = ("count", "rate", "mean_interval")
_PERCENTILE = re.compile(r"p(\d{1,3}(?:\.\d+)?)$")


def parse(spec: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"mean,std,p50"`` as a tuple of statistic names, checked.

    Raises
    ------
    ValueError
        For an unknown name or a percentile outside 0..100, naming it.
    """
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [s for s in names if s]
    if not names:
        raise ValueError("--summary needs at least one statistic, e.g. mean,std,min,max,p50")
    for name in names:
        m = _PERCENTILE.match(name)
        if name not in STATS and not (m and 0 <= float(m.group(1)) <= 100):
            raise ValueError(f"unknown statistic '{name}': choose from {', '.join(STATS)} "
                             "or a percentile p0..p100 (p50 is the median)")
    if len(set(names)) != len(names):
        raise ValueError(f"--summary names a statistic twice: {','.join(names)}")
    return tuple(names)


def summarize(data: np.ndarray, stats: tuple[str, ...], sr: float, hop: int | None,
              duration: float | None = None, events: bool | None = None
              ) -> dict[str, np.ndarray]:
    """Each statistic of ``data`` as a float64 array.

    Parameters
    ----------
    data : np.ndarray
        ``(..., features, frames)``; or ``(events,)`` event times in seconds.
    stats : tuple of str
        Names from :func:`parse`.
    sr, hop : float, int
        The output's rate (Hz) and hop (samples), for the slope's time axis;
        ``hop=None`` (a signal) means one sample per frame.
    duration : float, optional
        Seconds of audio, for the event rate (``nan`` when not given).
    events : bool, optional
        Whether ``data`` holds event times; default: when it is 1-D (pass
        ``False`` for a 1-D signal, summarised as one coefficient).

    Returns
    -------
    dict of str to np.ndarray
        ``(features,)`` per statistic; for events ``{"count", "rate",
        "mean_interval"}``, each of shape ``()``.
    """
    x = np.asarray(data, dtype=np.float64)
    if x.ndim == 1 if events is None else events:
        return _events(x.reshape(-1), duration)
    x = x.reshape(-1, x.shape[-1])
    n = x.shape[-1]
    out = {}
    for name in stats:
        if n == 0:
            out[name] = np.full(x.shape[0], np.nan)
        elif name == "mean":
            out[name] = amean(x)
        elif name == "std":
            out[name] = stddev(x)
        elif name == "min":
            out[name] = x.min(axis=-1)
        elif name == "max":
            out[name] = x.max(axis=-1)
        elif name == "slope":
            out[name] = _slope(x, (hop or 1) / sr)
        else:
            out[name] = percentile(x, float(name[1:]))
    return out


# ---------------------------------------------------------------- openSMILE's functionals
# The formulas below are shared by the Parquet summary (``summarize``) and the
# ``functionals`` node family (featgraph/nodes/functionals.py).  Each works on
# ``(rows, frames)`` float64 arrays and returns ``(rows,)``.

def percentile(x: np.ndarray, q: float) -> np.ndarray:
    """The ``q``-th percentile of each row, linear interpolation between order statistics.

    Sorted values ``s_0 <= ... <= s_{n-1}``, position ``r = q / 100 * (n - 1)``,
    result ``s_i + (r - i) (s_{i+1} - s_i)`` with ``i = floor(r)``: numpy's default
    and openSMILE's ``cFunctionalPercentiles`` with ``interp = 1`` (the eGeMAPSv02
    setting; measured equal to 2e-8 on openSMILE 2.6's F0 percentiles).
    """
    return np.percentile(x, q, axis=-1)


def amean(x: np.ndarray) -> np.ndarray:
    """Arithmetic mean of each row (openSMILE ``cFunctionalMeans``/``Moments`` ``amean``)."""
    return x.mean(axis=-1)


def stddev(x: np.ndarray) -> np.ndarray:
    """Population standard deviation ``sqrt(sum (x - mean)^2 / n)`` of each row (``ddof=0``)."""
    return x.std(axis=-1)


def stddev_norm(x: np.ndarray) -> np.ndarray:
    """Coefficient of variation ``std / mean`` of each row (openSMILE ``stddevNorm``).

    ``std`` is the population standard deviation (divide by ``n``); the mean keeps
    its sign (openSMILE 2.6's eGeMAPSv02 output is negative for a negative mean,
    measured on MFCC 4).  0 where the mean is 0.
    """
    m = x.mean(axis=-1)
    s = x.std(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m != 0, s / np.where(m != 0, m, 1.0), 0.0)


def runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths (frames) of the runs of ``True`` in a 1-D boolean array."""
    b = np.diff(np.r_[0, flags.astype(np.int8), 0])
    starts = np.flatnonzero(b == 1)
    return starts, np.flatnonzero(b == -1) - starts


SEGMENT_STATS = ("VoicedSegmentsPerSec", "MeanVoicedSegmentLengthSec",
                 "StddevVoicedSegmentLengthSec", "MeanUnvoicedSegmentLength",
                 "StddevUnvoicedSegmentLength")


def segment_stats(voiced: np.ndarray, step: float, drop_last: int = 2,
                  min_frames: int = 3) -> np.ndarray:
    """eGeMAPS' voiced/unvoiced segment statistics of a 1-D voicing flag, ``(5,)`` float64.

    In :data:`SEGMENT_STATS` order.  Conventions measured against openSMILE 2.6's
    eGeMAPSv02 output (exact on three files): the last ``drop_last`` frames are
    not seen; a run of ``r`` equal flags lasts ``(r - 1) * step`` seconds; voiced
    runs shorter than ``min_frames`` frames are dropped; the rate divides the
    voiced segments by the seconds seen, ``(n - drop_last) * step``.  Means and
    (population) standard deviations of an empty set are 0, as openSMILE outputs.
    """
    v = np.asarray(voiced, bool)[:max(0, voiced.size - drop_last)]
    seconds = v.size * step
    _, lv = runs(v)
    lv = lv[lv >= min_frames]
    _, lu = runs(~v)
    lv = (lv - 1) * step
    lu = (lu - 1) * step

    def ms(a):
        return (a.mean(), a.std()) if a.size else (0.0, 0.0)
    return np.array([lv.size / seconds if seconds > 0 else 0.0, *ms(lv), *ms(lu)])


def _slope(x: np.ndarray, step: float) -> np.ndarray:
    n = x.shape[-1]
    if n < 2:
        return np.full(x.shape[0], np.nan)
    t = np.arange(n) * step
    t = t - t.mean()
    return (x - x.mean(axis=-1, keepdims=True)) @ t / (t @ t)


def _events(times: np.ndarray, duration: float | None) -> dict[str, np.ndarray]:
    count = times.size
    rate = count / duration if duration else np.nan
    interval = np.diff(np.sort(times)).mean() if count > 1 else np.nan
    return {"count": np.array(float(count)), "rate": np.array(float(rate)),
            "mean_interval": np.array(float(interval))}


def columns(name: str, stats: dict[str, np.ndarray]) -> dict[str, float]:
    """Flat table columns: ``{name}.{stat}.{i}`` per coefficient, ``{name}.{stat}`` for a
    scalar statistic (the event statistics)."""
    out = {}
    for stat, values in stats.items():
        if values.ndim == 0:
            out[f"{name}.{stat}"] = float(values)
        else:
            out.update({f"{name}.{stat}.{i}": float(v) for i, v in enumerate(values)})
    return out


def turning_points(x: np.ndarray, rel_thresh: float = 0.1,
                   replace_frac: float = 1 / 3) -> list[tuple[int, int]]:
    """Peaks (``+1``) and valleys (``-1``) of a 1-D series, alternating, as ``(frame, sign)``.

    openSMILE 2.6's ``cFunctionalPeaks2`` turning points, reconstructed by
    measurement (its documentation does not state the algorithm; see
    docs/functionals.md): with ``th = rel_thresh * (max - min)``,

    - candidates are the strict local extrema ``x[i-1] < x[i] > x[i+1]`` (peak)
      and ``x[i-1] > x[i] < x[i+1]`` (valley) for ``2 <= i <= n - 3``;
    - a pending point starts at frame 0 with no type; a candidate of the other
      type than the pending one that lies more than ``th`` beyond it (above it
      for a peak, below it for a valley; frame 0 counts for either direction)
      confirms the pending point (frame 0 is never reported) and becomes pending;
    - a candidate of the pending type replaces it when it is more extreme; for
      a peak after a smaller opposite excursion (a valley less than ``th``
      below it) only when it is higher by more than ``replace_frac * th``
      (measured between 0.32 and 0.34 ``th`` on series whose minimum is 0; on
      series far from 0 openSMILE's bound is larger, a dependence not
      reconstructed);
    - the last pending point is reported.

    This reproduces openSMILE's turning points exactly on 151 of 160 random
    series (tests/data/egemaps_peaks_refs.json) and on the F0 and loudness
    contours of the three reference speech files.  The loop runs in C
    (:func:`featgraph.native.contour.turning_points`; its plain-Python definition,
    :mod:`featgraph.native.reference_contour`, gives the same points).
    """
    x = np.asarray(x, np.float64)
    if x.size < 5:
        return []
    th = rel_thresh * float(x.max() - x.min())
    frames, signs = _turning_points(x, th, replace_frac * th)      # the loop, in C
    return list(zip(frames.tolist(), signs.tolist()))


def peaks_per_second(x: np.ndarray, step: float, rel_thresh: float = 0.1) -> float:
    """Peaks of :func:`turning_points` per second of the series (``n * step`` seconds)."""
    seconds = x.size * step
    n = sum(1 for _, sign in turning_points(x, rel_thresh) if sign > 0)
    return n / seconds if seconds > 0 else 0.0


def slope_stats(x: np.ndarray, step: float, rel_thresh: float = 0.1) -> np.ndarray:
    """Mean and std of the rising and of the falling slopes, ``(4,)``, units per second.

    Order: meanRisingSlope, stddevRisingSlope, meanFallingSlope,
    stddevFallingSlope (openSMILE ``cFunctionalPeaks2`` names).  Measured on
    openSMILE 2.6 (see docs/functionals.md): the series is cut at frame 0, at
    the turning points ``p_1 .. p_k`` of :func:`turning_points` and at its last
    frame.  A segment ending at a peak is a rising slope ``(x[b] - x[a]) /
    ((b - a) step)``; one ending at a valley a falling slope ``(x[a] - x[b]) /
    ((b - a) step)``; the last segment ``p_k -> n - 1`` is ``(x[n-1] - x[p_k]) /
    ((n - 1 - p_k) step)`` (signed as a rise) and counts as falling after a
    peak, rising after a valley.  The mean is over all slopes of a kind; the
    standard deviation sums the squared deviations of all but that last segment
    and divides by the number of slopes (openSMILE's output).  Without a turning
    point the falling mean is ``(x[n-1] - x[0]) / n`` (per frame, as openSMILE
    reports it) and the rest 0.  0 for an empty series.
    """
    x = np.asarray(x, np.float64)
    n = x.size
    if n == 0:
        return np.zeros(4)
    pts = turning_points(x, rel_thresh)
    if not pts:
        return np.array([0.0, 0.0, (x[-1] - x[0]) / n, 0.0])
    rise: list[tuple[float, bool]] = []
    fall: list[tuple[float, bool]] = []
    a = 0
    for b, sign in pts:
        if b > a:
            (rise if sign > 0 else fall).append((sign * (x[b] - x[a]) / ((b - a) * step), False))
        a = b
    if n - 1 > a:
        (fall if pts[-1][1] > 0 else rise).append(((x[-1] - x[a]) / ((n - 1 - a) * step), True))

    def ms(v):
        if not v:
            return 0.0, 0.0
        vals = np.array([s for s, _ in v])
        mean = vals.mean()
        inner = np.array([s for s, last in v if not last])
        return float(mean), float(np.sqrt(((inner - mean) ** 2).sum() / vals.size))
    return np.array([*ms(rise), *ms(fall)])

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
            out[name] = x.mean(axis=-1)
        elif name == "std":
            out[name] = x.std(axis=-1)
        elif name == "min":
            out[name] = x.min(axis=-1)
        elif name == "max":
            out[name] = x.max(axis=-1)
        elif name == "slope":
            out[name] = _slope(x, (hop or 1) / sr)
        else:
            out[name] = np.percentile(x, float(name[1:]), axis=-1)
    return out


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

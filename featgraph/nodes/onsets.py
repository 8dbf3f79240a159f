"""Onset detection: onset strength (librosa's spectral flux), two more novelty functions
(HFC, energy), and peak picking into onset times (an event list).

The novelty functions of Bello et al. (2005) map onto ops as follows: spectral flux
``spectral_flux`` (``rectify: true``) or ``onset_strength``; phase deviation
``spectral_pd``; complex domain ``spectral_cd`` / ``spectral_rcd``; KL
``spectral_novelty`` (``method: kl``) or ``spectral_mkl``
(:mod:`featgraph.nodes.spectral_change`); high-frequency content ``onset_hfc`` and
energy ``onset_energy`` (here).  Each works on any spectrum the graph has.

Reference
---------
J. P. Bello, L. Daudet, S. Abdallah, C. Duxbury, M. Davies, M. B. Sandler, "A tutorial
on onset detection in music signals", IEEE Trans. Speech and Audio Processing 13(5),
2005.
S. Böck, F. Krebs, M. Schedl, "Evaluating the online capabilities of onset detection
methods", ISMIR 2012 (the max-filtered reference of ``max_size``).
librosa 0.11 documentation: ``librosa.onset.onset_strength``, ``onset_detect``,
``onset_backtrack``, ``librosa.util.peak_pick`` (the definitions followed here).
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import scipy.ndimage
import scipy.signal
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import SPECTRAL, Kind
from ..engine.ops import Node
from ._common import frame_major
from .spectral_change import _LagState
from .spectral_stats import out

_AGGREGATES = {"mean": np.mean, "median": np.median, "max": np.max, "min": np.min,
               "sum": np.sum}


class OnsetStrength(Node):
    """Onset strength envelope: the rectified, aggregated spectral flux of a spectrogram.

    For input ``S`` (``(..., bands, frames)``, usually a log-power mel spectrogram in dB)
    and ``R`` = ``S`` max-filtered over ``max_size`` bands (``R = S`` when 1),
    ``e[t] = aggregate_k max(0, S[k, t] - R[k, t - lag])`` (0 for ``t < lag``).  With
    ``center``, ``e`` is delayed by ``n_fft // (2 hop)`` frames (zeros first), which puts
    each value at the centre of the frames it compares when the STFT frames were centred;
    with ``detrend`` it is filtered by ``(1 - z^-1) / (1 - 0.99 z^-1)``.  Output
    ``(..., 1, frames)``, as many frames as the input.  This is
    ``librosa.onset.onset_strength(S=S, lag, max_size, detrend, center, aggregate)``
    (``n_fft`` and ``hop`` are the input's own).

    Streaming: block op holding ``lag`` frames of the input and ``n_fft // (2 hop)``
    values of the delay line; no latency.
    """

    op: Literal["onset_strength"] = "onset_strength"
    consumes: ClassVar = (SPECTRAL | Kind.FEATURE,)
    streaming: ClassVar = "block"
    produces: ClassVar = Kind.FEATURE

    lag: int = Field(1, ge=1, le=1000, description="compare frame t with frame t - lag")
    max_size: int = Field(1, ge=1, le=1000, description="max filter over the feature axis of "
                                                        "the reference frame (1: none)")
    aggregate: Literal["mean", "median", "max", "min", "sum"] = Field(
        "mean", description="how the bands' increases combine")
    center: bool = Field(True, description="delay by n_fft // (2 hop) frames (centred STFT)")
    detrend: bool = Field(False, description="remove the DC component (1 - z^-1)/(1 - 0.99 z^-1)")


def _float(a: np.ndarray) -> np.ndarray:
    """``a`` itself when float32 or float64 (librosa's flux of a float32 spectrogram is
    float32 too), else as float64."""
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


def _flux_frames(s: np.ndarray, start: int, p: OnsetStrength) -> np.ndarray:
    """``aggregate(max(0, s[t] - ref[t - lag]))`` for ``t >= start``; ``s`` frame-major.

    The mean or sum without a max filter (librosa's defaults) is one C pass over the
    pairs of frames (:func:`featgraph.native.rhythm.onset_flux`, summed in double)."""
    if p.max_size == 1 and p.aggregate in ("mean", "sum"):
        from ..native.rhythm import onset_flux

        total = onset_flux(s, p.lag, start)
        return total / s.shape[-1] if p.aggregate == "mean" and s.shape[-1] else total
    ref = s if p.max_size == 1 else scipy.ndimage.maximum_filter1d(s, p.max_size, axis=-1)
    diff = s[..., start:, :] - ref[..., start - p.lag:s.shape[-2] - p.lag, :]
    np.maximum(diff, 0.0, out=diff)
    return _AGGREGATES[p.aggregate](diff, axis=-1)


@OnsetStrength.stream
class OnsetStrengthStream:
    def __init__(self, p: OnsetStrength):
        self.p = p
        self.flux: _LagState | None = None
        self.delay: np.ndarray | None = None
        self.zi: np.ndarray | None = None

    def step(self, x: Feature) -> Feature:
        p = self.p
        if self.flux is None:
            prepare = (lambda f, q: (_float(frame_major(f.data)),))
            self.flux = _LagState(p, p.lag, prepare, lambda parts, start, q:
                                  _flux_frames(parts[0], start, q))
            d = x.n_fft // (2 * x.hop) if p.center and x.n_fft and x.hop else 0
            lead = x.data.shape[:-2]
            self.delay = np.zeros(lead + (d,))
            self.zi = np.zeros(lead + (1,))
        values = frame_major(self.flux.step(x).data)[..., 0]       # (..., frames)
        line = np.concatenate([self.delay, values], axis=-1)
        n = values.shape[-1]
        self.delay = line[..., n:]
        values = line[..., :n]
        if self.p.detrend and n:
            values, self.zi = scipy.signal.lfilter([1.0, -1.0], [1.0, -0.99], values,
                                                   axis=-1, zi=self.zi)
        return out(x, values)

    def flush(self) -> None:
        return None


# ------------------------------------------------------------ HFC, energy
class OnsetHFC(Node):
    """High-frequency content, ``(1/K) sum_k k s_k`` of each frame (Masri 1996; Bello et al.
    2005 eq. 4 with ``s`` the power spectrum ``|X_k|^2``), bins ``k = 0 .. K-1``.

    Input: a power (or magnitude) spectrum ``(..., K, frames)``; output ``(..., 1, frames)``
    in the input's dtype.  Streaming: framewise.
    """

    op: Literal["onset_hfc"] = "onset_hfc"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE


@OnsetHFC.compute
def onset_hfc(x: Feature, p: OnsetHFC) -> Feature:
    s = frame_major(x.data).astype(np.float64, copy=False)
    k = np.arange(s.shape[-1], dtype=np.float64)
    return out(x, (s @ k) / max(s.shape[-1], 1))


class OnsetEnergy(Node):
    """Energy novelty: the rectified rise of the frame energy ``E(t) = sum_k s_k(t)``.

    ``d(t) = max(0, E(t) - E(t-1))``; with ``log``, of ``ln(max(E, amin))`` instead (the
    relative rise, Bello et al. 2005 sec. III-A; Klapuri 1999).  The first frame gives 0.
    Input: power spectrum or band energies; output ``(..., 1, frames)``.

    Streaming: block op holding 1 frame.
    """

    op: Literal["onset_energy"] = "onset_energy"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "block"
    produces: ClassVar = Kind.FEATURE

    log: bool = Field(False, description="difference of the log energy (relative change)")
    amin: float = Field(1e-10, gt=0, le=1, description="floor of the energy before the log")


def _energy(x: Feature, p: OnsetEnergy) -> tuple[np.ndarray]:
    e = frame_major(x.data).astype(np.float64, copy=False).sum(axis=-1, keepdims=True)
    return (np.log(np.maximum(e, p.amin)) if p.log else e,)


@OnsetEnergy.stream
class OnsetEnergyStream(_LagState):
    def __init__(self, p: OnsetEnergy):
        super().__init__(p, 1, _energy, lambda parts, start, q: np.maximum(
            parts[0][..., start:, 0] - parts[0][..., start - 1:-1, 0], 0.0))


# ------------------------------------------------------------ peak picking
class OnsetDetect(Node):
    """Onset times: peaks of an onset envelope by librosa's rule, as an event list (s).

    The envelope (``(1, frames)``, one channel) is normalised to ``[0, 1]`` (``normalize``:
    minus its minimum, divided by its maximum); frame ``n`` is an onset if
    ``x[n] = max x[n - pre_max : n + post_max]`` and
    ``x[n] >= mean x[n - pre_avg : n + post_avg] + delta`` (windows cut at the ends), and
    no onset was taken in the ``wait`` frames before it.  Window lengths are given in
    seconds and turned into frames as librosa's ``onset_detect`` does:
    ``pre_max = pre_max_s * sr // hop``, ``post_max = post_max_s * sr // hop + 1`` (same for
    the averages), ``wait = wait_s * sr // hop``.  ``backtrack`` moves each onset to the
    nearest preceding local minimum of the (normalised) envelope (``onset_backtrack``).
    Output: float64 times ``frame * hop / sr`` in seconds (``Kind.EVENTS``); an all-zero or
    non-finite envelope gives no onsets.  Defaults: ``librosa.onset.onset_detect``.

    Streaming: whole signal (the normalisation uses the envelope's maximum).
    """

    op: Literal["onset_detect"] = "onset_detect"
    consumes: ClassVar = (Kind.FEATURE,)
    streaming: ClassVar = "signal"
    produces: ClassVar = Kind.EVENTS

    pre_max: float = Field(0.03, ge=0, le=10, description="max window before, s")
    post_max: float = Field(0.0, ge=0, le=10, description="max window after (+1 frame), s")
    pre_avg: float = Field(0.10, ge=0, le=10, description="mean window before, s")
    post_avg: float = Field(0.10, ge=0, le=10, description="mean window after (+1 frame), s")
    wait: float = Field(0.03, ge=0, le=10, description="minimum gap after an onset, s")
    delta: float = Field(0.07, ge=0, le=1e6, description="threshold above the local mean")
    normalize: bool = Field(True, description="scale the envelope to [0, 1] first")
    backtrack: bool = Field(False, description="move onsets to the preceding envelope minimum")


def one_channel(x: Feature, what: str) -> np.ndarray:
    """The ``(1, frames)`` (or ``(frames,)``) envelope of one channel as float64 ``(frames,)``."""
    a = np.asarray(x.data)
    if a.ndim >= 2 and a.shape[-2] != 1 or a.size != a.shape[-1]:
        raise ValueError(f"{what} needs one envelope of one channel, shape (1, frames); got "
                         f"{a.shape} (load with channels: mean, or select one row)")
    return a.reshape(-1).astype(np.float64)


def peak_pick(x: np.ndarray, pre_max: int, post_max: int, pre_avg: int, post_avg: int,
              delta: float, wait: int) -> np.ndarray:
    """Frame indices of the peaks of ``x`` by ``librosa.util.peak_pick``'s rule (see
    :class:`OnsetDetect`); windows in frames, ``post_max, post_avg >= 1``."""
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    padded = np.concatenate([np.full(pre_max, -np.inf), x, np.full(post_max - 1, -np.inf)])
    local_max = np.lib.stride_tricks.sliding_window_view(padded, pre_max + post_max).max(-1)
    cand = np.flatnonzero(x == local_max)
    if cand.size == 0:
        return cand
    csum = np.concatenate([[0.0], np.cumsum(x)])
    lo, hi = np.maximum(cand - pre_avg, 0), np.minimum(cand + post_avg, n)
    avg = (csum[hi] - csum[lo]) / (hi - lo)
    ok = x[cand] >= avg + delta
    close = np.abs(x[cand] - (avg + delta)) < 1e-9 * (1.0 + np.abs(x[cand]))
    for i in np.flatnonzero(close):                    # near the threshold: numpy's own mean
        ok[i] = x[cand[i]] >= np.mean(x[lo[i]:hi[i]]) + delta
    peaks, next_free = [], 0
    for c in cand[ok].tolist():                        # greedy: skip `wait` frames after one
        if c >= next_free:
            peaks.append(c)
            next_free = c + wait + 1
    return np.asarray(peaks, dtype=np.int64)


def backtrack(events: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Each event moved to the nearest local minimum of ``energy`` at or before it
    (``energy[i] <= energy[i-1]`` and ``energy[i] < energy[i+1]``; frame 0 counts)."""
    minima = np.flatnonzero((energy[1:-1] <= energy[:-2]) & (energy[1:-1] < energy[2:])) + 1
    minima = np.unique(np.concatenate([[0], minima]))
    return minima[np.searchsorted(minima, events, side="right") - 1]


def frames_of(seconds: float, sr: float, hop: int, plus_one: bool = False) -> int:
    """librosa's ``seconds * sr // hop`` (+1), rounded up to an int."""
    return int(np.ceil(seconds * sr // hop + (1 if plus_one else 0)))


@OnsetDetect.compute
def onset_detect(x: Feature, p: OnsetDetect) -> Feature:
    if not x.hop:
        raise ValueError("onset_detect needs the envelope's hop (feed it an onset strength)")
    env = one_channel(x, "onset_detect")
    if p.normalize and env.size:
        env = env - env.min()
        env /= env.max() + np.finfo(env.dtype).tiny
    frames = np.zeros(0, dtype=np.int64)
    if env.any() and np.isfinite(env).all():
        sr, hop = x.sr, x.hop
        frames = peak_pick(env, frames_of(p.pre_max, sr, hop), frames_of(p.post_max, sr, hop, True),
                           frames_of(p.pre_avg, sr, hop), frames_of(p.post_avg, sr, hop, True),
                           p.delta, frames_of(p.wait, sr, hop))
        if p.backtrack:
            frames = backtrack(frames, env)
    return x.derive(frames.astype(np.float64) * x.hop / x.sr, Kind.EVENTS, axis=None)

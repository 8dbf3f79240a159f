"""pYIN: probabilistic YIN with a pitch/voicing hidden Markov model (Mauch & Dixon 2014),
with librosa 0.11's definitions.

References
----------
M. Mauch and S. Dixon, "pYIN: a fundamental frequency estimator using probabilistic
threshold distributions", ICASSP 2014 (the beta-distributed thresholds, the
Boltzmann prior over troughs, the HMM of pitch bins times voiced / unvoiced).
A. de Cheveigné and H. Kawahara, JASA 111(4), 2002 (the normalised difference).
librosa 0.11 documentation: ``librosa.pyin`` (n_thresholds 100, beta (2, 18),
boltzmann_parameter 2, resolution 0.1 semitone, max_transition_rate 35.92 octaves/s,
switch_prob 0.01, no_trough_prob 0.01), ``librosa.sequence.transition_local``
(triangular band), ``transition_loop``, ``viterbi`` (log domain, ``tiny`` added).
"""
from __future__ import annotations

import functools
import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..native import pitch as kernels
from ._common import frame_major
from .pitch import TINY, _PitchRange, cmnd, out_dtype, periods


class PYin(_PitchRange):
    """pYIN fundamental frequency, voicing flag and voicing probability (Mauch & Dixon 2014).

    ``librosa.pyin``'s definition.  Per frame, YIN's normalised difference
    (:func:`featgraph.nodes.pitch.cmnd`) is thresholded at ``n_thresholds`` levels
    ``m / n_thresholds`` weighted by a Beta(``beta_a``, ``beta_b``) distribution; under
    each threshold the troughs (in lag order) get a Boltzmann prior of parameter
    ``boltzmann_parameter`` over their rank, and the global minimum trough also gets
    ``no_trough_prob`` times the weight of the thresholds it is above.  Each trough's
    probability goes to the pitch bin of its parabola-refined period (bins of
    ``resolution`` semitones from ``fmin``; the last trough wins a shared bin); the
    voiced probability is their sum (clipped to [0, 1]) and each unvoiced state gets
    ``(1 - voiced_prob) / n_bins``.  The HMM over (voiced, unvoiced) x bins moves at most
    ``round(max_transition_rate * 12 * hop / sr)`` semitones per frame with triangular
    weights, switches voicing with ``switch_prob``, starts uniform, and is decoded by
    Viterbi in the log domain (probabilities plus the smallest normal float) in a C
    kernel (:func:`featgraph.native.pitch.viterbi_step`).

    Outputs ``(..., 1, frames)``, in the input's float dtype: ``f0`` (Hz of the decoded
    bin; NaN in unvoiced frames, as librosa's ``fill_na``), ``voiced`` (1.0 voiced,
    0.0 unvoiced: a float so that means and functionals apply; ``!= 0`` gives
    librosa's bool flag), ``voiced_prob`` in [0, 1].  Silence and exact zeros are
    unvoiced.  Feed it ``frame`` with librosa's framing (``length: 2048, hop: 512,
    center: true``).

    Streaming: block op with a variable look-ahead.  Observation probabilities and the
    Viterbi forward pass run chunk by chunk; the decoded path is emitted up to the last
    frame through which the best paths into every current state pass (no later frame
    can change it: exact), typically a few tens of frames behind the input; the rest
    comes at the end.  Memory: 2 bytes per state per pending frame of back pointers
    (2.4 kB per frame at the defaults).
    """

    op: Literal["pyin"] = "pyin"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "block"
    produces: ClassVar = {"f0": Kind.FEATURE, "voiced": Kind.FEATURE,
                          "voiced_prob": Kind.FEATURE}
    nan_ports: ClassVar = ("f0",)
    """Ports that hold NaN by definition (f0 of unvoiced frames)."""

    n_thresholds: int = Field(100, ge=1, le=1000, description="thresholds of the beta prior")
    beta_a: float = Field(2.0, ge=0.01, le=1000, description="beta distribution's a (librosa's "
                                                         "beta_parameters[0])")
    beta_b: float = Field(18.0, ge=0.01, le=1000, description="beta distribution's b")
    boltzmann_parameter: float = Field(2.0, ge=0.001, le=100, description="Boltzmann prior's "
                                                                     "lambda over trough ranks")
    resolution: float = Field(0.1, ge=0.01, le=1, description="pitch bin width, semitones")
    max_transition_rate: float = Field(35.92, gt=0, le=1000, description="fastest pitch "
                                                                        "change, octaves/s")
    switch_prob: float = Field(0.01, ge=0, le=1, description="probability of switching "
                                                             "voiced <-> unvoiced per frame")
    no_trough_prob: float = Field(0.01, ge=0, le=1, description="probability given to the "
                                                                "global minimum when no "
                                                                "trough is under a threshold")


@functools.lru_cache(maxsize=8)
def threshold_tables(p: PYin, n_lags: int):
    """``(thresholds[1:], beta_probs, beta_prefix, fact, decay)`` for the trough kernel."""
    from scipy.special import betainc

    thresholds = np.linspace(0, 1, p.n_thresholds + 1)
    beta_probs = np.diff(betainc(p.beta_a, p.beta_b, thresholds))
    prefix = np.array([np.sum(beta_probs[:m]) for m in range(p.n_thresholds + 1)])
    lam = p.boltzmann_parameter
    counts = np.arange(n_lags + 1)
    fact = np.zeros(n_lags + 1)
    fact[1:] = (1 - np.exp(-lam)) / (1 - np.exp(-lam * counts[1:]))
    decay = np.exp(-lam * np.arange(n_lags))
    return thresholds[1:], beta_probs, prefix, fact, decay


def triangle(width: int) -> np.ndarray:
    """The symmetric triangular window of ``width`` points (scipy's ``triang``): non-zero
    end points, peak 1 at the centre (odd width)."""
    k = np.arange(1, (width + 1) // 2 + 1)
    if width % 2:
        w = 2 * k / (width + 1.0)
        return np.r_[w, w[-2::-1]]
    w = (2 * k - 1) / width
    return np.r_[w, w[::-1]]


@functools.lru_cache(maxsize=8)
def transition_tables(n_bins: int, width: int, switch_prob: float):
    """``(log_stay, log_switch, log_floor, half_width)``: the band of the log transition
    matrix ``log(kron(T2, L) + tiny)`` where ``L`` (rows normalised) has a triangular
    band of ``width`` bins around the diagonal and ``T2 = [[1-s, s], [s, 1-s]]``
    (librosa's ``transition_local(n, width, window="triangle")`` and
    ``transition_loop(2, 1 - s)``).  Entry ``[j, k]`` holds the move ``j - h + k -> j``."""
    if width > n_bins:
        raise ValueError(f"pyin: the transition band ({width} bins) is wider than the "
                         f"{n_bins} pitch bins; lower max_transition_rate or widen fmin..fmax")
    padded = np.zeros(n_bins)
    left = (n_bins - width) // 2
    padded[left:left + width] = triangle(width)
    half = width // 2
    band = np.zeros((n_bins, 2 * half + 1))                  # [source i, target i - h + k]
    for i in range(n_bins):                                  # row by row: O(n_bins) memory
        row = np.roll(padded, n_bins // 2 + i + 1)
        row[min(n_bins, i + half + 1):] = 0
        row[:max(0, i - half)] = 0
        lo, hi = max(0, i - half), min(n_bins, i + half + 1)
        band[i, lo - i + half:hi - i + half] = row[lo:hi] / row.sum()   # the full row's sum
    stay_p = 1.0 - switch_prob
    loop = np.array([[stay_p, (1.0 - stay_p) / 1], [(1.0 - stay_p) / 1, stay_p]])
    floor = float(np.log(0.0 + TINY))
    tables = []
    for prob in (loop[0, 0], loop[0, 1]):
        tab = np.full((n_bins, 2 * half + 1), floor)           # [target j, source j - h + k]
        for k in range(2 * half + 1):
            j = np.arange(max(0, half - k), min(n_bins, n_bins + half - k))
            tab[j, k] = np.log(prob * band[j - half + k, 2 * half - k] + TINY)
        tables.append(tab)
    return tables[0], tables[1], floor, half


def hmm_shape(p: PYin, sr: float, hop: int) -> tuple[int, int, int]:
    """``(bins per semitone, n_bins, transition width)`` (librosa's formulas)."""
    per_semitone = int(math.ceil(1.0 / p.resolution))
    n_bins = int(math.floor(12 * per_semitone * math.log2(p.fmax / p.fmin))) + 1
    if n_bins > 32767:
        raise ValueError(f"pyin: {n_bins} pitch bins is more than the 32767 allowed; raise "
                         f"resolution or narrow fmin..fmax")
    semitones = round(p.max_transition_rate * 12 * hop / sr)
    return per_semitone, n_bins, semitones * per_semitone + 1


def observations(c: np.ndarray, p: PYin, sr: float, lo: int, per_semitone: int,
                 n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """``(log_obs (T, 2 n_bins), voiced_prob (T,))`` of one channel's frames from
    their normalised difference ``c`` ``(T, lags)``."""
    probs = kernels.pyin_trough_probs(c, *threshold_tables(p, c.shape[1]), p.no_trough_prob)
    frame, lag = np.nonzero(probs)
    left = c[frame, np.maximum(lag - 1, 0)]
    mid = c[frame, lag]
    right = c[frame, np.minimum(lag + 1, c.shape[1] - 1)]
    a = right + left - 2 * mid
    b = (right - left) / 2
    inner = (lag > 0) & (lag < c.shape[1] - 1) & (np.abs(b) < np.abs(a))
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(inner, -b / np.where(inner, a, 1.0), 0.0)
    f0 = sr / (lo + lag + shift)
    bins = 12 * per_semitone * np.log2(f0 / p.fmin)
    bins = np.clip(np.round(bins), 0, n_bins).astype(int)
    obs = np.zeros((2 * n_bins, c.shape[0]))                    # librosa's layout and sums
    obs[bins, frame] = probs[frame, lag]
    voiced_prob = np.clip(np.sum(obs[:n_bins, :], axis=0, keepdims=True), 0, 1)
    obs[n_bins:, :] = (1 - voiced_prob) / n_bins
    return np.ascontiguousarray(np.log(obs + TINY).T), voiced_prob[0]


CONVERGENCE_SCAN = 4096
"""Most pending frames traced back when looking for the point where all paths meet."""


def converged(ptr: np.ndarray) -> tuple[int, int] | None:
    """``(t, state)``: the last frame ``t`` through which the best paths into every state of
    the last frame all pass, and that state; ``None`` when they have not met (within
    :data:`CONVERGENCE_SCAN` frames).  Row 0 of ``ptr`` is not read."""
    states = np.arange(ptr.shape[1])
    for t in range(ptr.shape[0] - 1, max(0, ptr.shape[0] - 1 - CONVERGENCE_SCAN), -1):
        states = np.unique(ptr[t][states])                   # the states at frame t - 1
        if len(states) == 1:
            return t - 1, int(states[0])
    return None


@PYin.stream
class PYinState:
    """Per channel: the Viterbi score of the last frame, and the back pointers and voiced
    probabilities of the frames not emitted yet.

    The decoded path is final up to the last frame through which the best paths into
    all current states pass (they have met: no later observation can change it); those
    frames are emitted at once, the rest at the end."""

    def __init__(self, p: PYin):
        self.p = p
        self.meta: Feature | None = None
        self.value: list[np.ndarray] | None = None
        self.ptr: list[np.ndarray] = []
        self.prob: list[np.ndarray] = []

    def step(self, x: Feature) -> dict[str, Feature] | None:
        frames = frame_major(x.data)
        if self.meta is None:
            self.meta = x
            self.lead = frames.shape[:-2]
            self.lo, self.hi = periods(x.sr, self.p.fmin, self.p.fmax, frames.shape[-1], "pyin")
            hop = x.hop or 1
            self.per_semitone, self.n_bins, width = hmm_shape(self.p, x.sr, hop)
            self.tables = transition_tables(self.n_bins, width, self.p.switch_prob)
            n_ch = int(np.prod(self.lead))
            self.value = [None] * n_ch
            self.ptr = [np.zeros((0, 2 * self.n_bins), np.uint16) for _ in range(n_ch)]
            self.prob = [np.zeros(0) for _ in range(n_ch)]
        if frames.shape[-2] == 0:
            return None
        c = cmnd(frames, self.lo, self.hi, x.hop)
        c = c.reshape((-1,) + c.shape[-2:])
        stay, switch, floor, _ = self.tables
        for ch in range(c.shape[0]):
            log_obs, prob = observations(c[ch], self.p, x.sr, self.lo, self.per_semitone,
                                         self.n_bins)
            self.prob[ch] = np.concatenate([self.prob[ch], prob])
            new = []
            if self.value[ch] is None:
                init = np.log(np.ones(2 * self.n_bins) / (2 * self.n_bins) + TINY)
                self.value[ch] = log_obs[0] + init
                new.append(np.zeros((1, 2 * self.n_bins), np.uint16))
                log_obs = log_obs[1:]
            new.append(kernels.viterbi_step(log_obs, self.value[ch], stay, switch, floor))
            self.ptr[ch] = np.concatenate([self.ptr[ch]] + new)
        met = [converged(ptr) for ptr in self.ptr]
        if any(m is None for m in met):
            return None
        n_out = min(t for t, _ in met) + 1
        states = []
        for ch, (t, state) in enumerate(met):
            states.append(kernels.viterbi_backtrack(self.ptr[ch][:t + 1], state)[:n_out])
        return self._emit(states, n_out)

    def flush(self) -> dict[str, Feature] | None:
        if self.meta is None:
            return None
        states = [kernels.viterbi_backtrack(ptr, int(np.argmax(value))) if value is not None
                  else np.zeros(0, np.int32) for ptr, value in zip(self.ptr, self.value)]
        return self._emit(states, len(states[0]))

    def _emit(self, states: list[np.ndarray], n_out: int) -> dict[str, Feature]:
        """The ports of the first ``n_out`` pending frames, decoded as ``states``."""
        n = self.n_bins
        freqs = self.p.fmin * 2 ** (np.arange(n) / (12 * self.per_semitone))
        f0s, voiced, probs = [], [], []
        for ch, st in enumerate(states):
            f0 = freqs[st % n]
            f0[st >= n] = np.nan
            f0s.append(f0)
            voiced.append((st < n).astype(np.float64))
            probs.append(self.prob[ch][:n_out])
            self.prob[ch] = self.prob[ch][n_out:]
            self.ptr[ch] = self.ptr[ch][n_out:]
        dtype = out_dtype(self.meta)

        def port(values):
            arr = np.stack(values).reshape(self.lead + (1, -1)).astype(dtype)
            return self.meta.derive(arr, Kind.FEATURE, axis=None)

        return {"f0": port(f0s), "voiced": port(voiced), "voiced_prob": port(probs)}

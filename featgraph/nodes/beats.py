"""Tempo and beats from an onset envelope: autocorrelation and Fourier tempograms, a
global or time-varying tempo estimate, and beat tracking by dynamic programming.

Input: an onset envelope ``(1, frames)`` (``onset_strength``), with its hop and rate.

Reference
---------
D. P. W. Ellis, "Beat tracking by dynamic programming", J. New Music Research 36(1),
2007 (the tempo prior and the beat dynamic program).
P. Grosche, M. Müller, F. Kurth, "Cyclic tempogram - a mid-level tempo representation
for music signals", ICASSP 2010 (tempograms).
librosa 0.11 documentation: ``librosa.feature.tempogram``, ``fourier_tempogram``,
``librosa.feature.tempo``, ``librosa.beat.beat_track`` (the definitions followed here).
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import scipy.fft
import scipy.signal
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.rhythm import beat_dp
from ._common import frame_major
from .onsets import one_channel
from .spectral import rfft_frames


def _needs_hop(x: Feature, what: str) -> None:
    if not x.hop:
        raise ValueError(f"{what} needs the envelope's hop (feed it an onset strength)")


def _windows(env: np.ndarray, win_length: int, center: bool):
    """``(windows (..., frames, win_length) view, periodic Hann, n_fft)`` of ``(..., frames)``
    envelopes (centred: padded by linear ramps from 0); ``n_fft`` is a fast FFT length of
    at least ``2 win_length - 1`` (no circular wrap of the autocorrelation)."""
    n = env.shape[-1]
    if center:
        pad = [(0, 0)] * (env.ndim - 1) + [(win_length // 2, win_length // 2)]
        env = np.pad(env, pad, mode="linear_ramp", end_values=0)
    frames = np.lib.stride_tricks.sliding_window_view(env, win_length, axis=-1)
    frames = frames[..., :n, :] if center else frames        # (..., frames, win)
    win = scipy.signal.get_window("hann", win_length, fftbins=True)
    return frames, win, scipy.fft.next_fast_len(2 * win_length - 1, real=True)


def _windowed_power(env: np.ndarray, win_length: int, center: bool):
    """Power spectra of the Hann-windowed ``win_length`` windows of ``(..., frames)``
    envelopes (see :func:`_windows`), zero-padded to ``n_fft``: ``(power, n_fft)``."""
    frames, win, n_fft = _windows(env, win_length, center)
    spec = rfft_frames(frames * win, n_fft)
    return spec.real ** 2 + spec.imag ** 2, n_fft


def autocorr_tempogram(env: np.ndarray, win_length: int, center: bool = True,
                       norm: bool = True) -> np.ndarray:
    """``(..., win_length, frames)`` tempogram of ``(..., frames)`` envelopes (float64):
    Hann-windowed (periodic) local autocorrelation of each ``win_length`` window (centred:
    the envelope is padded by linear ramps from 0), each column scaled to max 1."""
    power, n_fft = _windowed_power(env, win_length, center)
    ac = np.fft.irfft(power, n=n_fft, axis=-1)[..., :win_length]
    if norm:
        peak = np.abs(ac).max(axis=-1, keepdims=True)
        ac = ac / np.where(peak < np.finfo(ac.dtype).tiny, 1.0, peak)
    return np.swapaxes(ac, -1, -2)


MEAN_BLOCK = 512
"""Windows per block in :func:`mean_tempogram` (its work buffers stay in cache)."""


def mean_tempogram(env: np.ndarray, win_length: int) -> np.ndarray:
    """``(..., win_length, 1)``: the frame average of :func:`autocorr_tempogram`, with one
    inverse FFT.  A column's maximum is its lag-0 value (an autocorrelation peaks at 0),
    the sum of its power spectrum over ``n_fft``; the normalised columns are linear in
    the power spectra, so their mean is the inverse FFT of the weighted mean spectrum.
    The windows go through in blocks of :data:`MEAN_BLOCK` (windowed into a zero-padded
    buffer, transformed, squared by :func:`featgraph.native.spectral.power_spectrum`,
    weighted and summed), so no tempogram-sized array is made."""
    from ..native.spectral import power_spectrum

    frames, win, n_fft = _windows(env, win_length, True)
    lead, n = frames.shape[:-2], frames.shape[-2]
    frames = frames.reshape((-1,) + frames.shape[-2:])
    bins = n_fft // 2 + 1
    block = min(MEAN_BLOCK, max(n, 1))
    buf = np.zeros((block, n_fft))                  # columns win_length: stay zero
    spec = np.empty((block, bins), np.complex128)
    power = np.empty((block, bins))
    total = np.zeros((frames.shape[0], bins))
    tiny = np.finfo(np.float64).tiny
    for c in range(frames.shape[0]):
        for start in range(0, n, block):
            m = min(block, n - start)
            np.multiply(frames[c, start:start + m], win, out=buf[:m, :win_length])
            p = power_spectrum(rfft_frames(buf[:m], n_fft, out=spec[:m]), out=power[:m])
            peak = (2.0 * p.sum(axis=-1) - p[:, 0] - (p[:, -1] if n_fft % 2 == 0 else 0.0)) \
                / n_fft
            total[c] += (1.0 / np.where(peak < tiny, 1.0, peak)) @ p
    mean = (total / n).reshape(lead + (bins,))
    return np.fft.irfft(mean, n=n_fft, axis=-1)[..., :win_length, None]


class Tempogram(Node):
    """Autocorrelation tempogram: local autocorrelation of the onset envelope.

    Each frame's ``win_length`` envelope values around it (centred; the ends padded by
    linear ramps from 0) are multiplied by a periodic Hann window and autocorrelated;
    each column is divided by its maximum (``norm``).  Row ``l`` is lag ``l`` frames
    (``Feature.axis``: the lag in seconds; tempo ``60 / lag`` BPM).  Output
    ``(win_length, frames)``.  ``librosa.feature.tempogram(onset_envelope=..., sr, hop,
    win_length, center, window='hann', norm=np.inf)``.

    Streaming: whole signal.
    """

    op: Literal["tempogram"] = "tempogram"
    consumes: ClassVar = (Kind.FEATURE,)
    streaming: ClassVar = "signal"
    produces: ClassVar = Kind.FEATURE

    win_length: int = Field(384, ge=1, le=4096, description="autocorrelation window, frames")
    center: bool = Field(True, description="centre each window on its frame")
    norm: bool = Field(True, description="scale each frame to maximum 1")


@Tempogram.compute
def tempogram(x: Feature, p: Tempogram) -> Feature:
    _needs_hop(x, "tempogram")
    env = frame_major(x.data)[..., 0].astype(np.float64)    # (..., frames)
    tg = autocorr_tempogram(env, p.win_length, p.center, p.norm)
    lags = np.arange(p.win_length) * x.hop / x.sr
    return x.derive(tg.astype(x.data.dtype, copy=False), Kind.FEATURE, axis=lags)


class FourierTempogram(Node):
    """Fourier tempogram: the short-time Fourier transform of the onset envelope.

    Frames of ``win_length`` envelope values every frame (centred: ``win_length // 2``
    zeros at both ends, so ``frames + 1`` columns), periodic Hann window, complex
    ``(win_length // 2 + 1, frames + 1)`` output; ``Feature.axis`` gives each row's tempo
    in BPM (``60 k sr / (hop win_length)``).  ``librosa.feature.fourier_tempogram``
    (take ``power`` for its magnitude).

    Streaming: whole signal.
    """

    op: Literal["fourier_tempogram"] = "fourier_tempogram"
    consumes: ClassVar = (Kind.FEATURE,)
    streaming: ClassVar = "signal"
    produces: ClassVar = Kind.SPECTRUM

    win_length: int = Field(384, ge=2, le=4096, description="window, frames")
    center: bool = Field(True, description="centre each window on its frame")


@FourierTempogram.compute
def fourier_tempogram(x: Feature, p: FourierTempogram) -> Feature:
    _needs_hop(x, "fourier_tempogram")
    env = frame_major(x.data)[..., 0].astype(np.float64)
    if p.center:
        env = np.pad(env, [(0, 0)] * (env.ndim - 1) + [(p.win_length // 2,) * 2])
    if env.shape[-1] < p.win_length:
        raise ValueError(f"fourier_tempogram: {env.shape[-1]} frames are fewer than "
                         f"win_length = {p.win_length}")
    frames = np.lib.stride_tricks.sliding_window_view(env, p.win_length, axis=-1)
    win = scipy.signal.get_window("hann", p.win_length, fftbins=True)
    spec = np.fft.rfft(frames * win, axis=-1)                # (..., frames, bins)
    bpm = np.arange(p.win_length // 2 + 1) * x.sr * 60.0 / (x.hop * p.win_length)
    dtype = np.complex64 if x.data.dtype == np.float32 else np.complex128
    return x.derive(np.swapaxes(spec.astype(dtype, copy=False), -1, -2), Kind.SPECTRUM,
                    axis=bpm, n_fft=p.win_length)


# ------------------------------------------------------------------ tempo
class _TempoParams(Node):
    start_bpm: float = Field(120.0, ge=1, le=10000, description="centre of the tempo "
                                                                "prior, BPM")
    std_bpm: float = Field(1.0, gt=0, le=100, description="width of the log-normal prior, "
                                                          "octaves")
    ac_size: float = Field(8.0, gt=0, le=60, description="autocorrelation window, s")
    max_tempo: float | None = Field(320.0, ge=1, le=10000, description="tempi at or above "
                                                                       "are excluded, BPM")


def tempo_frequencies(n_bins: int, hop: int, sr: float) -> np.ndarray:
    """BPM of each tempogram lag: ``60 sr / (hop lag)`` (``inf`` at lag 0)."""
    bpm = np.full(n_bins, np.inf)
    bpm[1:] = 60.0 * sr / (hop * np.arange(1.0, n_bins))
    return bpm


def estimate_tempo(env: np.ndarray, sr: float, hop: int, p: _TempoParams,
                   aggregate: bool = True) -> np.ndarray:
    """``(..., 1)`` (or ``(..., frames)``) tempo in BPM of ``(..., frames)`` envelopes."""
    win_length = int(int(p.ac_size * sr) // hop)
    if win_length < 2:
        raise ValueError(f"ac_size = {p.ac_size} s is under two frames at hop {hop}")
    tg = mean_tempogram(env, win_length) if aggregate else autocorr_tempogram(env, win_length)
    bpms = tempo_frequencies(win_length, hop, sr)
    with np.errstate(divide="ignore", over="ignore"):
        logprior = -0.5 * ((np.log2(bpms) - np.log2(p.start_bpm)) / p.std_bpm) ** 2
    if p.max_tempo is not None:
        logprior[:int(np.argmax(bpms < p.max_tempo))] = -np.inf
    if not np.isfinite(logprior).any():
        raise ValueError(f"tempo: the prior (start_bpm = {p.start_bpm:.6g}, std_bpm = "
                         f"{p.std_bpm:.6g} octaves, max_tempo = {p.max_tempo}) excludes every "
                         f"tempo the {win_length}-lag tempogram can measure; widen std_bpm "
                         f"(1 is librosa's default) or raise max_tempo")
    best = np.argmax(np.log1p(1e6 * tg) + logprior[:, None], axis=-2)
    return bpms[best]


class Tempo(_TempoParams):
    """Tempo estimate in BPM: the lag of the autocorrelation tempogram (``ac_size`` s
    window) that maximises ``log(1 + 1e6 T) + log prior``, the prior log-normal around
    ``start_bpm`` (``std_bpm`` octaves) and excluding ``max_tempo`` and faster (Ellis
    2007).  ``aggregate: mean`` averages the tempogram over the whole signal (one value,
    ``(1, 1)``); ``none`` gives one tempo per frame (``(1, frames)``).
    ``librosa.feature.tempo`` at its defaults.

    Streaming: whole signal.
    """

    op: Literal["tempo"] = "tempo"
    consumes: ClassVar = (Kind.FEATURE,)
    streaming: ClassVar = "signal"
    produces: ClassVar = Kind.FEATURE

    aggregate: Literal["mean", "none"] = Field("mean", description="mean: one global tempo; "
                                                                   "none: one per frame")


@Tempo.compute
def tempo(x: Feature, p: Tempo) -> Feature:
    _needs_hop(x, "tempo")
    env = frame_major(x.data)[..., 0].astype(np.float64)
    bpm = estimate_tempo(env, x.sr, x.hop, p, aggregate=p.aggregate == "mean")
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    return x.derive(bpm[..., None, :].astype(dtype), Kind.FEATURE, axis=None)


# ------------------------------------------------------------------ beats
class BeatTrack(_TempoParams):
    """Beat times by dynamic programming (Ellis 2007), and the tempo it used.

    The envelope (one channel) is divided by its standard deviation (``ddof=1``) and
    smoothed by a Gaussian of ``P/32`` frames over ``±P`` (``P = round(60 fps / bpm)``
    frames per beat; librosa's loop leaves out the envelope's first frame, and so does
    this); the dynamic program (C kernel :func:`featgraph.native.rhythm.beat_dp`)
    links each frame to its best predecessor ``P/2 .. 2P`` earlier, penalised by
    ``tightness (log(gap / P))^2``; the last beat is the last local maximum of the
    cumulative score at least half their median, and beats before the first (after the
    last) frame whose local score exceeds half the RMS of the beats' smoothed scores are
    trimmed (``trim``).  ``bpm`` fixes the tempo, else :class:`Tempo`'s estimate is used.
    Outputs ``beats``: event times in seconds; ``tempo``: ``(1, 1)`` BPM (0 and no
    beats for an all-zero envelope).  ``librosa.beat.beat_track(onset_envelope=...)``.

    Streaming: whole signal (the dynamic program runs back from the last beat).
    """

    op: Literal["beat_track"] = "beat_track"
    consumes: ClassVar = (Kind.FEATURE,)
    streaming: ClassVar = "signal"
    produces: ClassVar = {"beats": Kind.EVENTS, "tempo": Kind.FEATURE}

    tightness: float = Field(100.0, gt=0, le=1e6, description="penalty on tempo deviation")
    trim: bool = Field(True, description="drop weak leading and trailing beats")
    bpm: float | None = Field(None, ge=1, le=10000, description="fixed tempo, BPM (null: "
                                                                "estimate it)")


def _local_score(env: np.ndarray, period: float) -> np.ndarray:
    norm = env / (env.std(ddof=1) + np.finfo(env.dtype).tiny) if env.size > 1 else env
    k = np.arange(-period, period + 1)
    window = np.exp(-0.5 * (k * 32.0 / period) ** 2)
    norm = norm.copy()
    norm[0] = 0.0                                      # librosa's loop never reaches it
    full = np.convolve(norm, window)
    half = len(window) // 2
    return full[half:half + env.size]


def _last_beat(cumscore: np.ndarray) -> int:
    padded = np.pad(cumscore, 1, mode="edge")
    peaks = (cumscore > padded[:-2]) & (cumscore >= padded[2:])
    if not peaks.any():
        return cumscore.size - 1
    threshold = 0.5 * np.median(cumscore[peaks])
    hits = np.flatnonzero(peaks & (cumscore >= threshold))
    return int(hits[-1]) if hits.size else cumscore.size - 1


def _trim(localscore: np.ndarray, beats: np.ndarray, trim: bool) -> np.ndarray:
    w = np.hanning(5)
    smooth = np.convolve(localscore[beats], w)[len(w) // 2:len(localscore) + len(w) // 2]
    threshold = 0.5 * np.sqrt((smooth ** 2).mean()) if trim and smooth.size else 0.0
    keep = np.ones(localscore.size, dtype=bool)
    above = np.flatnonzero(localscore > threshold)
    if not above.size:
        return np.zeros(0, dtype=np.int64)
    keep[:above[0]] = False
    keep[above[-1] + 1:] = False
    return beats[keep[beats]]


def track_beats(env: np.ndarray, fps: float, bpm: float, tightness: float,
                trim: bool) -> np.ndarray:
    """Beat frames of a float64 envelope at ``fps`` frames/s and ``bpm``."""
    period = float(np.round(fps * 60.0 / bpm))
    if period < 1:
        raise ValueError(f"tempo {bpm:g} BPM is faster than one beat per frame")
    local = _local_score(env, period)
    backlink, cumscore = beat_dp(local, period, float(np.float32(tightness)))
    beats, n = [], _last_beat(cumscore)
    while n >= 0:
        beats.append(n)
        n = int(backlink[n])
    return _trim(local, np.asarray(beats[::-1], dtype=np.int64), trim)


@BeatTrack.compute
def beat_track(x: Feature, p: BeatTrack) -> dict[str, Feature]:
    _needs_hop(x, "beat_track")
    env = one_channel(x, "beat_track")
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    if not env.any() or not np.isfinite(env).all():
        frames, bpm = np.zeros(0, dtype=np.int64), 0.0
    else:
        bpm = p.bpm if p.bpm is not None else float(
            estimate_tempo(env[None, :], x.sr, x.hop, p)[0, 0])
        frames = track_beats(env, x.sr / x.hop, bpm, p.tightness, p.trim)
    return {"beats": x.derive(frames.astype(np.float64) * x.hop / x.sr, Kind.EVENTS,
                              axis=None),
            "tempo": x.derive(np.full((1, 1), bpm, dtype=dtype), Kind.FEATURE, axis=None)}

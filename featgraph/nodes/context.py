"""Context over frames: deltas, cepstral mean (and variance) normalisation, energy normalisation.

Deltas and sliding-window CMVN are block ops: they carry the last frames across
chunks and hold back their look-ahead (``latency``).  Utterance CMVN and HTK's
energy normalisation need the whole input (signal ops).

References
----------
A. Savitzky and M. J. E. Golay, "Smoothing and differentiation of data by simplified
least squares procedures", Anal. Chem. 36(8), 1964 (librosa's ``delta`` is
``scipy.signal.savgol_filter(x, width, polyorder=order, deriv=order, mode='interp')``).
S. Young et al., *The HTK Book* (HTK 3.4), section 5.9 "Delta, acceleration and third
differential coefficients" (regression formula, edge frames replicated) and 5.8 "Energy
measures" (``ENORMALISE``, ``SILFLOOR``, ``ESCALE``).
python_speech_features 0.6 documentation, ``delta(feat, N)``.
"""
from __future__ import annotations

import functools
import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import ANY, Kind
from ..engine.ops import Node, join_chunks
from ._common import frame_major

PER_FRAME = ANY & ~(Kind.SIGNAL | Kind.FRAMES | Kind.SPECTRUM)


def _out(template: Feature, fm: np.ndarray | None):
    """A feature holding frame-major data ``fm`` (``(..., frames, features)``), or None."""
    if fm is None:
        return None
    return template.derive(frame_major(fm))


class _Buffer:
    """Frames ``[base, base + len(buf))`` of a stream, frame-major ``(..., n, features)``."""

    def __init__(self):
        self.buf: np.ndarray | None = None
        self.base = 0
        self.template: Feature | None = None

    @property
    def end(self) -> int:
        return self.base + (0 if self.buf is None else self.buf.shape[-2])

    def push(self, fm: np.ndarray) -> None:
        self.buf = fm.copy() if self.buf is None else np.concatenate([self.buf, fm], axis=-2)

    def rows(self, start: int, stop: int) -> np.ndarray:
        return self.buf[..., start - self.base:stop - self.base, :]

    def keep_from(self, index: int) -> None:
        index = max(index, self.base)
        if self.buf is not None and index > self.base:
            self.buf = self.buf[..., index - self.base:, :].copy()
            self.base = index


def _fir(buf: _Buffer, coef: np.ndarray, h: int, start: int, stop: int) -> np.ndarray:
    """``out[t] = sum_j coef[j] x[t - h + j]`` for ``t`` in ``[start, stop)`` (frames in ``buf``)."""
    c = coef.astype(buf.buf.dtype, copy=False)
    out = c[0] * buf.rows(start - h, stop - h)
    for j in range(1, len(c)):
        if c[j]:
            out += c[j] * buf.rows(start - h + j, stop - h + j)
    return out


class Delta(Node):
    """librosa's delta: a Savitzky-Golay derivative over frames, edges by polynomial fit.

    ``librosa.feature.delta(x, width, order, mode='interp')``: each output frame is
    the ``order``-th derivative, at its position, of the degree-``order``
    least-squares polynomial through the ``width`` frames centred on it
    (``scipy.signal.savgol_filter(x, width, polyorder=order, deriv=order)``; for
    ``order = 1`` the interior is ``sum_n n x[t+n] / sum_n n^2``, ``|n| <= width // 2``).
    The first and last ``width // 2`` frames use the polynomial fitted to the first
    (last) ``width`` frames (``mode='interp'``).  Needs at least ``width`` frames,
    as librosa does.  Output: the input's shape and kind.

    Streaming: block, ``latency = width // 2`` frames.
    """

    op: Literal["delta"] = "delta"
    consumes: ClassVar = (PER_FRAME,)
    streaming: ClassVar = "block"

    width: int = Field(9, ge=3, le=101, description="odd number of frames in the fit")
    order: int = Field(1, ge=1, le=4, description="derivative order (1: delta, 2: delta-delta)")

    @model_validator(mode="after")
    def _check(self):
        if self.width % 2 == 0:
            raise ValueError(f"width = {self.width} must be odd (librosa); use {self.width + 1}")
        if self.order >= self.width:
            raise ValueError(f"order = {self.order} must be below width = {self.width}")
        return self

    def latency(self) -> int:
        return self.width // 2


@functools.lru_cache(maxsize=32)
def savgol_rows(width: int, order: int) -> np.ndarray:
    """``(width, width)``: row ``z`` maps a window of ``width`` frames to the ``order``-th
    derivative at position ``z`` of its least-squares polynomial of degree ``order``."""
    h = width // 2
    z = np.arange(width, dtype=np.float64) - h
    fit = np.linalg.pinv(np.vander(z, order + 1, increasing=True))     # coefficients a_k
    k = np.arange(order, order + 1)                                     # only a_order survives
    scale = np.array([math.factorial(int(i)) / math.factorial(int(i) - order) for i in k])
    rows = np.stack([(scale * z0 ** (k - order)) @ fit[k] for z0 in z])
    rows.setflags(write=False)
    return rows


class _BufferedState:
    """A block op's state over a :class:`_Buffer`: ``_emit(final)`` gives what is ready."""

    def __init__(self):
        self.buf = _Buffer()
        self.n_out = 0

    def step(self, x: Feature):
        self.buf.template = self.buf.template or x
        if x.n_frames:
            self.buf.push(frame_major(x.data))
        return _out(x, self._emit(final=False))

    def flush(self):
        if self.buf.template is None:
            return None
        self._check_end()
        return _out(self.buf.template, self._emit(final=True))

    def _check_end(self) -> None:
        pass

    def _emit(self, final: bool):
        raise NotImplementedError


@Delta.stream
class DeltaState(_BufferedState):
    def __init__(self, p: Delta):
        super().__init__()
        self.h, self.w = p.width // 2, p.width
        self.rows = savgol_rows(p.width, p.order)

    def _check_end(self) -> None:
        n = self.buf.end
        if n < self.w:
            raise ValueError(f"delta: width = {self.w} exceeds the {n} frames of the input "
                             f"(librosa's mode='interp' needs as many); use width <= "
                             f"{max(3, n - 1 + n % 2)}" if n >= 3 else
                             f"delta: the input has {n} frames, fewer than 3")

    def _emit(self, final: bool):
        n, h, w = self.buf.end, self.h, self.w
        if n < w:
            return None
        pieces = []
        if self.n_out == 0:                                    # first h frames: fit on [0, w)
            win = self.buf.rows(0, w)
            pieces.append(np.einsum("zj,...jf->...zf", self.rows[:h].astype(win.dtype), win))
            self.n_out = h
        stop = n - h
        if stop > self.n_out:
            pieces.append(_fir(self.buf, self.rows[h], h, self.n_out, stop))
            self.n_out = stop
        if final:                                              # last h frames: fit on [n-w, n)
            win = self.buf.rows(n - w, n)
            pieces.append(np.einsum("zj,...jf->...zf", self.rows[h + 1:].astype(win.dtype), win))
            self.n_out = n
        self.buf.keep_from(self.n_out - h - 1)
        return np.concatenate(pieces, axis=-2) if pieces else None


class RegressionDelta(Node):
    """HTK's and python_speech_features' delta: ``d[t] = sum_{n=1}^N n (x[t+n] - x[t-n]) / (2 sum n^2)``.

    Frames beyond either end repeat the first (last) frame (The HTK Book 5.9,
    ``DELTAWINDOW``; ``python_speech_features.delta(feat, N)``).  ``order: 2``
    applies the formula twice (HTK's acceleration coefficients, ``ACCWINDOW = N``).
    Output: the input's shape and kind.

    Streaming: block, ``latency = order * N`` frames.
    """

    op: Literal["regression_delta"] = "regression_delta"
    consumes: ClassVar = (PER_FRAME,)
    streaming: ClassVar = "block"

    n: int = Field(2, ge=1, le=50, description="half-width N of the regression window")
    order: int = Field(1, ge=1, le=3, description="times the formula is applied")

    def latency(self) -> int:
        return self.order * self.n


class _RegressionPass:
    def __init__(self, n: int):
        self.h = n
        k = np.arange(-n, n + 1, dtype=np.float64)
        self.coef = k / (2.0 * np.sum(np.arange(1, n + 1) ** 2))
        self.buf = _Buffer()
        self.n_out = 0                     # outputs emitted; output t sits at padded t + h

    def step(self, fm):
        if fm is None or fm.shape[-2] == 0:
            return None
        if self.buf.buf is None:
            self.buf.push(np.repeat(fm[..., :1, :], self.h, axis=-2))
        self.buf.push(fm)
        return self._emit()

    def flush(self):
        if self.buf.buf is None:
            return None
        self.buf.push(np.repeat(self.buf.buf[..., -1:, :], self.h, axis=-2))
        return self._emit()

    def _emit(self):
        stop = self.buf.end - 2 * self.h          # outputs whose window is complete
        if stop <= self.n_out:
            return None
        out = _fir(self.buf, self.coef, self.h, self.n_out + self.h, stop + self.h)
        self.n_out = stop
        self.buf.keep_from(self.n_out)
        return out


@RegressionDelta.stream
class RegressionDeltaState:
    def __init__(self, p: RegressionDelta):
        self.passes = [_RegressionPass(p.n) for _ in range(p.order)]
        self.template = None

    def step(self, x: Feature):
        self.template = self.template or x
        fm = frame_major(x.data)
        for ps in self.passes:
            fm = ps.step(fm)
        return _out(x, fm)

    def finish(self, x: Feature):
        """``step(x)`` then ``flush()``, joined.  On a fresh state (the whole input as one
        chunk: a corpus file read in one block) each pass pads the frames with ``n``
        copies of the first and of the last frame and filters them once, through the same
        :func:`_fir`: the numbers of the streamed passes, without their buffer's copies."""
        if self.template is not None or x.n_frames == 0:
            return join_chunks([self.step(x), self.flush()])
        fm = frame_major(x.data)
        for ps in self.passes:
            h, n = ps.h, fm.shape[-2]
            whole = _Buffer()
            whole.buf = np.concatenate([np.repeat(fm[..., :1, :], h, axis=-2), fm,
                                        np.repeat(fm[..., -1:, :], h, axis=-2)], axis=-2)
            fm = _fir(whole, ps.coef, h, h, n + h)
        return _out(x, fm)

    def flush(self):
        if self.template is None:
            return None
        out = None
        for ps in self.passes:
            if out is not None:
                out = ps.step(out)
                tail = ps.flush()
                out = tail if out is None else (out if tail is None else
                                                np.concatenate([out, tail], axis=-2))
            else:
                out = ps.flush()
        return _out(self.template, out)


class CMVN(Node):
    """Cepstral mean (and variance) normalisation over the whole utterance.

    ``y = (x - mean_t x) / max(sqrt(var_t x + epsilon), floor)`` per channel and
    feature, the division only with ``variance: true``; ``var`` divides the
    squared deviations by ``T - ddof`` (``ddof: 0``: Speech2TextFeatureExtractor's
    utterance CMVN; ``ddof: 1, epsilon: 1e-7``: SeamlessM4TFeatureExtractor's
    per-bin normalisation).  Output: the input's shape, kind and dtype
    (statistics in float64).

    Streaming: whole signal (the statistics need every frame).
    """

    op: Literal["cmvn"] = "cmvn"
    consumes: ClassVar = (PER_FRAME,)
    streaming: ClassVar = "signal"

    variance: bool = Field(False, description="also divide by the standard deviation")
    floor: float = Field(1e-10, ge=1e-30, le=1e30,
                         description="smallest standard deviation divided by")
    ddof: int = Field(0, ge=0, le=1, description="variance over T - ddof frames (1: unbiased)")
    epsilon: float = Field(0.0, ge=0, le=1e6, description="added to the variance inside the "
                                                          "square root")


@CMVN.compute
def cmvn(x: Feature, p: CMVN) -> Feature:
    if x.n_frames == 0:
        return x
    d = x.data.astype(np.float64)
    mean = d.mean(axis=-1, keepdims=True)
    y = d - mean
    if p.variance:
        n = max(1, x.n_frames - p.ddof)
        var = np.sum(y * y, axis=-1, keepdims=True) / n
        y /= np.maximum(np.sqrt(var + p.epsilon), p.floor)
    return x.derive(y.astype(x.data.dtype, copy=False))


class SlidingCMVN(Node):
    """Mean (and variance) normalisation over a sliding window of frames.

    Frame ``t`` is normalised with the statistics of frames
    ``[t - L, t + R]`` clipped to the input: ``L = window - 1, R = 0`` (causal,
    ``center: false``) or ``L = window // 2, R = window - 1 - L`` (centred).
    Near the ends the window is simply shorter (Kaldi's ``apply-cmvn-sliding``
    instead shifts it, looking ahead up to ``min_window`` frames at the start).
    ``y = (x - mean) / max(std, floor)``, the division only with ``variance: true``.

    Streaming: block, ``latency = R`` frames (0 when causal).
    """

    op: Literal["sliding_cmvn"] = "sliding_cmvn"
    consumes: ClassVar = (PER_FRAME,)
    streaming: ClassVar = "block"

    window: int = Field(300, ge=2, le=100000, description="frames in the window (Kaldi: 600)")
    center: bool = Field(False, description="centre the window (look-ahead window // 2)")
    variance: bool = Field(False, description="also divide by the standard deviation")
    floor: float = Field(1e-10, ge=1e-30, le=1e30,
                         description="smallest standard deviation divided by")

    def span(self) -> tuple[int, int]:
        """``(L, R)``: frames before and after ``t`` in its window."""
        if not self.center:
            return self.window - 1, 0
        left = self.window // 2
        return left, self.window - 1 - left

    def latency(self) -> int:
        return self.span()[1]


@SlidingCMVN.stream
class SlidingCMVNState(_BufferedState):
    def __init__(self, p: SlidingCMVN):
        super().__init__()
        self.p = p
        self.left, self.right = p.span()

    def _emit(self, final: bool):
        stop = self.buf.end if final else self.buf.end - self.right
        if stop <= self.n_out:
            return None
        n, base = self.buf.end, self.buf.base
        t = np.arange(self.n_out, stop)
        lo = np.maximum(t - self.left, 0) - base
        hi = np.minimum(t + self.right + 1, n) - base
        d = self.buf.buf.astype(np.float64)
        zero = np.zeros(d.shape[:-2] + (1, d.shape[-1]))
        s1 = np.concatenate([zero, np.cumsum(d, axis=-2)], axis=-2)
        count = (hi - lo)[:, None].astype(np.float64)
        mean = (s1[..., hi, :] - s1[..., lo, :]) / count
        y = d[..., t - base, :] - mean
        if self.p.variance:
            s2 = np.concatenate([zero, np.cumsum(d * d, axis=-2)], axis=-2)
            var = (s2[..., hi, :] - s2[..., lo, :]) / count - mean * mean
            y /= np.maximum(np.sqrt(np.maximum(var, 0.0)), self.p.floor)
        self.n_out = stop
        self.buf.keep_from(self.n_out - self.left)
        return y.astype(self.buf.buf.dtype, copy=False)


class EnergyNormalize(Node):
    """HTK's log-energy normalisation over the utterance (``ENORMALISE = T``).

    With ``E_max`` the largest log energy of the utterance (per channel),
    ``E_min = E_max - silfloor ln(10) / 10`` and
    ``E' = 1 - (E_max - max(E, E_min)) * escale`` (The HTK Book 5.8; defaults
    ``SILFLOOR = 50`` dB, ``ESCALE = 0.1``).  Input: natural-log energies
    ``(..., 1, frames)`` (or any per-frame values, each row normalised alike).

    Streaming: whole signal (needs the utterance maximum); HTK itself requires
    ``ENORMALISE = F`` for live audio.
    """

    op: Literal["energy_normalize"] = "energy_normalize"
    consumes: ClassVar = (Kind.FEATURE,)
    streaming: ClassVar = "signal"

    silfloor: float = Field(50.0, ge=0, le=1000, description="silence floor below the "
                                                             "maximum, dB")
    escale: float = Field(0.1, gt=0, le=100, description="scale of the normalised energy")


@EnergyNormalize.compute
def energy_normalize(x: Feature, p: EnergyNormalize) -> Feature:
    if x.n_frames == 0:
        return x
    e = x.data.astype(np.float64)
    emax = e.max(axis=-1, keepdims=True)
    emin = emax - p.silfloor * np.log(10.0) / 10.0
    y = 1.0 - (emax - np.maximum(e, emin)) * p.escale
    return x.derive(y.astype(x.data.dtype, copy=False))

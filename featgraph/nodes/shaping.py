"""Fitting inputs to what a model expects: fixed lengths, trimmed frames, affine maps.

Ops: ``fit_length`` (pad, repeat or cut a signal to a fixed duration, or pad it to a
multiple of a block size), ``trim_frames`` (drop frames at the start or end),
``frame_slice`` (keep part of every frame), ``affine`` (``scale * x + offset``),
``standardize`` (per-feature mean and standard deviation over the utterance, with
frames excluded at the end) and ``resize_frames`` (linear interpolation of the
frame axis to a fixed count).

These are the steps in which pretrained models' feature extractors differ from
textbook front ends (Whisper's 30-second padding and dropped last frame, CLAP's
repeat padding, NeMo's normalisation over the valid frames); see
``docs/model-frontends.md``.

References
----------
transformers 5.24 documentation and source of ``WhisperFeatureExtractor``,
``ParakeetFeatureExtractor``, ``Gemma3nAudioFeatureExtractor`` and
``ClapFeatureExtractor`` (Hugging Face); ``torch.nn.functional.interpolate``
documentation (``align_corners=False``: half-pixel sample positions).
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import ANY, Kind
from ..engine.ops import Node, join_chunks
from ._common import frame_major

VALUES = Kind.POWER | Kind.BANDS | Kind.AUTOCORR | Kind.CEPSTRA | Kind.FEATURE
"""Real per-frame values: what an affine map or a normalisation applies to."""


class FitLength(Node):
    """Pad, repeat or cut a signal to ``seconds``, then pad it to a ``multiple`` of samples.

    With ``N = round(seconds * sr)`` (``seconds: 0``: no target length) and
    ``n`` input samples:

    - ``n > N`` and ``trim``: the first ``N`` samples are kept
      (transformers' ``truncation=True``);
    - ``n < N`` and ``pad``: ``fill: zeros`` appends ``N - n`` zeros (Whisper's
      30-second padding); ``fill: repeat`` first repeats the whole input
      ``floor(N / n)`` times, then appends zeros (CLAP's ``repeatpad``:
      ``np.tile(y, int(N / n))`` padded to ``N``);
    - then, with ``multiple > 1``, zeros are appended up to the next multiple of
      ``multiple`` samples (Gemma 3n's ``pad_to_multiple_of=128``).

    Input and output ``(..., samples)``, dtype kept; leading axes (channels)
    are carried through.

    Streaming: block op.  ``fill: zeros`` passes samples through as they come
    (dropping those past ``N`` when trimming; once ``N`` have passed, the
    scheduler stops reading the input, which changes no output) and appends the
    padding at the end of the input; ``fill: repeat`` holds the input until ``N`` samples have
    arrived (at most ``N`` samples: then no repetition is needed) or the input
    ends.
    """

    op: Literal["fit_length"] = "fit_length"
    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.SIGNAL
    streaming: ClassVar = "block"

    seconds: float = Field(0.0, ge=0, le=120, description="target duration in seconds; 0: "
                                                             "none (only multiple applies)")
    pad: bool = Field(True, description="pad shorter input up to the target duration")
    trim: bool = Field(True, description="cut longer input to the target duration")
    fill: Literal["zeros", "repeat"] = Field(
        "zeros", description="zeros: append zeros; repeat: repeat the whole input as often as "
                             "it fits, then zeros (CLAP's repeatpad)")
    multiple: int = Field(1, ge=1, le=1_000_000, description="then zero-pad to a multiple of "
                                                              "this many samples")

    @model_validator(mode="after")
    def _check(self):
        if self.fill == "repeat" and not (self.pad and self.seconds > 0):
            raise ValueError("fill: repeat needs pad: true and seconds > 0 (it fills up to "
                             "the target duration)")
        return self


@FitLength.stream
class FitLengthStream:
    """Samples passed (``n_out``), and the held input of ``fill: repeat``."""

    def __init__(self, p: FitLength):
        self.p = p
        self.target: int | None = None
        self.n_out = 0
        self.held: list[np.ndarray] = []
        self.n_held = 0
        self.meta: Feature | None = None

    def step(self, x: Feature) -> Feature | None:
        if self.meta is None:
            self.meta = x
            self.target = int(round(self.p.seconds * x.sr)) or None
        data = x.data
        if self.p.fill == "repeat" and self.n_out == 0:
            self.held.append(data)
            self.n_held += data.shape[-1]
            if self.n_held < self.target:
                return None                 # may need repeating: hold until N or the end
            data = np.concatenate(self.held, axis=-1)
            self.held, self.n_held = [], 0
        if self.p.trim and self.target is not None:
            data = data[..., :max(0, self.target - self.n_out)]
        self.n_out += data.shape[-1]
        return x.derive(data)

    @property
    def done(self) -> bool:
        """The target length is cut: the rest of the input is dropped (the scheduler
        then stops reading it)."""
        return bool(self.p.trim and self.target is not None and self.n_out >= self.target
                    and not self.held)

    def flush(self) -> Feature | None:
        if self.meta is None:
            return None
        parts = []
        if self.held:                        # repeat: the whole input is shorter than N
            y = np.concatenate(self.held, axis=-1)
            self.held = []
            if y.shape[-1]:
                y = np.tile(y, (1,) * (y.ndim - 1) + (self.target // y.shape[-1],))
            parts.append(y)
            self.n_out += y.shape[-1]
        n = self.n_out
        if self.p.pad and self.target is not None and n < self.target:
            n = self.target
        n = -(-n // self.p.multiple) * self.p.multiple
        if n > self.n_out:
            lead = self.meta.data.shape[:-1]
            parts.append(np.zeros(lead + (n - self.n_out,), self.meta.data.dtype))
            self.n_out = n
        if not parts:
            return None
        return self.meta.derive(np.concatenate(parts, axis=-1) if len(parts) > 1 else parts[0])


class TrimFrames(Node):
    """Drop ``begin`` frames at the start and ``end`` frames at the end.

    Whisper drops the last frame of its centred STFT (``stft[..., :-1]``), so
    that 30 s give 3000 frames.  An input with at most ``begin + end`` frames
    gives no frames.  Any kind but signals, ``(..., features, frames)``.

    Streaming: block op; holds ``end`` frames back (its latency).
    """

    op: Literal["trim_frames"] = "trim_frames"
    consumes: ClassVar = (ANY & ~Kind.SIGNAL,)
    streaming: ClassVar = "block"

    begin: int = Field(0, ge=0, le=10_000_000, description="frames dropped at the start")
    end: int = Field(0, ge=0, le=10_000_000, description="frames dropped at the end")

    def latency(self) -> int:
        return self.end


@TrimFrames.stream
class TrimFramesStream:
    """Frames still to skip at the start, and the last ``end`` frames seen."""

    def __init__(self, p: TrimFrames):
        self.skip, self.end = p.begin, p.end
        self.tail: Feature | None = None

    def step(self, x: Feature) -> Feature:
        if self.skip:
            drop = min(self.skip, x.n_frames)
            self.skip -= drop
            x = x.derive(x.data[..., drop:])
        if not self.end:
            return x
        joined = join_chunks([self.tail, x])
        n = joined.n_frames - self.end
        if n <= 0:
            self.tail = joined
            return x.derive(x.data[..., :0])
        self.tail = joined.derive(joined.data[..., n:])
        return joined.derive(joined.data[..., :n])

    def flush(self) -> None:
        return None


class FrameSlice(Node):
    """Keep samples ``begin <= n < end`` of every frame.

    Gemma 3n cuts frames of 513 samples (so that its frame count is
    ``1 + (samples - 513) // hop``) and analyses their first 512.
    ``(..., length, frames) -> (..., end - begin, frames)``; the recorded frame
    length (``win_length``) becomes ``end - begin``.

    Streaming: framewise.
    """

    op: Literal["frame_slice"] = "frame_slice"
    consumes: ClassVar = (Kind.FRAMES,)
    produces: ClassVar = Kind.FRAMES
    streaming: ClassVar = "frame"

    begin: int = Field(0, ge=0, le=10_000_000, description="first sample kept")
    end: int | None = Field(None, ge=1, le=10_000_000,
                            description="one past the last sample kept; null: the frame's end")

    @model_validator(mode="after")
    def _check(self):
        if self.end is not None and self.end <= self.begin:
            raise ValueError(f"end = {self.end} must exceed begin = {self.begin}")
        return self


@FrameSlice.compute
def frame_slice(x: Feature, p: FrameSlice) -> Feature:
    length = x.data.shape[-2]
    end = length if p.end is None else p.end
    if end > length:
        raise ValueError(f"frame_slice: end = {end} is past the frame length {length}; use "
                         f"end <= {length}")
    return x.derive(x.data[..., p.begin:end, :], win_length=end - p.begin)


class Affine(Node):
    """``y = scale * x + offset``, elementwise.

    Whisper's final ``(x + 4) / 4`` is ``scale: 0.25, offset: 1``; NeMo's log
    guard ``log(x + 2**-24)`` is an ``offset`` before ``log``.  dtype kept.

    Streaming: framewise.
    """

    op: Literal["affine"] = "affine"
    consumes: ClassVar = (VALUES,)
    streaming: ClassVar = "frame"

    scale: float = Field(1.0, ge=-1e12, le=1e12, description="multiplier")
    offset: float = Field(0.0, ge=-1e12, le=1e12, description="added after scaling")


@Affine.compute
def affine(x: Feature, p: Affine) -> Feature:
    return x.derive(affine_values(x.data, p))


def affine_values(data: np.ndarray, p: Affine, out: np.ndarray | None = None) -> np.ndarray:
    """:class:`Affine` of ``data`` into ``out`` (may be ``data`` itself: in place)."""
    t = data.dtype.type
    if p.scale != 1.0:
        out = np.multiply(data, t(p.scale), out=out)
    elif out is None:
        out = data.copy()
    elif out is not data:
        out[...] = data
    out += t(p.offset)
    return out


class Standardize(Node):
    """Per-feature ``(x - mean) / (std + eps)`` over the utterance's frames.

    Mean and standard deviation (``sqrt(sum (x - mean)^2 / (T - ddof))``) are
    taken over the first ``T - exclude_last`` frames of each channel and
    feature; the excluded frames come out as zeros.  This is NeMo's
    ``normalize: per_feature`` as transformers' ``ParakeetFeatureExtractor``
    computes it: statistics over the ``samples // hop`` valid frames of a
    centred STFT (all but the last), ``ddof = 1``, ``eps = 1e-5`` added to
    the standard deviation, padding frames masked to 0.  With ``ddof`` frames
    or fewer the variance is taken as 0 (the extractor divides by zero).

    Streaming: whole signal (the statistics need every frame).
    """

    op: Literal["standardize"] = "standardize"
    consumes: ClassVar = (VALUES,)
    streaming: ClassVar = "signal"

    ddof: int = Field(1, ge=0, le=1, description="delta degrees of freedom of the variance")
    eps: float = Field(1e-5, gt=0, le=1e6, description="added to the standard deviation")
    exclude_last: int = Field(0, ge=0, le=10_000_000,
                              description="frames at the end left out of the statistics and "
                                          "set to 0")


@Standardize.compute
def standardize(x: Feature, p: Standardize) -> Feature:
    data = x.data
    n = max(0, data.shape[-1] - p.exclude_last)
    out = np.zeros_like(data)
    if n:
        valid = data[..., :n].astype(np.float64)
        mean = valid.mean(axis=-1, keepdims=True)
        dev = valid - mean
        var = (dev * dev).sum(axis=-1, keepdims=True) / (n - p.ddof) if n > p.ddof else 0.0
        out[..., :n] = dev / (np.sqrt(var) + p.eps)
    return x.derive(frame_major(np.ascontiguousarray(frame_major(out))))


class ResizeFrames(Node):
    """Linear interpolation of the frame axis to ``frames`` frames.

    Output frame ``j`` samples the input at ``s = (j + 0.5) T / frames - 0.5``
    (clamped at 0; computed in single precision, as torch does for float32
    tensors, which moves the weights by up to 1e-4 at a few thousand frames),
    between frames ``floor(s)`` and ``floor(s) + 1`` (clamped at ``T - 1``): ``torch.nn.functional.interpolate(..., mode="bilinear",
    align_corners=False)`` along time only, as CLAP's feature extractor shrinks
    the mel spectrogram of input longer than 10 s (``truncation="fusion"``, its
    first channel).  With ``only_longer`` an input of at most ``frames`` frames
    passes unchanged.

    Streaming: whole signal (the output positions depend on the total length).
    """

    op: Literal["resize_frames"] = "resize_frames"
    consumes: ClassVar = (VALUES,)
    streaming: ClassVar = "signal"

    frames: int = Field(..., ge=1, le=100_000, description="frames out (required)")
    only_longer: bool = Field(True, description="resize only input longer than frames")


@ResizeFrames.compute
def resize_frames(x: Feature, p: ResizeFrames) -> Feature:
    t = x.data.shape[-1]
    if t == p.frames or (p.only_longer and t <= p.frames) or t == 0:
        return x
    f32 = np.float32                 # torch computes positions in float32 for float32 input
    scale = f32(t) / f32(p.frames)
    s = np.maximum(scale * (np.arange(p.frames, dtype=f32) + f32(0.5)) - f32(0.5), f32(0))
    lo = np.minimum(np.floor(s).astype(np.int64), t - 1)
    hi = np.minimum(lo + 1, t - 1)
    w = (s - lo).astype(x.data.dtype)
    y = x.data[..., lo] * (1 - w) + x.data[..., hi] * w
    return x.derive(frame_major(np.ascontiguousarray(frame_major(y))),
                    hop=None if x.hop is None else x.hop * t / p.frames)

"""Kaldi's per-frame processing, and the frame shaping that model feature extractors add.

References
----------
D. Povey et al., "The Kaldi Speech Recognition Toolkit", ASRU 2011; Kaldi's
``feat/feature-window.cc`` (``ProcessWindow``: dither, DC removal, raw log energy,
pre-emphasis, window) and its documentation of ``compute-fbank-feats``.
transformers' feature extractors (documentation of ``ASTFeatureExtractor``,
``SeamlessM4TFeatureExtractor``): fixed frame counts, dataset normalisation, frame
stacking.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import frame_major

PER_FRAME = Kind.POWER | Kind.BANDS | Kind.CEPSTRA | Kind.FEATURE


class RemoveDC(Node):
    """Subtract each frame's mean from its samples (Kaldi's ``--remove-dc-offset``).

    ``y[n] = x[n] - (1/N) sum_m x[m]`` for every frame of ``N`` samples, input
    and output ``(..., length, frames)``, dtype kept.  Kaldi applies it after
    dither and before the raw energy, pre-emphasis and window
    (``feat/feature-window.cc``, ``ProcessWindow``).

    Streaming: framewise.
    """

    op: Literal["remove_dc"] = "remove_dc"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"


@RemoveDC.compute
def remove_dc(x: Feature, p: RemoveDC) -> Feature:
    f = frame_major(x.data)
    return x.derive(frame_major(f - f.mean(axis=-1, keepdims=True)))


class Dither(Node):
    """Add Gaussian noise of standard deviation ``amount`` to every sample of every frame.

    Kaldi's ``--dither`` (``feat/feature-window.cc``, ``Dither``): ``y[n] = x[n] +
    amount * g[n]`` with ``g`` standard normal, drawn afresh for each frame (the
    samples that frames share get different noise).  ``amount: 0`` (the default
    in featgraph's Kaldi recipes, as in the references) passes the frames
    through untouched.  The noise comes from numpy's PCG64 generator seeded with
    ``seed``, drawn frame after frame (all channels of a frame together), so a
    run is reproducible and independent of the block sizes; it is not Kaldi's
    random sequence.  Input and output ``(..., length, frames)``, dtype kept.

    Streaming: block op (the generator's state); no latency.
    """

    op: Literal["dither"] = "dither"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "block"

    amount: float = Field(0.0, ge=0, le=1e6, description="noise standard deviation, in sample "
                                                         "units (Kaldi: 1.0 on 16-bit values)")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the noise generator")


@Dither.stream
class DitherState:
    """The noise generator, advanced by each chunk's frames."""

    def __init__(self, p: Dither):
        self.amount = p.amount
        self.rng = np.random.default_rng(p.seed) if p.amount > 0 else None

    def step(self, x: Feature) -> Feature:
        if self.rng is None or x.n_frames == 0:
            return x
        f = frame_major(x.data)                              # (..., frames, length)
        lead = f.shape[:-2]
        noise = self.rng.standard_normal((f.shape[-2],) + lead + (f.shape[-1],))
        noise = np.moveaxis(noise, 0, -2)                    # frame-major draws, channels inside
        return x.derive(frame_major((f + self.amount * noise).astype(f.dtype, copy=False)))

    def flush(self) -> None:
        return None


class FixFrames(Node):
    """Pad with a constant or cut to exactly ``frames`` frames (ASTFeatureExtractor's ``max_length``).

    ``(..., features, T) -> (..., features, frames)``: the first ``frames``
    frames when ``T >= frames``, else all ``T`` followed by ``frames - T``
    frames of ``value``.  transformers' ``ASTFeatureExtractor`` pads the log
    filterbank with zeros (``value: 0``) or cuts it to 1024 frames, before its
    normalisation.  Dtype kept.

    Streaming: whole signal (the output length is known only at the end).
    """

    op: Literal["fix_frames"] = "fix_frames"
    consumes: ClassVar = (PER_FRAME,)
    streaming: ClassVar = "signal"

    frames: int = Field(1024, ge=1, le=100_000, description="frames out")
    value: float = Field(0.0, ge=-1e30, le=1e30, description="value of the padded frames")


@FixFrames.compute
def fix_frames(x: Feature, p: FixFrames) -> Feature:
    f = frame_major(x.data)
    out = np.full(f.shape[:-2] + (p.frames, f.shape[-1]), p.value, dtype=f.dtype)
    n = min(p.frames, f.shape[-2])
    out[..., :n, :] = f[..., :n, :]
    return x.derive(frame_major(out))


class DatasetNormalize(Node):
    """Fixed normalisation ``(x - mean) / std``, with constants from a training set.

    ASTFeatureExtractor: ``mean = -4.2677393``, ``std = 2 * 4.5689974`` (AudioSet
    statistics; the extractor divides by twice its ``std``).  Dtype kept.

    Streaming: framewise.
    """

    op: Literal["dataset_normalize"] = "dataset_normalize"
    consumes: ClassVar = (PER_FRAME,)
    streaming: ClassVar = "frame"

    mean: float = Field(0.0, ge=-1e30, le=1e30, description="subtracted")
    std: float = Field(1.0, gt=1e-30, le=1e30, description="divided by (after the mean)")


@DatasetNormalize.compute
def dataset_normalize(x: Feature, p: DatasetNormalize) -> Feature:
    t = x.data.dtype.type
    return x.derive((x.data - t(p.mean)) / t(p.std))


class StackFrames(Node):
    """Concatenate each run of ``stride`` frames into one: ``(..., F, T) -> (..., stride F, ceil(T / stride))``.

    Output frame ``j`` is ``[x[stride j]; x[stride j + 1]; ...]`` (SeamlessM4T's
    ``stride: 2``: 80 bins -> 160 values, half the frame rate; the extractor
    first pads the frames to a multiple of the stride with its padding value
    0).  With ``pad: false`` the incomplete last group is dropped instead.  The
    hop becomes ``stride`` times the input's.

    Streaming: block op; it holds back up to ``stride - 1`` frames until their
    group is complete (or the input ends).
    """

    op: Literal["stack_frames"] = "stack_frames"
    consumes: ClassVar = (PER_FRAME,)
    streaming: ClassVar = "block"

    stride: int = Field(2, ge=1, le=64, description="frames per output frame")
    pad: bool = Field(True, description="pad the last group with `value` (true) or drop it")
    value: float = Field(0.0, ge=-1e30, le=1e30, description="value of the padded frames")

    def latency(self) -> int:
        return self.stride - 1


@StackFrames.stream
class StackFramesState:
    """Frames of an incomplete group, waiting for the rest."""

    def __init__(self, p: StackFrames):
        self.p = p
        self.held: np.ndarray | None = None      # (..., k < stride, features), frame-major
        self.meta: Feature | None = None

    def step(self, x: Feature) -> Feature:
        if self.meta is None:
            self.meta = x
        f = frame_major(x.data)
        if self.held is not None and self.held.shape[-2]:
            f = np.concatenate([self.held, f], axis=-2)
        n = f.shape[-2] // self.p.stride * self.p.stride
        self.held = f[..., n:, :].copy()
        return self._emit(f[..., :n, :])

    def flush(self) -> Feature | None:
        if self.meta is None:
            return None
        if not self.p.pad or self.held is None or not self.held.shape[-2]:
            return self._emit(self.held[..., :0, :])
        k = self.held.shape[-2]
        fill = np.full(self.held.shape[:-2] + (self.p.stride - k, self.held.shape[-1]),
                       self.p.value, self.held.dtype)
        return self._emit(np.concatenate([self.held, fill], axis=-2))

    def _emit(self, f: np.ndarray) -> Feature:
        s = self.p.stride
        out = f.reshape(f.shape[:-2] + (f.shape[-2] // s, s * f.shape[-1]))
        hop = None if self.meta.hop is None else self.meta.hop * s
        return self.meta.derive(frame_major(out), hop=hop, axis=None)

"""Reading audio: the ``load`` source op."""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.errors import AudioError
from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.timedomain import all_finite, samples

SOXR_QUALITY = {"soxr_vhq": "VHQ", "soxr_hq": "HQ", "soxr_mq": "MQ", "soxr_lq": "LQ",
                "soxr_qq": "QQ"}


class Load(Node):
    """Take the run's audio; mix or keep channels; resample; scale.

    Files are read with libsndfile (through ``soundfile``): WAV, FLAC, OGG,
    MP3 and the other formats it supports, as floats in [-1, 1) for integer
    PCM.  An array source is used as given (converted to float).
    Output: ``(samples,)`` for a mono mix, ``(channels, samples)`` with
    ``channels: all``.

    Resampling uses libsoxr through python-soxr (``soxr_hq`` is librosa's
    default ``res_type``); its streaming resampler gives the same samples
    whatever the block size, so a file read in blocks equals a whole-array run.

    Streaming: block op (the resampler's state); no look-ahead beyond soxr's
    own filter delay, which it flushes at the end.  Empty audio, NaN and
    infinity are errors.
    """

    op: Literal["load"] = "load"
    produces: ClassVar = Kind.SIGNAL
    streaming: ClassVar = "block"

    sr: float | None = Field(None, ge=1000, le=1e6, description="resample to this rate in "
                                                                "Hz (1000 to 1e6); null keeps "
                                                                "the source's rate")
    channels: Literal["mean", "first", "all"] = Field(
        "mean", description="mean: mono mix; first: first channel; all: one row per channel")
    scale: float = Field(1.0, gt=0, le=2.0 ** 32, description="multiply the samples "
                         "(rastamat: 32768, the 16-bit integer range; at most 2**32)")
    dtype: Literal["float64", "float32"] = Field("float64", description="sample type")
    resampler: Literal["soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq", "soxr_qq"] = Field(
        "soxr_hq", description="libsoxr quality preset used when sr differs from the source's")


@Load.stream
class LoadStream:
    """Channel mixing, finiteness check, resampler state, dtype and scale."""

    def __init__(self, p: Load):
        self.p = p
        self.resampler = None
        self.sr: float | None = None
        self.n_channels = 1
        self.n_in = 0
        self.finite_input = False       # set by the scheduler for integer PCM files
        self.prescaled = False          # set by the scheduler when the reader applied scale

    def step(self, raw: Feature) -> Feature:
        p, x = self.p, raw.data                       # (channels, n)
        scale = 1.0 if self.prescaled else p.scale
        self.n_in += x.shape[-1]
        if self.sr is None:
            self.sr = raw.sr if p.sr is None else float(p.sr)
            if self.sr != raw.sr:
                import soxr

                self.n_channels = x.shape[0] if p.channels == "all" else 1
                self.resampler = soxr.ResampleStream(raw.sr, self.sr, self.n_channels,
                                                     dtype="float64",
                                                     quality=SOXR_QUALITY[p.resampler])
        if (self.resampler is None and x.dtype == np.dtype(p.dtype) and scale == 1.0
                and (p.channels == "all" or x.shape[0] == 1)):
            # nothing to compute: the samples are checked (one pass, no copy; not at all
            # when they are integer PCM from a file, which cannot be NaN) and passed
            # on as a read-only view (an op writing into its input would fail loudly, not
            # change the caller's array); a whole-signal op reading them gets the caller's
            # array itself (engine.collector: consecutive views are joined without a copy)
            if not self.finite_input and not all_finite(x):
                raise AudioError("the audio contains NaN or infinite samples")
            y = (x if p.channels == "all" else x[0]).view()
            y.flags.writeable = False
            return Feature(y, Kind.SIGNAL, self.sr)
        if (self.resampler is None and x.dtype in (np.float32, np.float64)
                and (p.channels == "all" or x.shape[0] == 1)):
            # every sample kept as it is: checked and cast into a fresh buffer of the
            # output type in one pass (C), without a float64 detour
            try:
                y = samples(x if p.channels == "all" else x[0], p.dtype, scale)
            except ValueError:
                raise AudioError("the audio contains NaN or infinite samples") from None
            return Feature(y, Kind.SIGNAL, self.sr)
        if (self.resampler is None and x.dtype in (np.float32, np.float64)
                and p.channels == "first"):
            # no arithmetic before the cast: check the samples as given and copy the
            # first channel once into the output type
            if not self.finite_input and not all_finite(x):
                raise AudioError("the audio contains NaN or infinite samples")
            return self._finish(raw, self._mix(x), last=False)
        x = np.asarray(x, dtype=np.float64)
        if not self.finite_input and not all_finite(x):
            raise AudioError("the audio contains NaN or infinite samples")
        return self._finish(raw, self._mix(x), last=False)

    def flush(self) -> Feature | None:
        if self.n_in == 0:
            raise AudioError("the audio has no samples")
        if self.resampler is None:
            return None
        return self._finish(None, None, last=True)

    def _mix(self, x: np.ndarray) -> np.ndarray:
        if self.p.channels == "mean":
            return x.mean(axis=0) if x.shape[0] > 1 else x[0]
        if self.p.channels == "first":
            return x[0]
        return x

    def _finish(self, raw, x, last: bool) -> Feature:
        p = self.p
        if self.resampler is not None:
            if x is None:
                shape = (0, self.n_channels) if p.channels == "all" else (0,)
                x = np.zeros(shape)
            else:
                x = np.ascontiguousarray(x.T)             # soxr: (samples, channels)
            x = self.resampler.resample_chunk(x, last=last).T
        y = np.array(x, dtype=p.dtype, order="C")         # always a fresh buffer
        if p.scale != 1.0 and not self.prescaled:
            y *= p.scale
        return Feature(y, Kind.SIGNAL, self.sr)

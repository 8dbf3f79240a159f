"""Reading audio: the ``load`` source op."""
from __future__ import annotations

from fractions import Fraction
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.errors import AudioError
from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..engine.source import Source


class Load(Node):
    """Read audio from the run's source; mix or keep channels; resample.

    Files are read with libsndfile (through ``soundfile``): WAV, FLAC, OGG,
    MP3 and the other formats it supports.  Samples are floats in [-1, 1] for
    integer PCM files.  An array source is used as given (converted to float).
    Output: ``(samples,)`` for a mono mix, ``(channels, samples)`` with
    ``channels: all``.
    """

    op: Literal["load"] = "load"
    produces: ClassVar = Kind.SIGNAL

    sr: float | None = Field(None, ge=1000, le=1e6, description="resample to this rate in "
                                                                "Hz (1000 to 1e6); null keeps "
                                                                "the source's rate")
    channels: Literal["mean", "first", "all"] = Field(
        "mean", description="mean: mono mix; first: first channel; all: one row per channel")
    scale: float = Field(1.0, gt=0, le=2.0 ** 32, description="multiply the samples "
                         "(rastamat: 32768, the 16-bit integer range; at most 2**32)")
    dtype: Literal["float64", "float32"] = Field("float64", description="sample type")


@Load.compute
def load(source: Source, p: Load) -> Feature:
    samples, sr = _read(source)                      # (channels, samples)
    if samples.shape[-1] == 0:
        raise AudioError(f"{source.label}: the audio has no samples")
    if not all_finite(samples):
        raise AudioError(f"{source.label}: the audio contains NaN or infinite samples")
    if p.channels == "mean":
        samples = samples.mean(axis=0) if samples.shape[0] > 1 else samples[0]
    elif p.channels == "first":
        samples = samples[0]
    if p.sr is not None and p.sr != sr:
        samples = resample(samples, sr, p.sr)
        sr = p.sr
    samples = np.asarray(samples, dtype=p.dtype)
    if p.scale != 1.0:
        samples = samples * p.scale
    return Feature(np.ascontiguousarray(samples), Kind.SIGNAL, float(sr))


def all_finite(x: np.ndarray) -> bool:
    """True when ``x`` has no NaN or infinity.

    A NaN or infinity makes the sum non-finite, so a finite sum (one pass, no
    temporary array) proves the check; only a non-finite sum, which finite but
    huge values can also give, is checked element by element.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(x)
    return bool(np.isfinite(total)) or bool(np.isfinite(x).all())


def _read(source: Source) -> tuple[np.ndarray, float]:
    if source.path is None:
        data = np.asarray(source.samples, dtype=np.float64)
        return np.atleast_2d(data), float(source.sr)
    import soundfile

    try:
        data, sr = soundfile.read(str(source.path), dtype="float64", always_2d=True)
    except (RuntimeError, OSError, TypeError, ValueError) as exc:  # LibsndfileError is a RuntimeError
        raise AudioError(f"cannot read audio file {source.path}: {exc}") from None
    if source.sr is not None and source.sr != sr:
        raise AudioError(f"{source.path} is at {sr} Hz, not the {source.sr:g} Hz given")
    return data.T, float(sr)


def resample(x: np.ndarray, sr_in: float, sr_out: float) -> np.ndarray:
    """Polyphase resampling along the last axis (``scipy.signal.resample_poly``).

    The ratio ``sr_out / sr_in`` is taken as an exact fraction (denominator at
    most 1000).  scipy is imported here, only when a recipe resamples.
    """
    from scipy.signal import resample_poly

    ratio = Fraction(sr_out / sr_in).limit_denominator(1000)
    return resample_poly(x, ratio.numerator, ratio.denominator, axis=-1)

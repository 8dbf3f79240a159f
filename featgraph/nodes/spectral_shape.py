"""Spectral shape per frame: centroid, bandwidth, rolloff, flatness (librosa's definitions).

Input: a magnitude or power spectrum (``power`` with ``exponent: 1`` gives
librosa's ``S = |stft|``) or band energies; the feature axis gives each row's
frequency in Hz; ``fmin``/``fmax`` keep only the bins in that range (audioFlux's
``set_edge``).  Every op reads each frame once or twice in C (``shape.c``; the numpy
definitions are in :mod:`featgraph.native.reference_spectral`), sums in float64 and
returns the input's float dtype, shape ``(..., 1, frames)``.

Reference
---------
librosa 0.11 documentation, ``librosa.feature.spectral_centroid``,
``spectral_bandwidth``, ``spectral_rolloff``, ``spectral_flatness``;
S. Dubnov, "Generalization of spectral flatness measure for non-Gaussian
linear processes", IEEE Signal Processing Letters 11(8), 2004 (flatness).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..native.spectral import spectral_shape
from .spectral_stats import BandLimited, band


def _spectrum(x: Feature, p: BandLimited) -> tuple[np.ndarray, np.ndarray]:
    """``(S, freq)``: the frames in ``[fmin, fmax]`` in their own float dtype ``(..., frames,
    bins)`` (the kernels check them) and their bin frequencies in Hz."""
    s, freq, _ = band(x, p, p.op, native=True)
    return s, freq


def _out(x: Feature, values: np.ndarray) -> Feature:
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    return x.derive(values[..., None, :].astype(dtype, copy=False), Kind.FEATURE, axis=None)


def centroid_of(s: np.ndarray, freq: np.ndarray) -> np.ndarray:
    """``sum_k f[k] S[k] / sum_k S[k]`` per frame (0 for an all-zero frame), float64."""
    return spectral_shape("centroid", s, freq)


class SpectralCentroid(BandLimited):
    """Spectral centroid, ``c = sum_k f_k S_k / sum_k S_k`` in Hz (``librosa.feature.spectral_centroid``).

    ``S`` is the input as given (librosa uses the magnitude ``|X|``); an all-zero
    frame gives 0.  Output ``(..., 1, frames)``, Hz.

    Streaming: frame by frame.
    """

    op: Literal["spectral_centroid"] = "spectral_centroid"


@SpectralCentroid.compute
def spectral_centroid(x: Feature, p: SpectralCentroid) -> Feature:
    s, freq = _spectrum(x, p)
    return _out(x, spectral_shape("centroid", s, freq))


class SpectralBandwidth(BandLimited):
    """Spectral bandwidth of order p, ``(sum_k S_k |f_k - c|**p) ** (1/p)`` (librosa).

    ``c`` is the spectral centroid; with ``norm`` (librosa's default) ``S`` is
    first divided by its sum over bins, as for the centroid.  Output
    ``(..., 1, frames)``, Hz.  ``librosa.feature.spectral_bandwidth(S=, p=2, norm=True)``.

    Streaming: frame by frame.
    """

    op: Literal["spectral_bandwidth"] = "spectral_bandwidth"

    p: float = Field(2.0, ge=0.5, le=64, description="order of the deviation")
    norm: bool = Field(True, description="normalise each frame to unit sum first")


@SpectralBandwidth.compute
def spectral_bandwidth(x: Feature, p: SpectralBandwidth) -> Feature:
    s, freq = _spectrum(x, p)
    return _out(x, spectral_shape("bandwidth", s, freq, p=p.p, norm=p.norm))


class SpectralRolloff(BandLimited):
    """Spectral rolloff: the lowest bin frequency at which the cumulative sum of
    ``S`` reaches ``roll_percent`` of the frame's total (``librosa.feature.spectral_rolloff``).

    An all-zero frame gives the lowest frequency.  Output ``(..., 1, frames)``, Hz.

    Streaming: frame by frame.
    """

    op: Literal["spectral_rolloff"] = "spectral_rolloff"

    roll_percent: float = Field(0.85, gt=0, lt=1, description="fraction of the total")


@SpectralRolloff.compute
def spectral_rolloff(x: Feature, p: SpectralRolloff) -> Feature:
    s, freq = _spectrum(x, p)
    return _out(x, spectral_shape("rolloff", s, freq, roll_percent=p.roll_percent))


class SpectralFlatness(BandLimited):
    """Spectral flatness, the geometric over the arithmetic mean of ``max(amin, S**power)``.

    ``librosa.feature.spectral_flatness(S=|X|, amin=1e-10, power=2.0)``: with a
    magnitude input and ``power: 2`` the means are taken over the power
    spectrum.  Output ``(..., 1, frames)``, dimensionless in ``(0, 1]``; 1 for
    a flat (white) frame and for a frame below ``amin`` everywhere.

    Streaming: frame by frame.
    """

    op: Literal["spectral_flatness"] = "spectral_flatness"

    power: float = Field(2.0, gt=0, le=16, description="exponent applied to the input first")
    amin: float = Field(1e-10, gt=0, le=1e6, description="floor applied after the exponent")


@SpectralFlatness.compute
def spectral_flatness(x: Feature, p: SpectralFlatness) -> Feature:
    s, _ = _spectrum(x, p)
    return _out(x, spectral_shape("flatness", s, power=p.power, amin=p.amin))

"""Fused spectral statistics: centroid, spread, skewness, kurtosis, entropy and crest of
each frame from one C pass (``featgraph/native/moments.c``).

The same definitions as the single ops of :mod:`featgraph.nodes.spectral_stats`
(audioFlux's), computed together: a recipe that wants several of them reads
this op's ports (``moments:spread``) instead of running one op per statistic,
each reading the whole spectrum again.  ``benchmarks/RESULTS.md`` gives the gain.

Streaming: frame by frame.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..native.spectral import spectral_moments as _moments
from .spectral_stats import BandLimited, band, out

PORTS = ("centroid", "spread", "skewness", "kurtosis", "entropy", "crest")


class SpectralMoments(BandLimited):
    """Centroid, spread, skewness, kurtosis, entropy and crest in one pass (one port each).

    Ports, each ``(..., 1, frames)``: ``centroid`` and ``spread`` (Hz),
    ``skewness``, ``kurtosis``, ``entropy`` (bits; divided by ``log2 K`` with
    ``normalize``) and ``crest``, defined as ``spectral_centroid``,
    ``spectral_spread``, ``spectral_skewness``, ``spectral_kurtosis``,
    ``spectral_entropy`` and ``spectral_crest`` (audioFlux ``Spectral``),
    which they equal to rounding.  A C kernel reads each frame twice (sum,
    first moment, maximum and ``sum s log2 s``; then the central moments).

    Streaming: frame by frame.
    """

    op: Literal["spectral_moments"] = "spectral_moments"
    produces: ClassVar = {port: Kind.FEATURE for port in PORTS}

    normalize: bool = Field(False, description="entropy divided by log2 of the number of bins")


@SpectralMoments.compute
def spectral_moments(x: Feature, p: SpectralMoments) -> dict[str, Feature]:
    s, f, _ = band(x, p, p.op, native=True)
    m = _moments(s, f)
    k = s.shape[-1]
    entropy = m[..., 4] / np.log2(k) if p.normalize else m[..., 4]
    crest = np.where(m[..., 6] > 0, m[..., 5] / np.where(m[..., 6] > 0, m[..., 6], 1.0), 0.0)
    values = (m[..., 0], m[..., 1], m[..., 2], m[..., 3], entropy, crest)
    return {port: out(x, v) for port, v in zip(PORTS, values)}


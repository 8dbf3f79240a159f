"""Subharmonic summation pitch (Hermes 1988), with the knobs of openSMILE's cPitchShs.

Not openSMILE's numbers: for those (eGeMAPS) use ``smile_spec_scale`` + ``smile_pitch_shs``
(:mod:`featgraph.nodes.egemaps_voice`), measured equal to openSMILE 2.6.

References
----------
D. J. Hermes, "Measurement of pitch by subharmonic summation", J. Acoust. Soc. Am.
83(1), 257-264, 1988: the spectrum on a logarithmic frequency axis, shifted by
``log2(n)`` for each harmonic ``n`` and summed with weights ``h ** (n - 1)``.
openSMILE 2.x documentation, ``cSpecScale`` (octave scale) and ``cPitchShs``
(nHarmonics 15, compressionFactor 0.85, 48 points per octave from 25 Hz, pitch 42-620 Hz
in eGeMAPS, voicingCutoff 0.7).
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from .pitch_spectral import _Range, _ports, _power, parabola


class SHSPitch(_Range):
    """Pitch by subharmonic summation (Hermes 1988), openSMILE's ``cPitchShs`` knobs.

    The magnitude spectrum ``|X| = sqrt(P)`` is interpolated (linearly in frequency) onto
    a log-frequency grid of ``points_per_octave`` points per octave from ``grid_fmin`` to
    ``sr / 2``: ``M(s)`` at ``grid_fmin * 2 ** (s / points_per_octave)``.  The
    subharmonic sum is ``H(s) = sum_{n=1}^{n_harmonics} compression ** (n - 1) M(s +
    points_per_octave log2 n)`` (linear interpolation between grid points; 0 above the
    grid).  The pitch is the maximum of ``H`` over ``[fmin, fmax]``, parabola-refined
    on the grid.  ``strength = 1 - mean(H) / H(peak)`` over the search range (0 for
    silence, near 1 for a clear harmonic peak: featgraph's measure; openSMILE's own voicing
    probability is not reproduced here); frames below ``voicing_threshold`` are unvoiced.
    Outputs ``(..., 1, frames)``: ports ``f0`` (Hz, NaN when unvoiced) and ``strength``.

    Streaming: frame by frame.
    """

    op: Literal["shs_pitch"] = "shs_pitch"
    consumes: ClassVar = (Kind.POWER,)
    produces: ClassVar = {"f0": Kind.FEATURE, "strength": Kind.FEATURE}
    nan_ports: ClassVar = ("f0",)
    fmin: float = Field(42.0, gt=0, le=1e5, description="lowest f0 searched, Hz (eGeMAPS: 42)")
    fmax: float = Field(620.0, gt=0, le=1e5, description="highest f0 searched, Hz (eGeMAPS: 620)")
    n_harmonics: int = Field(15, ge=1, le=100, description="harmonics summed (openSMILE: 15)")
    compression: float = Field(0.85, gt=0, le=1, description="weight ratio between successive "
                                                             "harmonics (openSMILE: 0.85)")
    points_per_octave: int = Field(48, ge=4, le=1200, description="log-frequency grid "
                                                                   "resolution (openSMILE: 48)")
    grid_fmin: float = Field(25.0, gt=0, le=1e5, description="lowest grid frequency, Hz "
                                                             "(openSMILE's minF: 25)")
    voicing_threshold: float = Field(0.7, ge=0, le=1, description="lowest strength of a voiced "
                                                                  "frame (openSMILE: 0.7)")

    @model_validator(mode="after")
    def _grid_below(self):
        if self.grid_fmin > self.fmin:
            raise ValueError(f"grid_fmin ({self.grid_fmin} Hz) must not exceed fmin "
                             f"({self.fmin} Hz); lower grid_fmin")
        return self


def log_grid(p: SHSPitch, sr: float) -> np.ndarray:
    """Frequencies of the log grid, Hz: ``grid_fmin * 2 ** (s / points_per_octave)`` up to sr / 2."""
    top = math.floor(math.log2(sr / 2 / p.grid_fmin) * p.points_per_octave)
    if top < 2 or p.fmax >= sr / 2:
        raise ValueError(f"shs_pitch: fmax = {p.fmax:g} Hz and grid_fmin = {p.grid_fmin:g} Hz "
                         f"must lie below the Nyquist frequency {sr / 2:g} Hz")
    if top > 1 << 16:
        raise ValueError("shs_pitch: the log grid has more than 65536 points; lower "
                         "points_per_octave")
    return p.grid_fmin * 2.0 ** (np.arange(top + 1) / p.points_per_octave)


@SHSPitch.compute
def shs_pitch(x: Feature, p: SHSPitch) -> dict[str, Feature]:
    s, n_fft = _power(x)
    grid = log_grid(p, x.sr)
    pos = grid * n_fft / x.sr                              # fractional FFT bin of each point
    i0 = np.minimum(pos.astype(int), s.shape[-1] - 2)
    a = pos - i0
    mag = np.sqrt(s)
    m = mag[..., i0] * (1 - a) + mag[..., i0 + 1] * a      # (..., T, G)
    g = m.shape[-1]
    m = np.concatenate([m, np.zeros(m.shape[:-1] + (1,))], axis=-1)   # 0 above the grid
    h = np.zeros(m.shape[:-1] + (g,))
    idx = np.arange(g)
    for n in range(1, p.n_harmonics + 1):
        shift = p.points_per_octave * math.log2(n)
        k = int(math.floor(shift))
        frac = shift - k
        lo = np.minimum(idx + k, g)
        hi = np.minimum(idx + k + 1, g)
        h += p.compression ** (n - 1) * (m[..., lo] * (1 - frac) + m[..., hi] * frac)
    smin = max(1, int(math.ceil(math.log2(p.fmin / p.grid_fmin) * p.points_per_octave)))
    smax = min(g - 2, int(math.floor(math.log2(p.fmax / p.grid_fmin) * p.points_per_octave)))
    if smin >= smax:
        raise ValueError("shs_pitch: fmin .. fmax holds fewer than two grid points; widen it "
                         "or raise points_per_octave")
    seg = h[..., smin - 1:smax + 2]
    k = 1 + np.argmax(seg[..., 1:-1], axis=-1)
    peak = np.take_along_axis(seg, k[..., None], -1)[..., 0]
    mean = seg[..., 1:-1].mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = np.where(peak > 0, 1.0 - mean / np.where(peak > 0, peak, 1.0), 0.0)
    step = smin - 1 + k + parabola(seg, k)
    f0 = p.grid_fmin * 2.0 ** (step / p.points_per_octave)
    return _ports(x, f0, strength, strength >= max(p.voicing_threshold, 1e-12))

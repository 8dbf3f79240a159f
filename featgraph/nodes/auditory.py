"""Auditory ops: the Bark critical-band filterbank, equal loudness, the
intensity-loudness power law, edge-band replication and RASTA filtering.

References
----------
H. Hermansky, "Perceptual linear predictive (PLP) analysis of speech",
J. Acoust. Soc. Am. 87(4), 1738-1752, 1990.
H. Hermansky and N. Morgan, "RASTA processing of speech", IEEE Trans. Speech
and Audio Processing 2(4), 578-589, 1994.
D. P. W. Ellis, "PLP and RASTA (and MFCC, and inversion) in Matlab", 2005
(rastamat: ``fft2barkmx``, ``postaud``, ``rastafilt``), whose conventions the
defaults follow.
"""
from __future__ import annotations

import functools
import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from .. import native
from ..engine.feature import Feature
from ..engine.fuse import FusedOp, rule
from ..engine.kinds import SPECTRAL, Kind
from ..engine.ops import Node
from ..native.logs import NegativeInput, power
from ._common import frame_major, matmul
from .spectral import fused_power


def hz_to_bark(f):
    """Bark of a frequency in Hz, ``6 asinh(f / 600)`` (Schroeder's form, as in rastamat)."""
    return 6.0 * np.arcsinh(np.asarray(f, dtype=np.float64) / 600.0)


def bark_to_hz(z):
    """Inverse of :func:`hz_to_bark`: ``600 sinh(z / 6)``."""
    return 600.0 * np.sinh(np.asarray(z, dtype=np.float64) / 6.0)


class BarkFilterbank(Node):
    """Integrate a power spectrum into critical bands equally spaced in Bark.

    Each band is Hermansky's simulated masking curve: on the Bark axis, flat
    for 1 Bark around the centre, falling at 10 dB per Bark below it and 25 dB
    per Bark above it (``10 ** min(0, z - zc + 0.5, -2.5 (z - zc - 0.5))``, with
    the Bark offsets divided by ``width``).  Centres run from ``fmin`` to ``fmax`` in ``n_bands``
    equal Bark steps; by default ``ceil(bark(fmax) - bark(fmin)) + 1`` bands up to
    Nyquist (21 at 16 kHz, 17 at 8 kHz), as rastamat's ``audspec``.
    Output ``(..., n_bands, frames)`` with the centre frequencies (Hz) as axis.
    """

    op: Literal["bark_filterbank"] = "bark_filterbank"
    consumes: ClassVar = (Kind.POWER,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.BANDS

    n_bands: int | None = Field(None, ge=2, le=256, description="number of bands; null: one "
                                                                "per Bark plus one")
    fmin: float = Field(0.0, ge=0, le=1e6, description="centre of the first band, Hz")
    fmax: float | None = Field(None, gt=0, le=1e6, description="centre of the last band, Hz; "
                                                               "null: Nyquist")
    width: float = Field(1.0, ge=0.01, le=10, description="band width multiplier")
    sum_power: bool = Field(True, description="sum powers (true) or magnitudes, then square")


@functools.lru_cache(maxsize=32)
def bark_weights(n_fft: int, sr: float, n_bands: int | None = None, fmin: float = 0.0,
                 fmax: float | None = None, width: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``(weights (n_bands, n_fft // 2 + 1), centres in Hz)`` of :class:`BarkFilterbank`.

    Cached; the arrays are read-only.
    """
    fmax = sr / 2 if fmax is None else fmax
    zmin = float(hz_to_bark(fmin))
    span = float(hz_to_bark(fmax)) - zmin
    if not span > 0:   # also when fmax exceeds fmin by less than the Bark scale resolves
        raise ValueError(f"fmax = {fmax:g} Hz must exceed fmin = {fmin:g} Hz")
    n_bands = math.ceil(span) + 1 if n_bands is None else n_bands
    centres = zmin + np.arange(n_bands) * (span / (n_bands - 1))
    zbins = hz_to_bark(np.arange(n_fft // 2 + 1) * (sr / n_fft))
    offset = zbins[None, :] - centres[:, None]
    slope = np.minimum(offset + 0.5, -2.5 * (offset - 0.5)) / width
    weights, centres = 10.0 ** np.minimum(0.0, slope), bark_to_hz(centres)
    weights.setflags(write=False)
    centres.setflags(write=False)
    return weights, centres


@BarkFilterbank.compute
def bark_filterbank(x: Feature, p: BarkFilterbank) -> Feature:
    weights, centres = bark_weights(x.n_fft, x.sr, p.n_bands, p.fmin, p.fmax, p.width)
    spec = frame_major(x.data)
    weights = weights.astype(spec.dtype, copy=False)
    bands = matmul(spec, weights.T) if p.sum_power else matmul(np.sqrt(spec), weights.T) ** 2
    return x.derive(frame_major(bands), Kind.BANDS, axis=centres)


class EqualLoudness(Node):
    """Weight each band by Hermansky's equal-loudness curve at its centre frequency.

    ``E(f) = (f^2 / (f^2 + 1.6e5))^2 * (f^2 + 1.44e6) / (f^2 + 9.61e6)`` with ``f`` in
    Hz (Hermansky 1990, eq. 4, in rastamat's form): the ear's sensitivity at
    about 40 dB, falling below ~400 Hz and above ~5 kHz.  The centre
    frequencies are the input's axis (band centres, or FFT bin frequencies).
    ``curve: opensmile`` is the weight of openSMILE's ``cPlp`` (eGeMAPS' loudness),
    see :func:`opensmile_loudness`.
    """

    op: Literal["equal_loudness"] = "equal_loudness"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = None

    curve: Literal["hermansky", "opensmile"] = Field(
        "hermansky", description="hermansky (rastamat) or opensmile (cPlp's weight, eGeMAPS "
                                 "loudness)")


def opensmile_loudness(f) -> np.ndarray:
    """openSMILE 2.6's ``cPlp`` equal-loudness weight (``doAud = 1``) at ``f`` Hz.

    With ``w = 2 pi f``: ``E = (w^2 + 56.8e6) w^4 / ((w^2 + 6.3e6)^2 (w^2 + 0.38e9)
    (0.17 + 1e-32 w^7))``: Hermansky's 1990 curve (eq. 4, in angular frequency)
    divided by ``0.17 (1 + w^7 / 1.7e31)``, which holds it near ``1 / 0.17`` up to
    about 1 kHz and rolls it off above about 4.6 kHz.  The form and constants were
    settled by measurement: the weights that openSMILE's ``gemapsv01b_audspec``
    level applies to its 26 mel bands at 16 and 8 kHz agree with it to 1e-6.
    """
    w2 = (2.0 * np.pi * np.asarray(f, dtype=np.float64)) ** 2
    return (w2 + 56.8e6) * w2 * w2 / ((w2 + 6.3e6) ** 2 * (w2 + 0.38e9) *
                                     (0.17 + 1e-32 * w2 ** 3.5))


def hermansky_loudness(f) -> np.ndarray:
    """The equal-loudness weight of :class:`EqualLoudness` at frequencies ``f`` (Hz)."""
    fsq = np.asarray(f, dtype=np.float64) ** 2
    return (fsq / (fsq + 1.6e5)) ** 2 * ((fsq + 1.44e6) / (fsq + 9.61e6))


@EqualLoudness.compute
def equal_loudness(x: Feature, p: EqualLoudness) -> Feature:
    if x.axis is None:
        raise ValueError("equal_loudness needs the input's frequency axis")
    weight = opensmile_loudness if p.curve == "opensmile" else hermansky_loudness
    return x.derive(x.data * weight(x.axis).astype(x.data.dtype)[:, None])


class PowerLaw(Node):
    """``x ** exponent``: Stevens' intensity-loudness power law (cube root, rastamat 0.33)."""

    op: Literal["power_law"] = "power_law"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = None

    exponent: float = Field(0.33, gt=0, le=3, description="compression exponent (at most 3)")


@PowerLaw.compute
def power_law(x: Feature, p: PowerLaw) -> Feature:
    """float64 through the vectorised power (:func:`featgraph.native.logs.power`, within a
    few ulp of numpy's, a third of its time), frame by frame in memory order."""
    data = frame_major(x.data)
    if data.size and data.dtype != np.float64 and data.min() < 0:
        raise _negative()                   # (float64: the kernel checks, in its pass)
    return x.derive(frame_major(_power_values(data, p.exponent)))


def _negative() -> ValueError:
    return ValueError("power_law needs non-negative input (energies); a fractional power of "
                      "a negative number is NaN; negative values come e.g. from rasta with "
                      "log_domain: false")


def _power_values(y: np.ndarray, exponent: float, out=None) -> np.ndarray:
    """``y ** exponent``: float64 through :func:`featgraph.native.logs.power`, other dtypes
    through numpy; the power law's ValueError for a negative float64 value (the op checks
    other dtypes first; the fused bands' values, sums of powers, are never negative)."""
    if y.dtype != np.float64:
        return np.power(y, exponent, out=out)
    try:
        return power(y, exponent, out=out if out is None or out.flags.c_contiguous else None)
    except NegativeInput:
        raise _negative() from None


class ReplicateEdges(Node):
    """Overwrite the first and last ``n`` bands with their inner neighbours.

    rastamat's ``postaud`` does this with ``n = 1`` because the edge bands of
    the Bark filterbank (at 0 Hz and at Nyquist) are unreliable.
    """

    op: Literal["replicate_edges"] = "replicate_edges"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = None

    n: int = Field(1, ge=1, le=128, description="bands replaced at each edge")


@ReplicateEdges.compute
def replicate_edges(x: Feature, p: ReplicateEdges) -> Feature:
    n_bands = x.data.shape[-2]
    if n_bands < 2 * p.n + 1:
        raise ValueError(f"replicate_edges with n = {p.n} needs at least {2 * p.n + 1} bands, "
                         f"got {n_bands}")
    idx = np.r_[[p.n] * p.n, p.n:n_bands - p.n, [n_bands - p.n - 1] * p.n]
    return x.derive(np.take(x.data, idx, axis=-2))


class Rasta(Node):
    """RASTA band-pass filtering of each band's trajectory over time.

    ``H(z) = 0.1 (2 + z^-1 - z^-3 - 2 z^-4) / (1 - pole z^-1)`` (Hermansky and
    Morgan 1994), applied along frames, by default to the log of the input
    with the exponential taken afterwards.  As in rastamat's ``rastafilt``, the
    first four output frames are zero (before ``exp``) and the recursion starts
    at frame five from a zero state.  The recursion runs in the C kernel
    :func:`featgraph.native.one_pole`.  In the log domain the input must be
    positive: zero energy (digital silence without dither) is an error.

    Streaming: block op; it carries the last four input frames (the FIR
    part), the recursion's last output and the frame count; no look-ahead.
    """

    op: Literal["rasta"] = "rasta"
    consumes: ClassVar = (SPECTRAL,)
    produces: ClassVar = None
    streaming: ClassVar = "block"

    pole: float = Field(0.94, ge=0, lt=1, description="pole of the integrator")
    log_domain: bool = Field(True, description="filter log(x) and return exp of the result")


RASTA_FIR = np.array([0.2, 0.1, 0.0, -0.1, -0.2])


@Rasta.stream
class RastaStream:
    """FIR history (the last four input frames), the IIR output state and the frame count."""

    def __init__(self, p: Rasta):
        self.p = p
        self.history: np.ndarray | None = None      # (..., <= 4, bands), log domain
        self.state: np.ndarray | None = None        # (..., bands): last IIR output
        self.seen = 0

    def step(self, x: Feature) -> Feature:
        p = self.p
        z = frame_major(x.data)                        # (..., frames, bands)
        if p.log_domain:
            if not (z > 0).all():
                raise ValueError("rasta in the log domain needs positive band energies; digital "
                                 "silence gives zeros (add a dither floor: power {dither: 1})")
            z = np.log(z)
        n = z.shape[-2]
        y = np.zeros(z.shape, dtype=np.float64)
        past = z if self.history is None else np.concatenate([self.history, z], axis=-2)
        lead = past.shape[-2] - n                      # history frames in front of z
        first = max(0, 4 - self.seen)                  # frames of z before the filter starts
        if first < n:
            m = past.shape[-2]
            fir = sum(c * past[..., lead + first - k:m - k, :]
                      for k, c in enumerate(RASTA_FIR) if c)
            if self.state is None:
                self.state = np.zeros(fir.shape[:-2] + fir.shape[-1:])
            y[..., first:, :] = native.one_pole(fir, p.pole, state=self.state)  # C, in place
        self.history = past[..., -4:, :].copy()
        self.seen += n
        if p.log_domain:
            y = np.exp(y)
        return x.derive(frame_major(y.astype(x.data.dtype, copy=False)))

    def flush(self) -> None:
        return None


# ------------------------------------------------------------------ fused form
BAND_OPS = ("bark_filterbank", "equal_loudness", "power_law", "replicate_edges",
            "autocorrelation")


def _fusable(models) -> bool:
    return all(m.op != "bark_filterbank" or m.sum_power for m in models)


@rule("bands", BAND_OPS, optional=BAND_OPS, accepts=_fusable)
def fused_bands(f: FusedOp, x: Feature) -> Feature:
    """The band ops of PLP on one chunk (see :func:`apply_bands`)."""
    data = frame_major(x.data)                       # (..., frames, features)
    if data.dtype not in (np.float32, np.float64):
        data = data.astype(np.float64)
    return apply_bands(f, f.parts, x, data, owned=False)


def _has_bands(models) -> bool:
    return len(models) > 3 and _fusable(models) and models[2].dtype is None


@rule("spectrum+bands", ("window", "rfft", "power") + BAND_OPS, optional=BAND_OPS,
      accepts=_has_bands, absorbs_scale=True)
def fused_spectrum_bands(f: FusedOp, x: Feature) -> Feature:
    """``window -> rfft -> power`` then the band ops, with the power spectrum in a work buffer."""
    power, meta = fused_power(f, f.parts[:3], x, scratch=True)
    return apply_bands(f, f.parts[3:], meta, power, owned=True)


def apply_bands(f: FusedOp, parts: tuple, x: Feature, data: np.ndarray, owned: bool) -> Feature:
    """The linear ops around the power law folded into at most two matrix products.

    Bark weights (with ``sum_power``), equal loudness, edge replication and the
    autocorrelation's inverse DFT are each linear in the frame, so the ops
    before the power law collapse into one matrix ``B`` and those after it into
    one matrix ``A``: ``A (B x) ** exponent``.  Equal loudness thus rides in the
    Bark weights (one product), and the power law runs in place on the product.
    The matrices are found by running the original ops on an identity (each
    column is an op's response to one unit input), once per input layout, in
    float64, then cast to the chunk's dtype.  ``data`` is ``(..., frames,
    features)`` with the metadata of ``x``; ``owned``: it may be overwritten.
    """
    law = next((i for i, m in enumerate(parts) if m.op == "power_law"), len(parts))
    before, meta = _folded(f, "before", parts[:law], x, data.shape[-1], data.dtype)
    y = data if before is None else matmul(data, before)
    if law < len(parts):
        y = _power_values(y, parts[law].exponent, out=y if (before is not None or owned) else None)
    after, meta = _folded(f, "after", parts[law + 1:], meta, y.shape[-1], data.dtype)
    z = y if after is None else matmul(y, after)
    return meta.derive(frame_major(z))


def _folded(f: FusedOp, where: str, ops: tuple, x: Feature, n: int, dtype):
    """``(M.T or None, metadata after ops)`` for linear ``ops`` on ``n`` features like ``x``'s."""
    if not ops:
        return None, x
    axis = None if x.axis is None else np.asarray(x.axis).tobytes()
    key = (where, n, x.sr, x.n_fft, x.win_length, axis, np.dtype(dtype))   # ops: fixed per step
    hit = f.cache.get(key)
    if hit is None:
        probe = x.derive(np.eye(n))                  # column j: unit input in feature j
        for op in ops:
            probe = op(probe)
        matrix = np.ascontiguousarray(probe.data.T.astype(dtype))
        hit = f.cache[key] = (matrix, probe.derive(np.empty((0, 0), dtype)))
    return hit

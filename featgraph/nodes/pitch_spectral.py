"""More pitch estimators, one value per frame: normalised cross-correlation (NCCF),
cepstral pitch, the harmonic product spectrum and subharmonic summation.

References
----------
D. Talkin, "A robust algorithm for pitch tracking (RAPT)", in *Speech Coding and
Synthesis*, Kleijn & Paliwal (eds.), Elsevier, 1995 (the normalised cross-correlation).
A. M. Noll, "Cepstrum pitch determination", JASA 41(2), 1967.
M. R. Schroeder, "Period histogram and product spectrum: new methods for
fundamental-frequency measurement", JASA 43(4), 1968; A. M. Noll, "Pitch
determination of human speech by the harmonic product spectrum, the harmonic sum
spectrum, and a maximum likelihood estimate", 1969.
D. J. Hermes, "Measurement of pitch by subharmonic summation", JASA 83(1), 1988;
openSMILE 2.x documentation, ``cPitchShs`` (nHarmonics 15, compressionFactor 0.85,
an octave-scaled spectrum of 48 points per octave, voicingCutoff 0.7).
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import frame_major
from .pitch import _irfft, _rfft, out_dtype
from .time_domain import pick_lag


class _Range(Node):
    """``fmin`` / ``fmax`` of the search (a base class, not an op)."""

    op: str
    streaming: ClassVar = "frame"
    fmin: float = Field(60.0, gt=0, le=1e5, description="lowest f0 searched, Hz")
    fmax: float = Field(500.0, gt=0, le=1e5, description="highest f0 searched, Hz")

    @model_validator(mode="after")
    def _ordered(self):
        if self.fmin >= self.fmax:
            raise ValueError(f"fmin ({self.fmin} Hz) must be below fmax ({self.fmax} Hz); swap "
                             f"them")
        return self


def parabola(y: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Vertex offset of the parabola through ``y[k-1], y[k], y[k+1]`` per row (0 at the
    ends or when flat), clipped to [-0.5, 0.5]."""
    n = y.shape[-1]
    kk = np.clip(k, 1, n - 2)
    left = np.take_along_axis(y, (kk - 1)[..., None], -1)[..., 0]
    mid = np.take_along_axis(y, kk[..., None], -1)[..., 0]
    right = np.take_along_axis(y, (kk + 1)[..., None], -1)[..., 0]
    den = left - 2 * mid + right
    ok = (k > 0) & (k < n - 1) & (den < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, np.clip(0.5 * (left - right) / np.where(ok, den, 1.0), -0.5, 0.5),
                        0.0)


def _ports(x: Feature, f0: np.ndarray, strength: np.ndarray, voiced: np.ndarray):
    dtype = out_dtype(x)
    f0 = np.where(voiced, f0, np.nan)
    return {"f0": x.derive(f0[..., None, :].astype(dtype), Kind.FEATURE, axis=None),
            "strength": x.derive(strength[..., None, :].astype(dtype), Kind.FEATURE, axis=None)}


def _lags(p: _Range, sr: float, longest: int) -> tuple[int, int]:
    kmin, kmax = max(2, int(np.floor(sr / p.fmax))), int(np.ceil(sr / p.fmin))
    if kmax >= longest or kmin >= kmax:
        raise ValueError(f"{p.op}: fmin = {p.fmin:g} Hz needs lags up to {kmax} at {sr:g} Hz, "
                         f"more than the {longest} available; raise fmin or use longer frames "
                         f"(and keep fmax below sr / 2)")
    return kmin, kmax


class NCCFPitch(_Range):
    """Pitch from the normalised cross-correlation function (Talkin 1995).

    For a frame ``x`` of ``N`` samples and the window ``W = N - kmax``,
    ``phi(k) = sum_{n<W} x[n] x[n+k] / sqrt(e_0 e_k)`` with ``e_k = sum_{n<W} x[n+k]^2``,
    over lags ``k`` in ``[floor(sr / fmax), ceil(sr / fmin)]``; the lag is the shortest
    local maximum within ``tolerance`` of the highest (a periodic frame peaks at every
    multiple of its period), refined by a parabola; ``f0 = sr / lag``.  ``strength`` is
    ``phi`` there (1 for a periodic frame, 0 for silence); frames below
    ``voicing_threshold`` are unvoiced (f0 NaN).
    Outputs ``(..., 1, frames)``: ports ``f0`` (Hz, NaN when unvoiced) and ``strength``.

    Streaming: frame by frame.
    """

    op: Literal["nccf_pitch"] = "nccf_pitch"
    consumes: ClassVar = (Kind.FRAMES,)
    produces: ClassVar = {"f0": Kind.FEATURE, "strength": Kind.FEATURE}
    nan_ports: ClassVar = ("f0",)
    voicing_threshold: float = Field(0.5, ge=0, le=1, description="lowest NCCF peak of a "
                                                                  "voiced frame")
    tolerance: float = Field(0.05, ge=0, le=1, description="take the shortest-lag peak within "
                                                           "this of the best")


@NCCFPitch.compute
def nccf_pitch(x: Feature, p: NCCFPitch) -> dict[str, Feature]:
    f = frame_major(x.data).astype(np.float64, copy=False)
    n = f.shape[-1]
    kmin, kmax = _lags(p, x.sr, n)
    w = n - kmax
    size = 1 << (n + w).bit_length()
    num = _irfft(np.conj(_rfft(f[..., :w], size)) * _rfft(f, size), size)[..., :kmax + 1]
    cs = np.concatenate([np.zeros(f.shape[:-1] + (1,)), np.cumsum(f * f, axis=-1)], axis=-1)
    ek = cs[..., w:w + kmax + 1] - cs[..., :kmax + 1]
    den = np.sqrt(np.maximum(ek[..., :1] * ek, 0.0))
    scale = np.maximum(cs[..., -1:], np.finfo(np.float64).tiny) * 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(den > scale, num / np.where(den > scale, den, 1.0), 0.0)
    lag, strength = pick_lag(phi, kmin, kmax, p.tolerance)
    lag = lag + parabola(phi, lag)
    return _ports(x, x.sr / lag, strength, strength >= max(p.voicing_threshold, 1e-12))


def _power(x: Feature) -> tuple[np.ndarray, int]:
    s = frame_major(x.data).astype(np.float64, copy=False)
    n_fft = x.n_fft or 2 * (s.shape[-1] - 1)
    if s.shape[-1] != n_fft // 2 + 1:
        raise ValueError(f"expected {n_fft // 2 + 1} FFT bins for n_fft = {n_fft}, got "
                         f"{s.shape[-1]}")
    return s, n_fft


class CepstralPitch(_Range):
    """Pitch from the real cepstrum of a power spectrum (Noll 1967).

    ``c = IDFT(log(P + floor) / 2)`` (the cepstrum of the magnitude); the highest
    peak at quefrencies ``q`` in ``[floor(sr / fmax), ceil(sr / fmin)]`` samples gives
    ``f0 = sr / q`` (parabola-refined).  ``strength`` is ``c`` there (about
    ``ln(peak-to-valley ratio of the harmonics) / 2``; 0 for silence); frames below
    ``voicing_threshold`` are unvoiced.  Feed it a windowed power spectrum
    (``power`` after ``rfft``).
    Outputs ``(..., 1, frames)``: ports ``f0`` (Hz, NaN when unvoiced) and ``strength``.

    Streaming: frame by frame.
    """

    op: Literal["cepstral_pitch"] = "cepstral_pitch"
    consumes: ClassVar = (Kind.POWER,)
    produces: ClassVar = {"f0": Kind.FEATURE, "strength": Kind.FEATURE}
    nan_ports: ClassVar = ("f0",)
    floor: float = Field(1e-10, gt=0, le=1e6, description="added to the power before the log")
    voicing_threshold: float = Field(0.05, ge=0, le=100, description="lowest cepstral peak "
                                                                    "of a voiced frame")


@CepstralPitch.compute
def cepstral_pitch(x: Feature, p: CepstralPitch) -> dict[str, Feature]:
    s, n_fft = _power(x)
    kmin, kmax = _lags(p, x.sr, n_fft // 2)
    ceps = _irfft((0.5 * np.log(s + p.floor)).astype(np.complex128), n_fft)
    seg = ceps[..., kmin:kmax + 1]
    k = np.argmax(seg, axis=-1)
    strength = np.take_along_axis(seg, k[..., None], -1)[..., 0]
    lag = kmin + k + parabola(seg, k)
    return _ports(x, x.sr / lag, strength, strength >= max(p.voicing_threshold, 1e-12))


class HPSPitch(_Range):
    """Pitch from the harmonic product spectrum (Schroeder 1968; Noll 1969).

    ``HPS(f) = sum_{h=1}^{H} log(|X(h f)| + floor)`` (the log of the product of the
    magnitude at the first ``n_harmonics`` multiples, bin ``h k`` for bin ``k``), maximised
    over the bins in ``[fmin, fmax]``, parabola-refined.  There is no voicing decision:
    ``f0`` is always finite (``fmin``'s bin for silence); ``strength`` is the mean log
    magnitude over the harmonics at the peak.
    Outputs ``(..., 1, frames)``: ports ``f0`` (Hz) and ``strength``.

    Streaming: frame by frame.
    """

    op: Literal["hps_pitch"] = "hps_pitch"
    consumes: ClassVar = (Kind.POWER,)
    produces: ClassVar = {"f0": Kind.FEATURE, "strength": Kind.FEATURE}
    n_harmonics: int = Field(5, ge=1, le=50, description="harmonics multiplied")
    floor: float = Field(1e-10, gt=0, le=1e6, description="added to the magnitude before the log")


@HPSPitch.compute
def hps_pitch(x: Feature, p: HPSPitch) -> dict[str, Feature]:
    s, n_fft = _power(x)
    df = x.sr / n_fft
    lo, hi = max(1, int(np.floor(p.fmin / df))), int(np.ceil(p.fmax / df))
    if hi * p.n_harmonics > s.shape[-1] - 1 or lo >= hi:
        raise ValueError(f"hps_pitch: fmax = {p.fmax:g} Hz times {p.n_harmonics} harmonics is "
                         f"above the Nyquist frequency; lower fmax or n_harmonics")
    logmag = np.log(np.sqrt(s) + p.floor)
    bins = np.arange(lo - 1, hi + 2)                       # one extra each side for the parabola
    hps = sum(logmag[..., bins * h] for h in range(1, p.n_harmonics + 1))
    k = 1 + np.argmax(hps[..., 1:-1], axis=-1)
    strength = np.take_along_axis(hps, k[..., None], -1)[..., 0] / p.n_harmonics
    f0 = (bins[0] + k + parabola(hps, k)) * df
    return _ports(x, f0, strength, np.ones(f0.shape, dtype=bool))

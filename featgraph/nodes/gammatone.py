"""Filterbanks for cepstral front ends other than mel: the gammatone filterbank on
the ERB-rate scale (GTCC, PNCC) and a linear triangular filterbank (LFCC).

The Bark filterbank of BFCC is :class:`featgraph.nodes.auditory.BarkFilterbank`
(Hermansky's critical-band masking curves, as in PLP); see docs/speech-pncc.md.

References
----------
B. R. Glasberg and B. C. J. Moore, "Derivation of auditory filter shapes from
notched-noise data", Hearing Research 47, 103-138, 1990 (eq. 3: ERB = 24.7 (4.37 F + 1),
F in kHz; eq. 4: ERB-rate = 21.4 log10(4.37 F + 1)).
R. D. Patterson, K. Robinson, J. Holdsworth, D. McKeown, C. Zhang and M. Allerhand,
"Complex sounds and auditory images", Auditory Physiology and Perception, 429-446, 1992
(the gammatone t^(n-1) exp(-2 pi b t) cos(2 pi fc t), b = 1.019 ERB for n = 4).
C. Kim and R. M. Stern, "Power-Normalized Cepstral Coefficients (PNCC) for Robust
Speech Recognition", IEEE/ACM TASLP 24(7), 1315-1329, 2016 (Sec. II-A: 40 channels
between 200 Hz and 8 kHz, squared gammatone responses integrated over the power
spectrum, responses below 0.5 % of the peak set to zero).
X. Valero and F. Alias, "Gammatone cepstral coefficients: biologically inspired
features for non-speech audio classification", IEEE Trans. Multimedia 14(6), 2012.
M. Sahidullah, T. Kinnunen and C. Hanilci, "A comparison of features for synthetic
speech detection", Interspeech 2015 (LFCC: triangular filters on a linear scale).
"""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.fuse import FusedOp, rule
from ..engine.ops import Node
from ._common import apply_filterbank, frame_major
from .mel import SPECTRUM_OPS, TAILS, fused_filterbank, plain_power


def erb_bandwidth(f):
    """Equivalent rectangular bandwidth in Hz at ``f`` Hz: ``24.7 (4.37 f / 1000 + 1)``."""
    return 24.7 * (4.37e-3 * np.asarray(f, dtype=np.float64) + 1.0)


def hz_to_erb_rate(f):
    """ERB-rate (number of ERBs below ``f`` Hz): ``21.4 log10(4.37 f / 1000 + 1)``."""
    return 21.4 * np.log10(4.37e-3 * np.asarray(f, dtype=np.float64) + 1.0)


def erb_rate_to_hz(e):
    """Inverse of :func:`hz_to_erb_rate`: ``(10 ** (e / 21.4) - 1) * 1000 / 4.37``."""
    return (10.0 ** (np.asarray(e, dtype=np.float64) / 21.4) - 1.0) / 4.37e-3


def _check_band(sr: float, fmin: float, fmax: float | None) -> float:
    nyquist = sr / 2
    fmax = nyquist if fmax is None else fmax
    if fmax > nyquist:
        raise ValueError(f"fmax = {fmax:g} Hz is above the Nyquist frequency {nyquist:g} Hz; "
                         f"lower fmax or leave it null")
    if fmax <= fmin:
        raise ValueError(f"fmax = {fmax:g} Hz must exceed fmin = {fmin:g} Hz")
    return fmax


def _integrate(x: Feature, weights: np.ndarray, centres: np.ndarray) -> Feature:
    """Band powers ``W @ P`` of a power spectrum, dtype kept, centres (Hz) as the axis.

    Each filter is summed over its non-zero bins only (a quarter of the bins or
    fewer for these banks), several times faster than the dense product.
    """
    spec = frame_major(x.data)
    bands = apply_filterbank(spec, weights)
    return x.derive(frame_major(bands), Kind.BANDS, axis=centres)


def _fmin_below_fmax(model):
    """Model validator: an explicit ``fmax`` must exceed ``fmin``."""
    if model.fmax is not None and model.fmax <= model.fmin:
        raise ValueError(f"fmax = {model.fmax:g} Hz must exceed fmin = {model.fmin:g} Hz")
    return model


def _freeze(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


class GammatoneFilterbank(Node):
    """Integrate a power spectrum through gammatone filters equally spaced in ERB-rate.

    Centres ``f_l`` run from ``fmin`` to ``fmax`` (both included) in ``n_bands``
    equal steps of ERB-rate ``E(f) = 21.4 log10(4.37 f / 1000 + 1)`` (Glasberg
    and Moore 1990).  Filter ``l`` is the magnitude response of the order-``n``
    gammatone ``t^(n-1) exp(-2 pi b t) cos(2 pi f_l t)`` with
    ``b = bandwidth * ERB(f_l)``, ``ERB(f) = 24.7 (4.37 f / 1000 + 1)`` Hz::

        G(f) = | (1 + j (f - f_l) / b) ** -n + (1 + j (f + f_l) / b) ** -n |
        H_l(f) = G(f) / G(f_l),   set to 0 where H_l(f) < threshold

    and the output is ``P[l] = sum_k |X[k]|^2 H_l(f_k)^2`` (squared-magnitude
    integration, Kim and Stern 2016 eq. 1).  With ``n = 4`` and ``bandwidth =
    1.019`` the equivalent rectangular bandwidth of ``H_l^2`` is ``ERB(f_l)``
    (Patterson et al. 1992).  Input: a power spectrum ``(..., n_fft // 2 + 1,
    frames)``; output ``(..., n_bands, frames)`` with the centres (Hz) as axis.
    Streaming: frame by frame.
    """

    op: Literal["gammatone_filterbank"] = "gammatone_filterbank"
    consumes: ClassVar = (Kind.POWER,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.BANDS

    n_bands: int = Field(40, ge=2, le=512, description="number of filters")
    fmin: float = Field(200.0, ge=0, le=1e6, description="centre of the lowest filter, Hz")
    fmax: float | None = Field(None, gt=0, le=1e6, description="centre of the highest filter, Hz; "
                                                       "null: Nyquist")
    order: int = Field(4, ge=1, le=16, description="gammatone order n")
    bandwidth: float = Field(1.019, gt=0, le=10, description="b / ERB(fc): 1.019 makes the "
                                                             "filter's ERB equal ERB(fc) at n=4")
    threshold: float = Field(0.005, ge=0, lt=1, description="zero the amplitude response "
                                                            "below this fraction of its peak")

    _check = model_validator(mode="after")(_fmin_below_fmax)


def gammatone_response(f, fc, order: int = 4, bandwidth: float = 1.019):
    """Amplitude response ``H(f) = G(f) / G(fc)`` of the gammatone centred at ``fc`` Hz.

    ``G(f) = |(1 + j (f - fc) / b) ** -order + (1 + j (f + fc) / b) ** -order|`` with
    ``b = bandwidth * ERB(fc)``: the Fourier transform of ``t^(n-1) exp(-2 pi b t)
    cos(2 pi fc t)`` up to a constant.  ``f`` and ``fc`` broadcast.
    """
    f, fc = np.asarray(f, dtype=np.float64), np.asarray(fc, dtype=np.float64)
    b = bandwidth * erb_bandwidth(fc)

    def g(x):
        return np.abs((1 + 1j * (x - fc) / b) ** -order + (1 + 1j * (x + fc) / b) ** -order)

    # a vanishing b (a denormal bandwidth) overflows to NaN off the centre: the limit is 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        h = g(f) / g(fc)
    return np.where(np.isnan(h), 0.0, h)


@functools.lru_cache(maxsize=32)
def gammatone_weights(n_fft: int, sr: float, n_bands: int = 40, fmin: float = 200.0,
                      fmax: float | None = None, order: int = 4, bandwidth: float = 1.019,
                      threshold: float = 0.005) -> tuple[np.ndarray, np.ndarray]:
    """``(weights H^2 (n_bands, n_fft // 2 + 1), centres in Hz)`` of :class:`GammatoneFilterbank`.

    float64, read-only (cached).
    """
    fmax = _check_band(sr, fmin, fmax)
    centres = erb_rate_to_hz(np.linspace(hz_to_erb_rate(fmin), hz_to_erb_rate(fmax), n_bands))
    freqs = np.arange(n_fft // 2 + 1) * (sr / n_fft)
    amp = gammatone_response(freqs[None, :], centres[:, None], order, bandwidth)
    amp[amp < threshold] = 0.0
    weights = amp ** 2
    empty = np.flatnonzero(~(weights > 0).any(axis=1))
    if empty.size:
        raise ValueError(f"gammatone_filterbank: filter {int(empty[0])} (centre "
                         f"{centres[empty[0]]:.1f} Hz) covers no FFT bin at n_fft = {n_fft}; "
                         f"use a larger n_fft, fewer n_bands or a wider bandwidth")
    return _freeze(weights, centres)


@GammatoneFilterbank.compute
def gammatone_filterbank(x: Feature, p: GammatoneFilterbank) -> Feature:
    return _integrate(x, *gammatone_weights(x.n_fft, x.sr, p.n_bands, p.fmin, p.fmax, p.order,
                                            p.bandwidth, p.threshold))


class LinearFilterbank(Node):
    """Integrate a power spectrum through triangular filters equally spaced in Hz (LFCC).

    ``n_bands + 2`` edges ``e_i = fmin + i (fmax - fmin) / (n_bands + 1)``;
    filter ``l`` rises linearly from 0 at ``e_l`` to 1 at ``e_(l+1)`` and falls
    to 0 at ``e_(l+2)``, evaluated at the bin frequencies.  ``norm: area``
    divides it by half its base, ``(e_(l+2) - e_l) / 2`` Hz (unit area, the
    Slaney convention of librosa's mel filters); ``none`` keeps peak 1, so the
    filters sum to 1 between the first and last centre.  Output ``(...,
    n_bands, frames)``, the power summed per filter, with the centres as axis.
    A filter that falls between two FFT bins is an error naming ``n_bands``.
    Streaming: frame by frame.
    """

    op: Literal["linear_filterbank"] = "linear_filterbank"
    consumes: ClassVar = (Kind.POWER,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.BANDS

    n_bands: int = Field(20, ge=1, le=1024, description="number of triangular filters")
    fmin: float = Field(0.0, ge=0, le=1e6, description="lower edge of the first filter, Hz")
    fmax: float | None = Field(None, gt=0, le=1e6, description="upper edge of the last filter, Hz; "
                                                       "null: Nyquist")
    norm: Literal["none", "area"] = Field("none", description="none: peak 1; area: divide "
                                                              "by half the base width in Hz")

    _check = model_validator(mode="after")(_fmin_below_fmax)


@functools.lru_cache(maxsize=32)
def linear_weights(n_fft: int, sr: float, n_bands: int = 20, fmin: float = 0.0,
                   fmax: float | None = None, norm: str = "none") -> tuple[np.ndarray, np.ndarray]:
    """``(weights (n_bands, n_fft // 2 + 1), centres in Hz)`` of :class:`LinearFilterbank`."""
    fmax = _check_band(sr, fmin, fmax)
    edges = np.linspace(fmin, fmax, n_bands + 2)
    freqs = np.arange(n_fft // 2 + 1) * (sr / n_fft)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # edges that coincide
        rise = (freqs - lo) / (mid - lo)
        fall = (hi - freqs) / (hi - mid)
    weights = np.maximum(0.0, np.minimum(rise, fall))       # NaN where edges coincide
    empty = np.flatnonzero(~(weights > 0).any(axis=1))
    if empty.size:
        most = int(np.ceil(2 * (fmax - fmin) / (sr / n_fft))) - 2
        fix = (f"use n_bands <= {most} or a larger n_fft" if most >= 1 else
               f"widen fmin-fmax ({fmin:.6g}-{fmax:.6g} Hz) or use a larger n_fft")
        raise ValueError(f"linear_filterbank: filter {int(empty[0])} ({edges[empty[0]]:.1f}-"
                         f"{edges[empty[0] + 2]:.1f} Hz) contains no FFT bin at n_fft = {n_fft}; "
                         f"{fix}")
    if norm == "area":
        weights /= (hi - lo) / 2
    return _freeze(weights, edges[1:-1].copy())


@LinearFilterbank.compute
def linear_filterbank(x: Feature, p: LinearFilterbank) -> Feature:
    return _integrate(x, *linear_weights(x.n_fft, x.sr, p.n_bands, p.fmin, p.fmax, p.norm))


# ------------------------------------------------------------------ fused forms
@rule("spectrum+gammatone", SPECTRUM_OPS + ("gammatone_filterbank",) + TAILS,
      optional=SPECTRUM_OPS[:1] + TAILS, accepts=plain_power("gammatone_filterbank"),
      absorbs_scale=True)
def fused_gammatone(f: FusedOp, x: Feature) -> Feature:
    """``window -> rfft -> power -> gammatone_filterbank`` on one chunk, the power straight
    into the filter sums (:func:`featgraph.nodes.mel.fused_filterbank`)."""
    return fused_filterbank(f, x, lambda p, sr, n_fft: gammatone_weights(
        n_fft, sr, p.n_bands, p.fmin, p.fmax, p.order, p.bandwidth, p.threshold))


@rule("spectrum+linear", SPECTRUM_OPS + ("linear_filterbank",) + TAILS,
      optional=SPECTRUM_OPS[:1] + TAILS, accepts=plain_power("linear_filterbank"),
      absorbs_scale=True)
def fused_linear(f: FusedOp, x: Feature) -> Feature:
    """``window -> rfft -> power -> linear_filterbank`` on one chunk, the power straight
    into the filter sums (:func:`featgraph.nodes.mel.fused_filterbank`)."""
    return fused_filterbank(f, x, lambda p, sr, n_fft: linear_weights(
        n_fft, sr, p.n_bands, p.fmin, p.fmax, p.norm))

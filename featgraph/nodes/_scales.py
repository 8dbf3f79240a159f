"""Frequency scales and filter shapes of the filterbank spectrogram (the ``filterbank`` op).

A scale maps Hz to a perceptual or musical axis; bands are placed at equal steps of
it.  A filter *style* is the shape each band takes between its lower edge, its
centre and its upper edge.  Everything here is plain numpy and cached.

References
----------
H. Traunmüller, "Analytical expressions for the tonotopic sensory scale",
J. Acoust. Soc. Am. 88(1), 97-100, 1990: ``z = 26.81 f / (1960 + f) - 0.53`` Bark,
``z + 0.15 (2 - z)`` below 2 Bark and ``z + 0.22 (z - 20.1)`` above 20.1 Bark.
E. Zwicker and E. Terhardt, "Analytical expressions for critical-band rate and
critical bandwidth as a function of frequency", J. Acoust. Soc. Am. 68(5),
1523-1525, 1980: ``z = 13 arctan(0.76 f / 1000) + 3.5 arctan((f / 7500)^2)``.
M. R. Schroeder, "Recognition of complex acoustic signals", 1977 (``6 asinh(f / 600)``,
the Bark form of rastamat and PLP).
B. R. Glasberg and B. C. J. Moore, Hearing Research 47, 103-138, 1990, eq. 4:
ERB-rate ``21.4 log10(4.37 f / 1000 + 1)``.
M. Slaney, Auditory Toolbox (1998) and The HTK Book 5.4 for the mel scales (see
:mod:`featgraph.nodes.mel`).
ETSI ES 201 108 v1.1.3 (2003), section 4.2.9: the Mel filter bank of the distributed
speech recognition front end (triangles on FFT bin indices, centres rounded to bins).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .gammatone import erb_bandwidth, erb_rate_to_hz, gammatone_response, hz_to_erb_rate
from .mel import hz_to_mel, mel_to_hz

SCALES = ("linspace", "mel", "bark", "erb", "octave", "log")
STYLES = ("triangular", "etsi", "gammatone", "point", "rect", "hann", "hamming", "blackman",
          "bohman", "kaiser", "gauss")
A4 = 440.0
C0 = A4 * 2.0 ** (-57.0 / 12.0)
"""C0 of equal temperament at A4 = 440 Hz, 16.3516 Hz."""


# ---- Bark ---------------------------------------------------------------------------------

def hz_to_bark(f, formula: str = "traunmuller"):
    """Critical-band rate in Bark of ``f`` Hz (Traunmüller 1990, Zwicker & Terhardt 1980 or
    Schroeder's ``6 asinh(f / 600)``)."""
    f = np.asarray(f, dtype=np.float64)
    if formula == "schroeder":
        return 6.0 * np.arcsinh(f / 600.0)
    if formula == "zwicker":
        return 13.0 * np.arctan(0.76e-3 * f) + 3.5 * np.arctan((f / 7500.0) ** 2)
    z = 26.81 * f / (1960.0 + f) - 0.53
    return np.where(z < 2.0, z + 0.15 * (2.0 - z), np.where(z > 20.1, z + 0.22 * (z - 20.1), z))


def bark_to_hz(z, formula: str = "traunmuller"):
    """The inverse of :func:`hz_to_bark` (Zwicker's by bisection, to 1e-9 Hz)."""
    z = np.asarray(z, dtype=np.float64)
    if formula == "schroeder":
        return 600.0 * np.sinh(z / 6.0)
    if formula == "zwicker":
        lo, hi = np.zeros_like(z), np.full_like(z, 1e6)
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            below = hz_to_bark(mid, "zwicker") < z
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return 0.5 * (lo + hi)
    raw = np.where(z < 2.0, (z - 0.3) / 0.85, np.where(z > 20.1, (z + 4.422) / 1.22, z))
    return 1960.0 * (raw + 0.53) / (26.28 - raw)


# ---- scales -------------------------------------------------------------------------------

_SCALES = {
    "mel": (lambda f, v: hz_to_mel(f, v or "slaney"), lambda m, v: mel_to_hz(m, v or "slaney")),
    "bark": (lambda f, v: hz_to_bark(f, v or "traunmuller"),
             lambda z, v: bark_to_hz(z, v or "traunmuller")),
    "erb": (lambda f, v: hz_to_erb_rate(f), lambda e, v: erb_rate_to_hz(e)),
    "octave": (lambda f, v: np.log2(np.maximum(f, 1e-300) / C0), lambda o, v: C0 * 2.0 ** o),
    "log": (lambda f, v: np.log(np.maximum(f, 1e-300)), lambda x, v: np.exp(x)),
}
"""Per scale: (Hz -> unit, unit -> Hz), each taking the variant; linspace is Hz itself."""


def to_scale(f, scale: str, variant: str | None = None):
    """Hz to the scale's unit (mel, Bark, ERB-rate, octaves above C0, ln Hz, Hz)."""
    f = np.asarray(f, dtype=np.float64)
    return _SCALES[scale][0](f, variant) if scale in _SCALES else f


def from_scale(v, scale: str, variant: str | None = None):
    """The inverse of :func:`to_scale`."""
    v = np.asarray(v, dtype=np.float64)
    return _SCALES[scale][1](v, variant) if scale in _SCALES else v


def band_points(scale: str, n_bands: int, fmin: float, fmax: float, variant: str | None = None,
                bins_per_octave: int = 12) -> np.ndarray:
    """The ``n_bands + 2`` points (Hz) lower edge, centres, upper edge of the bank.

    ``octave``: centres ``fmin 2^(k / bins_per_octave)``, ``k = 0..n_bands-1``, edges one
    step beyond (``fmin`` is the first centre; ``fmax`` is not used).  Other scales:
    points equally spaced on the scale from ``fmin`` to ``fmax`` (both edges).
    """
    if scale == "octave":
        return fmin * 2.0 ** (np.arange(-1, n_bands + 1) / bins_per_octave)
    lo, hi = to_scale(fmin, scale, variant), to_scale(fmax, scale, variant)
    return from_scale(np.linspace(lo, hi, n_bands + 2), scale, variant)


# ---- filter shapes ------------------------------------------------------------------------

def _shape(style: str, u: np.ndarray, param: float | None) -> np.ndarray:
    """Window ``style`` at the normalised position ``u`` (0 lower edge, 0.5 centre, 1 upper edge);
    zero outside ``[0, 1]``."""
    inside = (u >= 0.0) & (u <= 1.0)
    with np.errstate(invalid="ignore"):          # an infinite u (degenerate band) is outside
        c = np.cos(2.0 * np.pi * u)
    if style == "triangular":
        w = 1.0 - np.abs(2.0 * u - 1.0)
    elif style == "rect":
        w = ((u >= 0.25) & (u < 0.75)).astype(np.float64)
    elif style == "hann":
        w = 0.5 - 0.5 * c
    elif style == "hamming":
        w = 0.54 - 0.46 * c
    elif style == "blackman":
        w = 0.42 - 0.5 * c + 0.08 * np.cos(4.0 * np.pi * u)
    elif style == "bohman":
        x = np.abs(2.0 * u - 1.0)
        w = (1.0 - x) * np.cos(np.pi * x) + np.sin(np.pi * x) / np.pi
    elif style == "kaiser":
        beta = 8.6 if param is None else param
        x = np.clip(2.0 * u - 1.0, -1.0, 1.0)
        w = np.i0(beta * np.sqrt(1.0 - x * x)) / np.i0(beta)
    elif style == "gauss":
        sigma = 0.25 if param is None else param        # in half-widths
        w = np.exp(-0.5 * ((2.0 * u - 1.0) / sigma) ** 2)
    else:
        raise ValueError(f"unknown filter style {style!r}")
    return np.where(inside, np.maximum(w, 0.0), 0.0)


def _position(freqs: np.ndarray, lo: np.ndarray, mid: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Piecewise-linear map of Hz to ``u``: ``lo -> 0``, ``mid -> 1/2``, ``hi -> 1``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = 0.5 * (freqs - lo) / (mid - lo)
        fall = 0.5 + 0.5 * (freqs - mid) / (hi - mid)
    return np.where(freqs < mid, rise, fall)


def _etsi(points: np.ndarray, sr: float, n_fft: int, n_bins: int) -> np.ndarray:
    """ETSI ES 201 108 (4.2.9): centres rounded to bins ``cbin_i = round(f_i n_fft / sr)``,
    rising ``(k - cbin_{i-1} + 1) / (cbin_i - cbin_{i-1} + 1)`` over ``cbin_{i-1}..cbin_i``,
    falling ``1 - (k - cbin_i) / (cbin_{i+1} - cbin_i + 1)`` over ``cbin_i+1..cbin_{i+1}``."""
    cbin = np.floor(points * n_fft / sr + 0.5).astype(int)
    k = np.arange(n_bins)[None, :]
    a, b, c = cbin[:-2, None], cbin[1:-1, None], cbin[2:, None]
    rise = np.where((k >= a) & (k <= b), (k - a + 1.0) / (b - a + 1.0), 0.0)
    fall = np.where((k > b) & (k <= c), 1.0 - (k - b) / (c - b + 1.0), 0.0)
    return rise + fall


@functools.lru_cache(maxsize=64)
def filterbank_weights(sr: float, n_fft: int, scale: str, n_bands: int, fmin: float,
                       fmax: float, style: str, norm: str, variant: str | None = None,
                       bins_per_octave: int = 12, param: float | None = None,
                       widen: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(W (n_bands, n_fft // 2 + 1), centres in Hz)``, float64, read-only (cached).

    ``W`` is the amplitude shape of each band (see :class:`~featgraph.nodes.filterbank.Filterbank`);
    ``norm``: ``none`` (peak 1), ``area`` (each row sums to 1 over the bins) or
    ``bandwidth`` (divided by the band's nominal width ``(f_hi - f_lo) / 2`` in Hz, so a
    triangle's area is 1: Slaney's normalisation).  ``widen`` moves each edge at least one
    bin spacing ``sr / n_fft`` away from the centre (the shaped styles).
    """
    n_bins = n_fft // 2 + 1
    points = band_points(scale, n_bands, fmin, fmax, variant, bins_per_octave)
    lo, mid, hi = points[:-2, None], points[1:-1, None], points[2:, None]
    freqs = np.arange(n_bins) * (sr / n_fft)
    if widen:                       # each side at least one FFT bin wide: no empty band
        lo, hi = np.minimum(lo, mid - sr / n_fft), np.maximum(hi, mid + sr / n_fft)
    if style == "etsi":
        w = _etsi(points, sr, n_fft, n_bins)
    elif style == "point":
        w = np.zeros((n_bands, n_bins))
        w[np.arange(n_bands), np.clip(np.floor(points[1:-1] * n_fft / sr + 0.5).astype(int),
                                      0, n_bins - 1)] = 1.0
    elif style == "gammatone":
        order = 4 if param is None else int(param)
        w = gammatone_response(freqs[None, :], mid, order, 1.019)
        w[w < 0.005] = 0.0
    else:
        w = _shape(style, _position(freqs[None, :], lo, mid, hi), param)
    if norm == "area":
        total = w.sum(axis=1, keepdims=True)
        w = w / np.where(total > 0, total, 1.0)
    elif norm == "bandwidth":
        width = erb_bandwidth(mid) if style == "gammatone" else (hi - lo) / 2.0
        w = w / width
    w = np.ascontiguousarray(w)
    centres = points[1:-1].copy()
    w.setflags(write=False)
    centres.setflags(write=False)
    return w, centres


def default_bands(scale: str, fmin: float, fmax: float, bins_per_octave: int) -> int:
    """Octave scale: the centres ``fmin 2^(k/bpo)`` whose upper edge stays at or below ``fmax``."""
    if scale != "octave":
        return 128
    return max(1, int(math.floor(bins_per_octave * math.log2(fmax / fmin) + 1e-9)))

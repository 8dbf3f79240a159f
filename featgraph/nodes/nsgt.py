"""The non-stationary Gabor transform (NSGT) on a frequency scale, and its exact inverse.

References
----------
P. Balazs, M. Dörfler, F. Jaillet, N. Holighaus and G. Velasco, "Theory, implementation
and applications of nonstationary Gabor frames", J. Comput. Appl. Math. 236(6),
1481-1496, 2011 (section 3.2: the painless case, frame operator diagonal, canonical dual
windows ``h_k = g_k / sum_l M_l |g_l|^2``).
G. A. Velasco, N. Holighaus, M. Dörfler and T. Grill, "Constructing an invertible
constant-Q transform with nonstationary Gabor frames", DAFx-11, 2011 (the CQ-NSGT: windows
in frequency centred on ``fmin 2^(k/B)``, plus a DC and a Nyquist window).
"""
from __future__ import annotations

import functools
import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from . import _tf
from ._common import frame_major
from ._scales import _position, _shape


class NSGT(Node):
    """Non-stationary Gabor transform, painless and rasterised: complex ``(..., bins + 2, frames)``.

    Windows in frequency (Velasco et al. 2011): one per centre ``fc_k`` of the scale (the
    CQT's ``fmin 2^(k / bins_per_octave)`` on ``octave`` / ``log``; equal steps of mel,
    Bark, ERB-rate or Hz otherwise), a Hann shape rising from the previous centre and
    falling to the next one, plus a DC window (falling from 0 Hz to the first centre) and
    a Nyquist window (rising from the last centre to ``sr / 2``): axis
    ``[0, fc_0 ... fc_{K-1}, sr/2]`` Hz.  The signal is zero-padded to ``N = M hop`` and
    every band is sampled at the same ``M`` times ``t hop`` (rasterised):
    ``c_k[t] = (2 / hop) IFFT_M(X g_k)[t]`` (``X`` the positive-frequency DFT, the band's
    bins folded modulo ``M``), the analytic band signal at ``t hop``: a cosine of
    amplitude A at a centre gives ``|c_k| = A``.  Painless (Balazs et al. 2011, 3.2): each
    window's support is at most ``M`` bins, which holds when ``hop`` is at most ``sr``
    over the widest window's width (Hz); ``hop`` unset takes that largest hop.  The
    inverse (:class:`INSGT`) with the canonical dual windows is exact.

    Streaming: whole-signal (one DFT of the whole input).
    """

    op: Literal["nsgt"] = "nsgt"
    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.SPECTRUM
    streaming: ClassVar = "signal"
    scale: Literal["octave", "log", "mel", "bark", "erb", "linspace"] = Field(
        "octave", description="frequency layout of the windows")
    n_bins: int | None = Field(None, ge=1, le=1024, description="windows besides DC and "
                               "Nyquist (octave/log default: as many as fit below Nyquist; "
                               "others: 96)")
    fmin: float = Field(32.703195662574764, gt=0, le=1e5, description="lowest centre (Hz), C1")
    fmax: float | None = Field(None, gt=0, le=1e5, description="highest edge, non-octave "
                                                              "scales (Hz; default Nyquist)")
    bins_per_octave: int = Field(12, ge=1, le=128, description="octave/log scales")
    hop: int | None = Field(None, ge=1, le=1 << 16, description="samples between frames "
                            "(default: the largest painless hop)")


def _centres(p: NSGT, sr: float) -> np.ndarray:
    n_bins = p.n_bins
    if n_bins is None:
        if p.scale in ("octave", "log"):
            fit = p.bins_per_octave * math.log2(sr / 2 / p.fmin) if p.fmin < sr / 2 else 1.0
            if fit > 1024:
                raise ValueError(f"nsgt: {fit:.3g} bins between fmin = {p.fmin:g} Hz and "
                                 "Nyquist, more than 1024: raise fmin or set n_bins")
            n_bins = max(1, int(math.floor(fit - 1e-9)))
        else:
            n_bins = 96
    return _tf.centre_frequencies("log" if p.scale == "octave" else p.scale, n_bins, p.fmin,
                                  p.fmax, sr, p.bins_per_octave)


def _points(fc: np.ndarray, sr: float) -> np.ndarray:
    """``[-fc_0, 0, fc_0 ... fc_{K-1}, sr/2, sr - fc_{K-1}]``: each window's lower edge,
    centre and upper edge are three consecutive points."""
    return np.concatenate([[-fc[0], 0.0], fc, [sr / 2, sr - fc[-1]]])


def max_hop(fc: np.ndarray, sr: float) -> int:
    """The largest painless hop: ``sr`` over the widest window (Hz), rounded down."""
    pts = _points(fc, sr)
    return max(1, int(math.floor(sr / np.max(pts[2:] - pts[:-2]) * (1 - 1e-12))))


@functools.lru_cache(maxsize=16)
def _windows(points: tuple, sr: float, n: int):
    """Per window: ``(first bin, values)`` over its support on the ``n // 2 + 1`` DFT bins,
    and ``sum_k g_k^2`` on those bins."""
    pts = np.array(points)
    freqs = np.arange(n // 2 + 1) * sr / n
    total = np.zeros(len(freqs))
    out = []
    for lo, mid, hi in zip(pts[:-2], pts[1:-1], pts[2:]):
        a = max(0, int(math.floor(lo * n / sr)) + 1)
        b = min(len(freqs), int(math.ceil(hi * n / sr)))
        g = _shape("hann", _position(freqs[a:b], lo, mid, hi), None)
        total[a:b] += g * g
        out.append((a, g))
    return out, total


def _plan(p, fc: np.ndarray, sr: float, n_in: int, hop: int):
    m = max(1, -(-n_in // hop))
    n = m * hop
    windows, total = _windows(tuple(_points(fc, sr)), sr, n)
    widest = max(len(g) for _, g in windows)
    if widest > m:
        raise ValueError(f"nsgt: hop = {hop} is too large for a painless frame (a window spans "
                         f"{widest} bins, more than the {m} frames): use hop <= "
                         f"{max_hop(fc, sr)}, or omit hop")
    return m, n, windows, total


@NSGT.compute
def nsgt(x: Feature, p: NSGT) -> Feature:
    fc = _centres(p, x.sr)
    hop = p.hop or max_hop(fc, x.sr)
    length = x.data.shape[-1]
    m, n, windows, _ = _plan(p, fc, x.sr, length, hop)
    flat = x.data.reshape(-1, length).astype(np.float64, copy=False)
    spec = np.fft.rfft(flat, n, axis=-1)
    out = np.empty((flat.shape[0], m, len(windows)), np.complex128)
    for k, (a, g) in enumerate(windows):
        folded = np.zeros((flat.shape[0], m), np.complex128)
        idx = np.arange(a, a + len(g)) % m
        folded[:, idx] = spec[:, a:a + len(g)] * g
        out[:, :, k] = np.fft.ifft(folded, axis=-1) * (2.0 / hop)
    ctype = np.complex64 if x.data.dtype == np.float32 else np.complex128
    data = out.reshape(x.data.shape[:-1] + out.shape[1:]).astype(ctype, copy=False)
    return x.derive(frame_major(data), Kind.SPECTRUM, hop=hop, win_length=hop, n_fft=n,
                    axis=np.concatenate([[0.0], fc, [x.sr / 2]]))


class INSGT(NSGT):
    """Inverse of :class:`NSGT` with the canonical dual frame: the signal, ``M hop`` samples.

    Takes the same parameters as the forward node (they define the windows; ``hop`` and
    the rate come from the input).  Painless case (Balazs et al. 2011, thm 1): the frame
    operator is the multiplication by ``sum_k g_k^2`` in frequency, so
    ``X = sum_k g_k FFT_M(c_k hop / 2) / sum_k g_k^2`` on each band's bins, and the
    signal is its real inverse DFT: exact up to rounding.  The output is the zero-padded
    length ``M hop`` (the analysed signal, then zeros).

    Streaming: whole-signal.
    """

    op: Literal["insgt"] = "insgt"
    consumes: ClassVar = (Kind.SPECTRUM,)
    produces: ClassVar = Kind.SIGNAL


@INSGT.compute
def insgt(c: Feature, p: INSGT) -> Feature:
    fc = _centres(p, c.sr)
    hop = int(c.hop or 1)
    m = c.data.shape[-1]
    if c.data.shape[-2] != len(fc) + 2:
        raise ValueError(f"insgt: the input has {c.data.shape[-2]} bands, the windows of these "
                         f"parameters {len(fc) + 2}: give insgt the nsgt's parameters")
    _, n, windows, total = _plan(p, fc, c.sr, m * hop, hop)
    flat = c.data.reshape((-1,) + c.data.shape[-2:])
    spec = np.zeros((flat.shape[0], n // 2 + 1), np.complex128)
    for k, (a, g) in enumerate(windows):
        coeffs = np.fft.fft(flat[:, k, :] * (hop / 2.0), axis=-1)
        spec[:, a:a + len(g)] += coeffs[:, np.arange(a, a + len(g)) % m] * g
    spec /= np.where(total > 0, total, 1.0)
    y = np.fft.irfft(spec, n, axis=-1)
    dtype = np.float32 if c.data.dtype == np.complex64 else np.float64
    return c.derive(y.reshape(c.data.shape[:-2] + (n,)).astype(dtype, copy=False), Kind.SIGNAL,
                    hop=None, win_length=None, n_fft=None, axis=None)

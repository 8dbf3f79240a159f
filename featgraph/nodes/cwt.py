"""Continuous wavelet transform (frequency domain), its synchrosqueezing (WSST) and audioFlux's PWT.

All three are band-pass analyses by FFT filtering on a frequency axis laid out like the
filterbank scales (log by default, ``bins_per_octave``), computed blockwise and
decimated by ``hop`` (:mod:`featgraph.nodes._tf`).  Output: complex ``(..., bins,
frames)``, frame ``t`` centred on sample ``t * hop`` (``1 + n // hop`` frames), the
centre frequencies in Hz as the feature axis.

Wavelets, as their Fourier transforms on ``w > 0`` (the analytic CWT; ``w`` in radians
per unit scale), each normalised to the peak value 2 at its peak frequency ``w_p``,
which is mapped to the bin's centre frequency (``s = w_p / (2 pi fc)``): a cosine of
amplitude ``A`` at ``fc`` gives ``|W| = A`` in every octave (L1 normalisation).

- Morlet: ``exp(-(w - w0)^2 / 2) - exp(-w0^2 / 2) exp(-w^2 / 2)`` (the complete, admissible
  form; Addison 2002, eq. 2.22; Torrence & Compo 1998, table 1 drop the correction), ``w_p``
  its peak (``w0`` to 1e-14 for ``w0 = 6``);
- generalized Morse: ``w^beta exp(-w^gamma)``, ``w_p = (beta / gamma)^(1 / gamma)``
  (Lilly & Olhede 2009, eq. 9; Olhede & Walden 2002);
- Bump: ``exp(1 - 1 / (1 - ((w - mu) / sigma)^2))`` on ``|w - mu| < sigma``, ``w_p = mu``
  (MATLAB's cwt documentation, after Daubechies, Lu & Wu 2011);
- Paul of order m: ``w^m exp(-w)``, ``w_p = m`` (Torrence & Compo 1998);
- DOG of order m (Mexican hat: m = 2): ``w^m exp(-w^2 / 2)``, ``w_p = sqrt(m)``
  (Torrence & Compo 1998); real wavelets, here their analytic part;
- Meyer: ``sin(pi/2 nu(3 w / (2 pi) - 1))`` on ``[2 pi/3, 4 pi/3]``,
  ``cos(pi/2 nu(3 w / (4 pi) - 1))`` on ``[4 pi/3, 8 pi/3]``,
  ``nu(x) = x^4 (35 - 84 x + 70 x^2 - 20 x^3)``, ``w_p = 4 pi / 3`` (Daubechies 1992, 4.2).

References
----------
P. S. Addison, *The Illustrated Wavelet Transform Handbook*, IOP, 2002.
C. Torrence and G. P. Compo, "A practical guide to wavelet analysis", BAMS 79(1), 1998.
J. M. Lilly and S. C. Olhede, "Higher-order properties of analytic wavelets", IEEE
Trans. Signal Process. 57(1), 146-160, 2009.
I. Daubechies, J. Lu and H.-T. Wu, "Synchrosqueezed wavelet transforms: an empirical
mode decomposition-like tool", Appl. Comput. Harmon. Anal. 30(2), 243-261, 2011 (WSST).
"""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from . import _tf
from ._common import frame_major
from ._scales import to_scale

WAVELETS = ("morlet", "morse", "bump", "paul", "dog", "mexican_hat", "meyer")


def _meyer(u: np.ndarray) -> np.ndarray:
    w = u * 4 * np.pi / 3

    def nu(x):
        x = np.clip(x, 0.0, 1.0)
        return x ** 4 * (35 - 84 * x + 70 * x ** 2 - 20 * x ** 3)

    rise = np.sin(np.pi / 2 * nu(3 * w / (2 * np.pi) - 1))
    fall = np.cos(np.pi / 2 * nu(3 * w / (4 * np.pi) - 1))
    out = np.where(w < 4 * np.pi / 3, rise, fall)
    return np.where((w > 2 * np.pi / 3) & (w < 8 * np.pi / 3), out, 0.0)


def _morlet(w0: float):
    """The complete (admissible) Morlet ``exp(-(w - w0)^2/2) - exp(-w0^2/2) exp(-w^2/2)``,
    zero at ``w = 0``, with its peak ``w_p`` (a hair above ``w0``) mapped to ``u = 1``."""
    from scipy.optimize import minimize_scalar

    def psi(w):
        return np.exp(-0.5 * (w - w0) ** 2) - np.exp(-0.5 * w0 ** 2 - 0.5 * w ** 2)

    best = minimize_scalar(lambda w: -psi(w), bounds=(0.5 * w0, 1.5 * w0), method="bounded",
                           options={"xatol": 1e-12})
    wp, peak = float(best.x), float(psi(best.x))
    return lambda u: np.where(u > 0, psi(wp * np.maximum(u, 0.0)) / peak, 0.0)


def _powexp(u: np.ndarray, m: float, k: float, gamma: float) -> np.ndarray:
    """``u^m exp(-k (u^gamma - 1))`` for ``u > 0`` (peak 1 at ``u = 1`` when ``k = m / gamma``)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        pos = np.where(u > 0, u, 1.0)
        val = np.exp(np.clip(m * np.log(pos) - k * (pos ** gamma - 1.0), -745.0, 0.0))
    return np.where(u > 0, val, 0.0)


def wavelet_shape(name: str, w0: float = 6.0, gamma: float = 3.0, beta: float = 20.0,
                  order: int | None = None, mu: float = 5.0, sigma: float = 0.6):
    """The response ``g(u)``, ``u = f / fc``: peak 1 at ``u = 1``, zero for ``u <= 0``."""
    if name == "morlet":
        return _morlet(w0)
    if name == "morse":
        return lambda u: _powexp(u, beta, beta / gamma, gamma)
    if name == "paul":
        m = 4 if order is None else order
        return lambda u: _powexp(u, m, m, 1.0)
    if name in ("dog", "mexican_hat"):
        m = 2 if order is None or name == "mexican_hat" else order
        return lambda u: _powexp(u, m, m / 2.0, 2.0)
    if name == "bump":
        def bump(u):
            x = (mu * u - mu) / sigma
            with np.errstate(divide="ignore", over="ignore"):
                val = np.exp(np.clip(1.0 - 1.0 / np.maximum(1.0 - x * x, 1e-300), -745, 0))
            return np.where(np.abs(x) < 1.0, val, 0.0)
        return bump
    if name == "meyer":
        return _meyer
    raise ValueError(f"unknown wavelet {name!r} (one of {', '.join(WAVELETS)})")


class _Axis(Node):
    """Frequency-axis parameters shared by the CWT, WSST and PWT."""

    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.SPECTRUM
    streaming: ClassVar = "signal"
    hop: int = Field(512, ge=1, le=8192, description="output decimation in samples")
    scale: Literal["log", "octave", "linspace", "mel", "bark", "erb"] = Field(
        "log", description="frequency layout of the bins (log: fmin 2^(k/bins_per_octave))")
    n_bins: int = Field(84, ge=1, le=1024, description="number of bins (scales)")
    fmin: float = Field(32.703195662574764, gt=0, le=1e5, description="lowest centre (Hz), C1")
    fmax: float | None = Field(None, gt=0, le=1e5, description="highest edge, other scales "
                                                              "(Hz; default Nyquist)")
    bins_per_octave: int = Field(12, ge=1, le=128, description="log/octave scales")

    def centres(self, sr: float) -> np.ndarray:
        return _tf.centre_frequencies(self.scale, self.n_bins, self.fmin, self.fmax, sr,
                                      self.bins_per_octave)


class CWT(_Axis):
    """Continuous wavelet transform in the frequency domain, complex ``(..., n_bins, frames)``.

    ``W_k[t] = sum_m x[m] psi_k(t hop - m)`` with ``psi_k`` the wavelet at the scale whose
    peak frequency is the centre ``fc_k`` (axis), given by its Fourier transform
    ``2 g(f / fc_k)`` on ``f > 0`` (module docs): a cosine of amplitude A at ``fc_k``
    has ``|W_k| = A``.  The signal is zero-extended at both ends.  Memory: the output
    plus one block (a few tens of MB), whatever the length.

    Streaming: whole-signal (computed by overlapping blocks inside the call).
    """

    op: Literal["cwt"] = "cwt"
    wavelet: Literal[WAVELETS] = Field("morlet", description="mother wavelet")  # type: ignore
    w0: float = Field(6.0, ge=5.0, le=100.0, description="Morlet centre frequency (rad)")
    gamma: float = Field(3.0, ge=1.0, le=20.0, description="Morse gamma (symmetry)")
    beta: float = Field(20.0, ge=1.0, le=400.0, description="Morse beta (time-bandwidth)")
    order: int | None = Field(None, ge=1, le=40, description="Paul order (default 4), DOG "
                                                            "derivative order (default 2)")
    mu: float = Field(5.0, gt=0.0, le=100.0, description="Bump centre (rad)")
    sigma: float = Field(0.6, gt=0.0, le=50.0, description="Bump half-width (rad), < mu")

    @model_validator(mode="after")
    def _bump(self):
        if self.wavelet == "bump" and not self.sigma < self.mu:
            raise ValueError(f"bump wavelet: sigma = {self.sigma} must be below mu = {self.mu}")
        return self

    def shape(self):
        return _shape(self.wavelet, self.w0, self.gamma, self.beta, self.order, self.mu,
                      self.sigma)


@functools.lru_cache(maxsize=32)
def _shape(*args):
    return wavelet_shape(*args)


def _responses(shape, fc: np.ndarray, sr: float, derivative: bool = False):
    """``response(freqs)`` for :func:`_tf.bandpass`: per band ``2 g(f / fc_k)`` over its
    support (times ``i 2 pi f sr`` for the time derivative in seconds)."""
    u_lo, u_hi = _tf.shape_support(shape)

    def response(freqs):
        out = []
        for c, (a, b) in zip(fc, _tf.band_slices(freqs, u_lo * fc / sr, u_hi * fc / sr)):
            f = freqs[a:b]
            r = 2.0 * shape(f * sr / c)
            out.append((a, r * (2j * np.pi * sr * f) if derivative else r))
        return out
    return response


def _out(x: Feature, data: np.ndarray, p: _Axis, fc: np.ndarray) -> Feature:
    ctype = np.complex64 if x.data.dtype == np.float32 else np.complex128
    return x.derive(frame_major(data.astype(ctype, copy=False)), Kind.SPECTRUM, hop=p.hop,
                    win_length=p.hop, n_fft=None, axis=fc)


@CWT.compute
def cwt(x: Feature, p: CWT) -> Feature:
    fc = p.centres(x.sr)
    shape = p.shape()
    margin = _tf.margin_samples(shape, fc[0], x.sr)
    data = _tf.bandpass(x.data, _responses(shape, fc, x.sr), len(fc), p.hop, margin,
                        key=_key(p, x.sr))
    return _out(x, data, p, fc)


def _key(p: Node, sr: float) -> tuple:
    """Cache key of a node's sampled responses (its parameters but the op and hop)."""
    return (p.op, sr) + tuple(sorted(p.model_dump(exclude={"op"}).items()))


class WSST(CWT):
    """Wavelet synchrosqueezed transform: the CWT reassigned to its instantaneous frequencies.

    ``omega_k[t] = Im(dW_k/dt / W_k) / (2 pi)`` (Hz; the derivative is the CWT with the
    wavelet's response times ``i 2 pi f``); then ``T_l[t] = sum_{k: omega_k[t] in bin l}
    W_k[t]`` over the coefficients with ``|W_k[t]| > thresh``, bin ``l`` the nearest
    centre on the axis's scale (Daubechies, Lu & Wu 2011, eq. 2.4; Thakur et al. 2013).
    Same axis, hop and shape as :class:`CWT`.

    Streaming: whole-signal.
    """

    op: Literal["wsst"] = "wsst"
    thresh: float = Field(1e-8, ge=0.0, le=1.0, description="coefficients at or below are "
                                                            "not squeezed")


def nearest_bin(freq: np.ndarray, fc: np.ndarray, scale: str) -> np.ndarray:
    """Index of the centre nearest ``freq`` on the scale's coordinate; -1 outside the axis
    (beyond half a step past either end)."""
    unit = "octave" if scale in ("log", "octave") else scale
    with np.errstate(invalid="ignore", divide="ignore"):
        v = to_scale(np.maximum(freq, 1e-300), unit)
    c = to_scale(fc, unit)
    edges = np.concatenate([[c[0] - (c[1] - c[0]) / 2 if len(c) > 1 else c[0] - 1],
                            (c[1:] + c[:-1]) / 2,
                            [c[-1] + (c[-1] - c[-2]) / 2 if len(c) > 1 else c[-1] + 1]])
    idx = np.searchsorted(edges, v) - 1
    return np.where((idx >= 0) & (idx < len(fc)) & np.isfinite(v) & (freq > 0), idx, -1)


@WSST.compute
def wsst(x: Feature, p: WSST) -> Feature:
    fc = p.centres(x.sr)
    shape = p.shape()
    margin = _tf.margin_samples(shape, fc[0], x.sr)
    w, dw = _tf.bandpass(x.data, _responses(shape, fc, x.sr), len(fc), p.hop, margin,
                         extra=_responses(shape, fc, x.sr, derivative=True),
                         key=_key(p, x.sr))
    keep = np.abs(w) > p.thresh
    with np.errstate(divide="ignore", invalid="ignore"):
        inst = np.where(keep, (dw / np.where(keep, w, 1.0)).imag / (2 * np.pi), 0.0)
    target = np.where(keep, nearest_bin(inst, fc, p.scale), -1)
    out = np.zeros_like(w)
    flat_w, flat_t, flat_o = (a.reshape(-1, a.shape[-1]) for a in (w, target, out))
    rows = np.broadcast_to(np.arange(flat_w.shape[0])[:, None], flat_w.shape)
    ok = flat_t >= 0
    np.add.at(flat_o, (rows[ok], flat_t[ok]), flat_w[ok])
    return _out(x, out, p, fc)


class PWT(_Axis):
    """audioFlux's pseudo-wavelet transform: FFT filtering by a filterbank on the scale, complex.

    Each bin's analytic band signal ``y_k[t] = IFFT(X(f) 2 h_k(f))`` at ``t hop``, with
    ``h_k`` the filterbank shape (``style``) between the neighbouring centres on the
    scale (lower edge, centre, upper edge as the ``filterbank`` op's ``band_points``),
    peak 1: a cosine of amplitude A at a centre gives ``|y_k| = A``.  As audioFlux, one
    FFT of the whole input, zero-padded to whole hops (at least ``n + 1`` samples; the
    filtering is circular over that length), decimated in the frequency domain.

    Streaming: whole-signal (one FFT of the whole input).
    """

    op: Literal["pwt"] = "pwt"
    style: Literal["triangular", "hann", "hamming", "blackman", "gauss"] = Field(
        "triangular", description="band shape (audioFlux's default, Slaney: triangular)")


@PWT.compute
def pwt(x: Feature, p: PWT) -> Feature:
    from ._scales import _position, _shape as band_shape

    fc = p.centres(x.sr)
    if p.scale in ("log", "octave"):
        step = 2.0 ** (1.0 / p.bins_per_octave)
        lo, hi = fc / step, fc * step
    else:
        pts = np.concatenate([[0.0], fc, [x.sr / 2]]) if len(fc) < 2 else None
        top = x.sr / 2 if p.fmax is None else p.fmax
        from ._scales import band_points
        pts = band_points(p.scale, len(fc), p.fmin, top) if pts is None else pts
        lo, hi = pts[:-2], pts[2:]

    def response(freqs):
        out, slices = [], _tf.band_slices(freqs, lo / x.sr, hi / x.sr)
        if all(a == b for a, b in slices):
            raise ValueError(f"pwt: no band ({fc[0]:.6g}-{fc[-1]:.6g} Hz) contains a bin of "
                             f"the {2 * (len(freqs) - 1)}-point transform: raise fmin or widen "
                             f"the bands")
        for k, (a, b) in enumerate(slices):
            f = freqs[a:b] * x.sr
            out.append((a, 2.0 * band_shape(p.style, _position(f, lo[k], fc[k], hi[k]), None)))
        return out

    data = _tf.bandpass(x.data, response, len(fc), p.hop, 0, key=_key(p, x.sr), whole=True)
    return _out(x, data, p, fc)


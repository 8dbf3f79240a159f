"""Per-frame statistics of a spectrum over a frequency range (audioFlux's spectral features).

Input: any real spectrum with a frequency axis — magnitude or power FFT bins
(``power``), or band energies of any filterbank (``bands``).  ``s_k`` below is
the input value of bin ``k`` as given; ``f_k`` its frequency in Hz (the
feature axis).  Every op keeps only the bins with ``fmin <= f_k <= fmax``
(audioFlux's ``set_edge(b1, b2)``), ``K`` of them, computes in float64 and
returns the input's float dtype, shape ``(..., 1, frames)``.  A frame whose
values in the range sum to 0 gives 0 (not NaN).

Streaming: every op here is a frame op.

Reference
---------
audioFlux 0.1.9 documentation, ``audioflux.Spectral`` (the formulas; where the
library's output departs from its own documentation this module follows the
output, see docs/spectral-features.md).
G. Peeters, "A large set of audio features for sound description", IRCAM
CUIDADO report, 2004 (spread, skewness, kurtosis, slope, decrease, crest).
"""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import SPECTRAL, Kind
from ..engine.ops import Node
from ..native.framestats import contrast_extremes, frame_dots
from ._common import frame_major


class BandLimited(Node):
    """Base of the spectral statistics: a frequency range and a real spectral input."""

    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    fmin: float = Field(0.0, ge=0, le=1e6, description="lowest bin frequency used, Hz")
    fmax: float | None = Field(None, gt=0, le=1e6, description="highest bin frequency used, "
                                                               "Hz (null: all bins)")

    @model_validator(mode="after")
    def _range(self):
        if self.fmax is not None and self.fmax <= self.fmin:
            raise ValueError(f"fmax = {self.fmax:g} must exceed fmin = {self.fmin:g}")
        return self


def band(x: Feature, p: BandLimited, what: str, signed: bool = False, native: bool = False):
    """``(s, f, k)``: the frames in range as float32/float64 ``(..., frames, K)``, their frequencies
    in Hz and their bin numbers in the whole spectrum.  ``native``: the frames in their own
    dtype, unchecked (for a C kernel that checks them)."""
    s = frame_major(x.data)
    if np.iscomplexobj(s):
        raise ValueError(f"{what} takes a real spectrum; take `power` of the rfft first")
    if x.axis is None or len(x.axis) != s.shape[-1]:
        raise ValueError(f"{what} needs the frequency of each bin (the input's feature axis); "
                         "feed it a spectrum from rfft/power or a filterbank")
    freq = np.asarray(x.axis, dtype=np.float64)
    hi = np.inf if p.fmax is None else p.fmax
    inside = (freq >= p.fmin) & (freq <= hi)
    if inside.all() and freq.size >= 2:                 # the whole spectrum (the usual case)
        k = _bin_numbers(freq.size)
        if native:
            return s, freq, k
    else:
        keep = np.flatnonzero(inside)
        if keep.size < 2:
            raise ValueError(f"{what}: fmin = {p.fmin:g} Hz and fmax = {p.fmax} Hz keep "
                             f"{keep.size} bin(s) of the input (axis {freq[0]:g}..{freq[-1]:g} "
                             "Hz); widen the range")
        if keep.size != freq.size:
            s = s[..., keep[0]:keep[-1] + 1]
        freq, k = freq[keep], keep.astype(np.float64)
    if native:
        return s, freq, k
    if s.dtype not in (np.float32, np.float64):     # float32 stays float32 (the op contract)
        s = s.astype(np.float64)
    if not signed and np.any(s < 0):
        raise ValueError(f"{what} is only defined for non-negative spectra (a magnitude or "
                         "power spectrum); got negative values")
    return s, freq, k


@functools.lru_cache(maxsize=16)
def _bin_numbers(n: int) -> np.ndarray:
    """``0, 1, ..., n - 1`` as float64, read-only (shared by the chunks)."""
    k = np.arange(n, dtype=np.float64)
    k.setflags(write=False)
    return k


def out(x: Feature, values: np.ndarray) -> Feature:
    """``(..., frames)`` float64 values as a ``(..., 1, frames)`` feature in the input dtype."""
    dtype = x.data.real.dtype if x.data.dtype.kind in "fc" else np.float64
    return x.derive(values[..., None, :].astype(dtype, copy=False), Kind.FEATURE, axis=None)


def safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0."""
    return num / np.where(den == 0, 1.0, den) * (den != 0)


def moments(s: np.ndarray, f: np.ndarray, order: int):
    """Centroid ``mu1``, spread ``mu2`` and the standardised central moment of ``order``."""
    total = s.sum(axis=-1)
    mu1 = safe_div(s @ f, total)
    dev = f - mu1[..., None]
    dev2 = dev * dev                                   # products, not the slower pow
    mu2 = np.sqrt(safe_div(np.einsum("...k,...k->...", s, dev2), total))
    if order == 2:
        return mu1, mu2, mu2
    dev2 *= dev if order == 3 else dev2
    raw = safe_div(np.einsum("...k,...k->...", s, dev2), total)
    return mu1, mu2, safe_div(raw, mu2 ** order)


def entropy_of(s: np.ndarray, normalize: bool) -> np.ndarray:
    """``-sum p log2 p`` with ``p = s / sum s`` (divided by ``log2 K`` with ``normalize``)."""
    # with S = sum s: H = log2 S - sum s log2 s / S (no normalised copy of the frame)
    total = s.sum(axis=-1)
    s_log_s = np.einsum("...k,...k->...", s, np.log2(np.maximum(s, np.finfo(np.float64).tiny)))
    h = np.where(total > 0, np.log2(np.maximum(total, np.finfo(np.float64).tiny))
                 - safe_div(s_log_s, total), 0.0)
    return h / np.log2(s.shape[-1]) if normalize else h


# ---------------------------------------------------------------- moments
class SpectralSpread(BandLimited):
    """Spectral spread, ``mu2 = sqrt(sum_k (f_k - mu1)**2 s_k / sum_k s_k)``, Hz.

    ``mu1`` is the centroid over the same range.  audioFlux ``Spectral.spread``;
    Peeters (2004) section 6.1.2.
    """

    op: Literal["spectral_spread"] = "spectral_spread"


class SpectralSkewness(BandLimited):
    """Spectral skewness, ``sum_k (f_k - mu1)**3 s_k / (mu2**3 sum_k s_k)``, dimensionless.

    audioFlux ``Spectral.skewness``; Peeters (2004) 6.1.3.  0 when the spread is 0.
    """

    op: Literal["spectral_skewness"] = "spectral_skewness"


class SpectralKurtosis(BandLimited):
    """Spectral kurtosis, ``sum_k (f_k - mu1)**4 s_k / (mu2**4 sum_k s_k)``, dimensionless.

    Not the excess kurtosis (a Gaussian shape gives 3).  audioFlux
    ``Spectral.kurtosis``; Peeters (2004) 6.1.4.  0 when the spread is 0.
    """

    op: Literal["spectral_kurtosis"] = "spectral_kurtosis"


@SpectralSpread.compute
def spectral_spread(x: Feature, p: SpectralSpread) -> Feature:
    s, f, _ = band(x, p, p.op)
    return out(x, moments(s, f, 2)[2])


@SpectralSkewness.compute
def spectral_skewness(x: Feature, p: SpectralSkewness) -> Feature:
    s, f, _ = band(x, p, p.op)
    return out(x, moments(s, f, 3)[2])


@SpectralKurtosis.compute
def spectral_kurtosis(x: Feature, p: SpectralKurtosis) -> Feature:
    s, f, _ = band(x, p, p.op)
    return out(x, moments(s, f, 4)[2])


# ------------------------------------------------------ shape of the values
class SpectralEntropy(BandLimited):
    """Spectral entropy, ``H = -sum_k p_k log2 p_k`` with ``p_k = s_k / sum_j s_j``, bits.

    With ``normalize`` it is divided by ``log2 K``, giving 1 for a flat frame
    (audioFlux ``Spectral.entropy(is_norm=True)``).  An all-zero frame gives 0.
    """

    op: Literal["spectral_entropy"] = "spectral_entropy"
    normalize: bool = Field(False, description="divide by log2 of the number of bins")


@SpectralEntropy.compute
def spectral_entropy(x: Feature, p: SpectralEntropy) -> Feature:
    s, _, _ = band(x, p, p.op)
    return out(x, entropy_of(s, p.normalize))


class SpectralCrest(BandLimited):
    """Spectral crest factor, ``max_k s_k / ((1/K) sum_k s_k)``, dimensionless, in ``[1, K]``.

    1 for a flat frame, ``K`` for a single peak (audioFlux ``Spectral.crest``).
    """

    op: Literal["spectral_crest"] = "spectral_crest"


@SpectralCrest.compute
def spectral_crest(x: Feature, p: SpectralCrest) -> Feature:
    s, _, _ = band(x, p, p.op)
    return out(x, safe_div(s.max(axis=-1), s.mean(axis=-1)))


class SpectralSlope(BandLimited):
    """Spectral slope, the least-squares slope of ``s_k`` against ``f_k``:
    ``sum_k (f_k - mean f)(s_k - mean s) / sum_k (f_k - mean f)**2``, input units per Hz.

    audioFlux ``Spectral.slope``; Peeters (2004) 6.1.5 without his normalisation by ``sum s``.
    """

    op: Literal["spectral_slope"] = "spectral_slope"


@SpectralSlope.compute
def spectral_slope(x: Feature, p: SpectralSlope) -> Feature:
    s, f, _ = band(x, p, p.op, native=True)
    fc = f - f.mean()
    return out(x, frame_dots(s, fc[None], nonneg=False, what=p.op)[..., 0] / (fc @ fc))


class SpectralDecrease(BandLimited):
    """Spectral decrease, ``sum_{k>b1} (s_k - s_b1) / k  /  sum_{k>b1} s_k``, dimensionless.

    ``b1`` is the lowest bin in the range and ``k`` the bin number in the whole
    spectrum (over the whole spectrum, ``b1 = 0``: Peeters (2004) 6.1.6).
    audioFlux ``Spectral.decrease`` (its output; within a range it divides by
    ``k``, not by the distance ``k - b1``).
    """

    op: Literal["spectral_decrease"] = "spectral_decrease"


@SpectralDecrease.compute
def spectral_decrease(x: Feature, p: SpectralDecrease) -> Feature:
    s, _, k = band(x, p, p.op, native=True)
    w = np.zeros((2, k.size))
    w[0, 1:], w[1, 1:] = 1.0 / k[1:], 1.0            # sum_{k>b1} s_k / k and sum_{k>b1} s_k
    sums = frame_dots(s, w, what=p.op)
    num = sums[..., 0] - s[..., 0].astype(np.float64) * w[0].sum()
    return out(x, safe_div(num, sums[..., 1]))


class SpectralHFC(BandLimited):
    """High-frequency content, ``sum_k k s_k`` with ``k`` the bin number in the whole spectrum.

    Masri's onset measure (P. Masri, "Computer modelling of sound for
    transformation and synthesis of musical signals", PhD thesis, Bristol 1996);
    audioFlux ``Spectral.hfc`` computes this sum (its documentation divides it by ``K``).
    """

    op: Literal["spectral_hfc"] = "spectral_hfc"


@SpectralHFC.compute
def spectral_hfc(x: Feature, p: SpectralHFC) -> Feature:
    s, _, k = band(x, p, p.op, native=True)
    return out(x, frame_dots(s, k[None], what=p.op)[..., 0])


# ----------------------------------------------------------------- energy
class SpectralEnergy(BandLimited):
    """Frame energy from a magnitude spectrum ``s_k = |X_k|``.

    ``n: bins`` (audioFlux ``Spectral.energy``): ``E = sum_k s_k**2 / K``.
    ``n: n_fft`` (Parseval): ``E = (1/N) sum_k w_k s_k**2`` with ``N`` the FFT
    length and ``w_k = 2`` except at DC and Nyquist: the sum of the squared
    (windowed) samples of the frame, exactly, over the whole range.
    """

    op: Literal["spectral_energy"] = "spectral_energy"
    n: Literal["bins", "n_fft"] = Field("bins", description="bins: audioFlux's sum/K; n_fft: "
                                                            "Parseval, the frame's sum of squares")


class SpectralRMS(SpectralEnergy):
    """Frame RMS from a magnitude spectrum ``s_k = |X_k|``.

    ``n: bins`` (audioFlux ``Spectral.rms``): ``sqrt(sum_k w_k s_k**2) / M`` with
    ``M`` the number of bins of the whole input (not of the range) and ``w_k = 2``
    except at DC and Nyquist (1): Parseval's sum over the two-sided spectrum,
    divided by ``M`` where the signal's RMS divides by the FFT length.
    ``n: n_fft``: ``sqrt(E / win_length)`` with ``E`` the Parseval energy of
    :class:`SpectralEnergy`: the RMS of the windowed frame's samples.
    """

    op: Literal["spectral_rms"] = "spectral_rms"


def parseval_weights(x: Feature, k: np.ndarray, need_fft: bool = True) -> tuple[np.ndarray, int]:
    """``(w, n_fft)``: 1 at DC and Nyquist, 2 elsewhere (the two-sided spectrum's bins)."""
    n_fft = x.n_fft
    is_fft = x.kind == Kind.POWER and n_fft and len(x.axis) == n_fft // 2 + 1
    if need_fft and not is_fft:
        raise ValueError("n: n_fft needs FFT bins (power of an rfft); use n: bins for bands")
    w = np.full(k.size, 2.0)
    w[k == 0] = 1.0
    if is_fft and n_fft % 2 == 0:
        w[k == n_fft // 2] = 1.0
    return w, n_fft


@SpectralEnergy.compute
def spectral_energy(x: Feature, p: SpectralEnergy) -> Feature:
    s, _, k = band(x, p, p.op)
    if p.n == "bins":
        energy = np.einsum("...k,...k->...", s, s) / s.shape[-1]
    else:
        w, n_fft = parseval_weights(x, k)
        energy = (s * s) @ w / n_fft
    return out(x, energy)


@SpectralRMS.compute
def spectral_rms(x: Feature, p: SpectralRMS) -> Feature:
    s, _, k = band(x, p, p.op, native=True)
    w, n_fft = parseval_weights(x, k, need_fft=p.n == "n_fft")
    energy = frame_dots(s, w[None], square=True, what=p.op)[..., 0]     # sum_k w_k s_k**2
    if p.n == "bins":
        return out(x, np.sqrt(energy) / x.data.shape[-2])
    return out(x, np.sqrt(energy / n_fft / (x.win_length or n_fft)))


class SpectralEEF(BandLimited):
    """Energy-entropy feature, ``sqrt(1 + |E H|)`` (audioFlux ``Spectral.eef``).

    ``E = sum_k s_k**2 / K`` (:class:`SpectralEnergy`, ``n: bins``) and ``H`` the
    entropy in bits (:class:`SpectralEntropy`, ``normalize`` as there).
    """

    op: Literal["spectral_eef"] = "spectral_eef"
    normalize: bool = Field(False, description="entropy divided by log2 of the number of bins")


class SpectralEER(SpectralEEF):
    """Energy-entropy ratio, ``sqrt(1 + |ln(1 + gamma E) / H|)`` (audioFlux ``Spectral.eer``).

    ``E`` and ``H`` as in :class:`SpectralEEF`; a frame of entropy 0 (a single
    peak, or all zeros) gives 1.
    """

    op: Literal["spectral_eer"] = "spectral_eer"
    gamma: float = Field(1.0, gt=0, le=1e6, description="log compression of the energy")


@SpectralEEF.compute
def spectral_eef(x: Feature, p: SpectralEEF) -> Feature:
    s, _, _ = band(x, p, p.op)
    energy = np.einsum("...k,...k->...", s, s) / s.shape[-1]
    return out(x, np.sqrt(1.0 + np.abs(energy * entropy_of(s, p.normalize))))


@SpectralEER.compute
def spectral_eer(x: Feature, p: SpectralEER) -> Feature:
    s, _, _ = band(x, p, p.op)
    energy = np.einsum("...k,...k->...", s, s) / s.shape[-1]
    return out(x, np.sqrt(1.0 + np.abs(safe_div(np.log1p(p.gamma * energy),
                                                 entropy_of(s, p.normalize)))))


# ------------------------------------------------------------ max, mean, var
class SpectralMax(BandLimited):
    """The largest value of each frame (port ``value``, input units) and its frequency
    (port ``frequency``, Hz; the lowest such bin on ties).  audioFlux ``Spectral.max``."""

    op: Literal["spectral_max"] = "spectral_max"
    produces: ClassVar = {"value": Kind.FEATURE, "frequency": Kind.FEATURE}


@SpectralMax.compute
def spectral_max(x: Feature, p: SpectralMax) -> dict[str, Feature]:
    s, f, _ = band(x, p, p.op, signed=True)
    at = np.argmax(s, axis=-1)
    value = np.take_along_axis(s, at[..., None], axis=-1)[..., 0]
    return {"value": out(x, value), "frequency": out(x, f[at])}


class SpectralMean(BandLimited):
    """Mean of each frame's values over the range, ``(1/K) sum_k s_k`` (audioFlux
    ``Spectral.mean``)."""

    op: Literal["spectral_mean"] = "spectral_mean"


class SpectralVar(BandLimited):
    """Variance of each frame's values over the range, ``sum_k (s_k - mean)**2 / (K - 1)``
    (the unbiased estimate, as audioFlux ``Spectral.var`` computes)."""

    op: Literal["spectral_var"] = "spectral_var"


@SpectralMean.compute
def spectral_mean(x: Feature, p: SpectralMean) -> Feature:
    s, _, _ = band(x, p, p.op, signed=True)
    return out(x, s.mean(axis=-1))


@SpectralVar.compute
def spectral_var(x: Feature, p: SpectralVar) -> Feature:
    s, _, _ = band(x, p, p.op, signed=True)
    return out(x, s.var(axis=-1, ddof=1))


# -------------------------------------------------------------- contrast
class SpectralContrast(Node):
    """Spectral contrast per octave band: the dB difference between the band's peak and
    valley (``librosa.feature.spectral_contrast``).

    Band 0 covers ``[0, fmin]``, band ``b`` ``[fmin 2**(b-1), fmin 2**b]``, the last
    runs to Nyquist; each band after the first also takes the bin just below its
    edge, and each but the last drops its top bin (librosa's construction).  With
    ``q = max(1, rint(quantile * n))`` for a band of ``n`` bins, the peak is the
    mean of the ``q`` largest values and the valley the mean of the ``q``
    smallest; the output is ``10 log10(max(amin, peak)) - 10 log10(max(amin,
    valley))`` (or ``peak - valley`` with ``linear``).  Output ``(..., n_bands + 1,
    frames)``.  librosa also floors both at 80 dB below the file's loudest band
    (its ``power_to_db`` default ``top_db=80``); here no frame depends on the
    others, so quiet frames may differ (docs/spectral-features.md).  Input: the
    magnitude spectrum, as librosa's ``S``.

    Reference: D.-N. Jiang et al., "Music type classification by spectral
    contrast feature", ICME 2002.

    Streaming: frame by frame.
    """

    op: Literal["spectral_contrast"] = "spectral_contrast"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    fmin: float = Field(200.0, gt=0, le=1e6, description="upper edge of band 0, Hz")
    n_bands: int = Field(6, ge=1, le=30, description="octave bands above band 0")
    quantile: float = Field(0.02, gt=0, lt=1, description="fraction of a band's bins "
                                                          "averaged for its peak and valley")
    linear: bool = Field(False, description="peak - valley instead of their dB difference")
    amin: float = Field(1e-10, gt=0, le=1, description="floor before the dB conversion")


@SpectralContrast.compute
def spectral_contrast(x: Feature, p: SpectralContrast) -> Feature:
    if x.axis is None or len(x.axis) != x.data.shape[-2]:
        raise ValueError("spectral_contrast needs the frequency of each bin (the input's "
                         "feature axis)")
    freq = np.asarray(x.axis, dtype=np.float64)
    edges = np.concatenate([[0.0], p.fmin * 2.0 ** np.arange(p.n_bands + 1)])
    if np.any(edges[:-1] >= 0.5 * x.sr):
        raise ValueError(f"spectral_contrast: the octave bands from fmin = {p.fmin:g} Hz "
                         f"({p.n_bands} of them) pass Nyquist ({0.5 * x.sr:g} Hz); lower fmin "
                         "or n_bands")
    first, count, q, gather = _contrast_bands(freq.tobytes(), p.fmin, p.n_bands, p.quantile)
    s = frame_major(x.data) if gather is None else frame_major(x.data)[..., gather]
    extremes = contrast_extremes(s, first, count, q)
    peak, valley = extremes[..., 0], extremes[..., 1]
    if p.linear:
        values = peak - valley
    else:
        values = 10.0 * (np.log10(np.maximum(p.amin, peak))
                         - np.log10(np.maximum(p.amin, valley)))
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    return x.derive(frame_major(values.astype(dtype, copy=False)), Kind.FEATURE,
                    axis=None)


@functools.lru_cache(maxsize=32)
def _contrast_bands(freq_bytes: bytes, fmin: float, n_bands: int, quantile: float):
    """``(first, count, q, gather)``: band ``b`` is ``count[b]`` values from ``first[b]`` of the
    spectrum (of ``s[..., gather]`` when the bands are not contiguous), ``freq`` in bytes."""
    freq = np.frombuffer(freq_bytes, dtype=np.float64)
    edges = np.concatenate([[0.0], fmin * 2.0 ** np.arange(n_bands + 1)])
    bands, q = [], []
    for b, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        inside = (freq >= lo) & (freq <= hi)
        idx = np.flatnonzero(inside)
        if idx.size == 0:
            raise ValueError(f"spectral_contrast: band {b} ({lo:g}-{hi:g} Hz) holds no bin; "
                             "raise fmin or use a longer FFT")
        if b > 0 and idx[0] > 0:
            inside[idx[0] - 1] = True
        if b == n_bands:
            inside[idx[-1] + 1:] = True
        idx = np.flatnonzero(inside)
        q.append(max(1, int(np.rint(quantile * idx.size))))
        bands.append(idx if b == n_bands else idx[:-1])   # all but the last drop their top
    count = np.array([idx.size for idx in bands])
    q = np.minimum(q, count)                              # a band of fewer than q bins: all
    if all(idx.size and idx[-1] - idx[0] + 1 == idx.size for idx in bands):
        return np.array([idx[0] for idx in bands]), count, q, None
    return np.cumsum(count) - count, count, q, np.concatenate(bands)

"""eGeMAPS' spectral low-level descriptors as openSMILE 2.6 computes them.

eGeMAPSv02 (Eyben et al. 2016) takes its ten spectral descriptors from one
short-time spectrum: 20 ms frames every 10 ms (the level openSMILE calls
``gemapsv01b_frame25``; ``frameSize = 0.020``, ``frameStep = 0.010``,
``frameCenterSpecial = left``: frame ``t`` covers samples ``[t H, t H + L)``
and only complete frames are made, ``1 + (N - L) // H`` of them: 832 for the
133 299 samples of speech_en_16k), a symmetric
Hamming window (``cWindower``, ``winFunc = hamming``), an FFT of the next
power of two and its magnitude (``cTransformFFT``, ``cFFTmagphase``).  Most of
the chain is made of existing ops (see ``featgraph/graphs/paralinguistic/
egemaps_spectral.yaml``); this module adds what openSMILE defines its own way:

- ``smile_pcm``: the sample values openSMILE analyses;
- ``alpha_ratio``, ``hammarberg_index``: band energy and band peak ratios;
- ``log_spectral_slope``: the regression slope of the dB spectrum in a band,
  with openSMILE's normal equations.

openSMILE's final LLD table is shorter (829 rows for speech_en_16k): its
``lldconcat`` joins these descriptors, smoothed (``egemapsv02_lldsetE_smo``,
833 rows: ``_sma3`` emits one extra row, a copy of the last frame), with the
voice descriptors, which come from 60 ms frames (``1 + (N - 960) // 160`` = 828
at 16 kHz, 829 once smoothed), and keeps the rows both have: row ``t`` of the LLD
is frame ``t`` here, for ``t`` below the 60 ms level's frame count plus one
(790 for speech_en_gb_16k, 422 for english_8k).

Loudness (``cMelspec`` -> ``cPlp`` -> ``cVectorOperation``), spectral flux and
MFCC 1-4 reuse ``mel_filterbank``, ``equal_loudness`` (curve ``opensmile``),
``power_law``, ``spectral_mean``, ``spectral_flux``, ``log``, ``dct`` and
``lifter``.  Every constant here was read from openSMILE's shipped
configuration (``GeMAPSv01b_core.lld.conf.inc``, ``eGeMAPSv02_core.lld.conf.inc``)
or settled by measuring openSMILE 2.6 as a black box (its intermediate levels,
dumped with ``opensmile.Smile(feature_level=...)``; tests/data/
make_egemaps_spectral_refs.py); the measured agreement is in tests/
test_egemaps_spectral.py.

References
----------
F. Eyben et al., "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for
Voice Research and Affective Computing", IEEE Trans. Affective Computing 7(2),
2016 (the descriptor definitions: alpha ratio, Hammarberg index, spectral
slopes 0-500 Hz and 500-1500 Hz).
B. Hammarberg et al., "Perceptual and acoustic correlates of abnormal voice
qualities", Acta Otolaryngologica 90, 1980 (the Hammarberg index).
F. Eyben, *Real-time Speech and Music Classification by Large Audio Feature
Space Extraction*, Springer 2016 (openSMILE's components).
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from .spectral_stats import band, out

INT16_SCALE = 32768.0
"""Float samples in [-1, 1) times this are 16-bit integers."""
SMILE_DIVISOR = 32767.0
"""openSMILE divides the 16-bit integers by 32767 (measured: its frames equal ``q / 32767``)."""
DB_FLOOR_POWER = 1e-14
"""Power floor under the dB spectrum of ``log_spectral_slope`` (measured on digital zeros:
the slopes of a zero frame are those of a flat -140 dB spectrum)."""


class SmilePcm(Node):
    """The sample values openSMILE 2.6 analyses: ``q / 32767`` with ``q = trunc(32768 y)``.

    openSMILE (through its Python interface, ``opensmile.Smile.process_signal``)
    turns float samples into 16-bit integers by truncation toward zero and
    divides them by 32767, so every frame it analyses is the float signal
    times ``32768 / 32767`` (1.00003), rounded to the 16-bit grid.  Samples
    at or beyond full scale (``|y| >= 1``) leave the 16-bit range:
    ``overflow: wrap`` (default) wraps them around as openSMILE does (``+1.0``
    becomes ``-32768``, ``1.5`` becomes ``-0.5``), ``saturate`` clips them to
    ``[-32768, 32767]`` instead.  Measured: the frames of openSMILE's
    ``gemapsv01b_frame25`` level equal this to float32 rounding.

    Input and output ``(..., samples)``, dtype kept.

    Streaming: sample by sample (a block op without state).
    """

    op: Literal["smile_pcm"] = "smile_pcm"
    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.SIGNAL
    streaming: ClassVar = "block"

    overflow: Literal["wrap", "saturate"] = Field(
        "wrap", description="full-scale samples: wrap around the 16-bit range (openSMILE) "
                            "or saturate")


def smile_pcm_values(y: np.ndarray, overflow: str = "wrap") -> np.ndarray:
    """``trunc(32768 y)`` as 16-bit integers (wrapped or saturated), divided by 32767."""
    q = np.multiply(np.asarray(y, dtype=np.float64), INT16_SCALE)
    np.trunc(q, out=q)
    if q.size and (q.min() < -32768.0 or q.max() > 32767.0):   # in range: both are q
        if overflow == "wrap":
            q = np.mod(q + 32768.0, 65536.0) - 32768.0
        else:
            q = np.clip(q, -32768.0, 32767.0)
    q /= SMILE_DIVISOR
    return q


@SmilePcm.stream
class SmilePcmState:
    """No state: each sample maps on its own."""

    def __init__(self, p: SmilePcm):
        self.p = p

    def step(self, x: Feature) -> Feature:
        return x.derive(smile_pcm_values(x.data, self.p.overflow).astype(x.data.dtype,
                                                                          copy=False))

    def flush(self) -> None:
        return None


ALL_BINS = SimpleNamespace(fmin=0.0, fmax=None)


def _bins(x: Feature, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``(s, f)``: the frames ``(..., frames, bins)`` and the bin frequencies (Hz), checked by
    :func:`featgraph.nodes.spectral_stats.band` (real, non-negative, with a frequency axis)."""
    s, f, _ = band(x, ALL_BINS, what)
    return s.astype(np.float64, copy=False), f


def _range(f: np.ndarray, lo: float, hi: float, what: str, hi_open: bool) -> np.ndarray:
    """Indices of the bins with ``lo <= f < hi`` (``hi_open``) or ``lo <= f <= hi``."""
    keep = np.flatnonzero((f >= lo) & ((f < hi) if hi_open else (f <= hi)))
    if keep.size == 0:
        raise ValueError(f"{what}: no FFT bin lies in {lo:g}..{hi:g} Hz (bins "
                         f"{f[0]:g}..{f[-1]:g} Hz, {f[1] - f[0] if f.size > 1 else 0:g} Hz "
                         "apart); widen the band or use a longer FFT")
    return keep


def _db_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``10 log10(num / den)``, and 0 where either is 0 (openSMILE gives 0 on digital zeros)."""
    ok = (num > 0) & (den > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 10.0 * np.log10(np.where(ok, num, 1.0) / np.where(ok, den, 1.0))
    return np.where(ok, r, 0.0)


class _TwoBands(Node):
    """Two bands of a power spectrum: ``fmin <= f < split`` and ``split <= f <= fmax``."""

    consumes: ClassVar = (Kind.POWER,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    fmin: float = Field(0.0, ge=0, le=1e6, description="lowest bin of the low band, Hz")
    split: float = Field(1000.0, gt=0, le=1e6, description="the bands' boundary, Hz: the low "
                                                           "band ends below it, the high "
                                                           "band starts at it")
    fmax: float = Field(5000.0, gt=0, le=1e6, description="highest bin of the high band, Hz "
                                                          "(bins above Nyquist do not exist)")

    @model_validator(mode="after")
    def _order(self):
        if not self.fmin < self.split < self.fmax:
            raise ValueError(f"need fmin < split < fmax; got {self.fmin:g}, {self.split:g}, "
                             f"{self.fmax:g} Hz")
        return self

    def bands(self, x: Feature) -> tuple[np.ndarray, np.ndarray]:
        s, f = _bins(x, self.op)
        lo = _range(f, self.fmin, self.split, self.op, hi_open=True)
        hi = _range(f, self.split, self.fmax, self.op, hi_open=False)
        return s[..., lo[0]:lo[-1] + 1], s[..., hi[0]:hi[-1] + 1]


class AlphaRatio(_TwoBands):
    """Alpha ratio: the energy above ``split`` over the energy below it, in dB.

    ``10 log10(sum_{split <= f_k <= fmax} P_k / sum_{fmin <= f_k < split} P_k)`` of
    a power spectrum ``P`` (``|X|^2``), per frame; 0 when either band has no
    energy (digital silence).  Eyben et al. 2016 define it as the ratio of the
    summed energy from 50-1000 Hz and 1-5 kHz; openSMILE 2.6's ``cSpectral``
    (``alphaRatio = 1``, ``squareInput = 1``, ``freqRange = 0-5000``, eGeMAPSv02)
    sums the low band from 0 Hz, with the 1 kHz bin in the high band, and puts
    the high band in the numerator (the values are mostly negative): the defaults
    reproduce it (measured, to float32 rounding).

    Input ``power`` ``(..., bins, frames)`` with bin frequencies on its axis;
    output ``(..., 1, frames)`` in dB, dtype kept.

    Streaming: framewise.
    """

    op: Literal["alpha_ratio"] = "alpha_ratio"


@AlphaRatio.compute
def alpha_ratio(x: Feature, p: AlphaRatio) -> Feature:
    low, high = p.bands(x)
    return out(x, _db_ratio(high.sum(axis=-1), low.sum(axis=-1)))


class HammarbergIndex(_TwoBands):
    """Hammarberg index: the strongest peak below ``split`` over the strongest above it, in dB.

    ``10 log10(max_{fmin <= f_k < split} P_k / max_{split <= f_k <= fmax} P_k)`` of a
    power spectrum, per frame; 0 when either band is all zero.  Hammarberg et
    al. 1980; Eyben et al. 2016: "ratio of the strongest energy peak in the
    0-2 kHz region to the strongest peak in the 2-5 kHz region".  openSMILE
    2.6's ``cSpectral`` (``hammarbergIndex = 1``, eGeMAPSv02) puts the 2 kHz bin in
    the upper band (measured, to float32 rounding).

    Input ``power``; output ``(..., 1, frames)`` in dB, dtype kept.

    Streaming: framewise.
    """

    op: Literal["hammarberg_index"] = "hammarberg_index"
    split: float = Field(2000.0, gt=0, le=1e6, description="the bands' boundary, Hz")


@HammarbergIndex.compute
def hammarberg_index(x: Feature, p: HammarbergIndex) -> Feature:
    low, high = p.bands(x)
    return out(x, _db_ratio(low.max(axis=-1), high.max(axis=-1)))


class LogSpectralSlope(Node):
    """Slope of the dB power spectrum over a band, in dB per Hz, as openSMILE computes it.

    The band ``[p, q] = [fmin, fmax] / df`` in bins (``df`` the bin spacing)
    touches the ``K`` bins ``k = floor(p) .. floor(q)``, weighted ``c_k = 1``
    except the first, ``1 - frac(p)``, and the last, ``frac(q)`` (each 1 when
    the edge falls on a bin).  With ``y_k = 10 log10(max(P_k, 1e-14))`` and
    ``x_k = c_k f_k``, openSMILE 2.6's ``cSpectral`` (``slopes[i] = fmin-fmax``,
    ``useLogSpectrum = 1``, ``squareInput = 1``, ``oldSlopeScale = 0``;
    eGeMAPSv02's slope0-500 and slope500-1500) returns

    ``(n sum x_k y_k - sum x_k sum c_k y_k) / (n sum x_k^2 - (sum x_k)^2)``

    with ``n = K - 1`` (``count: opensmile``).  All of it was settled by
    measurement: to float32 rounding on three speech files at 16 and 8 kHz
    (edges on bins: every ``c_k = 1``) and on noise at 22.05, 32, 44.1 and
    48 kHz (fractional edges).  On a flat spectrum the value is not 0 but
    ``-y sum x_k / (n sum x_k^2 - (sum x_k)^2)``.  ``count: ols`` uses ``n = K``,
    with edges on bins the least-squares regression line (Eyben et al. 2016:
    "linear regression slope of the logarithmic power spectrum within the
    given band").

    Input ``power`` ``(..., bins, frames)`` with bin frequencies on its axis;
    output ``(..., 1, frames)``, dtype kept.

    Streaming: framewise.
    """

    op: Literal["log_spectral_slope"] = "log_spectral_slope"
    consumes: ClassVar = (Kind.POWER,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE

    fmin: float = Field(0.0, ge=0, le=1e6, description="lowest bin frequency, Hz")
    fmax: float = Field(500.0, gt=0, le=1e6, description="highest bin frequency, Hz")
    count: Literal["opensmile", "ols"] = Field(
        "opensmile", description="n in the normal equations: opensmile (bins - 1) or ols (bins)")
    floor: float = Field(DB_FLOOR_POWER, gt=0, le=1.0, description="power floor before the dB")

    @model_validator(mode="after")
    def _order(self):
        if self.fmax <= self.fmin:
            raise ValueError(f"fmax = {self.fmax:g} must exceed fmin = {self.fmin:g}")
        return self


def slope_weights(f: np.ndarray, fmin: float, fmax: float) -> tuple[np.ndarray, np.ndarray]:
    """``(k, c)``: the bins ``floor(p) .. floor(q)`` of the band ``[p, q] = [fmin, fmax] / df``
    and their weights: 1 inside, ``1 - frac(p)`` for the first bin and ``frac(q)`` for the last
    (1 when the edge falls on a bin)."""
    df = f[1] - f[0]
    p, q = fmin / df, min(fmax, f[-1]) / df
    lo, hi = int(np.floor(p + 1e-9)), int(np.floor(q + 1e-9))
    k = np.arange(lo, hi + 1)
    c = np.ones(k.size)
    if p - lo > 1e-9:
        c[0] = 1.0 - (p - lo)
    if q - hi > 1e-9:
        c[-1] = q - hi
    return k, c


@LogSpectralSlope.compute
def log_spectral_slope(x: Feature, p: LogSpectralSlope) -> Feature:
    s, f = _bins(x, p.op)
    if f.size < 2 or p.fmin >= f[-1]:
        raise ValueError(f"log_spectral_slope: the band {p.fmin:g}..{p.fmax:g} Hz lies above "
                         f"the spectrum's bins (0..{f[-1] if f.size else 0:g} Hz)")
    k, c = slope_weights(f, p.fmin, p.fmax)
    if k.size < 2:
        raise ValueError(f"log_spectral_slope: {p.fmin:g}..{p.fmax:g} Hz touches {k.size} "
                         "bin; a slope needs two: widen the band or use a longer FFT")
    cx = c * f[k]
    y = 10.0 * np.log10(np.maximum(s[..., k[0]:k[-1] + 1], p.floor))
    n = k.size - 1 if p.count == "opensmile" else k.size
    sx = cx.sum()
    slope = (n * (y @ cx) - sx * (y @ c)) / (n * (cx * cx).sum() - sx * sx)
    return out(x, slope)

"""The filterbank spectrogram on any frequency scale (audioFlux's BFT), and chroma.

References
----------
audioFlux 0.1.9 documentation, ``audioflux.BFT`` (the scale types linear, linspace, mel,
bark, erb, octave, log; the filter styles; the normalisations).  The scales and
shapes are defined in :mod:`featgraph.nodes._scales`.
"""
from __future__ import annotations

import warnings
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import apply_filterbank, frame_major, matmul
from ._scales import default_bands, filterbank_weights


class Filterbank(Node):
    """Spectrogram on a frequency scale: each band a weighted sum of the input's FFT bins.

    ``(..., n_fft // 2 + 1, frames) -> (..., n_bands, frames)``, ``y = W x``, dtype
    kept; the feature axis holds the band centres in Hz.  The input is a power or
    magnitude spectrum (``power`` with exponent 2 or 1) and the output the same
    quantity per band; decibels follow with ``power_to_db`` (``ref``, ``amin``) and
    ``top_db``.  ``complex_filterbank`` (the same parameters) takes the complex
    ``spectrum`` and gives complex bands (audioFlux's complex BFT), kind ``spectrum``
    on the band axis: every scale allows it, the weights being real.

    **Scales** (``n_bands + 2`` points, lower edge, centres, upper edge):

    - ``linear``: the FFT bins themselves from ``fmin`` to ``fmax`` (no filter; giving
      ``n_bands``, ``style`` or ``norm`` is an error);
    - ``linspace``: equally spaced in Hz from ``fmin`` to ``fmax``;
    - ``mel``: equally spaced in mel (``variant``: ``slaney``, default, or ``htk``);
    - ``bark``: equally spaced in Bark (``variant``: ``traunmuller``, default, Traunmüller
      1990; ``zwicker``, Zwicker and Terhardt 1980; ``schroeder``, ``6 asinh(f/600)``);
    - ``erb``: equally spaced in ERB-rate ``21.4 log10(4.37 f / 1000 + 1)`` (Glasberg and
      Moore 1990);
    - ``octave``: centres ``fmin 2^(k / bins_per_octave)`` (``fmin`` is the first centre;
      constant Q), as many as fit below ``fmax`` unless ``n_bands`` is given;
    - ``log``: equally spaced in ``ln f`` from ``fmin > 0`` to ``fmax``.

    **Styles** (``u`` runs linearly 0 -> 1/2 from the lower edge to the centre and
    1/2 -> 1 from the centre to the upper edge): ``triangular`` ``1 - |2u - 1|``
    (Slaney's triangles, librosa's mel filters); ``etsi`` (ETSI ES 201 108: triangles
    on bin indices, centres rounded to bins, the Bartlett shape); ``gammatone``
    (4th-order gammatone amplitude response, bandwidth 1.019 ERB, zero below 0.5 % of
    its peak; ``param`` the order); ``point`` (the bin nearest the centre); ``rect``
    (1 between the midpoints to the neighbours, ``1/4 <= u < 3/4``: the bands tile the
    axis); ``hann``, ``hamming``, ``blackman``, ``bohman`` (the windows over ``u``);
    ``kaiser`` (``I0(beta sqrt(1 - (2u - 1)^2)) / I0(beta)``, ``param`` = beta, 8.6)
    and ``gauss`` (``exp(-((2u - 1) / sigma)^2 / 2)``, ``param`` = sigma in half-widths,
    0.25).

    **Normalisation**: ``none`` (peak 1), ``area`` (each filter's weights sum to 1:
    a band is a weighted mean of its bins) or ``bandwidth`` (divided by the nominal
    bandwidth ``(f_hi - f_lo) / 2`` Hz, the ERB for gammatone; for triangles this is
    Slaney's ``2 / (f_hi - f_lo)``, librosa's ``norm='slaney'``).

    ``widen: true`` moves each filter's edges at least one bin spacing ``sr / n_fft``
    away from its centre (as librosa's chroma filters are at least one bin wide), so
    that the narrow low bands of the octave and log scales always see a bin.  A
    filter that sees no FFT bin is an error naming ``n_bands``, ``fmin`` and ``n_fft``
    (``allow_empty: true`` keeps it with a warning).

    Streaming: framewise.
    """

    op: Literal["filterbank"] = "filterbank"
    consumes: ClassVar = (Kind.POWER,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.BANDS

    scale: Literal["linear", "linspace", "mel", "bark", "erb", "octave", "log"] = Field(
        "mel", description="frequency scale of the band centres")
    n_bands: int | None = Field(None, ge=1, le=4096, description="number of bands; null: 128 "
                                "(octave: all that fit below fmax)")
    fmin: float = Field(0.0, ge=0, le=1e6, description="lowest edge, Hz (octave: first centre; "
                        "log and octave need fmin > 0)")
    fmax: float | None = Field(None, gt=0, le=1e6, description="highest edge, Hz; null: sr / 2")
    style: Literal["triangular", "etsi", "gammatone", "point", "rect", "hann", "hamming",
                   "blackman", "bohman", "kaiser", "gauss"] = Field(
        "triangular", description="filter shape (see the op)")
    norm: Literal["none", "area", "bandwidth"] = Field("none", description="filter scaling")
    variant: Literal["slaney", "htk", "traunmuller", "zwicker", "schroeder"] | None = Field(
        None, description="mel: slaney / htk; bark: traunmuller / zwicker / schroeder")
    bins_per_octave: int = Field(12, ge=1, le=120, description="octave scale: bands per octave")
    param: float | None = Field(None, gt=0, le=100, description="kaiser beta, gauss sigma, "
                                "gammatone order")
    widen: bool = Field(False, description="widen each side of a filter to at least one FFT "
                        "bin spacing, so that narrow low bands (octave, log) are never empty")
    allow_empty: bool = Field(False, description="keep filters that see no FFT bin (warning)")

    @model_validator(mode="after")
    def _check(self):
        if self.fmax is not None and self.scale != "octave" and self.fmax <= self.fmin:
            raise ValueError(f"fmax = {self.fmax:g} must exceed fmin = {self.fmin:g}")
        if self.scale in ("log", "octave") and self.fmin <= 0:
            raise ValueError(f"the {self.scale} scale needs fmin > 0 Hz (e.g. fmin: 32.7)")
        ok = {"mel": ("slaney", "htk"), "bark": ("traunmuller", "zwicker", "schroeder")}
        if self.variant is not None and self.variant not in ok.get(self.scale, ()):
            raise ValueError(f"variant {self.variant!r} does not apply to the {self.scale} "
                             f"scale; use one of {ok.get(self.scale, ('null',))}")
        if self.scale == "linear" and (self.n_bands is not None or self.norm != "none" or
                                       self.style != "triangular"):
            raise ValueError("the linear scale keeps the FFT bins as they are: drop n_bands, "
                             "style and norm (or use scale: linspace for filters)")
        if self.style == "gammatone" and self.param is not None and \
                (self.param != int(self.param) or self.param > 16):
            raise ValueError("gammatone: param is the filter order, an integer 1..16")
        return self

    def weights(self, sr: float, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
        """``(W, centres)`` at ``sr`` and ``n_fft``; invalid ranges and empty filters raise."""
        nyquist = sr / 2
        fmax = nyquist if self.fmax is None else self.fmax
        if fmax > nyquist + 1e-9:
            raise ValueError(f"filterbank: fmax = {fmax:g} Hz is above the Nyquist frequency "
                             f"{nyquist:g} Hz; use fmax <= {nyquist:g} or null")
        if self.scale == "octave":
            if self.fmin * 2 ** (1 / self.bins_per_octave) > fmax:
                raise ValueError(f"filterbank: octave band at fmin = {self.fmin:g} Hz does not fit "
                                 f"below fmax = {fmax:g} Hz; lower fmin")
        elif fmax <= self.fmin:
            raise ValueError(f"filterbank: fmin = {self.fmin:g} Hz is not below fmax = {fmax:g} Hz")
        n = self.n_bands or default_bands(self.scale, self.fmin, fmax, self.bins_per_octave)
        w, centres = filterbank_weights(float(sr), int(n_fft), self.scale, n, float(self.fmin),
                                        float(fmax), self.style, self.norm, self.variant,
                                        self.bins_per_octave, self.param, self.widen)
        if self.scale == "octave" and centres[-1] * 2 ** (1 / self.bins_per_octave) > \
                nyquist + 1e-9:
            raise ValueError(f"filterbank: {n} octave bands from {self.fmin:g} Hz reach above the "
                             f"Nyquist frequency {nyquist:g} Hz; use fewer n_bands")
        empty = np.flatnonzero(~(w > 0).any(axis=1))
        if empty.size:
            msg = (f"filterbank: {empty.size} of the {n} {self.scale} filters (first: band "
                   f"{int(empty[0])}, centre {centres[empty[0]]:.1f} Hz) see no FFT bin at "
                   f"sr = {sr:g} Hz, n_fft = {n_fft}: use fewer n_bands, a higher fmin or a "
                   f"larger n_fft")
            if not self.allow_empty:
                raise ValueError(msg + " (allow_empty: true keeps them)")
            warnings.warn(msg, stacklevel=2)
        return w, centres


class ComplexFilterbank(Filterbank):
    """The filterbank spectrogram of a complex spectrum: complex bands ``W X`` (see ``filterbank``).

    ``(..., n_fft // 2 + 1, frames)`` complex ``->`` ``(..., n_bands, frames)`` complex, the
    band centres (Hz) as axis; ``power`` of it gives the bands' power (``|W X|^2``, which
    is not ``W |X|^2``).  Streaming: framewise.
    """

    op: Literal["complex_filterbank"] = "complex_filterbank"
    consumes: ClassVar = (Kind.SPECTRUM,)
    produces: ClassVar = Kind.SPECTRUM


@Filterbank.compute
def filterbank(x: Feature, p: Filterbank) -> Feature:
    n_bins = x.data.shape[-2]
    n_fft = x.n_fft or 2 * (n_bins - 1)
    if n_bins != n_fft // 2 + 1:
        raise ValueError(f"filterbank: the input has {n_bins} bins per frame, not n_fft // 2 + 1 "
                         f"= {n_fft // 2 + 1}; feed it a power, magnitude or complex spectrum")
    kind = Kind.SPECTRUM if x.kind == Kind.SPECTRUM else Kind.BANDS
    if p.scale == "linear":
        freqs = np.arange(n_bins) * (x.sr / n_fft)
        fmax = x.sr / 2 if p.fmax is None else p.fmax
        if fmax <= p.fmin or fmax > x.sr / 2 + 1e-9:
            raise ValueError(f"filterbank: need fmin < fmax <= {x.sr / 2:g} Hz, got "
                             f"fmin = {p.fmin:g}, fmax = {fmax:g}")
        keep = np.flatnonzero((freqs >= p.fmin) & (freqs <= fmax + 1e-9))
        if keep.size == 0:
            raise ValueError(f"filterbank: no FFT bin between fmin = {p.fmin:g} and fmax = "
                             f"{fmax:g} Hz at n_fft = {n_fft}")
        a, b = int(keep[0]), int(keep[-1]) + 1
        return x.derive(x.data[..., a:b, :], kind, axis=freqs[a:b])
    w, centres = p.weights(x.sr, n_fft)
    spec = frame_major(x.data)
    if kind == Kind.SPECTRUM:
        out = matmul(spec, w.T.astype(spec.real.dtype, copy=False))
    else:
        out = apply_filterbank(spec, w)
    return x.derive(frame_major(out), kind, axis=centres)


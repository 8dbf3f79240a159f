"""Constant-Q family: ``cqt``, ``vqt``, ``pseudo_cqt``; the ``phase`` view of a complex spectrum.

The transform itself (filter design, octave-wise downsampling) is in
:mod:`featgraph.nodes._cqfilters`, with its definitions and references.

References
----------
J. C. Brown, "Calculation of a constant Q spectral transform", JASA 89(1), 425-434, 1991.
C. Schoerkhuber, A. Klapuri, "Constant-Q transform toolbox for music processing", SMC 2010.
librosa 0.11 documentation: ``librosa.cqt``, ``librosa.vqt``, ``librosa.pseudo_cqt``,
``librosa.estimate_tuning``.
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from . import _cqfilters as cq
from ._common import frame_major
from ._tuning import estimate_tuning

Window = Literal["hann", "hamming", "blackman"]
Resampler = Literal["soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq", "soxr_qq"]


class _ConstantQ(Node):
    """Parameters shared by the constant-Q ops (no op of its own)."""

    op: str
    consumes: ClassVar = (Kind.SIGNAL,)
    streaming: ClassVar = "signal"
    produces: ClassVar = Kind.SPECTRUM

    hop: int = Field(512, ge=1, le=1 << 16, description="samples between frames")
    fmin: float = Field(cq.C1, gt=0, le=1e5, description="lowest centre frequency in Hz "
                                                          "(C1 = 32.70 Hz)")
    n_bins: int = Field(84, ge=1, le=1200, description="number of bins")
    bins_per_octave: int = Field(12, ge=1, le=240, description="bins per octave")
    tuning: float | None = Field(0.0, ge=-0.5, le=0.5, description="deviation from A440 in "
                                 "bins; null: estimated from the signal (librosa's "
                                 "estimate_tuning)")
    filter_scale: float = Field(1.0, gt=0, le=10, description="filter length factor")
    norm: Literal["l1", "l2", "max", "none"] = Field("l1", description="norm of each "
                                                     "time-domain filter (librosa's norm=1)")
    sparsity: float = Field(0.01, ge=0, lt=1, description="share of each filter's L1 mass "
                            "dropped from its FFT basis")
    window: Window = Field("hann", description="filter window")
    scale: bool = Field(True, description="divide by sqrt(filter length)")
    res_type: Resampler = Field("soxr_hq", description="soxr quality of the octave halving")
    above_nyquist: Literal["error", "drop"] = Field(
        "error", description="bins whose filters reach above the Nyquist frequency: error "
                             "(librosa) or drop them (fewer bins at low sample rates)")

    def _gamma(self):
        return 0.0

    def tuned_frequencies(self, y: np.ndarray, sr: float):
        tuning = self.tuning
        if tuning is None:
            tuning = estimate_tuning(y, sr, bins_per_octave=self.bins_per_octave)
        freqs = cq.frequencies(self.fmin, self.n_bins, self.bins_per_octave, tuning)
        alpha = cq.relative_bandwidth(freqs, self.bins_per_octave)
        if self.above_nyquist == "drop":
            _, reach = cq.lengths_and_cutoff(freqs, alpha, sr, self.window, self.filter_scale,
                                             self._gamma(), per_bin=True)
            keep = reach <= sr / 2
            if not keep.any():
                raise ValueError(f"every constant-Q filter reaches above the Nyquist frequency "
                                 f"{sr / 2:g} Hz: lower fmin, raise filter_scale or lower "
                                 f"gamma")
            freqs, alpha = freqs[keep], alpha[keep]
        return freqs, alpha


def _per_channel(x: Feature, fn) -> np.ndarray:
    """``fn(y_1d) -> (frames, bins)`` over the leading axes; returns ``(..., frames, bins)``."""
    y = x.data if x.data.dtype in (np.float32, np.float64) else x.data.astype(np.float64)
    flat = y.reshape(-1, y.shape[-1])
    outs = [fn(np.ascontiguousarray(row)) for row in flat]
    whole = outs[0][None] if len(outs) == 1 else np.stack(outs)      # one channel: no copy
    return whole.reshape(y.shape[:-1] + outs[0].shape)


class CQT(_ConstantQ):
    """Constant-Q transform, complex: ``(..., samples) -> (..., n_bins, frames)``.

    librosa 0.11's ``cqt`` at its defaults: bins ``f_k = fmin 2^((k + tuning) / bpo)``
    from C1, 84 bins, 12 per octave, hop 512, Hann filters of ``Q sr / f_k`` samples
    (``Q = filter_scale / alpha``, ``alpha = (2^(2/bpo) - 1) / (2^(2/bpo) + 1)``), each of
    unit L1 norm, applied as a sparse FFT basis to the rectangular-window STFT one octave
    at a time, the signal halved with soxr (``soxr_hq``) between octaves and downsampled
    early when the filters allow; ``scale``: divided by ``sqrt(L_k)``.  Frames are centred
    (``t * hop``, zero padding).  The feature axis holds the centre frequencies in Hz
    (geometric).  Magnitude: ``power`` with ``exponent: 1``; dB: ``power_to_db``; phase:
    ``phase``.  Matches librosa to 1e-7 of the maximum (tests/test_constantq.py).

    Streaming: whole-signal (the op needs the signal's length and end; inside, the octave
    cascade runs a block at a time, soxr streams between the octaves, bit-equal to
    librosa's whole-signal resampling).
    """

    op: Literal["cqt"] = "cqt"


class VQT(_ConstantQ):
    """Variable-Q transform, complex: the CQT with bandwidths ``alpha f_k + gamma``.

    librosa 0.11's ``vqt``: filter lengths ``Q sr / (f_k + gamma / alpha)``;
    ``gamma: null`` (the default) sets ``gamma_k = 24.7 alpha_k / 0.108``, so that the
    bandwidths follow the ERB scale (Glasberg & Moore 1990) at low frequencies;
    ``gamma: 0`` is the CQT.  Other parameters and the computation as ``cqt``.

    Streaming: whole-signal.
    """

    op: Literal["vqt"] = "vqt"
    gamma: float | None = Field(None, ge=0, le=1e4, description="bandwidth offset in Hz; "
                                "null: ERB-proportional (24.7 alpha / 0.108)")

    def _gamma(self):
        return self.gamma


def constant_q(x: Feature, p: _ConstantQ) -> Feature:
    """Run a CQT/VQT model on a signal feature."""
    freqs, alpha = p.tuned_frequencies(x.data, x.sr)
    out = _per_channel(x, lambda y: cq.variable_q(
        y, x.sr, p.hop, freqs, alpha, p.bins_per_octave, p.filter_scale, p._gamma(), p.norm,
        p.sparsity, p.window, p.scale, p.res_type))
    return Feature(frame_major(out), Kind.SPECTRUM, x.sr, hop=p.hop, axis=freqs)


CQT.compute(constant_q)
VQT.compute(constant_q)


class PseudoCQT(_ConstantQ):
    """Pseudo constant-Q transform (magnitude): the CQT's full-rate FFT basis, one FFT size.

    librosa 0.11's ``pseudo_cqt``: the filters of ``cqt`` for all bins at the signal's
    rate, FFT length the next power of two at or above the longest filter and
    ``2^(1 + ceil(log2 hop))``; the magnitude of the Hann-window STFT (centred frames)
    times the magnitude of the basis; ``scale``: divided by ``sqrt(n_fft)``, else times
    ``sqrt(L_k / n_fft)``.  No resampling, so the low bins cost long FFTs.
    ``(..., samples) -> (..., n_bins, frames)``, real, the centre frequencies as axis.

    Streaming: whole-signal.
    """

    op: Literal["pseudo_cqt"] = "pseudo_cqt"
    produces: ClassVar = Kind.POWER


@PseudoCQT.compute
def pseudo_cqt(x: Feature, p: PseudoCQT) -> Feature:
    freqs, alpha = p.tuned_frequencies(x.data, x.sr)
    lengths, cutoff = cq.lengths_and_cutoff(freqs, alpha, x.sr, p.window, p.filter_scale, 0.0)
    if cutoff > x.sr / 2:
        raise ValueError(f"the highest filter reaches {cutoff:.1f} Hz, above the Nyquist "
                         f"frequency {x.sr / 2:g} Hz: use fewer n_bins, a lower fmin or a "
                         "larger filter_scale")
    min_fft = int(2.0 ** (1 + math.ceil(math.log2(p.hop))))
    basis, n_fft, _ = cq.fft_basis(float(x.sr), tuple(freqs), tuple(alpha), p.filter_scale,
                                   0.0, p.norm, p.sparsity, p.window, min_fft)
    if n_fft > 1 << 20:
        raise ValueError(f"pseudo_cqt needs an FFT of {n_fft} points: raise fmin")
    out = _per_channel(x, lambda y: cq.response(y, n_fft, p.hop, basis, magnitude=True,
                                                window=p.window))
    scale = (np.full(len(freqs), 1.0 / math.sqrt(n_fft)) if p.scale
             else np.sqrt(lengths / n_fft))
    out *= scale.astype(out.dtype)
    return Feature(frame_major(out), Kind.POWER, x.sr, hop=p.hop, n_fft=n_fft, axis=freqs)


class Phase(Node):
    """Phase angle of a complex spectrum, in radians in (-pi, pi]: ``angle(X)``.

    ``(..., bins, frames)`` complex -> real of the matching precision, axis kept.  Zero
    bins give 0.  Streaming: framewise.
    """

    op: Literal["phase"] = "phase"
    consumes: ClassVar = (Kind.SPECTRUM,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE


@Phase.compute
def phase(x: Feature, p: Phase) -> Feature:
    z = frame_major(x.data)
    return x.derive(frame_major(np.angle(z)), Kind.FEATURE)

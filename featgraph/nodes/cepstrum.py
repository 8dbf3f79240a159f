"""Cepstral-domain ops of the audioFlux family: the rectification of xxCC cepstra and the
deconvolution of a spectrum into its formant (envelope) and pitch (excitation) parts.

References
----------
B. P. Bogert, M. J. R. Healy and J. W. Tukey, "The quefrency alanysis of time series for
echoes", 1963 (the cepstrum); A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal
Processing*, 3rd ed., section 13.9 (homomorphic deconvolution of speech: the low-quefrency
part of the real cepstrum is the vocal-tract response, the high-quefrency part the
excitation; the liftering ``l[n] = 1`` for ``|n| < n_co``).
audioFlux 0.1.9 documentation: ``audioflux.XXCC`` (rectification log or cubic root,
``CepstralRectifyType``; energy replace or append, ``CepstralEnergyType``) and
``audioflux.Deconv``.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import SPECTRAL
from ..engine.ops import Node
from ._common import frame_major
from .auditory import PowerLaw, power_law
from .cepstral import FLOAT_EPS, Log, log


class Rectify(Node):
    """Compress band energies before the DCT of a cepstrum: natural log or cube root.

    ``mode: log``: ``ln(max(x, floor))`` (the ``log`` op); ``mode: cube_root``: ``x ** (1/3)``
    (the ``power_law`` op; Stevens' loudness law, as in PLP).  audioFlux's ``XXCC``
    rectification switch, as one op so that a recipe parameter can choose it.

    Streaming: framewise.
    """

    op: Literal["rectify"] = "rectify"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"

    mode: Literal["log", "cube_root"] = Field("log", description="log or cube_root")
    floor: float = Field(FLOAT_EPS, gt=0, le=1e10, description="log: smallest value taken the "
                                                               "log of")


@Rectify.compute
def rectify(x: Feature, p: Rectify) -> Feature:
    if p.mode == "log":
        return log(x, Log(floor=p.floor))
    return power_law(x, PowerLaw(exponent=1.0 / 3.0))


class Deconvolve(Node):
    """Split a spectrum into formant (envelope) and pitch (excitation) parts via the cepstrum.

    Per frame, with ``S`` the ``N`` non-negative values of a power or magnitude spectrum
    (``N = n_fft // 2 + 1`` bins, or ``N`` bands) and ``L = ln(max(S, floor))``:

    - the real cepstrum ``c = irfft(L)``: the inverse DFT of ``L`` extended to the even
      sequence of length ``2 (N - 1)`` (for FFT bins: quefrency ``q`` in samples);
    - low-quefrency lifter: ``c_f[q] = c[q]`` for ``|q| < cut``, 0 otherwise;
    - ``formant = exp(rfft(c_f))`` (the smooth envelope, the filter's response) and
      ``pitch = exp(L - ln formant)`` (the excitation: peaks at the harmonics of f0),
      so that ``formant * pitch = max(S, floor)``.

    ``cut`` must lie below the pitch period in samples (``sr / f0``: 128 at 125 Hz and
    16 kHz) and above the formant detail (a few ms).  Output ports ``formant`` (the
    default) and ``pitch``, each of the input's shape, kind and axis.

    Streaming: framewise.
    """

    op: Literal["deconvolve"] = "deconvolve"
    consumes: ClassVar = (SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = {"formant": None, "pitch": None}

    cut: int = Field(30, ge=1, le=65536, description="cut quefrency in samples (cepstral "
                                                     "coefficients kept in the envelope)")
    floor: float = Field(1e-10, gt=0, le=1e10, description="smallest spectrum value taken "
                                                           "the log of")


@Deconvolve.compute
def deconvolve(x: Feature, p: Deconvolve) -> dict[str, Feature]:
    spec = frame_major(x.data)
    n = spec.shape[-1]
    if n < 2 or p.cut > n - 1:
        raise ValueError(f"deconvolve: cut = {p.cut} needs more than {p.cut} spectrum values per "
                         f"frame (got {n}); use cut <= {max(n - 1, 1)}")
    dtype = spec.dtype
    logs = np.log(np.maximum(spec, dtype.type(p.floor)).astype(np.float64))
    ceps = np.fft.irfft(logs, n=2 * (n - 1), axis=-1)
    ceps[..., p.cut:ceps.shape[-1] - p.cut + 1] = 0.0
    envelope = np.fft.rfft(ceps, axis=-1).real
    formant = np.exp(envelope).astype(dtype)
    pitch = np.exp(logs - envelope).astype(dtype)
    return {"formant": x.derive(frame_major(formant)), "pitch": x.derive(frame_major(pitch))}

"""Frequency-domain ops: the real FFT and its power."""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import FFTLength, fft_length, frame_major


class RFFT(Node):
    """DFT of each real frame: ``(..., length, frames) -> (..., n_fft // 2 + 1, frames)``, complex.

    Frames shorter than ``n_fft`` are zero-padded at the end (MATLAB ``specgram``);
    padding them in the ``window`` op instead (``pad_to``) gives the same result
    faster, since numpy then need not copy every frame into a padded buffer.
    The feature axis is the bin frequencies ``k * sr / n_fft`` in Hz.
    """

    op: Literal["rfft"] = "rfft"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.SPECTRUM

    n_fft: FFTLength | Literal["pow2"] | None = Field(
        None, description="FFT length: an integer >= the frame length, 'pow2' for the next "
                          "power of two (rastamat), or null for the frame length")


@RFFT.compute
def rfft(x: Feature, p: RFFT) -> Feature:
    n_fft = fft_length(p.n_fft, x.data.shape[-2])
    frames = frame_major(x.data)
    spec = np.fft.rfft(frames, n=None if n_fft == frames.shape[-1] else n_fft, axis=-1)
    freqs = np.arange(n_fft // 2 + 1) * (x.sr / n_fft)
    return x.derive(frame_major(spec), Kind.SPECTRUM, n_fft=n_fft, axis=freqs)


class Power(Node):
    """``|X| ** exponent`` of a complex spectrum, plus an optional dither floor.

    ``dither`` models a white dither of that variance (in squared sample units)
    added to the signal before analysis; its expected contribution,
    approximated as ``dither * win_length`` in every bin, is added to the
    result.  rastamat's ``powspec`` does exactly this with ``dither = 1``, which
    keeps digital silence away from log(0).  ``normalize: n_fft`` divides by
    the FFT length, python_speech_features' ``powspec = |X|^2 / NFFT``.
    """

    op: Literal["power"] = "power"
    consumes: ClassVar = (Kind.SPECTRUM,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.POWER

    exponent: float = Field(2.0, gt=0, le=4, description="2 for power, 1 for magnitude "
                                                         "(at most 4)")
    dither: float = Field(0.0, ge=0, le=1e12, description="variance of a virtual white "
                                                          "dither; adds dither * win_length "
                                                          "to every bin")
    normalize: Literal["none", "n_fft"] = Field(
        "none", description="n_fft: divide by the FFT length (python_speech_features' powspec)")


@Power.compute
def power(x: Feature, p: Power) -> Feature:
    z = x.data
    if p.exponent == 2.0:
        out = z.real ** 2
        out += z.imag ** 2
    else:
        out = np.abs(z) ** p.exponent
    if p.dither:
        out += p.dither * (x.win_length or z.shape[-2])
    if p.normalize == "n_fft":
        out *= out.dtype.type(1.0 / (x.n_fft or 2 * (z.shape[-2] - 1)))
    return x.derive(out, Kind.POWER)

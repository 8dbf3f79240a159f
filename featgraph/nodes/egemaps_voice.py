"""openSMILE 2.6's voice-source front end of eGeMAPSv02: Gaussian window, octave spectrum, SHS pitch.

The chain of ``GeMAPSv01b_core.lld.conf.inc`` (openSMILE 2.6, shipped with eGeMAPSv02)::

    cFramer (60 ms every 10 ms, frameCenterSpecial = left)  -> frame op
    cWindower (winFunc = gauss, sigma = 0.4, gain = 1)      -> smile_window
    cTransformFFT + cFFTmagphase (zero-padded to 2**k)      -> rfft + power (exponent 1)
    cSpecScale (octave scale from 25 Hz, spline, specSmooth,
                specEnhance, auditoryWeighting)             -> smile_spec_scale
    cPitchShs (nHarmonics 15, compressionFactor 0.85,
               minPitch 55, maxPitch 1000, nCandidates 6)   -> smile_pitch_shs

Every formula below was measured against openSMILE 2.6 as a black box (the
levels ``gemapsv01b_winG60``, ``gemapsv01b_fftmagG60``, ``gemapsv01b_hpsG60``,
``gemapsv01b_pitchShsG60`` dumped with ``opensmile.Smile(feature_level=...)``,
and probe configurations switching single options off); tests/data/
make_egemaps_voice_refs.py regenerates the reference arrays.

References
----------
D. J. Hermes, "Measurement of pitch by subharmonic summation", J. Acoust. Soc. Am.
83(1), 257-264, 1988 (peak enhancement, smoothing, log-frequency axis, arctan
auditory weighting, the compressed sum of shifted spectra).
F. Eyben et al., "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for Voice
Research and Affective Computing", IEEE Trans. Affective Computing 7(2), 2016.
F. Eyben, "Real-time Speech and Music Classification by Large Audio Feature Space
Extraction", Springer 2016 (openSMILE's components).
"""
from __future__ import annotations

import functools
import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.fuse import FusedOp, rule
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.reference_smile_pitch import enhance_peaks, smooth3  # noqa: F401
from ._common import F32_ROWS, FFTLength, fft_length, frame_major
from .pitch import out_dtype
from .pitch_spectral import _Range


class SmileWindow(Node):
    """openSMILE's ``cWindower`` with ``winFunc = gauss``: ``w[n] = gain exp(-((n - (N-1)/2) / (sigma (N-1)/2))**2 / 2)``.

    ``N`` is the frame length; ``sigma`` is relative to the half length (eGeMAPSv02's
    ``gemapsv01b_win60``: ``sigma = 0.4``, ``gain = 1``), so the window is the same shape at
    every sample rate.  Measured equal to openSMILE's ``gemapsv01b_winG60`` level to float32
    rounding.  Input ``(..., length, frames)``, output ``(..., length, frames)`` or, with
    ``pad_to``, ``(..., n, frames)``: the windowed frame followed by zeros (openSMILE's FFT
    input, so that ``rfft`` transforms the rows in place; ``win_length`` stays ``length``),
    dtype kept.  ``precision: single`` is openSMILE's own arithmetic: the frames and the
    window rounded to float32 and multiplied in float32, float32 out (so that ``rfft`` and
    ``power`` after it run in float32 too: the eGeMAPS recipes' 60 ms grid).

    Streaming: framewise.
    """

    op: Literal["smile_window"] = "smile_window"
    consumes: ClassVar = (Kind.FRAMES,)
    produces: ClassVar = Kind.FRAMES
    streaming: ClassVar = "frame"

    sigma: float = Field(0.4, gt=0.01, le=100.0, description="standard deviation relative to "
                                                             "half the frame length (0.4)")
    gain: float = Field(1.0, gt=0, le=1e6, description="scale of the window (1)")
    pad_to: FFTLength | Literal["pow2"] | None = Field(
        None, description="zero-pad each windowed frame at its end to this length, the FFT "
                          "size: an integer >= the frame length, 'pow2' for the next power "
                          "of two, or null for no padding")
    precision: Literal["double", "single"] = Field(
        "double", description="double: the frames' dtype; single: frames and window rounded "
                              "to float32, multiplied in float32, float32 out (openSMILE's "
                              "arithmetic)")


def _frames_f32(frames: np.ndarray) -> np.ndarray:
    """``frames.astype(np.float32)``; for the ``frame`` op's strided view of a float64 signal
    (rows ``hop`` samples apart) the signal span is converted once and viewed as frames
    again (the same values, without a copy per overlapping frame)."""
    if frames.dtype == np.float32:
        return frames
    if frames.dtype == np.float64 and frames.ndim == 2 and frames.shape[0] > 1 \
            and frames.strides[1] == 8 and frames.strides[0] > 0 and frames.strides[0] % 8 == 0 \
            and frames.strides[0] // 8 < frames.shape[1]:
        hop, (rows, length) = frames.strides[0] // 8, frames.shape
        span = np.lib.stride_tricks.as_strided(frames, ((rows - 1) * hop + length,), (8,))
        return np.lib.stride_tricks.as_strided(span.astype(np.float32), frames.shape,
                                               (hop * 4, 4), writeable=False)
    return frames.astype(np.float32)


def gauss_window(n: int, sigma: float, gain: float) -> np.ndarray:
    """openSMILE's Gaussian window of ``n`` points, float64."""
    if n <= 1:
        return np.full(max(n, 0), gain)
    half = (n - 1) / 2
    return gain * np.exp(-0.5 * ((np.arange(n) - half) / (sigma * half)) ** 2)


@SmileWindow.compute
def smile_window(x: Feature, p: SmileWindow) -> Feature:
    frames = frame_major(x.data)
    if p.precision == "single" and frames.dtype.kind in "fiub":
        frames = _frames_f32(frames)
    length = frames.shape[-1]
    w = gauss_window(length, p.sigma, p.gain).astype(frames.dtype, copy=False)
    n = fft_length(p.pad_to, length)
    if n == length:
        return x.derive(frame_major(frames * w))
    if frames.dtype in (np.float32, np.float64):      # w x[n] into zero-padded rows, one pass
        from ..native.windows import window_frames
        out = window_frames(frames, w, np.empty(frames.shape[:-1] + (n,), frames.dtype))
    else:
        out = np.zeros(frames.shape[:-1] + (n,), np.result_type(frames, w))
        np.multiply(frames, w, out=out[..., :length])
    return x.derive(frame_major(out), win_length=x.win_length or length)


@rule("smile_window+rfft+power", ("smile_window", "rfft", "power"))
def smile_window_rfft_power(f: FusedOp, x: Feature) -> Feature:
    """``smile_window -> rfft -> power`` on one chunk (eGeMAPS' 60 ms grid, when nothing else
    reads the windowed frames): the Gaussian-windowed frames go to a reused zero-padded work
    buffer, are transformed into a reused complex buffer and their magnitude (or power) is
    taken into the output: the same operations as the three ops (bit-equal to them), without
    the windowed frames and the spectrum as fresh arrays per chunk."""
    from .spectral import bin_frequencies, power_of, rfft_frames, spectrum_dtype
    from ..native.windows import window_frames

    win, fft, pw = f.parts
    frames = frame_major(x.data)                              # (..., frames, length)
    if win.precision == "single" and frames.dtype.kind in "fiub":
        frames = _frames_f32(frames)
    elif frames.dtype not in (np.float32, np.float64):
        frames = frames.astype(np.float64)
    length, dtype = frames.shape[-1], frames.dtype
    n_fft = fft_length(fft.n_fft, fft_length(win.pad_to, length))
    bins = n_fft // 2 + 1
    lead, rows = frames.shape[:-1], math.prod(frames.shape[:-1])
    key = ("window", length, dtype)
    w = f.cache.get(key)
    if w is None:
        w = f.cache[key] = gauss_window(length, win.sigma, win.gain).astype(dtype)
    # float32: whole groups of F32_ROWS rows transformed (rfft_frames' rule: the work buffers'
    # extra rows are transformed and ignored), so that no copy is made for it
    n_buf = rows + (-rows % F32_ROWS if dtype == np.float32 else 0)
    buf = f.scratch("frames", n_buf, (n_fft,), dtype)
    window_frames(frames, w, buf[:rows].reshape(lead + (n_fft,)), 0, 0.0,
                  pad=f.relayout("frames", (n_fft,), dtype, length))
    spec = f.scratch("spectrum", n_buf, (bins,), spectrum_dtype(dtype))
    spec = rfft_frames(buf, n_fft, out=spec)[:rows].reshape(lead + (bins,))
    floor = pw.dither * (x.win_length or length) if pw.dither else 0.0
    widen = pw.dtype is not None and np.dtype(pw.dtype) != dtype
    out = f.scratch("power", rows, (bins,), dtype).reshape(lead + (bins,)) if widen else \
        np.empty(lead + (bins,), dtype)
    out = power_of(spec, pw.exponent, floor, out=out, overwrite=True)
    if pw.normalize == "n_fft":
        out *= out.dtype.type(1.0 / n_fft)
    if widen:                                        # the power op's dtype: converted after
        wide = np.empty(lead + (bins,), pw.dtype)
        np.copyto(wide, out)
        out = wide
    return x.derive(frame_major(out), Kind.POWER, n_fft=n_fft,
                    axis=bin_frequencies(n_fft, x.sr), win_length=x.win_length or length)


class SmileSpecScale(Node):
    """openSMILE's ``cSpecScale`` to the octave scale, as eGeMAPSv02's ``gemapsv01b_scale``.

    Input: a magnitude spectrum ``|X|`` on ``B = n_fft / 2 + 1`` FFT bins (``power`` with
    ``exponent: 1``).  Steps, each measured against openSMILE 2.6 with the other options
    switched off:

    1. ``spec_enhance`` (Hermes 1988's peak enhancement): local maxima are the bins above
       both neighbours, plus bin 0 if above bin 1 and bin ``B-1`` if above bin ``B-2``;
       between two consecutive maxima ``a < b``, the bins ``a+3 .. b-3`` (more than two bins
       from both) are set to 0.
    2. ``spec_smooth``: ``y[k] = x[k-1]/4 + x[k]/2 + x[k+1]/4``; ``y[0] = x[0]/2 + x[1]/4``,
       ``y[B-1] = x[B-1]``.
    3. Natural cubic spline through the points ``(log2 f_k, y[k])`` with ``f_k = k sr /
       n_fft`` for ``k >= 1`` and ``f_0 = sr / (2 n_fft)`` (half the bin spacing), evaluated
       at the ``B`` octave-scale frequencies ``g_j = fmin 2**(j L / (B - 1))``, ``L =
       log2(sr / 2 / fmin)``; negative values are set to 0 (``interpMethod = spline``,
       ``nPointsTarget = 0``, ``maxF = -1``: Nyquist).
    4. ``auditory_weighting`` (Hermes's arctan curve), measured:
       ``A_j = 1/2 + arctan(3 ((j + 2) L / B - log2 1.3)) / pi``.

    Output ``(..., B, frames)`` in the input's float dtype (computed in float64), :attr:`Feature.axis` the frequencies ``g_j`` in Hz.
    openSMILE's ``gemapsv01b_hpsG60`` is reproduced to ~1e-6 of each frame's maximum at 8
    and 16 kHz.

    Streaming: framewise.
    """

    op: Literal["smile_spec_scale"] = "smile_spec_scale"
    consumes: ClassVar = (Kind.POWER,)
    produces: ClassVar = Kind.FEATURE
    streaming: ClassVar = "frame"

    fmin: float = Field(25.0, ge=1.0, le=1e5, description="lowest frequency of the octave "
                                                          "scale, Hz (minF: 25)")
    spec_enhance: bool = Field(True, description="zero the bins far from spectral peaks "
                                                 "(specEnhance)")
    spec_smooth: bool = Field(True, description="3-point smoothing (specSmooth)")
    auditory_weighting: bool = Field(True, description="Hermes's arctan weighting "
                                                       "(auditoryWeighting)")


def octave_axis(n_bins: int, sr: float, fmin: float) -> np.ndarray:
    """The octave-scale frequencies ``fmin 2**(j L / (B - 1))`` of ``cSpecScale``, Hz."""
    if fmin >= sr / 2:
        raise ValueError(f"smile_spec_scale: fmin = {fmin:g} Hz must lie below the Nyquist "
                         f"frequency {sr / 2:g} Hz")
    span = math.log2(sr / 2 / fmin)
    return fmin * 2.0 ** (np.arange(n_bins) * span / max(n_bins - 1, 1))


def auditory_weights(n_bins: int, sr: float, fmin: float) -> np.ndarray:
    """Step 4 of :class:`SmileSpecScale`: the measured arctan weights, float64."""
    span = math.log2(sr / 2 / fmin)
    j = np.arange(n_bins)
    return 0.5 + np.arctan(3.0 * ((j + 2) * span / n_bins - math.log2(1.3))) / np.pi


@functools.lru_cache(maxsize=16)
def _knots(n_bins: int, n_fft: int, sr: float) -> np.ndarray:
    f = np.arange(n_bins) * (sr / n_fft)
    f[0] = 0.5 * f[1]
    return np.log2(f)


@SmileSpecScale.compute
def smile_spec_scale(x: Feature, p: SmileSpecScale) -> Feature:
    from ..native.smile_pitch import spec_scale

    m = frame_major(x.data)
    b = m.shape[-1]
    n_fft = x.n_fft or 2 * (b - 1)
    if b != n_fft // 2 + 1 or b < 4:
        raise ValueError(f"smile_spec_scale: expected {n_fft // 2 + 1} FFT bins (at least 4) "
                         f"for n_fft = {n_fft}, got {b}")
    grid = octave_axis(b, x.sr, p.fmin)
    weights = auditory_weights(b, x.sr, p.fmin) if p.auditory_weighting else None
    y = spec_scale(m.reshape(-1, b), _knots(b, n_fft, x.sr), np.log2(grid), weights,
                   p.spec_enhance, p.spec_smooth).reshape(m.shape)
    return x.derive(frame_major(y.astype(out_dtype(x), copy=False)), Kind.FEATURE, axis=grid)


class SmilePitchShs(_Range):
    """openSMILE's ``cPitchShs`` on the octave spectrum of :class:`SmileSpecScale`.

    With ``X`` the octave spectrum (``B`` points from ``fmin``, ``L = log2(sr / 2 /
    fmin)``), the subharmonic sum (Hermes 1988) is

    ``S[i] = (1 / H) sum_{n=1}^{H} c**(n-1) X[i + floor(log2(n) B / L)]``

    (0 beyond the last point; ``H = n_harmonics`` 15, ``c = compression`` 0.85; the shift
    uses ``B / L`` points per octave while the axis has ``(B - 1) / L``: measured).
    Candidates: the local maxima ``S[i-1] < S[i] >= S[i+1]`` of the whole sum (``1 <= i <=
    B - 2``), the ``n_candidates`` highest by ``S[i]``, each refined by the parabola through
    the three points (position ``i + d``, height ``S[i] - (S[i-1] - S[i+1]) d / 4``) to the
    frequency ``fmin 2**((i + d) L / (B - 1))``; those outside ``[fmin, fmax]`` (the
    parameters) are then dropped, the others keep their order, and the highest refined
    height is swapped into the first place.  Score: the refined height; voicing ``max(0, 1 -
    mean(S) / score)`` (mean over all ``B`` points).  Missing candidates are 0.  So a frame
    whose strongest peaks lie above ``fmax`` (or below ``fmin``) lists fewer candidates:
    openSMILE's ``greedyPeakAlgo`` output, measured: the same candidates in the same order
    as ``gemapsv01b_pitchShsG60`` on all 2038 frames of the three reference speech files
    (tests/test_egemaps_voice.py; keeping the highest peaks inside the range instead, the
    rule before, listed other candidates on 1301 of them).

    Ports, each ``(..., n_candidates, frames)`` in the input's float dtype: ``f0`` (Hz), ``voicing``, ``score``
    (openSMILE's ``F0Cand``, ``candVoicing``, ``candScores``), equal to openSMILE's to
    float32 rounding.

    Streaming: framewise.
    """

    op: Literal["smile_pitch_shs"] = "smile_pitch_shs"
    consumes: ClassVar = (Kind.FEATURE,)
    produces: ClassVar = {"f0": Kind.FEATURE, "voicing": Kind.FEATURE, "score": Kind.FEATURE}
    streaming: ClassVar = "frame"

    fmin: float = Field(55.0, ge=1.0, le=1e5, description="lowest candidate, Hz (minPitch: 55)")
    fmax: float = Field(1000.0, gt=0, le=1e5, description="highest candidate, Hz "
                                                          "(maxPitch: 1000)")
    n_harmonics: int = Field(15, ge=1, le=100, description="harmonics summed (nHarmonics: 15)")
    compression: float = Field(0.85, gt=0, le=1, description="weight ratio of successive "
                                                             "harmonics (compressionFactor)")
    n_candidates: int = Field(6, ge=1, le=20, description="candidates kept (nCandidates: 6)")


def subharmonic_sum(xs: np.ndarray, per_octave: float, n_harmonics: int,
                    compression: float) -> np.ndarray:
    """``(1/H) sum_n c**(n-1) X[i + floor(per_octave log2 n)]`` on the last axis (0 beyond it)."""
    from ..native.reference_smile_pitch import subharmonic_sum as shifted_sum

    return shifted_sum(xs, *_shifts(per_octave, n_harmonics, compression))


def _shifts(per_octave: float, n_harmonics: int, compression: float) -> tuple:
    """The shifts ``floor(per_octave log2 n)`` and gains ``c**(n-1)``, ``n = 1 .. H``."""
    n = range(1, n_harmonics + 1)
    return (np.array([int(math.floor(per_octave * math.log2(i) + 1e-9)) for i in n], np.int32),
            np.array([compression ** (i - 1) for i in n]))


@SmilePitchShs.compute
def smile_pitch_shs(x: Feature, p: SmilePitchShs) -> dict[str, Feature]:
    from ..native.smile_pitch import shs

    xs = frame_major(x.data)
    b = xs.shape[-1]
    axis = np.asarray(x.axis, dtype=np.float64) if x.axis is not None else None
    if axis is None or axis.shape != (b,) or b < 4 or axis[0] <= 0:
        raise ValueError("smile_pitch_shs: feed it the octave spectrum of smile_spec_scale "
                         "(its axis gives the frequencies)")
    fmin, span = axis[0], math.log2(axis[-1] / axis[0])
    step = span / (b - 1)                                  # octaves per point of the axis
    shape = xs.shape[:-1] + (p.n_candidates,)
    shifts, gains = _shifts(b / span, p.n_harmonics, p.compression)
    # the peaks of the whole sum compete; those outside [fmin, fmax] are dropped after
    outs = [a.reshape(shape) for a in shs(xs.reshape(-1, b), shifts, gains, 1, b - 2,
                                          p.n_candidates, fmin, step, p.fmin, p.fmax)]
    dt = out_dtype(x)
    return {name: x.derive(frame_major(a.astype(dt, copy=False)), Kind.FEATURE, axis=None)
            for name, a in zip(("f0", "voicing", "score"), outs)}

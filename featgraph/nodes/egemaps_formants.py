"""Formants by LPC root finding, as eGeMAPSv02 computes them in openSMILE 2.6.

openSMILE's chain (``GeMAPSv01b_core.lld.conf.inc``, formants section)::

    gemapsv01b_fftcH25 (20 ms Hamming frames, FFT of the next power of two)
      -> cSpecResample  targetFs = 11000           (gemapsv01b_outpR)
      -> cLpc           p = 11, method = acf        (gemapsv01b_lpc)
      -> cFormantLpc    nFormants = 5, minF = 50, maxF = 5450, saveBandwidths = 1
                                                    (gemapsv01b_formants)

here: ``window`` (hamming, symmetric, no padding) -> :class:`~.egemaps_resample.SmileSpecResample`
-> :class:`SmileLpc` (order 11, ``precision: single``) -> :class:`LpcFormants`
(``polynomial: negated``).  The harmonic levels (cHarmonics) are in
:mod:`featgraph.nodes.egemaps_harmonics`.

Measured agreement (share of the frames voiced in openSMILE's F0 where the value is within
1e-2 of the column's range, openSMILE 2.6 as the reference; tests/test_egemaps_formants.py
for ``precision: double``), with the float64 resampling synthesis and FFT (the recipes'
single-precision chain gives openSMILE's values on every frame; docs/paralinguistic.md)::

    LPC precision      double                         single (the recipes)
    file               F1      F2      F3      B1     F1      F2      F3      B1
    speech_en_16k      98.0 %  99.1 %  98.7 %  96.7 % 97.6 %  98.9 %  98.9 %  96.5 %
    speech_en_gb_16k   98.9 %  98.6 %  98.1 %  98.4 % 99.2 %  98.9 %  99.2 %  99.5 %
    english_8k (8 kHz) 100 %   100 %   100 %   100 %  100 %   99.4 %  99.4 %  100 %

openSMILE's cSpecResample synthesis is reproduced bit for bit given its spectrum
(:class:`~.egemaps_resample.SmileSpecResample` ``precision: single``: a float32 sum over
the bins, :func:`~.egemaps_resample.smile_synthesis`; tests/test_egemaps_resample.py), and cLpc's arithmetic too
(:class:`SmileLpc` ``precision: single``; tests/test_egemaps_lpc.py), and openSMILE's
formants are the roots of its coefficients.  Its float32 FFT of the Hamming frames is
reproduced bit for bit too (``gemapsv01b_fftcH25``: Ooura's split-radix order in float,
:func:`featgraph.native.formants.smile_rdft_f32`; ``SmileSpecResample`` with ``window:
hamming`` makes openSMILE's float32 window product; tests/test_native_smile_fft.py): with all three
in single precision the formant frequencies and bandwidths are openSMILE's on every frame
of the three files, to the float32 value (tests/test_egemaps_formants.py).  Before, with a
float64 FFT (the resampled frames a median 2-5 float32 ulps from openSMILE's, and the
order-11 normal equations of a spectrum empty above 3437.5 Hz ill-conditioned enough that
those ulps move roots), 67 frame-columns of F1-F3 and B1-B3 differed by more than 1e-2 of
the range over all frames of the three files, 91 with a float64 synthesis, 128 with
synthesis and LPC in float64.  eGeMAPS sets
the formants to 0 where F0 is 0 (``gemapsv01b_formantsNz`` = ``gemapsv01b_formants`` times
``F0 > 0``, frame for frame, measured); that gate belongs to the recipe.

The openSMILE C++ source was not read: the rules below were measured on
openSMILE's own intermediate levels (dumped with ``opensmile.Smile(feature_level=...)``)
and on probe configurations; the parameter values are those of the shipped
configuration files.

References
----------
F. Eyben et al., "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for voice
research and affective computing", IEEE Trans. Affective Computing 7(2), 2016.
openSMILE 2.6 documentation, components cSpecResample, cLpc, cFormantLpc
(https://audeering.github.io/opensmile/).
J. D. Markel and A. H. Gray, *Linear Prediction of Speech*, Springer 1976, ch. 7
(formant frequencies and bandwidths from the roots of the predictor polynomial:
``F = arg(z) fs / 2 pi``, ``B = -ln|z| fs / pi``).
J. Makhoul, "Linear prediction: a tutorial review", Proc. IEEE 63(4), 1975.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from .. import native
from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.formants import frame_lags, poly_roots, smile_lpc_f32
from ._common import frame_major
from .egemaps_resample import MAX_RATE

REAL_ROOT_TOL = 1e-12
"""A root with ``Im z <= 1e-12 |z|`` counts as real (no formant): the iteration leaves
real roots with an imaginary part at rounding level."""


class SmileLpc(Node):
    """Autocorrelation LPC of each frame, as openSMILE 2.6's ``cLpc`` with ``method = acf``.

    ``r[k] = sum_n x[n] x[n + k]`` for ``k = 0 .. order`` (no window: the frames
    come windowed; C kernel :func:`featgraph.native.formants.frame_lags`), then the
    Levinson-Durbin recursion (Makhoul 1975; C kernel :func:`featgraph.native.levinson`),
    both in float64 whatever the input dtype (``precision: double``, the default).
    Output ``[1, a1, ... a_order]`` of ``A(z) = 1 + sum a_k z^-k``,
    ``(..., order + 1, frames)``, in the input's dtype; zero frames give
    ``[1, 0, ...]``.  openSMILE's ``lpcCoeff[0..p-1]`` (``gemapsv01b_lpc``,
    ``p = 11``) are ``a1 .. ap``.

    ``precision: single`` reproduces openSMILE 2.6's own arithmetic: the frames rounded
    to float32, the lags summed in float32 from the first sample up, the recursion in
    float32 with ``k = -(acc * (1 / e))`` (C kernel
    :func:`featgraph.native.formants.smile_lpc_f32`, whose reference docstring gives
    every operation).  Measured black-box (openSMILE's own ``gemapsv01b_outpR`` frames
    fed through this, against its ``gemapsv01b_lpc`` level and probe configurations with
    ``p = 1, 2`` and ``saveRefCoeff``): equal bit for bit on every frame of the three
    reference speech files (2050 frames), a sine and a clipped square; the float64 path
    differs by a median 2e-4 of the largest coefficient and up to 130 % on
    ill-conditioned frames.  The eGeMAPS recipes use it.  One op rather than
    ``time_autocorrelation -> lpc`` so that the result does not depend on how the
    lags are summed: the formants of eGeMAPS' band-limited frames are sensitive to
    rounding in the lags (see :class:`LpcFormants`).

    Streaming: frame by frame.
    """

    op: Literal["smile_lpc"] = "smile_lpc"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.LPC

    order: int = Field(11, ge=1, le=256, description="model order p (eGeMAPS: 11)")
    precision: Literal["double", "single"] = Field(
        "double", description="double: lags and recursion in float64; single: openSMILE "
                              "2.6's float32 arithmetic, bit for bit (eGeMAPS recipes)")


@SmileLpc.compute
def smile_lpc(x: Feature, p: SmileLpc) -> Feature:
    frames = frame_major(x.data)
    n = frames.shape[-1]
    if n <= p.order:
        raise ValueError(f"smile_lpc: order {p.order} needs frames longer than {p.order} "
                         f"samples, got {n}")
    dt = x.data.dtype if x.data.dtype in (np.float32, np.float64) else np.float64
    if p.precision == "single":
        a = smile_lpc_f32(frames.reshape(-1, n).astype(np.float32), p.order)
        a = a.reshape(frames.shape[:-1] + (p.order + 1,))
        return x.derive(frame_major(np.ascontiguousarray(a.astype(dt, copy=False))),
                        Kind.LPC, axis=None, win_length=None)
    if frames.dtype not in (np.float32, np.float64):
        frames = frames.astype(np.float64)
    r = frame_lags(frames.reshape(-1, n), p.order + 1).reshape(frames.shape[:-1] +
                                                                (p.order + 1,))
    a, _ = native.levinson(r, p.order)
    return x.derive(frame_major(np.ascontiguousarray(a.astype(dt, copy=False))), Kind.LPC,
                    axis=None, win_length=None)


class LpcFormants(Node):
    """Formant frequencies and bandwidths from the roots of an LPC polynomial.

    Input: LPC coefficients ``[1, a1, ... ap]`` (``lpc`` output), ``(..., p + 1, frames)``,
    of a signal sampled at ``sample_rate``.  The roots ``z`` of the polynomial are
    found per frame; each root with ``Im z > 0`` is a resonance of frequency ``F = arg(z) fs / (2 pi)`` and bandwidth
    ``B = |ln |z|| fs / pi`` (Markel & Gray 1976).  Those with
    ``min_freq < F < max_freq``, sorted by frequency, give the first ``n_formants``
    formants; missing ones are 0 (also on silent frames, ``a = [1, 0, ...]``).  The roots
    come from the Aberth-Ehrlich iteration in C (:func:`featgraph.native.formants.poly_roots`,
    about 5 times faster than batched companion-matrix eigenvalues, the method of
    ``np.roots``, and equal to them to ~1e-12 for simple roots).

    ``polynomial: a`` roots ``A(z) = 1 + sum a_k z^-k``, the inverse filter of
    the all-pole model (the resonances of the vocal tract: a vowel synthesised
    through known resonators gives them back).  ``polynomial: negated`` roots
    ``1 - sum a_k z^-k`` instead: openSMILE 2.6's ``cFormantLpc`` does this with
    cLpc's coefficients (measured: its ``gemapsv01b_formants`` level equals the
    roots of ``[1, -lpcCoeff]`` of its ``gemapsv01b_lpc`` level to float
    rounding, bandwidths as the absolute value), so eGeMAPS' F1-F3 are not the
    resonances of the LPC model (on a synthetic /a/ with F1 = 700 Hz, openSMILE
    reports F1 near 440 Hz).  Use ``negated`` to reproduce eGeMAPS, ``a`` for
    formants.

    Ports: ``frequency`` and ``bandwidth``, each ``(..., n_formants, frames)``, Hz,
    dtype kept.  eGeMAPSv02: ``n_formants = 5``, ``min_freq = 50``,
    ``max_freq = 5450``, ``sample_rate = 11000`` (after :class:`~.egemaps_resample.SmileSpecResample`).

    Streaming: frame by frame.
    """

    op: Literal["lpc_formants"] = "lpc_formants"
    consumes: ClassVar = (Kind.LPC,)
    streaming: ClassVar = "frame"
    produces: ClassVar = {"frequency": Kind.FEATURE, "bandwidth": Kind.FEATURE}

    sample_rate: float | None = Field(None, gt=0, le=MAX_RATE, description="rate of the "
                                      "signal the LPC models, Hz; null: the input's rate")
    n_formants: int = Field(5, ge=1, le=64, description="formants kept per frame")
    min_freq: float = Field(50.0, ge=0, le=MAX_RATE / 2, description="lowest formant, Hz "
                            "(exclusive)")
    max_freq: float = Field(5450.0, gt=0, le=MAX_RATE / 2, description="highest formant, Hz "
                            "(exclusive)")
    polynomial: Literal["a", "negated"] = Field(
        "a", description="roots of A(z) = 1 + sum a_k z^-k (the model's resonances) or of "
                         "1 - sum a_k z^-k (openSMILE 2.6 cFormantLpc)")

    @model_validator(mode="after")
    def _band(self):
        if self.max_freq <= self.min_freq:
            raise ValueError(f"max_freq ({self.max_freq:g}) must exceed min_freq "
                             f"({self.min_freq:g})")
        return self


def formants_from_lpc(a: np.ndarray, fs: float, n_formants: int, fmin: float, fmax: float,
                      negated: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(freq, bw)``, each ``(frames, n_formants)``, from ``a`` ``(frames, p + 1)``."""
    a = np.asarray(a, dtype=np.float64)
    m = a.shape[0]
    freq = np.zeros((m, n_formants))
    bw = np.zeros((m, n_formants))
    if m == 0 or a.shape[1] < 2:
        return freq, bw
    a0 = np.where(a[:, :1] == 0, 1.0, a[:, :1])
    c = a[:, 1:] / a0
    if negated:
        c = -c
    active = np.any(c != 0, axis=1)               # silent frames: no root but 0
    if not active.any():
        return freq, bw
    z = poly_roots(c if active.all() else c[active])
    mod = np.abs(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.angle(z) * fs / (2.0 * np.pi)
        b = np.abs(np.log(mod)) * fs / np.pi
    keep = (z.imag > REAL_ROOT_TOL * mod) & (f > fmin) & (f < fmax) & np.isfinite(b)
    f = np.where(keep, f, np.inf)
    order = np.argsort(f, axis=1, kind="stable")[:, :n_formants]
    fs_sorted = np.take_along_axis(f, order, axis=1)
    bs_sorted = np.take_along_axis(b, order, axis=1)
    valid = np.isfinite(fs_sorted)
    k = min(n_formants, order.shape[1])
    freq[active, :k] = np.where(valid, fs_sorted, 0.0)
    bw[active, :k] = np.where(valid, bs_sorted, 0.0)
    return freq, bw


@LpcFormants.compute
def lpc_formants(x: Feature, p: LpcFormants) -> dict[str, Feature]:
    a = frame_major(x.data)
    lead = a.shape[:-1]
    fs = float(x.sr) if p.sample_rate is None else p.sample_rate
    freq, bw = formants_from_lpc(a.reshape(-1, a.shape[-1]), fs, p.n_formants, p.min_freq,
                                 p.max_freq, p.polynomial == "negated")
    shape = lead + (p.n_formants,)
    dt = x.data.dtype if x.data.dtype in (np.float32, np.float64) else np.float64
    out = {}
    for name, v in (("frequency", freq), ("bandwidth", bw)):
        out[name] = x.derive(frame_major(np.ascontiguousarray(v.reshape(shape).astype(dt))),
                             Kind.FEATURE, axis=np.arange(1, p.n_formants + 1, dtype=float))
    return out

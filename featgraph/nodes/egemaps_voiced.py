"""eGeMAPS' formants on the voiced frames only, for the functionals recipes.

eGeMAPSv02's functionals read the formant frequencies and bandwidths through
``gemapsv01b_formantsNz``: the formants times ``F0 > 0``, frame for frame (see
:mod:`featgraph.nodes.egemaps_formants`), and the harmonic levels (cHarmonics,
:mod:`featgraph.nodes.egemaps_harmonics`) read the formants of voiced frames only.
So ``egemaps`` and ``gemaps`` never look at the formants of an unvoiced frame (about
half of the frames of speech), and :class:`VoicedFormants` does not compute them: the
chain ``smile_spec_resample -> smile_lpc -> lpc_formants`` of ``egemaps_lld`` runs on
the voiced frames' spectra, gathered; every step is frame by frame, so a voiced frame's
formants are those of the three ops (tests/test_egemaps_voiced.py compares them).
``egemaps_lld`` keeps the three ops: its LLDs list the formants of every frame.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ._common import frame_major
from ..native.formants import smile_lpc_f32
from .egemaps_formants import LpcFormants, SmileLpc, formants_from_lpc
from .egemaps_resample import (MAX_RATE, SmileSpecResample, _check_unpadded, _resampled,
                               _single_from_frames, resample_spectrum_rows)


class VoicedFormants(LpcFormants):
    """Formants of the voiced frames: :class:`~featgraph.nodes.egemaps_resample.SmileSpecResample`
    (``target_rate``, ``precision``), :class:`~featgraph.nodes.egemaps_formants.SmileLpc`
    (``order``, ``precision``) and
    :class:`~featgraph.nodes.egemaps_formants.LpcFormants` (the other parameters; its
    ``sample_rate`` null means ``target_rate``) where ``f0 > 0``; 0 where it is not.

    Inputs: eGeMAPS' 20 ms frames ``(..., n, frames)``, unwindowed with ``window:
    hamming`` (the recipes: openSMILE's float32 window and FFT, as ``smile_spec_resample``
    takes them), or the rfft of its Hamming frames end-padded to the next power of two
    ``(..., bins, frames)`` complex; and F0 in Hz ``(..., 1, frames)`` on the same frames
    (``voicing_gate``'s ``f0``; unvoiced = 0).
    Ports ``frequency`` and ``bandwidth``, ``(..., n_formants, frames)``, Hz, in the dtype
    of the input (a spectrum's real part): on a voiced frame equal to the three ops' (the
    same per-frame arithmetic on the voiced frames), 0 on an unvoiced one, which is
    ``gemapsv01b_formantsNz`` (eGeMAPS' ``voiced_select`` of the formants).  Used by the
    ``egemaps`` and ``gemaps`` recipes, which read no unvoiced formant: half the LPC work
    of speech.

    Streaming: frame by frame.
    """

    op: Literal["voiced_formants"] = "voiced_formants"
    consumes: ClassVar = (Kind.FRAMES | Kind.SPECTRUM, Kind.FEATURE)
    streaming: ClassVar = "frame"
    produces: ClassVar = {"frequency": Kind.FEATURE, "bandwidth": Kind.FEATURE}

    target_rate: float = Field(11000.0, ge=1000.0, le=MAX_RATE, description="rate of the "
                               "resampled frames, Hz (eGeMAPS: 11000)")
    order: int = Field(11, ge=1, le=256, description="LPC order p (eGeMAPS: 11)")
    precision: Literal["double", "single"] = Field(
        "double", description="the resampling's and the LPC's arithmetic, as "
                              "SmileSpecResample's and SmileLpc's (eGeMAPS recipes: single, "
                              "openSMILE 2.6's float32 arithmetic)")
    window: Literal["hamming"] | None = Field(
        None, description="window the (unwindowed) frames, as SmileSpecResample's window "
                          "(the recipes: hamming); null for windowed frames or a spectrum")


@VoicedFormants.compute
def voiced_formants(spectrum: Feature, f0: Feature, p: VoicedFormants) -> dict[str, Feature]:
    spec = frame_major(spectrum.data)
    f = frame_major(f0.data)
    if f.shape[-1] != 1 or f.shape[:-1] != spec.shape[:-1]:
        raise ValueError(f"voiced_formants: expected an F0 of shape (1, frames) on the "
                         f"input's frames, got {f0.data.shape} and {spectrum.data.shape}")
    frames = spectrum.kind == Kind.FRAMES
    if frames:
        _check_unpadded(spectrum, spec.shape[-1])
    elif p.window:
        raise ValueError("voiced_formants: window applies to frames, not to a spectrum")
    voiced = np.flatnonzero(f.reshape(-1) > 0)
    freq = np.zeros((f.reshape(-1).shape[0], p.n_formants))
    bw = np.zeros_like(freq)
    if voiced.size:
        # SmileSpecResample -> SmileLpc on the voiced frames, called as their functions do
        # (`single`: openSMILE's float32 synthesis, then its float32 LPC)
        single = p.precision == "single"
        if frames and single:
            resampled = _single_from_frames(spec, float(spectrum.sr), p.target_rate,
                                            p.window, voiced)
        elif frames:
            resampled = frame_major(SmileSpecResample(
                target_rate=p.target_rate, window=p.window)(spectrum.derive(
                    frame_major(spec.reshape(-1, spec.shape[-1])[voiced]))).data)
        else:
            resampled = resample_spectrum_rows(spectrum, p.target_rate, voiced,
                                               np.float32 if single else np.float64,
                                               p.precision)
        if resampled.shape[-1] <= p.order:
            raise ValueError(f"smile_lpc: order {p.order} needs frames longer than {p.order} "
                             f"samples, got {resampled.shape[-1]}")
        if single:
            a = smile_lpc_f32(resampled, p.order)
        else:
            a = frame_major(SmileLpc(order=p.order, precision=p.precision)(
                _resampled(spectrum, resampled, np.float64)).data)
        fs = p.target_rate if p.sample_rate is None else p.sample_rate
        freq[voiced], bw[voiced] = formants_from_lpc(a, fs, p.n_formants, p.min_freq,
                                                     p.max_freq, p.polynomial == "negated")
    dt = spectrum.data.real.dtype if spectrum.data.real.dtype in (np.float32, np.float64) \
        else np.float64
    shape = spec.shape[:-1] + (p.n_formants,)
    axis = np.arange(1, p.n_formants + 1, dtype=float)
    return {name: f0.derive(frame_major(np.ascontiguousarray(v.reshape(shape).astype(dt))),
                            Kind.FEATURE, axis=axis)
            for name, v in (("frequency", freq), ("bandwidth", bw))}

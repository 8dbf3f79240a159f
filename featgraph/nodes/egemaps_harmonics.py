"""Harmonic levels of eGeMAPSv02 (openSMILE 2.6 ``cHarmonics``): H1-H2, H1-A3 and the
formant amplitudes relative to F0.

openSMILE's ``gemapsv01b_harmonics`` component (``GeMAPSv01b_core.lld.conf.inc``) reads the
final F0 (``gemapsv01b_logPitch``, Hz, 0 when unvoiced), the LPC formant frequencies
(``gemapsv01b_formants``) and the magnitude spectrum of the 60 ms Gaussian-window frames
(``gemapsv01b_fftmagG60``), frame ``i`` of each (the 20 ms formant frame and the 60 ms frame
that start at the same sample).  Settings: ``nHarmonics = 100``,
``harmonicDifferences = H1-H2;H1-A3``, ``harmonicDifferencesLog = 1``,
``formantAmplitudes = 1``, ``formantAmplitudesLogRel = 1``, formants 1-3.

The rules here were measured (the C++ source was not read): on openSMILE's own levels of
three speech files, and on probe configurations that feed cHarmonics formant tracks chosen
at will (through HTK feature files).  What they show:

* Harmonic ``h`` (``h = 0`` is F0, ``h = 1`` the second partial, ...): from the bin
  ``j0`` nearest ``(h + 1) F0``, the nearest strict local maximum of the magnitude
  spectrum (a bin above both neighbours), the right one first when two are as near
  (``j0``, ``j0 + 1``, ``j0 - 1``, ``j0 + 2``, ...), refined by a parabola through the
  peak bin and its two neighbours: magnitude ``m_h`` (the parabola's vertex), frequency
  ``f_h``; the peak bin's own value is ``r_h``.  Harmonics are taken while the start bin
  lies below the last bin.  (Climbing uphill from ``j0`` instead, the rule used before,
  gives the same peak on most harmonics but misses A3 on 2-6 % of the voiced frames:
  openSMILE takes a nearer peak across a dip.)
* ``HarmonicDifferenceLogRelH1-H2 = 20 log10(m_1 / m_2)``: openSMILE counts harmonics from
  0, so its "H1" and "H2" are the partials at 2 F0 and 3 F0 (measured exactly on every
  voiced frame), not the textbook H1 (at F0) and H2 of Eyben et al. (2016).
* Formant amplitude ``A_i``: among the harmonics ``h >= 1`` with ``0.8 F_i <= f_h <= 1.2
  F_i``, the one with the largest peak-bin value ``r_h``; ``A_i = m_h``.  The formant
  bandwidths do not enter (the documentation's "half bandwidth left and right" is not what
  openSMILE 2.6 does: changing the bandwidth tracks changes nothing).
  ``FormantAmplitudeByMaxHarmonicLogRelF0[i] = 20 log10(A_i / r_0)``, and 0 when no harmonic
  lies in the range.
* ``HarmonicDifferenceLogRelH1-A3 = 20 log10(m_1 / A_3)`` (0 without an A_3).
* Unvoiced frames (F0 = 0): H1-H2 = H1-A3 = 0 and the formant amplitudes are -201 dB.

Measured agreement (share of voiced frames within 1e-2 of the column's range; F0 and the
formants from openSMILE's own levels, the spectrum from this package's 60 ms Gaussian
frames, which equal openSMILE's to 1e-7; tests/test_egemaps_formants.py)::

    file               H1-H2   H1-A3   A1      A2      A3
    speech_en_16k      100 %   99.8 %  100 %   100 %   99.8 %
    speech_en_gb_16k   100 %   100 %   100 %   99.7 %  100 %
    english_8k         100 %   100 %   100 %   100 %   100 %

and within 1e-3 dB on the same frames: one frame of speech_en_16k (A3) and one of
speech_en_gb_16k (A2) take another harmonic than openSMILE (not investigated).  End to
end the formant frequencies come from :class:`~.egemaps_formants.LpcFormants` on our own
LPC, whose few differing frames (see that module) move the formant range and so the
harmonic picked.

Wiring in a recipe (frame ``i`` of every input starts at sample ``i * hop``)::

    f0:       Hz, (1, n60), 0 unvoiced (openSMILE's F0final after the energy gate)
    g60:      frame 60ms/10ms -> Gaussian window (sigma 0.4 of the half length, symmetric)
              -> rfft (pad to the next power of two) -> power exponent 1
    formants: the egemaps_formants chain -> "formants:frequency" -> trim_frames end: 4
    harm:     {op: smile_harmonics, inputs: [f0, formants_trimmed, g60]}

References
----------
F. Eyben et al., "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for voice
research and affective computing", IEEE Trans. Affective Computing 7(2), 2016 (H1-H2,
H1-A3, formant relative energy).
openSMILE 2.6 documentation, component cHarmonics (https://audeering.github.io/opensmile/).
J. O. Smith, *Spectral Audio Signal Processing*, "Quadratic interpolation of spectral
peaks" (the parabolic vertex).
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.smile_pitch import formant_peaks, harmonic_peaks
from ._common import frame_major

UNVOICED_AMPLITUDE = -201.0
"""openSMILE's formant amplitude (dB) on unvoiced frames (measured)."""


class SmileHarmonics(Node):
    """openSMILE 2.6 ``cHarmonics``: H1-H2, H1-A3 and formant amplitudes relative to F0.

    Inputs, aligned frame for frame:

    1. F0 in Hz, ``(..., 1, frames)`` (0 when unvoiced): openSMILE's ``F0final``;
    2. formant frequencies in Hz, ``(..., n >= last_formant, frames)`` (``lpc_formants``
       ``frequency`` port; on the 20 ms grid, drop its last 4 frames with ``trim_frames``
       so that frame ``i`` starts where the 60 ms frame ``i`` starts);
    3. a magnitude spectrum ``(..., bins, frames)`` whose feature axis gives the bin
       frequencies (``rfft`` then ``power`` with exponent 1 of the 60 ms Gaussian frames).

    See :mod:`featgraph.nodes.egemaps_harmonics` for the measured rules.  Ports:
    ``h1_h2`` and ``h1_a3`` ``(..., 1, frames)`` in dB, ``amplitude``
    ``(..., last_formant - first_formant + 1, frames)`` in dB relative to F0's peak.
    Finite everywhere: a zero magnitude gives 0 dB differences.

    Streaming: frame by frame.
    """

    op: Literal["smile_harmonics"] = "smile_harmonics"
    consumes: ClassVar = (Kind.FEATURE, Kind.FEATURE, Kind.POWER)
    streaming: ClassVar = "frame"
    produces: ClassVar = {"h1_h2": Kind.FEATURE, "h1_a3": Kind.FEATURE,
                          "amplitude": Kind.FEATURE}

    n_harmonics: int = Field(100, ge=3, le=1000, description="harmonics searched, F0 "
                             "included (openSMILE nHarmonics)")
    first_formant: int = Field(1, ge=1, le=64, description="first formant amplitude output")
    last_formant: int = Field(3, ge=1, le=64, description="last formant amplitude output; "
                              "also the formant of H1-A3's A")
    range_low: float = Field(0.8, gt=0, le=1.0, description="formant range: from "
                             "range_low * F (measured 0.8)")
    range_high: float = Field(1.2, ge=1.0, le=10.0, description="formant range: up to "
                              "range_high * F (measured 1.2)")

    @model_validator(mode="after")
    def _formants(self):
        if self.last_formant < self.first_formant:
            raise ValueError(f"last_formant ({self.last_formant}) must be >= first_formant "
                             f"({self.first_formant})")
        return self


def _db(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``20 log10(num / den)``; 0 where either is not positive."""
    good = (num > 0) & (den > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 20.0 * np.log10(np.where(good, num, 1.0) / np.where(good, den, 1.0))
    return np.where(good, out, 0.0)


def harmonics_levels(f0: np.ndarray, formants: np.ndarray, mag: np.ndarray, df: float,
                     p: SmileHarmonics) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(h1_h2, h1_a3, amplitude)`` for ``f0`` ``(frames,)``, ``formants`` ``(frames, n)``,
    ``mag`` ``(frames, bins)`` (float64), bin spacing ``df`` Hz."""
    n_frames = f0.shape[0]
    n_amp = p.last_formant - p.first_formant + 1
    h1_h2 = np.zeros(n_frames)
    h1_a3 = np.zeros(n_frames)
    amp = np.full((n_frames, n_amp), UNVOICED_AMPLITUDE)
    idx = np.flatnonzero(np.isfinite(f0) & (f0 > 0))
    if not idx.size:
        return h1_h2, h1_a3, amp
    peaks = None
    if mag.dtype == np.float64 and mag.flags.c_contiguous:
        try:                            # the voiced rows read in place (each checked finite)
            peaks = harmonic_peaks(mag, f0[idx] / df, p.n_harmonics, rows=idx)
        except ValueError:              # a voiced row is not finite: the rows dropped below
            peaks = None
    if peaks is None:
        mv = mag[idx]                                   # only voiced frames are read
        if not np.isfinite(mv.sum()):    # a finite sum has finite terms: checked row by
            keep = np.isfinite(mv).all(axis=1)          # row only when it is not
            idx, mv = idx[keep], mv[keep]
        if not idx.size:
            return h1_h2, h1_a3, amp
        peaks = harmonic_peaks(mv, f0[idx] / df, p.n_harmonics)
    m, fpk, r, ok = peaks
    has2 = ok[:, 2]
    h1_h2[idx] = np.where(has2, _db(m[:, 1], m[:, 2]), 0.0)
    ref = np.where(ok[:, 0], r[:, 0], 0.0)
    # each formant's peak: the strongest existing harmonic after F0 within the formant range
    cols = list(range(p.first_formant - 1, p.last_formant))
    a, found = formant_peaks(m, fpk, r, ok, df, formants[idx][:, cols], p.range_low,
                             p.range_high)
    for col in range(len(cols)):
        amp[idx, col] = np.where(found[:, col], _db(a[:, col], ref), 0.0)
    a3, found3 = a[:, -1], found[:, -1]                 # the last formant's: A3
    h1_a3[idx] = np.where(found3 & ok[:, 1], _db(m[:, 1], a3), 0.0)
    return h1_h2, h1_a3, amp


@SmileHarmonics.compute
def smile_harmonics(f0: Feature, formants: Feature, spectrum: Feature,
                    p: SmileHarmonics) -> dict[str, Feature]:
    mag = frame_major(spectrum.data)
    if np.iscomplexobj(mag):
        raise ValueError("smile_harmonics takes a magnitude spectrum: `power` (exponent 1) "
                         "of the rfft")
    if spectrum.axis is None or len(spectrum.axis) != mag.shape[-1] or mag.shape[-1] < 3:
        raise ValueError("smile_harmonics needs the bin frequencies (the spectrum's feature "
                         "axis) and at least 3 bins; feed it rfft -> power")
    fr = frame_major(formants.data)
    if fr.shape[-1] < p.last_formant:
        raise ValueError(f"smile_harmonics: last_formant = {p.last_formant} but the formant "
                         f"input has {fr.shape[-1]} rows")
    f0v = frame_major(f0.data)
    if f0v.shape[-1] != 1:
        raise ValueError(f"smile_harmonics: the F0 input has {f0v.shape[-1]} rows, expected 1 "
                         "(select F0 in Hz)")
    axis = np.asarray(spectrum.axis, dtype=np.float64)
    df = float(axis[1] - axis[0])
    lead = mag.shape[:-2]
    n = mag.shape[-2]
    h12, h13, amp = harmonics_levels(
        f0v.reshape(-1).astype(np.float64),
        fr.reshape(-1, fr.shape[-1]).astype(np.float64),
        mag.reshape(-1, mag.shape[-1]), df, p)
    dt = spectrum.data.dtype if spectrum.data.dtype in (np.float32, np.float64) else np.float64

    def out(v, rows, axis_values=None):
        arr = np.ascontiguousarray(v.reshape(lead + (n, rows)).astype(dt))
        return spectrum.derive(frame_major(arr), Kind.FEATURE, axis=axis_values)

    n_amp = p.last_formant - p.first_formant + 1
    return {"h1_h2": out(h12, 1), "h1_a3": out(h13, 1),
            "amplitude": out(amp, n_amp, np.arange(p.first_formant, p.last_formant + 1,
                                                   dtype=float))}

"""openSMILE 2.6's pitch smoothing, voicing gate and ACF HNR of eGeMAPSv02.

The chain of ``GeMAPSv01b_core.lld.conf.inc`` after ``cPitchShs``
(:mod:`featgraph.nodes.egemaps_voice`)::

    cPitchSmootherViterbi (bufferLength 40)        -> pitch_viterbi      (gemapsv01b_logPitchRaw)
    cEnergy (rms) on the Gaussian frames +
    cValbasedSelector (threshold 0.001)            -> voicing_gate       (gemapsv01b_logPitch)
    cHarmonics (computeAcfHnrLogdB = 1)            -> acf_hnr            (HarmonicsToNoiseRatioACFLogdB)

All three run on the 60 ms frames every 10 ms (frame ``t`` starts at sample ``t *
hop``: openSMILE's ``frameCenterSpecial = left``).  Formulas measured against
openSMILE 2.6 as a black box (see tests/data/make_egemaps_voice_refs.py).

References
----------
F. Eyben et al., "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for Voice
Research and Affective Computing", IEEE Trans. Affective Computing 7(2), 2016 (F0 as
semitones from 27.5 Hz, HNR from the autocorrelation).
P. Boersma, "Accurate short-term analysis of the fundamental frequency and the
harmonics-to-noise ratio of a sampled sound", Proc. Institute of Phonetic Sciences 17,
1993 (HNR = 10 log10(r(T0) / (r(0) - r(T0))); openSMILE takes |r(T0)|).
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import frame_major
from .pitch import out_dtype
from ..native.smile_voice import nearest_peak
from .spectral import power_to_autocorrelation


class PitchViterbi(Node):
    """openSMILE's ``cPitchSmootherViterbi``: one pitch (or unvoiced) per frame by dynamic programming.

    Inputs: the ``f0`` and ``voicing`` ports of :class:`~featgraph.nodes.egemaps_voice.
    SmilePitchShs`, ``(..., K, frames)`` each (0 = no candidate).  States: the ``K``
    candidates and "unvoiced".  Costs (measured against openSMILE 2.6 with eGeMAPSv02's
    ``wLocal 2, wThr 4, wTvv 10, wTvuv 10, wTuu 0, wRange 1``; ``v0`` the first
    candidate's voicing, ``theta = voicing_threshold`` 0.7, SHS's ``voicingCutoff``):

    - voiced candidate at ``f`` Hz: ``w_local (1 - v) + w_thr [v < theta] + w_range
      R_low(f)``;
    - unvoiced: ``w_local (1 - v0) + unvoiced_offset + w_thr [v0 >= theta] - w_range
      R_high(f0)``, ``f0`` the first candidate: the same voicing term as the first
      candidate, the threshold term the other way round, a constant 0.2 more;
    - voiced to voiced: ``w_tvv |d|``, ``d = log2(f_t / f_{t-1})``;
    - voiced to unvoiced or back: ``w_tvuv / 2``; unvoiced to unvoiced: ``w_tuu``;
    - pitch range (``wRange``, documented as favouring 100-300 Hz, :func:`range_cost`):
      ``R_low(f) = 0.0058 max(0, 100 - f)`` on the voiced candidates below 100 Hz,
      ``R_high(f) = min(0.6, 0.0022 max(0, f - 350))`` off the unvoiced state of a frame
      whose first candidate is above 350 Hz.

    openSMILE ignores its ``wTvvd`` (a cost on the change of the pitch step): its output is
    bit-equal for ``wTvvd`` 0, 5 (eGeMAPS), 50 and 500, so ``w_tvvd`` defaults to 0; a
    value > 0 adds ``w_tvvd |d - d_prev|``, ``d_prev`` the step into the previous state on
    its best path (0 after unvoiced).

    The decision for frame ``t`` is the state of the best path ending at frame ``t +
    buffer_length`` (fixed-lag smoothing); the last ``buffer_length`` frames come from the
    best path at the end.

    The constants are a reconstruction, fitted to black-box runs
    (tests/data/make_egemaps_viterbi_refs.py, make_egemaps_viterbi_weights_refs.py):
    harmonic tones of 55-950 Hz with a single SHS candidate per frame at ``wRange`` 0-300
    (the weight at which a tone turns unvoiced gives the range cost at its pitch: every
    frame at every weight but one tone at ``wRange`` 8), the same tones with six candidates
    (they keep their pitch: the high range favours the unvoiced state rather than
    penalising the candidates), and the three reference speech files with openSMILE's own
    candidates and its weights varied one at a time: the same decisions on every frame
    with eGeMAPS's weights and with every ``wRange`` (0-4) and ``wTvvd`` tried, 97-99.9 %
    with other weights (``wThr`` 0: 85 %; the form of the unvoiced cost is not pinned
    down beyond these).  The unvoiced cost with ``w_local v0`` (the previous
    reconstruction) and the range cost entirely on the unvoiced state kept speech_en_gb_16k
    frames 727-730 voiced (openSMILE drops them from ``wRange`` 0.2 on).

    Ports ``(..., 1, frames)``, the input's float dtype: ``f0`` (Hz, 0 when unvoiced; openSMILE's
    ``F0final``) and ``voicing`` (the chosen candidate's voicing, ``v0`` when unvoiced:
    ``voicingFinalUnclipped``).  Measured agreement with ``gemapsv01b_logPitchRaw`` given
    openSMILE's own candidates: the same voicing and F0 on every frame of the three files.

    Streaming: block op, latency ``buffer_length`` frames; streamed output equals the
    whole-array output.  The forward recursion is a C kernel
    (:func:`featgraph.native.smile_voice.viterbi_forward`).
    """

    op: Literal["pitch_viterbi"] = "pitch_viterbi"
    consumes: ClassVar = (Kind.FEATURE, Kind.FEATURE)
    produces: ClassVar = {"f0": Kind.FEATURE, "voicing": Kind.FEATURE}
    streaming: ClassVar = "block"

    buffer_length: int = Field(40, ge=1, le=1000, description="frames of look-ahead before "
                                                              "a decision (bufferLength: 40)")
    w_local: float = Field(2.0, ge=0, le=1e3, description="weight of the voicing cost (wLocal)")
    w_thr: float = Field(4.0, ge=0, le=1e3, description="cost of a state on the wrong side "
                                                        "of voicing_threshold (wThr)")
    voicing_threshold: float = Field(0.7, ge=0, le=1, description="voicing of a voiced frame "
                                                                  "(SHS voicingCutoff: 0.7)")
    w_tvv: float = Field(10.0, ge=0, le=1e3, description="cost per octave of pitch change "
                                                         "(wTvv)")
    w_tvvd: float = Field(0.0, ge=0, le=1e3, description="cost per octave of change of the "
                                                         "pitch step (wTvvd; openSMILE "
                                                         "ignores it: 0)")
    w_tvuv: float = Field(10.0, ge=0, le=1e3, description="voiced/unvoiced switch, charged "
                                                          "as w_tvuv / 2 (wTvuv)")
    w_tuu: float = Field(0.0, ge=0, le=1e3, description="unvoiced to unvoiced (wTuu)")
    w_range: float = Field(1.0, ge=0, le=1e3, description="weight of the pitch-range costs "
                                                          "R_low, R_high (wRange)")
    unvoiced_offset: float = Field(0.2, ge=0, le=1e3, description="constant cost of the "
                                                                  "unvoiced state (measured)")

    def latency(self) -> int:
        return self.buffer_length


def range_cost(f: np.ndarray) -> tuple:
    """openSMILE's pitch-range costs at ``f`` Hz (before the ``wRange`` weight), measured:
    ``(low, high)``, ``low = 0.0058 max(0, 100 - f)`` (what a voiced candidate at ``f``
    pays) and ``high = min(0.6, 0.0022 max(0, f - 350))`` (what the unvoiced state of a
    frame whose first candidate is at ``f`` gains).  ``f``: any shape, Hz."""
    low = 0.0058 * np.maximum(0.0, 100.0 - f)
    return low, np.minimum(0.6, 0.0022 * np.maximum(0.0, f - 350.0))


def local_costs(f0: np.ndarray, voicing: np.ndarray, p: PitchViterbi) -> tuple:
    """``(F, LC)``, each ``(..., frames, K + 1)``: candidate frequencies (0 for the unvoiced
    state and absent candidates) and local costs of :class:`PitchViterbi`."""
    v0 = voicing[..., :1]
    lc_v = p.w_local * (1.0 - voicing) + p.w_thr * (voicing < p.voicing_threshold)
    lc_u = p.w_local * (1.0 - v0) + p.unvoiced_offset + p.w_thr * (v0 >= p.voicing_threshold)
    if p.w_range:
        low, _ = range_cost(f0)
        _, high = range_cost(f0[..., :1])
        lc_v = lc_v + p.w_range * low
        lc_u = lc_u - p.w_range * np.where(f0[..., :1] > 0, high, 0.0)
    f = np.concatenate([np.where(f0 > 0, f0, 0.0), np.zeros_like(v0)], axis=-1)
    lc = np.concatenate([np.where(f0 > 0, lc_v, 0.0), lc_u], axis=-1)
    return f, lc


@PitchViterbi.stream
class PitchViterbiState:
    """Per channel: the forward state and the rows of the frames not yet decided."""

    def __init__(self, p: PitchViterbi):
        self.p = p
        self.meta: Feature | None = None
        self.ch: list | None = None

    def _init(self, lead: tuple, k: int) -> None:
        n = int(np.prod(lead)) if lead else 1
        s = k + 1
        self.lead, self.k = lead, k
        self.ch = [{"started": False, "f_prev": np.zeros(s), "cost": np.zeros(s),
                    "slope": np.zeros(s), "ptr": np.zeros((0, s), np.int32),
                    "best": np.zeros(0, np.int32), "f": np.zeros((0, s)),
                    "v": np.zeros((0, k))} for _ in range(n)]

    def step(self, f0: Feature, voicing: Feature) -> dict | None:
        from ..native.smile_voice import viterbi_forward

        fm = frame_major(f0.data).astype(np.float64)
        vm = frame_major(voicing.data).astype(np.float64)
        if fm.shape != vm.shape:
            raise ValueError(f"pitch_viterbi: f0 and voicing differ in shape ({fm.shape} and "
                             f"{vm.shape}); feed both ports of smile_pitch_shs")
        if self.meta is None:
            self.meta = f0
            self._init(fm.shape[:-2], fm.shape[-1])
        f, lc = local_costs(fm, vm, self.p)
        nch = len(self.ch)
        f = f.reshape((nch,) + f.shape[-2:])
        lc = lc.reshape((nch,) + lc.shape[-2:])
        vm = vm.reshape((nch,) + vm.shape[-2:])
        for c, st in enumerate(self.ch):
            ptr, best = viterbi_forward(f[c], lc[c], self.p.w_tvv, self.p.w_tvvd,
                                        self.p.w_tvuv / 2, self.p.w_tuu, st["started"],
                                        st["f_prev"], st["cost"], st["slope"])
            st["started"] = st["started"] or len(best) > 0
            st["ptr"] = np.concatenate([st["ptr"], ptr])
            st["best"] = np.concatenate([st["best"], best])
            st["f"] = np.concatenate([st["f"], f[c]])
            st["v"] = np.concatenate([st["v"], vm[c]])
        return self._emit(final=False)

    def flush(self) -> dict | None:
        if self.meta is None:
            return None
        return self._emit(final=True)

    def _emit(self, final: bool) -> dict:
        lag = self.p.buffer_length
        outs_f, outs_v = [], []
        for st in self.ch:
            m = len(st["best"])
            n_dec = m if final else max(0, m - lag)
            if final and m:
                path = np.empty(m, np.int64)
                path[-1] = st["best"][-1]
                for t in range(m - 1, 0, -1):
                    path[t - 1] = st["ptr"][t, path[t]]
                s = path
            else:
                u = np.arange(n_dec)
                s = st["best"][u + lag].astype(np.int64) if n_dec else np.zeros(0, np.int64)
                for k in range(lag, 0, -1):
                    s = st["ptr"][u + k, s]
            u = np.arange(n_dec)
            f = st["f"][u, s]
            voiced = s < self.k
            v = np.where(voiced, st["v"][u, np.minimum(s, self.k - 1)], st["v"][u, 0])
            outs_f.append(np.where(voiced, f, 0.0))
            outs_v.append(v)
            for key in ("ptr", "best", "f", "v"):
                st[key] = st[key][n_dec:]
        shape, dt = self.lead + (1, len(outs_f[0])), out_dtype(self.meta)
        return {"f0": self.meta.derive(np.stack(outs_f).reshape(shape).astype(dt), Kind.FEATURE,
                                       axis=None),
                "voicing": self.meta.derive(np.stack(outs_v).reshape(shape).astype(dt),
                                            Kind.FEATURE, axis=None)}


class VoicingGate(Node):
    """openSMILE's energy gate and semitone scale of eGeMAPSv02 (``gemapsv01b_logPitch``).

    Inputs: the smoothed F0 ``(..., 1, frames)`` in Hz (:class:`PitchViterbi`) and the
    windowed frames it was measured on (``smile_window``; zero-padded ones too: the mean is
    over the frame length ``win_length``).  A frame whose RMS energy
    ``sqrt(mean(x**2))`` (``cEnergy``, ``rms = 1``, on ``gemapsv01b_winG60``) is below
    ``threshold`` is unvoiced (``cValbasedSelector``: ``threshold = 0.001``, ``zeroVec =
    1``).  Ports ``(..., 1, frames)``, dtype of the F0: ``f0`` (Hz, 0 when unvoiced;
    ``F0final``) and ``semitone`` (``12 log2(f0 / reference)``, 0 when unvoiced;
    ``F0finalLog``, eGeMAPS's ``F0semitoneFrom27.5Hz``).  With ``energy_from: magnitude``
    the second input is instead the magnitude spectrum ``|X|`` of those frames (``rfft`` of
    ``n_fft`` points, ``power`` with ``exponent: 1``) and the energy comes from Parseval's
    identity, ``sum x**2 = (|X_0|**2 + 2 sum_{k=1}^{N/2-1} |X_k|**2 + |X_{N/2}|**2) / N``:
    equal to rounding (so the recipes need not keep the windowed frames for the gate alone).

    Streaming: framewise.
    """

    op: Literal["voicing_gate"] = "voicing_gate"
    consumes: ClassVar = (Kind.FEATURE, Kind.FRAMES | Kind.POWER)
    produces: ClassVar = {"f0": Kind.FEATURE, "semitone": Kind.FEATURE}
    streaming: ClassVar = "frame"

    threshold: float = Field(0.001, ge=0, le=1e6, description="lowest RMS energy of a voiced "
                                                              "frame (0.001)")
    reference: float = Field(27.5, ge=1.0, le=1e5, description="0 semitones, Hz (27.5: A0)")
    energy_from: Literal["windowed", "magnitude"] = Field(
        "windowed", description="the second input: the windowed frames, or their magnitude "
                                "spectrum |X| (energy by Parseval's identity)")


@VoicingGate.compute
def voicing_gate(f0: Feature, frames: Feature, p: VoicingGate) -> dict[str, Feature]:
    f = f0.data
    x = frame_major(frames.data).astype(np.float64, copy=False)
    if f.shape[-2] != 1 or f.shape[-1] != x.shape[-2]:
        raise ValueError(f"voicing_gate: expected an F0 of shape (1, frames) and frames on the "
                         f"same grid, got {f.shape} and {frames.data.shape}")
    if p.energy_from == "magnitude":
        b = x.shape[-1]
        n_fft = frames.n_fft or 2 * (b - 1)
        if frames.kind is not Kind.POWER or b != n_fft // 2 + 1 or n_fft % 2 or b < 2:
            raise ValueError("voicing_gate: energy_from = magnitude needs the magnitude "
                             "spectrum (power with exponent 1) of an even-length FFT, got "
                             f"{frames.data.shape}")
        n = frames.win_length or n_fft
        ends = x[..., 0] * x[..., 0] + x[..., -1] * x[..., -1]
        total = 2.0 * np.einsum("...i,...i->...", x[..., 1:-1], x[..., 1:-1]) + ends
        rms = np.sqrt(total / n_fft / n)
    else:
        n = min(frames.win_length or x.shape[-1], x.shape[-1])   # padding adds zeros
        rms = np.sqrt(np.einsum("...i,...i->...", x, x) / n) if n else np.zeros(x.shape[:-1])
    hz = np.where((rms[..., None, :] >= p.threshold) & (f > 0), f, 0.0)
    with np.errstate(divide="ignore"):
        st = np.where(hz > 0, 12.0 * np.log2(np.where(hz > 0, hz, 1.0) / p.reference), 0.0)
    dt = f.dtype if np.issubdtype(f.dtype, np.floating) else np.float64
    return {"f0": f0.derive(hz.astype(dt), Kind.FEATURE, axis=None),
            "semitone": f0.derive(st.astype(dt), Kind.FEATURE, axis=None)}


class AcfHnr(Node):
    """openSMILE's ``HarmonicsToNoiseRatioACFLogdB`` (``cHarmonics``, ``computeAcfHnrLogdB = 1``).

    Inputs: the magnitude spectrum ``|X|`` of the Gaussian frames (``fftmagG60``:
    ``power`` with ``exponent: 1`` after ``rfft``) and the gated F0 in Hz (``voicing_gate``
    port ``f0``).  The autocorrelation is ``r = IDFT(|X|**2)`` (length ``n_fft``, lags
    ``0 .. N/2`` used).  The lag ``T0`` is the strict local maximum of ``|r|`` (``|r[j]| >
    |r[j-1]|`` and ``> |r[j+1]|``, lags ``1 .. N/2 - 1``) nearest to ``k = floor(sr / F0)``,
    the smaller lag when two are as near; when ``k >= N/2`` it is ``N/2`` itself if ``|r[N/2]| >
    |r[N/2 - 1]|``.  ``HNR = 10 log10(|r(T0)| / (r(0) - |r(T0)|))`` dB (Boersma 1993): the
    magnitude, so a negative ``r(T0)`` counts as positive (openSMILE's choice, measured).
    Unvoiced frames (F0 = 0), ``k < 1``, no peak, and ``|r(T0)| >= r(0)`` give 0.  Measured
    (probe configurations that feed cHarmonics F0 tracks chosen at will through HTK files,
    tests/data/make_egemaps_hnr_refs.py): equal to openSMILE's to 1e-3 dB on every voiced
    frame of the three reference files and on 811 645 of 811 739 (frame, F0) pairs, but
    for 40 frames near silence (``|r(T0)| / r(0)`` < 3e-4, openSMILE's single precision)
    and 54 with ``sr / F0 >= N/2 - 1`` (F0 <= ~31 Hz for 60 ms frames, never from the pitch
    tracker's 55 Hz floor) and no peak, to which openSMILE gives lag ``N/2`` or -90 dB.
    Output ``(..., 1, frames)`` in the F0's float dtype.

    Streaming: framewise.
    """

    op: Literal["acf_hnr"] = "acf_hnr"
    consumes: ClassVar = (Kind.POWER, Kind.FEATURE)
    produces: ClassVar = Kind.FEATURE
    streaming: ClassVar = "frame"


@AcfHnr.compute
def acf_hnr(mag: Feature, f0: Feature, p: AcfHnr) -> Feature:
    m = frame_major(mag.data)
    b = m.shape[-1]
    n_fft = mag.n_fft or 2 * (b - 1)
    f = frame_major(f0.data).astype(np.float64)[..., 0]
    if f0.data.shape[-2] != 1 or f.shape != m.shape[:-1]:
        raise ValueError(f"acf_hnr: expected an F0 of shape (1, frames) on the spectrum's "
                         f"grid, got {f0.data.shape} and {mag.data.shape}")
    half = n_fft // 2
    h = np.zeros(f.shape)
    voiced = f > 0                   # unvoiced frames are 0: only voiced ones are transformed
    if voiced.any() and half >= 2:
        mv = m[voiced].astype(np.float64, copy=False)
        fv = f[voiced]
        # lags 0..N/2; for a power-of-two n_fft, without the 1 / n_fft: an exact scaling,
        # which changes neither the peaks of |r| nor |r(T0)| / (r(0) - |r(T0)|)
        r = power_to_autocorrelation(np.multiply(mv, mv, out=mv), n_fft, half + 1,
                                     normalize=bool(n_fft & (n_fft - 1)), overwrite=True)
        with np.errstate(over="ignore"):
            k = np.minimum(np.floor(mag.sr / fv), half).astype(np.int64)
        j = nearest_peak(r, k, half)
        r0 = r[..., 0]
        rt = np.where(j > 0, np.abs(r[np.arange(len(j)), np.maximum(j, 0)]), 0.0)
        ok = (rt > 0) & (rt < r0)
        with np.errstate(divide="ignore", invalid="ignore"):
            h[voiced] = np.where(ok, 10.0 * np.log10(np.where(ok, rt / (r0 - rt), 1.0)), 0.0)
    return f0.derive(frame_major(h[..., None].astype(out_dtype(f0), copy=False)), Kind.FEATURE,
                     axis=None)

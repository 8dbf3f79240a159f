"""Local jitter and shimmer of eGeMAPSv02 (openSMILE 2.6's ``cPitchJitter``), per frame.

eGeMAPSv02's ``gemapsv01b_pitchJitter`` reads the waveform and the gated F0
(``gemapsv01b_logPitch``) with ``searchRangeRel = 0.1``, ``minCC = 0.5``,
``jitterLocal = 1``, ``shimmerLocalDB = 1`` (GeMAPSv01b_core.lld.conf.inc).  The openSMILE
documentation of cPitchJitter defines ``searchRangeRel`` as the period search range
``(1 +- searchRangeRel) T0``, ``minCC`` as the cross-correlation threshold below which
periods are rejected, and jitterLocal as "the average absolute difference between
consecutive periods, divided by the average period length of all periods in the frame".

Measured with openSMILE 2.6 as a black box (coded pulse trains, tests/data/
make_egemaps_jitter_refs.py: every pair of consecutive pulses has its own amplitude ratio, so
a frame's shimmer names the periods it covered; harmonic tones; the speech files; and
cPitchJitter fed an F0 chosen at will through an HTK file, make_egemaps_range_refs.py):

- periods are marked through the signal across frames, ``p`` the mark, ``b1 = t hop`` the
  start of frame ``t`` (its block is the hop before): a voiced frame takes its first period
  when the mark is *fresh* (a voicing onset: placed at ``b1 - 1``) or ``p < b1 - 2``, and
  further ones only while ``p + 2 hi <= b1 + hop - 3`` (``hi = ceil(T0 + 0.1 T0)``).
  So openSMILE takes one period per frame and lets the marks fall behind the frame grid
  (up to ~2 hops) until a second one fits: at ``T = 150`` samples and a 160-sample hop, two
  periods every 15th frame (the rule "marks in the hop before the frame", used before,
  matched 10 % of those frames, this one all; the same at ``T`` = 120-170 at 16 kHz and
  60-75 at 8 kHz);
- the lags searched are ``floor(0.9 T0) .. floor(T0 + 0.1 T0)`` (fed an F0 chosen at will,
  tests/data/make_egemaps_range_refs.py: a pulse train's true period is taken only when it
  lies strictly inside that range; ``T0 + 0.1 T0`` is exactly 160 at 16 kHz and 110 Hz, and
  openSMILE's ownership then uses 160, where ``T0 * 1.1`` rounds to 160.00000000000003);
- a period is the lag ``T`` at the largest *interior local maximum* of the correlation
  coefficient (means removed) of ``x[p+1, p+1+T)`` and ``x[p+1+T, p+1+2T)`` (windows as
  long as the lag, one sample after the mark), also when a value at an end of the range is
  larger (a tone whose largest correlation lies at the top lag: openSMILE takes the interior
  maximum below it), refined by the parabola through the correlations at ``T-1, T, T+1``;
  the next mark is ``p + T`` (harmonic glides, steady and amplitude-modulated: openSMILE's
  jitter on every frame; the normalised cross-correlation of ``round(T0)`` samples from the
  mark, used before, on 1-5 % of them);
- the parabola's vertex value below ``minCC`` rejects the period and moves the mark by
  ``T`` (a 0.498 maximum whose vertex passes 0.5 is a period of openSMILE's on speech);
  when the values rise or fall across the whole range there is no interior maximum: no
  period, the mark moves by ``L = round(T0)``; the last period is kept (openSMILE's next
  jitter is taken across the gap; at the voicing onsets of the speech files the first
  periods openSMILE does not report have 0.14-0.43, 8 of 8, those it reports 0.70-0.98, 12
  of 13, and one 0.48);
- jitterLocal ``= mean |T_i - T_(i-1)| / mean T_i`` over the frame's periods, ``T_(i-1)``
  possibly the previous frame's; shimmerLocalDB ``= 20 log10(1 + min(1, sum |A_(i+1) -
  A_i| / sum (A_i + A_(i+1)) / 2))`` (an alternating 1 dB amplitude gives 0.9453 dB; the
  relative shimmer is capped at 1: a step from ~0 gives 6.0206 dB, openSMILE's largest
  value on the speech files too), ``A`` the peak-to-peak amplitude of a period over its
  ``T - 2`` samples ``[p + 2, p + T)`` (located with blips; on speech with the marks above
  shimmer 0.94 / 0.95 / 0.77 -> 0.996 / 0.981 / 0.781 against ``[p, p + T)``);
- a voiced frame without a period repeats the previous frame's shimmer and jitter, but
  writes jitter 0 when it tried no mark right after a frame that took a period (pulse
  trains with periods longer than the hop and pulses left out; after a frame that rejected
  its mark openSMILE repeats, speech_en_gb_16k frames 77 and 86).

With openSMILE's F0 these give its jitter and shimmer on every voiced frame of the three
speech files and of every probe but one (within 1e-2 of the range; to its float32 output on
the probes): 1.00 / 1.00 / 1.00 (speech_en_16k / speech_en_gb_16k / english_8k; 1.00 /
0.97 / 0.81 and 1.00 / 0.98 / 0.79 before the lag range, the interior maximum whatever the
ends hold and the repeats, 0.92 / 0.93 / 0.79 and 0.91 / 0.92 / 0.78 before the interior
maximum, the amplitude window and the vertex test, 0.71 / 0.86 / 0.79 and 0.77 / 0.83 /
0.70 before the correlation above, 0.60 / 0.75 / 0.64 and 0.62 / 0.83 / 0.54 before the
period ownership).  Not pinned down: a voicing onset after digital silence whose first try
reaching the signal is rejected (tone110_sil: openSMILE's mark then moves by ``round(T0)``,
ours by the interior maximum's lag; 205 of its 224 jitter values; the onsets probes 280 of
336 and 106 of 144; tests/test_egemaps_jitter.py lists the rules tried).

References
----------
F. Eyben et al., IEEE Trans. Affective Computing 7(2), 2016.
openSMILE documentation, component cPitchJitter
(https://audeering.github.io/opensmile/_components/cPitchJitter.html).
P. Boersma and D. Weenink, Praat manual, "Voice 2. Jitter" and "Voice 3. Shimmer".
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


class PitchJitter(Node):
    """Local jitter (fraction) and shimmer (dB) per frame from the waveform and the F0.

    Inputs: the raw (unwindowed) frames ``(..., length, frames)`` (the 60 ms frames of the
    F0; the waveform is read back from them) and the F0 ``(..., 1, frames)`` in Hz, 0 when
    unvoiced (``voicing_gate`` port ``f0``).  Pitch periods are marked through the signal
    across frames; a frame takes its first period when its mark lies 3 or more samples
    before the frame's start (or starts fresh at a voicing onset, one sample before it),
    further ones while ``mark + 2 hi`` (``hi = ceil(T0 + T0 search_rel)``) stays 3 samples
    before the next frame's start (measured), so marks may lag behind the frame grid.  From
    a mark ``p`` the lag ``T`` within ``[floor(T0 (1 - search_rel)), floor(T0 + T0
    search_rel)]``, ``T0 = sr / F0``, at the largest interior local maximum of the
    correlation coefficient (means removed) of ``x[p+1, p+1+T)`` and ``x[p+1+T, p+1+2T)``
    (whatever the values at the ends of the range) is the period, refined by the parabola
    through the correlations at ``T-1, T, T+1``; the next mark is ``p + T``.  A parabola
    vertex value below ``min_cc`` rejects the period and moves the mark by ``T``; with no
    interior maximum (the values rise or fall across the range) no period is taken and the
    mark moves by ``L = round(T0)``.
    ``jitter = mean |T_i - T_(i-1)| / mean T_i`` over the frame's periods (``T_(i-1)`` may
    be the previous frame's or the last before a rejection); ``shimmer = 20 log10(1 +
    min(1, sum |A2 - A1| / sum (A1 + A2) / 2))`` with ``A`` the peak-to-peak amplitude of a
    period and of the next one, each over ``[p + 2, p + T)`` from its start.  A voiced frame
    without a period repeats the last frame's values (jitter 0 when it tried no mark right
    after a frame that took a period); unvoiced frames write 0.  Kernel:
    :func:`featgraph.native.smile_voice.smile_jitter`.

    Ports ``(..., 1, frames)`` in the F0's float dtype: ``jitter`` (``jitterLocal``) and
    ``shimmer`` (``shimmerLocalDB``).

    Streaming: block op, latency 0: the mark, the last period and the ``hop + length``
    samples before the chunk are carried across chunks; streamed output equals the
    whole-array result.
    """

    op: Literal["pitch_jitter"] = "pitch_jitter"
    consumes: ClassVar = (Kind.FRAMES, Kind.FEATURE)
    produces: ClassVar = {"jitter": Kind.FEATURE, "shimmer": Kind.FEATURE}
    streaming: ClassVar = "block"

    search_rel: float = Field(0.1, ge=0, le=0.5, description="period search range relative "
                                                             "to sr / F0 (searchRangeRel: 0.1)")
    min_cc: float = Field(0.5, ge=-1, le=1, description="lowest correlation of consecutive "
                                                        "periods (minCC: 0.5)")

    def latency(self) -> int:
        return 0


@PitchJitter.stream
class PitchJitterState:
    """Per channel: the kernel state ``[mark, last period, last jitter, last shimmer, whether
    the last frame took a period]`` and the ``hop + length`` samples before the chunk's
    first frame (zeros before the first frame): marks may lag behind their frame's block (up
    to ``length`` samples)."""

    def __init__(self, p: PitchJitter):
        self.p = p
        self.state: np.ndarray | None = None
        self.head: np.ndarray | None = None

    def step(self, frames: Feature, f0: Feature) -> dict:
        from ..native.smile_voice import smile_jitter

        x = frame_major(frames.data).astype(np.float64, copy=False)   # only read
        f = np.asarray(f0.data, dtype=np.float64)
        if f.shape[-2] != 1 or f.shape[-1] != x.shape[-2] or f.shape[:-2] != x.shape[:-2]:
            raise ValueError(f"pitch_jitter: expected an F0 of shape (1, frames) on the frames' "
                             f"grid, got {f.shape} and {frames.data.shape}")
        hop, length = int(frames.hop), x.shape[-1]
        if not 1 <= hop <= length:
            raise ValueError(f"pitch_jitter: the frames' hop ({hop}) must be within 1 and their "
                             f"length ({length}); frame the signal with hop <= win_length")
        lead, m = x.shape[:-2], x.shape[-2]
        nch = int(np.prod(lead)) if lead else 1
        xs = x.reshape((nch, m, length))
        fs = f.reshape((nch, m))
        base = hop + length
        if self.state is None:
            self.state = np.tile([-1.0, 0.0, 0.0, 0.0, 0.0], (len(xs), 1))
            self.head = np.zeros((len(xs), base))
        jit, shim = np.zeros(fs.shape), np.zeros(fs.shape)
        for c in range(len(xs)):
            if m == 0:
                continue
            sig = np.concatenate([self.head[c], xs[c, :-1, :hop].reshape(-1), xs[c, -1]])
            st = self.state[c].copy()
            jit[c], shim[c] = smile_jitter(sig, fs[c], hop, length, frames.sr,
                                           self.p.search_rel, self.p.min_cc, st, base)
            self.state[c] = st
            self.head[c] = sig[m * hop:m * hop + base]
        shape, dt = lead + (1, m), out_dtype(f0)
        return {"jitter": f0.derive(jit.reshape(shape).astype(dt), Kind.FEATURE, axis=None),
                "shimmer": f0.derive(shim.reshape(shape).astype(dt), Kind.FEATURE, axis=None)}

    def flush(self) -> None:
        return None

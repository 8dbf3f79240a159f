"""Local jitter and shimmer of eGeMAPSv02 (openSMILE 2.6's ``cPitchJitter``), per frame.

eGeMAPSv02's ``gemapsv01b_pitchJitter`` reads the waveform and the gated F0
(``gemapsv01b_logPitch``) with ``searchRangeRel = 0.1``, ``minCC = 0.5``,
``jitterLocal = 1``, ``shimmerLocalDB = 1`` (GeMAPSv01b_core.lld.conf.inc).  The openSMILE
documentation of cPitchJitter defines ``searchRangeRel`` as the period search range
``(1 +- searchRangeRel) T0``, ``minCC`` as the cross-correlation threshold below which
periods are rejected, and jitterLocal as "the average absolute difference between
consecutive periods, divided by the average period length of all periods in the frame".

Measured with openSMILE 2.6 as a black box (pulse trains with a single longer period, a
period step, an amplitude step, alternating periods and amplitudes; the speech files):

- periods are marked through the signal across frames (a period step shows up in one
  frame only); frame ``t`` owns the periods whose mark lies in ``[(t-1) hop, t hop)``;
- a period is the lag of largest normalised cross-correlation between consecutive
  one-period stretches, refined below a sample (jitter values are not multiples of
  1 / period); the next mark is one (whole-sample) lag later;
- jitterLocal ``= mean |T_i - T_(i-1)| / mean T_i`` over the frame's periods, ``T_(i-1)``
  possibly the previous frame's; 0 at a voicing onset until two periods exist;
- shimmerLocalDB ``= 20 log10(1 + mean |A_(i+1) - A_i| / mean (A_i + A_(i+1)) / 2)`` (an
  alternating 1 dB amplitude gives 0.9453 dB, as this formula; ``mean |20 log10(A_(i+1) /
  A_i)|`` would give 1.000); the amplitude pair is the period at the mark and the next one,
  so shimmer starts one period before jitter at an onset;
- a voiced frame whose block holds no period repeats the previous frame's values;
- at a voicing onset the first mark is the last sample of the frame's block (a pulse train
  after a noise burst: shimmer in the onset frame, jitter one frame later, as openSMILE);
  a period rejected by ``minCC`` moves the mark on by one expected period ``round(T0)``
  (of the tried variants - drop, ``+T``, ``+lo``, ``+hi``, next block - the closest);
  so does a best lag at an end of the search range (no correlation peak inside it: this
  brings english_8k from 0.56 / 0.46 to 0.64 / 0.54 and leaves the 16 kHz files as they are).

Not pinned down: the exact sub-sample period (jitter differs by a few 1e-4 on frames whose
periods and shimmer agree), the mark after a rejected period, and the amplitude measure
(here: peak-to-peak; only ratios matter on whole pulses).  Measured frame-by-frame
agreement (within 1e-2 of the range, frames voiced in both, featgraph's own F0): jitter
0.60 / 0.75 / 0.64 and shimmer 0.62 / 0.83 / 0.54 on speech_en_16k / speech_en_gb_16k /
english_8k (before: 0.14 / 0.16 / 0.11 and 0.11 / 0.07 / 0.08); means within 3-7 % on
16 kHz, 10 % (jitter) and 15 % (shimmer) high at 8 kHz.  On pulse trains with
whole-sample periods and whole pulses jitter equals openSMILE's and the truth; shimmer equals openSMILE's.

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
    across frames; frame ``t`` owns the periods whose mark lies in the hop *before* its
    start, ``[(t-1) hop, t hop)`` (measured).  From a mark ``p`` the lag ``T`` within
    ``[floor(T0 (1 - search_rel)), ceil(T0 (1 + search_rel))]``, ``T0 = sr / F0``, of largest
    normalised cross-correlation of ``x[p, p+L)`` and ``x[p+T, p+T+L)``, ``L = round(T0)``,
    is the period, refined by the parabola through the correlations at ``T-1, T, T+1``; the
    next mark is ``p + T``.  A correlation below ``min_cc`` or a best lag at an end of the
    range rejects the period (no period, the previous one forgotten) and moves the mark by
    ``L``; a voiced frame after unvoiced ones starts its first mark at the last sample of
    its hop.  ``jitter = mean |T_i -
    T_(i-1)| / mean T_i`` over the frame's periods (``T_(i-1)`` may be the previous frame's);
    ``shimmer = mean |20 log10(A(p+T, p+2T) / A(p, p+T))|`` with ``A`` the peak-to-peak
    amplitude of a period.  A voiced frame without a period repeats the last values;
    unvoiced frames write 0.  Kernel: :func:`featgraph.native.smile_voice.smile_jitter`.

    Ports ``(..., 1, frames)`` in the F0's float dtype: ``jitter`` (``jitterLocal``) and
    ``shimmer`` (``shimmerLocalDB``).

    Streaming: block op, latency 0: the marks, the last period and the previous frame's
    first hop are carried across chunks; streamed output equals the whole-array result.
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
    """Per channel: the kernel state ``[mark, last period, last jitter, last shimmer]`` and
    the previous frame's first hop of samples (zeros before the first frame)."""

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
        if self.state is None:
            self.state = np.tile([-1.0, 0.0, 0.0, 0.0], (len(xs), 1))
            self.head = np.zeros((len(xs), hop))
        jit, shim = np.zeros(fs.shape), np.zeros(fs.shape)
        for c in range(len(xs)):
            if m == 0:
                continue
            sig = np.concatenate([self.head[c], xs[c, :-1, :hop].reshape(-1), xs[c, -1]])
            st = self.state[c].copy()
            jit[c], shim[c] = smile_jitter(sig, fs[c], hop, length, frames.sr,
                                           self.p.search_rel, self.p.min_cc, st)
            self.state[c] = st
            self.head[c] = xs[c, -1, :hop]
        shape, dt = lead + (1, m), out_dtype(f0)
        return {"jitter": f0.derive(jit.reshape(shape).astype(dt), Kind.FEATURE, axis=None),
                "shimmer": f0.derive(shim.reshape(shape).astype(dt), Kind.FEATURE, axis=None)}

    def flush(self) -> None:
        return None

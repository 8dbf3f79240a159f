"""Local jitter and shimmer of eGeMAPSv02 (openSMILE 2.6's ``cPitchJitter``), per frame.

eGeMAPSv02's ``gemapsv01b_pitchJitter`` reads the waveform and the gated F0
(``gemapsv01b_logPitch``) with ``searchRangeRel = 0.1``, ``minCC = 0.5``,
``jitterLocal = 1``, ``shimmerLocalDB = 1``.  The definitions are the standard ones
(Eyben et al. 2016, section 3.1.2, after Praat's "local" jitter and shimmer):

    jitterLocal    = mean_i |T_i - T_{i-1}| / mean_i T_i
    shimmerLocalDB = mean_i |20 log10(A_i / A_{i-1})|

over consecutive pitch periods ``T_i`` with peak amplitudes ``A_i``.  How openSMILE
marks the periods (it tracks them across frames through its input buffer) is not
reproduced: here each 60 ms frame is analysed on its own, its periods found by
waveform matching (normalised cross-correlation of consecutive candidate periods
within ``+-search_rel`` of ``sr / F0``; :func:`featgraph.native.reference_voice.
smile_jitter`).  Measured on the three test files, the means over voiced frames
are within ~5 % (jitter) and ~20 % (shimmer) of openSMILE's, but the frame-by-frame
values are not openSMILE's (see docs and tests/test_egemaps_voice.py).

References
----------
F. Eyben et al., IEEE Trans. Affective Computing 7(2), 2016.
P. Boersma and D. Weenink, Praat manual, "Voice 2. Jitter" and "Voice 3. Shimmer"
(jitter (local), shimmer (local, dB)).
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
    F0) and the F0 ``(..., 1, frames)`` in Hz, 0 when unvoiced (``voicing_gate`` port
    ``f0``).  Periods run between marks at waveform peaks: the first is the largest ``|x|``
    in the first period (its sign fixes the polarity); from a mark ``p``, the lag ``T``
    within ``[floor(T0 (1 - search_rel)), ceil(T0 (1 + search_rel))]``, ``T0 = sr / F0``,
    maximising the normalised cross-correlation of ``x[p, p+T)`` and ``x[p+T, p+2T)``
    locates the next period, whose mark is the highest peak within ``+-mark_rel T0`` of
    ``p + T``, refined by a parabola; the search stops at the frame end or when the
    correlation drops below ``min_cc``.  ``jitter = mean |T_i - T_{i-1}| / mean T_i``,
    ``shimmer = mean |20 log10(A_i / A_{i-1})|`` with ``A_i`` the height of mark
    ``i``; both 0 on unvoiced frames and with fewer than two periods (openSMILE writes 0).

    Ports ``(..., 1, frames)`` in the F0's float dtype: ``jitter`` (``jitterLocal``) and ``shimmer``
    (``shimmerLocalDB``).  A C kernel (:func:`featgraph.native.smile_voice.smile_jitter`).

    Streaming: framewise.
    """

    op: Literal["pitch_jitter"] = "pitch_jitter"
    consumes: ClassVar = (Kind.FRAMES, Kind.FEATURE)
    produces: ClassVar = {"jitter": Kind.FEATURE, "shimmer": Kind.FEATURE}
    streaming: ClassVar = "frame"

    search_rel: float = Field(0.1, ge=0, le=0.5, description="period search range relative "
                                                             "to sr / F0 (searchRangeRel: 0.1)")
    mark_rel: float = Field(0.02, ge=0, le=0.5, description="half-width of the window, "
                                                            "relative to sr / F0, in which "
                                                            "the next peak is marked")
    min_cc: float = Field(0.5, ge=-1, le=1, description="lowest correlation of consecutive "
                                                        "periods (minCC: 0.5)")


@PitchJitter.compute
def pitch_jitter(frames: Feature, f0: Feature, p: PitchJitter) -> dict[str, Feature]:
    from ..native.smile_voice import smile_jitter

    x = frame_major(frames.data).astype(np.float64)
    f = f0.data
    if f.shape[-2] != 1 or f.shape[-1] != x.shape[-2] or f.shape[:-2] != x.shape[:-2]:
        raise ValueError(f"pitch_jitter: expected an F0 of shape (1, frames) on the frames' "
                         f"grid, got {f.shape} and {frames.data.shape}")
    lead = x.shape[:-2]
    xs = x.reshape((-1, x.shape[-1])) if x.shape[-1] else np.zeros((0, 4))
    fs = np.asarray(f, dtype=np.float64).reshape(-1)
    if x.shape[-1] < 4:
        jit = shim = np.zeros(fs.shape)
    else:
        jit, shim = smile_jitter(xs, fs, frames.sr, p.search_rel, p.mark_rel,
                                 p.min_cc)
    shape, dt = lead + (1, x.shape[-2]), out_dtype(f0)
    return {"jitter": f0.derive(jit.reshape(shape).astype(dt), Kind.FEATURE, axis=None),
            "shimmer": f0.derive(shim.reshape(shape).astype(dt), Kind.FEATURE, axis=None)}

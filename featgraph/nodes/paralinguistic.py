"""Assembly ops of the paralinguistic sets (eGeMAPS, GeMAPS): voicing selection, row names,
and openSMILE's extra end frame.

Ops: ``voiced_select`` (openSMILE's ``cValbasedSelector`` with ``zeroVec``: the values
on the frames a voicing input marks, 0 elsewhere), ``name_rows`` (sets the row names a
feature carries as metadata, e.g. openSMILE's column names) and ``repeat_last``
(openSMILE's ``cContourSmoother`` writes one frame more than it reads at the end of
the input: the last frame again).

How openSMILE 2.6 assembles eGeMAPSv02 from its two frame grids (measured with its
levels dumped, see docs/paralinguistic.md): the 20 ms frames (``gemapsv01b_frame25``,
``n25`` frames) and the 60 ms frames (``gemapsv01b_frame60``, ``n60 = n25 - 4``
frames) both start at sample 0 every 10 ms, and row ``t`` of every level is frame
``t`` of its grid.  A level read from both grids has ``n60`` rows.  The smoothers
(``_sma3``, edges counted twice) add one frame at the end; the LLD output
(``lldconcat``) has the rows both smoothed sets have: ``n60 + 1``.  The functionals
read ``n25`` smoothed frames of the 20 ms descriptors and ``n60 - 1`` of the 60 ms
ones (the smoothed series minus two frames).

References
----------
openSMILE 3 documentation (audEERING): ``cValbasedSelector`` (``idx``,
``threshold``, ``invert``, ``zeroVec``, ``outputVal``), ``cContourSmoother``,
``cVectorConcat``, ``cDataSelector`` (``newNames``); the eGeMAPSv02 and GeMAPSv01b
configuration files shipped with openSMILE 2.6.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from ..engine.feature import Feature
from ..engine.kinds import ANY, Kind
from ..engine.ops import Node

VALUES = Kind.POWER | Kind.BANDS | Kind.CEPSTRA | Kind.FEATURE


class VoicedSelect(Node):
    """The values on the frames a voicing input marks, 0 elsewhere: ``(..., F, T)``.

    Inputs: the values and a voicing feature ``(..., 1, T)`` (F0; its first row
    is read).  ``keep: voiced`` keeps frames where the voicing value is >
    ``threshold``, ``keep: unvoiced`` where it is <= ``threshold``; every value
    of the other frames becomes 0 (openSMILE's ``cValbasedSelector`` with
    ``zeroVec = 1``, ``outputVal = 0``, ``removeIdx = 1``; eGeMAPSv02:
    ``threshold = 0.000001``, ``invert = 1`` for the unvoiced set).  Followed by
    ``sma3`` with ``nonzero`` and ``functionals`` with ``nonzero`` this gives
    eGeMAPS' ``...V_sma3nz`` and ``...UV_sma3nz`` descriptors.  Both inputs must
    have the same frames (trim the 20 ms grid by 4 frames to the 60 ms grid).

    Streaming: framewise.
    """

    op: Literal["voiced_select"] = "voiced_select"
    consumes: ClassVar = (VALUES, VALUES)
    streaming: ClassVar = "frame"

    keep: Literal["voiced", "unvoiced"] = Field(
        "voiced", description="voiced: frames where the voicing value > threshold; unvoiced: <=")
    threshold: float = Field(1e-6, ge=-1e6, le=1e6, description="voicing threshold "
                                                                "(eGeMAPSv02: 0.000001)")


@VoicedSelect.compute
def voiced_select(x: Feature, voicing: Feature, p: VoicedSelect) -> Feature:
    if x.data.shape[-1] != voicing.data.shape[-1]:
        raise ValueError(f"voiced_select: the inputs have {x.data.shape[-1]} and "
                         f"{voicing.data.shape[-1]} frames; trim the longer grid "
                         "(trim_frames) to the other's frames")
    v = np.asarray(voicing.data)[..., :1, :] > p.threshold
    keep = v if p.keep == "voiced" else ~v
    return x.derive(np.where(keep, x.data, np.zeros((), x.data.dtype)))


class NameRows(Node):
    """Give each row of the feature axis a name (metadata; the data is unchanged).

    ``names`` must have one entry per row.  The names travel with the feature
    (``Feature.names``): ``functionals`` appends its statistic names to them,
    ``stack`` concatenates them, and a corpus run into Parquet names its columns
    by them (openSMILE's column names in the eGeMAPS recipes).

    Streaming: framewise.
    """

    op: Literal["name_rows"] = "name_rows"
    consumes: ClassVar = (ANY & ~Kind.SIGNAL,)
    streaming: ClassVar = "frame"

    names: tuple[str, ...] = Field(..., min_length=1, description="one name per feature row")

    @field_validator("names")
    @classmethod
    def _distinct(cls, v):
        if len(set(v)) != len(v):
            raise ValueError(f"names repeats a name: {list(v)}")
        return v


@NameRows.compute
def name_rows(x: Feature, p: NameRows) -> Feature:
    rows = x.data.shape[-2] if x.data.ndim >= 2 else 0
    if rows != len(p.names):
        raise ValueError(f"name_rows: {len(p.names)} names for {rows} rows")
    return x.derive(x.data, names=tuple(p.names))


class RepeatLast(Node):
    """The input, then its last frame once more at the end (``(..., F, T) -> (..., F, T + 1)``).

    openSMILE's ``cContourSmoother`` (eGeMAPS' ``_sma3``) writes one frame more
    than it reads: after the end of the input it repeats the last smoothed
    frame's window, which with the edge frame counted three times is the last
    input frame (measured on openSMILE 2.6's ``egemapsv02_lldsetE_smo``, 833
    rows from 832).  Apply it to the raw series' last frame: ``repeat_last``
    after ``sma3`` repeats the smoothed value instead, so the recipes use the
    ``of: input`` form: the second input is the unsmoothed series.  No input
    frame, no output frame.

    Streaming: block op; each chunk passes through, the extra frame comes at the
    end (no look-ahead).
    """

    op: Literal["repeat_last"] = "repeat_last"
    consumes: ClassVar = (VALUES, VALUES)
    streaming: ClassVar = "block"


@RepeatLast.stream
class RepeatLastState:
    """The last frame of the second input seen so far."""

    def __init__(self, p: RepeatLast):
        self.last: Feature | None = None

    def step(self, x: Feature, raw: Feature) -> Feature:
        if raw.n_frames:
            self.last = raw.derive(raw.data[..., -1:])
        return x

    def flush(self) -> Feature | None:
        out, self.last = self.last, None
        return out



class PickRows(Node):
    """The feature rows ``rows``, in that order: ``(..., F, T) -> (..., len(rows), T)``.

    Reorders or picks rows (names, when the input has them, follow their rows),
    e.g. openSMILE's column order, which interleaves the outputs of several
    components (F1 frequency, bandwidth, amplitude, F2 ...).  ``select`` keeps
    a contiguous range; this takes any list, repeats allowed.

    Streaming: framewise.
    """

    op: Literal["pick_rows"] = "pick_rows"
    consumes: ClassVar = (ANY & ~Kind.SIGNAL,)
    streaming: ClassVar = "frame"

    rows: tuple[int, ...] = Field(..., min_length=1, description="row indices, in output order")

    @field_validator("rows")
    @classmethod
    def _bounded(cls, v):
        if any(not 0 <= r <= 100_000 for r in v):
            raise ValueError(f"rows must be between 0 and 100000: {list(v)}")
        return v


@PickRows.compute
def pick_rows(x: Feature, p: PickRows) -> Feature:
    n = x.data.shape[-2]
    if max(p.rows) >= n:
        raise ValueError(f"pick_rows: row {max(p.rows)} of a feature with {n} rows")
    names = tuple(x.names[r] for r in p.rows) if x.names else None
    return x.derive(x.data[..., list(p.rows), :], names=names)

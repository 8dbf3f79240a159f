"""Gathering a stream's chunks into whole arrays: a run's outputs and a whole-signal op's
inputs (:mod:`featgraph.engine.scheduler`).

A :class:`Collector` takes an output's chunks in order; with the input's length known
ahead it writes them into one array sized from it, else it keeps them in slabs and joins
them at the end (:func:`join_releasing`).  A whole-signal op's input collector also
recognises consecutive views of one array (the caller's samples, passed on by ``load``)
and hands the op one read-only view of them: no copy.  A :class:`Sink` lets a block op write its
frames straight into those arrays.
"""
from __future__ import annotations

import numpy as np

from .errors import AudioError
from .feature import Feature
from .kinds import Kind
from .ops import join_chunks


class Collector:
    """An output's chunks, gathered into one array as they come.

    With the input's length known (``n_samples`` at ``sr`` Hz), the first chunk of a
    large output (at least ``SLAB_BYTES`` expected) sizes one frame-major array for the
    whole output: ``n_samples * chunk.sr / sr / hop + 2`` frames (a centred framing
    gives ``1 + n // hop``; a signal output counts samples), and every chunk is copied
    into it as it comes (one copy, no join; pages never written are never resident).
    The output is that array's filled prefix, copied out only when less than
    3/4 of it was used.  A chunk that does not fit (more frames than expected, another
    shape or type) turns the filled prefix into a slab and the rest goes the way an
    output of unknown length goes:

    chunks merged into slabs of at least ``SLAB_BYTES`` as they come.  Small chunks live
    in the allocator's heap, which rarely shrinks; slabs are large enough to be mapped
    and unmapped on their own, so the final join (:func:`join_releasing`) returns each
    slab's memory as it copies it and an output is held about once, not twice.
    """

    SLAB_BYTES = 8 << 20

    def __init__(self, n_samples: int | None = None, sr: float | None = None,
                 views: bool = False):
        self.views = views                     # keep consecutive views of one array
        self.run: list[Feature] = []           # such views, nothing copied yet
        self.slabs: list[Feature] = []
        self.small: list[Feature] = []
        self.small_bytes = 0
        self.expect = (n_samples, sr) if n_samples and sr else None
        self.first: Feature | None = None      # metadata of the preallocated output
        self.signal = False                    # frames on its last axis (a signal)
        self.buf: np.ndarray | None = None     # (..., capacity, features) or (..., capacity)
        self.at = 0

    def add(self, chunk: Feature) -> None:
        if not chunk.n_frames:             # a join drops it, unless no chunk has frames
            if self.buf is None and not self.slabs and not self.small and not self.run:
                self.small.append(chunk)
            return
        if self.views and self._continues(chunk):
            self.run.append(chunk)
            return
        if self.run:                       # not one array after all: collect them as usual
            run, self.run, self.views = self.run, [], False
            for c in run:
                self._add(c)
        self._add(chunk)

    def _continues(self, chunk: Feature) -> bool:
        """Whether ``chunk`` is a signal that starts where the held run of views ends, in
        the same array (or starts a run, when nothing else was collected)."""
        data = chunk.data
        if chunk.is_events or data.base is None or not (chunk.kind == Kind.SIGNAL
                                                         or data.ndim < 2):
            return False
        if not self.run:
            return self.buf is None and not self.slabs and not any(
                c.n_frames for c in self.small)
        last = self.run[-1].data
        return (data.base is last.base and data.dtype == last.dtype
                and data.shape[:-1] == last.shape[:-1] and data.strides == last.strides
                and address(data) == address(last) + last.shape[-1] * last.strides[-1])

    def _add(self, chunk: Feature) -> None:
        if self.expect is not None:
            self._reserve(chunk)
        if self.buf is not None:
            if self._put(chunk):
                return
            filled = self._filled()                   # the array so far becomes a slab
            if filled is not None:
                self.slabs.append(filled)
        self.small.append(chunk)
        self.small_bytes += chunk.nbytes
        if self.small_bytes >= self.SLAB_BYTES:
            self.slabs.append(join_chunks(self.small))
            self.small, self.small_bytes = [], 0

    def chunks(self) -> bool:
        """Whether any chunk was added."""
        return self.buf is not None or bool(self.slabs or self.small or self.run)

    def _reserve(self, chunk: Feature) -> None:
        """On the first chunk with frames: the output's array, if it is worth one."""
        n_samples, sr = self.expect
        self.expect = None                     # decided once
        if chunk.is_events or self.slabs or any(c.n_frames for c in self.small):
            return
        signal = chunk.kind == Kind.SIGNAL or chunk.data.ndim < 2
        hop = 1 if signal else chunk.hop
        if not hop or not chunk.sr:
            return
        frames = int(n_samples * (float(chunk.sr) / sr) / hop) + 2
        if frames * (chunk.nbytes // chunk.n_frames) < self.SLAB_BYTES \
                or frames < chunk.n_frames:
            return
        lead = chunk.data.shape[:-1]
        shape = lead + (frames,) if signal else lead[:-1] + (frames, lead[-1])
        self.buf = np.empty(shape, chunk.data.dtype)
        self.small, self.small_bytes = [], 0           # empty chunks: nothing to join
        self.signal = signal
        self.first = chunk.derive(np.empty(0))         # metadata only: no view of a chunk

    def _frames(self, data: np.ndarray) -> np.ndarray:
        """``data`` (a chunk's, or the array's) with frames on the last axis."""
        return data if self.signal else np.swapaxes(data, -1, -2)

    def _put(self, chunk: Feature) -> bool:
        """Copy ``chunk`` into the array after the frames so far; False if it does not fit."""
        n, at = chunk.n_frames, self.at
        if not n:                            # (an empty chunk adds nothing to a join)
            return True
        data, buf = chunk.data, self._frames(self.buf)
        if chunk.is_events or data.dtype != buf.dtype or data.shape[:-1] != buf.shape[:-1] \
                or at + n > buf.shape[-1]:
            return False
        target = buf[..., at:at + n]
        if not (np.may_share_memory(data, target) and data.strides == target.strides
                and address(data) == address(target)):  # (else written in place already)
            target[...] = data
        self.at = at + n
        return True

    def _filled(self) -> Feature | None:
        """The frames written so far, as a feature (a view of the array), or None."""
        buf, at, first = self._frames(self.buf), self.at, self.first
        self.buf = self.first = None
        return first.derive(buf[..., :at]) if at else None

    def join(self) -> Feature:
        if self.run:                       # one array's consecutive views: one view of it
            first, n = self.run[0], sum(c.n_frames for c in self.run)
            self.run = []
            data = first.data
            view = np.lib.stride_tricks.as_strided(data, data.shape[:-1] + (n,), data.strides,
                                                   writeable=False)
            return first.derive(view)
        if self.buf is not None and not self.slabs and not self.small:
            capacity, used = self._frames(self.buf).shape[-1], self.at
            out = self._filled()
            if out is None:
                raise AudioError("an output received no frames")
            if 4 * used < 3 * capacity:               # much less than expected: fit it
                fitted = np.ascontiguousarray(self._frames(out.data))
                out = out.derive(self._frames(fitted))
            return out
        if self.buf is not None:                      # the array so far becomes a slab
            filled = self._filled()
            if filled is not None:
                self.slabs.append(filled)
        chunks = self.slabs + self.small
        self.slabs, self.small = [], []
        return join_releasing(chunks)


def address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


class Sink:
    """What a block op's state may write into: the arrays the run collects its output
    ports in (:class:`Collector`), once they exist.

    The engine sets ``state.sink`` to one of these on a block op whose state class has a
    ``sink`` attribute and whose ports include run outputs.  ``frames(port)`` is the
    port's frame-major array ``(..., capacity, features)`` or None (not an output, the
    length unknown, not reserved yet or given up).  Frame ``t`` of the port belongs at
    ``[..., t, :]``: a chunk whose data already lies there (same address and strides) is
    taken without a copy.  Writing there is an optimisation only: a chunk from anywhere
    else is copied as usual, so the op must still emit every chunk."""

    def __init__(self, collectors: dict[str, "Collector"], ports: list[str]):
        self.collectors = dict(collectors)
        if "" in self.collectors and ports and ports[0]:    # "" names the first port
            self.collectors.setdefault(ports[0], self.collectors[""])

    def frames(self, port: str) -> np.ndarray | None:
        c = self.collectors.get(port)
        return None if c is None or c.buf is None or c.signal else c.buf


def join_releasing(chunks: list[Feature]) -> Feature:
    """Join chunks along frames into one frame-major array, emptying ``chunks`` as it
    copies them, so that each chunk's memory is freed once copied."""
    chunks[:] = [c for c in chunks if c.n_frames] or chunks[:1]
    if not chunks:
        raise AudioError("an output received no frames")
    if len(chunks) == 1:
        return chunks[0]
    first = chunks[0].derive(np.empty(0))          # metadata only: no view of a chunk
    total = sum(c.n_frames for c in chunks)
    lead = chunks[0].data.shape[:-1]
    signal = first.kind == Kind.SIGNAL or not lead
    shape = lead + (total,) if signal else lead[:-1] + (total, lead[-1])
    out = np.empty(shape, dtype=np.result_type(*[c.data.dtype for c in chunks]))
    at = 0
    while chunks:
        c = chunks.pop(0)
        n = c.n_frames
        if signal:
            out[..., at:at + n] = c.data
        else:
            out[..., at:at + n, :] = np.swapaxes(c.data, -1, -2)
        at += n
    return first.derive(out if signal else np.swapaxes(out, -1, -2))

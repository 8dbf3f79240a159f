"""The octave cascade of the constant-Q transforms, a block of input at a time.

:func:`featgraph.nodes._cqfilters.variable_q` plans the octaves (bases, rates, hops) and
the stages of the cascade: the input, the early downsampling if any, and one stage per
halving, each made by a soxr stream (:func:`resampler`) from the stage above.
:func:`cascade` then takes the input :data:`CASCADE_BLOCK` samples at a time; each stage
resamples what the stage above has just delivered and each octave computes the frames
whose samples have arrived (:func:`octave_frames`, through the time-domain filters
:func:`time_frames` or the FFT and basis product :func:`fft_frames`), writing straight
into the output's rows.  libsoxr's output does not depend on how its input is split into
calls, and every frame is computed from the same samples by the same kernel call layout,
so the output is bit-equal to halving whole signals as librosa does.

Why not whole signals: python-soxr returns every halved signal in a fresh, zeroed array,
about 53 MB for the six halvings of 600 s at 22.05 kHz in float32, whose ~10 000 first
touches page-fault in every call; on this KVM guest, whose freed memory the balloon
driver reports back to the host, those faults cost from 1.5 to several microseconds a
page, which made the presets' time bimodal (docs/transforms-cqt.md, "Speed").  Here the
stages hold a few hundred kilobytes, reused from the heap after the first call.
"""
from __future__ import annotations

import numpy as np

from .spectral import rfft_frames

SOXR = {"soxr_vhq": "VHQ", "soxr_hq": "HQ", "soxr_mq": "MQ", "soxr_lq": "LQ", "soxr_qq": "QQ"}


def resampler(factor: int, dtype, res_type: str):
    """A soxr stream that resamples by ``1 / factor`` (``resample_chunk(x, last=False)``, each
    call's output as libsoxr delivers it).  libsoxr's output does not depend on how its
    input is split into calls, so the concatenated chunks equal ``soxr.resample(y, factor,
    1)`` bit for bit (tests/test_constantq.py), which is what librosa's ``resample`` calls."""
    import soxr

    return soxr.ResampleStream(factor, 1, 1, dtype=np.dtype(dtype).name,
                               quality=SOXR[res_type])


CQ_BLOCK_BYTES = 1 << 20
"""Spectra per block of the CQT: as many frames as fit in this many bytes (64 to 4096)."""


def fft_group(n_fft: int, itemsize: int) -> int:
    """Frames per FFT call of :func:`fft_frames` (a spectrum block of about
    :data:`CQ_BLOCK_BYTES`).  The groups start at multiples of it from frame 0 however the
    frames are computed (whole or streamed), so that every frame meets the same FFT call
    layout and the outputs are bit-equal."""
    return min(4096, max(64, CQ_BLOCK_BYTES // ((n_fft // 2 + 1) * itemsize)))


def fft_frames(src: np.ndarray, n_fft: int, hop: int, count: int, rows: tuple,
               out: np.ndarray, out_col0: int) -> None:
    """Rows ``0 .. count - 1`` of ``out``, columns ``out_col0 ..``: the basis rows (see
    :func:`featgraph.nodes._cqfilters.basis_rows`) times the real DFTs of the frames
    ``src[t hop : t hop + n_fft]``."""
    basis, lo = rows
    size = fft_group(n_fft, out.itemsize)
    spec = np.empty((min(size, count), n_fft // 2 + 1), out.dtype)
    frames = np.lib.stride_tricks.as_strided(src, (count, n_fft), (src.itemsize * hop,
                                                                   src.itemsize),
                                             writeable=False)
    for a in range(0, count, size):
        c = min(size, count - a)
        rfft_frames(frames[a:a + c], n_fft, out=spec[:c])
        basis.product(spec[:c], out[a:a + c], lo, out_col0)


def time_frames(src: np.ndarray, n_fft: int, hop: int, count: int, filters: tuple,
                out: np.ndarray, out_col0: int) -> None:
    """As :func:`fft_frames`, with the rows as time-domain filters ``filters = (h, rows)``
    (see :func:`featgraph.nodes._cqfilters.time_filters`) applied in C
    (:func:`featgraph.native.transforms.cq_frames`)."""
    from ..native.transforms import cq_frames

    h, rows = filters
    cq_frames(src, hop, n_fft, count, h, out.view(out.real.dtype), 2 * out_col0, 2 * rows)


def octave_frames(kernel, arg, pieces: list, n: int, n_fft: int, hop: int, t0: int, t1: int,
                  out: np.ndarray, out_col0: int, group: int = 0) -> None:
    """The centred frames ``t0 .. t1 - 1`` of a signal of ``n`` samples (zero padding
    outside ``0 .. n - 1``), held in ``pieces``, consecutive ``(first sample, array)`` that
    cover at least the samples those frames need, through ``kernel(src, n_fft, hop, count,
    arg, out_rows, out_col0)`` (:func:`fft_frames`, :func:`time_frames`): the frames
    inside the signal and the last piece are read in place, the few others (at the ends of
    the signal, or across two pieces) from a copy of the samples they cover.  With ``group``
    (``t0`` a multiple of it), one kernel call per ``group`` frames from a multiple of it,
    each call in place or copied as a whole."""
    half = n_fft // 2
    base, last = pieces[-1]
    lo, hi = max(0, base), min(n, base + last.shape[-1])      # frames in here: in place
    a = max(t0, -(-(lo + half) // hop))
    b = max(a, min(t1, (hi + half - n_fft) // hop + 1))
    if group:
        spans = [(g, min(g + group, t1)) for g in range(t0, t1, group)]
    else:
        spans = ((t0, min(t1, a)), (a, b), (max(t0, b), t1))
    for s0, s1 in spans:
        if s1 <= s0:
            continue
        start = s0 * hop - half
        stop = start + (s1 - s0 - 1) * hop + n_fft
        if lo <= start and stop <= hi:
            src = last[start - base:stop - base]
        else:
            src = np.zeros(stop - start, last.dtype)
            for first, piece in pieces:
                c0, c1 = max(start, first, 0), min(stop, first + piece.shape[-1], n)
                if c1 > c0:
                    src[c0 - start:c1 - start] = piece[c0 - first:c1 - first]
        kernel(src, n_fft, hop, s1 - s0, arg, out[s0:s1], out_col0)


CASCADE_BLOCK = 1 << 18
"""Samples of the input taken per step of the octave cascade (:func:`cascade`)."""
CASCADE_FEED = 1 << 16
"""Fewest samples handed to a stage's resampler at once (the low stages gather the samples
of several steps)."""


class Octave:
    """One octave of the cascade: its frame kernel (:func:`time_frames`, :func:`fft_frames`)
    and rows, FFT length, hop, first output column and next frame to compute."""

    __slots__ = ("kernel", "arg", "n_fft", "hop", "col0", "group", "next")

    def __init__(self, kernel, arg, n_fft: int, hop: int, col0: int, group: int):
        self.kernel, self.arg, self.n_fft, self.hop, self.col0 = kernel, arg, n_fft, hop, col0
        self.group, self.next = group, 0

    def advance(self, st: "Stage", out: np.ndarray) -> None:
        """Compute every frame not yet computed whose samples the stage holds."""
        n_frames = out.shape[0]
        if st.end == st.n:
            t1 = n_frames
        else:
            t1 = min(n_frames, max(0, (st.end + self.n_fft // 2 - self.n_fft) // self.hop + 1))
            if self.group:
                t1 -= t1 % self.group
        if t1 > self.next:
            octave_frames(self.kernel, self.arg, st.pieces, st.n, self.n_fft, self.hop,
                          self.next, t1, out, self.col0, self.group)
            self.next = t1


class Stage:
    """One rate of the octave cascade: the input (``stream`` None), or the stage above
    resampled by a soxr stream, cut or zero-padded to ``n`` samples and multiplied by each of
    ``gains`` in turn.  ``pieces`` (``(first sample, array)``, consecutive) hold the samples
    up to ``end`` that its octaves still need: the input whole, a resampled stage its newest
    chunk as soxr returned it and before it the rest of the samples still needed."""

    def __init__(self, n: int, data, stream=None, gains=()):
        self.n, self.stream, self.gains = n, stream, gains
        self.pieces = [] if data is None else [(0, data)]
        self.end = 0
        self.octaves: list[Octave] = []
        self.pending: list[np.ndarray] = []
        self.waiting = 0

    def take(self, x: np.ndarray, last: bool):
        """Resample ``x``, the stage above's new samples (``last``: its final ones), and
        append the result; returns it, or None while the input gathers."""
        if len(x):
            self.pending.append(x)
            self.waiting += len(x)
        if not last and self.waiting < CASCADE_FEED:
            return None
        x = self.pending[0] if len(self.pending) == 1 else np.concatenate(self.pending)
        self.pending, self.waiting = [], 0
        new = self.stream.resample_chunk(x, last=last)
        room = self.n - self.end
        if len(new) > room:
            new = new[:room]
        if last and len(new) < room:
            new = np.concatenate([new, np.zeros(room - len(new), new.dtype)])
        for g in self.gains:
            new *= g
        self.pieces.append((self.end, new))
        self.end += len(new)
        return new

    def settle(self) -> None:
        """Drop the samples no octave needs any more; join what is left into one piece."""
        if self.stream is None:
            return
        keep = min((o.next * o.hop - o.n_fft // 2 for o in self.octaves), default=self.end)
        kept = []
        for first, piece in self.pieces:
            if first + len(piece) > keep:
                cut = max(keep - first, 0)
                kept.append((first + cut, piece[cut:]))
        if len(kept) > 1:
            kept = [(kept[0][0], np.concatenate([piece for _, piece in kept]))]
        self.pieces = kept


def cascade(stages: list, out: np.ndarray) -> None:
    """Run the octave cascade a block of input samples at a time: each stage resamples the
    new samples of the stage above (libsoxr's output does not depend on how its input is
    split), and each octave computes the frames its stage's samples complete.  No resampled
    signal is ever whole: the samples stay in the cache between the resampler and the
    filters, and no large array is allocated (fresh pages cost page faults, on this VM
    several times more when the host has reclaimed them: docs/transforms-cqt.md)."""
    top = stages[0]
    y = top.pieces[0][1]
    while True:
        pos, top.end = top.end, min(top.n, top.end + CASCADE_BLOCK)
        new = y[pos:top.end]
        for j, st in enumerate(stages):
            if j:
                new = st.take(new, stages[j - 1].end == stages[j - 1].n)
                if new is None:
                    break
            for octave in st.octaves:
                octave.advance(st, out)
            st.settle()
        if top.end == top.n:
            return

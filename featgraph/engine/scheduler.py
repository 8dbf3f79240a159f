"""Run a :class:`~featgraph.engine.plan.Plan` as a stream of blocks.

Policy
------
Audio enters in blocks of samples.  Each block is pushed through the plan's
steps in topological order (``plan.order``); every step turns what it has
received into an output *chunk* that its consumers receive in the same pass.
How a step does that depends on its op's ``streaming`` class
(:class:`~featgraph.engine.ops.Node`):

- ``frame``: the op's pure function is applied to the chunk (skipped when the
  chunk is empty);
- ``block``: the op's state object (created at the first chunk) steps on the
  chunk and may hold frames back (look-ahead, overlap);
- ``signal``: chunks are gathered; the op runs once, when the input ends.

Event lists (``Kind.EVENTS``: onset or beat times in seconds, a float64
``(n_events,)`` array) flow like any output, and chunks of them join by
concatenation; an input carrying events is not aligned with the frame inputs
of its step (it is consumed whole when it arrives).

When the input ends (:meth:`Stream.close`), a last pass flushes every block op
and runs every signal op, again in topological order, so that what a flush
emits reaches the steps below it (a last block pushed with ``last`` takes that pass
itself: its chunks go through each step and then the flush, in one call of each step,
as :func:`collect` does for an input of known length).  Once no step needs more samples (every path
from the source ends at a block op that is ``done``, such as ``fit_length``
after cutting its target duration), the rest of the input is not read.  A whole-file run and a run on any split of
the same samples into blocks therefore compute the same numbers (the tests
hold every shipped recipe to that).

State
-----
``pending[key][i]``
    chunks received on input ``i`` of step ``key`` and not yet consumed.  A
    step with several inputs consumes the same number of frames from each
    (its inputs are aligned); the remainder waits for the next pass.  When
    joining an input's chunks would copy more than :data:`SPLIT_BYTES`, the
    step runs once per aligned run of views instead (:func:`_runs`).
``states[key]``
    the state object of a block op.
``held[key]``
    the gathered chunks of a signal op, per input (a :class:`Collector` each: with
    the input's length known, a long input is copied into one array as it comes).
``stats[key]``
    seconds spent and bytes produced, summed over chunks (the report).

Memory is bounded by the block size for frame and block ops; a signal op holds
its whole input, and the outputs are kept in full (or handed out chunk by
chunk by :meth:`Stream.push` for a live stream).
"""
from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator

import numpy as np

from .errors import AudioError, NodeError
from .feature import Feature
from .plan import Plan, Step
from .kinds import Kind
from .collector import Collector, Sink
from .ops import finish, join_chunks
from .report import Report, rows_from, step_layout
from .result import Result
from .source import Source, read_dtype, read_scale  # noqa: F401  (read_*: re-exported)

BLOCK_SAMPLES = 1 << 18
"""Samples per block read from a file or cut from an array: 16 s at 16 kHz, about 1600
frames at a 10 ms hop.  Each block pays every step's Python call once (about 0.1-0.6 ms
per block for a whole recipe); at 2^16 samples that was 15-20 % of PNCC's and
python_speech_features' MFCC's time on 600 s, at 2^18 it is a few per cent, while the
working buffers (frames, spectra: a few MB) stay bounded (tests/test_engine.py)."""


class Stream:
    """Push blocks of samples through a plan; collect output chunks as they appear.

    Parameters
    ----------
    plan : Plan
        A compiled plan (:meth:`featgraph.Recipe.compile`).
    sr : float
        Sample rate of the blocks, in Hz.
    label : str
        Names the input in error messages.

    Examples
    --------
    >>> import numpy as np, featgraph
    >>> from featgraph.engine.scheduler import Stream
    >>> stream = Stream(featgraph.load("plp").compile(), sr=16000)
    >>> y = np.random.default_rng(0).standard_normal(16000)
    >>> chunks = [stream.push(block) for block in np.split(y, 10)] + [stream.close()]
    >>> sum(c["plp"].n_frames for c in chunks if "plp" in c)
    98
    """

    def __init__(self, plan: Plan, sr: float, label: str = "stream"):
        self.plan, self.sr, self.label = plan, float(sr), label
        layout = _Layout.of(plan)          # what depends on the plan only: built once
        self.pending: dict[str, list[list[Feature]]] = {
            key: [[] for _ in range(n)] for key, n in layout.arity}
        self.readers: dict[tuple[str, str], list[tuple[str, int]]] = layout.readers
        self.states: dict[str, object] = {}
        self.held: dict[str, list[Collector]] = {}
        self.n_samples: int | None = None    # the input's length, when known (collect)
        self.sinks: dict[str, dict[str, Collector]] = {}   # step: {port: its collector}
        self.finite_input = False            # the samples cannot hold NaN (integer PCM)
        self.prescaled = False               # the reader applied the load ops' scale
        self.stats = {key: [0.0, 0] for key in layout.order}
        self.closed = False
        self.saturated = False
        self._layout = layout
        self._sources = layout.sources
        self._kept = layout.kept
        self._step_readers = layout.step_readers

    # ---------------------------------------------------------------- driving
    def push(self, block: np.ndarray, last: bool = False) -> dict[str, Feature]:
        """Feed ``block`` (``(samples,)`` or ``(channels, samples)``); return the output
        chunks it completed, by output name (outputs with nothing new are absent).

        ``last``: no block follows; the stream is closed in the same pass (one call of
        each step instead of two: ``push(b, last=True)`` gives the chunks of ``push(b)``
        and :meth:`close` joined)."""
        if self.closed:
            raise RuntimeError("push after close")
        if self.saturated:                          # the rest changes no output
            return self.close() if last else {}
        raw = np.asarray(block)
        raw = raw[None, :] if raw.ndim == 1 else raw
        if raw.ndim != 2:
            raise AudioError(f"{self.label}: a block must be (samples,) or (channels, samples), "
                             f"got shape {np.shape(block)}")
        self.closed = last
        out = self._pass(Feature(raw, Kind.SIGNAL, self.sr), final=last)
        if not last:
            self._check_saturated()
        return out

    def close(self) -> dict[str, Feature]:
        """End of input: flush block ops, run signal ops; return the last chunks."""
        self.closed = True
        return self._pass(None, final=True)

    def _check_saturated(self) -> bool:
        """Whether no step needs more samples (then :attr:`saturated` is set).

        A block op whose state says ``done`` (``fit_length`` once it has cut its
        target duration) ignores the rest of its input; a step all of whose readers
        are done, and which is no output, is done too.  When every source step is
        done, further blocks change no output: :meth:`push` skips them and
        :func:`collect` stops reading the source.
        """
        if not any(getattr(state, "done", False) for state in self.states.values()):
            return False
        memo: dict[str, bool] = {}

        def done(key: str) -> bool:
            if key not in memo:
                memo[key] = False                        # (the plan is acyclic)
                readers = self._step_readers[key]
                memo[key] = bool(getattr(self.states.get(key), "done", False)) or (
                    key not in self._kept and bool(readers) and all(map(done, readers)))
            return memo[key]

        self.saturated = all(map(done, self._sources))
        return self.saturated

    def _pass(self, raw: Feature | None, final: bool) -> dict[str, Feature]:
        emitted: dict[tuple[str, str], Feature] = {}
        for key, step in self._layout.steps:
            if not step.inputs:                        # a source op reads the raw block
                args = [raw] if raw is not None else None
            else:
                args = self._take(key, step)
            if args and isinstance(args[0], list):     # aligned runs of views (_runs)
                out = join_chunks([self._run(step, run, final and i == len(args) - 1)
                                   for i, run in enumerate(args)])
            else:
                out = self._run(step, args, final)
            if out is None:
                continue
            ports = out if isinstance(out, dict) else {"": out}
            first = next(iter(ports))
            for port, chunk in ports.items():
                self.stats[key][1] += chunk.nbytes
                refs = [(key, port), (key, "")] if port == first and port else [(key, port)]
                for ref in refs:                    # "" also names the first port
                    for reader, i in self.readers.get(ref, ()):
                        self.pending[reader][i].append(chunk)
                    emitted[ref] = chunk
        return {name: emitted[ref] for name, ref in self.plan.outputs.items() if ref in emitted}

    def _take(self, key: str, step: Step) -> list[Feature] | None:
        """Join each input's pending chunks; consume the frames all inputs have.

        Event lists (``Kind.EVENTS``) are not on the frame grid: an events input
        is consumed whole, and only the frame inputs are aligned."""
        queues = self.pending[key]
        if len(queues) == 1:                          # one input: all of it, as it is
            q = queues[0]
            if not q:
                return None
            one = q[0] if len(q) == 1 else join_chunks(q)
            q.clear()
            return [one]
        if not all(queues):               # an input has nothing yet: wait, joining nothing
            return None                   # (joining the others each pass is quadratic)
        runs = _runs(queues)
        if runs is not None:
            return runs
        joined = [join_chunks(q) for q in queues]
        if any(j is None for j in joined):
            return None
        framed = [j.n_frames for j in joined if not j.is_events]
        n = min(framed) if framed else None
        for q, j in zip(queues, joined):
            q.clear()
            if not j.is_events and j.n_frames > n:
                q.append(j.derive(j.data[..., n:]))
        return [j if j.is_events or j.n_frames == n else j.derive(j.data[..., :n])
                for j in joined]

    def _run(self, step: Step, args: list[Feature] | None, final: bool):
        model, key = step.model, step.key
        mode = type(model).streaming
        start = time.perf_counter()
        try:
            if mode == "frame":
                out = model(*args) if args and args[0].n_frames else None
            elif mode == "block":
                state = self.states.get(key)
                if state is None:
                    state = self.states[key] = model.start()
                    if key in self.sinks and hasattr(state, "sink"):
                        state.sink = Sink(self.sinks[key], list(model.out_ports()))
                    if self.finite_input and hasattr(state, "finite_input"):
                        state.finite_input = True    # (load: no finiteness check needed)
                    if self.prescaled and hasattr(state, "prescaled"):
                        state.prescaled = True       # (load: its scale applied already)
                if final:                  # the last chunks and the flush, joined
                    out = finish(state, *(args or ()))
                else:
                    out = state.step(*args) if args else None
            elif final and args and key not in self.held and sum(
                    a.nbytes for a in args if a is not None) < Collector.SLAB_BYTES // 4:
                out = self._run_signal(step, args)    # all of it at once: nothing to gather
            else:
                if args:
                    held = self.held.get(key)
                    if held is None:
                        held = self.held[key] = [Collector(self.n_samples, self.sr,
                                                           views=True) for _ in args]
                    for slot, chunk in zip(held, args):
                        if chunk is not None:
                            slot.add(chunk)
                out = None
                if final:
                    out = self._run_signal(step)
        except NodeError:
            raise
        except Exception as exc:          # name the node and the input, keep the cause
            raise NodeError(step.names[0], model.op, exc, self.label) from exc
        self.stats[key][0] += time.perf_counter() - start
        return out

    def _run_signal(self, step: Step, whole: list | None = None):
        """A signal op on its gathered input, or on ``whole``: all of it, come in one pass."""
        held = None if whole is not None else self.held.pop(step.key, None)
        if whole is None and not held:
            raise ValueError("its input is empty")
        inputs = list(whole) if held is None else [s.join() if s.chunks() else None for s in held]
        del held
        if len({f.n_frames for f in inputs if f is not None and not f.is_events}) > 1:
            raise ValueError("its inputs have different frame counts: "
                             + ", ".join(str(f.n_frames) for f in inputs if f is not None))
        return step.model(*inputs)

    def check_aligned(self) -> None:
        """After :meth:`close`: every multi-input step consumed all its frames."""
        for key, queues in self.pending.items():
            left = [sum(c.n_frames for c in q if not c.is_events) for q in queues]
            if any(left):
                step = self.plan.step(key)
                raise NodeError(step.names[0], step.model.op, ValueError(
                    "its inputs have different frame counts (left over: "
                    + ", ".join(map(str, left)) + ")"), self.label)

    def report(self) -> Report:
        """Per recipe node: executed or shared, seconds and bytes summed over chunks."""
        return _report(self._layout, self.plan, self.stats)


def _report(layout: "_Layout", plan: Plan, stats: dict) -> Report:
    """The :class:`Report` of a run of ``plan`` with the step ``stats`` (:meth:`Stream.report`;
    :func:`execute` hands this to the :class:`Result` unmade, built when read)."""
    rows = []
    for key, rows_layout in layout.rows(plan):
        rows.extend(rows_from(rows_layout, *stats[key]))
    return Report(rows)


class _Layout:
    """The read-only part of a :class:`Stream`'s setup, which depends on the plan only:
    who reads each output, the source steps, the outputs' steps, the report's rows.
    Kept per plan (a few plans, checked by identity and steps), so that a run over many
    files builds it once, not once per file."""

    _cache: dict[int, tuple] = {}
    _MAX = 32

    def __init__(self, plan: Plan):
        self.order = plan.order
        self.steps = [(key, plan.step(key)) for key in self.order]   # the steps, in order
        self.arity = [(key, len(plan.step(key).inputs)) for key in self.order]
        self.readers: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for key in self.order:
            for i, ref in enumerate(plan.step(key).inputs):
                self.readers.setdefault(ref, []).append((key, i))
        self.sources = [key for key in self.order if not plan.step(key).inputs]
        self.kept = {ref[0] for ref in plan.outputs.values()}
        self.step_readers = {key: {r for (k, _), rs in self.readers.items() if k == key
                                   for r, _ in rs} for key in self.order}
        self._rows = None

    def rows(self, plan: Plan) -> list:
        """``(key, report.step_layout)`` per step of ``plan`` (this layout's), made at
        the first report."""
        if self._rows is None:
            self._rows = [(key, step_layout(plan.step(key))) for key in self.order]
        return self._rows

    @classmethod
    def of(cls, plan: Plan) -> "_Layout":
        """The layout of ``plan``, from the cache while the plan object, its steps (by
        identity) and its outputs are the same; the plan is read through ``order``,
        ``step()`` and ``outputs`` only."""
        import weakref

        order = plan.order
        stamp = (tuple(order), [plan.step(key) for key in order], dict(plan.outputs))
        hit = cls._cache.get(id(plan))
        if hit is not None and hit[0]() is plan and hit[1][0] == stamp[0] \
                and all(a is b for a, b in zip(hit[1][1], stamp[1])) and hit[1][2] == stamp[2]:
            return hit[2]
        layout = cls(plan)
        try:
            ref = weakref.ref(plan)
        except TypeError:                      # a plan-like object without weak references
            return layout
        cls._cache.pop(id(plan), None)
        if len(cls._cache) >= cls._MAX:
            cls._cache.pop(next(iter(cls._cache)))
        cls._cache[id(plan)] = (ref, stamp, layout)
        return layout


# ------------------------------------------------------------------ entry points
def stream(plan: Plan, blocks: Iterable[np.ndarray], sr: float,
           label: str = "stream") -> Iterator[dict[str, Feature]]:
    """Yield ``{output: chunk}`` as each block of ``blocks`` completes frames.

    ``blocks`` is any iterable of ``(samples,)`` or ``(channels, samples)``
    arrays at ``sr`` Hz: a microphone callback queue, a network stream, a file
    read block by block.  Each output's chunks, joined along the frame axis,
    equal the output of a whole-file run.
    """
    s = Stream(plan, sr, label)
    for block in blocks:
        out = s.push(block)
        if out:
            yield out
    out = s.close()
    s.check_aligned()
    if out:
        yield out


def execute(plan: Plan, source: Source, block_samples: int = BLOCK_SAMPLES) -> Result:
    """Compute every output of ``plan`` on ``source``, streaming it in blocks.

    A file is read ``block_samples`` at a time; an array is cut into views of
    that size.  The input's length is known ahead (an array's, a file's frame
    count), so a large output is written into one array sized from it as its
    chunks come (:class:`Collector`): the outputs are held once and copied once.
    """
    source = Source.of(source)
    s = Stream(plan, source.samplerate(), source.label)
    s.finite_input = source.finite_samples()
    dtype = read_dtype(plan, source)
    scale = read_scale(plan, source, dtype) if s.finite_input else 1.0
    s.prescaled = scale != 1.0
    features = collect(s, source.blocks(block_samples, dtype, scale), source.n_samples())
    return Result(features, functools.partial(_report, s._layout, plan, s.stats), source.label)


SPLIT_BYTES = 1 << 20
"""A multi-input step whose pending chunks would copy more bytes than this to be joined is
run on aligned runs of views instead (:func:`_runs`)."""


def _runs(queues: list[list[Feature]]) -> list[list[Feature]] | None:
    """The frames all inputs of a step have, cut at every chunk edge into aligned runs of
    views (one argument list per run), consumed from ``queues``; or None when a join is
    cheap (under :data:`SPLIT_BYTES`), an input carries events, or no frame is common.

    An input whose frames arrive later than another's (behind a look-ahead, such as the
    pitch track of eGeMAPS' voice descriptors next to their 60 ms frames) leaves the other
    with a remainder each pass; joining it to the next chunk would copy both, while the
    step's output on the runs, joined, is the same (a frame op maps frames one by one; a
    block op takes chunks of any length)."""
    if sum(c.nbytes for q in queues if len(q) > 1 for c in q) < SPLIT_BYTES or any(
            c.is_events for q in queues for c in q):
        return None
    n = min(sum(c.n_frames for c in q) for q in queues)
    if n == 0:
        return None
    cuts = {0, n}
    for q in queues:
        edge = 0
        for c in q:
            edge += c.n_frames
            if edge < n:
                cuts.add(edge)
    cuts = sorted(cuts)
    runs = [[] for _ in cuts[1:]]
    for q in queues:
        rest, at, r = [], 0, 0
        for c in q:
            end = at + c.n_frames
            while r < len(runs) and cuts[r + 1] <= end:       # runs inside this chunk
                lo, hi = cuts[r] - at, cuts[r + 1] - at
                runs[r].append(c if (lo, hi) == (0, c.n_frames) else c.derive(c.data[..., lo:hi]))
                r += 1
            if end > n:                                        # frames left for later
                rest.append(c if at >= n else c.derive(c.data[..., n - at:]))
            at = end
        q[:] = rest
    return runs


def _whole(plan: Plan, key: str) -> bool:
    """Whether step ``key`` is a whole-signal op: its output comes as one chunk at the
    end, which its collector keeps as it is (no array reserved, no copy)."""
    return type(plan.step(key).model).streaming == "signal"


def collect(s: Stream, blocks: Iterable[np.ndarray],
            n_samples: int | None = None) -> dict[str, Feature]:
    """Push ``blocks`` through ``s``, close it, and return each output's chunks joined.

    ``n_samples``: the input's length in samples at ``s.sr``, when known ahead (an
    estimate is fine: it sizes the outputs' arrays, see :class:`Collector`).  Once that
    many samples have come, the next block is asked for before the last one is pushed:
    when there is none, the last block and the end of input go through the plan in one
    pass (:meth:`Stream.push` with ``last``), so a file read in one block calls each step
    once, not twice.  Nothing is read that a run without ``n_samples`` would not read."""
    s.n_samples = n_samples
    outputs = {name: Collector(None if _whole(s.plan, key) else n_samples, s.sr)
               for name, (key, _) in s.plan.outputs.items()}
    for name, (key, port) in s.plan.outputs.items():
        s.sinks.setdefault(key, {}).setdefault(port, outputs[name])
    blocks, seen, ahead = iter(blocks), 0, None
    while not s.saturated:               # the rest of the input would change no output
        block = next(blocks, None) if ahead is None else ahead
        if block is None:
            break
        seen, ahead, last = seen + np.shape(block)[-1], None, False
        if n_samples is not None and seen >= n_samples:   # the expected end: is it?
            ahead = next(blocks, None)
            last = ahead is None
        for name, chunk in s.push(block, last=last).items():
            outputs[name].add(chunk)
    if not s.closed:
        for name, chunk in s.close().items():
            outputs[name].add(chunk)
    s.check_aligned()
    return {name: outputs.pop(name).join() for name in list(outputs)}

"""Corpus runs: one compiled plan over many files, resumable, on local processes or Dask.

:func:`run_corpus` takes the :class:`~featgraph.engine.inputs.Item` list of
:mod:`featgraph.engine.inputs` and a :class:`Job` (the compiled plan and what to
write), skips the inputs that are already done (see *Resume*), runs a per-file
task on each of the others, and returns a :class:`Summary`.

The per-file task (:func:`process`) runs wherever it is sent: in this process
(``jobs=1``), in a local process pool (``jobs=N``), or on the workers of a Dask
cluster (``scheduler=ADDRESS``).  It writes its output itself (an ``.npz``, or a
part of a single-file store, see :mod:`featgraph.engine.writers`) and returns only a
small status dict, so the client never receives the features.

Resume
    An input is done when its output (its ``.npz``, its part, or its entry in the
    store on disk with a valid manifest) records the same *run key* (the plan's
    outputs' content keys, featgraph's version and the output options) and the
    input's size and modification time.  Outputs are written atomically, so a
    run killed at any point (Ctrl-C, ``kill``, a crash) and rerun computes only
    what was missing and ends with the bytes of an uninterrupted run.

Failures
    A file that cannot be read, or that fails a node, is reported with its path
    and reason, appended to the failures log (JSON lines: ``time``, ``path``,
    ``key``, ``reason``, ``run``, ``input``) and skipped.  A rerun does not
    retry an input that failed with the same run key and input identity (it is
    counted as failed again) unless ``retry_failed`` is set; a modified file is
    retried.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .inputs import Item
from .plan import Plan
from .source import Source


BLOCK_SAMPLES = 1 << 18
"""Samples per block of a per-file task (16 s at 16 kHz): most corpus files take one
pass through the plan, not several (each costing every step's fixed cost); longer
files stream.  The outputs are the same for any block size."""


@dataclass(frozen=True)
class Job:
    """What every per-file task does: run ``plan``, then write.

    ``mode``: ``"npz"`` (the item's target), ``"part"`` (an ``.npz`` part of a
    store in ``parts``), or ``"none"`` (compute only, e.g. to print shapes).
    ``summary``: statistics to write instead of the features (Parquet parts).
    ``cache``: the content-keyed feature cache each task reads and fills
    (:mod:`featgraph.engine.cache`), or None.
    """

    plan: Plan
    run: str
    mode: str = "npz"
    parts: str | None = None
    summary: tuple[str, ...] = ()
    frames_first: bool = False
    max_dims: int | None = None
    cwd: str | None = None
    cache: object = None        # a featgraph.engine.cache.Cache, or None

    def at(self, path: str | None) -> str | None:
        """``path`` resolved against the client's folder ``cwd`` (Dask workers may run
        elsewhere, on a shared file system); the recorded paths stay as given."""
        return path if path is None or self.cwd is None else os.path.join(self.cwd, path)


@dataclass
class Summary:
    """What a corpus run did: counts and the status dict of every input."""

    done: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def audio_seconds(self) -> float:
        return sum(s.get("audio_seconds", 0.0) for s in self.done)

    def __str__(self) -> str:
        rate = self.audio_seconds / 3600 / self.seconds if self.seconds else 0.0
        return (f"{len(self.done)} done, {len(self.skipped)} already done, "
                f"{len(self.failed)} failed in {self.seconds:.1f} s "
                f"({self.audio_seconds / 3600:.3f} h of audio, {rate:.3f} audio h/s)")


def run_key(plan: Plan, options: dict) -> str:
    """The key of a run: its outputs' content keys, featgraph's version, ``options``."""
    import hashlib

    from .. import __version__

    payload = json.dumps([__version__, sorted((k, list(v)) for k, v in plan.outputs.items()),
                          options], sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()


def identity(path: str) -> list[int] | None:
    """``[size, mtime_ns]`` of an input file (None when it cannot be stat'ed)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def part_path(parts: str, key: str) -> Path:
    """Where the part of ``key`` goes (keys may hold ``/``: sub-folders)."""
    return Path(parts) / f"{key}.npz"


# ------------------------------------------------------------------ the per-file task
def process(job: Job, item: Item, keep: bool = False) -> dict:
    """Run ``job`` on one input and write its output; never raises for a bad file.

    Returns ``{"key", "path", "status": "done" | "failed", "reason", "seconds",
    "audio_seconds", "shapes", "input"}``, and the :class:`Result` as ``"result"``
    when ``keep``.
    """
    from .scheduler import execute

    start = time.perf_counter()
    path = job.at(item.path)
    status = {"key": item.key, "path": item.path, "status": "failed", "target": item.target,
              "input": identity(path)}
    try:
        problem = item.problem or input_problem(path)
        if problem:
            from .errors import AudioError
            raise AudioError(problem)
        source = _Counted(path=Path(path))
        if job.cache is None:
            result = execute(job.plan, source, BLOCK_SAMPLES)
        else:
            from .cached import execute_cached

            result = execute_cached(job.plan, source, job.cache, BLOCK_SAMPLES)
        result.source = item.path
        audio = source.seconds()
        if not audio and job.cache is not None:       # all from the cache: nothing was read
            import soundfile

            audio = soundfile.info(path).duration
        status["shapes"] = {k: list(v.shape) for k, v in result.items()}
        if job.max_dims and any(v.ndim > job.max_dims for v in result.values()):
            raise ValueError(f"an output has {max(v.ndim for v in result.values())} "
                             f"dimensions; this store takes at most {job.max_dims}")
        extra = {"run": job.run, "input": status["input"]}
        if job.summary:
            _save_summary(job, item, result, audio, extra)
        elif job.mode == "part":
            result.save(part_path(job.at(job.parts), item.key), extra)
        elif job.mode == "npz" and item.target:
            if job.frames_first:
                _frames_first(result)
            result.save(job.at(item.target), extra)
        status.update(status="done", audio_seconds=audio,
                      frames=max((v.shape[-1] for v in result.values()), default=0))
        if keep:
            status["result"] = result
    except Exception as exc:                            # a bad file never stops the run
        status["reason"] = reason(exc, item.path)
    status["seconds"] = time.perf_counter() - start
    return status


class _Counted(Source):
    """An audio file :class:`Source` that counts the samples it reads: the duration,
    without opening the file a second time."""

    def _counts(self) -> list:
        if "_read" not in self.__dict__:
            object.__setattr__(self, "_read", [0, 0.0])
        return self.__dict__["_read"]

    def samplerate(self) -> float:
        self._counts()[1] = rate = super().samplerate()
        return rate

    def blocks(self, size: int):
        counts = self._counts()
        for block in super().blocks(size):
            counts[0] += block.shape[-1]
            yield block

    def seconds(self) -> float:
        n, rate = self._counts()
        return n / rate if rate else 0.0


def _save_summary(job: Job, item: Item, result, audio: float, extra: dict) -> None:
    from .functionals import columns, summarize
    from .result import write_npz

    import numpy as np

    cols: dict[str, float] = {"duration": audio}
    single = len(result.features) == 1
    for name, f in result.features.items():
        if _is_named_vector(f):            # a per-file vector with names (eGeMAPS): as is
            cols.update({n if single else f"{name}.{n}": float(v)
                         for n, v in zip(f.names, np.asarray(f.data).ravel())})
            continue
        events = f.data.ndim == 1 and f.kind.label != "signal"
        cols.update(columns(name, summarize(f.data, job.summary, f.sr, f.hop, audio, events)))
    write_npz(part_path(job.at(job.parts), item.key), {"values": np.array(list(cols.values()))},
              {"source": str(item.path), "columns": list(cols), **extra})


def _is_named_vector(f) -> bool:
    """One frame of named rows, no channels: a per-file vector written one column per name."""
    return (f.names is not None and f.data.ndim == 2 and f.data.shape[-1] == 1
            and f.data.shape[0] == len(f.names))


def _frames_first(result) -> None:
    """Every framed output of ``result`` as ``(..., frames, features)`` (a view)."""
    from .kinds import Kind

    result.features = {k: f if f.kind == Kind.SIGNAL or f.data.ndim < 2 else
                       f.derive(f.data.swapaxes(-1, -2)) for k, f in result.features.items()}


def input_problem(path: str) -> str | None:
    """Why ``path`` cannot be read (checked before reading), or None."""
    p = Path(path)
    if p.is_dir():
        return "is a folder (folders are searched when given as arguments, not in lists)"
    if not p.exists():
        return "no such file" if not p.is_symlink() else "a broken or looping symbolic link"
    if not os.access(p, os.R_OK):
        return "permission denied"
    if p.stat().st_size == 0:
        return "empty file"
    return None


def reason(exc: BaseException, path: str) -> str:
    """The failure of one input as one short reason, without repeating its path.

    A node's error keeps the node and op (``node 'f' (op frame): ...``) except for
    the source op, whose failures are about the file itself; libsndfile's message
    (``Error opening 'x.wav': Format not recognised.``) shrinks to its reason.
    """
    import re

    from .errors import NodeError

    where = ""
    if isinstance(exc, NodeError):
        if exc.op != "load":
            where = f"node '{exc.node}' (op {exc.op}): "
        exc = exc.cause
    text = str(exc)
    for form in sorted({path, str(Path(path)), os.path.abspath(path)}, key=len, reverse=True):
        text = text.replace(f"'{form}'", "").replace(form, "")
    text = re.sub(r"\s+:", ":", text).replace(": Error opening: ", ": ")
    return where + (text.strip(" :") or type(exc).__name__)


# ------------------------------------------------------------------ resume and failures
def already_done(job: Job, items: list[Item], store=None) -> set[str]:
    """Keys of the inputs whose output is complete and up to date (see *Resume*)."""
    done = set()
    previous = store.previous() if store is not None else {}
    fresh = previous.pop("__plan__", None) == job.run
    for item in items:
        if item.problem:
            continue
        stamp = identity(item.path)
        if stamp is None:
            continue
        if fresh and previous.get(item.key) == stamp:
            done.add(item.key)
            continue
        from .writers import read_meta

        where = part_path(job.parts, item.key) if job.parts else item.target
        meta = read_meta(where) if where and job.mode != "none" else None
        if meta and meta.get("run") == job.run and meta.get("input") == stamp:
            done.add(item.key)
    return done


def known_failures(log: str | None, job: Job) -> dict[str, dict]:
    """The last failure of each path in the failures log, for this run key."""
    failures = {}
    try:
        with open(log, encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except ValueError:           # a line cut by a crash
                    continue
                if entry.get("run") == job.run:
                    failures[entry["path"]] = entry
    except (OSError, TypeError):
        pass
    return failures


def log_failure(log: str | None, status: dict, job: Job) -> None:
    """Append one JSON line for a failed input (one ``write`` of a whole line)."""
    if not log:
        return
    entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "path": status["path"],
             "key": status["key"], "reason": status.get("reason", ""), "run": job.run,
             "input": status.get("input")}
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


# ------------------------------------------------------------------ running
def prepare(plan: Plan, paths: list[str], out: str | None = None,
            summary: str | tuple | None = None, frames_first: bool = False, cache=None):
    """The :class:`Job`, the named :class:`Item` list and the store (or None) of a run of
    ``plan`` over ``paths`` into ``out``.

    Raises
    ------
    ValueError
        A usage problem, before anything runs: an input refused
        (:class:`~featgraph.engine.inputs.InputError`), two inputs colliding, a
        store that cannot hold the outputs, ``summary`` without a Parquet output.
    ImportError
        The store's library is missing (the message names the extra).
    """
    from . import functionals, inputs, writers

    store = writers.store_for(str(out)) if out is not None else None
    found, roots = inputs.discover([str(p) for p in paths])
    if summary and not isinstance(store, writers.ParquetStore):
        raise ValueError("a summary is written as a table: give -o FILE.parquet")
    stats = functionals.parse(summary or "mean,std,min,max") \
        if isinstance(store, writers.ParquetStore) else ()
    items = inputs.name(found, roots, None if store or out is None else str(out))
    problem = store.check(list(plan.outputs)) if store else None
    if problem or isinstance(items, str):
        raise ValueError(problem or items)
    options = {"frames_first": frames_first, "summary": stats,
               "store": store.kind if store else ""}
    job = Job(plan, run_key(plan, options),
              mode="part" if store else "npz" if out is not None else "none",
              parts=str(store.parts) if store else None, summary=stats,
              frames_first=frames_first,
              max_dims=2 if isinstance(store, writers.ArkStore) else None, cache=cache)
    return job, items, store


def run_corpus(job: Job, items: list[Item], store=None, jobs: int = 1,
               scheduler: str | None = None, log: str | None = None,
               retry_failed: bool = False, keep: bool = False, on_status=None) -> Summary:
    """Run ``job`` on every input not already done; assemble ``store`` at the end.

    ``jobs``: local worker processes (1: this process); ``scheduler``: the address
    of a Dask scheduler (``tcp://host:8786``) instead.  ``on_status(status)`` is
    called once per input, in completion order (skipped inputs first).  A
    ``KeyboardInterrupt`` propagates after the pool is shut down: everything
    written so far stays, and the next run resumes.
    """
    start = time.perf_counter()
    summary = Summary()
    done = already_done(job, items, store)
    known = {} if retry_failed else known_failures(log, job)
    todo = []

    def report(status):
        if on_status is not None:
            on_status(status)

    for item in items:
        stamp = identity(item.path)
        if item.key in done:
            summary.skipped.append({"key": item.key, "path": item.path, "status": "skipped"})
            report(summary.skipped[-1])
        elif item.path in known and known[item.path].get("input") == stamp:
            summary.failed.append({"key": item.key, "path": item.path, "status": "failed",
                                   "reason": known[item.path]["reason"], "known": True})
            report(summary.failed[-1])
        else:
            todo.append(item)
    try:
        for status in statuses(job, todo, jobs, scheduler, keep):
            if status["status"] == "done":
                summary.done.append(status)
            else:
                summary.failed.append(status)
                log_failure(log, status, job)
            report(status)
    finally:
        summary.seconds = time.perf_counter() - start
    if store is not None:
        keys = [s["key"] for s in summary.done + summary.skipped]
        parts = {k: part_path(job.parts, k) for k in keys}
        parts = {k: p for k, p in parts.items() if p.exists()}
        if parts or set(store.previous()) - {"__plan__"} != set(keys):
            store.assemble(keys, job.run, parts)
    return summary


def statuses(job: Job, todo: list[Item], jobs: int, scheduler: str | None, keep: bool):
    """The status of every task of ``todo``, in completion order."""
    if not todo:
        return
    if scheduler:
        yield from _dask(job, todo, scheduler)
    elif jobs <= 1 or len(todo) == 1:
        for item in todo:
            yield process(job, item, keep)
    else:
        yield from _pool(job, todo, jobs, keep)


def _pool(job: Job, todo: list[Item], jobs: int, keep: bool):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(min(jobs, len(todo)), mp_context=context,
                               initializer=_worker_job, initargs=(job,))
    try:
        futures = [pool.submit(_process_here, batch, keep)
                   for batch in batches(todo, jobs, keep)]
        for future in as_completed(futures):
            yield from future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


BATCH = 8
"""At most this many inputs per pool task (see :func:`batches`)."""


def batches(todo: list[Item], jobs: int, keep: bool = False) -> list[list[Item]]:
    """The pool's tasks: the inputs largest file first, in batches of up to :data:`BATCH`.

    A task costs a round trip through the pool's queues (about a millisecond of the
    client's and the worker's time, as much as a short file): batches divide that.
    Largest first, the last tasks are the shortest files, so the workers finish
    together.  Each input is still written, and its failure logged, on its own.
    With ``keep`` (the results go back to the client, :meth:`Recipe.iter_many`),
    one input per task, in order.
    """
    if keep:
        return [[item] for item in todo]
    order = sorted(todo, key=lambda item: (identity(item.path) or [0])[0], reverse=True)
    size = max(1, min(BATCH, len(order) // (4 * jobs)))
    return [order[i:i + size] for i in range(0, len(order), size)]


_JOB: list = []


def _worker_job(job: Job) -> None:
    """A pool worker's initializer: the job arrives once, not with every task."""
    _JOB[:] = [job]


def _process_here(items: list[Item], keep: bool) -> list[dict]:
    return process_batch(_JOB[0], items, keep)


def process_batch(job: Job, items: list[Item], keep: bool = False) -> list[dict]:
    """:func:`process` on each of ``items`` (a task of :func:`batches`)."""
    return [process(job, item, keep) for item in items]


def _dask(job: Job, todo: list[Item], scheduler: str):
    """The tasks on a Dask cluster (:func:`batches` of inputs, as for local workers): the
    job sent once, relative paths resolved against this folder (the workers may run
    elsewhere, on a shared file system), only the statuses come back."""
    from dataclasses import replace

    from .writers import need

    distributed = need("distributed")
    job = replace(job, cwd=os.getcwd())
    with distributed.Client(scheduler) as client:
        shared = client.scatter(job, broadcast=True)
        tasks = batches(todo, max(1, len(client.nthreads())))
        futures = client.map(process_batch, [shared] * len(tasks), tasks, pure=False)
        try:
            for future in distributed.as_completed(futures):
                yield from future.result()
        finally:
            client.cancel(futures)

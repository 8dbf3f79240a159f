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

from .corpus_task import (BLOCK_SAMPLES, Job, identity, input_problem,  # noqa: F401
                          part_path, process, reason)
from .inputs import Item
from .plan import Plan


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


# ------------------------------------------------------------------ resume and failures
def already_done(job: Job, items: list[Item], store=None,
                 stamps: dict | None = None) -> set[str]:
    """Keys of the inputs whose output is complete and up to date (see *Resume*);
    ``stamps``: the inputs' :func:`identity` by path, when known."""
    done = set()
    stamps = stamps or {}
    previous = store.previous() if store is not None else {}
    fresh = previous.pop("__plan__", None) == job.run
    for item in items:
        if item.problem:
            continue
        stamp = stamps[item.path] if item.path in stamps else identity(item.path)
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
    stamps = {item.path: identity(item.path) for item in items}      # one stat each
    done = already_done(job, items, store, stamps)
    known = {} if retry_failed else known_failures(log, job)
    todo = []

    def report(status):
        if on_status is not None:
            on_status(status)

    for item in items:
        stamp = stamps[item.path]
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
        for status in statuses(job, todo, jobs, scheduler, keep, stamps):
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


def statuses(job: Job, todo: list[Item], jobs: int, scheduler: str | None, keep: bool,
             stamps: dict | None = None):
    """The status of every task of ``todo``, in completion order (``stamps``: the
    inputs' :func:`identity` by path, when known)."""
    if not todo:
        return
    if scheduler:
        yield from _dask(job, todo, scheduler, stamps)
    elif jobs <= 1 or len(todo) == 1:
        for item in todo:
            yield process(job, item, keep)
    else:
        yield from _pool(job, todo, jobs, keep, stamps)


def _pool(job: Job, todo: list[Item], jobs: int, keep: bool, stamps: dict | None = None):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(min(jobs, len(todo)), mp_context=context,
                               initializer=_worker_job, initargs=(job,))
    try:
        futures = [pool.submit(_process_here, batch, keep)
                   for batch in batches(todo, jobs, keep, stamps)]
        for future in as_completed(futures):
            yield from future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


BATCH = 8
"""At most this many inputs per pool task (see :func:`batches`)."""


def batches(todo: list[Item], jobs: int, keep: bool = False,
            stamps: dict | None = None) -> list[list[Item]]:
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
    stamps = stamps or {}
    order = sorted(todo, key=lambda item: (stamps.get(item.path) or identity(item.path)
                                           or [0])[0], reverse=True)
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


def _dask(job: Job, todo: list[Item], scheduler: str, stamps: dict | None = None):
    """The tasks on a Dask cluster (:func:`batches` of inputs, as for local workers): the
    job sent once, relative paths resolved against this folder (the workers may run
    elsewhere, on a shared file system), only the statuses come back."""
    from dataclasses import replace

    from .writers import need

    distributed = need("distributed")
    job = replace(job, cwd=os.getcwd())
    with distributed.Client(scheduler) as client:
        shared = client.scatter(job, broadcast=True)
        tasks = batches(todo, max(1, len(client.nthreads())), stamps=stamps)
        futures = client.map(process_batch, [shared] * len(tasks), tasks, pure=False)
        try:
            for future in distributed.as_completed(futures):
                yield from future.result()
        finally:
            client.cancel(futures)

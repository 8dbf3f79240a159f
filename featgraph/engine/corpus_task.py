"""The per-file task of a corpus run (:mod:`featgraph.engine.corpus`): read one input,
run the compiled plan on it, write its output, return a small status.

:func:`process` runs wherever it is sent (this process, a local worker, a Dask
worker) and never raises for a bad input.  Its fixed cost per file is kept small:
one ``stat`` of the input when all is well (the diagnosis of a missing, empty or
unreadable file only when something is wrong), one open of the audio file, the
plan's layout built once per process (:class:`~featgraph.engine.scheduler.Stream`),
and the ``.npz`` written with one system call (:mod:`featgraph.engine.npz`) into a
temporary file renamed over its name.
"""
from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import AudioError
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
    try:
        st = os.stat(path)
    except OSError:
        st = None
    status = {"key": item.key, "path": item.path, "status": "failed", "target": item.target,
              "input": None if st is None else [st.st_size, st.st_mtime_ns]}
    try:                    # one stat when all is well; the diagnosis when it is not
        problem = item.problem or (input_problem(path) if st is None or not st.st_size
                                   or not stat.S_ISREG(st.st_mode) else None)
        if problem:
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

    def blocks(self, size: int, dtype: str = "float64", scale: float = 1.0):
        counts = self._counts()
        for block in super().blocks(size, dtype, scale):
            counts[0] += block.shape[-1]
            yield block

    def seconds(self) -> float:
        n, rate = self._counts()
        return n / rate if rate else 0.0

    def _open(self):
        try:
            return super()._open()
        except AudioError:                      # a clearer reason: permission denied ...
            problem = input_problem(str(self.path))
            if problem:
                raise AudioError(problem) from None
            raise


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

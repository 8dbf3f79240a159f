"""A run through the feature cache: the plan cut at the cached nodes.

:func:`execute_cached` is :func:`featgraph.engine.scheduler.execute` with a
:class:`~featgraph.engine.cache.Cache`:

1. every step gets its cache key (:func:`~featgraph.engine.cache.step_keys`:
   op, parameters, upstream keys, code stamp, the input's identity);
2. walking up from the outputs, a step whose entry is in the cache is read
   (one whole array per port) and the walk stops there; every other step is
   needed, and so are its inputs.  Steps above the cached ones are not run at
   all (the report marks them ``skipped``; the cached ones ``cached``);
3. the needed steps run as usual, streamed block by block, each cached step
   replaced by a source that emits its stored array once, in the first pass.
   When no needed step reads the audio, the file is not decoded: one final
   pass runs what is left;
4. the needed steps that the store policy keeps (see
   :class:`~featgraph.engine.cache.Cache`, ``store=``) are written to the
   cache chunk by chunk as they are computed (to temporary files: memory stays
   bounded by the block size), and published only when the whole run has
   succeeded.

A cached array enters its readers as one chunk instead of blocks; every op
gives the same numbers for any split of its input (tests/test_recipes.py), so
a cached run equals an uncached one.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from .cache import REDUCED, Cache
from .plan import Plan
from .report import Report, Row, step_rows
from .result import Result
from .scheduler import BLOCK_SAMPLES, Stream, collect, execute
from .source import Source


def execute_cached(plan: Plan, source, cache: Cache | None,
                   block_samples: int = BLOCK_SAMPLES) -> Result:
    """Compute the outputs of ``plan`` on ``source``, reading and filling ``cache``.

    Without a cache, or for an array input that ``cache.identity`` cannot
    identify (``"stat"``), this is :func:`~featgraph.engine.scheduler.execute`.
    """
    source = Source.of(source)
    try:
        identity = None if cache is None else source_identity(source, cache.identity)
    except OSError:              # missing or unreadable: the plain run says why
        identity = None
    if identity is None:
        return execute(plan, source, block_samples)
    keys = step_keys(plan, identity)
    eligible = storable(plan, cache.store)
    loaded, need, read_seconds = {}, set(), {}
    todo = list(dict.fromkeys(k for k, _ in plan.outputs.values()))
    while todo:
        key = todo.pop()
        if key in loaded or key in need:
            continue
        if key in eligible:
            start = time.perf_counter()
            value = cache.get(keys[key])
            if value is not None:
                loaded[key] = value
                read_seconds[key] = time.perf_counter() - start
                continue
        need.add(key)
        todo.extend(src for src, _ in plan.step(key).inputs)

    steps = {}
    for key in plan.order:
        step = plan.step(key)
        if key in need:
            steps[key] = step
        elif key in loaded:
            steps[key] = dataclasses.replace(step, model=_Replay(loaded[key], step.model.op),
                                             inputs=[])
    writers = {key: cache.writer(keys[key], width_limit=eligible[key])
               for key in plan.order if key in need and key in eligible}
    s = _Teeing(dataclasses.replace(plan, steps=steps), source.samplerate(), source.label,
                writers)
    reads_audio = any(not plan.step(key).inputs for key in need)
    try:
        features = collect(s, source.blocks(block_samples) if reads_audio else (),
                           source.n_samples())
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    for writer in writers.values():
        writer.commit()
    return Result(features, _report(plan, s, need, loaded, read_seconds), source.label)


def storable(plan: Plan, policy: str) -> dict[str, bool]:
    """``{step key: width limited}`` of the steps the store ``policy`` keeps.

    ``outputs``: the plan's outputs; ``reduced``: also every step whose ports are all
    of a reduced kind (:data:`~featgraph.engine.cache.REDUCED`), width-limited;
    ``all``: every step.  Outputs are never width-limited.
    """
    outs = {key for key, _ in plan.outputs.values()}
    keep = {key: False for key in outs}
    for key in plan.order:
        if key in outs or policy == "outputs":
            continue
        kinds = plan.step(key).kinds.values()
        if policy == "all":
            keep[key] = False
        elif all(k is not None and (k & REDUCED) == k for k in kinds):
            keep[key] = True
    return keep


class _Replay:
    """The model of a cached step in a cut plan: a source emitting the stored value once."""

    streaming = "block"

    def __init__(self, value, op: str):
        self.value, self.op = value, op

    def start(self):
        return _ReplayState(self.value)


class _ReplayState:
    def __init__(self, value):
        self.value = value

    def step(self, *chunks):
        value, self.value = self.value, None
        return value

    def flush(self):
        return self.step()


class _Teeing(Stream):
    """A stream that also hands each step's output chunks to that step's cache writer."""

    def __init__(self, plan: Plan, sr: float, label: str, writers: dict):
        super().__init__(plan, sr, label)
        self.writers = writers

    def _run(self, step, args, final):
        out = super()._run(step, args, final)
        writer = self.writers.get(step.key)
        if writer is not None:
            writer.add(out)
        return out


def _report(plan: Plan, s: Stream, need: set, loaded: dict, read_seconds: dict) -> Report:
    """Rows of the full plan: computed steps as usual, the others ``cached`` or ``skipped``."""
    rows = []
    for key in plan.order:
        step = plan.step(key)
        if key in need:
            rows.extend(step_rows(step, *s.stats[key]))
            continue
        status = "cached" if key in loaded else "skipped"
        value = loaded.get(key)
        nbytes = 0 if value is None else sum(
            f.nbytes for f in (value.values() if isinstance(value, dict) else [value]))
        groups = getattr(step.model, "groups", None) or [(step.model.op, step.names)]
        first = True
        for op, names in groups:
            for name in names:
                rows.append(Row(name, op, key, status, read_seconds.get(key, 0.0) if first
                                else 0.0, nbytes if first else 0))
                first = False
    return Report(rows)


# ------------------------------------------------------------------ keys
def source_identity(source, mode: str) -> list | None:
    """The identity of a run's input (a :class:`~featgraph.engine.source.Source`), or
    None when it cannot be identified (an array with ``mode="stat"``)."""
    if source.path is not None:
        path = Path(source.path).resolve()
        st = os.stat(path)
        stamp = (str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if mode == "hash":
            return ["file-hash", _file_hash(*stamp)]
        return ["file", *stamp]
    if mode != "hash":
        return None
    data = np.ascontiguousarray(source.samples)
    digest = hashlib.blake2b(memoryview(data.reshape(-1)).cast("B"), digest_size=16)
    return ["array-hash", digest.hexdigest(), data.dtype.str, list(data.shape), source.sr]


@functools.lru_cache(maxsize=4096)
def _file_hash(path: str, size: int, mtime: int, ctime: int) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def step_keys(plan, identity: list) -> dict[str, str]:
    """``{plan step key: cache key}`` for every step of ``plan`` run on ``identity``."""
    keys: dict[str, str] = {}
    base = _base_stamp()
    for key in plan.order:
        step = plan.step(key)
        payload = json.dumps([base, _model_stamp(step.model), step.model.model_dump(mode="json"),
                              [(keys[src], port) for src, port in step.inputs],
                              None if step.inputs else identity], sort_keys=True, default=str)
        keys[key] = hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()
    return keys


@functools.cache
def _base_stamp() -> list:
    """featgraph's version, the kernels in use, and the source of the shared node helpers
    and of the kernels' Python side (bridges, numpy references)."""
    from .. import __version__, native

    package = Path(__file__).resolve().parent.parent
    helpers = [_source_hash(str(p)) for p in sorted(package.glob("nodes/_*.py"))
               + sorted(package.glob("native/*.py"))]
    lib = getattr(native, "_kernels", None)
    so = getattr(lib, "__file__", None)
    st = os.stat(so) if so else None
    return [__version__, native.BACKEND, helpers, [st.st_size, st.st_mtime_ns] if st else None]


def _model_stamp(model) -> list[str]:
    parts = getattr(model, "parts", None)
    modules = [type(p).__module__ for p in parts] + [model.rule.fn.__module__] if parts \
        else [type(model).__module__]
    return [_module_hash(m) for m in modules]


@functools.cache
def _module_hash(module: str) -> str:
    import sys

    file = getattr(sys.modules.get(module), "__file__", None)
    return _source_hash(file) if file else module


@functools.cache
def _source_hash(file: str) -> str:
    try:
        return hashlib.blake2b(Path(file).read_bytes(), digest_size=8).hexdigest()
    except OSError:
        return file

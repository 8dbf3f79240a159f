"""Running recipes: the end of the flow ``recipe -> graph -> plan -> scheduler -> runner``.

:class:`Recipe` is the recipe of :mod:`featgraph.engine.recipe` plus the
methods that run it; :func:`run` runs one or several recipes together.

Plan cache
----------
Building a plan imports networkx and validates every node against the union of
all ops' models: most of a short run's start-up.  :func:`compile_plan` therefore
stores each plan it builds as JSON under ``$FEATGRAPH_CACHE`` (default
``~/.cache/featgraph``) in ``plans/<key>.json``.  The key hashes the recipes
(as data), the parameter overrides, featgraph's version and the modification
times of its source files; an entry also records every recipe file it read
(includes too) with its size and modification time, and is used only while
they are unchanged.  A hit rebuilds the plan from JSON, validating each step
with its own op's model, without networkx.  ``FEATGRAPH_CACHE=off`` disables
the cache; an unwritable cache folder is silently skipped.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from . import recipe as _recipe
from .batch import BATCH_RULES, Batch, run_batch
from .feature import Feature
from .fuse import enabled as fuse_enabled, fuse
from .plan import Plan
from .result import Result
from .scheduler import BLOCK_SAMPLES, execute, stream
from .source import Source


class Recipe(_recipe.Recipe):
    """A feature recipe that can run: :meth:`compile`, :meth:`run`, :meth:`stream`.

    See :class:`featgraph.engine.recipe.Recipe` for the data (nodes, params,
    includes, outputs) and the YAML round trip.
    """

    def compile(self, **params) -> Plan:
        """Validate and build the executable :class:`~featgraph.engine.graph.Plan`."""
        return compile_plan([self], params)

    def run(self, source, sr: float | None = None, cache=None, **params) -> Result:
        """Run the recipe on an audio file or an array.

        Parameters
        ----------
        source : str, Path or np.ndarray
            A path to an audio file (anything libsndfile reads), read in
            blocks, or samples ``(samples,)`` / ``(channels, samples)``.
        sr : float, optional
            Sample rate of ``source`` when it is an array (required then).
        cache : str, Path, featgraph.engine.cache.Cache, bool or None
            The feature cache (docs/cache.md): a folder, a ``Cache``, True for
            the default folder, False for none; None (default) uses
            ``$FEATGRAPH_FEATURE_CACHE`` when set, else no cache.
        **params
            Overrides of the recipe's parameters (``order=12``).

        Returns
        -------
        featgraph.Result
            ``result["plp"]`` is a numpy array ``(..., features, frames)``;
            ``result.report`` tells, per node, executed, shared, fused, or with a
            cache, read from it (``cached``) or not needed (``skipped``).
        """
        return run([self], source, sr, cache=cache, **params)

    def stream(self, blocks: Iterable[np.ndarray], sr: float,
               **params) -> Iterator[dict[str, Feature]]:
        """Features of a live stream, as they become available.

        Parameters
        ----------
        blocks : iterable of np.ndarray
            Sample blocks ``(samples,)`` or ``(channels, samples)`` of any sizes
            (a microphone callback queue, a network stream ...).
        sr : float
            Their sample rate in Hz.
        **params
            Overrides of the recipe's parameters.

        Yields
        ------
        dict of str to Feature
            For each block that completed frames, ``{output: chunk}`` with the
            new frames; the last item comes when ``blocks`` ends (flush).  Each
            output's chunks, joined along frames, equal :meth:`run`'s output.

        Examples
        --------
        >>> import numpy as np, featgraph
        >>> y = np.random.default_rng(0).standard_normal(16000)
        >>> chunks = featgraph.load("plp").stream(np.array_split(y, 50), sr=16000)
        >>> sum(c["plp"].n_frames for c in chunks)
        98
        """
        return stream(self.compile(**params), blocks, sr)

    def batch(self, items, sr: float | None = None, output: str | None = None,
              frames_first: bool = False, **params) -> Batch:
        """Features of several inputs as one padded array, as a model is fed.

        Parameters
        ----------
        items : sequence of np.ndarray or paths
            Samples ``(samples,)`` / ``(channels, samples)`` at ``sr``, or audio files.
        sr : float, optional
            Sample rate of array items.
        output : str, optional
            The output to batch, when the recipe has several.
        frames_first : bool
            ``(batch, frames, features)`` instead of ``(batch, features, frames)``.
        **params
            Overrides of the recipe's parameters; the batch rules (``batch_pad``,
            ``batch_valid``, ``batch_pad_value``) may be given even when the
            recipe does not declare them.

        Returns
        -------
        Batch
            ``(features, lengths)``: the padded ``(batch, ..., features, frames)``
            array and each item's valid frame count (the attention mask), padded
            with the semantics the recipe declares (``batch_pad``,
            ``batch_valid``, ``batch_pad_value``; see :mod:`featgraph.engine.batch`).

        Examples
        --------
        >>> import numpy as np, featgraph
        >>> ys = [np.zeros(16000), np.zeros(8000)]
        >>> x, n = featgraph.load("logmel_whisper").batch(ys, sr=16000)
        >>> x.shape, n.tolist()
        ((2, 80, 3000), [100, 50])
        """
        rules = {k: v for k, v in params.items() if k in BATCH_RULES and k not in self.params}
        plan = self.compile(**{k: v for k, v in params.items() if k not in rules})
        return run_batch(plan, {**self.params, **params}, items, sr, output, frames_first)

    def run_many(self, paths, out=None, jobs: int = 1, scheduler: str | None = None,
                 summary: str | None = None, failures: str | None = None,
                 retry_failed: bool = False, cache=None, **params):
        """Run the recipe over many inputs, as ``featgraph run`` does.

        Parameters
        ----------
        paths : str, Path or a list of them
            Audio files, folders (recursively, by audio extension), text lists or
            a Kaldi ``wav.scp`` (see :mod:`featgraph.engine.inputs`).
        out : str or Path, optional
            A folder (an ``.npz`` per input, mirroring the inputs' folders),
            ``x.h5``, ``ark:x.ark,scp:x.scp`` or ``x.parquet`` (see
            :mod:`featgraph.engine.writers`).  None: return the results instead.
        jobs : int
            Local worker processes (1: this process).
        scheduler : str, optional
            A Dask scheduler address (``tcp://host:8786``): the workers write
            the outputs; needs ``out``.
        summary : str, optional
            Statistics for a Parquet output (``"mean,std,p50"``).
        failures : str, optional
            The failures log (JSON lines).
        retry_failed : bool
            Retry inputs logged as failed with the same run and file.
        cache : str, Path, featgraph.engine.cache.Cache, bool or None
            The feature cache every task reads and fills, as in :meth:`run`.
        **params
            Overrides of the recipe's parameters.

        Returns
        -------
        dict or featgraph.engine.corpus.Summary
            Without ``out``: ``{path: Result}`` of the inputs that ran; a failed
            input is left out with a warning naming it and the reason.  With
            ``out``: the :class:`~featgraph.engine.corpus.Summary` (``done``,
            ``skipped``, ``failed``: one status dict per input).
        """
        if out is None:
            return dict(self.iter_many(paths, jobs=jobs, cache=cache, **params))
        from .corpus import prepare, run_corpus

        job, items, store = prepare(self.compile(**params), _as_list(paths), out, summary,
                                    cache=_resolve_cache(cache))
        return run_corpus(job, items, store, jobs, scheduler, failures, retry_failed)

    def iter_many(self, paths, jobs: int = 1, errors: str = "warn", cache=None,
                  **params) -> Iterator[tuple[str, Result]]:
        """``(path, Result)`` of each input as it is computed: the generator form of
        :meth:`run_many`, for data loaders (in completion order with ``jobs > 1``).

        ``errors``: ``"warn"`` skips a failed input with a warning naming it and
        the reason, ``"raise"`` raises :class:`~featgraph.AudioError`.  ``cache``:
        as in :meth:`run`.
        """
        import warnings

        from .corpus import statuses, prepare
        from .errors import AudioError

        job, items, _ = prepare(self.compile(**params), _as_list(paths),
                                cache=_resolve_cache(cache))
        for status in statuses(job, items, jobs, None, keep=True):
            if status["status"] == "done":
                yield status["path"], status["result"]
            elif errors == "raise":
                raise AudioError(f"{status['path']}: {status['reason']}")
            else:
                warnings.warn(f"{status['path']}: {status['reason']}", stacklevel=2)


def _resolve_cache(cache):
    """The :class:`~featgraph.engine.cache.Cache` ``cache`` stands for, or None (the cache
    modules stay unimported without one)."""
    if cache is False or (cache is None and not os.environ.get("FEATGRAPH_FEATURE_CACHE")):
        return None
    from .cache import resolve

    return resolve(cache)


def _as_list(paths) -> list[str]:
    return [str(paths)] if isinstance(paths, (str, Path)) else [str(p) for p in paths]


_COMPILED: dict = {}      # in-process: recipes' content -> (fused plan, recipe file stamps)
_COMPILED_MAX = 16


def compile_plan(recipes: list[_recipe.Recipe], params: dict) -> Plan:
    """``recipes`` with ``params`` applied, validated and merged into one plan (cached),
    then fused (:mod:`featgraph.engine.fuse`; the cache holds the plan before fusion).

    Within a process the fused plan of the last few recipe sets is kept (checked against
    the recipe files' size and time), so that running one recipe over many files costs
    no lookup in the plan cache (which stats featgraph's sources) after the first; it is
    found by the recipes and parameters as given, before the overrides are applied (which
    copies the recipes), and by the overridden recipes.
    """
    asked = json.dumps([fuse_enabled(), [(r.to_dict(), r.file) for r in recipes], params],
                       sort_keys=True, default=str)   # found without copying the recipes
    hit = _COMPILED.get(asked)
    if hit is not None and all(_stamp_or_none(f) == stamp for f, stamp in hit[1]):
        return hit[0]
    recipes = _recipe.with_overrides(list(recipes), params)
    memo = json.dumps([fuse_enabled(), [(r.to_dict(), r.file) for r in recipes]],
                      sort_keys=True, default=str)
    hit = _COMPILED.get(memo)
    if hit is None or any(_stamp_or_none(f) != stamp for f, stamp in hit[1]):
        hit = (_compile_uncached(recipes), None)
        hit = (hit[0], [(f, _stamp_or_none(f)) for f in hit[0].files])
    for key in (memo, asked):
        _COMPILED.pop(key, None)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = hit
    return hit[0]


def _stamp_or_none(path: str):
    try:
        return _stamp(path)
    except OSError:
        return None


def _compile_uncached(recipes: list[_recipe.Recipe]) -> Plan:
    folder = _cache_folder()
    path = None if folder is None else folder / f"{_cache_key(recipes)}.json"
    plan = None if path is None else _cached(path)
    if plan is not None:
        plan.recipes = recipes
    else:
        from .graph import build      # networkx and the op union: only when a plan is built

        plan = build(recipes)
        if path is not None:
            _store(path, plan)
    return fuse(plan)


def _cache_folder() -> Path | None:
    where = os.environ.get("FEATGRAPH_CACHE", "")
    if where.lower() in ("off", "0", "none"):
        return None
    return Path(where or Path.home() / ".cache" / "featgraph") / "plans"


def _cache_key(recipes: list[_recipe.Recipe]) -> str:
    from .. import __version__

    code = Path(__file__).resolve().parent.parent
    stamps = [os.stat(p).st_mtime_ns for d in ("engine", "nodes", "native")
              for p in sorted((code / d).glob("*.py"))]
    payload = json.dumps([__version__, stamps, [(r.to_dict(), r.file) for r in recipes]],
                         sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


def _stamp(path: str) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def _cached(path: Path) -> Plan | None:
    try:
        entry = json.loads(path.read_text())
        if any(_stamp(f) != stamp for f, stamp in entry["stamps"]):
            return None
        return Plan.from_json(entry["plan"])
    except Exception:            # missing, stale or damaged: build afresh
        return None


def _store(path: Path, plan: Plan) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"plan": plan.to_json(), "stamps": [(f, _stamp(f)) for f in plan.files]}
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(entry, fh)
        os.replace(tmp, path)
    except OSError:
        pass


def run(recipes: list[_recipe.Recipe], source, sr: float | None = None,
        block_samples: int = BLOCK_SAMPLES, cache=None, **params) -> Result:
    """Merge ``recipes`` into one plan, apply ``params`` overrides, run it on ``source``.

    With several recipes, outputs are named ``"<recipe>/<output>"``.  ``cache``: see
    :meth:`Recipe.run` and docs/cache.md.
    """
    plan, source = compile_plan(recipes, params), Source.of(source, sr)
    cache = _resolve_cache(cache)
    if cache is None:
        return execute(plan, source, block_samples)
    from .cached import execute_cached

    return execute_cached(plan, source, cache, block_samples)

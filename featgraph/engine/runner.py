"""Running recipes: the end of the flow ``recipe -> graph -> scheduler -> runner``.

:class:`Recipe` is the recipe of :mod:`featgraph.engine.recipe` plus the
methods that run it; :func:`run` runs one or several recipes together.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from . import recipe as _recipe
from .feature import Feature
from .fuse import fuse
from .graph import Plan
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

    def run(self, source, sr: float | None = None, **params) -> Result:
        """Run the recipe on an audio file or an array.

        Parameters
        ----------
        source : str, Path or np.ndarray
            A path to an audio file (anything libsndfile reads), read in
            blocks, or samples ``(samples,)`` / ``(channels, samples)``.
        sr : float, optional
            Sample rate of ``source`` when it is an array (required then).
        **params
            Overrides of the recipe's parameters (``order=12``).

        Returns
        -------
        featgraph.Result
            ``result["plp"]`` is a numpy array ``(..., features, frames)``;
            ``result.report`` tells, per node, executed or shared, seconds, bytes.
        """
        return run([self], source, sr, **params)

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


def compile_plan(recipes: list[_recipe.Recipe], params: dict) -> Plan:
    """``recipes`` with ``params`` applied, validated and merged into one plan."""
    return fuse(Plan.build(_recipe.with_overrides(list(recipes), params)))


def run(recipes: list[_recipe.Recipe], source, sr: float | None = None,
        block_samples: int = BLOCK_SAMPLES, **params) -> Result:
    """Merge ``recipes`` into one plan, apply ``params`` overrides, run it on ``source``.

    With several recipes, outputs are named ``"<recipe>/<output>"``.
    """
    return execute(compile_plan(recipes, params), Source.of(source, sr), block_samples)

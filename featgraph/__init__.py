"""featgraph: audio features from declarative graphs.

>>> import featgraph
>>> recipe = featgraph.load("plp")                   # a shipped name or a YAML path
>>> result = recipe.run(featgraph.example("speech"))  # or recipe.run(y, sr=16000)
>>> result["plp"].shape                               # (cepstra, frames)
(9, 831)

See ``docs/`` for the recipe format and the shape convention ``(..., features, frames)``.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from .engine.errors import AudioError, NodeError, Problem, RecipeError
from .engine.feature import Feature
from .engine.kinds import Kind
from .engine.recipe import shipped
from .engine.result import Result
from .engine.ops import add_op_source
from .engine.runner import Recipe
from .engine.runner import run as _run


def _import_shipped_ops() -> None:
    """Define every shipped op: import each node family of :mod:`featgraph.nodes`."""
    from .nodes import FAMILIES

    for family in FAMILIES:
        importlib.import_module(f"{__name__}.nodes.{family}")


add_op_source(_import_shipped_ops)

__version__ = "0.1.0"
__all__ = ["load", "run", "example", "Recipe", "Result", "Feature", "Kind", "RecipeError",
           "NodeError", "AudioError", "Problem", "shipped", "__version__"]

DATA_DIR = Path(__file__).resolve().parent / "data"


def load(name_or_path: str | Path) -> Recipe:
    """Read a recipe: a shipped name (``"plp"``, see :func:`shipped`) or a YAML file path."""
    return Recipe.load(name_or_path)


def run(recipes, source, sr: float | None = None, cache=None, **params) -> Result:
    """Run one or several recipes on ``source``, computing shared nodes once.

    Parameters
    ----------
    recipes : Recipe, str, or a list of them
        With several recipes, outputs are named ``"<recipe>/<output>"``.
    source : str, Path or np.ndarray
        An audio file, or samples ``(samples,)`` / ``(channels, samples)``.
    sr : float, optional
        Sample rate of an array source.
    cache : str, Path, Cache, bool or None
        The feature cache (docs/cache.md); see :meth:`Recipe.run`.
    **params
        Parameter overrides, applied to every recipe that declares them.

    Examples
    --------
    >>> import featgraph
    >>> res = featgraph.run(["plp", "rasta_plp"], featgraph.example("speech"))
    >>> sorted(res)
    ['plp/plp', 'rasta_plp/rasta_plp']
    >>> len(res.report.shared) > 0        # the front end was computed once
    True
    """
    items = recipes if isinstance(recipes, (list, tuple)) else [recipes]
    return _run([r if isinstance(r, Recipe) else load(r) for r in items], source, sr,
                cache=cache, **params)

def example(name: str = "speech") -> Path:
    """Path of a bundled example recording: ``"speech"`` (8.3 s of English, 16 kHz)."""
    files = {"speech": "speech_en_16k.wav"}
    if name not in files:
        raise ValueError(f"no example {name!r}; examples: {', '.join(files)}")
    return DATA_DIR / files[name]

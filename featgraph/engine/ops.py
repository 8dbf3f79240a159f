"""The op registry: one pydantic parameter model per op, plus its pure function.

An op is declared once::

    class Power(Node):
        '''|X| ** exponent of a complex spectrum.'''
        op: Literal["power"] = "power"
        consumes: ClassVar = (Kind.SPECTRUM,)
        produces: ClassVar = Kind.POWER
        exponent: float = Field(2.0, gt=0, description="2 for power, 1 for magnitude")

    @Power.compute
    def power(x: Feature, p: Power) -> Feature:
        return x.derive(np.abs(x.data) ** p.exponent, Kind.POWER)

The registry, the discriminated union used to validate recipes, the JSON schema
and ``featgraph list`` are all derived from these classes.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, ClassVar, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from typing_extensions import Annotated

from .kinds import Kind


class Node(BaseModel):
    """Base class of every op's parameter model.

    Class attributes declared by each op:

    ``consumes``
        One :class:`Kind` (possibly a union of flags) per input, in order.
        A source op (``load``) consumes nothing and receives the run's source.
    ``framewise``
        True when output frame ``t`` depends only on input frame ``t`` (window,
        FFT, filterbanks, LPC ...).  Chains of such ops are run in blocks of
        frames, so that their intermediates never exist in full.
    ``produces``
        The kind of the output; ``None`` means "the kind of the first input".
        A ``dict`` of port name to kind declares several outputs; the first is
        the default, the others are referenced as ``node:port``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: str
    consumes: ClassVar[tuple[Kind, ...]] = ()
    framewise: ClassVar[bool] = False
    produces: ClassVar[Kind | dict[str, Kind] | None] = None
    _fn: ClassVar[Callable[..., Any] | None] = None

    @classmethod
    def compute(cls, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator binding the op's pure function ``fn(*inputs, params)``."""
        cls._fn = staticmethod(fn)
        return fn

    def __call__(self, *inputs):
        """Run the op on its inputs (a :class:`~featgraph.engine.source.Source` for a source op)."""
        return type(self)._fn(*inputs, self)

    @classmethod
    def is_source(cls) -> bool:
        return not cls.consumes

    @classmethod
    def ports(cls) -> dict[str, Kind | None]:
        """Output ports: ``{"": kind}`` for a single output."""
        return dict(cls.produces) if isinstance(cls.produces, dict) else {"": cls.produces}

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@functools.cache
def registry() -> dict[str, type[Node]]:
    """``{op name: parameter model}`` for every op in :mod:`featgraph.nodes`."""
    import featgraph.nodes  # noqa: F401  (importing registers the ops)

    ops = {}
    for model in _subclasses(Node):
        name = model.model_fields["op"].default
        if isinstance(name, str):
            if name in ops:
                raise TypeError(f"op {name!r} is defined twice: {ops[name]} and {model}")
            if model._fn is None:
                raise TypeError(f"op {name!r} has no function (decorate one with @{model.__name__}.compute)")
            ops[name] = model
    return dict(sorted(ops.items()))


@functools.cache
def node_adapter() -> TypeAdapter:
    """The discriminated union of every op's model, keyed on ``op``."""
    models = tuple(registry().values())
    return TypeAdapter(Annotated[Union[models], Field(discriminator="op")])  # type: ignore[valid-type]


def schema() -> dict:
    """JSON schema of a node, as accepted in a recipe's ``nodes:`` section."""
    return node_adapter().json_schema()

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
from typing import Any, Callable, ClassVar, Literal, Union

import numpy as np

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from typing_extensions import Annotated

from .kinds import Kind


class Node(BaseModel):
    """Base class of every op's parameter model.

    Class attributes declared by each op:

    ``consumes``
        One :class:`Kind` (possibly a union of flags) per input, in order.
        A source op (``load``) consumes nothing and receives the run's source.
    ``variadic``
        ``True``: the last kind of ``consumes`` may repeat, so the op takes
        ``len(consumes)`` inputs or more (``stack``).
    ``streaming``
        How the op streams (see docs/adding-an-op.md):

        ``"frame"``
            Output frame ``t`` depends only on input frame ``t`` (window, FFT,
            filterbanks, LPC ...; for a signal-to-signal op, sample ``t`` on
            sample ``t``).  The function bound with :meth:`compute` is called
            on chunks of one or more frames, split anywhere.
        ``"block"``
            The op carries state across chunks (framing's overlap,
            pre-emphasis' previous sample, IIR filter state, a delta's
            look-ahead).  A class bound with :meth:`stream` holds the state:
            ``S(params)``, ``S.step(*chunks) -> Feature | dict | None`` for each
            chunk (any number of frames, zero included; several inputs arrive
            aligned to equal frame counts) and ``S.flush() -> Feature | dict |
            None`` at the end of the input.  Optionally ``S.finish(*chunks)``:
            ``step`` on the last chunks and ``flush``, joined, when the state can
            give that without the join's copy (framing: one view of the frames;
            see :func:`finish`).
        ``"signal"``
            The op needs its whole input (utterance normalisation, top-dB
            relative to the file maximum, padding to a fixed length); the
            function bound with :meth:`compute` runs once, after the stream.
    ``produces``
        The kind of the output; ``None`` means "the kind of the first input".
        A ``dict`` of port name to kind declares several outputs; the first is
        the default, the others are referenced as ``node:port``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    op: str
    consumes: ClassVar[tuple[Kind, ...]] = ()
    variadic: ClassVar[bool] = False
    streaming: ClassVar[Literal["frame", "block", "signal"]] = "signal"
    produces: ClassVar[Kind | dict[str, Kind] | None] = None
    _fn: ClassVar[Callable[..., Any] | None] = None
    _stream: ClassVar[type | None] = None

    @classmethod
    def compute(cls, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator binding the pure function ``fn(*inputs, params)`` of a frame or signal op."""
        cls._fn = staticmethod(fn)
        return fn

    @classmethod
    def stream(cls, state_cls: type) -> type:
        """Decorator binding the state class of a ``"block"`` op (see ``streaming`` in the class docs)."""
        cls._stream = state_cls
        return state_cls

    def start(self):
        """A fresh state object of a ``"block"`` op."""
        return type(self)._stream(self)

    def latency(self) -> int:
        """Frames (samples for a signal op) of look-ahead a block op holds back."""
        return 0

    def __call__(self, *inputs):
        """Run the op on whole inputs (a block op: one step, then flush)."""
        if type(self).streaming == "block":
            return finish(self.start(), *inputs)
        return type(self)._fn(*inputs, self)

    @classmethod
    def input_kind(cls, i: int) -> Kind:
        """The kind input ``i`` may have (a variadic op's extra inputs take the last one)."""
        return cls.consumes[min(i, len(cls.consumes) - 1)] if cls.variadic else cls.consumes[i]

    @classmethod
    def is_source(cls) -> bool:
        return not cls.consumes

    @classmethod
    def ports(cls) -> dict[str, Kind | None]:
        """Output ports: ``{"": kind}`` for a single output."""
        return dict(cls.produces) if isinstance(cls.produces, dict) else {"": cls.produces}

    def out_ports(self) -> dict[str, Kind | None]:
        """This node's output ports: its class's :meth:`ports`, unless an op overrides this
        because its ports depend on its parameters (a wavelet transform's levels)."""
        return type(self).ports()

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def finish(state, *chunks) -> Any:
    """The end of a block op's input: ``state.step(*chunks)`` then ``state.flush()``,
    joined (just the flush without chunks); through ``state.finish(*chunks)`` when its
    class defines it."""
    if not chunks:
        return state.flush()
    if hasattr(state, "finish"):
        return state.finish(*chunks)
    return join_chunks([state.step(*chunks), state.flush()])


def join_chunks(chunks: list) -> Any:
    """Concatenate stream chunks (features, or dicts of port -> feature) along frames.

    ``None`` chunks are skipped; the result keeps frame-major memory (each frame
    contiguous) when the chunks have it.
    """
    chunks = [c for c in chunks if c is not None]
    if not chunks:
        return None
    first = chunks[0]
    if isinstance(first, dict):
        return {port: join_chunks([c[port] for c in chunks]) for port in first}
    chunks = [c for c in chunks if c.data.shape[-1]] or chunks[:1]
    if len(chunks) == 1:
        return chunks[0]
    if first.kind == Kind.SIGNAL or first.data.ndim < 2:
        return first.derive(np.concatenate([c.data for c in chunks], axis=-1))
    joined = np.concatenate([np.swapaxes(c.data, -1, -2) for c in chunks], axis=-2)
    return first.derive(np.swapaxes(joined, -1, -2))


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


_OP_SOURCES: list[Callable[[], None]] = []


def add_op_source(load: Callable[[], None]) -> None:
    """Register a function that imports (defines) a family of ops, called before the
    registry is first read.  ``featgraph/__init__.py`` registers the shipped ops this
    way, so the engine never imports the node modules and a run whose plan is
    cached imports only the modules of the ops it uses."""
    _OP_SOURCES.append(load)
    registry.cache_clear()
    node_adapter.cache_clear()


def defined_ops() -> dict[str, type[Node]]:
    """``{op name: parameter model}`` of the ops whose modules are imported so far."""
    ops = {}
    for model in _subclasses(Node):
        name = model.model_fields["op"].default
        if isinstance(name, str):
            if name in ops and ops[name] is not model:
                raise TypeError(f"op {name!r} is defined twice: {ops[name]} and {model}")
            ops[name] = model
    return ops


@functools.cache
def registry() -> dict[str, type[Node]]:
    """``{op name: parameter model}`` of every op, after importing every op source."""
    for load in _OP_SOURCES:
        load()
    ops = defined_ops()
    for name, model in ops.items():
        if model.streaming not in ("frame", "block", "signal"):
            raise TypeError(f"op {name!r}: streaming must be frame, block or signal")
        if model.streaming == "block" and model._stream is None:
            raise TypeError(f"op {name!r} is a block op without a state class (decorate one "
                            f"with @{model.__name__}.stream)")
        if model.streaming != "block" and model._fn is None:
            raise TypeError(f"op {name!r} has no function (decorate one with "
                            f"@{model.__name__}.compute)")
    return dict(sorted(ops.items()))


@functools.cache
def node_adapter() -> TypeAdapter:
    """The discriminated union of every op's model, keyed on ``op``."""
    models = tuple(registry().values())
    return TypeAdapter(Annotated[Union[models], Field(discriminator="op")])  # type: ignore[valid-type]


def schema() -> dict:
    """JSON schema of a node, as accepted in a recipe's ``nodes:`` section."""
    return node_adapter().json_schema()

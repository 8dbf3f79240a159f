"""The value that flows between nodes: an array with the facts needed to read it."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .kinds import Kind


@dataclass(frozen=True)
class Feature:
    """An array plus the metadata a downstream node needs.

    Parameters
    ----------
    data : np.ndarray
        ``(..., samples)`` for :attr:`Kind.SIGNAL`; for :attr:`Kind.EVENTS` a float64
        ``(n_events,)`` array of event times in seconds from the start of the input
        (ascending; chunks of events are joined by concatenation); otherwise
        ``(..., features, frames)``.
        Leading axes are channels.  Memory layout is free: framed data is usually a
        transposed view of a ``(..., frames, features)`` C-contiguous buffer, so that
        each frame is contiguous for the FFT and the C kernels.
    kind : Kind
        What the array holds.
    sr : float
        Sample rate of the underlying audio, in Hz.
    hop : int or None
        Samples between the starts of consecutive frames (``None`` for signals).
    win_length : int or None
        Samples per frame before any FFT zero-padding (``None`` for signals).
    n_fft : int or None
        FFT length, once a spectrum was taken.
    axis : np.ndarray or None
        Coordinates of the feature axis, e.g. bin or band centre frequencies in Hz.
        Non-uniform axes (Bark, ERB, CQT) are simply arrays.
    names : tuple of str or None
        A name per row of the feature axis (e.g. openSMILE's column names of the
        eGeMAPS outputs), or None.  :meth:`derive` keeps them only while the
        feature axis keeps its length; an op that builds new rows sets its own.
    """

    data: np.ndarray
    kind: Kind
    sr: float
    hop: int | None = None
    win_length: int | None = None
    n_fft: int | None = None
    axis: np.ndarray | None = None
    names: tuple[str, ...] | None = None

    def derive(self, data: np.ndarray, kind: Kind | None = None, **changes) -> "Feature":
        """A new feature with ``data`` and the metadata of this one, updated by ``changes``.

        ``dataclasses.replace`` without its per-call field introspection (every chunk
        of every step derives a feature, so this is on the scheduler's hot path).
        ``names`` are dropped (unless given) when the feature axis changes length (a
        1-D placeholder keeps them).
        """
        if changes and not changes.keys() <= _FIELDS:
            raise TypeError(f"Feature has no field {sorted(changes.keys() - _FIELDS)[0]!r}")
        new = object.__new__(type(self))
        fields = new.__dict__
        fields.update(self.__dict__)
        fields["data"] = data
        if kind is not None:
            fields["kind"] = kind
        if changes:
            fields.update(changes)
        if "names" not in changes and self.names is not None and (
                np.ndim(data) >= 2 and np.shape(data)[-2] != len(self.names)):
            fields["names"] = None
        return new

    @property
    def nbytes(self) -> int:
        """Logical size of the data in bytes (a view counts in full)."""
        return int(self.data.nbytes)

    @property
    def n_frames(self) -> int:
        """Frames on the last axis (samples for a signal)."""
        return int(self.data.shape[-1])

    @property
    def is_events(self) -> bool:
        """True for an event list (:attr:`Kind.EVENTS`): times in seconds, not frames."""
        return self.kind == Kind.EVENTS

    @property
    def times(self) -> np.ndarray:
        """Start time of every frame in seconds (sample times for a signal; the event
        times themselves for an event list)."""
        if self.is_events:
            return np.asarray(self.data, dtype=np.float64)
        step = 1 if self.hop is None else self.hop
        return np.arange(self.n_frames) * step / self.sr


_FIELDS = frozenset(f.name for f in dataclasses.fields(Feature))

"""What flows along an edge.

Every op declares the kind of each input it consumes and the kind it produces, so
that a recipe feeding frames into a filterbank is rejected before anything runs.
Kinds are flags: an input slot may accept several (``Kind.POWER | Kind.BANDS``).
"""
from __future__ import annotations

import enum
import functools


class Kind(enum.Flag):
    """The kinds of data an edge of a recipe graph can carry.

    Shapes follow the project convention ``(..., features, frames)``; leading
    axes are channels (or anything else the user batches over).
    """

    SIGNAL = enum.auto()     #: time-domain audio, ``(..., samples)``
    FRAMES = enum.auto()     #: framed audio, ``(..., frame_length, frames)``
    SPECTRUM = enum.auto()   #: complex spectrum on a frequency axis, ``(..., bins, frames)``
    POWER = enum.auto()      #: real non-negative spectrum on uniform FFT bins, ``(..., bins, frames)``
    BANDS = enum.auto()      #: band energies on a (possibly non-uniform) axis, ``(..., bands, frames)``
    AUTOCORR = enum.auto()   #: autocorrelation lags, ``(..., lags, frames)``
    LPC = enum.auto()        #: prediction polynomials ``[a0, a1, ... ap]``, ``(..., order+1, frames)``
    CEPSTRA = enum.auto()    #: cepstral coefficients, ``(..., coefficients, frames)``
    FEATURE = enum.auto()    #: any other per-frame values, ``(..., values, frames)``
    EVENTS = enum.auto()     #: event times in seconds (onsets, beats), float64 ``(n_events,)``

    @property
    def label(self) -> str:
        """``'power|bands'`` — lower-case names joined by ``|``."""
        return _label(self)


@functools.lru_cache(maxsize=None)
def _label(kind: Kind) -> str:
    """:attr:`Kind.label`, made once per kind (every output's metadata asks for it)."""
    return "|".join(k.name.lower() for k in Kind if k in kind)


ANY = Kind.SIGNAL | Kind.FRAMES | Kind.SPECTRUM | Kind.POWER | Kind.BANDS | \
    Kind.AUTOCORR | Kind.LPC | Kind.CEPSTRA | Kind.FEATURE
"""Every frame-based kind: for ops that accept anything on a time grid.  ``Kind.EVENTS``
is deliberately not in it: event lists are not frames, so only ops that name
``Kind.EVENTS`` in ``consumes`` receive them."""

SPECTRAL = Kind.POWER | Kind.BANDS
"""Real spectra with a frequency axis: FFT bins or filterbank bands."""

"""Logarithms, the DCT and frame energy: the cepstral half of MFCC front ends.

Ops: ``power_to_db`` and ``top_db`` (librosa's ``power_to_db`` split into its
framewise part and its whole-file clip), ``log`` (natural or other base, with a
floor), ``dct`` (DCT-II / DCT-III, unnormalised, orthonormal or HTK scaling),
``frame_energy`` (sum of squares of a frame, or of a power spectrum's bins),
``with_energy`` (log energy replacing c0, prepended or appended), ``select``
(a range of features), ``floor``, ``stack``
(concatenate two features along the feature axis) and ``htk_preemphasis``
(HTK's pre-emphasis of each frame on its own).

References
----------
S. Young et al., *The HTK Book* (for HTK 3.4), section 5.6 "Filterbank analysis"
(DCT with ``sqrt(2/N)`` scaling, mel floor, pre-emphasis, energy measures).
librosa 0.11 documentation: ``librosa.power_to_db``, ``librosa.feature.mfcc``.
python_speech_features 0.6 documentation: ``mfcc``, ``logfbank``.
"""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import ANY, SPECTRAL, Kind
from ..engine.ops import Node
from ._common import frame_major, matmul

FLOAT_EPS = float(np.finfo(np.float64).eps)
"""``numpy.finfo(float).eps``, the floor python_speech_features puts under zero energies."""

LOGGABLE = SPECTRAL | Kind.FEATURE | Kind.AUTOCORR


class PowerToDb(Node):
    """Decibels of a power (or magnitude) spectrum: ``m * log10(max(x, amin)) - m * log10(max(ref, amin))``.

    ``m`` is 10 for ``quantity: power`` and 20 for ``quantity: amplitude``.  This is
    ``librosa.power_to_db(S, ref=ref, amin=amin, top_db=None)`` (and
    ``amplitude_to_db`` with ``quantity: amplitude``); librosa's ``top_db``
    clip, relative to the maximum of the whole array, is the separate
    whole-signal op ``top_db``.  Input and output ``(..., bands, frames)``,
    dtype kept.  Always finite (``amin > 0``).

    Streaming: framewise.
    """

    op: Literal["power_to_db"] = "power_to_db"
    consumes: ClassVar = (LOGGABLE,)
    streaming: ClassVar = "frame"

    ref: float = Field(1.0, gt=0, le=1e30, description="reference value mapped to 0 dB")
    amin: float = Field(1e-10, gt=0, le=1e30, description="values below amin are raised to amin")
    quantity: Literal["power", "amplitude"] = Field(
        "power", description="power: 10 log10 (power_to_db); amplitude: 20 log10 (amplitude_to_db)")


@PowerToDb.compute
def power_to_db(x: Feature, p: PowerToDb) -> Feature:
    return x.derive(power_to_db_values(x.data, p))


def power_to_db_values(data: np.ndarray, p: PowerToDb, out: np.ndarray | None = None):
    """:class:`PowerToDb` of ``data`` into ``out`` (may be ``data`` itself: in place)."""
    m = 10.0 if p.quantity == "power" else 20.0
    dtype = data.dtype
    out = np.maximum(data, dtype.type(p.amin), out=out)
    factor = log_into(out, "10")        # now out * factor = log10(x)
    out *= dtype.type(m * factor)
    offset = dtype.type(m * np.log10(max(p.ref, p.amin)))
    if offset != 0:                    # ref 1: x - 0 is x, skip the pass
        out -= offset
    return out


class TopDb(Node):
    """Clip decibel values to at most ``top_db`` below the maximum of the whole input.

    ``y = max(x, max(x) - top_db)``, the maximum taken over every value of the
    input (all channels, features and frames): librosa's ``power_to_db``
    ``top_db`` step, which uses the maximum of the array it is given (one
    file).  Input and output in dB, ``(..., features, frames)``.

    Streaming: whole signal (the maximum needs the whole file).
    """

    op: Literal["top_db"] = "top_db"
    consumes: ClassVar = (LOGGABLE,)
    streaming: ClassVar = "signal"

    top_db: float = Field(80.0, ge=0, le=1000, description="dynamic range kept below the maximum, dB")


@TopDb.compute
def top_db(x: Feature, p: TopDb) -> Feature:
    if x.data.size == 0:
        return x
    floor = x.data.max() - x.data.dtype.type(p.top_db)
    return x.derive(np.maximum(x.data, floor))


class Log(Node):
    """Logarithm with a floor: ``scale * log_base(max(x, floor))``.

    ``floor_mode: clamp`` raises every value below ``floor`` to ``floor`` (HTK's
    mel floor: 1.0 on 16-bit sample units); ``floor_mode: zeros`` replaces only
    exact zeros by ``floor`` (python_speech_features: ``numpy.finfo(float).eps``),
    and clamps anything still below ``floor`` so that the result stays finite.
    Input ``(..., features, frames)``, dtype kept.

    Streaming: framewise.
    """

    op: Literal["log"] = "log"
    consumes: ClassVar = (LOGGABLE,)
    streaming: ClassVar = "frame"

    base: Literal["e", "10", "2"] = Field("e", description="logarithm base")
    floor: float = Field(FLOAT_EPS, gt=0, le=1e30, description="smallest value taken the log of")
    floor_mode: Literal["clamp", "zeros"] = Field(
        "clamp", description="clamp: max(x, floor); zeros: only exact zeros become floor "
                             "(python_speech_features)")
    scale: float = Field(1.0, gt=0, le=1e6, description="multiply the logarithm (10 for dB "
                                                        "with base 10)")


@Log.compute
def log(x: Feature, p: Log) -> Feature:
    return x.derive(log_values(x.data, p))


def log_values(data: np.ndarray, p: Log, out: np.ndarray | None = None) -> np.ndarray:
    """:class:`Log` of ``data`` into ``out`` (may be ``data`` itself: in place)."""
    dtype = data.dtype
    floor = dtype.type(p.floor)
    if floor == 0:          # a float32 underflow of a tiny floor
        floor = np.finfo(dtype).tiny
    out = np.maximum(data, floor, out=out)
    scale = log_into(out, p.base) * p.scale
    if scale != 1.0:
        out *= dtype.type(scale)
    return out


_LOG_SCALE = {"e": 1.0, "10": 1.0 / np.log(10.0), "2": 1.0 / np.log(2.0)}


def log_into(out: np.ndarray, base: str) -> float:
    """Take the logarithm of ``out`` in place; returns the factor still to multiply by.

    In float32 every base goes through the natural logarithm, then that factor
    (``1 / ln 10``, ``1 / ln 2``): numpy's float32 ``log`` is vectorised and its
    ``log10`` and ``log2`` are not (3x and 1.5x slower here).  The result differs
    from ``log10`` by at most a few float32 ulps (~5e-7 relative), far below float32
    pipelines' agreement with their references.  float64 goes to the vectorised C
    logarithm (:func:`featgraph.native.logs.log`, within a few ulp of numpy's, whose
    float64 ``log`` is a libm call per value without AVX-512: 4x faster here, ``log10``
    8x), the base's factor applied in the same pass.
    """
    if out.dtype == np.float32:
        np.log(out, out=out)
        return _LOG_SCALE[base]
    if out.dtype == np.float64:          # every layout alike (fused and plain ops agree)
        from ..native.logs import log

        flat = out if out.flags.c_contiguous else out.T if out.flags.f_contiguous else None
        if flat is not None:
            log(flat, _LOG_SCALE[base], out=flat)
        else:
            out[...] = log(np.ascontiguousarray(out), _LOG_SCALE[base])
        return 1.0
    {"e": np.log, "10": np.log10, "2": np.log2}[base](out, out=out)
    return 1.0


class DCT(Node):
    """Discrete cosine transform along the feature axis (mel bands to cepstra).

    DCT-II of ``x[0..N-1]``: ``y[k] = s[k] * sum_n x[n] cos(pi k (2n + 1) / (2N))``, with

    - ``norm: none``: ``s[k] = 2`` (scipy's unnormalised DCT-II);
    - ``norm: ortho``: ``s[0] = sqrt(1/N)``, ``s[k] = sqrt(2/N)`` (orthonormal; librosa's
      and python_speech_features' MFCC);
    - ``norm: htk``: ``s[k] = sqrt(2/N)`` for every ``k`` (The HTK Book, eq. 5.14:
      ``c_i = sqrt(2/N) sum_j m_j cos(pi i (j - 0.5) / N)``; c0 is ``sqrt(2)`` times the
      orthonormal one).

    DCT-III (``type: 3``) is the inverse direction: with ``norm: ortho`` or ``htk`` it
    inverts the DCT-II of the same norm (input coefficients missing beyond the
    given ones count as zero); with ``norm: none`` it is scipy's
    ``y[n] = x[0] + 2 sum_{k>=1} x[k] cos(pi k (2n + 1) / (2N))``.

    Output ``(..., n_out, frames)``: the first ``n_out`` coefficients (DCT-II), or
    ``n_out`` points (DCT-III; default: as many as the input), dtype kept.  The
    output kind is ``cepstra`` for both types.

    Streaming: framewise.
    """

    op: Literal["dct"] = "dct"
    consumes: ClassVar = (LOGGABLE | Kind.CEPSTRA,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.CEPSTRA

    type: int = Field(2, ge=2, le=3, description="2: forward DCT-II (cepstra); 3: DCT-III")
    norm: Literal["none", "ortho", "htk"] = Field("ortho", description="scaling (see the op)")
    n_out: int | None = Field(None, ge=1, le=4096,
                              description="outputs kept (type 2) or produced (type 3); null: "
                                          "as many as the inputs")


@functools.lru_cache(maxsize=64)
def dct_matrix(n_in: int, n_out: int, dct_type: int, norm: str) -> np.ndarray:
    """``(n_out, n_in)`` float64 matrix of the DCT (see :class:`DCT`), read-only (cached)."""
    if dct_type == 2:
        n = n_in
        k = np.arange(n_out)[:, None]
        m = np.cos(np.pi * k * (2 * np.arange(n)[None, :] + 1) / (2 * n))
        if norm == "none":
            m *= 2.0
        else:
            m *= np.sqrt(2.0 / n)
            if norm == "ortho":
                m[0] *= np.sqrt(0.5)
    else:
        n = n_out                                  # length of the transform
        if n_in > n:
            raise ValueError(f"dct type 3: {n_in} input coefficients exceed n_out = {n}")
        if norm == "none":
            k = np.arange(n_in)[None, :]
            m = 2.0 * np.cos(np.pi * k * (2 * np.arange(n)[:, None] + 1) / (2 * n))
            m[:, 0] = 1.0
        else:
            forward = dct_matrix(n, n, 2, norm)
            m = np.linalg.inv(forward)[:, :n_in] if norm == "htk" else forward.T[:, :n_in]
    m = np.ascontiguousarray(m)
    m.setflags(write=False)
    return m


@DCT.compute
def dct(x: Feature, p: DCT) -> Feature:
    n_in = x.data.shape[-2]
    n_out = n_in if p.n_out is None else p.n_out
    if p.type == 2 and n_out > n_in:
        raise ValueError(f"dct: n_out = {n_out} exceeds the {n_in} input values; use "
                         f"n_out <= {n_in}")
    m = dct_matrix(n_in, n_out, p.type, p.norm).astype(x.data.dtype, copy=False)
    y = matmul(frame_major(x.data), m.T)
    return x.derive(frame_major(y), Kind.CEPSTRA, axis=None)


class FrameEnergy(Node):
    """Energy of each frame: ``sum x[n]^2`` of the samples, or ``sum_k P[k]`` of a power spectrum.

    On ``frames``: HTK's energy measure (The HTK Book 5.8: computed on the raw
    frame, before pre-emphasis and windowing, with ``RAWENERGY = T``, or on
    the windowed frame).  On ``power``: python_speech_features' ``fbank``
    energy, the sum of its power spectrum (``|X|^2 / nfft``) over the
    ``nfft/2 + 1`` bins.  Output ``(..., 1, frames)``, dtype kept; take the
    ``log`` op of it for log energy.

    Streaming: framewise.
    """

    op: Literal["frame_energy"] = "frame_energy"
    consumes: ClassVar = (Kind.FRAMES | SPECTRAL,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FEATURE


@FrameEnergy.compute
def frame_energy(x: Feature, p: FrameEnergy) -> Feature:
    frames = frame_major(x.data)
    if x.kind == Kind.FRAMES:
        e = np.einsum("...i,...i->...", frames, frames)
    else:
        e = frames.sum(axis=-1)
    return x.derive(e[..., None, :], Kind.FEATURE, axis=None)


class WithEnergy(Node):
    """Put a log energy (one value per frame) into cepstra: replace c0, prepend or append it.

    ``mode: replace`` is python_speech_features' ``appendEnergy=True`` (c0 becomes
    log energy) and HTK's ``MFCC_E`` without ``_0``; ``append`` puts it after
    the cepstra (HTK's ``MFCC_E`` order, c1..cN then E), ``prepend`` before.
    Inputs: cepstra ``(..., n, frames)``, energy ``(..., 1, frames)`` (or c0, taken
    with ``select``, for HTK's ``MFCC_0`` order c1..cN, c0).

    Streaming: framewise.
    """

    op: Literal["with_energy"] = "with_energy"
    consumes: ClassVar = (Kind.CEPSTRA | Kind.FEATURE | Kind.BANDS, Kind.FEATURE | Kind.CEPSTRA)
    streaming: ClassVar = "frame"

    mode: Literal["replace", "append", "prepend"] = Field(
        "replace", description="replace c0, or add the energy after / before the cepstra")


@WithEnergy.compute
def with_energy(c: Feature, e: Feature, p: WithEnergy) -> Feature:
    if e.data.shape[-2] != 1:
        raise ValueError(f"with_energy: the energy input has {e.data.shape[-2]} values per "
                         "frame; give it one (frame_energy, then log)")
    cm, em = frame_major(c.data), frame_major(e.data).astype(c.data.dtype, copy=False)
    if p.mode == "replace":
        out = cm.copy()
        out[..., :1] = em
    else:
        pieces = (cm, em) if p.mode == "append" else (em, cm)
        out = np.concatenate(pieces, axis=-1)
    return c.derive(frame_major(out), axis=None)


class Stack(Node):
    """Concatenate features along the feature axis: ``[a; b; ...]``, ``(..., na + nb + ..., frames)``.

    Two inputs or more, all with the same frames (they do when they come from
    one front end).  The kind is the first input's; the row names
    (``Feature.names``) are concatenated when every input has them.  Use it to
    assemble ``[static; delta; delta-delta]`` vectors (HTK's ``_D_A``) or a set
    of descriptors (eGeMAPS' 25 rows).

    Example: ``{op: stack, inputs: [mfcc, delta, delta2]}``.

    Streaming: framewise.
    """

    op: Literal["stack"] = "stack"
    consumes: ClassVar = (ANY & ~Kind.SIGNAL, ANY & ~Kind.SIGNAL)
    variadic: ClassVar = True
    streaming: ClassVar = "frame"


@Stack.compute
def stack(*args) -> Feature:
    *xs, p = args
    frames = {x.data.shape[-1] for x in xs}
    if len(frames) > 1:
        raise ValueError(f"stack: the inputs have {sorted(frames)} frames; stack features of "
                         "one front end")
    dtype = np.result_type(*(x.data for x in xs))
    out = np.concatenate([frame_major(x.data).astype(dtype, copy=False) for x in xs], axis=-1)
    names = sum((x.names for x in xs), ()) if all(x.names for x in xs) else None
    return xs[0].derive(frame_major(out), axis=None, names=names)


class HTKPreEmphasis(Node):
    """HTK's pre-emphasis of each frame on its own: ``s'[n] = s[n] - k s[n-1]``, ``s'[0] = (1 - k) s[0]``.

    HTK (``PREEMCOEF``, default 0.97; HSigP ``PreEmphasise``) pre-emphasises
    every frame separately, after framing and before the window, with the first
    sample of the frame scaled by ``1 - k`` (The HTK Book 5.2).  Unlike the
    ``preemphasis`` op on the signal, no sample of the previous frame is used.
    Input and output ``(..., length, frames)``.

    Streaming: framewise.
    """

    op: Literal["htk_preemphasis"] = "htk_preemphasis"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"

    coef: float = Field(0.97, ge=0, le=1, description="pre-emphasis coefficient k")


@HTKPreEmphasis.compute
def htk_preemphasis(x: Feature, p: HTKPreEmphasis) -> Feature:
    f = frame_major(x.data)
    k = f.dtype.type(p.coef)
    out = np.empty_like(f)
    np.multiply(f[..., :-1], -k, out=out[..., 1:])   # s[n] + (-k s[n-1]) == s[n] - k s[n-1]:
    out[..., 1:] += f[..., 1:]                       # the same numbers, no temporary array
    np.multiply(f[..., :1], 1 - k, out=out[..., :1])
    return x.derive(frame_major(out))


class Floor(Node):
    """Raise small values: ``max(x, value)`` (``mode: clamp``), or replace exact zeros by ``value``
    (``mode: zeros``, python_speech_features' ``fbank``: ``numpy.finfo(float).eps``).

    Streaming: framewise.
    """

    op: Literal["floor"] = "floor"
    consumes: ClassVar = (LOGGABLE,)
    streaming: ClassVar = "frame"

    value: float = Field(FLOAT_EPS, ge=0, le=1e30, description="the floor")
    mode: Literal["clamp", "zeros"] = Field("clamp", description="clamp everything below, or "
                                                                 "only exact zeros")


@Floor.compute
def floor(x: Feature, p: Floor) -> Feature:
    v = x.data.dtype.type(p.value)
    out = np.maximum(x.data, v) if p.mode == "clamp" else np.where(x.data == 0, v, x.data)
    return x.derive(out)


class Select(Node):
    """Keep the features ``begin <= i < end`` of each frame (e.g. c1..c12 of 13 cepstra).

    Output ``(..., end - begin, frames)``, the input's kind; the feature axis
    coordinates follow.

    Streaming: framewise.
    """

    op: Literal["select"] = "select"
    consumes: ClassVar = (ANY & ~(Kind.SIGNAL | Kind.FRAMES),)
    streaming: ClassVar = "frame"

    begin: int = Field(0, ge=0, le=100000, description="first feature kept")
    end: int | None = Field(None, ge=1, le=100000, description="one past the last; null: all")


@Select.compute
def select(x: Feature, p: Select) -> Feature:
    n = x.data.shape[-2]
    end = n if p.end is None else p.end
    if not p.begin < end <= n:
        raise ValueError(f"select: begin = {p.begin}, end = {end} do not fit the {n} features "
                         f"per frame; use 0 <= begin < end <= {n}")
    axis = None if x.axis is None else x.axis[p.begin:end]
    return x.derive(x.data[..., p.begin:end, :], axis=axis)

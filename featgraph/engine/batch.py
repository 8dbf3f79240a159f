"""Batches as models are fed: one padded ``(batch, features, frames)`` array and the lengths.

:meth:`featgraph.Recipe.batch` runs a compiled plan on every item of a batch and
pads the results to one array with the padding semantics of the feature extractor
the recipe reproduces.  A recipe declares them with three optional parameters
(overridable like any other, ``batch(..., batch_pad="features")``):

``batch_pad`` (default ``features``)
    ``features``: each item runs on its own; the outputs are padded along
    frames with ``batch_pad_value`` up to the longest (the Kaldi fbank
    extractors: Speech2Text, SeamlessM4T; NeMo's, whose frames past the valid
    ones are zeros anyway).  ``signal``: the waveforms are first zero-padded to
    the longest item, then each runs (transformers' Whisper and Gemma 3n
    extractors pad the batch's samples before their STFT, so the last frames
    and Whisper's per-item maximum see those zeros).  A recipe that pads to a
    fixed duration (Whisper's 30 s, CLAP's 10 s, AST's 1024 frames) gives
    equal frame counts in either mode.
``batch_valid`` (default ``frames``)
    The per-item frame counts returned, i.e. the attention mask:
    ``frames``: the frames the item produced on its own; ``ceil``:
    ``ceil(samples / hop)`` (transformers' sample mask taken every ``hop``
    samples: Whisper, Gemma 3n); ``floor``: ``samples // hop`` (NeMo's valid
    frames, ``(samples + 2 (n_fft // 2) - n_fft) // hop``).  ``samples`` is the
    item's own length at the output's rate; counts are capped at the padded
    frame count.
``batch_pad_value`` (default ``0.0``)
    The value of padding frames in ``features`` mode.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import AudioError
from .plan import Plan
from .scheduler import execute
from .source import Source

BATCH_RULES = ("batch_pad", "batch_valid", "batch_pad_value")
PAD_MODES = ("features", "signal")
VALID_MODES = ("frames", "ceil", "floor")


class Batch(NamedTuple):
    """``features``: ``(batch, ..., features, frames)`` (or ``(batch, ..., frames, features)``
    with ``frames_first``); ``lengths``: ``(batch,)`` int64 valid frames of each item."""

    features: np.ndarray
    lengths: np.ndarray


def rules(params: dict) -> tuple[str, str, float]:
    """``(batch_pad, batch_valid, batch_pad_value)`` from a recipe's resolved parameters."""
    pad = params.get("batch_pad") or "features"
    valid = params.get("batch_valid") or "frames"
    value = params.get("batch_pad_value")
    if pad not in PAD_MODES:
        raise ValueError(f"batch_pad must be one of {', '.join(PAD_MODES)}, got {pad!r}")
    if valid not in VALID_MODES:
        raise ValueError(f"batch_valid must be one of {', '.join(VALID_MODES)}, got {valid!r}")
    try:
        value = 0.0 if value is None else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"batch_pad_value must be a number, got {value!r}") from None
    return pad, valid, value


def run_batch(plan: Plan, params: dict, items: Sequence, sr: float | None = None,
              output: str | None = None, frames_first: bool = False) -> Batch:
    """Run ``plan`` on every item and pad the outputs into one array (see the module docs).

    Parameters
    ----------
    plan : Plan
        The compiled recipe.
    params : dict
        The recipe's parameters with overrides applied (holds the batch rules).
    items : sequence of np.ndarray or paths
        Samples ``(samples,)`` / ``(channels, samples)`` at ``sr``, or audio files.
    sr : float, optional
        Sample rate of array items (required for arrays).
    output : str, optional
        Which output to batch; needed when the recipe has several.
    frames_first : bool
        Return ``(batch, ..., frames, features)`` instead of ``(..., features, frames)``.
    """
    pad, valid, value = rules(params)
    if not len(items):
        raise ValueError("batch: no items")
    names = list(plan.outputs)
    if output is None:
        if len(names) != 1:
            raise ValueError(f"batch: the recipe has outputs {', '.join(names)}; choose one "
                             "with output=")
        output = names[0]
    elif output not in plan.outputs:
        raise ValueError(f"batch: no output {output!r} (outputs: {', '.join(names)})")
    signals = [_samples(item, sr) for item in items]
    rate = signals[0][1]
    if any(r != rate for _, r in signals):
        raise AudioError("batch: the items have different sample rates: "
                         + ", ".join(f"{r:g}" for _, r in signals))
    lengths_in = [y.shape[-1] for y, _ in signals]
    if pad == "signal":
        longest = max(lengths_in)
        signals = [(y if y.shape[-1] == longest else
                    np.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, longest - y.shape[-1])]), r)
                   for y, r in signals]
    feats = [execute(plan, Source.of(y, r)).features[output] for y, r in signals]
    shapes = {f.data.shape[:-1] for f in feats}
    if len(shapes) > 1:
        raise ValueError(f"batch: the items' outputs differ in shape {sorted(shapes)} (mixed "
                         "channel counts?)")
    frames = max(f.n_frames for f in feats)
    lead = feats[0].data.shape[:-1]
    out = np.full((len(feats),) + lead + (frames,), value, dtype=feats[0].data.dtype)
    for i, f in enumerate(feats):
        out[i, ..., :f.n_frames] = f.data
    counts = []
    for n, f in zip(lengths_in, feats):
        if valid == "frames" or not f.hop or f.is_events:     # an event list: its length
            counts.append(f.n_frames)
            continue
        n_out = n * f.sr / rate / f.hop
        counts.append(min(frames, math.ceil(n_out - 1e-9) if valid == "ceil"
                          else math.floor(n_out + 1e-9)))
    return Batch(np.swapaxes(out, -1, -2) if frames_first else out,
                 np.asarray(counts, dtype=np.int64))


def _samples(item, sr: float | None) -> tuple[np.ndarray, float]:
    """An item as ``(samples array, rate)``; files are read whole."""
    if isinstance(item, (str, Path)):
        source = Source.of(item)
        blocks = [b for b in source.blocks(1 << 16)]
        if not blocks:
            raise AudioError(f"{item}: no samples")
        y = np.concatenate(blocks, axis=-1)
        return (y[0] if y.shape[0] == 1 else y), source.samplerate()
    source = Source.of(item, sr)
    return np.asarray(source.samples), float(source.sr)

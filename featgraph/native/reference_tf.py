"""numpy definition of the full-rate band-pass kernel (``tf.c``).

The full-rate band-pass analysis (:func:`featgraph.nodes._tf._full_rate`) computes each
band at samples ``t = i D + r`` as ``D`` phases (``r``) of ``Q`` samples (``i``); the
kernel copies a chunk of phases, ``src[p, b, i]`` for phase ``first_phase + p`` and band
``col0 + b``, into the frame-major output, row ``t``, column ``col0 + b``.  A copy:
both backends give the same bits.  The spectra of a chunk of phases come from the
first phase's by doubling (:func:`phase_chunk`).
"""
from __future__ import annotations

import numpy as np


def interleave(src: np.ndarray, first_phase: int, sub: int, out: np.ndarray,
               col0: int) -> None:
    """``out[i sub + first_phase + p, col0 + b] = src[p, b, i]`` for rows below
    ``len(out)`` (shapes validated by :func:`featgraph.native.tf.interleave`)."""
    k, g, q = src.shape
    n_rows = out.shape[0]
    for p in range(k):
        rows = np.arange(first_phase + p, min(q * sub, n_rows), sub)
        out[rows, col0:col0 + g] = src[p, :, :len(rows)].T


def phase_chunk(z0: np.ndarray, first: np.ndarray | None, twiddles: np.ndarray,
                chunk: np.ndarray) -> None:
    """``chunk[0] = z0 first`` (``z0`` when ``first`` is None), then ``chunk[s + r] =
    chunk[r] twiddles[j]`` for ``s = 2^j``, ``r < s`` (shapes validated by
    :func:`featgraph.native.tf.phase_chunk`)."""
    if first is None:
        chunk[0] = z0
    else:
        np.multiply(z0, first, out=chunk[0])
    step = 1
    for tw in twiddles:
        np.multiply(chunk[:step], tw, out=chunk[step:2 * step])
        step *= 2

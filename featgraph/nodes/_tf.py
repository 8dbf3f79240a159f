"""Band-pass analysis by FFT filtering, blockwise, decimated: the engine of the CWT, WSST and PWT.

Each band ``k`` has a real, non-negative frequency response ``R_k(f)`` on the positive
frequencies only (analytic: the output is complex).  The output of band ``k`` at sample
``n`` is ``y_k[n] = sum_m x[m] psi_k[n - m]`` with ``psi_k`` the inverse Fourier
transform of ``R_k`` (zero-extended signal: a linear, not circular, convolution), kept
at ``n = t * hop``.  The signal is cut into overlapping blocks: each block of ``K``
frames is read with ``margin`` samples on either side (the longest filter's half
support) and transformed with one FFT; decimating by ``hop`` is done in the frequency
domain by folding the spectrum (``y[j hop] = IFFT_{L/hop}(sum_r Y[m + r L / hop]) / hop``),
so the inverse FFTs are ``hop`` times shorter and nothing is kept at full rate.  Memory:
the output, one block's spectrum and one group of bands' products.  At ``hop = 1`` (the
full rate) one block holds the whole signal and each band's inverse FFT is cut into
interleaved phases as short as its support allows (:func:`_full_rate`).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ._scales import band_points
from .spectral import _ducc_fft     # (the full-rate path needs ducc0's strided out=)

BLOCK_BYTES = 8 << 20
"""Bytes of one group of bands' complex products (a block's working set)."""


def centre_frequencies(scale: str, n_bins: int, fmin: float, fmax: float | None, sr: float,
                       bins_per_octave: int, variant: str | None = None) -> np.ndarray:
    """Centre frequencies (Hz, ascending) laid out like the filterbank scales.

    ``log`` / ``octave``: ``fmin 2^(k / bins_per_octave)``, ``k = 0 .. n_bins - 1`` (the
    CQT's); ``linspace``, ``mel``, ``bark``, ``erb``: ``n_bins`` centres equally spaced on
    the scale strictly inside ``[fmin, fmax]`` (``fmax`` defaults to ``sr / 2``), as the
    filterbank's (:func:`featgraph.nodes._scales.band_points`).
    """
    if scale in ("log", "octave"):
        fc = fmin * 2.0 ** (np.arange(n_bins) / bins_per_octave)
    else:
        top = sr / 2 if fmax is None else fmax
        if not fmin < top:
            raise ValueError(f"fmin = {fmin:g} Hz must be below fmax = {top:g} Hz")
        fc = band_points(scale, n_bins, fmin, top, variant)[1:-1]
    if fc[-1] >= sr / 2:
        raise ValueError(f"the highest centre frequency {fc[-1]:.6g} Hz is not below Nyquist "
                         f"({sr / 2:g} Hz): lower n_bins, fmin or bins_per_octave")
    return fc


def block_plan(n: int, hop: int, margin: int, min_fft: int = 1 << 15) -> tuple[int, int, int]:
    """``(n_sub, M, K)``: the decimated FFT length, the margin rounded up to whole hops, the
    frames per block (``K hop + 2 M = n_sub hop``)."""
    from scipy.fft import next_fast_len

    mh = -(-max(margin, 1) // hop)
    want = max(min_fft // hop, 4 * mh)
    want = min(want, 1 + n // hop + 2 * mh)        # a short signal: one block
    n_sub = next_fast_len(max(want, 2 * mh + 1))
    return n_sub, mh * hop, n_sub - 2 * mh


def bandpass(x: np.ndarray, response, n_bands: int, hop: int, margin: int,
             extra=None, key=None, whole: bool = False
             ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Complex outputs ``(..., frames, bands)`` (frame-major), frames ``1 + n // hop``.

    ``response(freqs)`` gives, per band, ``(a, values)``: the response on
    ``freqs[a:a + len(values)]`` (zero elsewhere), frequencies in cycles per sample
    (``0 .. 1/2``); ``extra(freqs)``, if given, a second set of responses (complex
    allowed) applied to the same blocks (the WSST's derivative), returned second.
    Bands are processed in groups of similar support, each product only over the
    group's support (aligned to the decimated length, so that folding is a reshape).
    ``key``: a hashable description of the responses; the sampled responses are then
    cached (a few, by key and block length).  ``whole``: one block holding the whole
    signal, filtered circularly over its length (``margin`` unused).
    """
    from scipy import fft

    lead, n = x.shape[:-1], x.shape[-1]
    flat = x.reshape(-1, n)
    channels, n_frames = flat.shape[0], 1 + n // hop
    if hop == 1 and not whole and margin <= n and _ducc_fft is not None:
        outs = _full_rate(flat, response, extra, n_bands, margin, key)
        shaped = [o.reshape(lead + o.shape[1:]) for o in outs]
        return tuple(shaped) if extra is not None else shaped[0]
    if whole:
        from scipy.fft import next_fast_len
        n_sub = next_fast_len(2 + n // hop)
        pad, k = 0, n_sub
    else:
        n_sub, pad, k = block_plan(n, hop, margin)
    length = n_sub * hop
    freqs = np.arange(length // 2 + 1) / length
    width = -(-len(freqs) // n_sub) * n_sub               # spectrum padded to whole n_sub
    plans = _plans(response, extra, n_bands, length, n_sub, channels, key)
    outs = [np.zeros((channels, n_frames, n_bands), np.complex128) for _ in plans]
    block = np.zeros((channels, length), np.float64)
    spec = np.zeros((channels, width), np.complex128)
    for t0 in range(0, n_frames, k):
        start = t0 * hop - pad
        a, b = max(start, 0), min(start + length, n)
        block[:] = 0.0
        if b > a:
            block[:, a - start:b - start] = flat[:, a:b]
        spec[:, :len(freqs)] = fft.rfft(block, axis=-1)
        stop = min(k, n_frames - t0)
        for out, groups in zip(outs, plans):
            for g0, g1, lo, hi, rows in groups:
                prod = spec[:, None, lo:hi] * rows[None]
                folded = prod.reshape(channels, g1 - g0, -1, n_sub).sum(axis=-2)
                y = fft.ifft(folded, axis=-1)[..., pad // hop:pad // hop + stop]
                out[:, t0:t0 + stop, g0:g1] = np.swapaxes(y, -1, -2) / hop
    shaped = [o.reshape(lead + o.shape[1:]) for o in outs]
    return tuple(shaped) if extra is not None else shaped[0]


_PLANS: dict = {}

MAX_SUB = 512
"""Largest sub-decimation of the full-rate path (:func:`_full_rate`)."""

CHUNK = 1 << 17
"""Complex values of one chunk of phases at full rate (2 MiB: it stays in cache)."""

MAX_GROUP = 8
"""Most bands of one group at full rate (the output rows' pieces written per call)."""


def _full_rate(flat: np.ndarray, response, extra, n_bands: int, margin: int, key) -> list:
    """``bandpass`` at ``hop = 1``: one block holding the whole signal, each band computed
    as ``D`` interleaved phases of ``Q = L / D`` samples (an input-pruned inverse FFT).

    The block is ``L >= n + 1 + 2 margin`` samples, a multiple of :data:`MAX_SUB`: the
    signal first, then zeros, so that the circular filtering wraps onto zeros only (twice
    the margin: the filters' tails past one margin, 1e-12 of their energy, left 2e-8 of
    the peak against the definition, a linear convolution; past two, 1e-10 to 3e-9).  A
    band whose response spans ``w <= Q`` bins from bin ``lo`` gives, at samples
    ``n = i D + r``, ``y[i D + r] = sum_p Z_r[p] exp(2 pi i p i / Q)`` with
    ``Z_r[m mod Q] = X[m] R[m] exp(2 pi i m r / L) / L`` (no aliasing since ``w <= Q``):
    ``D`` inverse FFTs of length ``Q`` instead of one of length ``L`` (``D`` the largest
    power of two up to :data:`MAX_SUB` leaving ``Q >= w``), the ``1 / L`` folded into the
    responses.  Bands are grouped (consecutive, joint support at most 4 times the
    narrowest, at most :data:`MAX_GROUP`, cut at multiples of 4 bands so that a group
    owns whole 64-byte pieces of each output row).  A group's phases go by chunks of
    ``k`` (a power of two, ``k g Q <=`` :data:`CHUNK`, in cache): ``Z_r0`` from ``Z_0``
    times the twiddles of ``r0``'s bits, the chunk's other phases by doubling
    (``Z_{r + s} = Z_r exp(2 pi i m s / L)``), ducc0's inverse FFTs in place, then the
    C kernel ``fg_interleave_c128`` writes the chunk into the output rows ``i D + r``
    (:func:`featgraph.native.tf.interleave`).  Memory: the output (``n + 1`` frames,
    written once) plus one group's ``Z_0`` and one chunk.
    """
    from ..native.tf import aligned_zeros

    channels, n = flat.shape
    size = n + 1 + 2 * max(margin, 1)
    length = MAX_SUB * _ducc_fft.good_size(-(-size // MAX_SUB))
    block = np.zeros((channels, length), np.float64)
    block[:, :n] = flat
    spec = _ducc_fft.r2c(block, axes=(1,), forward=True, nthreads=1)
    del block
    plans = _full_plans(response, extra, n_bands, length, key)
    sizes = [_chunking(g1 - g0, length // sub, sub) for groups in plans
             for g0, g1, _, _, sub, _, _ in groups]
    z0 = np.empty(max((s[0] for s in sizes), default=0), np.complex128)  # reused: fresh
    chunk = np.empty(max((s[1] for s in sizes), default=0), np.complex128)  # pages cost
    outs = []
    for groups in plans:
        out = aligned_zeros((channels, n + 1, n_bands))
        for c in range(channels):
            for group in groups:
                _full_group(spec[c], group, length, out[c], z0, chunk)
        outs.append(out)
    return outs


def _chunking(g: int, q: int, sub: int) -> tuple[int, int, int, int]:
    """``(g Q, k width Q, width, k)`` of a group of ``g`` bands, ``sub`` phases of ``Q``:
    the bands and the phases of a chunk (:data:`CHUNK`; by bands of 4 when one phase of
    the group is larger)."""
    width = g if g * q <= CHUNK else min(g, max(4, CHUNK // q // 4 * 4))
    k = 1
    while 2 * k <= sub and 2 * k * width * q <= CHUNK and 2 * k * width <= 512:
        k *= 2
    return g * q, k * width * q, width, k


def _full_group(spec: np.ndarray, group: tuple, length: int, out: np.ndarray,
                z_buf: np.ndarray, chunk_buf: np.ndarray) -> None:
    """One group of :func:`_full_rate` on one channel's spectrum, into ``out (n + 1,
    bands)``; ``z_buf``, ``chunk_buf``: working memory (:func:`_chunking`'s sizes)."""
    from ..native.tf import phases

    g0, g1, lo, hi, sub, rows, twiddles = group
    q, g = length // sub, g1 - g0
    _, _, width, k = _chunking(g, q, sub)
    z0 = z_buf[:g * q].reshape(g, q)
    z0[...] = 0.0
    base = spec[None, lo:hi] * rows
    at = lo % q
    cut = min(hi - lo, q - at)
    z0[:, at:at + cut] = base[:, :cut]
    z0[:, :hi - lo - cut] = base[:, cut:]
    del base
    for b0 in range(0, g, width):
        zb = z0[b0:b0 + width]
        phases(zb, twiddles, sub, chunk_buf[:k * len(zb) * q].reshape(k, len(zb), q), out,
               g0 + b0, _inverse_fft)


def _inverse_fft(chunk: np.ndarray) -> None:
    """Unnormalised inverse FFTs along the last axis, in place, on one thread."""
    _ducc_fft.c2c(chunk, axes=(chunk.ndim - 1,), forward=False, inorm=0, out=chunk,
                  nthreads=1)


def _full_plans(response, extra, n_bands, length, key) -> list:
    """Per response set, the groups ``(g0, g1, lo, hi, D, rows / L, twiddles)`` of
    :func:`_full_rate` (``twiddles[j]``: ``exp(2 pi i m 2^j / L)`` at each of the ``Q``
    positions); cached by ``key`` as :func:`_plans`."""
    def build(bands: list) -> list:
        groups, g0 = [], 0
        while g0 < len(bands):
            if not len(bands[g0][1]):
                g0 += 1
                continue
            g1 = _full_group_end(bands, g0)
            lo = min(a for a, _ in bands[g0:g1])
            hi = max(a + len(v) for a, v in bands[g0:g1])
            sub = _sub(hi - lo, length)
            rows = _rows(bands[g0:g1], lo, hi, np.result_type(
                *[v for _, v in bands[g0:g1]], np.complex128)) / length
            q = length // sub
            m = lo + (np.arange(q) - lo) % q                # the bin at each position
            twiddles = np.exp(2j * np.pi * ((m * 2 ** np.arange(int(math.log2(sub)))[:, None])
                                            % length) / length).reshape(-1, q)
            groups.append((g0, g1, lo, hi, sub, rows, twiddles))
            g0 = g1
        return groups
    return _cached(None if key is None else ("full", key, length), response, extra, length,
                   build)


def _full_group_end(bands: list, g0: int) -> int:
    """The end of the group from band ``g0`` (not silent): consecutive non-silent bands,
    joint support at most 4 times the narrowest, at most :data:`MAX_GROUP`, ended at a
    multiple of 4 when that leaves a band in it."""
    a, v = bands[g0]
    lo, hi, narrow, g1 = a, a + len(v), len(v), g0 + 1
    while g1 < len(bands) and len(bands[g1][1]) and g1 - g0 < MAX_GROUP:
        b, w = bands[g1]
        nlo, nhi, nnarrow = min(lo, b), max(hi, b + len(w)), min(narrow, len(w))
        if nhi - nlo > 4 * nnarrow:
            break
        lo, hi, narrow, g1 = nlo, nhi, nnarrow, g1 + 1
    if g1 < len(bands) and g1 % 4 and g1 // 4 * 4 > g0:
        g1 = g1 // 4 * 4
    return g1


def _sub(width: int, length: int) -> int:
    """The largest power of two ``D <= MAX_SUB`` with ``width <= length / D``."""
    sub = 1
    while 2 * sub <= MAX_SUB and width <= length // (2 * sub):
        sub *= 2
    return sub


def _plans(response, extra, n_bands, length, n_sub, channels, key) -> list:
    """Per response set: the responses on the block's bins (zero-padded to whole
    ``n_sub``) and the band groups; cached by ``key``."""
    def build(bands: list) -> list:
        first = np.array([a for a, _ in bands])
        stop = np.array([a + len(v) for a, v in bands])
        dtype = np.result_type(*[v for _, v in bands])
        return [(g0, g1, lo, hi, _rows(bands[g0:g1], lo, hi, dtype))   # only each group's
                for g0, g1, lo, hi in _groups(first, stop, n_sub, channels)]  # support kept
    return _cached(None if key is None else (key, length, n_sub, channels), response, extra,
                   length, build)


def _cached(full, response, extra, length: int, build) -> list:
    """``build(bands)`` for each response set (``response``, then ``extra`` unless None) on
    the ``length``-point bins, each band trimmed to its support; the last four cached by
    ``full`` (None: not cached)."""
    if full in _PLANS:
        return _PLANS[full]
    freqs = np.arange(length // 2 + 1) / length
    plans = [build([_trim(a, np.asarray(v)) for a, v in make(freqs)])
             for make in (response, extra) if make is not None]
    if full is not None:
        if len(_PLANS) >= 4:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[full] = plans
    return plans


def _rows(bands: list, lo: int, hi: int, dtype) -> np.ndarray:
    """The bands ``(start, values)`` as rows on the bins ``lo .. hi - 1``, zero elsewhere."""
    rows = np.zeros((len(bands), hi - lo), dtype)
    for i, (a, v) in enumerate(bands):
        rows[i, a - lo:a - lo + len(v)] = v
    return rows


def _groups(first: np.ndarray, stop: np.ndarray, n_sub: int, channels: int) -> list:
    """``(g0, g1, lo, hi)``: runs of consecutive bands whose joint support (aligned to
    multiples of ``n_sub``) is at most twice the narrowest one's, and whose products fit in
    :data:`BLOCK_BYTES`; silent bands are skipped."""
    lo = (first // n_sub) * n_sub
    hi = -(-stop // n_sub) * n_sub
    groups, g0 = [], 0
    while g0 < len(first):
        if stop[g0] <= first[g0]:
            g0 += 1
            continue
        g1, glo, ghi, narrow = g0 + 1, lo[g0], hi[g0], hi[g0] - lo[g0]
        while g1 < len(first) and stop[g1] > first[g1]:
            nlo, nhi = min(glo, lo[g1]), max(ghi, hi[g1])
            nnarrow = min(narrow, hi[g1] - lo[g1])
            if nhi - nlo > 2 * nnarrow or 16 * channels * (g1 + 1 - g0) * (nhi - nlo) > \
                    BLOCK_BYTES:
                break
            g1, glo, ghi, narrow = g1 + 1, nlo, nhi, nnarrow
        groups.append((g0, g1, int(glo), int(ghi)))
        g0 = g1
    return groups


def _trim(a: int, values: np.ndarray, tiny: float = 1e-13) -> tuple[int, np.ndarray]:
    """The response without its ends below ``tiny`` times its peak: ``(first bin, values)``."""
    mag = np.abs(values)
    keep = mag > tiny * (mag.max() if mag.size else 0.0)
    if not keep.any():
        return a, values[:0]
    i, j = int(keep.argmax()), len(keep) - int(keep[::-1].argmax())
    return a + i, values[i:j]


def band_slices(freqs: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[tuple[int, int]]:
    """Per band, the bins ``[a, b)`` of ``freqs`` inside ``[lo, hi]``."""
    a = np.searchsorted(freqs, lo, side="left")
    b = np.searchsorted(freqs, hi, side="right")
    return list(zip(a.tolist(), np.maximum(a, b).tolist()))


@functools.lru_cache(maxsize=64)
def shape_support(shape) -> tuple[float, float]:
    """``(u_lo, u_hi)`` outside which ``shape(u)`` is below 1e-14 of its peak (u up to 64)."""
    u = np.linspace(0.0, 64.0, 1 << 20)
    g = np.abs(shape(u))
    nz = np.nonzero(g > 1e-14 * g.max())[0]
    step = u[1] - u[0]
    return max(0.0, u[nz[0]] - step), u[nz[-1]] + step


@functools.lru_cache(maxsize=64)
def support_cycles(shape, tol: float = 1e-12) -> float:
    """Half-width of a band-pass filter in periods of its centre frequency.

    ``shape(u)`` is the response at ``u = f / fc`` (peak at ``u = 1``).  The filter is
    sampled with its centre at 1/64 cycle per sample on 2^16 points; the half-width
    holds all but ``tol`` of the impulse response's energy.  The margin of a block is
    this times the longest period (``sr / fmin`` samples).
    """
    length, period = 1 << 16, 64
    u = np.arange(length // 2 + 1) * period / length
    psi = np.fft.ifft(np.concatenate([shape(u), np.zeros(length - len(u))]))
    energy = np.abs(psi) ** 2
    dist = np.minimum(np.arange(length), length - np.arange(length))
    order = np.argsort(dist, kind="stable")
    inside = np.cumsum(energy[order])
    total = inside[-1]
    if total <= 0:
        return 1.0
    idx = int(np.searchsorted(inside, total * (1 - tol)))
    return (dist[order[min(idx, length - 1)]] + 1) / period


MAX_MARGIN = 1 << 23
"""Longest block margin (samples): 6 min at 22.05 kHz."""


def margin_samples(shape, fmin: float, sr: float) -> int:
    """Block margin (samples) for the lowest centre frequency ``fmin``."""
    with np.errstate(over="ignore"):                  # a denormal fmin: an infinite margin
        margin = support_cycles(shape) * sr / fmin
    if not margin <= MAX_MARGIN:
        raise ValueError(f"the lowest band ({fmin:.6g} Hz) needs filters {margin:.3g} samples "
                         f"long, more than {MAX_MARGIN}: raise fmin")
    return int(math.ceil(margin))

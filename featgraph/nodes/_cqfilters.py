"""Constant-Q and variable-Q filter design and the octave-by-octave transform.

Shared by :mod:`featgraph.nodes.constantq` (``cqt``, ``vqt``, ``pseudo_cqt``) and
:mod:`featgraph.nodes.cq_features` (``chroma_cqt``, ``cqcc``).

Definitions follow librosa 0.11's documentation of ``librosa.vqt``,
``librosa.filters.wavelet``, ``librosa.filters.wavelet_lengths`` and
``librosa.util.sparsify_rows`` (the code here is written from those definitions):

* centre frequencies ``f_k = fmin 2^(tuning / bpo) 2^(k / bpo)``;
* relative bandwidth ``alpha_k = (2^(2/b_k) - 1) / (2^(2/b_k) + 1)`` with ``b_k`` the local
  bins per octave (a centred difference of ``log2 f``, one-sided at the ends);
* filter length ``L_k = Q sr / (f_k + gamma_k / alpha_k)``, ``Q = filter_scale / alpha_k``;
  ``gamma = 0`` is the CQT, ``gamma = None`` the ERB-based VQT ``gamma_k = 24.7 alpha_k /
  0.108`` (Glasberg & Moore's ERB, Schoerkhuber et al. 2014);
* filter ``k``: ``exp(2 pi i f_k n / sr) w(n)``, ``n`` from ``floor(-L/2)`` to
  ``floor(L/2) - 1``, ``w`` the periodic window of that many points, normalised to unit
  L1 (or L2, max) norm, centred in a power-of-two frame, scaled by ``L_k / n_fft`` and
  Fourier-transformed; bins carrying the smallest 1 % (``sparsity``) of each row's L1 mass
  are zeroed;
* the response is the product of that basis with the rectangular-window STFT of the
  (early-)downsampled signal, one octave at a time: after each octave the signal is
  halved with soxr (``resample(..., scale=True)``: times sqrt(2)) and the hop halved
  (computed a block at a time, soxr streams between the octaves: :func:`variable_q`);
  for short FFTs the same product is formed in the time domain, each basis row turned
  into the filter ``h_r[j] = sum_k B[r, k] exp(-2 pi i k j / n_fft)`` applied to the
  frames (:func:`time_filters`, :data:`TIME_DOMAIN_MAX`), which equals it up to rounding;
* ``scale``: divided by ``sqrt(L_k)``.

References: J. C. Brown, "Calculation of a constant Q spectral transform", JASA 89(1),
1991; C. Schoerkhuber, A. Klapuri, "Constant-Q transform toolbox for music processing",
SMC 2010 (the FFT basis and octave-wise downsampling); C. Schoerkhuber, A. Klapuri,
N. Holighaus, M. Doerfler, "A Matlab toolbox for efficient perfect reconstruction
time-frequency transforms with log-frequency resolution", AES 53rd conf., 2014 (VQT).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from . import _cqcascade as cc
from .spectral import rfft_frames

C1 = 32.70319566257483
"""C1 in Hz (MIDI 24, A4 = 440 Hz): librosa's ``note_to_hz('C1')``, the default ``fmin``."""

WINDOW_BANDWIDTH = {"hann": 1.50018310546875, "hamming": 1.3629455320350348,
                    "blackman": 1.7269681554262326}
"""Equivalent noise bandwidths in bins, as tabulated by librosa (``window_bandwidth``)."""

MAX_FILTER = 1 << 20
"""Longest filter in samples (at its octave's rate)."""

def frequencies(fmin: float, n_bins: int, bins_per_octave: int, tuning: float) -> np.ndarray:
    """Centre frequencies ``fmin 2^(tuning/bpo) 2^(k/bpo)``, ``k = 0 .. n_bins - 1``, in Hz."""
    f0 = fmin * 2.0 ** (tuning / bins_per_octave)
    ratios = 2.0 ** (np.arange(bins_per_octave, dtype=float) / bins_per_octave)
    octaves = 2.0 ** np.arange(math.ceil(n_bins / bins_per_octave))
    return np.multiply.outer(octaves, ratios).ravel()[:n_bins] * f0


def relative_bandwidth(freqs: np.ndarray, bins_per_octave: int) -> np.ndarray:
    """``alpha_k``; one bin: the equal-temperament value for ``bins_per_octave``."""
    if len(freqs) == 1:
        r = 2.0 ** (1.0 / bins_per_octave)
        return np.array([(r * r - 1) / (r * r + 1)])
    logf = np.log2(freqs)
    if not np.all(np.isfinite(logf)) or np.any(np.diff(logf) <= 0):
        raise ValueError("the centre frequencies underflow or are not increasing: raise fmin")
    bpo = np.empty_like(freqs)
    bpo[0] = 1 / (logf[1] - logf[0])
    bpo[-1] = 1 / (logf[-1] - logf[-2])
    bpo[1:-1] = 2 / (logf[2:] - logf[:-2])
    return (2.0 ** (2 / bpo) - 1) / (2.0 ** (2 / bpo) + 1)


def lengths_and_cutoff(freqs, alpha, sr, window, filter_scale, gamma, per_bin=False):
    """Filter lengths in samples at ``sr`` and the highest frequency the filters reach (each
    filter's with ``per_bin``)."""
    g = alpha * 24.7 / 0.108 if gamma is None else gamma
    q = float(filter_scale) / alpha
    with np.errstate(over="ignore"):         # a vanishing filter_scale: an infinite reach
        reach = freqs * (1 + 0.5 * WINDOW_BANDWIDTH[window] / q) + 0.5 * g
    cutoff = reach if per_bin else float(np.max(reach))
    return q * sr / (freqs + g / alpha), cutoff


def _window(name: str, n: int) -> np.ndarray:
    """Periodic (DFT-even) window of ``n`` points; one point is ``[1.0]``, as
    ``scipy.signal.get_window`` gives it (librosa's filters of one sample are not zero)."""
    if n == 1:
        return np.ones(1)
    k = np.arange(n) * (2 * np.pi / max(n, 1))
    if name == "hann":
        return 0.5 - 0.5 * np.cos(k)
    if name == "hamming":
        return 0.54 - 0.46 * np.cos(k)
    return 0.42 - 0.5 * np.cos(k) + 0.08 * np.cos(2 * k)          # blackman


def _normalize(v: np.ndarray, norm: str) -> np.ndarray:
    if norm == "none":
        return v
    size = {"l1": lambda a: a.sum(), "l2": lambda a: np.sqrt((a * a).sum()),
            "max": lambda a: a.max()}[norm](np.abs(v))
    return v / size if size >= np.finfo(float).tiny else v


def sparsify(rows: np.ndarray, quantile: float) -> np.ndarray:
    """Zero, in each row, the smallest magnitudes that together hold less than ``quantile``
    of the row's L1 mass (the first sorted magnitude whose cumulative share reaches the
    quantile is kept, with everything at or above it); an all-zero row stays zero."""
    if quantile <= 0:
        return rows
    mags = np.abs(rows)
    srt = np.sort(mags, axis=1)
    total = mags.sum(axis=1, keepdims=True)
    share = np.cumsum(srt / np.where(total > 0, total, 1.0), axis=1)   # an all-zero row: 0
    idx = np.argmin(share < quantile, axis=1)
    keep = mags >= srt[np.arange(len(rows)), idx][:, None]
    return np.where(keep, rows, 0)


@functools.lru_cache(maxsize=64)
def fft_basis(sr: float, freqs: tuple, alpha: tuple, filter_scale: float, gamma, norm: str,
              sparsity: float, window: str, min_fft: int = 0):
    """``(basis (n, n_fft//2+1) complex128, n_fft, lengths)`` for one octave (read-only)."""
    freqs, alpha = np.asarray(freqs), np.asarray(alpha)
    gam = None if gamma is None else float(gamma)
    lengths, _ = lengths_and_cutoff(freqs, alpha, sr, window, filter_scale, gam)
    if not np.all(np.isfinite(lengths)) or lengths.max() > MAX_FILTER:
        raise ValueError(f"constant-Q filters of up to {lengths.max():.3g} samples at "
                         f"{sr:g} Hz are longer than the {MAX_FILTER} allowed: raise fmin or "
                         "lower filter_scale or bins_per_octave")
    if lengths.max() < 1:
        raise ValueError(f"constant-Q filters are all under one sample long (the longest "
                         f"{lengths.max():.3g}) at {sr:g} Hz: lower gamma or raise filter_scale")
    n_fft = max(int(2.0 ** np.ceil(np.log2(lengths.max()))), min_fft)
    basis = np.zeros((len(freqs), n_fft), complex)
    for i, (ln, f) in enumerate(zip(lengths, freqs)):
        n = np.arange(-ln // 2, ln // 2, dtype=float)
        sig = np.exp(1j * n * (2 * np.pi * f / sr)) * _window(window, len(n))
        sig = _normalize(sig, norm)
        start = (n_fft - len(sig)) // 2
        basis[i, start:start + len(sig)] = sig * (ln / n_fft)
    spec = np.fft.fft(basis, axis=1)[:, :n_fft // 2 + 1]
    spec = np.ascontiguousarray(sparsify(spec, sparsity))
    spec.setflags(write=False)
    return spec, n_fft, lengths


BLOCK = 256
"""Frames per FFT block of the pseudo-CQT (bounds the work memory of a long signal)."""
SPARSE_ABOVE = 4096
"""Basis slices with more entries go through scipy's sparse product (a single-threaded C loop
over the non-zeros, as librosa does): with 36 or more bins per octave even one-row dense
products exceed OpenBLAS' threading threshold (pseudo-CQT; the CQT uses
:class:`featgraph.native.transforms.CqBasis`)."""
COMPLEX_MNK = 1 << 15
"""Largest ``m n k`` of a complex product kept on one OpenBLAS thread: above about 2^16 its
thread pool starts, which made the products 30x slower on a loaded 2-core machine (measured
with 256 x 70 by 70 x 12 complex128 blocks; see ``_common.matmul`` for the real case)."""


def frame_count(n: int, n_fft: int, hop: int) -> int:
    """Centred frames of a signal of ``n`` samples (``n_fft // 2`` zeros on both sides)."""
    return 1 + (n + 2 * (n_fft // 2) - n_fft) // hop


def frame_block(y: np.ndarray, n_fft: int, hop: int, a: int, count: int) -> np.ndarray:
    """Read-only ``(count, n_fft)`` view of the centred frames ``a .. a + count - 1`` of a
    C-contiguous 1-d signal zero-padded by ``n_fft // 2`` on both sides (librosa's centred
    framing with ``pad_mode='constant'``; frame ``t`` starts at sample ``t hop - n_fft //
    2``): a view of ``y`` itself where the frames lie inside it, else of a zero-padded copy
    of the samples they cover."""
    start = a * hop - n_fft // 2
    stop = start + (count - 1) * hop + n_fft
    src = y
    if start < 0 or stop > y.shape[-1]:
        src = np.zeros(stop - start, y.dtype)
        lo, hi = max(start, 0), min(stop, y.shape[-1])
        if hi > lo:
            src[lo - start:hi - start] = y[lo:hi]
        start = 0
    item = src.itemsize
    view = np.ndarray((count, n_fft), src.dtype, buffer=src, offset=start * item,
                      strides=(item * hop, item))
    view.flags.writeable = False
    return view


def response(y: np.ndarray, n_fft: int, hop: int, basis: np.ndarray,
             magnitude: bool = False, window: str | None = None) -> np.ndarray:
    """``basis @ STFT`` with a rectangular window, frames centred (zero padding): ``(frames, n)``.

    With ``magnitude`` the STFT's magnitude is used with that of the basis and frames
    weighted by the periodic ``window`` (pseudo-CQT)."""
    n_frames = frame_count(y.shape[-1], n_fft, hop)
    if not magnitude:
        out = np.empty((n_frames, basis.shape[0]),
                       np.complex64 if y.dtype == np.float32 else np.complex128)
        octave_into(y, n_fft, hop, basis_rows(basis, 1.0), out, 0)
        return out
    lo, hi, _, _ = _support(basis)
    w = np.abs(basis[:, lo:hi]).astype(y.dtype)
    sparse = w.size > SPARSE_ABOVE
    if sparse:                                 # C loop over the non-zeros, one thread
        from scipy.sparse import csr_matrix
        w = csr_matrix(w)
    else:
        w = np.ascontiguousarray(w.T)
    out = np.empty((n_frames, basis.shape[0]), y.dtype)
    win = None if window is None else _window(window, n_fft).astype(y.dtype)
    step = max(1, COMPLEX_MNK // w.size) if not sparse else 0
    for a in range(0, n_frames, BLOCK):
        block = frame_block(y, n_fft, hop, a, min(BLOCK, n_frames - a))
        block = block if window is None else block * win
        spec = np.abs(rfft_frames(block, n_fft)[:, lo:hi])
        if sparse:
            out[a:a + BLOCK] = (w @ spec.T).T
            continue
        for b in range(0, spec.shape[0], step):          # small products: one BLAS thread
            e = min(b + step, spec.shape[0])
            np.matmul(spec[b:e], w, out=out[a + b:a + e])
    return out


def _support(basis: np.ndarray):
    """``(lo, hi, first, stop)``: the columns holding non-zeros, and each row's first and
    one-past-last non-zero column relative to ``lo``."""
    nz = basis != 0
    first = nz.argmax(axis=1)
    stop = basis.shape[1] - nz[:, ::-1].argmax(axis=1)
    stop = np.where(nz.any(axis=1), stop, first)
    lo = int(first.min()) if nz.any() else 0
    hi = max(int(stop.max()), lo)
    return lo, hi, np.maximum(first - lo, 0), np.maximum(stop - lo, 0)


def basis_rows(basis: np.ndarray, gain) -> tuple:
    """``(CqBasis, lo)``: the basis restricted to its non-zero columns ``lo ..``, each row
    times ``gain`` (a number or one per row), for
    :func:`featgraph.nodes._cqcascade.fft_frames`."""
    from ..native.transforms import CqBasis

    lo, hi, first, stop = _support(basis)
    w = basis[:, lo:hi] * np.reshape(np.asarray(gain, float), (-1, 1))
    return CqBasis(w, first, np.maximum(stop, first)), lo


def octave_into(y: np.ndarray, n_fft: int, hop: int, rows: tuple, out: np.ndarray,
                out_col0: int) -> None:
    """Columns ``out_col0 ..`` of ``out (frames, columns)`` = the basis rows (see
    :func:`basis_rows`) times the rectangular-window STFT of the centred frames of ``y``:
    one FFT per block of frames (read straight from ``y``), then the sparse complex product
    in C (:class:`featgraph.native.transforms.CqBasis`, double sums)."""
    cc.octave_frames(cc.fft_frames, rows, [(0, y)], y.shape[-1], n_fft, hop, 0,
                     out.shape[0], out, out_col0, cc.fft_group(n_fft, out.itemsize))


TIME_DOMAIN_MAX = 256 * 24
"""Octaves whose ``n_fft`` times the filter columns (twice the rows, padded to 24) is at most
this apply their filters in the time domain (``_cqcascade.time_frames``): for the 12 bins per
octave of the CQT and VQT presets (FFTs of 32 to 256 points), a frame costs fewer
operations as ``n_fft x 24`` multiply-adds than as an FFT and the sparse product (measured
on 600 s in float32: 9.5 against 18 ms for a 256-point octave, 1.3 against 3.5 ms for a
32-point one).  Longer FFTs and wider octaves keep the FFT."""


def _padded_cols(rows: int) -> int:
    from ..native.reference_transforms import CQ_FRAME_COLS

    return -(-2 * rows // CQ_FRAME_COLS) * CQ_FRAME_COLS


@functools.lru_cache(maxsize=64)
def time_filters(basis_args: tuple, gain: tuple, dtype: str) -> tuple:
    """``(h, rows)``: the ``rows`` rows of ``fft_basis(*basis_args)``, each times its
    ``gain``, as time-domain filters for ``_cqcascade.time_frames``: ``h (n_fft, m)`` of
    ``dtype``, columns ``2 r`` and ``2 r + 1`` the real and imaginary parts of ``h_r[j] =
    sum_k B[r, k] gain_r exp(-2 pi i k j / n_fft)`` (``k`` over the real DFT's bins), zero
    columns up to ``m``; read-only.  Row ``r`` of the basis times the real DFT of a frame
    ``x`` is ``sum_j x[j] h_r[j]``."""
    basis, n_fft, _ = fft_basis(*basis_args)
    lo, hi, _, _ = _support(basis)
    k = np.arange(lo, hi)
    phase = np.multiply.outer(k, np.arange(n_fft)) % n_fft        # exact before the exp
    h = (basis[:, lo:hi] * np.asarray(gain)[:, None]) @ np.exp(phase * (-2j * np.pi / n_fft))
    rows = basis.shape[0]
    out = np.zeros((n_fft, _padded_cols(rows)), dtype)
    out[:, 0:2 * rows:2] = h.real.T
    out[:, 1:2 * rows:2] = h.imag.T
    out.setflags(write=False)
    return out, rows


def early_downsample_count(nyquist, cutoff, hop, n_octaves) -> int:
    """Octaves the signal can be halved before the top octave (librosa's rule)."""
    c1 = max(0, int(np.ceil(np.log2(nyquist / cutoff)) - 1) - 1)
    twos = (hop & -hop).bit_length() - 1 if hop > 0 else 0
    return min(c1, max(0, twos - n_octaves + 1))


def variable_q(y: np.ndarray, sr: float, hop: int, freqs: np.ndarray, alpha: np.ndarray,
               bins_per_octave: int, filter_scale: float, gamma, norm: str, sparsity: float,
               window: str, scale: bool, res_type: str) -> np.ndarray:
    """The VQT ``(frames, n_bins)`` of a 1-d signal ``y`` (see the module docs).

    The octaves are planned first (bases, rates, hops, lengths), so that every octave
    writes its frames straight into the output's columns; the ``scale`` and the octave
    gain ``sqrt(sr / sr_octave)`` are folded into the basis rows.  In float64 the halved
    signals are scaled by ``sqrt(2)`` as librosa scales them, before the next halving:
    soxr_hq rounds in single precision, so that order keeps its rounding (quiet frames of
    a max-normalised chroma show it: 1.2e-4 of the maximum against librosa with the
    factors folded, 1.7e-6 without).  In float32, whose own rounding already costs
    chroma 1.5e-4, the factors go into the gains as well, which saves a pass over each
    halved signal (the CQT, VQT and chroma agree with librosa as closely either way).

    The plan is a chain of stages (the input, the early downsampling if any, one per
    halving), each a soxr stream fed by the stage above, which
    :func:`featgraph.nodes._cqcascade.cascade` runs a block of input at a time; the
    outputs are bit-equal to halving whole signals."""
    n_bins = len(freqs)
    n_oct = math.ceil(n_bins / bins_per_octave)
    n_filt = min(bins_per_octave, n_bins)
    _, cutoff = lengths_and_cutoff(freqs, alpha, sr, window, filter_scale, gamma)
    if cutoff > sr / 2:
        raise ValueError(f"the highest filter reaches {cutoff:.1f} Hz, above the Nyquist "
                         f"frequency {sr / 2:g} Hz: use fewer n_bins, a lower fmin or a "
                         "larger filter_scale")
    count = early_downsample_count(sr / 2, cutoff, hop, n_oct)
    dtype = y.dtype
    stages = [cc.Stage(y.shape[-1], y)]
    if count:
        factor = 2 ** count
        if y.shape[-1] < factor:
            raise ValueError(f"the signal ({y.shape[-1]} samples) is too short for a "
                             f"{n_oct}-octave transform")
        hop //= factor
        root = dtype.type(math.sqrt(factor))
        stages.append(cc.Stage(-(-y.shape[-1] // factor), None,
                               cc.resampler(factor, dtype, res_type),
                               (root,) if scale else (root, root)))
        sr = sr / factor
    gam = None if gamma is None else float(gamma)
    lengths, _ = lengths_and_cutoff(freqs, alpha, sr, window, filter_scale, gamma)
    my_sr, my_hop, my_len = sr, hop, stages[-1].n
    fold = dtype == np.float32           # the halvings' sqrt(2) in the gains, not the signal
    fold_gain = 1.0
    n_frames = None
    for i in range(n_oct):
        sl = slice(max(n_bins - n_filt * (i + 1), 0), n_bins - n_filt * i)
        basis, n_fft, _ = fft_basis(my_sr, tuple(freqs[sl]), tuple(alpha[sl]),
                                    float(filter_scale), gam, norm, sparsity, window)
        gain = math.sqrt(sr / my_sr) / (np.sqrt(lengths[sl]) if scale else 1.0)
        gain = gain * fold_gain
        gain = np.broadcast_to(gain, (basis.shape[0],))
        if n_fft * _padded_cols(basis.shape[0]) <= TIME_DOMAIN_MAX:
            kernel, arg, group = cc.time_frames, time_filters(
                (my_sr, tuple(freqs[sl]), tuple(alpha[sl]), float(filter_scale), gam, norm,
                 sparsity, window), tuple(gain.tolist()), dtype.name), 0
        else:
            kernel, arg = cc.fft_frames, basis_rows(basis, gain)
            group = cc.fft_group(n_fft, 2 * dtype.itemsize)
        stages[-1].octaves.append(cc.Octave(kernel, arg, n_fft, my_hop, sl.start, group))
        frames = frame_count(my_len, n_fft, my_hop)
        n_frames = frames if n_frames is None else min(n_frames, frames)
        if my_hop % 2 == 0 and i < n_oct - 1:          # the last halving is unused
            fold_gain *= math.sqrt(2.0) if fold else 1.0
            my_hop //= 2
            my_sr /= 2.0
            my_len = -(-my_len // 2)
            stages.append(cc.Stage(my_len, None, cc.resampler(2, dtype, res_type),
                                   () if fold else (dtype.type(math.sqrt(2)),)))
    out = np.empty((n_frames, n_bins), np.complex64 if dtype == np.float32 else np.complex128)
    cc.cascade(stages, out)
    return out

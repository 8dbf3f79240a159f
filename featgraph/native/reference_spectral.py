"""numpy definition of the fused spectral-moments kernel (``moments.c``)."""
import numpy as np

COLUMNS = ("centroid", "spread", "skewness", "kurtosis", "entropy", "max", "mean")
"""The seven values per frame, in the kernel's order."""


def check_moments_args(s, freq):
    """``(s, freq)``: C-contiguous float32/float64 frames and float64 frequencies, one per bin
    (ValueError otherwise)."""
    s = np.asarray(s)
    if s.dtype not in (np.float32, np.float64):
        s = s.astype(np.float64)
    freq = np.ascontiguousarray(freq, dtype=np.float64)
    if s.ndim < 1 or s.shape[-1] == 0 or freq.shape != (s.shape[-1],):
        raise ValueError(f"spectral moments: freq needs one frequency per bin; got bins "
                         f"{s.shape[-1:] if s.ndim else ()} and freq {freq.shape}")
    return np.ascontiguousarray(s), freq


def check_moments_values(s, freq):
    """The kernel's value checks (the C kernel makes them itself)."""
    if not (np.isfinite(s).all() and np.isfinite(freq).all()):
        raise ValueError("spectral moments: NaN or infinity in the spectrum or frequencies")
    if np.any(s < 0):
        raise ValueError("spectral moments: the spectrum has negative values")


def spectral_moments(s, freq):
    """``(..., 7)`` float64: centroid, spread, skewness, kurtosis, entropy (bits), max and
    mean of each frame ``s[..., :]`` (see ``featgraph.h``, ``fg_spectral_moments``)."""
    s, freq = check_moments_args(s, freq)
    check_moments_values(s, freq)
    s = s.astype(np.float64, copy=False)
    total = s.sum(axis=-1)
    safe = np.where(total > 0, total, 1.0)
    c = np.where(total > 0, s @ freq / safe, 0.0)
    d = freq - c[..., None]
    d2 = d * d
    m2 = np.einsum("...k,...k->...", s, d2) / safe
    m3 = np.einsum("...k,...k->...", s, d2 * d) / safe
    m4 = np.einsum("...k,...k->...", s, d2 * d2) / safe
    spread = np.sqrt(m2)
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(spread > 0, m3 / spread ** 3, 0.0)
        kurt = np.where(spread > 0, m4 / (m2 * m2), 0.0)
    slog = np.einsum("...k,...k->...", s, np.log2(np.where(s > 0, s, 1.0)))
    h = np.where(total > 0, np.log2(safe) - slog / safe, 0.0)
    mx = s.max(axis=-1) if s.shape[-1] else np.zeros(s.shape[:-1])
    return np.stack([c, spread, skew, kurt, h, mx, total / s.shape[-1]], axis=-1)


def power_spectrum(z, floor=0.0, out=None):
    """``(re * re + im * im) + floor`` of complex ``z`` in its real precision, into ``out``
    if given (``fg_power_spectrum`` in ``featgraph.h``; the kernel equals this bit for bit)."""
    z = np.asarray(z)
    out = np.multiply(z.real, z.real, out=out)
    out += z.imag * z.imag
    if floor:
        out += out.dtype.type(floor)
    return out



def magnitude_spectrum(z, out=None):
    """``sqrt(re * re + im * im)`` of complex ``z`` in its real precision, into ``out`` if
    given (``fg_magnitude_spectrum`` in ``featgraph.h``; the kernel equals this bit for bit)."""
    out = power_spectrum(z, 0.0, out)
    return np.sqrt(out, out=out)

def window_frames(frames, w, out_len, start=0, preemph=0.0):
    """Frames pre-emphasised per frame (HTK), windowed and zero-padded: ``(..., n_frames,
    out_len)`` with ``w * e`` at ``[start, start + N)`` and zeros around, where ``e[n] =
    x[n] + (-k x[n - 1])`` and ``e[0] = (1 - k) x[0]`` with ``k = preemph`` in the dtype of
    ``frames`` (``k = 0``: ``e = x``).  ``fg_window_frames`` in ``featgraph.h`` equals this
    bit for bit."""
    frames = np.asarray(frames)
    k = frames.dtype.type(preemph)
    if k:
        e = np.empty_like(frames)
        np.multiply(frames[..., :-1], -k, out=e[..., 1:])
        e[..., 1:] += frames[..., 1:]
        np.multiply(frames[..., :1], 1 - k, out=e[..., :1])
    else:
        e = frames
    out = np.zeros(frames.shape[:-1] + (out_len,), dtype=frames.dtype)
    np.multiply(e, np.asarray(w, dtype=frames.dtype), out=out[..., start:start + frames.shape[-1]])
    return out


def filter_supports(w):
    """``(first, stop)`` uintp arrays: the first and one-past-last non-zero bin of each row of
    ``w`` (``first == stop`` for an all-zero row)."""
    nonzero = np.asarray(w) != 0
    first = nonzero.argmax(axis=1)
    stop = np.where(nonzero.any(axis=1), nonzero.shape[1] - nonzero[:, ::-1].argmax(axis=1),
                    first)
    return first.astype(np.uintp), stop.astype(np.uintp)


def banded_filterbank(spec, w, first, stop):
    """``out[..., b] = spec[..., first[b]:stop[b]] @ w[b, first[b]:stop[b]]`` in the dtype of
    ``spec`` (``fg_banded_filterbank`` in ``featgraph.h``; the kernel sums in double, so it
    agrees to rounding)."""
    spec = np.asarray(spec)
    out = np.empty(spec.shape[:-1] + (len(first),), dtype=spec.dtype)
    for band, (a, b) in enumerate(zip(first, stop)):
        out[..., band] = spec[..., a:b] @ w[band, a:b]
    return out


def framed_power_filterbank(frames, win, n_fft, start, preemph, w, first, stop,
                            magnitude=False):
    """The definition of ``fg_framed_power_filterbank_f64`` / ``_f32`` (``framedbank.c``):
    frames pre-emphasised, windowed and zero-padded to ``n_fft`` (:func:`window_frames`),
    in their type (float64 or float32, which ``win`` and ``w`` take), their real DFT
    (``np.fft.rfft``, rounded to that type), its power ``re * re + im * im`` (with
    ``magnitude``, its ``np.sqrt``) and the band-limited filter sums
    (:func:`banded_power_filterbank`); ``(n_frames, n_bands)`` in the frames' type."""
    frames = np.asarray(frames)
    dtype = np.float32 if frames.dtype == np.float32 else np.float64
    rows = window_frames(frames.astype(dtype, copy=False), np.asarray(win, dtype), n_fft,
                         start, preemph)
    spec = np.fft.rfft(rows, axis=-1).astype(np.complex64 if dtype == np.float32 else
                                             np.complex128, copy=False)
    return banded_power_filterbank(spec, np.asarray(w, dtype), first, stop, magnitude)


def cosine_window_spectrum(z, c0, c1):
    """``c0 z[k] + c1 (z[k - 1] + z[k + 1])`` along the last axis of complex ``z``, with
    ``z[-1] = conj(z[1])`` and ``z[n_bins] = conj(z[n_bins - 2])``, in the precision of
    ``z`` (real and imaginary parts as the C kernels form them): a two-term cosine window
    applied to real DFTs of even length."""
    z = np.asarray(z)
    real = z.real.dtype.type
    a, b = real(c0), real(c1)
    left = np.concatenate([np.conj(z[..., 1:2]), z[..., :-1]], axis=-1)
    right = np.concatenate([z[..., 1:], np.conj(z[..., -2:-1])], axis=-1)
    out = np.empty_like(z)
    out.real = a * z.real + b * (left.real + right.real)
    out.imag = a * z.imag + b * (left.imag + right.imag)
    return out


def banded_power_filterbank(z, w, first, stop, magnitude=False, window=None):
    """:func:`banded_filterbank` of the power spectrum ``|z| ** 2`` of complex ``z``
    (``(..., n_bins)``), in its real precision: :func:`power_spectrum` then
    :func:`banded_filterbank` (``fg_banded_power_filterbank`` in ``featgraph.h``, which
    equals the C kernels of these two in a row bit for bit).  With ``magnitude``, of
    ``np.sqrt`` of that power (``fg_banded_magnitude_filterbank``); with ``window = (c0,
    c1)``, of :func:`cosine_window_spectrum` of ``z`` (the kernels' taps)."""
    if window is not None:
        z = cosine_window_spectrum(z, *window)
    power = power_spectrum(z)
    return banded_filterbank(np.sqrt(power) if magnitude else power, w, first, stop)


# ------------------------------------------------------------ librosa's spectral shape
def _l1_normalized(s):
    """Each frame divided by its sum; frames summing below float64's tiny are left as they are
    (``librosa.util.normalize(S, norm=1)`` with its default threshold and ``fill=None``)."""
    total = s.sum(axis=-1, keepdims=True)
    return s / np.where(total < np.finfo(np.float64).tiny, 1.0, total)


def check_shape_args(s, freq=None):
    """``(s, freq)``: float32/float64 frames ``(..., n_bins)`` (other types as float64) and
    float64 frequencies of matching length; ValueError for negative values."""
    s = np.asarray(s)
    if s.dtype not in (np.float32, np.float64):
        s = s.astype(np.float64)
    if s.ndim < 1 or s.shape[-1] == 0:
        raise ValueError(f"spectral shape: the frames need at least one bin, got {s.shape}")
    if freq is not None:
        freq = np.ascontiguousarray(freq, dtype=np.float64)
        if freq.shape != s.shape[-1:]:
            raise ValueError(f"spectral shape: {freq.shape[0]} frequencies for {s.shape[-1]} "
                             "bins")
    if np.any(s < 0):
        raise ValueError("spectral shape is only defined for non-negative spectra (a "
                         "magnitude or power spectrum); got negative values")
    return s, freq


def spectral_centroid(s, freq):
    """``sum_k f[k] S[k] / sum_k S[k]`` per frame, float64 (``fg_spectral_centroid``)."""
    s, freq = check_shape_args(s, freq)
    return _l1_normalized(s) @ freq


def spectral_bandwidth(s, freq, p=2.0, norm=True):
    """``(sum_k w_k |f_k - c|**p) ** (1/p)`` per frame, float64 (``fg_spectral_bandwidth``)."""
    s, freq = check_shape_args(s, freq)
    c = _l1_normalized(s) @ freq
    deviation = np.abs(freq - c[..., None]) ** p
    weights = _l1_normalized(s) if norm else s
    return np.einsum("...k,...k->...", weights, deviation) ** (1.0 / p)


def spectral_rolloff(s, freq, roll_percent=0.85):
    """The frequency of the first bin whose cumulative sum reaches ``roll_percent`` of the
    frame's total (``fg_spectral_rolloff``)."""
    s, freq = check_shape_args(s, freq)
    cumulative = np.cumsum(s, axis=-1)
    reached = cumulative >= roll_percent * cumulative[..., -1:]
    return freq[np.argmax(reached, axis=-1)]


def spectral_flatness(s, power=2.0, amin=1e-10):
    """``gmean / amean`` of ``max(amin, s ** power)`` per frame (``fg_spectral_flatness``)."""
    s, _ = check_shape_args(s)
    v = np.maximum(amin, s if power == 1 else s * s if power == 2 else s ** power)
    gmean = np.exp(np.mean(np.log(v), axis=-1))
    return (gmean / np.mean(v, axis=-1)).astype(np.float64)


def log(x, scale=1.0, out=None):
    """``scale * ln(x)`` of float64 ``x``, into ``out`` if given (``fg_log_f64`` in
    ``featgraph.h``; the kernel agrees within a few ulp, libm's special values alike)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(x, out=out)
    if scale != 1.0:
        out *= scale
    return out


def power(x, exponent, out=None):
    """``x ** exponent`` of non-negative float64 ``x``, into ``out`` if given (``fg_pow_f64``
    in ``featgraph.h``; the kernel agrees within a few ulp, libm's special values alike)."""
    return np.power(x, exponent, out=out)

"""numpy definitions of the time-frequency transform kernels (``constantq.c``)."""
import numpy as np

__all__ = ["check_cq_basis", "check_cq_frames", "check_cq_spectra", "check_reassign",
           "check_tuning_peaks", "cq_frames", "cq_product", "reassign", "tuning_peaks", "window_spectra"]


def check_cq_basis(w, first, stop):
    """``(w, first, stop)``: ``w`` as C-contiguous complex128 ``(rows, cols)``, the supports
    as uintp with ``0 <= first <= stop <= cols`` (ValueError otherwise)."""
    w = np.ascontiguousarray(w, dtype=np.complex128)
    first = np.ascontiguousarray(first, dtype=np.uintp)
    stop = np.ascontiguousarray(stop, dtype=np.uintp)
    if (w.ndim != 2 or first.shape != (w.shape[0],) or stop.shape != first.shape
            or np.any(first > stop) or np.any(stop > w.shape[1])):
        raise ValueError(f"cq product: needs w (rows, cols) and supports 0 <= first <= stop "
                         f"<= cols; got w {w.shape}, {first.shape} / {stop.shape} supports")
    return w, first, stop


def check_cq_spectra(spec, out, shape, col0, out_col0):
    """ValueError unless ``spec (frames, bins)`` and ``out (frames, columns)`` are
    C-contiguous complex arrays of one type (``out`` writeable), and the columns read
    (``col0 .. col0 + cols - 1``) and written (``out_col0 .. out_col0 + rows - 1``) for a
    basis of ``shape = (rows, cols)`` exist."""
    ok = (isinstance(spec, np.ndarray) and isinstance(out, np.ndarray)
          and spec.dtype in (np.complex64, np.complex128) and out.dtype == spec.dtype
          and spec.ndim == 2 and out.ndim == 2 and spec.flags.c_contiguous
          and out.flags.c_contiguous and out.flags.writeable and out.shape[0] == spec.shape[0]
          and 0 <= col0 and col0 + shape[1] <= spec.shape[1]
          and 0 <= out_col0 and out_col0 + shape[0] <= out.shape[1])
    if not ok:
        raise ValueError(
            "cq product: needs C-contiguous complex spec (frames, bins) and a writeable out "
            "(frames, columns) of its type, with col0 + cols <= bins and out_col0 + rows <= "
            f"columns for a basis (rows, cols) = {shape}; got spec "
            f"{getattr(spec, 'dtype', None)} {getattr(spec, 'shape', None)}, out "
            f"{getattr(out, 'dtype', None)} {getattr(out, 'shape', None)}, col0 {col0}, "
            f"out_col0 {out_col0}")


def cq_product(spec, w, first, stop, out, col0=0, out_col0=0):
    """``out[t, out_col0 + r] = sum_{k = first[r]}^{stop[r] - 1} w[r, k] spec[t, col0 + k]``
    in complex128, written into ``out``; returns ``out`` (see ``fg_cq_product``)."""
    w, first, stop = check_cq_basis(w, first, stop)
    check_cq_spectra(spec, out, w.shape, col0, out_col0)
    s = spec.astype(np.complex128)
    for r in range(w.shape[0]):
        a, b = int(first[r]), int(stop[r])
        out[:, out_col0 + r] = s[:, col0 + a:col0 + b] @ w[r, a:b]
    return out


CQ_FRAME_COLS = 24
"""Columns of ``h`` per pass of ``fg_cq_frames`` (``FG_CQ_FRAME_COLS``): ``h`` has a
multiple of this many columns."""


def check_cq_frames(y, hop, n_fft, n_frames, h, out, out_col0, m_out):
    """ValueError unless ``y (n,)``, ``h (n_fft, m)`` and ``out (n_frames, columns)`` are
    C-contiguous arrays of one real type (``out`` writeable), ``m`` a multiple of
    :data:`CQ_FRAME_COLS`, ``hop >= 1``, the frames inside ``y`` (``(n_frames - 1) hop +
    n_fft <= n``) and the columns written (``out_col0 .. out_col0 + m_out - 1``, ``m_out
    <= m``) inside ``out``."""
    arrays = (y, h, out)
    ok = (all(isinstance(a, np.ndarray) and a.flags.c_contiguous for a in arrays)
          and y.dtype in (np.float32, np.float64) and h.dtype == y.dtype
          and out.dtype == y.dtype and y.ndim == 1 and h.ndim == 2 and out.ndim == 2
          and out.flags.writeable and hop >= 1 and n_frames >= 0
          and h.shape[0] == n_fft and h.shape[1] % CQ_FRAME_COLS == 0
          and out.shape[0] == n_frames and 0 <= m_out <= h.shape[1] and 0 <= out_col0
          and out_col0 + m_out <= out.shape[1]
          and (n_frames == 0 or (n_frames - 1) * hop + n_fft <= y.shape[0]))
    if not ok:
        raise ValueError(
            "cq frames: needs C-contiguous y (n,), h (n_fft, m) with m a multiple of "
            f"{CQ_FRAME_COLS} and a writeable out (n_frames, columns), one real type, hop >= "
            "1, (n_frames - 1) hop + n_fft <= n, m_out <= m and out_col0 + m_out <= columns; "
            f"got y {getattr(y, 'dtype', None)} {getattr(y, 'shape', None)}, h "
            f"{getattr(h, 'shape', None)}, out {getattr(out, 'dtype', None)} "
            f"{getattr(out, 'shape', None)}, hop {hop}, n_fft {n_fft}, n_frames {n_frames}, "
            f"out_col0 {out_col0}, m_out {m_out}")


def cq_frames(y, hop, n_fft, n_frames, h, out, out_col0, m_out):
    """``out[t, out_col0 + c] = sum_{j < n_fft} y[t hop + j] h[j, c]`` for ``c < m_out``,
    products and sums in the type of ``y`` in the order of ``j``, each rounded (``fg_cq_frames``
    fuses each product and sum into one rounding: the two agree to within ``2 n_fft eps
    sum_j |y[t hop + j] h[j, c]|``); returns ``out``."""
    check_cq_frames(y, hop, n_fft, n_frames, h, out, out_col0, m_out)
    frames = np.lib.stride_tricks.as_strided(y, (n_frames, n_fft), (y.strides[0] * hop,
                                                                     y.strides[0]))
    acc = np.zeros((n_frames, m_out), y.dtype)
    for j in range(n_fft):
        acc += frames[:, j:j + 1] * h[j, :m_out]
    out[:, out_col0:out_col0 + m_out] = acc
    return out


def check_tuning_peaks(spec, k0, k1):
    """``(spec, mag)``: ``spec`` as a C-contiguous 2-d complex array with ``1 <= k0 <= k1
    <= bins - 2`` (ValueError otherwise), ``mag`` numpy's ``abs`` of its bins ``k0 - 1 ..
    k1 + 1``."""
    spec = np.asarray(spec)
    k0, k1 = int(k0), int(k1)
    if (spec.dtype not in (np.complex64, np.complex128) or spec.ndim != 2
            or not 1 <= k0 <= k1 or k1 + 2 > spec.shape[1]):
        raise ValueError(f"tuning peaks: needs complex spec (frames, bins) and 1 <= k0 <= k1 "
                         f"<= bins - 2; got {spec.dtype} {spec.shape}, k0 {k0}, k1 {k1}")
    spec = np.ascontiguousarray(spec)
    return spec, np.abs(spec[:, k0 - 1:k1 + 2])


def tuning_peaks(spec, k0, k1, threshold, bin_hz):
    """``(freq float64, mag)`` of the peaks in bins ``k0 .. k1`` of each frame, frame by
    frame (see ``fg_cq_tuning_peaks``): local maxima of the magnitudes once those at or
    below ``threshold`` times the frame's maximum are zeroed, parabolic interpolation."""
    spec, mag = check_tuning_peaks(spec, k0, k1)
    power = spec.real * spec.real
    power += spec.imag * spec.imag
    frame_max = np.sqrt(power.max(axis=1))
    masked = np.where(mag > threshold * frame_max[:, None], mag, 0)
    c, left, right = masked[:, 1:-1], masked[:, :-2], masked[:, 2:]
    t, k = np.nonzero((c > left) & (c >= right))
    s, sl, sr_ = mag[t, k + 1], mag[t, k], mag[t, k + 2]
    a = sr_ + sl - 2 * s
    b = (sr_ - sl) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a)
    return (k + k0 + shift) * float(bin_hz), s + 0.5 * b * shift


def check_reassign(X, n_fft, coef, sr, hop, ref_power):
    """``(X, coef)``: ``X (2, ..., frames, n_fft // 2 + 1)`` as a C-contiguous complex array,
    ``coef`` as 1 to 3 float64 cosine coefficients, the numbers valid (ValueError
    otherwise)."""
    X = np.asarray(X)
    coef = np.ascontiguousarray(coef, dtype=np.float64)
    if (X.dtype not in (np.complex64, np.complex128) or X.ndim < 3 or X.shape[0] != 2
            or int(n_fft) < 2 or X.shape[-1] != int(n_fft) // 2 + 1 or coef.ndim != 1
            or not 1 <= coef.size <= 3 or not sr > 0 or not hop >= 0 or not ref_power >= 0):
        raise ValueError(f"reassign: needs the two spectra (2, ..., frames, n_fft // 2 + 1), "
                         f"complex, n_fft >= 2, 1 to 3 window coefficients, sr > 0, hop >= 0, "
                         f"ref_power >= 0; got {X.dtype} {X.shape}, n_fft {n_fft}, "
                         f"{coef.size} coefficients, sr {sr}, hop {hop}, ref_power {ref_power}")
    return np.ascontiguousarray(X), coef


def check_reassign_out(out, shape, real):
    """``out`` as a tuple of 3 writeable arrays of ``shape`` and type ``real`` whose
    ``(frames, bins)`` slabs are C-contiguous, or 3 new arrays when ``None`` (ValueError
    otherwise)."""
    if out is None:
        return tuple(np.empty(shape, real) for _ in range(3))
    out = tuple(out)
    item = np.dtype(real).itemsize

    def slab_ok(o):
        return (isinstance(o, np.ndarray) and o.dtype == real and o.shape == tuple(shape)
                and o.flags.writeable and o.strides[-1] == item
                and (shape[-2] < 2 or o.strides[-2] == shape[-1] * item))

    if len(out) != 3 or not all(slab_ok(o) for o in out):
        raise ValueError(f"reassign: out must be 3 writeable {np.dtype(real).name} arrays of "
                         f"shape {tuple(shape)} with C-contiguous (frames, bins) slabs")
    return out


def window_spectra(X, n_fft, coef):
    """``(S_h, S_dh, S_th)`` (complex128) from the DFTs ``X = (DFT(x), DFT(x t))`` for the
    window ``h[n] = sum_m coef[m] cos(2 pi m n / n_fft)`` (see ``fg_reassign``)."""
    x, y = (v.astype(np.complex128) for v in X)
    n_bins = x.shape[-1]
    j = np.arange(-len(coef) + 1, n_bins + len(coef) - 1) % n_fft     # bins, wrapped
    mirror = j >= n_bins

    def ext(z):                          # bins -M .. n_bins + M - 1 of the full DFT
        e = z[..., np.where(mirror, n_fft - j, j)]
        return np.where(mirror, np.conj(e), e)

    ex, ey = ext(x), ext(y)
    m0 = len(coef) - 1
    s_h, s_dh, s_th = coef[0] * x, np.zeros_like(x), coef[0] * y
    for m in range(1, len(coef)):
        lo, hi = (slice(m0 - m, m0 - m + n_bins), slice(m0 + m, m0 + m + n_bins))
        s_h = s_h + 0.5 * coef[m] * (ex[..., lo] + ex[..., hi])
        s_dh = s_dh + 0.5j * coef[m] * np.sin(2 * np.pi * m / n_fft) * (ex[..., lo]
                                                                       - ex[..., hi])
        s_th = s_th + 0.5 * coef[m] * (ey[..., lo] + ey[..., hi])
    return s_h, s_dh, s_th


def reassign(X, n_fft, coef, sr, hop, t0, ref_power, reassign_freqs=True,
             reassign_times=True):
    """``(freqs, times, mags)``, each ``(..., frames, bins)`` in the real type of ``X``, from
    ``X = (DFT(x), DFT(x t))`` of frames ``t0 ..`` and a cosine-sum window (see
    ``fg_reassign``, which forms everything in the type): the window's three spectra in
    complex128 rounded to the type, then the power and the corrections ``Im(S_dh conj(S_h)) / power``, ``Re(S_th conj(S_h)) /
    power`` in the type, zero below ``max(ref_power, tiny)``."""
    X, coef = check_reassign(X, n_fft, coef, sr, hop, ref_power)
    real = X.real.dtype
    cplx = X.dtype
    sh, sdh, sth = (s.astype(cplx) for s in window_spectra(X, n_fft, coef))
    hr, hi = sh.real, sh.imag
    power = hr * hr + hi * hi
    keep = power >= real.type(max(ref_power, np.finfo(real).tiny))
    inv = np.zeros_like(power)
    np.divide(1, power, out=inv, where=keep)
    bins = (np.arange(sh.shape[-1]) * real.type(sr / n_fft)).astype(real)
    f_scale = real.type(-0.5 * sr / np.pi if reassign_freqs else 0.0)
    freqs = bins + (sdh.imag * hr - sdh.real * hi) * inv * f_scale
    freqs = np.minimum(np.maximum(freqs, 0), real.type(sr / 2))
    frame_t = ((t0 + np.arange(sh.shape[-2])) * (hop / sr)).astype(real)[:, None]
    t_scale = real.type(1.0 / sr if reassign_times else 0.0)
    times = np.maximum(frame_t + (sth.real * hr + sth.imag * hi) * inv * t_scale, 0)
    return freqs, times, np.sqrt(power)

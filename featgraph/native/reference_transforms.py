"""numpy definitions of the time-frequency transform kernels (``constantq.c``)."""
import numpy as np

__all__ = ["check_cq_basis", "check_cq_spectra", "check_reassign", "check_tuning_peaks",
           "cq_product", "reassign", "tuning_peaks"]


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


def check_reassign(S, n_fft, sr, hop, ref_power):
    """``S (3, ..., frames, bins)`` as a C-contiguous complex array and the numbers valid
    (ValueError otherwise)."""
    S = np.asarray(S)
    if (S.dtype not in (np.complex64, np.complex128) or S.ndim < 3 or S.shape[0] != 3
            or int(n_fft) < 1 or not sr > 0 or not hop >= 0 or not ref_power >= 0):
        raise ValueError(f"reassign: needs the three spectra (3, ..., frames, bins), complex, "
                         f"n_fft >= 1, sr > 0, hop >= 0, ref_power >= 0; got {S.dtype} "
                         f"{S.shape}, n_fft {n_fft}, sr {sr}, hop {hop}, ref_power {ref_power}")
    return np.ascontiguousarray(S)


def reassign(S, n_fft, sr, hop, t0, ref_power, reassign_freqs=True, reassign_times=True):
    """``(freqs, times, mags)``, each ``(..., frames, bins)`` in the real type of ``S``, from
    the STFTs ``S = (S_h, S_dh, S_th)`` of frames ``t0 ..`` (see ``fg_reassign``): the
    power and the corrections ``Im(S_dh conj(S_h)) / power`` and ``Re(S_th conj(S_h)) /
    power`` in that type, zero below ``max(ref_power, tiny)``."""
    S = check_reassign(S, n_fft, sr, hop, ref_power)
    sh, sdh, sth = S
    real = sh.real.dtype
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

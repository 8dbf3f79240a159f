"""Bridge to the framed power filterbank (``framedbank.c``): window, real FFT, power (or
magnitude) and band-limited filter sums of float64 or float32 frames in one C call, the
FFT run across frames (eight float64 or sixteen float32 frames side by side in each
vector) so that the power comes out bin-major, as the filter sums read it.

Validates arguments, keeps the kernel's planned work buffer (its twiddle tables) per
filterbank and thread, and turns status codes into exceptions.  With
``FEATGRAPH_NATIVE=0`` (``featgraph.native.BACKEND == "numpy"``) the definition in
:func:`featgraph.native.reference_spectral.framed_power_filterbank` runs instead.
"""
import threading

import numpy as np

from .. import native as _pkg
from . import reference_spectral as reference

__all__ = ["framed_power_filterbank", "framed_supported"]


def framed_power_filterbank(bank, windows, out=None):
    """``windows -> real FFT -> power (or magnitude) -> bank`` of every frame in one C
    call (``fg_framed_power_filterbank_f64`` / ``_f32``, ``framedbank.c``): float64 or
    float32 frames, a :class:`~featgraph.native.spectral.BandedPowerFilterbank` of their
    type without taps, ``n_fft`` a power of two >= 16.  The numbers of
    :func:`~featgraph.native.spectral.tiled_power_filterbank` to rounding (the kernel's
    own FFT in the frames' type, eight float64 or sixteen float32 frames side by side in
    each vector, against ducc0's; the window, power, magnitude and double sums are
    theirs); the numpy definition is
    :func:`featgraph.native.reference_spectral.framed_power_filterbank`.

    Parameters
    ----------
    bank : featgraph.native.spectral.BandedPowerFilterbank
        float64 or float32 (the frames' type), ``window=None``; ``magnitude=True`` sums
        ``|X|``, False ``|X|^2``.
    windows : featgraph.native.windows.FrameWindows
        float64 or float32 frames ``(n_frames, N)``, rows of ``n_fft`` values out.
    out : np.ndarray [shape=(n_frames, n_bands)], the bank's dtype, C-contiguous, optional

    Returns
    -------
    np.ndarray [shape=(n_frames, n_bands)], the bank's dtype

    Raises
    ------
    ValueError
        For another dtype (or frames and bank of different types), a tapped bank, an
        ``n_fft`` the kernel does not take (:func:`framed_supported`), mismatched sizes or
        a bad ``out``.
    """
    frames = windows.frames
    dtype = frames.dtype
    n_fft, n_bins, n_bands = windows.n_out, bank.w.shape[1], bank.w.shape[0]
    if (dtype not in (np.float64, np.float32) or bank.w.dtype != dtype
            or windows.w.dtype != dtype or bank.window is not None
            or n_fft // 2 + 1 != n_bins or not framed_supported(n_fft, n_bands)):
        raise ValueError(f"framed power filterbank: needs float64 or float32 frames and a "
                         f"power or magnitude filterbank of their type without taps on "
                         f"n_fft // 2 + 1 bins, n_fft a power of two >= 16; got {dtype} "
                         f"frames, n_fft {n_fft}, a {bank.w.dtype} bank on {n_bins} bins "
                         f"(taps {bank.window})")
    n_frames = frames.shape[0]
    _pkg._check_out(out, (n_frames, n_bands), dtype, "framed power filterbank")
    if _pkg.BACKEND == "numpy":
        y = reference.framed_power_filterbank(frames, windows.w, n_fft, windows.start,
                                              windows.preemph, bank.w, bank.first, bank.stop,
                                              bank.magnitude)
        return y if out is None else np.copyto(out, y) or out
    if out is None:
        out = np.empty((n_frames, n_bands), dtype)
    if n_frames and n_bands:
        from .windows import _windows_kernel

        bank(np.empty((0, n_bins), bank.complex))          # lays the kernel out once
        _, _, w_ptr, first_ptr, stop_ptr, _ = bank._kernel
        win = windows._kernel = windows._kernel or _windows_kernel(frames, windows.w)
        _, _, x, stride, length, w = win
        work = _framed_work(bank, n_fft)
        n_work = work.shape[0]
        kernel = (_pkg._lib.fg_framed_power_filterbank_f32 if dtype == np.float32 else
                  _pkg._lib.fg_framed_power_filterbank_f64)
        _pkg._raise_for_status(
            kernel(x, n_frames, length, stride, w, windows.preemph, n_fft, windows.start,
                   w_ptr, n_bands, first_ptr, stop_ptr, int(bank.magnitude), _pkg._ptr(work),
                   n_work, _pkg._ptr(out)),
            "framed power filterbank", None, None)
    return out


def _framed_work(bank, n_fft):
    """This thread's planned work buffer of ``bank`` for ``n_fft``
    (``fg_framed_power_filterbank_plan``: its twiddle tables computed once, not once per
    chunk; per thread, since a call writes it)."""
    local = bank.__dict__.get("_framed")
    if local is None:
        local = bank.__dict__.setdefault("_framed", threading.local())
    work = getattr(local, "work", None)
    if work is None or getattr(local, "n_fft", None) != n_fft:
        n_work = _pkg._lib.fg_framed_power_filterbank_work(n_fft, bank.w.shape[0])
        work = np.empty(n_work)
        _pkg._raise_for_status(_pkg._lib.fg_framed_power_filterbank_plan(
            n_fft, bank.w.shape[0], _pkg._ptr(work), n_work), "framed power filterbank",
            None, None)
        local.work, local.n_fft = work, n_fft
    return work


def framed_supported(n_fft, n_bands):
    """Whether :func:`framed_power_filterbank` runs in C for ``n_fft`` (a power of two >=
    16) and ``n_bands``; False with the numpy backend, whose fused steps keep the FFT
    backend's numbers."""
    return _pkg.BACKEND != "numpy" and _pkg._lib.fg_framed_power_filterbank_work(
        n_fft, n_bands) > 0

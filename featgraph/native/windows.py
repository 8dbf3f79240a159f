"""Bridge to the window kernel (``window.c``): frames pre-emphasised (HTK, per frame),
windowed and zero-padded into the FFT's input rows in one pass, whole
(:func:`window_frames`) or tile by tile (:class:`FrameWindows`).

Validates arguments, hands the C-contiguous float32/float64 frames to C without
copying, and turns status codes into exceptions.  With ``FEATGRAPH_NATIVE=0``
(``featgraph.native.BACKEND == "numpy"``) the definition in
:func:`featgraph.native.reference_spectral.window_frames` runs instead.
"""
import numpy as np

from .. import native as _pkg
from . import reference_spectral as reference

__all__ = ["FrameWindows", "window_frames"]


def window_frames(frames, w, out, start=0, preemph=0.0, pad=True):
    """Pre-emphasise (HTK, per frame), window and zero-pad frames into ``out``, one pass.

    ``out[..., t, start + n] = w[n] * e[t, n]`` and zeros elsewhere in the row, where
    ``e[t, n] = x[t, n] - k x[t, n - 1]``, ``e[t, 0] = (1 - k) x[t, 0]`` (``k = 0``:
    the frames themselves).  Overlapping frames (a strided view of a signal, as the
    ``frame`` op makes) are read in place.  Equal bit for bit to
    :func:`featgraph.native.reference_spectral.window_frames`.

    Parameters
    ----------
    frames : np.ndarray [shape=(..., n_frames, N)], float32 or float64, N >= 1
    w : np.ndarray [shape=(N,)], the dtype of ``frames``
    out : np.ndarray [shape=(..., n_frames, M)], the dtype of ``frames``, C-contiguous,
        ``M >= start + N``
    start : int >= 0
        Where the windowed frame begins in each row of ``out``.
    preemph : float in [0, 1]
        The pre-emphasis coefficient ``k``.
    pad : bool
        Write the zero padding; False leaves it as it is (a reused work buffer whose
        padding is already zero: only the frames are written).

    Returns
    -------
    out

    Raises
    ------
    ValueError
        For mismatched shapes or dtypes, ``start + N > M`` or ``k`` outside [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0, 4.0]])
    >>> window_frames(x, np.ones(3), np.empty((1, 5)), start=1, preemph=0.5)
    array([[0. , 0.5, 1.5, 3. , 0. ]])
    """
    frames, w, start, preemph = _window_args(frames, w, np.shape(out)[-1], start, preemph)
    if (out.dtype != frames.dtype or out.shape[:-1] != frames.shape[:-1]
            or not out.flags.c_contiguous or not out.flags.writeable):
        raise ValueError(f"window frames: out must be a writeable C-contiguous {frames.dtype} "
                         f"array of shape {frames.shape[:-1]} + (M,), got {out.dtype} "
                         f"{out.shape}")
    if _pkg.BACKEND == "numpy":
        n = frames.shape[-1]
        done = reference.window_frames(frames, w, out.shape[-1], start, preemph)
        if pad:
            out[...] = done
        else:
            out[..., start:start + n] = done[..., start:start + n]
        return out
    for idx in np.ndindex(*frames.shape[:-2]):
        if frames.shape[-2]:
            _run_windows(_windows_kernel(frames[idx], w), 0, frames.shape[-2], preemph, start,
                         pad, out[idx])
    return out


class FrameWindows:
    """:func:`window_frames` of consecutive tiles of the same frames ``(n_frames, N)``,
    checked and laid out once: ``windows(at, out, pad)`` writes frames ``at ..
    at + len(out) - 1`` into ``out (m, M)`` (a fused step's work buffer, tile after tile).

    Examples
    --------
    >>> import numpy as np
    >>> windows = FrameWindows(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones(2), 3, start=1)
    >>> windows(1, np.empty((1, 3)))
    array([[0., 3., 4.]])
    """

    def __init__(self, frames, w, n_out, start=0, preemph=0.0):
        frames = np.asarray(frames)
        if frames.ndim != 2:
            raise ValueError(f"frame windows: frames must be (n_frames, N), got {frames.shape}")
        self.n_out, self._kernel = int(n_out), None
        self.frames, self.w, self.start, self.preemph = _window_args(frames, w, n_out, start,
                                                                     preemph)

    def __call__(self, at, out, pad=True):
        frames = self.frames
        m = out.shape[0] if out.ndim == 2 else -1
        if (out.shape != (m, self.n_out) or out.dtype != frames.dtype or not out.flags.c_contiguous
                or not out.flags.writeable or not 0 <= at <= at + m <= frames.shape[0]):
            raise ValueError(f"frame windows: out must be a writeable C-contiguous "
                             f"{frames.dtype} (m, {self.n_out}) array for frames at .. at + m - "
                             f"1 of {frames.shape[0]}, got {out.dtype} {out.shape} at {at}")
        if _pkg.BACKEND == "numpy" or not m:
            return window_frames(frames[at:at + m], self.w, out, self.start, self.preemph, pad)
        if self._kernel is None:
            self._kernel = _windows_kernel(frames, self.w)
        return _run_windows(self._kernel, at, m, self.preemph, self.start, pad, out)


def _windows_kernel(frames, w) -> tuple:
    """``(kernel, span, its pointer, stride, N, window pointer)`` of checked ``(n_frames,
    N)`` frames, for :func:`_run_windows` (the span keeps the memory pointed to alive)."""
    span, stride = _pkg._signal_span(frames)
    kernel = _pkg._lib.fg_window_frames_f32 if w.dtype == np.float32 else \
        _pkg._lib.fg_window_frames_f64
    return kernel, span, _pkg._ptr(span), stride, frames.shape[1], _pkg._ptr(w)


def _run_windows(prepared, at, m, preemph, start, pad, out):
    kernel, _, x, stride, n, w = prepared       # frames at .. at + m - 1 into out (checked)
    _pkg._raise_for_status(kernel(x + at * stride, m, n, stride, w, preemph, out.shape[-1],
                                  start, int(bool(pad)), _pkg._ptr(out)), "window frames",
                           None, None)
    return out


def _window_args(frames, w, n_out, start, preemph):
    """``(frames, w, start, preemph)`` checked for :func:`window_frames` into rows of
    ``n_out`` values."""
    frames, w = np.asarray(frames), np.asarray(w)
    dtype = frames.dtype
    if dtype not in (np.float32, np.float64) or frames.ndim < 2 or frames.shape[-1] < 1:
        raise ValueError(f"window frames: frames must be float32/float64 (..., n_frames, N) "
                         f"with N >= 1, got {dtype} {frames.shape}")
    n = frames.shape[-1]
    if w.shape != (n,) or w.dtype != dtype:
        raise ValueError(f"window frames: the window must be {dtype} ({n},), got {w.dtype} "
                         f"{w.shape}")
    start, preemph = int(start), float(preemph)
    if start < 0 or start + n > n_out:
        raise ValueError(f"window frames: out must be rows of M >= start + {n} values with "
                         f"start >= 0, got M = {n_out} and start = {start}")
    if not 0.0 <= preemph <= 1.0:
        raise ValueError(f"window frames: preemph must be in [0, 1], got {preemph}")
    return frames, np.ascontiguousarray(w), start, preemph

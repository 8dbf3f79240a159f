"""Time-domain ops: pre-emphasis, framing, windowing."""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from ..engine.errors import AudioError
from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ._common import Duration, FFTLength, fft_length, frame_major, to_samples


class PreEmphasis(Node):
    """First-order high-pass ``y[n] = x[n] - coef * x[n-1]``, with ``y[0] = x[0]``.

    The usual speech pre-emphasis (e.g. 0.97 in HTK and python_speech_features).
    """

    op: Literal["preemphasis"] = "preemphasis"
    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.SIGNAL

    coef: float = Field(0.97, ge=0, le=1, description="pre-emphasis coefficient")


@PreEmphasis.compute
def preemphasis(x: Feature, p: PreEmphasis) -> Feature:
    y = np.empty_like(x.data)
    y[..., :1] = x.data[..., :1]
    np.subtract(x.data[..., 1:], p.coef * x.data[..., :-1], out=y[..., 1:])
    return x.derive(y)


class Frame(Node):
    """Slice a signal into overlapping frames: ``(..., samples) -> (..., length, frames)``.

    Frame ``t`` covers samples ``[t * hop, t * hop + length)``.  Without
    ``center`` or ``pad_end`` there are ``1 + (samples - length) // hop`` frames
    (MATLAB ``specgram`` / rastamat: ``fix((samples - overlap) / hop)``); a signal
    shorter than one frame is an error.  The frames are a view of the signal (no copy).
    """

    op: Literal["frame"] = "frame"
    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.FRAMES

    length: Duration = "25ms"
    hop: Duration = "10ms"
    center: bool = Field(False, description="pad length//2 samples at both ends so that frame "
                                            "t is centred on t * hop (librosa)")
    pad_mode: Literal["constant", "reflect", "edge"] = Field(
        "constant", description="how center pads: zeros, mirror, or repeat the edge sample")
    pad_end: bool = Field(False, description="zero-pad the end so that the last samples get a "
                                             "frame (python_speech_features)")


@Frame.compute
def frame(x: Feature, p: Frame) -> Feature:
    length, hop = to_samples(p.length, x.sr), to_samples(p.hop, x.sr)
    y = x.data
    if p.center:
        pad = [(0, 0)] * (y.ndim - 1) + [(length // 2, length // 2)]
        y = np.pad(y, pad, mode=p.pad_mode)
    n = y.shape[-1]
    if n < length and not p.pad_end:
        raise AudioError(f"the signal has {x.data.shape[-1]} samples "
                         f"({x.data.shape[-1] / x.sr:.4g} s), shorter than one frame of "
                         f"{length} samples; use a shorter frame, center: true or pad_end: true")
    if p.pad_end:
        n_frames = 1 + max(0, -(-(n - length) // hop))
        extra = (n_frames - 1) * hop + length - n
        if extra > 0:
            y = np.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, extra)])
    windows = np.lib.stride_tricks.sliding_window_view(y, length, axis=-1)[..., ::hop, :]
    return x.derive(frame_major(windows), Kind.FRAMES, hop=hop, win_length=length)


WINDOWS_NUMPY = ("hann", "hamming", "blackman", "bartlett", "boxcar", "povey", "hanning")
WINDOWS_SCIPY = ("barthann", "blackmanharris", "bohman", "cosine", "flattop", "lanczos",
                 "nuttall", "parzen", "triang", "taylor", "tukey", "kaiser", "gaussian",
                 "chebwin", "dpss", "exponential")
NEEDS_PARAM = ("kaiser", "gaussian", "chebwin", "dpss")
PARAM_RANGES = {   # window: (lowest, highest, lowest excluded, meaning); finite windows inside
    "kaiser": (0.0, 100.0, False, "Kaiser beta"),
    "gaussian": (0.01, 1e6, False, "standard deviation in samples"),
    "tukey": (0.0, 1.0, False, "taper fraction alpha"),
    "chebwin": (45.0, 1000.0, False, "side-lobe attenuation in dB"),   # scipy: >= 45
    "dpss": (0.0, 1e6, True, "time-bandwidth NW (less than half the frame length)"),
    "exponential": (0.0, 1e6, True, "decay tau in samples"),
    "taylor": (1.0, 100.0, False, "nbar, a whole number"),
}


class Window(Node):
    """Multiply every frame by a window function.

    ``hann``, ``hamming``, ``blackman``, ``bartlett``, ``boxcar`` follow scipy's
    definitions (``periodic`` = scipy's ``fftbins``); ``povey`` is Kaldi's
    (symmetric Hann to the power 0.85); ``hanning`` is MATLAB's ``hanning(N)``,
    the symmetric Hann without its zero end points,
    ``0.5 * (1 - cos(2 pi n / (N + 1)))`` for ``n = 1..N`` (rastamat's window;
    ``periodic`` does not apply).  The other names are passed to
    ``scipy.signal.get_window`` with ``param`` as the shape parameter (Kaiser
    beta, Gaussian std, Tukey alpha, Chebyshev attenuation, DPSS NW).

    With ``pad_to`` the windowed frames are zero-padded to the FFT length here,
    at the end (MATLAB ``specgram``) or centred (librosa, when ``win_length <
    n_fft``); the frame length recorded for later ops (``win_length``) stays the
    window's.
    """

    op: Literal["window"] = "window"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FRAMES

    window: Literal[WINDOWS_NUMPY + WINDOWS_SCIPY] = "hann"  # type: ignore[valid-type]
    periodic: bool = Field(True, description="DFT-even window (for spectral analysis); false "
                                             "for the symmetric filter-design window")
    param: float | None = Field(None, ge=0, le=1e6, description="shape parameter of kaiser, "
                                "gaussian, tukey, chebwin, dpss, exponential, taylor")
    pad_to: FFTLength | Literal["pow2"] | None = Field(
        None, description="zero-pad each windowed frame to this length, the FFT size: an "
                          "integer >= the frame length, 'pow2' for the next power of two, or "
                          "null for no padding")
    pad_at: Literal["end", "center"] = Field(
        "end", description="where the window sits in the padded frame: at the start with zeros "
                           "after it (MATLAB specgram), or centred (librosa)")

    @field_validator("param")
    @classmethod
    def _param_in_range(cls, value, info):
        name = info.data.get("window")
        if value is None or name is None:
            return value
        if name not in PARAM_RANGES:
            raise ValueError(f"window '{name}' takes no parameter")
        lo, hi, open_lo, meaning = PARAM_RANGES[name]
        if not (lo < value if open_lo else lo <= value) or value > hi or \
                (name == "taylor" and value != int(value)):
            raise ValueError(f"window '{name}' takes a {meaning} in {'(' if open_lo else '['}"
                             f"{lo:g}, {hi:g}]")
        return int(value) if name == "taylor" else value     # scipy wants an integer nbar

    @model_validator(mode="after")
    def _param_given(self):
        if self.window in NEEDS_PARAM and self.param is None:
            raise ValueError(f"window '{self.window}' needs 'param'")
        return self


@Window.compute
def window(x: Feature, p: Window) -> Feature:
    length = x.data.shape[-2]
    w = window_function(p.window, length, p.periodic, p.param).astype(x.data.dtype)
    frames = frame_major(x.data)
    n = fft_length(p.pad_to, length)
    if n == length:
        return x.derive(frame_major(frames * w))
    out = np.empty(frames.shape[:-1] + (n,), dtype=np.result_type(frames, w))
    start = 0 if p.pad_at == "end" else (n - length) // 2
    out[..., :start] = 0
    np.multiply(frames, w, out=out[..., start:start + length])
    out[..., start + length:] = 0
    return x.derive(frame_major(out))


@functools.lru_cache(maxsize=64)
def window_function(name: str, n: int, periodic: bool = True,
                    param: float | None = None) -> np.ndarray:
    """The window ``name`` of ``n`` points (see :class:`Window`), float64, read-only (cached)."""
    w = _window(name, n, periodic, param)
    w.setflags(write=False)
    return w


def _window(name: str, n: int, periodic: bool, param: float | None) -> np.ndarray:
    if name == "hanning":
        return 0.5 * (1.0 - np.cos(2.0 * np.pi * np.arange(1, n + 1) / (n + 1)))
    if name == "boxcar":
        return np.ones(n)
    if name in ("hann", "hamming", "blackman", "bartlett", "povey"):
        if n == 1:
            return np.ones(1)
        sym = name == "povey" or not periodic
        m = n - 1 if sym else n
        phase = 2.0 * np.pi * np.arange(n) / m
        if name == "hann":
            return 0.5 - 0.5 * np.cos(phase)
        if name == "povey":
            return (0.5 - 0.5 * np.cos(phase)) ** 0.85
        if name == "hamming":
            return 0.54 - 0.46 * np.cos(phase)
        if name == "blackman":
            return 0.42 - 0.5 * np.cos(phase) + 0.08 * np.cos(2 * phase)
        return 1.0 - np.abs(2.0 * np.arange(n) / m - 1.0)  # bartlett
    from scipy.signal import get_window

    spec = name if param is None else (name, param)
    return get_window(spec, n, fftbins=periodic)

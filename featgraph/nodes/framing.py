"""Time-domain ops: pre-emphasis, framing, windowing."""
from __future__ import annotations

import functools
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from ..engine.errors import AudioError
from ..engine.feature import Feature
from ..engine.fuse import rule
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.timedomain import preemphasis
from ._common import Duration, FFTLength, fft_length, frame_major, to_samples
from ._windows import NAMES as WINDOWS_CLOSED_FORM
from ._windows import closed_form


class PreEmphasis(Node):
    """First-order high-pass ``y[n] = x[n] - coef * x[n-1]``, with ``y[0] = x[0]``.

    The usual speech pre-emphasis (e.g. 0.97 in HTK and python_speech_features).

    Streaming: block op; it carries the previous block's last sample.
    """

    op: Literal["preemphasis"] = "preemphasis"
    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.SIGNAL
    streaming: ClassVar = "block"

    coef: float = Field(0.97, ge=0, le=1, description="pre-emphasis coefficient")


@PreEmphasis.stream
class PreEmphasisStream:
    """``y[n] = x[n] - coef * x[n-1]`` with ``x[-1]`` carried across blocks (0 before the first)."""

    def __init__(self, p: PreEmphasis):
        self.coef = p.coef
        self.last: np.ndarray | None = None         # x[n-1] per channel

    def step(self, x: Feature) -> Feature:
        data = x.data
        if not data.shape[-1]:
            return x.derive(np.empty_like(data))
        y = preemphasis(data, self.coef, self.last)        # one C pass (numpy: two)
        self.last = data[..., -1:].copy()
        return x.derive(y)

    def flush(self) -> None:
        return None


class Frame(Node):
    """Slice a signal into overlapping frames: ``(..., samples) -> (..., length, frames)``.

    Frame ``t`` covers samples ``[t * hop, t * hop + length)``.  Without
    ``center`` or ``pad_end`` there are ``1 + (samples - length) // hop`` frames
    (MATLAB ``specgram`` / rastamat: ``fix((samples - overlap) / hop)``); a signal
    shorter than one frame is an error.  With ``center``, ``length // 2``
    samples are padded at both ends first (librosa); with ``pad_end``, zeros are
    added so that the last samples get a frame (python_speech_features):
    ``1 + ceil((samples - length) / hop)`` frames, at least one.

    Streaming: block op.  It carries the samples of frames not yet complete
    (``length - hop`` of them in steady state); with ``center`` and the
    ``reflect`` or ``edge`` pad, it waits for ``length // 2 + 1`` samples
    before its first frame.  Each frame comes out as soon as its last sample
    arrives.
    """

    op: Literal["frame"] = "frame"
    consumes: ClassVar = (Kind.SIGNAL,)
    produces: ClassVar = Kind.FRAMES
    streaming: ClassVar = "block"

    length: Duration = "25ms"
    hop: Duration = "10ms"
    center: bool = Field(False, description="pad length//2 samples at both ends so that frame "
                                            "t is centred on t * hop (librosa)")
    pad_mode: Literal["constant", "reflect", "edge"] = Field(
        "constant", description="how center pads: zeros, mirror, or repeat the edge sample")
    pad_end: bool = Field(False, description="zero-pad the end so that the last samples get a "
                                             "frame (python_speech_features)")


@Frame.stream
class FrameStream:
    """The framing state: samples from ``origin`` (padded coordinates) not yet framed.

    ``buf`` holds the padded signal from sample ``origin`` on; ``next`` is the
    start of the next frame; ``n_in`` counts real samples received.  Before
    the left pad is placed (``started``), ``buf`` holds raw samples only.
    """

    def __init__(self, p: Frame):
        self.p = p
        self.buf: np.ndarray | None = None
        self.origin = self.next = self.n_in = 0
        self.started = False
        self.meta: Feature | None = None

    def step(self, x: Feature) -> Feature | None:
        if not self._add(x):
            return None
        return self._emit(self._complete(self.origin + self.buf.shape[-1]))

    def finish(self, x: Feature) -> Feature | None:
        """:meth:`step` on the last chunk, then :meth:`flush`, as one view of every frame
        left (joining the two would copy the frames: ``length / hop`` times the samples)."""
        self._add(x, place=False)              # (flush pads both ends in one copy)
        return self.flush()

    def _add(self, x: Feature, place: bool = True) -> bool:
        """Buffer ``x``; place the left pad once there are enough samples for it (with
        ``place``); whether framing has started."""
        if self.meta is None:
            self.meta = x
            self.length, self.hop = to_samples(self.p.length, x.sr), to_samples(self.p.hop, x.sr)
            self.pad = self.length // 2 if self.p.center else 0
        self.n_in += x.data.shape[-1]
        self.buf = self._join(x.data)
        if not self.started:
            need = self.pad + 1 if self.p.center and self.p.pad_mode != "constant" else 0
            if self.buf.shape[-1] < max(need, 1) or not place:
                return False
            self.buf = self._pad(self.buf, (self.pad, 0))
            self.started = True
        return True

    def _join(self, data: np.ndarray) -> np.ndarray:
        """The samples kept (``buf``) followed by the new ones."""
        return data if self.buf is None else np.concatenate([self.buf, data], axis=-1)

    def flush(self) -> Feature | None:
        if self.meta is None:
            return None
        right = self.pad
        if not self.started:                # shorter than the left pad needs, or finish
            both = self.p.pad_mode == "constant"       # zeros: both ends in one copy
            self.buf = self._pad(self.buf, (self.pad, right if both else 0))
            self.started, right = True, 0 if both else right
        self.buf = self._pad(self.buf, (0, right))
        n = self.n_in + 2 * self.pad                   # the whole padded signal's length
        if n < self.length and not self.p.pad_end:
            raise AudioError(f"the signal has {self.n_in} samples ({self.n_in / self.meta.sr:.4g}"
                             f" s), shorter than one frame of {self.length} samples; use a "
                             "shorter frame, center: true or pad_end: true")
        if self.p.pad_end:
            n_frames = 1 + max(0, -(-(n - self.length) // self.hop))
            extra = (n_frames - 1) * self.hop + self.length - n
            if extra > 0:
                self.buf = np.concatenate([self.buf, np.zeros(self.buf.shape[:-1] + (extra,),
                                                              self.buf.dtype)], axis=-1)
        return self._emit(self._complete(self.origin + self.buf.shape[-1]))

    def _pad(self, y: np.ndarray, widths: tuple[int, int]) -> np.ndarray:
        if not any(widths):
            return y
        if self.p.pad_mode == "constant":        # zeros: np.pad's result, without its setup
            left, n = widths[0], y.shape[-1]
            out = np.empty(y.shape[:-1] + (left + n + widths[1],), y.dtype)
            out[..., :left] = 0
            out[..., left:left + n] = y
            out[..., left + n:] = 0
            return out
        return np.pad(y, [(0, 0)] * (y.ndim - 1) + [widths], mode=self.p.pad_mode)

    def _complete(self, end: int) -> int:
        """Frames starting at ``next`` that end at or before ``end``."""
        return max(0, (end - self.length - self.next) // self.hop + 1)

    def _emit(self, n: int) -> Feature:
        start = self.next - self.origin
        span = self.buf[..., start:start + (n - 1) * self.hop + self.length] if n else \
            self.buf[..., :0]
        if n:                      # frame t: span[..., t * hop : t * hop + length], a view
            step = span.strides[-1]
            windows = np.lib.stride_tricks.as_strided(
                span, span.shape[:-1] + (n, self.length),
                span.strides[:-1] + (self.hop * step, step), writeable=False)
        else:
            windows = np.zeros(self.buf.shape[:-1] + (0, self.length), self.buf.dtype)
        self.next += n * self.hop
        keep = self.next - self.origin
        if self.p.center and self.p.pad_mode != "constant":
            keep = min(keep, self.buf.shape[-1] - (self.pad + 1))   # the right pad reflects these
        keep = max(0, keep)
        self.buf, self.origin = self.buf[..., keep:], self.origin + keep
        return self.meta.derive(frame_major(windows), Kind.FRAMES, hop=self.hop,
                                win_length=self.length)


class PreEmphasisFrameStream(FrameStream):
    """``preemphasis -> frame`` as one block step (:func:`fused_preemphasis_frame`): each
    block is pre-emphasised straight into the framing buffer, after the samples
    it keeps, instead of into an array of its own that the framing then copies behind
    them.  The same numbers as the two ops (the same kernel, the same state: the last
    raw sample carried across blocks, 0 before the first)."""

    def __init__(self, pre: PreEmphasis, p: Frame):
        super().__init__(p)
        self.coef = pre.coef
        self.last: np.ndarray | None = None          # x[n-1] per channel

    def _join(self, data: np.ndarray) -> np.ndarray:
        if not data.shape[-1]:
            return super()._join(np.empty_like(data))
        if data.dtype not in (np.float32, np.float64) or (
                self.buf is not None and self.buf.dtype != data.dtype):
            y = super()._join(preemphasis(data, self.coef, self.last))
        else:
            kept = 0 if self.buf is None else self.buf.shape[-1]
            y = np.empty(data.shape[:-1] + (kept + data.shape[-1],), data.dtype)
            if kept:
                y[..., :kept] = self.buf
            preemphasis(data, self.coef, self.last, out=y[..., kept:])
        self.last = data[..., -1:].copy()
        return y


@rule("preemphasis+frame", ("preemphasis", "frame"), block=True)
def fused_preemphasis_frame(f) -> PreEmphasisFrameStream:
    """The state of a fused ``preemphasis -> frame`` step: a signal-sized array and a copy
    less per block (PNCC on 600 s: 57 -> 38 ms in a cold run, 16.6 -> 11.8 ms warm;
    docs/numeric.md)."""
    return PreEmphasisFrameStream(*f.parts)


WINDOWS_NUMPY = ("hann", "hamming", "blackman", "bartlett", "boxcar", "povey", "hanning")
WINDOWS_SCIPY = ("barthann", "blackmanharris", "bohman", "cosine", "flattop", "lanczos",
                 "nuttall", "parzen", "triang", "taylor", "tukey", "kaiser", "gaussian",
                 "chebwin", "dpss", "exponential")
NEEDS_PARAM = ("kaiser", "gaussian", "chebwin", "dpss", "gauss")
PARAM_RANGES = {   # window: (lowest, highest, lowest excluded, meaning); finite windows inside
    "kaiser": (0.0, 100.0, False, "Kaiser beta"),
    "gaussian": (0.01, 1e6, False, "standard deviation in samples"),
    "tukey": (0.0, 1.0, False, "taper fraction alpha"),
    "chebwin": (45.0, 1000.0, False, "side-lobe attenuation in dB"),   # scipy: >= 45
    "dpss": (0.0, 1e6, True, "time-bandwidth NW (less than half the frame length)"),
    "exponential": (0.0, 1e6, True, "decay tau in samples"),
    "taylor": (1.0, 100.0, False, "nbar, a whole number"),
    "gauss": (0.01, 1e6, False, "standard deviation in samples"),
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
    beta, Gaussian std, Tukey alpha, Chebyshev attenuation, DPSS NW).  audioFlux's
    names ``rect``, ``triangular``, ``gauss`` (``param``: std in samples),
    ``blackman_harris``, ``blackman_nuttall`` and ``bartlett_hann`` are computed in
    closed form with numpy (:mod:`featgraph.nodes._windows`; equal to scipy's
    ``boxcar``, ``triang``, ``gaussian``, ``blackmanharris``, ``nuttall``, ``barthann``).

    With ``pad_to`` the windowed frames are zero-padded to the FFT length here,
    at the end (MATLAB ``specgram``) or centred (librosa, when ``win_length <
    n_fft``); the frame length recorded for later ops (``win_length``) stays the
    window's.
    """

    op: Literal["window"] = "window"
    consumes: ClassVar = (Kind.FRAMES,)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.FRAMES

    window: Literal[WINDOWS_NUMPY + WINDOWS_CLOSED_FORM + WINDOWS_SCIPY] = "hann"  # type: ignore[valid-type]
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
    if name in WINDOWS_CLOSED_FORM:
        return closed_form(name, n, periodic, param)
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

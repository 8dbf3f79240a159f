"""STFT sharpening: the reassigned spectrogram (``reassign``) and synchrosqueezing (``synsq``).

Both take the signal and frame it themselves (centred frames, zero padding, librosa's
``stft`` framing), because the reassigned times are clipped to the signal's duration.

References
----------
F. Auger, P. Flandrin, "Improving the readability of time-frequency and time-scale
representations by the reassignment method", IEEE Trans. SP 43(5), 1068-1089, 1995.
P. Flandrin, F. Auger, E. Chassande-Mottin, "Time-frequency reassignment: from principles
to algorithms", in Applications in Time-Frequency Signal Processing, CRC Press, 2002
(eqs. 5.20 and 5.23: ``omega - Im(S_dh / S_h)``, ``t + Re(S_th / S_h)``).
F. Auger, P. Flandrin, Y.-T. Lin, S. McLaughlin, S. Meignen, T. Oberlin, H.-T. Wu,
"Time-frequency reassignment and synchrosqueezing: an overview", IEEE Signal Processing
Magazine 30(6), 32-41, 2013 (STFT synchrosqueezing and its reconstruction).
G. Thakur, H.-T. Wu, "Synchrosqueezing-based recovery of instantaneous frequency from
nonuniform samples", SIAM J. Math. Anal. 43(5), 2011.
librosa 0.11 documentation: ``librosa.reassigned_spectrogram``, ``librosa.util.cyclic_gradient``.
"""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.feature import Feature
from ..engine.kinds import Kind
from ..engine.ops import Node
from ..native.transforms import reassign as reassign_kernel
from ._common import frame_major
from .spectral import bin_frequencies, rfft_frames
from ._cqfilters import _window as periodic_window
from ._windows import COSINE_WINDOWS

BLOCK = 256


class _Stft(Node):
    """STFT parameters shared by the sharpening ops (no op of its own)."""

    op: str
    consumes: ClassVar = (Kind.SIGNAL,)
    streaming: ClassVar = "block"

    n_fft: int = Field(2048, ge=4, le=1 << 16, description="FFT and window length in samples")
    hop: int | None = Field(None, ge=1, le=1 << 16, description="samples between frames; "
                            "null: n_fft // 4")
    window: Literal["hann", "hamming", "blackman"] = Field("hann", description="periodic "
                                                           "analysis window")

    @property
    def hop_length(self) -> int:
        return self.hop or self.n_fft // 4

    def latency(self) -> int:
        return -(-(self.n_fft // 2) // self.hop_length)

    def windows(self, dtype) -> np.ndarray:
        """``(3, n_fft)``: the window ``h``, its cyclic gradient ``dh`` (per sample) and the
        time-weighted ``t h`` (``t`` in samples from the frame centre, :meth:`ramp`)."""
        n = self.n_fft
        h = periodic_window(self.window, n)
        padded = np.concatenate([h[-1:], h, h[:1]])
        dh = np.gradient(padded)[1:-1]
        return np.stack([h, dh, h * self.ramp(np.float64)]).astype(dtype)

    def ramp(self, dtype) -> np.ndarray:
        """``(n_fft,)``: each sample's time from the frame centre, in samples."""
        half = self.n_fft // 2
        t = np.arange(-half, half + 1) if self.n_fft % 2 else np.arange(0.5 - half, half)
        return t.astype(dtype)


class CentredFrames:
    """Centred STFT framing over a stream: frame ``t`` covers samples
    ``t hop - n_fft // 2 .. t hop + n_fft - n_fft // 2 - 1`` (zeros outside the signal)."""

    def __init__(self, n_fft: int, hop: int):
        self.n_fft, self.hop, self.half = n_fft, hop, n_fft // 2
        self.buf = None          # padded samples from frame index `self.t`'s start
        self.t = 0
        self.n_in = 0

    def push(self, y: np.ndarray, final: bool = False) -> np.ndarray:
        """Append samples; return the completed frames ``(..., frames, n_fft)`` (a read-only
        view of the buffered samples)."""
        if self.buf is None:
            self.buf = np.zeros(y.shape[:-1] + (self.half,), y.dtype)
        self.n_in += y.shape[-1]
        parts = [self.buf, y]
        if final:
            parts.append(np.zeros(y.shape[:-1] + (self.half,), y.dtype))
        self.buf = np.concatenate(parts, axis=-1)
        n = self.buf.shape[-1]
        count = 0 if n < self.n_fft else 1 + (n - self.n_fft) // self.hop
        if count == 0:
            return np.zeros(self.buf.shape[:-1] + (0, self.n_fft), self.buf.dtype)
        frames = np.lib.stride_tricks.sliding_window_view(self.buf, self.n_fft, axis=-1)
        frames = frames[..., :count * self.hop:self.hop, :][..., :count, :]   # a view
        self.buf = self.buf[..., count * self.hop:]
        self.t += count
        return frames


def _spectra(frames: np.ndarray, wins: np.ndarray) -> np.ndarray:
    """``(windows, ..., frames, bins)`` STFTs of the frames with each of the windows."""
    lead, n_fft = frames.shape[:-1], wins.shape[-1]
    out = np.empty((len(wins),) + lead + (n_fft // 2 + 1,),
                   np.complex64 if frames.dtype == np.float32 else np.complex128)
    rows = int(np.prod(lead[:-1], dtype=int))
    flat_in = frames.reshape(rows, lead[-1], n_fft)
    flat_out = out.reshape(len(wins), rows, lead[-1], n_fft // 2 + 1)
    work = np.empty((min(BLOCK, lead[-1]), n_fft), frames.dtype)
    for r in range(rows):
        for a in range(0, lead[-1], BLOCK):
            block = flat_in[r, a:a + BLOCK]
            buf = work[:block.shape[0]]
            for i in range(len(wins)):
                np.multiply(block, wins[i], out=buf)
                rfft_frames(buf, n_fft, out=flat_out[i, r, a:a + BLOCK])
    return out


def _rect_and_ramp_spectra(frames: np.ndarray, ramp: np.ndarray,
                           out: np.ndarray | None = None) -> np.ndarray:
    """``(2, ..., frames, bins)``: the DFTs of the frames and of the frames times ``ramp``
    (the window is applied in the frequency domain, :func:`featgraph.native.transforms.
    reassign`); into ``out`` (C-contiguous, that shape and the complex type) when given."""
    lead, n_fft = frames.shape[:-1], ramp.shape[-1]
    if out is None:
        out = np.empty((2,) + lead + (n_fft // 2 + 1,),
                       np.complex64 if frames.dtype == np.float32 else np.complex128)
    rows = int(np.prod(lead[:-1], dtype=int))
    flat_in = frames.reshape(rows, lead[-1], n_fft)
    flat_out = out.reshape(2, rows, lead[-1], n_fft // 2 + 1)
    work = np.empty((min(BLOCK, lead[-1]), n_fft), frames.dtype)
    for r in range(rows):
        for a in range(0, lead[-1], BLOCK):
            block = flat_in[r, a:a + BLOCK]
            rfft_frames(block, n_fft, out=flat_out[0, r, a:a + BLOCK])
            buf = np.multiply(block, ramp, out=work[:block.shape[0]])
            rfft_frames(buf, n_fft, out=flat_out[1, r, a:a + BLOCK])
    return out


class Reassign(_Stft):
    """Reassigned spectrogram: ports ``freqs`` (Hz), ``times`` (s) and ``mags`` (``|S_h|``).

    librosa 0.11's ``reassigned_spectrogram`` (defaults: ``n_fft`` 2048, hop ``n_fft / 4``,
    periodic Hann, centred frames with zero padding): with ``S_h``, ``S_dh`` and ``S_th``
    the STFTs with the window, its cyclic gradient and the window times the time from the
    frame centre (in samples), ``freqs = f_k - Im(S_dh / S_h) sr / (2 pi)`` and ``times =
    t hop / sr + Re(S_th / S_h) / sr`` (Flandrin, Auger & Chassande-Mottin 2002, eqs. 5.20,
    5.23).  Bins with ``|S_h| < sqrt(ref_power)`` (and 0/0 bins) get the bin frequency and
    the frame time, which is librosa's ``fill_nan=True``; librosa's default leaves NaN
    there.  Then frequencies are clipped to ``[0, sr / 2]`` and times to ``[0, duration]``.
    Each port is ``(..., 1 + n_fft // 2, frames)`` in the signal's precision.

    Streaming: block; ``ceil(n_fft / 2 / hop)`` frames of look-ahead (the centred
    window); a frame with a time reassigned past the samples seen so far waits for them
    (or the end), so the clip to the duration is exact.
    """

    op: Literal["reassign"] = "reassign"
    produces: ClassVar = {"freqs": Kind.FEATURE, "times": Kind.FEATURE, "mags": Kind.POWER}

    reassign_frequencies: bool = Field(True, description="reassign frequencies")
    reassign_times: bool = Field(True, description="reassign times")
    ref_power: float = Field(1e-6, ge=0, le=1e12, description="bins below this power keep "
                             "their bin frequency and frame time")


def reassign_block(X: np.ndarray, p: Reassign, sr: float, t0: int):
    """``(freqs, times, mags)`` of frames ``t0 ..`` (unclipped times) from ``X``, the DFTs
    of the frames and of the frames times the time from their centre.

    The three windowed spectra ``S_h``, ``S_dh``, ``S_th`` are formed from these two in
    the frequency domain (the windows are cosine sums), and ``Im(S_dh / S_h) = Im(S_dh
    conj(S_h)) / |S_h|^2`` and likewise for the real part of ``S_th / S_h``: one pass in C
    (:func:`featgraph.native.transforms.reassign`), no complex division; bins with
    ``|S_h|^2`` below ``ref_power`` (or the smallest normal float) get a zero correction,
    i.e. the bin frequency and frame time."""
    return reassign_kernel(X, p.n_fft, COSINE_WINDOWS[p.window], sr, p.hop_length, t0,
                           p.ref_power, p.reassign_frequencies, p.reassign_times)


def _first_chunk(state, x: Feature) -> None:
    """On a stream's first chunk: its rate, sample type (float32 or float64), leading axes
    and the analysis windows."""
    if state.sr is None:
        state.sr = float(x.sr)
        state.dtype = x.data.dtype if x.data.dtype in (np.float32, np.float64) \
            else np.dtype(np.float64)
        state.shape = x.data.shape[:-1]
        state.wins = state.p.windows(state.dtype)


@Reassign.stream
class ReassignStream:
    """Framing state, and frames held until the samples their times point to are seen.

    A few held frames (up to :attr:`MERGE`) are copied to the front of the next block's
    outputs, which the kernel writes in place, so that a released chunk is one array, not a
    concatenation of the held tail and the new block.  The spectra and the ramp product
    reuse one work buffer across blocks.  In a run that collects the outputs into arrays
    sized ahead (``sink``), the kernel writes each frame at its place there (frame ``t`` at
    row ``t``), so the chunks released are taken without a copy."""

    MERGE = 64
    PORTS = ("freqs", "times", "mags")

    def __init__(self, p: Reassign):
        self.p = p
        self.sink = None         # the run's output arrays, if any (engine.collector.Sink)
        self.framer = CentredFrames(p.n_fft, p.hop_length)
        self.held: list = []
        self.sr = None
        self.wins = None
        self.work = None
        self.ramp = None

    def _block(self, frames: np.ndarray, t0: int) -> None:
        """Append the outputs of ``frames`` (frames ``t0 ..``) to the held blocks."""
        p, n = self.p, frames.shape[-2]
        bins = p.n_fft // 2 + 1
        held_n = sum(b[0].shape[-2] for b in self.held)
        h = held_n if self.held and held_n <= self.MERGE else 0
        outs = tuple(self._out(port, t0 - h, h + n, bins) for port in self.PORTS)
        if h:
            for i, o in enumerate(outs):
                at = 0
                for b in self.held:
                    dst = o[..., at:at + b[i].shape[-2], :]
                    if dst.ctypes.data != b[i].ctypes.data:    # (else in place in the sink)
                        dst[...] = b[i]
                    at += b[i].shape[-2]
            self.held = []
        X = self._spectra(frames)
        reassign_kernel(X, p.n_fft, COSINE_WINDOWS[p.window], self.sr, p.hop_length, t0,
                        p.ref_power, p.reassign_frequencies, p.reassign_times,
                        out=tuple(o[..., h:, :] for o in outs))
        self.held.append(outs)

    def _out(self, port: str, t: int, n: int, bins: int) -> np.ndarray:
        """Where frames ``t .. t + n - 1`` of ``port`` are written: their place in the array
        the run collects the port in (``sink``, set by the engine), else a new array."""
        buf = None if self.sink is None else self.sink.frames(port)
        shape = self.shape + (n, bins)
        if buf is not None and buf.dtype == self.dtype and buf.shape[:-2] == self.shape \
                and buf.shape[-1] == bins and t + n <= buf.shape[-2]:
            return buf[..., t:t + n, :]
        return np.empty(shape, self.dtype)

    def _spectra(self, frames: np.ndarray) -> np.ndarray:
        """:func:`_rect_and_ramp_spectra` into the reused work buffer."""
        n_fft = self.p.n_fft
        if self.ramp is None:
            self.ramp = self.p.ramp(self.dtype)
        shape = (2,) + frames.shape[:-1] + (n_fft // 2 + 1,)
        cplx = np.complex64 if self.dtype == np.float32 else np.complex128
        size = int(np.prod(shape, dtype=int))
        if self.work is None or self.work.size < size:
            self.work = np.empty(size, cplx)
        return _rect_and_ramp_spectra(frames, self.ramp, out=self.work[:size].reshape(shape))

    def _compute(self, y: np.ndarray, final: bool):
        frames = self.framer.push(y, final)
        t0 = self.framer.t - frames.shape[-2]
        if frames.shape[-2]:
            self._block(frames, t0)
        limit = self.framer.n_in / self.sr
        if final:
            return self._release(len(self.held), limit, clip=True)
        # release the leading frames whose reassigned times are all within the samples seen
        out_blocks = 0
        for f, t, m in self.held:
            latest = t.max(axis=-1) if t.shape[-1] else np.zeros(t.shape[:-1], t.dtype)
            ok = latest.reshape(-1, t.shape[-2]).max(axis=0) <= limit if t.shape[-2] \
                else np.ones(0, bool)
            if not ok.all():
                first_bad = int(np.argmin(ok))
                if first_bad:
                    self._split(out_blocks, first_bad)
                    out_blocks += 1
                break
            out_blocks += 1
        return self._release(out_blocks, limit, clip=False)

    def _split(self, i: int, at: int):
        f, t, m = self.held[i]
        self.held[i:i + 1] = [(f[..., :at, :], t[..., :at, :], m[..., :at, :]),
                              (f[..., at:, :], t[..., at:, :], m[..., at:, :])]

    def _release(self, n: int, limit: float, clip: bool):
        blocks, self.held = self.held[:n], self.held[n:]
        if not blocks:
            return self._features(*(np.zeros(self.shape + (0, self.p.n_fft // 2 + 1),
                                             self.dtype) for _ in range(3)))
        f, t, m = (blocks[0][i] if len(blocks) == 1 else
                   np.concatenate([b[i] for b in blocks], axis=-2) for i in range(3))
        if clip:
            np.minimum(t, limit, out=t)
        return self._features(f, t, m)

    def _features(self, f, t, m):
        p = self.p
        meta = dict(sr=self.sr, hop=p.hop_length, win_length=p.n_fft, n_fft=p.n_fft,
                    axis=bin_frequencies(p.n_fft, self.sr))
        return {"freqs": Feature(frame_major(f), Kind.FEATURE, **meta),
                "times": Feature(frame_major(t), Kind.FEATURE, **meta),
                "mags": Feature(frame_major(m), Kind.POWER, **meta)}

    def step(self, x: Feature):
        _first_chunk(self, x)
        return self._compute(np.asarray(x.data, self.dtype), final=False)

    def flush(self):
        if self.sr is None:
            return None
        return self._compute(np.zeros(self.shape + (0,), self.dtype), final=True)


class Synsq(_Stft):
    """Synchrosqueezed STFT, complex: ``(..., samples) -> (..., 1 + n_fft // 2, frames)``.

    With the STFT ``X_t[k]`` of centred frames (window ``h``), its phase referred to the
    frame centre ``V_t[k] = X_t[k] (-1)^k`` and the instantaneous frequency of each bin
    ``w_t[k] = f_k - Im(X^dh_t[k] / X_t[k]) sr / (2 pi)`` (the reassigned frequency), every
    bin with ``|X_t[k]| > gamma`` is moved to the bin nearest ``w_t[k]`` (clipped to 0 ..
    sr / 2): ``T_t[j] = sum_{k -> j} c_k V_t[k]``, ``c_k = 1`` at DC and Nyquist, else 2
    (Auger et al. 2013, the one-sided form).  The signal at the frame centre is
    ``x[t hop] = Re(sum_j T_t[j]) / (n_fft h[n_fft / 2])`` (:func:`synsq_inverse`), exact
    but for the bins below ``gamma``; with ``hop: 1`` that is every sample.

    Streaming: block; ``ceil(n_fft / 2 / hop)`` frames of look-ahead.
    """

    op: Literal["synsq"] = "synsq"
    produces: ClassVar = Kind.SPECTRUM

    gamma: float = Field(1e-8, ge=0, le=1e6, description="bins with |X| at or below it are "
                         "not squeezed (dropped)")


def squeeze(S: np.ndarray, sr: float, n_fft: int, gamma: float) -> np.ndarray:
    """``T (..., frames, bins)`` from the window and window-derivative spectra ``S[:2]``."""
    sh, sdh = S[0], S[1]
    bins = sh.shape[-1]
    power = sh.real * sh.real + sh.imag * sh.imag
    keep = power > gamma * gamma
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = (sdh * sh.conj()).imag
        inst = np.arange(bins) - cross / np.where(keep, power, 1) * (n_fft / (2 * np.pi))
    target = np.clip(np.rint(np.nan_to_num(inst, nan=0.0)), 0, bins - 1).astype(np.intp)
    weight = np.full(bins, 2.0)
    weight[0] = 1.0
    if n_fft % 2 == 0:
        weight[-1] = 1.0
    weight[1::2] *= -1                                   # (-1)^k: phase at the frame centre
    v = sh * np.where(keep, weight, 0).astype(sh.real.dtype)
    rows = int(np.prod(sh.shape[:-1], dtype=int))
    index = (target.reshape(rows, bins) + (np.arange(rows) * bins)[:, None]).ravel()
    flat = v.reshape(-1)
    out = np.empty(rows * bins, sh.dtype)
    out.real = np.bincount(index, flat.real, minlength=rows * bins)
    out.imag = np.bincount(index, flat.imag, minlength=rows * bins)
    return out.reshape(sh.shape)


@Synsq.stream
class SynsqStream:
    """Centred framing state."""

    def __init__(self, p: Synsq):
        self.p = p
        self.framer = CentredFrames(p.n_fft, p.hop_length)
        self.sr = None

    def _run(self, y: np.ndarray, final: bool) -> Feature:
        p = self.p
        frames = self.framer.push(y, final)
        if frames.shape[-2]:
            t = squeeze(_spectra(frames, self.wins[:2]), self.sr, p.n_fft, p.gamma)
        else:
            t = np.zeros(frames.shape[:-1] + (p.n_fft // 2 + 1,),
                         np.complex64 if self.dtype == np.float32 else np.complex128)
        return Feature(frame_major(t), Kind.SPECTRUM, self.sr, hop=p.hop_length,
                       win_length=p.n_fft, n_fft=p.n_fft, axis=bin_frequencies(p.n_fft, self.sr))

    def step(self, x: Feature) -> Feature:
        _first_chunk(self, x)
        return self._run(np.asarray(x.data, self.dtype), final=False)

    def flush(self) -> Feature | None:
        if self.sr is None:
            return None
        return self._run(np.zeros(self.shape + (0,), self.dtype), final=True)


def synsq_inverse(t: Feature, window: str = "hann") -> np.ndarray:
    """The signal at the frame centres from a synchrosqueezed STFT (see :class:`Synsq`):
    ``x[t hop] = Re(sum_j T_t[j]) / (n_fft h[n_fft / 2])``, ``(..., frames)``, real.

    With ``hop: 1`` the samples are the whole signal."""
    n_fft = t.n_fft
    centre = periodic_window(window, n_fft)[n_fft // 2]
    return np.real(t.data.sum(axis=-2)) / (n_fft * centre)


class ReassignRepeat(Node):
    """Repeated frequency reassignment of the power onto the bin grid (an iteration count).

    Inputs: the ``freqs`` and ``mags`` ports of ``reassign``.  Each bin's power
    ``mags^2`` is moved, within its frame, to the bin nearest its reassigned frequency,
    ``k_1 = round(freqs[k] n_fft / sr)``; with ``order`` n the map is followed n times,
    ``k_(i+1) = round(freqs[k_i] n_fft / sr)``, and the power lands at ``k_n`` (the
    discrete reassignment operator iterated, as audioFlux's ``Reassign.set_order`` offers;
    audioFlux's own definition is not documented and differs, see
    docs/transforms-cqt.md).  Output ``(..., bins, frames)`` power on the bin grid; its sum
    per frame equals the input's.  Time reassignment is not accumulated here.

    Streaming: framewise.
    """

    op: Literal["reassign_repeat"] = "reassign_repeat"
    consumes: ClassVar = (Kind.FEATURE, Kind.POWER)
    streaming: ClassVar = "frame"
    produces: ClassVar = Kind.POWER

    order: int = Field(1, ge=1, le=16, description="times the reassignment map is applied")


@ReassignRepeat.compute
def reassign_repeat(freqs: Feature, mags: Feature, p: ReassignRepeat) -> Feature:
    f, m = frame_major(freqs.data), frame_major(mags.data)
    bins = f.shape[-1]
    n_fft = mags.n_fft or 2 * (bins - 1)
    target = np.clip(np.rint(f * (n_fft / mags.sr)), 0, bins - 1).astype(np.intp)
    rows = int(np.prod(f.shape[:-1], dtype=int))
    target = target.reshape(rows, bins)
    k = np.broadcast_to(np.arange(bins), (rows, bins))
    for _ in range(p.order):
        k = np.take_along_axis(target, k, axis=1)
    index = (k + (np.arange(rows) * bins)[:, None]).ravel()
    power = (m * m).reshape(-1)
    out = np.bincount(index, power, minlength=rows * bins).astype(m.dtype).reshape(m.shape)
    return mags.derive(frame_major(out), Kind.POWER)

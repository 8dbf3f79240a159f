"""What a run reads: an audio file, read block by block, or an in-memory array; and how a
plan reads a file (:func:`read_dtype`, :func:`read_scale`)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import AudioError

if TYPE_CHECKING:
    from .plan import Plan


@dataclass(frozen=True)
class Source:
    """An audio file path, or samples with their rate.

    ``samples`` is ``(samples,)`` or ``(channels, samples)``; ``sr`` in Hz.  For
    a file, ``sr`` (optional) is the rate the caller expects: a file at another
    rate is an error.
    """

    path: Path | None = None
    samples: np.ndarray | None = None
    sr: float | None = None

    @classmethod
    def of(cls, source, sr: float | None = None) -> "Source":
        if isinstance(source, Source):
            return source
        if isinstance(source, (str, Path)):
            return cls(path=Path(source), sr=sr)
        array = np.asarray(source)
        if sr is None:
            raise AudioError("an array source needs its sample rate: run(y, sr=16000)")
        if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
            raise AudioError(f"audio samples must be real numbers, got dtype {array.dtype}")
        if array.ndim not in (1, 2):
            raise AudioError(f"audio must be (samples,) or (channels, samples), got shape "
                             f"{array.shape}")
        if not sr > 0:
            raise AudioError(f"sample rate must be positive, got {sr}")
        return cls(samples=array, sr=float(sr))

    @property
    def label(self) -> str:
        """The path, or a description of the array."""
        if self.path is not None:
            return str(self.path)
        return f"array{tuple(self.samples.shape)}@{self.sr:g}Hz"

    def samplerate(self) -> float:
        """The rate of the samples :meth:`blocks` yields, in Hz.

        A file is opened to read it and kept open for the next :meth:`blocks`, so a
        run opens each file once (the opened handle is closed by :meth:`blocks`, or
        when the source is discarded).
        """
        if self.path is None:
            return float(self.sr)
        f = self.__dict__.get("_opened")
        if f is None or f.closed:
            f = self._open()
            object.__setattr__(self, "_opened", f)     # (a frozen dataclass)
        return float(f.samplerate)

    def channels(self) -> int:
        """The channels of the samples :meth:`blocks` yields (a file is opened and kept
        open, as by :meth:`samplerate`)."""
        if self.path is None:
            return 1 if self.samples.ndim == 1 else int(self.samples.shape[0])
        self.samplerate()
        return int(self.__dict__["_opened"].channels)

    def n_samples(self) -> int | None:
        """The length in samples :meth:`blocks` will yield, if known ahead: an array's, a
        file's frame count as its header gives it (None when the header does not); an
        estimate for sizing outputs, not a promise."""
        if self.path is None:
            return int(self.samples.shape[-1])
        f = self.__dict__.get("_opened")
        frames = getattr(f, "frames", None) if f is not None and not f.closed else None
        return int(frames) if isinstance(frames, int) and 0 < frames < 1 << 62 else None

    def finite_samples(self) -> bool:
        """True when the samples cannot be NaN or infinite: a file of integer samples
        (``PCM_*``, ``ULAW``, ``ALAW``, ``ALAC_*`` subtypes, FLAC's included), which
        libsndfile decodes to values in [-1, 1).  An array, or a file of floating-point or
        lossy-coded samples: False (they are checked)."""
        if self.path is None:
            return False
        self.samplerate()                              # opens the file, kept open
        subtype = str(getattr(self.__dict__.get("_opened"), "subtype", ""))
        return subtype.startswith(("PCM_", "ALAC_")) or subtype in ("ULAW", "ALAW")

    def blocks(self, size: int, dtype: str = "float64",
               scale: float = 1.0) -> Iterator[np.ndarray]:
        """``(channels, n)`` blocks of at most ``size`` samples, in order.

        A file is read with libsndfile, ``size`` frames at a time, as ``dtype``
        (float64 or float32) in [-1, 1) for integer PCM (16-bit samples read as stored and
        scaled by 2^-15 here: libsndfile's own values, in a third of the time); a seekable
        file ends once its frame count is read (soundfile reads no further: the empty read
        is skipped).  ``scale`` (a file only): a gain applied to the samples read, with the
        values of multiplying them by ``dtype(scale)`` in ``dtype`` (the ``load`` op's
        product; a 16-bit sample ``i`` is converted once, ``i`` times ``scale * 2^-15``,
        which gives the same rounded value).  An array is cut into views (no copy, its own
        dtype).
        """
        if self.path is None:
            if scale != 1.0:
                raise ValueError("Source.blocks: a gain applies to a file's samples only")
            data = self.samples if self.samples.ndim == 2 else self.samples[None, :]
            for start in range(0, data.shape[-1], size):
                yield data[:, start:start + size]
            return
        f = self.__dict__.pop("_opened", None)
        with f if f is not None and not f.closed else self._open() as f:
            left = f.frames if f.seekable() else -1      # soundfile's own limit, if any
            # 16-bit samples: read as they are stored and scaled here (libsndfile's float
            # conversion took 3x as long as the read; the values are the same: i / 32768,
            # a power of two, exact in either type)
            pcm16 = f.subtype == "PCM_16"
            gain = np.dtype(dtype).type(scale)
            factor, rest = _pcm16_factor(gain) if pcm16 else (None, gain)
            while left:
                try:
                    block = f.read(size, dtype="int16" if pcm16 else dtype, always_2d=True)
                except (RuntimeError, OSError) as exc:
                    raise AudioError(f"cannot read audio file: {exc}") from None
                if not len(block):
                    return
                left = max(0, left - len(block)) if left > 0 else left
                if pcm16:
                    out = np.empty(block.shape[::-1], dtype)
                    if factor == 1:                # (a cast is faster than a product)
                        np.copyto(out, block.T)
                    else:
                        np.multiply(block.T, factor, out=out)
                    if rest != 1:
                        out *= rest
                    yield out
                else:
                    if rest != 1:
                        block *= rest
                    yield block.T

    def __getstate__(self) -> dict:
        """Pickled without an open file handle."""
        return {k: v for k, v in self.__dict__.items() if k != "_opened"}

    def _open(self):
        import soundfile

        path = self.path
        try:                               # (the checks below only when opening fails)
            f = soundfile.SoundFile(str(path))
        except (RuntimeError, OSError, TypeError, ValueError) as exc:  # LibsndfileError
            if path.is_dir():
                raise AudioError("is a folder, not an audio file") from None
            if not path.exists():
                raise AudioError("no such file") from None
            reason = str(exc).split(": ", 1)[-1] if str(path) in str(exc) else str(exc)
            raise AudioError(f"cannot read audio file: {reason}") from None
        if self.sr is not None and self.sr != f.samplerate:
            f.close()
            raise AudioError(f"the file is at {f.samplerate} Hz, not the {self.sr:g} Hz given")
        return f


def _pcm16_factor(gain: np.floating) -> tuple[np.floating, np.floating]:
    """``(factor, rest)``: a 16-bit sample ``i`` times ``factor``, then times ``rest`` unless
    it is 1, gives ``(i * 2^-15) * gain`` rounded once in ``gain``'s type.  ``factor`` is
    ``gain * 2^-15`` when that is exact (a normal number: a power of two scales without
    rounding), so one product does it; otherwise ``2^-15`` (exact) and ``rest = gain``."""
    unit = gain.dtype.type(2.0 ** -15)
    factor = gain * unit
    if factor >= np.finfo(gain.dtype).tiny and factor / unit == gain:
        return factor, gain.dtype.type(1.0)
    return unit, gain


# ------------------------------------------------------------------ how a plan reads a file
def _source_models(plan: Plan):
    """The parameter models of ``plan``'s source steps (those without inputs), in order."""
    return (plan.step(k).model for k in plan.order if not plan.step(k).inputs)


def read_dtype(plan: Plan, source: Source) -> str:
    """``"float32"`` when every source step of ``plan`` is a float32 ``load`` that keeps
    the file's samples as they are (no resampling, no mean of several channels), else
    ``"float64"``.  libsndfile's float32 decoding gives the values of a float64 read
    cast to float32 (integer PCM of up to 24 bits is exact in both; a wider value is
    rounded once either way), with half the memory traffic."""
    sr = None
    for m in _source_models(plan):
        if getattr(m, "op", None) != "load" or getattr(m, "dtype", None) != "float32":
            return "float64"
        sr = source.samplerate() if sr is None else sr
        if (m.sr is not None and float(m.sr) != sr) or (
                m.channels == "mean" and source.channels() > 1):
            return "float64"
    return "float32"


def read_scale(plan: Plan, source: Source, dtype: str) -> float:
    """The gain the reader applies for the ``load`` ops of ``plan`` (1: none).

    When every source step is a ``load`` with the same ``scale``, of type ``dtype`` (the
    read type), that keeps the file's samples as they are (no resampling, one channel or
    ``channels: all``), the source reads them already scaled (:meth:`Source.blocks`: one
    conversion of 16-bit samples instead of a conversion and a product), and the load
    ops pass them on without a copy (``Stream.prescaled``, :mod:`~featgraph.engine.scheduler`).  The values are the
    same: the load's product in ``dtype``.  Only for a file of integer PCM, whose samples
    are in [-1, 1) (the product cannot overflow)."""
    scale = None
    for m in _source_models(plan):
        if getattr(m, "op", None) != "load" or getattr(m, "dtype", None) != dtype or (
                scale is not None and m.scale != scale):
            return 1.0
        scale = float(m.scale)
        if (m.sr is not None and float(m.sr) != source.samplerate()) or (
                m.channels != "all" and source.channels() > 1):
            return 1.0
    return 1.0 if scale is None or not source.finite_samples() else scale

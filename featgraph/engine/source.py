"""What a run reads: an audio file or an in-memory array."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AudioError


@dataclass(frozen=True)
class Source:
    """An audio file path, or samples with their rate.

    ``samples`` is ``(samples,)`` or ``(channels, samples)``; ``sr`` in Hz.
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

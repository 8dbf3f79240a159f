"""The outputs of a run."""
from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .feature import Feature
from .report import Report


class Result(Mapping):
    """Output arrays by name, with their metadata and the run's report.

    ``result["plp"]`` is the numpy array ``(..., features, frames)``;
    ``result.features["plp"]`` the :class:`Feature` with its sample rate, hop and
    feature axis; ``result.report`` the per-node :class:`Report`.
    """

    def __init__(self, features: dict[str, Feature], report, source: str = ""):
        self.features = features
        self._report = report               # a Report, or a callable making it when asked
        self.source = source

    @property
    def report(self) -> Report:
        """The per-node :class:`Report` (made at the first access: a corpus run that
        never reads it does not build its rows)."""
        if callable(self._report):
            self._report = self._report()
        return self._report

    @report.setter
    def report(self, value) -> None:
        self._report = value

    def __getstate__(self) -> dict:
        """Pickled with its report made (a worker sends results to the client)."""
        return {**self.__dict__, "_report": self.report}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.features[name].data

    def __iter__(self):
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {v.data.shape}" for k, v in self.features.items())
        return f"<Result {self.source} {{{shapes}}}>"

    def metadata(self) -> dict:
        """JSON-able facts about every output: kind, shape, sr, hop, axis (an event list,
        kind ``events``, is a 1-D array of times in seconds: ``"units": "s"``)."""
        meta = {}
        for name, f in self.features.items():
            meta[name] = {"kind": f.kind.label, "shape": list(f.data.shape), "sr": f.sr,
                          "hop": f.hop, "win_length": f.win_length, "n_fft": f.n_fft,
                          "axis": None if f.axis is None else [float(a) for a in f.axis]}
            if f.is_events:
                meta[name]["units"] = "s"
        return meta

    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write every output to an ``.npz`` file, atomically.

        Arrays are stored under their output names (``/`` becomes ``.``), plus a
        ``__meta__`` JSON string (see :meth:`metadata`; ``extra`` adds keys to it);
        ``np.load`` reads it without pickling.  The file appears complete or not at all.
        """
        arrays = {name.replace("/", "."): _contiguous_either_way(f.data)
                  for name, f in self.features.items()}
        meta = {"source": self.source, "outputs": self.metadata(), **(extra or {})}
        return write_npz(path, arrays, meta)


def write_npz(path: str | Path, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """``arrays`` and ``meta`` (as the ``__meta__`` JSON string) into ``path``, through a
    temporary file in the same folder and :func:`os.replace`: complete or absent.  The
    same arrays and meta give the same bytes (the zip members carry a fixed date).

    The archive is a standard uncompressed ``.npz`` (``np.load`` reads it), written with
    one system call (:mod:`featgraph.engine.npz`).  The temporary file is
    ``.<name>.<pid>.<thread>.tmp`` beside ``path`` (any other free name if that one is
    taken), created with the permissions ``np.savez`` would give (``0o666`` less the
    umask).  The rename alone makes the file appear whole to any reader and after a
    killed process (Ctrl-C, ``kill``, a crash).  There is no ``fsync`` (milliseconds per
    file on some file systems): it would matter only for a power loss or an OS crash,
    after which the file system may hold the rename without the data (an empty file, as
    ext4 leaves it), which ``np.load`` refuses, so a resumed corpus run recomputes it.
    Replacing an existing output costs more than writing a new one on ext4 (its
    ``auto_da_alloc`` starts the new data's write-back at the rename); a first run
    writes new files.
    """
    from . import npz

    path = Path(path)
    arrays = {**arrays, "__meta__": np.array(json.dumps(meta))}
    fd, tmp = _temporary(path)
    try:
        try:
            npz.write_to(fd, arrays)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _temporary(path: Path) -> tuple[int, str]:
    """A new file beside ``path`` (its folder made when missing): ``(fd, name)``."""
    stem = os.path.join(path.parent, f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    for n in range(100):               # a taken name: left by a killed process of this pid
        tmp = f"{stem}.tmp" if n == 0 else f"{stem}.{n}.tmp"
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileNotFoundError:                  # the folder is new: make it, once
            path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)


def _contiguous_either_way(a: np.ndarray) -> np.ndarray:
    """``a`` itself when C- or Fortran-contiguous (``np.save`` writes both without a
    copy: a frame-major 2-D output is Fortran-ordered), else a C-contiguous copy."""
    return a if a.flags.c_contiguous or a.flags.f_contiguous else np.ascontiguousarray(a)

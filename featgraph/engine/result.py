"""The outputs of a run."""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
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

    def __init__(self, features: dict[str, Feature], report: Report, source: str = ""):
        self.features = features
        self.report = report
        self.source = source

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

    The rename alone makes the file appear whole to any reader and after a killed
    process (Ctrl-C, ``kill``, a crash).  There is no ``fsync`` (milliseconds per file
    on some file systems): it would matter only for a power loss or an OS crash, after
    which the file system may hold the rename without the data (an empty file, as ext4
    leaves it), which ``np.load`` refuses, so a resumed corpus run recomputes it.  Replacing an existing
    output costs more than writing a new one on ext4 (its ``auto_da_alloc`` starts the
    new data's write-back at the rename); a first run writes new files.
    """
    path = Path(path)
    arrays = {**arrays, "__meta__": np.array(json.dumps(meta))}
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except FileNotFoundError:                      # the folder is new: make it, once
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as archive:
            for name, array in arrays.items():   # a fixed member date: reproducible bytes
                member_info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                with archive.open(member_info, "w", force_zip64=True) as member:
                    _write_npy(member, array)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_npy(fh, array: np.ndarray) -> None:
    """``array`` in the ``.npy`` format, its bytes written straight from its memory.

    ``np.savez`` would stage up to 16 MiB of every array in a buffer; an hour of
    features is about that size, so this writes the C- or Fortran-ordered
    buffer in 1 MiB slices of a memoryview instead.
    """
    np.lib.format.write_array_header_2_0(fh, np.lib.format.header_data_from_array_1_0(array))
    flat = array.T if array.flags.f_contiguous and not array.flags.c_contiguous else array
    data = memoryview(flat.reshape(-1)).cast("B")
    for start in range(0, len(data), 1 << 20):
        fh.write(data[start:start + (1 << 20)])


def _contiguous_either_way(a: np.ndarray) -> np.ndarray:
    """``a`` itself when C- or Fortran-contiguous (``np.save`` writes both without a
    copy: a frame-major 2-D output is Fortran-ordered), else a C-contiguous copy."""
    return a if a.flags.c_contiguous or a.flags.f_contiguous else np.ascontiguousarray(a)

"""Where a corpus run writes: one ``.npz`` per input, or one store for all of them.

Per-input ``.npz`` files (:func:`featgraph.engine.result.write_npz`) are written
through a temporary file and :func:`os.replace`, so each is complete or absent; its
``__meta__`` records the run (``plan``: a key of the recipe's outputs and options)
and the input's identity (``input``: size in bytes and modification time in ns),
which is how a rerun knows it is up to date.

Single-file stores (HDF5, Kaldi ark/scp, Parquet) are not written by the per-file
tasks.  Each task writes its entry as an ``.npz`` *part* into ``<store>.parts/``
(atomic, as above); when every task has finished, the client *assembles* the store:

1. the entries of the current inputs, in sorted key order, each taken from its part
   or, when up to date, from the previous store;
2. written to temporary files beside the store, then moved over it with
   :func:`os.replace`;
3. then the manifest ``<store>.featgraph.json`` (the run's key and every entry's
   input identity) is written, and the parts folder removed.

"Atomic" therefore means: the store on disk is always the complete result of a
finished run (or absent), never half of one; the manifest is removed before the
store is replaced and written after, so a manifest on disk always describes the
store beside it (for ark/scp, which are two files, both).  "Resume" means: a
rerun skips every input whose part, or whose entry in a store with a valid
manifest, carries the same run key and input identity; a killed run loses at
most the files in flight.  The store is a function of its entries in key order,
so a run killed at any point and rerun writes the same bytes as an uninterrupted
run (HDF5 objects are created without timestamps).

The stores' libraries are optional extras, imported only here, when used.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

EXTRAS = {"h5py": "hdf5", "kaldiio": "kaldi", "pyarrow": "parquet",
          "distributed": "dask", "dask": "dask"}


def need(module: str):
    """Import an optional dependency, or fail naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS.get(module.split(".")[0], "corpus")
        raise ImportError(f"this output needs {module.split('.')[0]}: "
                          f"pip install 'featgraph[{extra}]'") from None


def read_npz(path: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and the ``__meta__`` dict of an ``.npz`` written by featgraph."""
    with np.load(path) as z:
        meta = json.loads(z["__meta__"].item()) if "__meta__" in z.files else {}
        return {k: z[k] for k in z.files if k != "__meta__"}, meta


def read_meta(path: str | Path) -> dict | None:
    """Only the ``__meta__`` of an ``.npz`` (None when absent or unreadable)."""
    try:
        with np.load(path) as z:
            return json.loads(z["__meta__"].item())
    except Exception:        # missing, partial (impossible after os.replace) or foreign
        return None


@contextmanager
def _temporary(path: Path):
    """A temporary path beside ``path``, moved over it on success, removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    """A single-file store: ``write`` entries, ``read`` the previous ones back.

    An entry is ``(key, arrays, meta)``: the arrays of one input by output name,
    and its ``__meta__``.  Subclasses define ``files``, ``_write`` and ``_read``.
    """

    kind = ""
    module = ""

    def __init__(self, spec: str):
        self.spec = spec
        self.path = Path(spec)

    @property
    def files(self) -> list[Path]:
        return [self.path]

    @property
    def parts(self) -> Path:
        """The folder of per-input parts of a run in progress."""
        return self.path.with_name(self.path.name + ".parts")

    @property
    def manifest(self) -> Path:
        return self.path.with_name(self.path.name + ".featgraph.json")

    def check(self, outputs: list[str]) -> str | None:
        """Why this store cannot hold these outputs (None when it can); raises
        ImportError naming the extra when its library is missing."""
        need(self.module)
        return None

    def previous(self) -> dict:
        """``{key: input identity}`` of the entries of the store on disk, with its run
        key under ``"__plan__"``; empty without a valid manifest."""
        try:
            manifest = json.loads(self.manifest.read_text())
        except (OSError, ValueError):
            return {}
        if not all(f.exists() for f in self.files):
            return {}
        return {"__plan__": manifest["plan"], **manifest["entries"]}

    def assemble(self, keys: list[str], plan: str, parts: dict[str, Path]) -> None:
        """Write the store of ``keys`` (sorted), from ``parts`` or the previous store."""
        old = self.previous()
        reader = None
        entries, stamps = [], {}
        for key in sorted(keys):
            if key in parts:
                arrays, meta = read_npz(parts[key])
            else:
                reader = reader or self._reader()
                arrays, meta = reader(key)
                meta = {**meta, "input": old[key]}
            stamps[key] = meta["input"]
            entries.append((key, arrays, meta))
        self.manifest.unlink(missing_ok=True)
        self._write(entries)
        with _temporary(self.manifest) as tmp:
            tmp.write_text(json.dumps({"plan": plan, "entries": stamps}, sort_keys=True))
        shutil.rmtree(self.parts, ignore_errors=True)

    def _reader(self):
        raise NotImplementedError

    def _write(self, entries) -> None:
        raise NotImplementedError


class Hdf5Store(Store):
    """One HDF5 file: a group per input (its key; ``/`` nests), a dataset per output
    (``/`` in an output name becomes ``.``), the run metadata as the group's ``meta``
    attribute (JSON: source path, kind, sr, hop, axis ... of every output)."""

    kind, module = "hdf5", "h5py"

    def _write(self, entries) -> None:
        h5py = need("h5py")
        with _temporary(self.path) as tmp, h5py.File(tmp, "w") as f:
            for key, arrays, meta in entries:
                group = _group(h5py, f, key)
                group.attrs["meta"] = json.dumps(meta, sort_keys=True)
                for name, array in arrays.items():
                    group.create_dataset(name, data=array, track_times=False)

    def _reader(self):
        h5py = need("h5py")
        f = h5py.File(self.path, "r")

        def read(key):
            group = f[key]
            return ({k: group[k][()] for k in group}, json.loads(group.attrs["meta"]))
        return read


def _group(h5py, f, key: str):
    """Create the group ``key`` and its parents, without modification times (so that
    equal contents give equal bytes)."""
    node = f
    for part in key.split("/"):
        if part not in node:
            gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
            gcpl.set_obj_track_times(False)
            h5py.h5g.create(node.id, part.encode(), gcpl=gcpl)
        node = node[part]
    return node


class ArkStore(Store):
    """Kaldi's binary ark with its scp index (kaldiio writes each matrix): one
    ``(frames, features)`` matrix per input, as Kaldi, Lhotse and k2 read them.  Keys
    are the inputs' keys with whitespace replaced by ``_``.  The recipe must have one
    output of at most two dimensions."""

    kind, module = "ark", "kaldiio"

    def __init__(self, spec: str):
        self.spec = spec
        fields = dict(part.split(":", 1) for part in spec.split(",") if ":" in part)
        if set(fields) != {"ark", "scp"}:
            raise ValueError(f"-o {spec}: Kaldi output is ark:FILE.ark,scp:FILE.scp")
        self.path, self.scp = Path(fields["ark"]), Path(fields["scp"])

    @property
    def files(self) -> list[Path]:
        return [self.path, self.scp]

    def check(self, outputs: list[str]) -> str | None:
        need(self.module)
        if len(outputs) != 1:
            return (f"an ark holds one matrix per input; the recipes have outputs "
                    f"{', '.join(outputs)}: run one recipe with one output")
        return None

    def _write(self, entries) -> None:
        kaldiio = need("kaldiio")
        with _temporary(self.path) as ark_tmp, _temporary(self.scp) as scp_tmp:
            with open(ark_tmp, "wb") as ark, open(scp_tmp, "w", encoding="utf-8") as scp:
                for key, arrays, _ in entries:
                    (array,) = arrays.values()
                    ark.write((key + " ").encode())
                    scp.write(f"{key} {self.path}:{ark.tell()}\n")
                    kaldiio.save_mat(ark, np.ascontiguousarray(array.T))

    def _reader(self):
        table = need("kaldiio").load_scp(str(self.scp))
        return lambda key: ({"data": np.ascontiguousarray(table[key].T)}, {})


class ParquetStore(Store):
    """A Parquet table (pyarrow), one row per input: ``key``, ``path``, then one float64
    column per statistic and coefficient (:func:`featgraph.engine.functionals.columns`);
    a column an input lacks (another channel count) is null in its row."""

    kind, module = "parquet", "pyarrow.parquet"

    def _write(self, entries) -> None:
        pa, pq = need("pyarrow"), need("pyarrow.parquet")
        names: dict[str, None] = {}
        rows = []
        for key, arrays, meta in entries:
            row = dict(zip(meta["columns"], arrays["values"].tolist()))
            names.update(dict.fromkeys(row))
            rows.append((key, meta.get("source", ""), row))
        table = {"key": pa.array([k for k, _, _ in rows], pa.string()),
                 "path": pa.array([p for _, p, _ in rows], pa.string())}
        for name in names:
            table[name] = pa.array([r.get(name) for _, _, r in rows], pa.float64())
        with _temporary(self.path) as tmp:
            pq.write_table(pa.table(table), tmp)

    def _reader(self):
        table = need("pyarrow.parquet").read_table(self.path).to_pylist()
        rows = {r.pop("key"): r for r in table}

        def read(key):
            row = dict(rows[key])
            source = row.pop("path")
            row = {k: v for k, v in row.items() if v is not None}
            return ({"values": np.array(list(row.values()), dtype=np.float64)},
                    {"source": source, "columns": list(row)})
        return read


def store_for(spec: str) -> Store | None:
    """The store an ``-o`` value names, or None for ``.npz`` files or a folder."""
    if spec.startswith(("ark:", "scp:")):
        return ArkStore(spec)
    suffix = Path(spec).suffix.lower()
    if suffix in (".h5", ".hdf5"):
        return Hdf5Store(spec)
    if suffix == ".parquet":
        return ParquetStore(spec)
    return None

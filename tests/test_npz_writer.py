"""The ``.npz`` writer of corpus runs (featgraph/engine/npz.py, result.write_npz): a standard
archive that numpy and the zip tools read, written atomically."""
import io
import json
import os
import threading
import zipfile

import numpy as np
import pytest

from featgraph.engine import npz
from featgraph.engine.corpus import batches
from featgraph.engine.inputs import Item
from featgraph.engine.result import write_npz


def _arrays():
    rng = np.random.default_rng(7)
    return {"mfcc39": np.asfortranarray(rng.standard_normal((39, 11))),  # frame-major
            "c": rng.standard_normal((2, 3, 5)).astype(np.float32),
            "events": np.array([0.5, 1.25]), "empty": np.zeros((0, 4)),
            "n": np.arange(7, dtype=np.int16), "scalar": np.array(2.5),
            "z": (rng.standard_normal(4) + 1j).astype(np.complex64), "bänder": np.ones(3)}


def _npy(array):
    fh = io.BytesIO()
    np.save(fh, array)
    return fh.getvalue()


def _check(path, arrays, meta):
    with np.load(path) as z:
        assert z.files == [*arrays, "__meta__"]
        for name, a in arrays.items():
            assert z[name].dtype == a.dtype and z[name].shape == a.shape
            np.testing.assert_array_equal(z[name], a)
        assert json.loads(z["__meta__"].item()) == meta
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None                       # every CRC-32 checks
        infos = archive.infolist()
        assert [i.compress_type for i in infos] == [zipfile.ZIP_STORED] * len(infos)
        for name, a in arrays.items():                          # each member: np.save's bytes
            assert archive.read(f"{name}.npy") == _npy(a)


def test_the_archive_loads_with_numpy_and_checks_with_zipfile(tmp_path):
    arrays, meta = _arrays(), {"run": "abc", "input": [1, 2]}
    path = write_npz(tmp_path / "new" / "x.npz", arrays, meta)     # the folder is made
    _check(path, arrays, meta)
    first = path.read_bytes()
    write_npz(path, arrays, meta)                                   # over the old file
    assert path.read_bytes() == first                               # reproducible bytes
    assert os.listdir(path.parent) == ["x.npz"]                     # no temporary left
    umask = os.umask(0o022)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask          # as np.savez makes it


def test_short_writes_and_the_zip64_fallback_give_the_same_arrays(tmp_path, monkeypatch):
    arrays, meta = _arrays(), {"k": 1}
    real = os.writev
    monkeypatch.setattr(os, "writev", lambda fd, bufs: real(fd, [bytes(bufs[0])[:7]]))
    _check(write_npz(tmp_path / "short.npz", arrays, meta), arrays, meta)
    monkeypatch.setattr(os, "writev", real)
    monkeypatch.setattr(npz, "_SMALL", 0)                           # every archive "large"
    path = write_npz(tmp_path / "zip64.npz", arrays, meta)
    _check(path, arrays, meta)
    with zipfile.ZipFile(path) as archive:
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist())


def test_a_taken_temporary_name_and_a_failed_write_leave_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "x.npz"
    stale = tmp_path / f".x.npz.{os.getpid()}.{threading.get_ident()}.tmp"
    stale.write_bytes(b"left by a killed process")
    arrays = {"a": np.arange(3.0)}
    _check(write_npz(target, arrays, {}), arrays, {})
    assert sorted(os.listdir(tmp_path)) == sorted([stale.name, "x.npz"])
    assert stale.read_bytes() == b"left by a killed process"

    def fail(fd, arrays):
        os.write(fd, b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(npz, "write_to", fail)
    with pytest.raises(OSError, match="disk full"):
        write_npz(tmp_path / "y.npz", arrays, {})
    with pytest.raises(OSError, match="disk full"):
        write_npz(target, {"a": np.zeros(9)}, {})                   # the old file stays
    assert sorted(os.listdir(tmp_path)) == sorted([stale.name, "x.npz"])
    _check(target, arrays, {})


def test_pool_batches_from_known_stamps_equal_batches_from_stat_calls(tmp_path):
    items = []
    for i, size in enumerate([30, 10, 50, 20, 40, 60, 5, 70, 15, 25]):
        path = tmp_path / f"f{i}.wav"
        path.write_bytes(b"x" * size)
        items.append(Item(str(path), f"f{i}"))
    stamps = {it.path: [os.stat(it.path).st_size, 0] for it in items}
    assert batches(items, 2, stamps=stamps) == batches(items, 2)

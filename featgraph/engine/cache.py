"""The content-keyed feature cache: node outputs stored on disk, keyed by content.

See docs/cache.md for the user's view.  This module holds the store; the
run that uses it (cutting the plan at cached nodes) is
:mod:`featgraph.engine.cached`.

Keys
----
Every plan step gets a *cache key* (:func:`featgraph.engine.cached.step_keys`),
hashed from its op and validated parameters (a fused step: those of every op
it fuses), the cache keys of its inputs (so, recursively, everything
upstream), a code stamp (featgraph's version, the kernels in use, and a hash
of the source of the op's module and of the shared helpers,
``featgraph/nodes/_*.py`` and ``featgraph/native/*.py``) and, for the source
step (``load``: its ``sr``, ``dtype`` and ``scale`` are parameters), the
identity of the input: the absolute path, size, modification and
status-change times of a file (``identity="stat"``, the default), or a hash
of its bytes (``identity="hash"``: the key survives moving or copying the
file, an array input can be cached).

Entries
-------
One file per step, ``<folder>/<key[:2]>/<key>.fgc``: a magic line, the raw
chunks of every port in frame-major order, then a JSON manifest (key,
metadata, chunk list, byte count and CRC-32 of the data) and a trailer (the
manifest's length and CRC-32, and an end magic).  An entry is written to a
temporary file in the same folder, fsynced, then renamed over the final name
(:func:`os.replace` is atomic), so a reader sees a complete entry or none;
the trailer, the byte count and the CRC are checked on every read, so
even a torn or truncated file is never taken as valid (it is a miss, and is
removed).  A killed writer leaves only its temporary file, which readers
never open and :meth:`Cache.evict` removes once its process is gone.

Size limit
----------
A read or write sets the entry's modification time to now; :meth:`Cache.evict`
(run after a process's first store in a folder, then after each ``max_bytes /
16`` it writes there) deletes the entries least recently used until the total is at most
``max_bytes``.  Deleting an entry another process is reading is safe on POSIX
(the reader keeps its open file).
"""
from __future__ import annotations

import json
import os
import re
import struct
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from .feature import Feature
from .kinds import Kind

MAGIC, END = b"FGCACHE1\n", b"FGCEND01"
TRAILER = "<QI"                 # manifest length, CRC-32 of the manifest; then END
SUFFIX = ".fgc"
DEFAULT_MAX_BYTES = 4 << 30
STORE_POLICIES = ("reduced", "outputs", "all")
IDENTITIES = ("stat", "hash")
REDUCED = Kind.BANDS | Kind.AUTOCORR | Kind.LPC | Kind.CEPSTRA | Kind.FEATURE
"""Kinds stored by the ``reduced`` policy: filterbank outputs and everything after."""
MAX_WIDTH = 256
"""The ``reduced`` policy skips an intermediate with more values per frame (per channel)."""
ENV_FOLDER, ENV_SIZE, ENV_PAUSE = ("FEATGRAPH_FEATURE_CACHE", "FEATGRAPH_FEATURE_CACHE_SIZE",
                                   "FEATGRAPH_CACHE_TEST_PAUSE")
_WRITTEN: dict[str, int] = {}
"""Bytes stored in each cache folder by this process since its last eviction."""
_TEMP_RE = re.compile(r"^\.(?P<key>[0-9a-f]+)\.(?P<host>[^.]*)\.(?P<pid>\d+)\..*\.tmp$")
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1000, "kib": 1 << 10, "m": 1 << 20, "mb": 10 ** 6,
          "mib": 1 << 20, "g": 1 << 30, "gb": 10 ** 9, "gib": 1 << 30, "t": 1 << 40,
          "tb": 10 ** 12, "tib": 1 << 40}


def parse_size(text: str | int) -> int:
    """``"500MB"``, ``"4GiB"``, ``"1g"`` or a number of bytes, as bytes."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(text))
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"cache size {text!r}: expected bytes or a number with a unit "
                         "(500MB, 4GiB)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def cache_root() -> Path:
    """``$FEATGRAPH_CACHE`` (unless ``off``) or ``~/.cache/featgraph``: the parent of the
    plan cache (``plans/``) and of the default feature cache (``features/``)."""
    where = os.environ.get("FEATGRAPH_CACHE", "")
    if where.lower() in ("off", "0", "none"):
        where = ""
    return Path(where or Path.home() / ".cache" / "featgraph")


class Cache:
    """An on-disk, content-keyed store of node outputs (see the module docs).

    Parameters
    ----------
    folder : str or Path, optional
        Where entries live; default ``features/`` next to the plan cache
        (``$FEATGRAPH_CACHE`` or ``~/.cache/featgraph``).
    max_bytes : int or str, optional
        Size limit, e.g. ``"2GB"``; default ``$FEATGRAPH_FEATURE_CACHE_SIZE`` or 4 GiB.
    identity : {"stat", "hash"}
        How an input file is identified: path, size and times, or a hash of
        its bytes (also makes array inputs cacheable).
    store : {"reduced", "outputs", "all"}
        Which node outputs are stored: ``outputs`` only the run's outputs;
        ``reduced`` (default) also every intermediate of a reduced kind
        (bands, autocorrelation, LPC, cepstra, features) of at most
        :data:`MAX_WIDTH` values per frame; ``all`` every node.
    fsync : bool
        Flush each entry to the disk before publishing it (default).  Every read
        validates the entry anyway, so ``False`` is safe too: a power cut may then
        lose recent entries (misses), never give a wrong one; it saves one disk
        flush per entry, which counts on slow disks over large corpora.
    """

    def __init__(self, folder: str | Path | None = None, max_bytes: int | str | None = None,
                 identity: str = "stat", store: str = "reduced", fsync: bool = True):
        if identity not in IDENTITIES:
            raise ValueError(f"cache identity must be one of {', '.join(IDENTITIES)}, "
                             f"got {identity!r}")
        if store not in STORE_POLICIES:
            raise ValueError(f"cache store must be one of {', '.join(STORE_POLICIES)}, "
                             f"got {store!r}")
        self.folder = Path(folder) if folder is not None else cache_root() / "features"
        if max_bytes is None:
            max_bytes = os.environ.get(ENV_SIZE) or DEFAULT_MAX_BYTES
        self.max_bytes = parse_size(max_bytes)
        self.identity, self.store, self.fsync = identity, store, fsync

    def __repr__(self) -> str:
        return (f"Cache({str(self.folder)!r}, max_bytes={self.max_bytes}, "
                f"identity={self.identity!r}, store={self.store!r})")

    # ------------------------------------------------------------------ entries
    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{SUFFIX}"

    def get(self, key: str) -> Feature | dict[str, Feature] | None:
        """The stored output of ``key`` (a Feature, or a dict of ports), or None.

        A damaged entry (wrong magic, trailer, size or CRC) is a miss and is
        deleted.  A hit marks the entry as recently used.
        """
        path = self.path(key)
        try:
            fh = open(path, "rb")
        except OSError:
            return None
        try:
            with fh:
                value = _read_entry(fh, key)
        except (OSError, ValueError, KeyError, TypeError, struct.error):
            _unlink(path)
            return None
        _touch(path)
        return value

    def writer(self, key: str, width_limit: bool = False) -> "EntryWriter":
        """A writer of ``key``'s entry: ``add`` chunks, then ``commit`` (or ``abort``)."""
        return EntryWriter(self, key, MAX_WIDTH if width_limit else None)

    def _stored(self, nbytes: int) -> None:
        folder = str(self.folder.resolve())
        since = _WRITTEN.get(folder)
        if since is None or since + nbytes > self.max_bytes // 16:
            _WRITTEN[folder] = 0
            self.evict()
        else:
            _WRITTEN[folder] = since + nbytes

    # ------------------------------------------------------------ maintenance
    def entries(self) -> list[tuple[int, int, Path]]:
        """``(mtime_ns, bytes, path)`` of every complete-named entry."""
        found = []
        for sub in _subfolders(self.folder):
            for e in _scan(sub):
                if e.name.endswith(SUFFIX):
                    try:
                        st = e.stat()
                    except OSError:
                        continue
                    found.append((st.st_mtime_ns, st.st_size, Path(e.path)))
        return found

    def temps(self) -> list[Path]:
        """Temporary files of writers (running, or killed)."""
        return [Path(e.path) for sub in _subfolders(self.folder) for e in _scan(sub)
                if _TEMP_RE.match(e.name)]

    def evict(self) -> int:
        """Delete least recently used entries down to ``max_bytes``, and the temporary
        files of dead writers; returns the bytes freed."""
        freed = 0
        for tmp in self.temps():
            if _dead_writer(tmp):
                freed += _unlink(tmp)
        entries = sorted(self.entries(), key=lambda e: (e[0], e[2].name))
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            total -= size
            freed += _unlink(path)
        return freed

    def info(self) -> dict:
        entries = self.entries()
        return {"folder": str(self.folder), "entries": len(entries),
                "bytes": sum(size for _, size, _ in entries), "max_bytes": self.max_bytes,
                "temporary": len(self.temps())}

    def clear(self) -> int:
        """Delete every entry and dead writer's temporary file; returns how many entries."""
        n = 0
        for _, _, path in self.entries():
            n += _unlink(path) > 0            # an entry is never empty (magic, trailer)
        for tmp in self.temps():
            if _dead_writer(tmp):
                _unlink(tmp)
        return n


def resolve(cache) -> Cache | None:
    """``cache=`` of a run as a :class:`Cache` or None.

    None: ``$FEATGRAPH_FEATURE_CACHE`` when set (a folder, or ``1``/``on`` for the
    default folder), else no cache; False: no cache; True: the default folder;
    a path: that folder; a :class:`Cache`: itself.
    """
    if cache is None:
        env = os.environ.get(ENV_FOLDER, "").strip()
        if not env or env.lower() in ("0", "off", "none", "false"):
            return None
        cache = True if env.lower() in ("1", "on", "true", "default") else env
    if cache is False:
        return None
    if isinstance(cache, Cache):
        return cache
    if cache is True:
        return Cache()
    if isinstance(cache, (str, os.PathLike)):
        return Cache(cache)
    raise TypeError(f"cache= takes a folder, a featgraph Cache, True, False or None; got "
                    f"{type(cache).__name__}")


# ------------------------------------------------------------------ writing
class EntryWriter:
    """Streams one entry's chunks into a temporary file; :meth:`commit` publishes it."""

    def __init__(self, cache: Cache, key: str, width_limit: int | None):
        self.cache, self.key, self.width_limit = cache, key, width_limit
        self.fh = self.tmp = None
        self.ports: dict[str, dict] = {}
        self.chunks: list[list] = []
        self.crc = 0
        self.nbytes = 0
        self.failed = False

    def add(self, out) -> None:
        """Append a chunk (a Feature, a dict of port -> Feature, or None)."""
        if out is None or self.failed:
            return
        try:
            for port, f in (out.items() if isinstance(out, dict) else [("", out)]):
                self._add(port, f)
        except (OSError, ValueError):
            self.abort()

    def _add(self, port: str, f: Feature) -> None:
        last = f.kind == Kind.SIGNAL or f.data.ndim < 2      # frames on the last axis
        meta = {"kind": f.kind.label, "sr": f.sr, "hop": f.hop, "win_length": f.win_length,
                "n_fft": f.n_fft, "dtype": f.data.dtype.str, "last": last,
                "shape": list(f.data.shape[:-1]),
                "axis": None if f.axis is None else [np.asarray(f.axis).dtype.str,
                                                     np.asarray(f.axis).tolist()],
                "names": None if f.names is None else list(f.names)}
        known = self.ports.setdefault(port, meta)
        if known["shape"] != meta["shape"] or known["dtype"] != meta["dtype"]:
            raise ValueError("chunks of different shapes")
        if self.width_limit and not last and f.data.shape[-2] > self.width_limit:
            raise ValueError("too wide for the reduced policy")
        data = np.ascontiguousarray(f.data if last else np.swapaxes(f.data, -1, -2))
        raw = memoryview(data.reshape(-1)).cast("B")
        if self.nbytes + len(raw) > self.cache.max_bytes:
            raise ValueError("larger than the cache")
        if self.fh is None:
            folder = self.cache.path(self.key).parent
            folder.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.key}.{_host()}.{os.getpid()}.",
                                            suffix=".tmp", dir=folder)
            self.fh = os.fdopen(fd, "wb")
            self.fh.write(MAGIC)
        self.fh.write(raw)
        self.crc = zlib.crc32(raw, self.crc)
        self.nbytes += len(raw)
        self.chunks.append([port, int(f.n_frames)])
        pause = os.environ.get(ENV_PAUSE)
        if pause and len(self.chunks) == 1:      # tests only: be killed mid-entry
            self.fh.flush()
            time.sleep(float(pause))

    def commit(self) -> bool:
        """Finish the entry and rename it into place; False if it was not stored."""
        if self.failed or self.fh is None:
            self.abort()
            return False
        manifest = json.dumps({"key": self.key, "ports": self.ports, "chunks": self.chunks,
                               "bytes": self.nbytes, "crc32": self.crc})
        body = manifest.encode()
        try:
            self.fh.write(body)
            self.fh.write(struct.pack(TRAILER, len(body), zlib.crc32(body)) + END)
            self.fh.flush()
            if self.cache.fsync:
                os.fsync(self.fh.fileno())
            self.fh.close()
            final = self.cache.path(self.key)
            os.replace(self.tmp, final)
            _touch(final)
        except OSError:
            self.abort()
            return False
        self.cache._stored(self.nbytes)
        return True

    def abort(self) -> None:
        self.failed = True
        if self.fh is not None:
            self.fh.close()
            _unlink(Path(self.tmp))
            self.fh = None


# ------------------------------------------------------------------ reading
def _read_entry(fh, key: str):
    if fh.read(len(MAGIC)) != MAGIC:
        raise ValueError("not an entry")
    size, tail = os.fstat(fh.fileno()).st_size, struct.calcsize(TRAILER) + len(END)
    fh.seek(size - tail)
    (n_body, body_crc), end = struct.unpack(TRAILER, fh.read(tail - len(END))), fh.read()
    if end != END:
        raise ValueError("no trailer")
    fh.seek(size - tail - n_body)
    body = fh.read(n_body)
    if zlib.crc32(body) != body_crc:
        raise ValueError("manifest CRC mismatch")
    manifest = json.loads(body)
    if manifest["key"] != key or len(MAGIC) + manifest["bytes"] + n_body + tail != size:
        raise ValueError("wrong key or size")
    fh.seek(len(MAGIC))
    ports = manifest["ports"]
    totals = {p: 0 for p in ports}
    for port, n in manifest["chunks"]:
        totals[port] += n
    arrays, at = {}, {p: 0 for p in ports}
    for port, meta in ports.items():
        lead = tuple(meta["shape"])
        shape = lead + (totals[port],) if meta["last"] else lead[:-1] + (totals[port], lead[-1])
        arrays[port] = np.empty(shape, dtype=np.dtype(meta["dtype"]))
    crc = 0
    for port, n in manifest["chunks"]:
        out, i = arrays[port], at[port]
        view = out[..., i:i + n] if ports[port]["last"] else out[..., i:i + n, :]
        raw = fh.read(view.nbytes)
        if len(raw) != view.nbytes:
            raise ValueError("short entry")
        crc = zlib.crc32(raw, crc)
        view[...] = np.frombuffer(raw, dtype=out.dtype).reshape(view.shape)
        at[port] += n
    if crc != manifest["crc32"]:
        raise ValueError("CRC mismatch")
    feats = {port: _feature(arrays[port], meta) for port, meta in ports.items()}
    return feats[""] if list(feats) == [""] else feats


def _feature(data: np.ndarray, meta: dict) -> Feature:
    from .plan import _kind

    axis = meta["axis"]
    return Feature(data if meta["last"] else np.swapaxes(data, -1, -2), _kind(meta["kind"]),
                   meta["sr"], meta["hop"], meta["win_length"], meta["n_fft"],
                   None if axis is None else np.asarray(axis[1], dtype=np.dtype(axis[0])),
                   None if meta.get("names") is None else tuple(meta["names"]))


# ------------------------------------------------------------------ helpers
def _subfolders(folder: Path) -> list[str]:
    return [e.path for e in _scan(folder) if len(e.name) == 2 and e.is_dir()]


def _scan(folder) -> list:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def _touch(path: Path) -> None:
    """Mark ``path`` as used now (its modification time: access times are unreliable)."""
    try:
        now = time.time_ns()
        os.utime(path, ns=(now, now))
    except OSError:
        pass


def _unlink(path: Path) -> int:
    try:
        size = path.stat().st_size
        path.unlink()
        return size
    except OSError:
        return 0


def _host() -> str:
    """This machine's name, as it appears in temporary file names (no dots)."""
    if hasattr(os, "uname"):
        name = os.uname().nodename
    else:                                      # pragma: no cover - not POSIX
        import platform
        name = platform.node()
    return re.sub(r"[^A-Za-z0-9-]", "-", name)[:32]


def _dead_writer(tmp: Path, max_age: float = 86400.0) -> bool:
    """A temporary file whose writer is gone: same host and no such process, or old."""
    m = _TEMP_RE.match(tmp.name)
    try:
        age = time.time() - tmp.stat().st_mtime
    except OSError:
        return False
    if m and m.group("host") == _host() and os.name == "posix":   # signal 0: only a probe
        try:
            os.kill(int(m.group("pid")), 0)
        except ProcessLookupError:
            return True
        except OSError:
            pass
    return age > max_age

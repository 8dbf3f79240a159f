"""A standard ``.npz`` written in one system call: an uncompressed zip built by hand.

``np.savez`` goes through :mod:`zipfile`: a Python object, a header write, a seek back
and a header rewrite per member (it learns each member's size and CRC after writing
it).  For the small files of a corpus run (a short utterance's features are a few
kilobytes) that bookkeeping costs as much as the data.  Here the sizes and CRC-32 of
every member are known before anything is written, so the whole archive (local
headers, ``.npy`` members, central directory) is laid out in memory as a list of
buffers, the arrays' own memory included without a copy, and handed to the kernel with
one ``writev``.

The result is an ordinary stored (uncompressed) zip, as ``np.savez`` writes it:
``np.load``, :mod:`zipfile`, ``unzip`` read it.  Members carry a fixed date (1980-01-01),
so equal arrays give equal bytes.  Archives of 2 GiB and more, which need the zip64
extensions, are written through :mod:`zipfile` instead (:func:`_write_zip64`).

Reference: the ZIP File Format Specification (PKWARE APPNOTE.TXT 6.3.x), sections
4.3.7 (local file header), 4.3.12 (central directory header) and 4.3.16 (end of
central directory record); the ``.npy`` format is numpy's (NEP 1, ``numpy.lib.format``).
"""
from __future__ import annotations

import io
import os
import struct
import zlib

import numpy as np

_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1       # 00:00:00, 1980-01-01
_VERSION = 20                                            # 2.0: stored members, folders
_MADE_BY = (3 << 8) | _VERSION                           # by a Unix system
_MODE = 0o644 << 16                                      # the external attributes
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_SMALL = (1 << 31) - 1            # below this total size no field needs zip64
_IOV_MAX = 512                    # buffers per writev call (POSIX guarantees 16, Linux 1024)


def npy_header(array: np.ndarray) -> bytes:
    """The ``.npy`` header of ``array`` (format 1.0, or 2.0 when the header is too long
    for 1.0), as ``np.save`` writes it."""
    fh = io.BytesIO()
    header = np.lib.format.header_data_from_array_1_0(array)
    try:
        np.lib.format.write_array_header_1_0(fh, header)
    except ValueError:                     # more than 65535 bytes of header: 2.0
        fh = io.BytesIO()
        np.lib.format.write_array_header_2_0(fh, header)
    return fh.getvalue()


def array_bytes(array: np.ndarray) -> memoryview:
    """The bytes of a C- or Fortran-contiguous ``array`` in the order ``.npy`` stores
    them (the header says which), as a view of its memory."""
    flat = array.T if array.flags.f_contiguous and not array.flags.c_contiguous else array
    if not flat.flags.c_contiguous:
        raise ValueError("the array must be C- or Fortran-contiguous")
    return memoryview(flat.reshape(-1)).cast("B")


def layout(arrays: dict[str, np.ndarray]) -> list:
    """The buffers of the zip archive holding ``<name>.npy`` for each of ``arrays``, in
    order; their total length is below 2 GiB (the caller checks)."""
    buffers, central, offset = [], [], 0
    for name, array in arrays.items():
        member = f"{name}.npy"
        try:
            encoded, flags = member.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = member.encode("utf-8"), 0x800   # bit 11: the name is UTF-8
        header, data = npy_header(array), array_bytes(array)
        size = len(header) + len(data)
        crc = zlib.crc32(data, zlib.crc32(header))
        local = _LOCAL.pack(0x04034B50, _VERSION, flags, 0, _DOS_TIME, _DOS_DATE, crc, size,
                            size, len(encoded), 0) + encoded
        central.append(_CENTRAL.pack(0x02014B50, _MADE_BY, _VERSION, flags, 0, _DOS_TIME,
                                     _DOS_DATE, crc, size, size, len(encoded), 0, 0, 0, 0,
                                     _MODE, offset) + encoded)
        buffers += [local, header, data]
        offset += len(local) + size
    directory = b"".join(central)
    end = _END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)
    return buffers + [directory + end]


def write_to(fd: int, arrays: dict[str, np.ndarray]) -> None:
    """Write the ``.npz`` of ``arrays`` to the open file descriptor ``fd`` (at its
    current position, which must be 0 for a valid archive)."""
    total = sum(a.nbytes for a in arrays.values())
    if total >= _SMALL - (1 << 20) or len(arrays) >= 0xFFFF:
        with os.fdopen(os.dup(fd), "wb") as fh:
            _write_zip64(fh, arrays)
        return
    _write_all(fd, layout(arrays))


def _write_all(fd: int, buffers: list) -> None:
    """``os.writev`` until every byte of ``buffers`` is written (a write may be short)."""
    views = [memoryview(b).cast("B") for b in buffers if len(b)]
    while views:
        done = os.writev(fd, views[:_IOV_MAX])
        while views and done >= len(views[0]):
            done -= len(views[0])
            views.pop(0)
        if done:
            views[0] = views[0][done:]


def _write_zip64(fh, arrays: dict[str, np.ndarray]) -> None:
    """The same archive through :mod:`zipfile`, with the zip64 extensions (members and
    offsets beyond 4 GiB), each array written in 1 MiB slices of its memory."""
    import zipfile

    with zipfile.ZipFile(fh, "w") as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = _MODE
            with archive.open(info, "w", force_zip64=True) as member:
                member.write(npy_header(array))
                data = array_bytes(array)
                for start in range(0, len(data), 1 << 20):
                    member.write(data[start:start + (1 << 20)])

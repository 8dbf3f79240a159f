"""cffi build script for ``featgraph.native._kernels`` (out-of-line API mode).

The C interface is declared once, in ``featgraph.h``.  That header is
``#include``-d by the C sources and by the generated module, and it is also
the text handed to ``ffi.cdef``: cffi's parser does not understand most
preprocessor lines, so they are dropped here, except integer constants of
the form ``#define NAME 123`` (which cffi turns into module attributes such
as ``lib.FG_EINVAL``).

Used by ``setup.py`` (``cffi_modules=["featgraph/native/build.py:ffibuilder"]``),
which runs from the repository root; paths below are therefore relative to
the root.  Build with ``pip install -e .`` (in place, for development) or
``pip install .``.
"""

import os
import re

from cffi import FFI

_HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(_HERE, "featgraph.h")

# setuptools wants source paths relative to the project root (where setup.py
# lives); builds run from there.
_SRC_DIR = "featgraph/native"
SOURCES = [_SRC_DIR + "/lpc.c", _SRC_DIR + "/recursive.c", _SRC_DIR + "/pncc.c",
           _SRC_DIR + "/amdf.c", _SRC_DIR + "/agc.c", _SRC_DIR + "/moments.c"]

_INT_DEFINE = re.compile(r"^\s*#\s*define\s+[A-Za-z_]\w*\s+-?\d+\s*(/\*.*\*/)?\s*$")


def cdef_from_header(text):
    """Return the part of a C header that ``ffi.cdef`` can parse.

    Drops every preprocessor line (include guards, ``#include``, bare
    ``#define`` guards) but keeps ``#define NAME <integer>`` lines.
    """
    kept = []
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not _INT_DEFINE.match(line):
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


ffibuilder = FFI()
with open(HEADER, encoding="utf-8") as fh:
    ffibuilder.cdef(cdef_from_header(fh.read()))

ffibuilder.set_source(
    "featgraph.native._kernels",
    '#include "featgraph.h"',
    sources=SOURCES,
    include_dirs=[_SRC_DIR],
    extra_compile_args=["-O3", "-std=c99"],
)


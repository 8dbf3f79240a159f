"""cffi build script for ``featgraph.native._kernels`` (out-of-line API mode).

The C interface is declared once, in ``featgraph.h``.  That header is
``#include``-d by the C sources and by the generated module, and it is also
the text handed to ``ffi.cdef``: cffi's parser does not understand most
preprocessor lines, so they are dropped here, except integer constants of
the form ``#define NAME 123`` (which cffi turns into module attributes such
as ``lib.FG_EINVAL``).

Every ``*.c`` file in this folder is compiled (new kernel families need no
change here).  Used by ``setup.py`` (``cffi_modules=["featgraph/native/build.py:ffibuilder"]``),
which runs from the repository root; paths below are therefore relative to
the root.  Build with ``pip install -e .`` (in place, for development) or
``pip install .``.
"""

import glob
import os
import re
import sys

from cffi import FFI

_HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(_HERE, "featgraph.h")
MODULE = "featgraph.native._kernels"

# setuptools wants source paths relative to the project root (where setup.py
# lives); builds run from there.
_SRC_DIR = "featgraph/native"

_INT_DEFINE = re.compile(r"^\s*#\s*define\s+[A-Za-z_]\w*\s+-?\d+\s*(/\*.*\*/)?\s*$")


def source_names():
    """File names of the kernel sources: every ``*.c`` here but generated ``_*.c``."""
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(_HERE, "*.c"))
                  if not os.path.basename(p).startswith("_"))


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


def default_compile_args():
    """Optimisation and strict ISO C (no contraction of a*b + c with GCC); math functions
    need not set errno (featgraph never reads it), so that sqrt loops are vectorised."""
    if sys.platform == "win32":
        return ["/O2"]
    return ["-O3", "-std=c99", "-fno-math-errno"]


def make_builder(src_dir=_SRC_DIR, compile_args=None, link_args=()):
    """An FFI builder for the kernels; ``src_dir`` may be absolute (tools/sanitize.py)."""
    builder = FFI()
    with open(HEADER, encoding="utf-8") as fh:
        builder.cdef(cdef_from_header(fh.read()))
    builder.set_source(
        MODULE,
        '#include "featgraph.h"',
        sources=[src_dir + "/" + name for name in source_names()],
        include_dirs=[src_dir],
        extra_compile_args=default_compile_args() if compile_args is None else list(compile_args),
        extra_link_args=list(link_args),
    )
    return builder


ffibuilder = make_builder()

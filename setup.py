"""Build script: the optional cffi module ``featgraph.native._kernels``.

Everything else is declared in pyproject.toml.  The C kernels are optional:
when no working C compiler is found (or compiling fails), the build prints
a warning and goes on, and featgraph runs the numpy reference kernels
instead (``featgraph --version`` tells which).  Set
``FEATGRAPH_REQUIRE_NATIVE=1`` to make a failed compilation an error (the
wheel builds do, so that no published wheel lacks its kernels).

The module is built against the stable ABI (cffi's default,
``py_limited_api``), and wheels are tagged ``cp310-abi3``: one wheel per
platform serves CPython 3.10 and later.
"""
import os
import sys

from setuptools import errors, setup
from setuptools.command.build_ext import build_ext

BUILD_ERRORS = (errors.CCompilerError, errors.CompileError, errors.LinkError,
                errors.ExecError, errors.PlatformError)


def _required():
    return os.environ.get("FEATGRAPH_REQUIRE_NATIVE", "").strip() not in ("", "0")


class optional_build_ext(build_ext):
    """``build_ext`` that skips, with a warning, an extension it cannot compile."""

    def run(self):
        required = _required()
        for ext in self.extensions:
            ext.optional = not required     # also lets --inplace skip the copy
        try:
            super().run()
        except BUILD_ERRORS as exc:         # e.g. no compiler found at all
            self._skip(exc)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except BUILD_ERRORS as exc:
            self._skip(exc, ext.name)

    def _skip(self, exc, name="the C extensions"):
        if _required():
            raise exc
        print(f"WARNING: featgraph: could not build {name} ({exc}); installing without "
              "the C kernels, which then run as numpy code (slower). Install a C compiler "
              "and reinstall to build them.", file=sys.stderr)


setup(
    cffi_modules=["featgraph/native/build.py:ffibuilder"],
    cmdclass={"build_ext": optional_build_ext},
    options={"bdist_wheel": {"py_limited_api": "cp310"}},
)

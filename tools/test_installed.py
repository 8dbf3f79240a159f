"""Run the test suite against the installed featgraph (a wheel), not a checkout.

Usage::

    python tools/test_installed.py [PROJECT_DIR] [--kernels c|numpy] [pytest args...]

Run it with the Python of the environment the wheel is installed in.  It
copies ``tests/`` (and ``docs/``, which one test compares with the op
reference) from PROJECT_DIR (default: this checkout) into a temporary
folder and runs pytest there, with ``--rootdir`` on that folder and no cache,
so ``import featgraph`` can only find the installed package; it fails if the
package is imported from PROJECT_DIR, or if ``--kernels`` is given and a
different backend runs.  The doctests inside the package are not run (they
belong to the source tree).  The environment's scripts folder goes first on
PATH so that the ``featgraph`` command tested is the installed one.  Used by
.ci/run and by cibuildwheel's test command (pyproject.toml).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", nargs="?", type=Path,
                        default=Path(__file__).resolve().parents[1])
    parser.add_argument("--kernels", choices=["c", "numpy"])
    args, pytest_args = parser.parse_known_args(argv)
    project = args.project.resolve()

    with tempfile.TemporaryDirectory(prefix="featgraph-installed-") as tmp:
        tmp = Path(tmp)
        ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
        for name in ("tests", "docs"):
            if (project / name).is_dir():
                shutil.copytree(project / name, tmp / name, ignore=ignore)
        (tmp / "pytest.ini").write_text("[pytest]\n")
        env = dict(os.environ)
        for name in ("PYTHONPATH", "FEATGRAPH_NATIVE"):
            env.pop(name, None)
        env["PATH"] = sysconfig.get_path("scripts") + os.pathsep + env.get("PATH", "")

        probe = subprocess.run(
            [sys.executable, "-c", "import featgraph, featgraph.native as n; "
             "print(featgraph.__file__); print(n.BACKEND)"],
            cwd=tmp, env=env, capture_output=True, text=True)
        if probe.returncode != 0:
            print(probe.stderr, file=sys.stderr)
            return 1
        location, backend = probe.stdout.split("\n")[:2]
        print(f"test_installed: featgraph from {Path(location).parent}, kernels: {backend}")
        if Path(location).resolve().is_relative_to(project):
            print(f"test_installed: that is the checkout {project}, not an installed package",
                  file=sys.stderr)
            return 1
        if args.kernels and backend != args.kernels:
            print(f"test_installed: expected the {args.kernels} kernels", file=sys.stderr)
            return 1
        return subprocess.call(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(tmp),
             *pytest_args, "tests"], cwd=tmp, env=env)


if __name__ == "__main__":
    sys.exit(main())

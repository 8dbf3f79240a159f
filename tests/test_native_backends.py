"""Tests for how featgraph.native picks its backend (C, or the numpy references when
FEATGRAPH_NATIVE=0 or the C module was not built), what ``featgraph --version`` says
about it, and every C kernel on buffers of exactly the documented sizes (the cases
tools/sanitize.py relies on under AddressSanitizer)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import featgraph.native as native
from featgraph.native import reference
from test_native import HAVE_C, REPO_ROOT, needs_c, random_autocorr, toeplitz_solution


# ---------------------------------------------------------------------------
# Backend selection at import time
# ---------------------------------------------------------------------------

def _run_python(code, **env_changes):
    env = dict(os.environ)
    env.pop("FEATGRAPH_NATIVE", None)
    env.update(env_changes)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_env_var_selects_numpy_backend():
    code = (
        "import sys, numpy as np, featgraph.native as n\n"
        "assert '_kernels' not in ' '.join(sys.modules), 'C module imported'\n"
        "a, e = n.levinson(np.array([2.0, 1.0, 0.25]), 2)\n"
        "print(n.BACKEND, a.round(12).tolist(), round(float(e), 12))\n"
    )
    proc = _run_python(code, FEATGRAPH_NATIVE="0")
    assert proc.returncode == 0, proc.stderr
    expected_a, expected_err = toeplitz_solution(np.array([2.0, 1.0, 0.25]), 2)
    assert proc.stdout.strip() == (
        f"numpy {np.round(expected_a, 12).tolist()} {round(float(expected_err), 12)}"
    )


def test_missing_extension_falls_back_to_numpy_with_one_warning():
    code = (
        "import sys, warnings, numpy as np\n"
        "sys.modules['featgraph.native._kernels'] = None  # simulate a build without a compiler\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import featgraph.native as n\n"
        "    import featgraph.native\n"
        "print(n.BACKEND, '|', n.backend_description(), '|', len(caught))\n"
        "print(caught[0].category.__name__, caught[0].message)\n"
        "print(n.one_pole(np.ones((3, 1)), 0.5)[:, 0].tolist())\n"
    )
    proc = _run_python(code)
    assert proc.returncode == 0, proc.stderr
    first, warning, result = proc.stdout.strip().splitlines()
    assert first == "numpy | numpy, the C kernels were not built | 1"
    assert warning.startswith("RuntimeWarning featgraph.native: the C kernels are not available")
    assert "C compiler" in warning and "FEATGRAPH_NATIVE=0" in warning
    assert result == "[1.0, 1.5, 1.75]"
    quiet = _run_python("import warnings; warnings.simplefilter('error')\n"
                        "import featgraph.native as n; print(n.backend_description())",
                        FEATGRAPH_NATIVE="0")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.strip() == "numpy, FEATGRAPH_NATIVE=0"


@needs_c
def test_default_backend_is_c():
    assert native.BACKEND == "c"


def test_cli_version_names_the_kernels(capsys, monkeypatch):
    import importlib.metadata
    import re

    from featgraph.cli import main

    pyproject = REPO_ROOT / "pyproject.toml"     # absent when testing an installed wheel
    version = (re.search(r'^version = "(.+)"', pyproject.read_text(), re.M).group(1)
               if pyproject.is_file() else importlib.metadata.version("featgraph"))
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    kernels = "c" if HAVE_C else "numpy, FEATGRAPH_NATIVE=0"
    assert capsys.readouterr().out == f"featgraph {version} (kernels: {kernels})\n"
    monkeypatch.setattr(native, "BACKEND", "numpy")
    monkeypatch.setattr(native, "BACKEND_REASON", "the C kernels were not built")
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.endswith("(kernels: numpy, the C kernels were not built)\n")


@needs_c
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_c_kernels_edge_cases_on_exact_buffers(dtype):
    """Every kernel on buffers of exactly the documented sizes (tools/sanitize.py runs this
    under AddressSanitizer, so one element read or written too many is reported)."""
    ffi, lib = native._ffi, native._lib
    ctype, suffix = ("double", "f64") if dtype == np.float64 else ("float", "f32")
    levinson = getattr(lib, f"fg_levinson_{suffix}")
    cepstrum = getattr(lib, f"fg_lpc_to_cepstrum_{suffix}")
    one_pole = getattr(lib, f"fg_one_pole_{suffix}")

    def buf(x):
        return ffi.from_buffer(f"{ctype}[]", x)

    # Levinson: one frame, rows wider than order + 1 (a stride), order = lags - 1 (the
    # largest), order >= the row length (rejected), zero frames with no buffers.
    r = np.ascontiguousarray(random_autocorr((3,), 7, seed=21).astype(dtype))
    for n_frames, stride, order in [(1, 7, 6), (3, 7, 2), (3, 7, 6), (1, 7, 1)]:
        a, err = np.empty((n_frames, order + 1), dtype), np.empty(n_frames, dtype)
        assert levinson(buf(r), n_frames, stride, order, buf(a), buf(err)) == lib.FG_OK
        want_a, want_err = reference.levinson(r[:n_frames, : order + 1], order)
        np.testing.assert_allclose(a, want_a, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(err, want_err, rtol=1e-5)
    a, err = np.empty((3, 8), dtype), np.empty(3, dtype)
    assert levinson(buf(r), 3, 7, 7, buf(a), buf(err)) == lib.FG_EINVAL
    assert levinson(ffi.NULL, 0, 7, 3, ffi.NULL, ffi.NULL) == lib.FG_OK
    r[2, 6] = np.nan                                   # only the last row's last lag
    assert levinson(buf(r), 3, 7, 6, buf(a), buf(err)) == lib.FG_ENONFINITE
    assert levinson(buf(r), 3, 7, 5, buf(a), buf(err)) == lib.FG_OK      # lag 6 not read

    # Cepstrum: one coefficient, more coefficients than order + 1, one frame, zero frames.
    lpc = np.ascontiguousarray(reference.levinson(r[:2, :4], 3)[0])
    for n_frames, n_ceps in [(1, 1), (2, 1), (1, 12), (2, 4)]:
        c = np.empty((n_frames, n_ceps), dtype)
        assert cepstrum(buf(lpc), n_frames, 3, n_ceps, buf(c)) == lib.FG_OK
        np.testing.assert_allclose(c, reference.lpc_to_cepstrum(lpc[:n_frames], n_ceps),
                                   rtol=1e-5, atol=1e-6)
    assert cepstrum(ffi.NULL, 0, 3, 4, ffi.NULL) == lib.FG_OK
    lpc[1, 3] = np.nan
    assert cepstrum(buf(lpc), 2, 3, 4, buf(np.empty((2, 4), dtype))) == lib.FG_ENONFINITE

    # One-pole: one frame, one band, zero frames with a state, NaN in the last value.
    rng = np.random.default_rng(22)
    for n_batch, n_frames, n_bands in [(1, 1, 1), (2, 1, 3), (1, 5, 1), (3, 4, 2), (2, 0, 3)]:
        u = rng.standard_normal((n_batch, n_frames, n_bands)).astype(dtype)
        y = np.empty_like(u)
        state = rng.standard_normal((n_batch, n_bands))
        want_state = state.copy()
        want = reference.one_pole(u, 0.7, want_state)
        assert one_pole(buf(u), n_batch, n_frames, n_bands, 0.7,
                        ffi.from_buffer("double[]", state), buf(y)) == lib.FG_OK
        np.testing.assert_array_equal(y, want)
        np.testing.assert_array_equal(state, want_state)
        assert one_pole(buf(u), n_batch, n_frames, n_bands, 0.7, ffi.NULL, buf(y)) == lib.FG_OK
        np.testing.assert_array_equal(y, reference.one_pole(u, 0.7))
    u = np.ones((2, 3, 2), dtype)
    u[-1, -1, -1] = np.nan
    assert one_pole(buf(u), 2, 3, 2, 0.7, ffi.NULL, buf(np.empty_like(u))) == lib.FG_ENONFINITE

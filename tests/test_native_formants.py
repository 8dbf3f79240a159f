"""Tests for the polynomial-root kernel (featgraph.native.formants.poly_roots, formants.c):
against numpy's companion-matrix roots (an independent method), the numpy reference
(to rounding), closed-form resonators, edge cases and the C interface directly."""

import numpy as np
import pytest

import featgraph.native as native
from featgraph.native import formants, reference_formants
from test_native import backend, needs_c  # noqa: F401  (backend is a fixture)


def match_roots(got, want):
    """Largest distance from each wanted root to the nearest root found (greedy pairing)."""
    got = list(got)
    worst = 0.0
    for w in want:
        d = [abs(g - w) for g in got]
        k = int(np.argmin(d))
        worst = max(worst, d[k])
        got.pop(k)
    return worst


def lpc_like(n, order, seed):
    """Stable polynomials: products of resonators with random frequencies and radii."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        a = np.array([1.0])
        for _ in range(order // 2):
            r, th = rng.uniform(0.5, 0.995), rng.uniform(0.05, 3.0)
            a = np.convolve(a, [1.0, -2 * r * np.cos(th), r * r])
        if order % 2:
            a = np.convolve(a, [1.0, -rng.uniform(-0.9, 0.9)])
        rows.append(a[1:])
    return np.array(rows)


@pytest.mark.parametrize("order", [2, 5, 11, 18])
def test_poly_roots_match_numpy_roots(backend, order):
    c = np.r_[lpc_like(40, order, order), np.random.default_rng(order).standard_normal((40, order))]
    got = formants.poly_roots(c)
    assert got.shape == c.shape
    for row, z in zip(c, got):
        want = np.roots(np.r_[1.0, row])
        assert match_roots(z, want) < 1e-9 * max(1.0, np.abs(want).max())


@needs_c
def test_c_equals_the_reference():
    c = np.r_[lpc_like(100, 11, 7), np.random.default_rng(3).standard_normal((50, 11)) * 0.3]
    native_roots = formants.poly_roots(c)
    np.testing.assert_allclose(native_roots, reference_formants.poly_roots(c), rtol=1e-12,
                               atol=1e-13)


def test_closed_form_resonators(backend):
    sr, poles = 10000.0, [(500.0, 60.0), (1500.0, 100.0), (3200.0, 200.0)]
    a = np.array([1.0])
    want = []
    for f, b in poles:
        r = np.exp(-np.pi * b / sr)
        a = np.convolve(a, [1.0, -2 * r * np.cos(2 * np.pi * f / sr), r * r])
        want += [r * np.exp(2j * np.pi * f / sr), r * np.exp(-2j * np.pi * f / sr)]
    z = formants.poly_roots(a[None, 1:])[0]
    assert match_roots(z, want) < 1e-12


def test_edge_cases(backend):
    np.testing.assert_array_equal(formants.poly_roots(np.zeros((2, 4))), 0)   # silence
    assert formants.poly_roots(np.zeros((0, 3))).shape == (0, 3)
    z = formants.poly_roots(np.array([[0.0, 0.0, -1.0]]))[0]                  # z^3 = 1
    assert match_roots(z, np.exp(2j * np.pi * np.arange(3) / 3)) < 1e-12
    z = formants.poly_roots(np.array([[-2.0, 1.0]]), max_iter=500)[0]         # double root 1
    assert np.all(np.isfinite(z)) and np.all(np.abs(z - 1) < 1e-6)
    with pytest.raises(ValueError, match="NaN or infinity"):
        formants.poly_roots(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="frames, degree"):
        formants.poly_roots(np.ones(3))
    with pytest.raises(ValueError, match="max_iter"):
        formants.poly_roots(np.ones((1, 2)), max_iter=0)


@needs_c
def test_c_interface_rejects_bad_arguments():
    lib, ffi = native._lib, native._ffi
    c = np.ones((1, 3))
    out = np.empty((1, 3, 2))
    assert lib.fg_poly_roots_f64(native._ptr(c), 1, 0, 10, native._ptr(out)) == lib.FG_EINVAL
    assert lib.fg_poly_roots_f64(native._ptr(c), 1, 3, 0, native._ptr(out)) == lib.FG_EINVAL
    assert lib.fg_poly_roots_f64(ffi.NULL, 1, 3, 10, native._ptr(out)) == lib.FG_EINVAL
    assert lib.fg_poly_roots_f64(native._ptr(c), 0, 3, 10, ffi.NULL) == lib.FG_OK
    bad = np.array([[1.0, np.inf, 0.0]])
    assert lib.fg_poly_roots_f64(native._ptr(bad), 1, 3, 10, native._ptr(out)) == \
        lib.FG_ENONFINITE

"""The vectorised float64 logarithm (logs.c) against numpy's (libm's) log: within 1 ulp
of ln over the whole range, libm's special values, in place, any length."""
import numpy as np
import pytest

from featgraph import native
from featgraph.native import reference_spectral
from featgraph.native.logs import log

pytestmark = pytest.mark.skipif(native.BACKEND != "c", reason="the C kernel")


def ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


def values(n=200_000):
    """Log-uniform over every binade, subnormals included, plus values near 1."""
    rng = np.random.default_rng(3)
    x = 2.0 ** rng.uniform(-1074, 1024, n)
    x[:n // 100] = 1.0 + rng.uniform(-0.3, 0.3, n // 100)
    return x[np.isfinite(x) & (x > 0)]


def test_ln_within_one_ulp_of_libm():
    x = values()
    assert ulps(log(x), np.log(x)).max() <= 1.0


def test_scaled_log10_and_log2_within_a_few_ulp():
    x = values()
    assert ulps(log(x, 1 / np.log(10)), np.log10(x)).max() <= 4.0
    assert ulps(log(x, 1 / np.log(2)), np.log2(x)).max() <= 4.0


def test_special_values_are_libm_s():
    x = np.array([0.0, -0.0, -1.0, -np.inf, np.inf, np.nan, 5e-324, 2.2250738585072014e-308,
                  1.7976931348623157e308, 1.0, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.log(x)
    got = log(x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    assert ulps(got[finite], want[finite]).max() <= 1.0
    assert got[-2] == 0.0                            # ln 1 = 0 exactly


@pytest.mark.parametrize("n", [0, 1, 255, 256, 257, 1000])
def test_lengths_and_in_place(n):
    rng = np.random.default_rng(n)
    x = rng.uniform(0.0, 50.0, n)
    if n > 3:
        x[3] = 0.0                                   # a special value inside a block
    with np.errstate(divide="ignore"):
        want = 3.5 * np.log(x)
    got = log(x, 3.5)
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0)
    y = x.copy()
    assert log(y, 3.5, out=y) is y
    np.testing.assert_array_equal(y, got)


def test_reference_is_numpy_s_log():
    x = values(1000)
    np.testing.assert_array_equal(reference_spectral.log(x, 2.0), 2.0 * np.log(x))


def test_bad_arguments():
    x = np.ones(8)
    with pytest.raises(ValueError, match="float64"):
        log(x.astype(np.float32))
    with pytest.raises(ValueError, match="scale"):
        log(x, np.inf)
    with pytest.raises(ValueError, match="overlaps"):
        log(x[1:], out=x[:-1])
    with pytest.raises(ValueError, match="out must be"):
        log(x, out=np.empty(7))

"""The vectorised float64 logarithm and power (logs.c) against numpy's log and libm's
pow: within 1 ulp of ln and 4 ulp of pow over the whole range, libm's special values, in
place, any length."""
import math

import numpy as np
import pytest

from featgraph import native
from featgraph.native import reference_spectral
from featgraph.native.logs import NegativeInput, log, power

pytestmark = pytest.mark.skipif(native.BACKEND != "c", reason="the C kernel")


def ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


def libm_pow(x, e):
    """libm's ``pow`` element by element (``math.pow`` calls it; numpy's ``np.power`` is
    its own SIMD code on AVX-512 machines, 1 ulp from libm on about 5 % of values)."""
    def one(v):
        try:
            return math.pow(v, e)
        except OverflowError:
            return math.inf
    return np.frompyfunc(one, 1, 1)(x).astype(np.float64)


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


# ------------------------------------------------------------------ power
EXPONENTS = [1 / 15, 0.33, 1 / 3, 0.5, 1.0, 2.0, 3.0, 4.0, 1e-9, 0.123456789]


@pytest.mark.parametrize("e", EXPONENTS)
def test_power_within_four_ulp_of_libm(e):
    """Every binade (subnormals included) and values near 1; where libm's result is a
    positive normal number the kernel is within 4 ulp (2 seen), elsewhere libm's own
    value (0, subnormal results, inf)."""
    x = values()
    with np.errstate(over="ignore", under="ignore"):
        want = libm_pow(x, e)
    got = power(x, e)
    normal = (want >= np.finfo(float).tiny) & np.isfinite(want)
    assert ulps(got[normal], want[normal]).max() <= 4.0
    np.testing.assert_array_equal(got[~normal], want[~normal])


def test_power_closed_forms():
    """Exact results: roots and powers of powers of two, squares, 1^e."""
    x = np.array([4.0, 2.0 ** 40, 2.0 ** -1000, 6.25, 1.0])
    np.testing.assert_array_equal(power(x, 0.5), [2.0, 2.0 ** 20, 2.0 ** -500, 2.5, 1.0])
    np.testing.assert_array_equal(power(np.array([16.0, 2.0 ** -1020]), 0.25), [2.0, 2.0 ** -255])
    np.testing.assert_array_equal(power(np.array([3.0, 0.5, 1.0]), 2.0), [9.0, 0.25, 1.0])
    np.testing.assert_array_equal(power(np.array([1.0, 1.0]), 1 / 15), [1.0, 1.0])


def test_power_special_values_are_libm_s():
    x = np.array([0.0, -0.0, np.inf, np.nan, 5e-324, 1e-310, 2.2250738585072014e-308,
                  1.7976931348623157e308, 1e300, 1.0])
    for e in (1 / 15, 3.0, 4.0):
        with np.errstate(over="ignore"):
            want = np.power(x, e)
        got = power(x, e)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        normal = np.isfinite(want) & (want > 0)
        assert ulps(got[normal], want[normal]).max() <= 4
        np.testing.assert_array_equal(got[want == 0], want[want == 0])
        np.testing.assert_array_equal(np.signbit(got[want == 0]), np.signbit(want[want == 0]))
        assert np.isinf(got[np.isinf(want)]).all()


@pytest.mark.parametrize("n", [0, 1, 255, 256, 257, 1000])
def test_power_lengths_and_in_place(n):
    rng = np.random.default_rng(n)
    x = rng.uniform(0.0, 50.0, n)
    if n > 3:
        x[3] = 0.0                                   # a value for libm inside a block
    got = power(x, 1 / 15)
    np.testing.assert_allclose(got, np.power(x, 1 / 15), rtol=9e-16, atol=0)
    y = x.copy()
    assert power(y, 1 / 15, out=y) is y
    np.testing.assert_array_equal(y, got)


def test_power_rejects_negative_values_and_bad_arguments():
    x = np.ones(600)
    x[300] = -1e-300                                 # in the second block
    with pytest.raises(NegativeInput, match="negative"):
        power(x, 0.5)
    with pytest.raises(ValueError, match="float64"):
        power(x.astype(np.float32), 0.5)
    for e in (0.0, -1.0, 4.5, np.nan, np.inf):
        with pytest.raises(ValueError, match=r"exponent must be in \(0, 4\]"):
            power(np.ones(3), e)
    with pytest.raises(ValueError, match="overlaps"):
        power(x[1:], 0.5, out=x[:-1])
    with pytest.raises(ValueError, match="out must be"):
        power(np.ones(8), 0.5, out=np.empty(7))


def test_power_reference_is_numpy_s_power():
    x = values(1000)
    np.testing.assert_array_equal(reference_spectral.power(x, 0.3), np.power(x, 0.3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_power_law_op_uses_the_kernel_and_rejects_negative_input(dtype):
    """The power_law op: float64 within 4 ulp of numpy's power (any layout), float32 numpy's
    own; a negative value is the op's ValueError in either precision."""
    from featgraph.engine.feature import Feature
    from featgraph.engine.kinds import Kind
    from featgraph.engine.ops import registry

    law = registry()["power_law"](exponent=1 / 15)
    x = np.random.default_rng(4).uniform(0.0, 1e4, (40, 301)).astype(dtype)
    for data in (x, np.asfortranarray(x)):                  # (bands, frames), both layouts
        got = law(Feature(data, Kind.BANDS, 16000.0, hop=160)).data
        want = np.power(x, dtype(1 / 15))
        assert got.dtype == dtype and got.shape == x.shape
        if dtype == np.float64:
            assert ulps(got[want > 0], want[want > 0]).max() <= 4.0
        else:
            np.testing.assert_array_equal(got, want)
    x[7, 300] = -1e-3
    with pytest.raises(ValueError, match="power_law needs non-negative input"):
        law(Feature(x, Kind.BANDS, 16000.0, hop=160))

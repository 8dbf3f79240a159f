"""The running-median kernel (HPSS's filter): C against the numpy reference, against
scipy.ndimage.median_filter (librosa's filter) where scipy is well defined, and edges
(windows longer than the data, one value, ties, even sizes, NaN, strided axes)."""
import numpy as np
import pytest
import scipy.ndimage

from featgraph.native import median as kernels
from featgraph.native import reference_mir as reference
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_c_matches_reference(dtype, axis):
    rng = np.random.default_rng(1)
    for shape in [(37, 50), (1, 9), (19, 1), (3, 4)]:
        x = rng.standard_normal(shape).astype(dtype)
        for size in (1, 2, 3, 4, 7, 31, 64):
            got, want = kernels.running_median(x, size, axis), reference.running_median(
                x, size, axis)
            assert got.dtype == want.dtype == dtype
            np.testing.assert_array_equal(got, want, err_msg=f"{shape} {size}")


@needs_c
def test_c_on_ties_and_three_dimensions():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, (2, 40, 21)).astype(np.float64)      # many equal values
    for axis in (0, 1, 2):
        np.testing.assert_array_equal(kernels.running_median(x, 5, axis),
                                      reference.running_median(x, 5, axis))


def test_agrees_with_scipy_median_filter(backend):
    """scipy's filter (what librosa's hpss calls), where the window is at most twice the
    data long (longer windows make scipy 1.17 read uninitialised memory)."""
    x = np.abs(np.random.default_rng(3).standard_normal((60, 80)))
    for size in (3, 4, 31):
        for axis, shape in ((0, (size, 1)), (1, (1, size))):
            np.testing.assert_array_equal(
                kernels.running_median(x, size, axis),
                scipy.ndimage.median_filter(x, size=shape, mode="reflect"))


def test_closed_forms(backend):
    x = np.array([1.0, 9.0, 2.0, 8.0, 3.0])
    assert kernels.running_median(x, 3).tolist() == [1.0, 2.0, 8.0, 3.0, 3.0]
    assert kernels.running_median(x, 1).tolist() == x.tolist()
    assert kernels.running_median(np.array([4.0]), 31).tolist() == [4.0]
    # two values, window 31: 'reflect' repeats a b b a a b b a ...; rank 15 of 31
    assert kernels.running_median(np.array([1.0, 5.0]), 31).tolist() == [5.0, 1.0]
    # even size: window j-2 .. j+1, the upper median
    assert kernels.running_median(np.arange(6.0), 4).tolist() == [1.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_empty_and_errors(backend):
    assert kernels.running_median(np.zeros((0, 5)), 3, 0).shape == (0, 5)
    with pytest.raises(ValueError, match="NaN|finite"):
        kernels.running_median(np.array([1.0, np.nan, 2.0]), 3)
    with pytest.raises(ValueError):
        kernels.running_median(np.ones(4), 0)
    with pytest.raises(ValueError):
        kernels.running_median(np.ones(4), 3, axis=1)

"""The turning-points kernel (contour.c) against its plain-Python definition
(featgraph/native/reference_contour.py), point for point, on random contours, plateaus,
quantised (tied) values, NaN and short series; and the function the functionals call."""
import numpy as np
import pytest

from featgraph import native
from featgraph.engine import functionals as fn
from featgraph.native import contour, reference_contour

RNG = np.random.default_rng(16)


def series():
    """Random walks, white noise, quantised values (ties: plateaus), smooth contours
    with zero runs (an F0 track), constants and series of 0 .. 6 values."""
    out = [RNG.standard_normal(n) for n in (0, 1, 4, 5, 6, 7, 50, 3000)]
    out += [np.cumsum(RNG.standard_normal(2000)) for _ in range(5)]
    out += [np.round(RNG.standard_normal(500) * 3) for _ in range(5)]
    t = np.linspace(0, 40, 4000)
    track = 30 + 5 * np.sin(t) + RNG.standard_normal(t.size) * 0.3
    track[RNG.random(t.size) < 0.3] = 0.0
    out += [track, np.full(100, 2.5), np.zeros(7)]
    return out


@pytest.mark.skipif(native.BACKEND != "c", reason="the C kernels are not built")
@pytest.mark.parametrize("rel", [0.0, 0.05, 0.1, 0.3, 1.1])
def test_kernel_matches_reference(rel):
    for x in series():
        th = rel * float(x.max() - x.min()) if x.size else 0.0
        got = contour.turning_points(x, th, th / 3)
        want = reference_contour.turning_points(x, th, th / 3)
        assert got[0].dtype == np.int64 and got[1].dtype == np.int32
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_points_alternate_and_lie_inside():
    for x in series():
        if x.size < 5:
            assert fn.turning_points(x) == []
            continue
        pts = fn.turning_points(x)
        signs = [s for _, s in pts]
        assert all(a == -b for a, b in zip(signs, signs[1:]))
        assert all(2 <= i <= x.size - 3 for i, _ in pts)


def test_closed_form_and_nan():
    # peaks at 3 and 9 (rises of 4 and 5 > th = 0.5), the valley at 6 between them
    x = np.array([0.0, 0, 1, 4, 2, 1, 0, 2, 3, 5, 1, 0, 0])
    assert fn.turning_points(x) == [(3, 1), (6, -1), (9, 1)]
    # a NaN compares false: frames 3 and 5 beside it are no candidates, so the valley at
    # 6 lies 0 below frame 0 (no turn) and the peak at 9 is the only point
    y = x.copy()
    y[4] = np.nan
    for impl in (contour.turning_points, reference_contour.turning_points):
        f, s = impl(y, 0.5, 0.5 / 3)
        assert f.tolist() == [9] and s.tolist() == [1]
    with pytest.raises(ValueError, match="1-D"):
        contour.turning_points(np.zeros((2, 5)), 0.1, 0.0)

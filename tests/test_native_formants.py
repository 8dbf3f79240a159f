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


# ---- frame_lags: autocorrelation lags of frames (smile_lpc) --------------------------------

def lags_by_definition(x, n_lags):
    """``sum_i x[i] x[i + k]`` by Python's exactly rounded ``math.fsum``, frame by frame."""
    import math

    return np.array([[math.fsum(float(a) * float(b) for a, b in zip(row[k:], row))
                      for k in range(n_lags)] for row in np.asarray(x, np.float64)])


@pytest.mark.parametrize("n", [1, 7, 8, 9, 220, 333])
def test_frame_lags_match_the_definition(backend, n):
    x = np.random.default_rng(n).standard_normal((6, n))
    n_lags = min(n, 12)
    got = formants.frame_lags(x, n_lags)
    assert got.shape == (6, n_lags) and got.dtype == np.float64
    np.testing.assert_allclose(got, lags_by_definition(x, n_lags), rtol=1e-13,
                               atol=1e-13 * n)


def test_frame_lags_closed_forms(backend):
    # a constant frame: r[k] = (n - k) c^2; a unit impulse: r = [1, 0, ...]
    np.testing.assert_array_equal(formants.frame_lags(np.full((2, 20), 0.5), 5),
                                  np.tile(0.25 * (20 - np.arange(5)), (2, 1)))
    imp = np.zeros((1, 9))
    imp[0, 4] = 1.0
    np.testing.assert_array_equal(formants.frame_lags(imp, 9), [[1.0] + [0.0] * 8])
    # a sinusoid over whole periods: r[k] ~ (n - k) / 2 cos(w k) + small end terms
    n, w = 4000, 2 * np.pi / 40
    x = np.cos(w * np.arange(n))[None, :]
    r = formants.frame_lags(x, 11)[0]
    k = np.arange(11)
    assert np.all(np.abs(r - (n - k) / 2 * np.cos(w * k)) < 11)


def test_frame_lags_float32_is_widened(backend):
    x = np.random.default_rng(1).standard_normal((5, 101)).astype(np.float32)
    got = formants.frame_lags(x, 12)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, lags_by_definition(x, 12), rtol=1e-13, atol=1e-11)
    np.testing.assert_array_equal(got, formants.frame_lags(x.astype(np.float64), 12))
    np.testing.assert_array_equal(formants.frame_lags(np.arange(12).reshape(1, 12), 2),
                                  [[506.0, 440.0]])                    # integers: converted


@needs_c
def test_frame_lags_c_equals_the_reference():
    x = np.random.default_rng(7).standard_normal((200, 220))
    np.testing.assert_allclose(formants.frame_lags(x, 12),
                               reference_formants.frame_lags(x, 12), rtol=1e-12, atol=1e-12)


def test_frame_lags_edge_cases(backend):
    assert formants.frame_lags(np.zeros((0, 5)), 3).shape == (0, 3)
    np.testing.assert_array_equal(formants.frame_lags(np.zeros((3, 5)), 5), 0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        formants.frame_lags(np.array([[1.0, np.inf, 0.0]]), 2)
    with pytest.raises(ValueError, match="NaN or infinity"):
        formants.frame_lags(np.array([[1.0, 2.0], [np.nan, 0.0]], np.float32), 1)
    with pytest.raises(ValueError, match="frames"):
        formants.frame_lags(np.ones(4), 2)
    for bad in (0, 6, 2.0, True):
        with pytest.raises(ValueError, match="n_lags"):
            formants.frame_lags(np.ones((2, 5)), bad)


@needs_c
def test_frame_lags_c_interface_rejects_bad_arguments():
    lib, ffi = native._lib, native._ffi
    x, x32 = np.ones((2, 4)), np.ones((2, 4), np.float32)
    r = np.empty((2, 4))
    px, p32, pr = ffi.from_buffer("double[]", x), ffi.from_buffer("float[]", x32), \
        ffi.from_buffer("double[]", r)
    for fn, p in ((lib.fg_frame_lags_f64, px), (lib.fg_frame_lags_f32, p32)):
        assert fn(p, 2, 4, 0, pr) == lib.FG_EINVAL                     # no lags
        assert fn(p, 2, 4, 5, pr) == lib.FG_EINVAL                     # more lags than values
        assert fn(p, 2, 0, 1, pr) == lib.FG_EINVAL                     # empty frames
        assert fn(ffi.NULL, 2, 4, 2, pr) == lib.FG_EINVAL
        assert fn(p, 2, 4, 2, ffi.NULL) == lib.FG_EINVAL
        assert fn(ffi.NULL, 0, 4, 2, ffi.NULL) == lib.FG_OK            # no frames: nothing read
        assert fn(p, 2, 4, 4, pr) == lib.FG_OK
        np.testing.assert_array_equal(r, [[4, 3, 2, 1]] * 2)
    bad = np.array([[1.0, np.nan, 0.0, 0.0]])
    assert lib.fg_frame_lags_f64(ffi.from_buffer("double[]", bad), 1, 4, 2, pr) == \
        lib.FG_ENONFINITE
    bad32 = bad.astype(np.float32)
    assert lib.fg_frame_lags_f32(ffi.from_buffer("float[]", bad32), 1, 4, 2, pr) == \
        lib.FG_ENONFINITE


# ---- smile_lpc_f32: openSMILE's cLpc in single precision (smile_lpc, precision single) ----

def smile_lpc_by_definition(x, order):
    """The documented float32 arithmetic one frame and one operation at a time, in plain
    Python loops over numpy float32 scalars (independent of the vectorised reference)."""
    f32 = np.float32
    out = []
    for row in np.asarray(x, np.float32):
        n = len(row)
        r = []
        for k in range(order + 1):
            s = f32(0)
            for i in range(n - k):
                s = f32(s + f32(row[i] * row[i + k]))
            r.append(s)
        a = [f32(1)] + [f32(0)] * order
        if r[0] > 0:
            e = r[0]
            for i in range(1, order + 1):
                acc = r[i]
                for j in range(1, i):
                    acc = f32(acc + f32(a[j] * r[i - j]))
                k = f32(-f32(acc * f32(f32(1) / e)))
                prev = list(a)
                for j in range(1, i):
                    a[j] = f32(prev[j] + f32(k * prev[i - j]))
                a[i] = k
                e = f32(e * f32(f32(1) - f32(k * k)))
        out.append(a)
    return np.array(out, np.float32)


@pytest.mark.parametrize("order", [1, 2, 11])
def test_smile_lpc_matches_the_definition_bit_for_bit(backend, order):
    x = np.random.default_rng(order).standard_normal((6, 40)).astype(np.float32)
    x[1] *= 1e-3                                                 # other scales round alike
    np.testing.assert_array_equal(formants.smile_lpc_f32(x, order),
                                  smile_lpc_by_definition(x, order))


@needs_c
def test_smile_lpc_c_equals_the_reference():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((300, 220)) * rng.uniform(1e-4, 1.0, (300, 1))).astype(np.float32)
    x[5] = np.sin(0.3 * np.arange(220))                         # ill-conditioned: a sine
    np.testing.assert_array_equal(formants.smile_lpc_f32(x, 11),
                                  reference_formants.smile_lpc_f32(x, 11))


def test_smile_lpc_closed_form(backend):
    """x = [1, c]: r = [1 + c^2, c], so a1 = -c / (1 + c^2) (order 1, exact in float32 for
    c = 0.5: r = [1.25, 0.5], 1 / 1.25 = 0.8, a1 = -0.4 rounded once)."""
    got = formants.smile_lpc_f32(np.array([[1.0, 0.5]]), 1)
    np.testing.assert_array_equal(got, [[1.0, np.float32(-(np.float32(0.5) * np.float32(0.8)))]])
    np.testing.assert_allclose(got[0, 1], -0.4, rtol=1e-7)


def test_smile_lpc_edge_cases(backend):
    assert formants.smile_lpc_f32(np.zeros((0, 5)), 2).shape == (0, 3)
    x = np.zeros((3, 20), np.float32)
    x[1, :2] = 3e-23               # denormal energy: 1 / r[0] overflows, k is not finite
    x[2] = np.float32(1e30)        # the lags overflow: r[0] infinite, 1 / e = 0
    got = formants.smile_lpc_f32(x, 5)
    assert np.isfinite(got).all()
    np.testing.assert_array_equal(got[:2], [[1, 0, 0, 0, 0, 0]] * 2)
    with pytest.raises(ValueError, match="NaN or infinity"):
        formants.smile_lpc_f32(np.array([[1.0, np.inf, 0.0]]), 1)
    with pytest.raises(ValueError, match="frames"):
        formants.smile_lpc_f32(np.ones(4), 2)
    for bad in (0, 5, 2.0, True, 257):
        with pytest.raises(ValueError, match="order"):
            formants.smile_lpc_f32(np.ones((2, 5)), bad)


@needs_c
def test_smile_lpc_c_interface_rejects_bad_arguments():
    lib, ffi = native._lib, native._ffi
    x = np.ones((2, 4), np.float32)
    a = np.empty((2, 3), np.float32)
    px, pa = ffi.from_buffer("float[]", x), ffi.from_buffer("float[]", a)
    assert lib.fg_smile_lpc_f32(px, 2, 4, 0, pa) == lib.FG_EINVAL       # order 0
    assert lib.fg_smile_lpc_f32(px, 2, 4, 4, pa) == lib.FG_EINVAL       # order >= n
    assert lib.fg_smile_lpc_f32(px, 2, 300, 257, pa) == lib.FG_EINVAL   # order > 256
    assert lib.fg_smile_lpc_f32(ffi.NULL, 2, 4, 2, pa) == lib.FG_EINVAL
    assert lib.fg_smile_lpc_f32(px, 2, 4, 2, ffi.NULL) == lib.FG_EINVAL
    assert lib.fg_smile_lpc_f32(ffi.NULL, 0, 4, 2, ffi.NULL) == lib.FG_OK
    assert lib.fg_smile_lpc_f32(px, 2, 4, 2, pa) == lib.FG_OK
    np.testing.assert_array_equal(a, formants.smile_lpc_f32(x, 2))
    bad = np.array([[1.0, np.nan, 0.0, 0.0]], np.float32)
    assert lib.fg_smile_lpc_f32(ffi.from_buffer("float[]", bad), 1, 4, 2, pa) == \
        lib.FG_ENONFINITE


# ---- smile_idft_f32: openSMILE's cSpecResample synthesis (smile_spec_resample, single) ----

def smile_idft_by_definition(re, im, cos_tab, sin_tab, scale):
    """The documented float32 sum one sample and one operation at a time, in plain Python
    loops over numpy float32 scalars (independent of the vectorised reference)."""
    f32 = np.float32
    out = np.empty((re.shape[0], cos_tab.shape[1]), np.float32)
    for f in range(re.shape[0]):
        for m in range(cos_tab.shape[1]):
            acc = f32(0)
            for k in range(re.shape[1]):
                acc = f32(acc + f32(f32(re[f, k]) * f32(cos_tab[k, m])))
                acc = f32(acc + f32(f32(im[f, k]) * f32(sin_tab[k, m])))
            out[f, m] = f32(acc * f32(scale))
    return out


def idft_inputs(frames, k_bins, m_out, seed):
    rng = np.random.default_rng(seed)
    scale = rng.uniform(1e-3, 10.0, (frames, 1))
    re = (rng.standard_normal((frames, k_bins)) * scale).astype(np.float32)
    im = (rng.standard_normal((frames, k_bins)) * scale).astype(np.float32)
    th = 2 * np.pi * np.outer(np.arange(k_bins), np.arange(m_out)) / (2.2 * m_out)
    return re, im, np.cos(th).astype(np.float32), np.sin(th).astype(np.float32)


@pytest.mark.parametrize("frames, k_bins, m_out", [(4, 9, 13), (3, 7, 40), (7, 5, 70)])
def test_smile_idft_matches_the_definition_bit_for_bit(backend, frames, k_bins, m_out):
    """Shapes that take the C kernel's paths: rows shorter than a tile of 32 samples, the
    last tile overlapping the one before, frames in groups of four and the ones left."""
    re, im, c, s = idft_inputs(frames, k_bins, m_out, 1)
    np.testing.assert_array_equal(formants.smile_idft_f32(re, im, c, s, 2 / 512),
                                  smile_idft_by_definition(re, im, c, s, 2 / 512))


@needs_c
@pytest.mark.parametrize("frames, m_out", [(200, 220), (1, 352), (3, 64), (5, 33), (131, 31),
                                           (66, 32)])
def test_smile_idft_c_equals_the_reference(frames, m_out):
    re, im, c, s = idft_inputs(frames, 110, m_out, 2)
    re[min(3, frames - 1)] = 0
    np.testing.assert_array_equal(formants.smile_idft_f32(re, im, c, s, 2 / 256),
                                  reference_formants.smile_idft_f32(re, im, c, s, 2 / 256))


def test_smile_idft_closed_form(backend):
    """A DC bin alone: every sample is re[0] c[0, m] * scale = re[0] * scale (c[0] = 1)."""
    re, im, c, s = idft_inputs(1, 4, 6, 3)
    re[:, 1:] = 0
    im[:] = 0
    np.testing.assert_array_equal(formants.smile_idft_f32(re, im, c, s, 0.25),
                                  np.full((1, 6), re[0, 0] * np.float32(0.25)))


def test_smile_idft_edge_cases(backend):
    re, im, c, s = idft_inputs(2, 4, 6, 4)
    assert formants.smile_idft_f32(re[:0], im[:0], c, s, 1.0).shape == (0, 6)
    bad = re.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        formants.smile_idft_f32(bad, im, c, s, 1.0)
    with pytest.raises(ValueError, match="one shape"):
        formants.smile_idft_f32(re, im[:, :3], c, s, 1.0)
    with pytest.raises(ValueError, match="tables"):
        formants.smile_idft_f32(re, im, c[:3], s[:3], 1.0)
    with pytest.raises(ValueError, match="one shape"):
        formants.smile_idft_f32(re[0], im[0], c, s, 1.0)


@needs_c
def test_smile_idft_c_interface_rejects_bad_arguments():
    lib, ffi = native._lib, native._ffi
    re, im, c, s = idft_inputs(2, 4, 6, 5)
    y = np.empty((2, 6), np.float32)
    pr, pi, pc, ps, py = (ffi.from_buffer("float[]", v) for v in (re, im, c, s, y))
    assert lib.fg_smile_idft_f32(pr, pi, 2, 0, pc, ps, 6, 1.0, py) == lib.FG_EINVAL
    assert lib.fg_smile_idft_f32(pr, pi, 2, 4, pc, ps, 0, 1.0, py) == lib.FG_EINVAL
    assert lib.fg_smile_idft_f32(pr, ffi.NULL, 2, 4, pc, ps, 6, 1.0, py) == lib.FG_EINVAL
    assert lib.fg_smile_idft_f32(pr, pi, 2, 4, pc, ps, 6, 1.0, ffi.NULL) == lib.FG_EINVAL
    assert lib.fg_smile_idft_f32(ffi.NULL, ffi.NULL, 0, 4, pc, ps, 6, 1.0, ffi.NULL) == lib.FG_OK
    assert lib.fg_smile_idft_f32(pr, pi, 2, 4, pc, ps, 6, 0.5, py) == lib.FG_OK
    np.testing.assert_array_equal(y, reference_formants.smile_idft_f32(re, im, c, s, 0.5))
    bad = re.copy()
    bad[0, 1] = np.inf
    assert lib.fg_smile_idft_f32(ffi.from_buffer("float[]", bad), pi, 2, 4, pc, ps, 6, 1.0,
                                 py) == lib.FG_ENONFINITE

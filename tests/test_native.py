"""Tests for featgraph.native: the C kernels, the cffi bridge and the numpy
reference.

Correctness is checked against independent references (numpy.linalg.solve of
the Toeplitz normal equations, closed-form AR(2) autocorrelations, closed-form
cepstra of one- and two-pole models), and the C backend is checked against
the numpy reference on random data.
"""

from pathlib import Path

import numpy as np
import pytest

import featgraph.native as native
from featgraph.native import reference

HAVE_C = native._lib is not None
needs_c = pytest.mark.skipif(not HAVE_C, reason="C kernels not loaded (FEATGRAPH_NATIVE=0)")
REPO_ROOT = Path(native.__file__).resolve().parents[2]


@pytest.fixture(params=["c", "numpy"])
def backend(request, monkeypatch):
    """Run a test once through the C kernels and once through numpy."""
    if request.param == "c" and not HAVE_C:
        pytest.skip("C kernels not loaded")
    monkeypatch.setattr(native, "BACKEND", request.param)
    return request.param


def autocorr(x, n_lags):
    """Biased autocorrelation of frames along the last axis, via the FFT."""
    n = x.shape[-1]
    spec = np.fft.rfft(x, 2 * n, axis=-1)
    return np.fft.irfft(np.abs(spec) ** 2, 2 * n, axis=-1)[..., :n_lags]


def random_autocorr(shape, n_lags, seed, frame_len=256, colour=0.0):
    """Autocorrelations of random real frames (optionally AR(1)-coloured)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape + (frame_len,))
    if colour:
        for t in range(1, frame_len):
            x[..., t] += colour * x[..., t - 1]
    return autocorr(x, n_lags)


def toeplitz_solution(r, order):
    """Predictor and error from numpy.linalg.solve on the normal equations.

    R a' = -r[1:order+1] with R[i, j] = r[|i - j|]; A = [1, a'];
    E = r[0] + sum_j a'[j] r[j].
    """
    idx = np.abs(np.subtract.outer(np.arange(order), np.arange(order)))
    coeffs = np.linalg.solve(r[idx], -r[1 : order + 1])
    a = np.concatenate([[1.0], coeffs])
    err = r[0] + coeffs @ r[1 : order + 1]
    return a, err


# ---------------------------------------------------------------------------
# C against the numpy reference
# ---------------------------------------------------------------------------

@needs_c
@pytest.mark.parametrize("order", range(1, 17))
def test_levinson_c_matches_reference_f64(order):
    r = random_autocorr((3, 4), 20, seed=order, colour=0.8)
    a_c, err_c = native.levinson(r, order)
    a_ref, err_ref = reference.levinson(r, order)
    assert a_c.shape == (3, 4, order + 1) and err_c.shape == (3, 4)
    assert a_c.dtype == err_c.dtype == np.float64
    np.testing.assert_allclose(a_c, a_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(err_c, err_ref, rtol=1e-12)


@needs_c
@pytest.mark.parametrize("order", [1, 2, 5, 10, 16])
def test_levinson_c_matches_reference_f32(order):
    r64 = random_autocorr((2, 5), order + 3, seed=100 + order, colour=0.5)
    r32 = r64.astype(np.float32)
    a_c, err_c = native.levinson(r32, order)
    a_ref, err_ref = reference.levinson(r32, order)
    assert a_c.dtype == err_c.dtype == np.float32
    # Same float32 input, both computed in double: agree to float32 rounding.
    np.testing.assert_allclose(a_c, a_ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(err_c, err_ref, rtol=1e-6)
    # And close to the float64 result (input rounding only; well conditioned).
    a64, err64 = native.levinson(r64, order)
    np.testing.assert_allclose(a_c, a64, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(err_c, err64, rtol=1e-4)


@needs_c
@pytest.mark.parametrize("order", [1, 3, 8, 16])
@pytest.mark.parametrize("extra", [-1, 0, 1, 7])  # n_ceps <, =, > order + 1
def test_cepstrum_c_matches_reference(order, extra):
    n_ceps = max(1, order + 1 + extra)
    r = random_autocorr((4, 3), order + 1, seed=7 * order + extra, colour=0.6)
    a, _ = reference.levinson(r, order)
    gain = np.random.default_rng(order).uniform(0.5, 2.0, size=(4, 3, 1))
    a = a * gain  # a[0] != 1 exercises the gain normalisation
    c_c = native.lpc_to_cepstrum(a, n_ceps)
    c_ref = reference.lpc_to_cepstrum(a, n_ceps)
    assert c_c.shape == (4, 3, n_ceps) and c_c.dtype == np.float64
    np.testing.assert_allclose(c_c, c_ref, rtol=1e-12, atol=1e-14)

    a32 = a.astype(np.float32)
    c32 = native.lpc_to_cepstrum(a32, n_ceps)
    assert c32.dtype == np.float32
    np.testing.assert_allclose(c32, reference.lpc_to_cepstrum(a32, n_ceps), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(c32, c_c, rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("order", [1, 2, 4, 8, 12])
def test_levinson_matches_toeplitz_solve(backend, order):
    r = random_autocorr((6,), 16, seed=order, frame_len=1024, colour=0.3)
    a, err = native.levinson(r, order)
    for frame in range(r.shape[0]):
        a_ref, err_ref = toeplitz_solution(r[frame], order)
        np.testing.assert_allclose(a[frame], a_ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(err[frame], err_ref, rtol=1e-9)


def test_levinson_single_frame_np_correlate(backend):
    x = np.random.default_rng(3).standard_normal(400)
    r = np.correlate(x, x, mode="full")[x.size - 1 :]
    a, err = native.levinson(r, 10)
    assert a.shape == (11,) and err.shape == ()
    a_ref, err_ref = toeplitz_solution(r, 10)
    np.testing.assert_allclose(a, a_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(err, err_ref, rtol=1e-9)


def ar2_autocorr(phi1, phi2, sigma2, n_lags):
    """Exact autocovariance of x[t] = phi1 x[t-1] + phi2 x[t-2] + e[t].

    Yule-Walker: rho1 = phi1 / (1 - phi2), rho_k = phi1 rho_{k-1} + phi2
    rho_{k-2}; gamma0 = sigma2 / (1 - phi1 rho1 - phi2 rho2).
    """
    rho = np.empty(n_lags)
    rho[0] = 1.0
    rho[1] = phi1 / (1.0 - phi2)
    for k in range(2, n_lags):
        rho[k] = phi1 * rho[k - 1] + phi2 * rho[k - 2]
    gamma0 = sigma2 / (1.0 - phi1 * rho[1] - phi2 * rho[2])
    return gamma0 * rho


@pytest.mark.parametrize("phi1, phi2", [(0.5, 0.3), (1.2, -0.6), (-0.4, 0.2), (1.8, -0.9)])
def test_levinson_recovers_ar2(backend, phi1, phi2):
    sigma2 = 2.5
    r = ar2_autocorr(phi1, phi2, sigma2, 8)
    for order in (2, 3, 5):
        a, err = native.levinson(r, order)
        expected = np.zeros(order + 1)
        expected[:3] = [1.0, -phi1, -phi2]
        np.testing.assert_allclose(a, expected, rtol=0, atol=1e-10)
        np.testing.assert_allclose(err, sigma2, rtol=1e-10)
    # Order 1: a1 = -rho1 and E = gamma0 (1 - rho1^2).
    a, err = native.levinson(r, 1)
    rho1 = r[1] / r[0]
    np.testing.assert_allclose(a, [1.0, -rho1], rtol=1e-12)
    np.testing.assert_allclose(err, r[0] * (1 - rho1**2), rtol=1e-12)


def test_levinson_ar2_float32(backend):
    r = ar2_autocorr(1.2, -0.6, 1.0, 4).astype(np.float32)
    a, err = native.levinson(r, 2)
    assert a.dtype == np.float32 and err.dtype == np.float32
    np.testing.assert_allclose(a, [1.0, -1.2, 0.6], atol=1e-5)
    np.testing.assert_allclose(err, 1.0, rtol=1e-5)


@pytest.mark.parametrize("n_ceps", [1, 2, 5, 20])
def test_cepstrum_one_pole_closed_form(backend, n_ceps):
    alpha = np.array([0.9, 0.5, -0.3, 0.0, -0.95])
    a = np.stack([np.ones_like(alpha), -alpha], axis=-1)
    c = native.lpc_to_cepstrum(a, n_ceps)
    n = np.arange(1, n_ceps)
    expected = np.zeros((alpha.size, n_ceps))
    expected[:, 1:] = alpha[:, None] ** n / n
    np.testing.assert_allclose(c, expected, rtol=1e-12, atol=1e-15)


def test_cepstrum_gain_normalised(backend):
    g = np.array([0.25, 1.0, 3.0])[:, None]
    alpha = 0.7
    a = np.hstack([g, -g * alpha])
    c = native.lpc_to_cepstrum(a, 6)
    n = np.arange(1, 6)
    np.testing.assert_allclose(c[:, 0], -np.log(g[:, 0]), rtol=1e-14)
    np.testing.assert_allclose(c[:, 1:], np.broadcast_to(alpha**n / n, (3, 5)), rtol=1e-12)


def test_cepstrum_two_pole_closed_form(backend):
    # A(z) = (1 - p1 z^-1)(1 - p2 z^-1): c_n = (p1^n + p2^n) / n, including
    # a complex-conjugate pair: c_n = 2 rho^n cos(n theta) / n.
    rho, theta = 0.9, 0.7
    cases = [(0.8, -0.5), (rho * np.exp(1j * theta), rho * np.exp(-1j * theta))]
    n = np.arange(1, 15)
    for p1, p2 in cases:
        a = np.real(np.array([1.0, -(p1 + p2), p1 * p2]))
        c = native.lpc_to_cepstrum(a, 15)
        expected = np.real(p1**n + p2**n) / n
        np.testing.assert_allclose(c[0], 0.0, atol=1e-15)
        np.testing.assert_allclose(c[1:], expected, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------------------
# Edge cases
# ---------------------------------------------------------------------------

def test_levinson_all_zero_frames(backend):
    r = np.zeros((3, 2, 9))
    r[1, 0] = random_autocorr((), 9, seed=1)
    a, err = native.levinson(r, 8)
    expected = np.zeros(9)
    expected[0] = 1.0
    for idx in [(0, 0), (0, 1), (1, 1), (2, 0), (2, 1)]:
        np.testing.assert_array_equal(a[idx], expected)
        assert err[idx] == 0.0
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(err))
    assert err[1, 0] > 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_levinson_pure_sinusoid_stays_finite(backend, dtype):
    # Exact autocorrelation of a sinusoid (rank 2) and a biased estimate
    # from a finite frame: both are (nearly) singular at high order.
    omega = 2 * np.pi * 440 / 16000
    k = np.arange(41)
    exact = 0.5 * np.cos(omega * k)
    t = np.arange(512)
    estimated = autocorr(np.cos(omega * t), 41)
    r = np.stack([exact, estimated]).astype(dtype)
    a, err = native.levinson(r, 40)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(err))
    assert np.all(a[:, 0] == 1)
    assert np.all(err >= 0) and np.all(err <= r[:, 0])
    # The order-1 model is well defined: a1 = -cos(omega), E = r0 sin^2(omega).
    a1, err1 = native.levinson(r[0], 1)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(a1, [1.0, -np.cos(omega)], rtol=tol)
    np.testing.assert_allclose(err1, 0.5 * np.sin(omega) ** 2, rtol=1e-3 if dtype == np.float32 else 1e-9)


def test_levinson_stops_at_unit_reflection(backend):
    # r = [1, 1, 1]: perfectly predictable; k1 = -1 fails |k| < 1 at once.
    a, err = native.levinson(np.array([1.0, 1.0, 1.0]), 2)
    np.testing.assert_array_equal(a, [1.0, 0.0, 0.0])
    assert err == 1.0
    # Not positive definite at order 2: keep the order-1 model.
    r = np.array([1.0, 0.5, -0.9])
    a, err = native.levinson(r, 2)
    np.testing.assert_allclose(a, [1.0, -0.5, 0.0], rtol=1e-15)
    np.testing.assert_allclose(err, 0.75, rtol=1e-15)


def test_levinson_reads_only_order_plus_one_lags(backend):
    r = random_autocorr((4,), 12, seed=5)
    r_more = r.copy()
    r_more[:, 6:] = np.nan  # lags beyond order are not read
    a_short, err_short = native.levinson(r[:, :6].copy(), 5)
    a_long, err_long = native.levinson(r_more, 5)
    np.testing.assert_array_equal(a_long, a_short)
    np.testing.assert_array_equal(err_long, err_short)


def test_order_needs_enough_lags(backend):
    r = np.ones((2, 10))
    with pytest.raises(ValueError, match=r"LPC order 12 needs 13 autocorrelation lags, got 10"):
        native.levinson(r, 12)
    with pytest.raises(ValueError, match="order must be smaller than the frame length"):
        native.levinson(r, 10)
    a, _ = native.levinson(random_autocorr((2,), 10, seed=0), 9)  # largest valid order
    assert a.shape == (2, 10)


@pytest.mark.parametrize("bad", [0, -3])
def test_order_must_be_positive(backend, bad):
    with pytest.raises(ValueError, match="LPC order must be >= 1"):
        native.levinson(np.ones(5), bad)


@pytest.mark.parametrize("bad", [2.5, "3", None, True])
def test_order_must_be_integer(backend, bad):
    with pytest.raises(TypeError, match="LPC order must be an integer"):
        native.levinson(np.ones(5), bad)


def test_numpy_integer_order_accepted(backend):
    a, _ = native.levinson(random_autocorr((), 5, seed=2), np.int64(3))
    assert a.shape == (4,)


def test_scalar_and_complex_inputs_rejected(backend):
    with pytest.raises(ValueError, match="at least one dimension"):
        native.levinson(np.float64(1.0), 1)
    with pytest.raises(ValueError, match="at least one dimension"):
        native.lpc_to_cepstrum(1.0, 3)
    with pytest.raises(TypeError, match="real-valued"):
        native.levinson(np.ones(4, dtype=complex), 2)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nonfinite_input_raises(backend, value):
    r = random_autocorr((3,), 5, seed=1)
    r[2, 3] = value
    with pytest.raises(ValueError, match="autocorrelation r contains NaN or infinity"):
        native.levinson(r, 4)
    with pytest.raises(ValueError, match="NaN or infinity"):
        native.levinson(r.astype(np.float32), 4)
    a = np.array([[1.0, -0.5, 0.1], [1.0, value, 0.0]])
    with pytest.raises(ValueError, match="LPC coefficients a contains NaN or infinity"):
        native.lpc_to_cepstrum(a, 5)
    with pytest.raises(ValueError, match="NaN or infinity"):
        native.lpc_to_cepstrum(a.astype(np.float32), 5)


@pytest.mark.parametrize("a0", [0.0, -1.0])
def test_cepstrum_needs_positive_a0(backend, a0):
    a = np.tile([1.0, -0.5, 0.2], (2, 3, 1))
    a[1, 2, 0] = a0
    with pytest.raises(ValueError, match=r"a\[0\] > 0.*frame index \(1, 2\)"):
        native.lpc_to_cepstrum(a, 4)
    with pytest.raises(ValueError, match=r"a\[0\] > 0"):
        native.lpc_to_cepstrum(a.astype(np.float32), 4)


def test_cepstrum_argument_checks(backend):
    with pytest.raises(ValueError, match="length >= 2"):
        native.lpc_to_cepstrum(np.ones((3, 1)), 4)
    with pytest.raises(ValueError, match="n_ceps must be >= 1"):
        native.lpc_to_cepstrum(np.array([1.0, -0.5]), 0)
    with pytest.raises(TypeError, match="n_ceps must be an integer"):
        native.lpc_to_cepstrum(np.array([1.0, -0.5]), 2.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_frames(backend, dtype):
    a, err = native.levinson(np.empty((0, 9), dtype=dtype), 8)
    assert a.shape == (0, 9) and err.shape == (0,) and a.dtype == dtype
    a, err = native.levinson(np.empty((2, 0, 9), dtype=dtype), 4)
    assert a.shape == (2, 0, 5) and err.shape == (2, 0)
    c = native.lpc_to_cepstrum(np.empty((0, 3), dtype=dtype), 13)
    assert c.shape == (0, 13) and c.dtype == dtype


def test_non_contiguous_input(backend):
    base = random_autocorr((8,), 11, seed=4).T.copy()  # (n_lags, n_frames)
    r_view = base.T  # (n_frames, n_lags), Fortran-ordered view
    assert not r_view.flags.c_contiguous
    a_view, err_view = native.levinson(r_view, 10)
    a_copy, err_copy = native.levinson(np.ascontiguousarray(r_view), 10)
    np.testing.assert_array_equal(a_view, a_copy)
    np.testing.assert_array_equal(err_view, err_copy)

    a_t = np.asfortranarray(a_copy)
    np.testing.assert_array_equal(
        native.lpc_to_cepstrum(a_t, 13), native.lpc_to_cepstrum(a_copy, 13)
    )
    strided = np.repeat(a_copy, 2, axis=0)[::2]
    np.testing.assert_array_equal(
        native.lpc_to_cepstrum(strided, 13), native.lpc_to_cepstrum(a_copy, 13)
    )


def test_input_dtype_handling(backend):
    r_int = np.array([[4, 2, 1], [9, 3, 0]])
    a, err = native.levinson(r_int, 2)
    assert a.dtype == err.dtype == np.float64
    a_ref, err_ref = native.levinson(r_int.astype(np.float64), 2)
    np.testing.assert_array_equal(a, a_ref)
    np.testing.assert_array_equal(err, err_ref)
    # Lists, float16 and big-endian float64 become native float64.
    assert native.levinson([4.0, 2.0, 1.0], 2)[0].dtype == np.float64
    assert native.lpc_to_cepstrum(np.array([1, -0.5], dtype=np.float16), 3).dtype == np.float64
    big = np.array([4.0, 2.0, 1.0], dtype=">f8")
    np.testing.assert_array_equal(native.levinson(big, 2)[0], native.levinson(big.astype("<f8"), 2)[0])


def test_readonly_input(backend):
    r = random_autocorr((3,), 6, seed=8)
    r.flags.writeable = False
    a, err = native.levinson(r, 5)
    a.flags.writeable = False
    c = native.lpc_to_cepstrum(a, 8)
    assert np.all(np.isfinite(c)) and np.all(err > 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_contiguous_input_not_copied(dtype):
    r = random_autocorr((2, 3), 9, seed=6).astype(dtype)
    prepared = native._as_float_array(r, "r")
    assert prepared is r
    frames = native._as_frames(prepared, r.shape[-1])
    assert frames.shape == (6, 9)
    assert np.shares_memory(frames, r)
    # Non-contiguous or integer input is copied (there is no other way).
    assert not np.shares_memory(native._as_float_array(r.T, "r"), r)
    assert native._as_float_array(np.arange(3), "r").dtype == np.float64


# ---------------------------------------------------------------------------
# C interface directly: status codes and argument checks in C
# ---------------------------------------------------------------------------

@needs_c
def test_c_status_codes_and_argument_checks():
    ffi, lib = native._ffi, native._lib
    assert (lib.FG_OK, lib.FG_EINVAL, lib.FG_ENONFINITE, lib.FG_EDOMAIN) == (0, 1, 2, 3)
    assert ffi.string(lib.fg_strerror(lib.FG_ENONFINITE)) == b"input contains NaN or infinity"
    r = np.ascontiguousarray(random_autocorr((2,), 4, seed=9))
    a = np.full((2, 4), -7.0)
    err = np.full(2, -7.0)
    rp, ap, ep = (ffi.from_buffer("double[]", x) for x in (r, a, err))
    assert lib.fg_levinson_f64(rp, 2, 4, 0, ap, ep) == lib.FG_EINVAL  # order 0
    assert lib.fg_levinson_f64(rp, 2, 3, 3, ap, ep) == lib.FG_EINVAL  # stride < order+1
    assert lib.fg_levinson_f64(ffi.NULL, 2, 4, 3, ap, ep) == lib.FG_EINVAL
    assert lib.fg_levinson_f64(ffi.NULL, 0, 4, 3, ffi.NULL, ffi.NULL) == lib.FG_OK
    r[1, 2] = np.nan
    assert lib.fg_levinson_f64(rp, 2, 4, 3, ap, ep) == lib.FG_ENONFINITE
    # Inputs are checked before anything is written.
    assert np.all(a == -7.0) and np.all(err == -7.0)
    r[1, 2] = 0.0
    assert lib.fg_levinson_f64(rp, 2, 4, 3, ap, ep) == lib.FG_OK
    assert np.all(a[:, 0] == 1.0)

    c = np.full((2, 5), -7.0)
    cp = ffi.from_buffer("double[]", c)
    assert lib.fg_lpc_to_cepstrum_f64(ap, 2, 0, 5, cp) == lib.FG_EINVAL
    assert lib.fg_lpc_to_cepstrum_f64(ap, 2, 3, 0, cp) == lib.FG_EINVAL
    a[1, 0] = -1.0
    assert lib.fg_lpc_to_cepstrum_f64(ap, 2, 3, 5, cp) == lib.FG_EDOMAIN
    assert np.all(c == -7.0)
    a[1, 0] = 1.0
    assert lib.fg_lpc_to_cepstrum_f64(ap, 2, 3, 5, cp) == lib.FG_OK
    np.testing.assert_allclose(c, reference.lpc_to_cepstrum(a, 5), rtol=1e-12)


@needs_c
def test_header_is_the_cdef_source():
    from featgraph.native import build

    header = (REPO_ROOT / "featgraph" / "native" / "featgraph.h").read_text()
    cdef = build.cdef_from_header(header)
    directives = [line.strip() for line in cdef.splitlines() if line.lstrip().startswith("#")]
    assert directives == [
        "#define FG_OK 0", "#define FG_EINVAL 1", "#define FG_ENONFINITE 2",
        "#define FG_EDOMAIN 3", "#define FG_ENOMEM 4", "#define FG_AMDF_LAGS 6",
        "#define FG_BANDED_LANES 32", "#define FG_CQ_FRAME_COLS 24",
    ]
    assert "#include" in header and "#ifndef FEATGRAPH_H" in header
    for name in ("fg_levinson_f64", "fg_levinson_f32", "fg_lpc_to_cepstrum_f64",
                 "fg_lpc_to_cepstrum_f32", "fg_strerror", "fg_one_pole_f64", "fg_one_pole_f32"):
        assert name in cdef and hasattr(native._lib, name)

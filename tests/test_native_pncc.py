"""PNCC's C kernels (native/pncc.c) against their numpy reference and closed forms
(Kim & Stern 2016); run by tools/sanitize.py under AddressSanitizer and UBSan."""
import numpy as np
import pytest

from featgraph.native import pncc as kernels
from featgraph.native import reference_pncc as ref

RNG = np.random.default_rng(10)
BACKENDS = ["c", "numpy"]


def suppress(backend, p, q, state, **kw):
    fn = ref.pncc_suppress if backend == "numpy" else kernels.pncc_suppress
    return fn(p, q, state, **kw)


def normalize(backend, t, state, **kw):
    fn = ref.mean_power_norm if backend == "numpy" else kernels.mean_power_norm
    return fn(t, state, **kw)


def test_c_kernels_match_the_reference_across_chunks():
    p = RNG.random((2, 300, 40)) ** 6 * 1e4
    q = p * RNG.uniform(0.5, 2.0, p.shape)
    p[:, 100:130] = 0.0                                   # exact zeros on the way
    q[:, 100:120] = 0.0
    kw = dict(lambda_a=0.99, lambda_b=0.3, c=1.5, lambda_t=0.8, mu_t=0.3, n_smooth=3)
    s_ref, s_c = ref.suppress_state((2,), 40), kernels.suppress_state((2,), 40)
    want = ref.pncc_suppress(p, q, s_ref, **kw)
    got = np.concatenate([kernels.pncc_suppress(p[:, a:b], q[:, a:b], s_c, **kw)
                          for a, b in [(0, 1), (1, 77), (77, 77), (77, 300)]], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
    np.testing.assert_allclose(s_c, s_ref, rtol=1e-13)
    n_ref, n_c = ref.norm_state((2,)), kernels.norm_state((2,))
    u_ref = ref.mean_power_norm(want, n_ref, lambda_mu=0.95, k=3.0)
    u_c = np.concatenate([kernels.mean_power_norm(want[:, a:b], n_c, lambda_mu=0.95, k=3.0)
                          for a, b in [(0, 5), (5, 6), (6, 300)]], axis=1)
    np.testing.assert_allclose(u_c, u_ref, rtol=1e-13)


@pytest.mark.parametrize("backend", BACKENDS)
def test_noise_suppression_of_a_step_is_the_asymmetric_filter_closed_form(backend):
    # One band, no smoothing: Q steps 0 -> 1 at frame 10. Then Q_le = 1 - 0.999^(m-9)
    # (eq. 5 rising), Q0 = 0.999^(m-9), no masking (Q0 decays slower than lambda_t),
    # excitation while Q >= 2 Q_le, Q_f < Q0: T = P Q0 / Q = 0.999^(m-9).
    q = np.zeros((700, 1))
    q[10:] = 1.0
    t = suppress(backend, q, q, ref.suppress_state((), 1), n_smooth=0)
    m = np.arange(10, 600)
    np.testing.assert_allclose(t[10:600, 0], 0.999 ** (m - 9), rtol=1e-11)
    assert (t[:10] == 0).all()
    y = ref.asymmetric_filter(q)                         # the filter itself
    np.testing.assert_allclose(y[10:, 0], 1 - 0.999 ** (np.arange(10, 700) - 9), rtol=1e-11)
    down = ref.asymmetric_filter(np.r_[np.ones(5), np.zeros(5)][:, None], 0.999, 0.5, 1.0)
    np.testing.assert_allclose(down[5:, 0], 0.5 ** np.arange(1, 6))


@pytest.mark.parametrize("backend", BACKENDS)
def test_temporal_masking_holds_mu_t_times_the_previous_peak(backend):
    # Q = 1 from frame 10, falls to 0.05 at frame 20: Q0[19] = 0.999^10 is the peak,
    # Q0[20] < lambda_t * peak, so R = mu_t * peak (eq. 10), above the floor Q_f.
    q = np.zeros((25, 1))
    q[10:20] = 1.0
    q[20:] = 0.05
    t = suppress(backend, q, q, ref.suppress_state((), 1), n_smooth=0)
    assert t[20, 0] == pytest.approx(0.2 * 0.999 ** 10, rel=1e-12)
    off = suppress(backend, q, q, ref.suppress_state((), 1), n_smooth=0,
                   temporal_masking=False)
    q_le = 0.999 * (1 - 0.999 ** 10) + 0.001 * 0.05          # rising update at frame 20
    assert off[20, 0] == pytest.approx(0.05 - q_le, rel=1e-9)   # R = Q0 without masking
    assert np.array_equal(off[:20], t[:20])


@pytest.mark.parametrize("backend", BACKENDS)
def test_weight_smoothing_is_the_mean_over_neighbouring_bands(backend):
    # In the first frame R = Q0 = 0.1 Q (Q_le = 0.9 Q, then the rising update adds
    # 0.001 * 0.1 Q) unless Q < c Q_le: then R = Q_f. With c = 0 the weight is
    # w = Q0 / Q = 0.0999 for every band, so T = 0.0999 P whatever N is.
    q = RNG.random((1, 9)) + 0.5
    p = RNG.random((1, 9))
    for n in (0, 2, 20):
        t = suppress(backend, p, q, ref.suppress_state((), 9), c=0.0, n_smooth=n)
        np.testing.assert_allclose(t, p * (1 - 0.999 * 0.9 - 0.001), rtol=1e-12)
    # Distinct weights: make one band's Q zero, its weight is 0 and it counts in the means.
    q[0, 4] = 0.0
    t = suppress(backend, p, q, ref.suppress_state((), 9), c=0.0, n_smooth=2)
    w = np.full(9, 0.0999)
    w[4] = 0.0
    want = [p[0, l] * w[max(l - 2, 0):l + 3].mean() for l in range(9)]
    np.testing.assert_allclose(t[0], want, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_mean_power_normalisation_closed_forms(backend):
    t = RNG.random((50, 8)) * 7
    u = normalize(backend, t, ref.norm_state(()), lambda_mu=0.999, k=2.0)
    running = np.cumsum(t.mean(1)) / np.arange(1, 51)          # warm-up: the running mean
    np.testing.assert_allclose(u, 2.0 * t / running[:, None], rtol=1e-12)
    # scale invariance (the point of eq. 15)
    np.testing.assert_allclose(normalize(backend, 1e6 * t, ref.norm_state(())), u / 2.0,
                               rtol=1e-12)
    # from mu0: mu[m] = lam^(m+1) mu0 + (1 - lam^(m+1)) a for constant power a
    const = np.full((30, 4), 3.0)
    u = normalize(backend, const, ref.norm_state((), 10.0), lambda_mu=0.9)
    mu = 0.9 ** np.arange(1, 31) * 10 + (1 - 0.9 ** np.arange(1, 31)) * 3
    np.testing.assert_allclose(u[:, 0], 3.0 / mu, rtol=1e-12)
    zeros = normalize(backend, np.zeros((5, 3)), ref.norm_state(()))
    assert (zeros == 0).all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_kernel_argument_errors(backend):
    p = np.ones((3, 2))
    with pytest.raises(ValueError, match="NaN or infinity"):
        suppress(backend, p * np.nan, p, ref.suppress_state((), 2))
    with pytest.raises(ValueError, match="non-negative"):
        suppress(backend, -p, p, ref.suppress_state((), 2))
    with pytest.raises(ValueError, match=r"lambda_a must be in \[0, 1\)"):
        suppress(backend, p, p, ref.suppress_state((), 2), lambda_a=1.0)
    with pytest.raises(ValueError, match="non-negative"):
        normalize(backend, -p, ref.norm_state(()))
    with pytest.raises(ValueError, match="k must be finite and > 0"):
        normalize(backend, p, ref.norm_state(()), k=0.0)


def test_bridge_checks_the_state():
    with pytest.raises(ValueError, match="state must be"):
        kernels.pncc_suppress(np.ones((3, 2)), np.ones((3, 2)), np.zeros(6))
    with pytest.raises(ValueError, match="equal shapes"):
        kernels.pncc_suppress(np.ones((3, 2)), np.ones((4, 2)), np.zeros(7))


def blocks(fn, x, sizes, M, **kw):
    """``fn`` (the block kernel or its reference) over chunks of ``x`` (..., frames, bands)
    as the pncc_suppression op drives it: history of 2M frames, M frames of look-ahead,
    the rest at the end.  Returns the joined output and the final state."""
    lead, n_bands = x.shape[:-2], x.shape[-1]
    hist, state = np.zeros(lead + (0, n_bands)), ref.suppress_state(lead, n_bands)
    out, seen, done, start = [], 0, 0, 0
    for size in list(sizes) + [None]:
        a = x[..., start:None if size is None else start + size, :]
        start += a.shape[-2]
        seen += a.shape[-2]
        stop = seen if size is None else max(done, seen - M)
        base = seen - hist.shape[-2] - a.shape[-2]
        out.append(fn(a, hist, done - base, stop - done, state, M, **kw))
        done = stop
        hist = np.concatenate([hist, a.astype(np.float64)], axis=-2)
        hist = hist[..., max(hist.shape[-2] - 2 * M, 0):, :]
    return np.concatenate(out, axis=-2), state


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("M, n_smooth, masking", [(2, 4, True), (0, 0, True), (3, 2, False),
                                                  (1, 50, True)])
def test_block_kernel_equals_its_reference_bit_for_bit(dtype, M, n_smooth, masking):
    x = (RNG.random((2, 157, 11)) ** 6 * 1e4).astype(dtype)
    x[:, 40:60] = 0.0                                      # exact zeros on the way
    kw = dict(lambda_a=0.99, lambda_b=0.3, c=1.5, lambda_t=0.8, mu_t=0.3,
              temporal_masking=masking, n_smooth=n_smooth)
    want, s_ref = blocks(ref.pncc_suppression, x, [157], M, **kw)
    assert want.dtype == dtype and want.shape == x.shape
    for sizes in ([157], [1] * 20 + [3, 0, 50], [0, 2, 1, 7, 60, 5]):
        got, s_c = blocks(kernels.pncc_suppression, x, sizes, M, **kw)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(s_c, s_ref)
    # the same as the medium-time power and fg_pncc_suppress_f64 one after the other
    x64 = x.astype(np.float64)
    t = kernels.pncc_suppress(x64, ref.medium_time_power(x64, 0, 157, M),
                              ref.suppress_state((2,), 11), **kw)
    np.testing.assert_array_equal(want, t.astype(dtype))


@pytest.mark.parametrize("backend", BACKENDS)
def test_block_kernel_of_one_frame_and_of_nothing(backend):
    fn = ref.pncc_suppression if backend == "numpy" else kernels.pncc_suppression
    # One frame, Q = P: Q0 = 0.0999 Q, and Q < 2 Q_le, so R = Q_f = 0.9001 Q0
    one = fn(np.full((1, 5), 2.0, np.float32), np.zeros((0, 5)), 0, 1,
             ref.suppress_state((), 5), 2)
    assert one.dtype == np.float32
    np.testing.assert_allclose(one[0], 2.0 * 0.9001 * 0.0999, rtol=1e-7)
    state = ref.suppress_state((), 5)
    none = fn(np.zeros((0, 5)), np.ones((2, 5)), 2, 0, state, 2)
    assert none.shape == (0, 5) and (state == 0).all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_block_kernel_errors_leave_the_state_alone(backend):
    fn = ref.pncc_suppression if backend == "numpy" else kernels.pncc_suppression
    state = ref.suppress_state((), 2)
    h = np.zeros((0, 2))
    with pytest.raises(ValueError, match="NaN or infinity"):
        fn(np.array([[1.0, np.inf]] * 3), h, 0, 3, state)
    with pytest.raises(ValueError, match="non-negative"):
        fn(-np.ones((3, 2), np.float32), h, 0, 3, state)
    with pytest.raises(ValueError, match="NaN or infinity"):         # q overflows
        fn(np.full((3, 2), 1e308), h, 0, 3, state)
    with pytest.raises(ValueError, match="outside the 3 frames"):
        fn(np.ones((3, 2)), h, 1, 3, state)
    with pytest.raises(ValueError, match="must agree"):
        fn(np.ones((3, 2)), np.zeros((1, 3)), 0, 3, state)
    with pytest.raises(ValueError, match=r"lambda_t must be in \[0, 1\)"):
        fn(np.ones((3, 2)), h, 0, 3, state, lambda_t=1.0)
    assert (state == 0).all()


def test_float32_mean_power_norm_is_the_float64_result_rounded():
    t = (RNG.random((3, 80, 7)) ** 3 * 50).astype(np.float32)
    t[:, :4] = 0.0
    want = ref.mean_power_norm(t, ref.norm_state((3,)), lambda_mu=0.9, k=2.0)
    state = kernels.norm_state((3,))
    got = np.concatenate([kernels.mean_power_norm(t[:, a:b], state, lambda_mu=0.9, k=2.0)
                          for a, b in [(0, 1), (1, 30), (30, 80)]], axis=1)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want.astype(np.float32))
    with pytest.raises(ValueError, match="non-negative"):
        kernels.mean_power_norm(-t, kernels.norm_state((3,)))
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.mean_power_norm(np.full_like(t, np.inf), kernels.norm_state((3,)))

"""The pitch kernels (pitch.c): C against the numpy reference, the Viterbi against a dense
brute force (librosa's definition: the full transition matrix, first argmax), edge cases."""
import numpy as np
import pytest

from featgraph.native import pitch as kernels
from featgraph.native import reference_pitch as reference
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)


def random_cmnd(seed, frames=40, lags=30, ties=False):
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 1.5, (frames, lags))
    if ties:                                     # plateaus and repeated values
        c = np.round(c * 4) / 4
    c[::5] = 0.0                                 # silence: all zeros
    c[1::7, 3] = 0.05                            # a trough under the threshold
    return c


def brute_pick(c, threshold):
    """YIN's rule, written frame by frame with plain Python comparisons."""
    out = []
    for row in c:
        n = len(row)
        trough = [row[0] < row[1]] + [row[k] < row[k - 1] and row[k] <= row[k + 1]
                                      for k in range(1, n - 1)] + [row[-1] < row[-2]]
        below = [k for k in range(n) if trough[k] and row[k] < threshold]
        k = below[0] if below else int(np.argmin(row))
        shift = 0.0
        if 0 < k < n - 1:
            a = row[k + 1] + row[k - 1] - 2 * row[k]
            b = (row[k + 1] - row[k - 1]) / 2
            shift = -b / a if abs(b) < abs(a) else 0.0
        out.append(k + shift)
    return np.array(out)


@pytest.mark.parametrize("ties", [False, True])
def test_yin_pick_matches_a_direct_loop(backend, ties):
    c = random_cmnd(1, ties=ties)
    np.testing.assert_array_equal(kernels.yin_pick(c, 0.1), brute_pick(c, 0.1))
    np.testing.assert_array_equal(kernels.yin_pick(c, 10.0), brute_pick(c, 10.0))


def tables(lags, n_thr=20, lam=2.0):
    thresholds = np.linspace(0, 1, n_thr + 1)[1:]
    beta = np.full(n_thr, 1.0 / n_thr)
    prefix = np.array([np.sum(beta[:m]) for m in range(n_thr + 1)])
    fact = np.zeros(lags + 1)
    fact[1:] = (1 - np.exp(-lam)) / (1 - np.exp(-lam * np.arange(1, lags + 1)))
    return thresholds, beta, prefix, fact, np.exp(-lam * np.arange(lags))


def brute_probs(c, thresholds, beta, no_trough_prob, lam=2.0):
    """Mauch & Dixon's trough probabilities with scipy-free closed forms, per trough."""
    out = np.zeros_like(c)
    for f, row in enumerate(c):
        n = len(row)
        idx = [k for k in range(n) if (k == 0 and row[0] < row[1]) or (k == n - 1 and
               row[k] < row[k - 1]) or (0 < k < n - 1 and row[k] < row[k - 1] and
                                        row[k] <= row[k + 1])]
        if not idx:
            continue
        for m, th in enumerate(thresholds):
            below = [k for k in idx if row[k] < th]
            for rank, k in enumerate(below):
                pmf = (1 - np.exp(-lam)) * np.exp(-lam * rank) / (1 - np.exp(-lam * len(below)))
                out[f, k] += pmf * beta[m]
        g = min(idx, key=lambda k: (row[k], k))
        out[f, g] += no_trough_prob * sum(beta[m] for m, th in enumerate(thresholds)
                                          if not row[g] < th)
    return out


@pytest.mark.parametrize("ties", [False, True])
def test_pyin_trough_probs(backend, ties):
    c = random_cmnd(2, ties=ties)
    t = tables(c.shape[1])
    got = kernels.pyin_trough_probs(c, *t, 0.01)
    np.testing.assert_allclose(got, brute_probs(c, t[0], t[1], 0.01), rtol=1e-12, atol=1e-15)
    silent = np.all(c == 0, axis=1)
    assert silent.any() and np.all(got[silent] == 0)   # silence: no trough, no probability


@needs_c
def test_pyin_trough_probs_c_equals_reference_bitwise():
    c = random_cmnd(3, frames=200, lags=80)
    t = tables(80, n_thr=100)
    np.testing.assert_array_equal(kernels.pyin_trough_probs(c, *t, 0.3),
                                  reference.pyin_trough_probs(c, *t, 0.3))


def band_tables(rng, n, h, quantize):
    """Random band tables by target, entries outside 0..n-1 unused."""
    stay = rng.uniform(-6, -0.1, (n, 2 * h + 1))
    switch = stay - rng.uniform(1, 4)
    if quantize:
        stay, switch = np.round(stay), np.round(switch)
    return stay, switch


def dense_viterbi_ptr(log_obs, value, stay, switch, floor):
    """librosa's _viterbi forward pass on the dense log transition matrix."""
    n, cols = stay.shape
    h = cols // 2
    trans = np.full((2 * n, 2 * n), floor)
    for v in range(2):
        for w in range(2):
            tab = stay if v == w else switch
            for j in range(n):
                for i in range(max(0, j - h), min(n, j + h + 1)):
                    trans[v * n + i, w * n + j] = tab[j, i - j + h]
    ptrs = []
    for obs in log_obs:
        cand = value[:, None] + trans
        ptr = np.argmax(cand, axis=0)
        value = obs + cand[ptr, np.arange(2 * n)]
        ptrs.append(ptr)
    return np.array(ptrs), value


@pytest.mark.parametrize("n, h, quantize", [(7, 2, False), (7, 2, True), (12, 5, True),
                                            (5, 4, False), (1, 0, False), (9, 0, True)])
def test_viterbi_step_matches_the_dense_argmax(backend, n, h, quantize):
    rng = np.random.default_rng(n * 10 + h)
    stay, switch = band_tables(rng, n, h, quantize)
    floor = -30.0
    log_obs = rng.uniform(-8, 0, (25, 2 * n))
    log_obs[:, :n][rng.random((25, n)) < 0.6] = floor        # dead voiced states
    if quantize:
        log_obs = np.round(log_obs)
    value = rng.uniform(-5, 0, 2 * n)
    if quantize:
        value = np.round(value)
    want_ptr, want_value = dense_viterbi_ptr(log_obs, value.copy(), stay, switch, floor)
    got_value = value.copy()
    got_ptr = kernels.viterbi_step(log_obs, got_value, stay, switch, floor)
    np.testing.assert_array_equal(got_ptr, want_ptr)
    np.testing.assert_array_equal(got_value, want_value)


@needs_c
def test_viterbi_c_equals_reference_on_a_long_run():
    rng = np.random.default_rng(5)
    n, h = 61, 10
    stay, switch = band_tables(rng, n, h, False)
    log_obs = np.where(rng.random((60, 2 * n)) < 0.9, -708.0, rng.uniform(-5, 0, (60, 2 * n)))
    v1, v2 = np.zeros(2 * n), np.zeros(2 * n)
    p1 = kernels.viterbi_step(log_obs, v1, stay, switch, -708.0)
    p2 = reference.viterbi_step(log_obs, v2, stay, switch, -708.0)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(kernels.viterbi_backtrack(p1, 3),
                                  reference.viterbi_backtrack(p2, 3))


def test_backtrack_follows_the_pointers(backend):
    ptr = np.array([[0, 0, 0], [2, 0, 1], [1, 2, 0], [0, 0, 2]], dtype=np.uint16)
    # s[3] = 1 -> s[2] = ptr[3][1] = 0 -> s[1] = ptr[2][0] = 1 -> s[0] = ptr[1][1] = 0
    assert kernels.viterbi_backtrack(ptr, 1).tolist() == [0, 1, 0, 1]
    assert kernels.viterbi_backtrack(np.zeros((0, 3), np.uint16), 0).shape == (0,)
    with pytest.raises(ValueError, match="last"):
        kernels.viterbi_backtrack(ptr, 3)


def test_edge_cases(backend):
    assert kernels.yin_pick(np.zeros((0, 5)), 0.1).shape == (0,)
    assert kernels.yin_pick(np.zeros((2, 5)), 0.1).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="at least 3 lags"):
        kernels.yin_pick(np.zeros((2, 2)), 0.1)
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.yin_pick(np.array([[0.0, np.nan, 1.0]]), 0.1)
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.pyin_trough_probs(np.array([[0.0, np.inf, 1.0]]), *tables(3), 0.01)
    with pytest.raises(ValueError, match="tables"):
        kernels.pyin_trough_probs(np.zeros((1, 4)), *tables(3), 0.01)
    stay = np.zeros((3, 3))
    value = np.zeros(6)
    assert kernels.viterbi_step(np.zeros((0, 6)), value, stay, stay, -10.0).shape == (0, 6)
    with pytest.raises(ValueError, match="log_obs"):
        kernels.viterbi_step(np.zeros((2, 5)), value, stay, stay, -10.0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.viterbi_step(np.full((1, 6), np.nan), value, stay, stay, -10.0)
    with pytest.raises(ValueError, match="n_bins"):
        kernels.viterbi_step(np.zeros((1, 0)), np.zeros(0), np.zeros((0, 1)), np.zeros((0, 1)),
                             -10.0)


def test_acf_combine_equals_the_per_frame_products(backend):
    rng = np.random.default_rng(7)
    spec = rng.standard_normal((9, 6)) + 1j * rng.standard_normal((9, 6))
    phase = np.exp(-2j * np.pi * rng.random((3, 6)))
    m, q = 4, 2
    want = np.array([sum(np.conj(spec[t + i]) * phase[j] * spec[t + i + j]
                         for i in range(m) for j in range(min(q, m - 1 - i) + 1))
                     for t in range(9 - m + 1)])
    np.testing.assert_allclose(kernels.acf_combine(spec, m, q, phase), want, rtol=1e-13)
    one = kernels.acf_combine(spec[:1], 1, 0, phase[:1])
    np.testing.assert_allclose(one, np.abs(spec[:1]) ** 2 * phase[0], rtol=1e-13)
    with pytest.raises(ValueError, match="acf_combine"):
        kernels.acf_combine(spec, 10, 1, phase[:2])
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.acf_combine(np.full((4, 6), np.nan + 0j), 4, 1, phase[:2])


def test_yin_cmnd_by_its_definition(backend):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((5, 64))
    x[0] = 0.0                                           # silence: 0 everywhere
    r = np.array([[np.dot(f[:64 - k], f[k:]) for k in range(31)] for f in x])
    got = kernels.yin_cmnd(r, x, 3, 30)
    for f in range(5):
        d = [2 * (r[f, 0] - r[f, k]) - (0.0 if k == 1 else np.sum(x[f, :k] ** 2))
             for k in range(1, 31)]
        want = [d[k - 1] / (np.sum(d[:k]) / k + np.finfo(float).tiny) for k in range(3, 31)]
        np.testing.assert_allclose(got[f], want, rtol=1e-10, atol=1e-300)
    assert np.all(got[0] == 0)
    assert kernels.yin_cmnd(np.zeros((0, 31)), np.zeros((0, 64)), 3, 30).shape == (0, 28)
    with pytest.raises(ValueError, match="yin_cmnd"):
        kernels.yin_cmnd(r[:, :20], x, 3, 30)
    with pytest.raises(ValueError, match="NaN or infinity"):
        kernels.yin_cmnd(np.full((1, 31), np.inf), x[:1], 3, 30)


@needs_c
def test_yin_cmnd_c_equals_reference_bitwise():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((20, 300))
    r = rng.standard_normal((20, 200))
    np.testing.assert_array_equal(kernels.yin_cmnd(r, x, 10, 199),
                                  reference.yin_cmnd(r, x, 10, 199))

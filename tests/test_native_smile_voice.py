"""The openSMILE-compatible voice kernels (smile_voice.c): C against the numpy reference,
the Viterbi forward pass against a brute-force path search, and edge cases."""
import itertools
from pathlib import Path

import numpy as np
import pytest

from featgraph import native
from featgraph.native import reference_voice as reference
from featgraph.native import smile_voice as kernels
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)

W = dict(w_vv=10.0, w_vvd=5.0, w_switch=5.0, w_uu=0.0)


def random_lattice(seed, n=30, states=7):
    rng = np.random.default_rng(seed)
    f0 = rng.uniform(60, 500, (n, states)) * (rng.random((n, states)) < 0.7)
    f0[:, -1] = 0.0
    f0[::6, :-1] = 0.0                      # frames without candidates
    lc = rng.uniform(0, 6, (n, states))
    return f0, lc


def forward(f0, lc, started=False, state=None, **w):
    s = f0.shape[1]
    f_prev, cost, slope = state if state else (np.zeros(s), np.zeros(s), np.zeros(s))
    ptr, best = kernels.viterbi_forward(f0, lc, w["w_vv"], w["w_vvd"], w["w_switch"],
                                        w["w_uu"], started, f_prev, cost, slope)
    return ptr, best, (f_prev, cost, slope)


@pytest.mark.parametrize("seed", range(4))
def test_viterbi_forward_c_equals_numpy(seed, monkeypatch):
    if native.BACKEND != "c":
        pytest.skip("C kernels not loaded")
    f0, lc = random_lattice(seed)
    got = forward(f0, lc, **W)
    monkeypatch.setattr(native, "BACKEND", "numpy")
    want = forward(f0, lc, **W)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    for a, b in zip(got[2], want[2]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def path_cost(f0, lc, path, w):
    total, slope = lc[0, path[0]], 0.0
    uv = f0.shape[1] - 1
    for t in range(1, len(path)):
        r, s = path[t - 1], path[t]
        vr, vs = r < uv, s < uv
        if vr and vs:
            d = np.log2(f0[t, s] / f0[t - 1, r])
            total += w["w_vv"] * abs(d) + w["w_vvd"] * abs(d - slope)
            slope = d
        else:
            total += w["w_uu"] if not vr and not vs else w["w_switch"]
            slope = 0.0
        total += lc[t, s]
    return total


def test_viterbi_without_slope_term_finds_the_cheapest_path(backend):
    """With w_vvd = 0 the recursion is exact dynamic programming: its best final cost
    equals the minimum over every path (brute force on a small lattice)."""
    f0, lc = random_lattice(3, n=5, states=3)
    w = dict(W, w_vvd=0.0)
    _, best, (_, cost, _) = forward(f0, lc, **w)
    valid = [[s for s in range(3) if s == 2 or f0[t, s] > 0] for t in range(5)]
    brute = min(path_cost(f0, lc, p, w) for p in itertools.product(*valid))
    assert cost[best[-1]] == pytest.approx(brute, rel=1e-12)


def test_viterbi_streams_in_pieces(backend):
    f0, lc = random_lattice(5, n=40)
    ptr_w, best_w, st_w = forward(f0, lc, **W)
    ptr_a, best_a, st = forward(f0[:13], lc[:13], **W)
    ptr_b, best_b, st = forward(f0[13:], lc[13:], started=True, state=st, **W)
    np.testing.assert_array_equal(np.concatenate([ptr_a, ptr_b]), ptr_w)
    np.testing.assert_array_equal(np.concatenate([best_a, best_b]), best_w)


def test_viterbi_rejects_bad_input(backend):
    f0, lc = random_lattice(0, n=4)
    with pytest.raises(ValueError, match="NaN|infinit|finite"):
        forward(np.where(f0 > 0, np.nan, f0), lc, **W)
    with pytest.raises(ValueError, match="states"):
        forward(f0[:, :1], lc[:, :1], **W)
    ptr, best, _ = forward(f0[:0], lc[:0], **W)
    assert ptr.shape == (0, 7) and best.shape == (0,)


def voiced_signal(seed, n=40, hop=160, span=960):
    """A voiced signal with drifting F0 (cubed sine + noise), F0 per hop, some frames unvoiced."""
    rng = np.random.default_rng(seed)
    f0 = np.repeat(rng.uniform(80, 300, n // 8), 8)
    phase = 2 * np.pi * np.cumsum(np.repeat(f0, hop)) / 16000.0
    sig = np.sin(phase) ** 3 + 0.3 * rng.standard_normal(len(phase))
    sig = np.concatenate([sig, 0.1 * rng.standard_normal(span)])
    f0[5::9] = 0.0
    return sig, f0


START = np.array([-1.0, 0.0, 0.0, 0.0, 0.0])


def jitter_both_backends(monkeypatch, sig, f0, *args):
    """``smile_jitter(sig, f0, *args, state)`` with the C kernels and then with numpy, from
    the same starting state; asserts the two agree and returns the C result."""
    if native.BACKEND != "c":
        pytest.skip("C kernels not loaded")
    st_c, st_n = START.copy(), START.copy()
    got = kernels.smile_jitter(sig, f0, *args, st_c)
    monkeypatch.setattr(native, "BACKEND", "numpy")
    want = kernels.smile_jitter(sig, f0, *args, st_n)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(st_c, st_n, rtol=1e-12)
    return got


@pytest.mark.parametrize("refs, name", [("edge", "vib14"), ("edge", "steps"),
                                        ("range", "range_tone"), ("range", "range_pulse_16k"),
                                        ("range", "gaps_8k")])
def test_jitter_c_equals_numpy_across_range_ends(refs, name, monkeypatch):
    """8 and 16 kHz probes whose period leaves the lag range or sits at its ends (maxima at
    its ends, interior local maxima, vertex values near min_cc; tests/data/
    egemaps_edge_refs.npz with openSMILE's F0, egemaps_range_refs.npz with F0 blocks)."""
    refs = np.load(Path(__file__).parent / "data" / f"egemaps_{refs}_refs.npz")
    sr = int(refs[f"{name}/sr"])
    x = refs[f"{name}/x"].astype(np.float64) / 32767
    f0 = refs[f"{name}/f0"].astype(np.float64)
    hop, span = sr // 100, 6 * sr // 100
    sig = np.concatenate([np.zeros(hop), x, np.zeros(2 * span)])
    got = jitter_both_backends(monkeypatch, sig, f0, hop, span, float(sr), 0.1, 0.5)
    assert (f0 > 0).sum() > 80 and np.any(got[0] > 0) and np.any(got[1] > 0)


@pytest.mark.parametrize("seed", range(3))
def test_jitter_c_equals_numpy(seed, monkeypatch):
    sig, f0 = voiced_signal(seed)
    got = jitter_both_backends(monkeypatch, sig, f0, 160, 960, 16000.0, 0.1, 0.5)
    assert np.all(got[0][f0 == 0] == 0) and np.any(got[0] > 0)


@pytest.mark.parametrize("search_rel", [0.01, 0.03, 0.04, 0.07, 0.3])
def test_jitter_c_equals_numpy_across_lag_counts(search_rel, monkeypatch):
    """The C correlations run eight lags at a time: search ranges of fewer than eight lags,
    of a few more (the last group overlaps the one before) and of many give numpy's."""
    sig, f0 = voiced_signal(11, n=48)
    got = jitter_both_backends(monkeypatch, sig, f0, 160, 960, 16000.0, search_rel, 0.3)
    assert np.any(got[0] > 0)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("base", [160, 160 + 960])
def test_jitter_state_carries_across_chunks(seed, base, backend):
    """Chunk k's sig starts ``base`` samples before its first frame (marks may lag behind
    their frame's block: with base = hop + span every mark the whole run keeps is in reach)."""
    sig, f0 = voiced_signal(seed)
    sig = np.concatenate([np.zeros(base - 160), sig])
    st = START.copy()
    whole = kernels.smile_jitter(sig, f0, 160, 960, 16000.0, 0.1, 0.5, st, base)
    st, parts, a = START.copy(), [], 0
    for b in (7, 8, 23, 40):
        sub = sig[a * 160:(b - 1) * 160 + base + 960]
        parts.append(kernels.smile_jitter(sub, f0[a:b], 160, 960, 16000.0, 0.1, 0.5, st, base))
        a = b
    for k in range(2):
        got = np.concatenate([p[k] for p in parts])
        if base > 160:
            np.testing.assert_array_equal(got, whole[k])
        else:                        # too little history: a lagging mark is dropped
            assert np.mean(got == whole[k]) > 0.8


def test_jitter_of_a_perfect_periodic_signal_is_small(backend):
    sr, f = 16000, 125.0                    # 128 samples per period, exactly periodic
    t = np.arange(160 * 10 + 960) / sr
    x = np.sin(2 * np.pi * f * t) + 0.4 * np.sin(4 * np.pi * f * t + 0.3)
    jit, shim = kernels.smile_jitter(x, np.full(10, f), 160, 960, sr, 0.1, 0.5, START.copy())
    assert np.all(jit[2:] < 1e-6) and np.all(shim[2:] < 1e-6) and np.all(jit >= 0)


def test_jitter_edge_cases(backend):
    z = np.zeros(160 * 2 + 960)
    jit, shim = kernels.smile_jitter(z, np.array([100.0, 0.0]), 160, 960, 16000.0, 0.1, 0.5,
                                     START.copy())
    assert np.all(jit == 0) and np.all(shim == 0)             # silence: no periods
    st = START.copy()                                         # too little data: no period
    one = kernels.smile_jitter(np.ones(8), np.array([50.0]), 8, 0, 16000.0, 0.1, 0.5, st)
    assert one[0][0] == 0
    with pytest.raises(ValueError):
        kernels.smile_jitter(z, np.array([100.0, np.inf]), 160, 960, 16000.0, 0.1, 0.5,
                             START.copy())
    with pytest.raises(ValueError):
        kernels.smile_jitter(z, np.array([100.0, 0.0]), 160, 960, 16000.0, 1.5, 0.5, START.copy())
    with pytest.raises(ValueError):
        kernels.smile_jitter(z[:100], np.array([100.0, 0.0]), 160, 960, 16000.0, 0.1, 0.5,
                             START.copy())
    with pytest.raises(ValueError):                           # state of the wrong shape
        kernels.smile_jitter(z, np.array([100.0, 0.0]), 160, 960, 16000.0, 0.1, 0.5, START[:3])
    with pytest.raises(ValueError):                           # too many lags
        kernels.smile_jitter(z, np.array([1.0, 0.0]), 160, 960, 16000.0, 0.5, 0.5, START.copy())


def test_reference_is_the_numpy_backend():
    assert kernels.reference is reference


# ---- the HNR's nearest peak of |r| ----------------------------------------------------------

def _nearest_by_hand(r, k, half):
    """The definition row by row: lag half when k >= half and |r| rises into it, else the
    lags k, k - 1, k + 1, k - 2, ... (k clipped to half) until a strict local maximum of
    |r| inside 1 .. half - 1."""
    a = np.abs(r)
    out = []
    for row, kk in zip(a, k):
        if half < 2 or kk < 1:
            out.append(-1)
            continue
        if kk >= half and row[half] > row[half - 1]:
            out.append(half)
            continue
        kk = min(kk, half)
        order = [kk] + [c for d in range(1, half + 1) for c in (kk - d, kk + d)]
        hit = [c for c in order if 1 <= c <= half - 1 and row[c] > row[c - 1]
               and row[c] > row[c + 1]]
        out.append(hit[0] if hit else -1)
    return np.array(out)


@pytest.mark.parametrize("half", [0, 1, 2, 3, 8, 64])
def test_nearest_peak_against_the_definition(backend, half):
    rng = np.random.default_rng(half)
    n = 300
    r = rng.standard_normal((n, half + 1))
    r[::7] = np.round(r[::7])                         # plateaus and ties: no strict maximum
    r[5] = 0.0
    r[6, :] = np.arange(half + 1)                     # rising: a peak only at half
    k = rng.integers(-2, half + 4, n)
    got = kernels.nearest_peak(r, k, half)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, _nearest_by_hand(r, k, half))


@needs_c
def test_nearest_peak_c_equals_numpy_on_autocorrelations(monkeypatch):
    """On autocorrelations of noisy periodic frames (the HNR's input), a NaN row included."""
    rng = np.random.default_rng(3)
    n, half = 500, 512
    t = np.arange(960)
    x = np.sin(2 * np.pi * t[None, :] / rng.uniform(20, 200, (n, 1))) \
        + rng.standard_normal((n, 960)) * rng.uniform(0, 2, (n, 1))
    r = np.fft.irfft(np.abs(np.fft.rfft(x, 1024)) ** 2)[:, :half + 1]
    r[3, 100] = np.nan
    k = rng.integers(0, 600, n)
    want = reference.nearest_peak(r, k, half)
    monkeypatch.setattr(native, "BACKEND", "c")
    np.testing.assert_array_equal(kernels.nearest_peak(r, k, half), want)
    with pytest.raises(ValueError, match="half"):
        kernels.nearest_peak(r, k[:-1], half)

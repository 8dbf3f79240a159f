"""The S-transform and the fast discrete S-transform: closed forms (Stockwell et al. 1996;
Brown, Lauzon & Frayne 2010), finite on hard inputs."""
import numpy as np
import pytest

from conftest import EDGE_SIGNALS, edge_signal
from featgraph.nodes.stockwell import FST, ST, fst_bands
from streamcheck import signal

SR = 8000


def test_time_average_of_the_full_st_is_the_spectrum():
    """Stockwell, Mansinha & Lowe 1996, eq. 5 (discrete: eq. 8 summed over j): the mean over
    time of S[j, k] is X[k] = (1/N) sum x[t] exp(-i 2 pi k t / N)."""
    y = np.random.default_rng(0).standard_normal(500)
    s = ST(hop=1)(signal(y, SR))
    assert s.data.shape == (251, 500)
    np.testing.assert_allclose(s.axis, np.arange(251) * SR / 500)
    want = np.fft.rfft(y) / 500
    assert np.max(np.abs(s.data.mean(axis=1) - want)) <= 1e-8


@pytest.mark.parametrize("hop", [1, 4])
def test_cosine_has_half_its_amplitude(hop):
    """A cosine of amplitude A at a DFT bin: |S| = A / 2 at its frequency, at every time."""
    n, k, amp = 1024, 37, 0.8
    y = amp * np.cos(2 * np.pi * k * np.arange(n) / n + 0.3)
    s = ST(hop=hop)(signal(y, SR))
    row = int(np.argmin(np.abs(s.axis - k * SR / n)))
    np.testing.assert_allclose(np.abs(s.data[row]), amp / 2, rtol=1e-9)


def test_cosine_off_the_bin_grid_away_from_the_edges():
    n, f, amp = 4000, 523.3, 1.3
    y = amp * np.cos(2 * np.pi * f * np.arange(n) / SR)
    s = ST(hop=8, fmin=400.0, fmax=700.0)(signal(y, SR))
    row = int(np.argmin(np.abs(s.axis - f)))
    mid = np.abs(s.data[row, 100:-100])
    np.testing.assert_allclose(mid, amp / 2, rtol=0.01)


def test_n_freqs_picks_bins_and_hop_decimates_the_full_transform():
    y = np.random.default_rng(1).standard_normal(600)
    full = ST(hop=1)(signal(y, SR)).data
    some = ST(hop=3, n_freqs=20, fmin=100.0, fmax=3000.0)(signal(y, SR))
    rows = np.rint(some.axis * 600 / SR).astype(int)
    np.testing.assert_allclose(some.data, full[rows][:, ::3], atol=1e-12)


def test_fst_bands_and_cosine_amplitude():
    assert fst_bands(1, 512, 1).tolist() == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    n, k, amp = 4096, 300, 0.8
    y = amp * np.cos(2 * np.pi * k * np.arange(n) / n)
    f = FST(hop=16)(signal(y, SR))
    assert f.data.shape == (11, 1 + n // 16)
    band = int(np.searchsorted(fst_bands(1, 2048, 1), k, side="right")) - 1
    np.testing.assert_allclose(np.abs(f.data[band]), amp / 2, rtol=1e-9)
    others = np.delete(np.abs(f.data), band, axis=0)
    assert others.max() < 1e-9


def test_fst_is_the_band_limited_inverse_dft():
    """Brown et al. 2010, eq. 30 with a boxcar window: c_b[tau] = sum over the band's bins of
    X[k_b + m] exp(i 2 pi m tau / beta); hop 1 samples coefficient floor(t beta / N)."""
    n = 1024
    y = np.random.default_rng(2).standard_normal(n)
    f = FST(hop=1, bins_per_octave=2)(signal(y, SR)).data
    X = np.fft.rfft(y) / n
    edges = fst_bands(1, n // 2, 2)
    for b, (k0, k1) in enumerate(zip(edges[:-1], edges[1:])):
        beta = k1 - k0
        tau = np.arange(beta)
        c = np.exp(2j * np.pi * np.outer(tau, np.arange(beta)) / beta) @ X[k0:k1]
        np.testing.assert_allclose(f[b, :n], c[np.arange(n) * beta // n], atol=1e-12)


@pytest.mark.parametrize("case", EDGE_SIGNALS)
@pytest.mark.parametrize("op", [ST(n_freqs=64), FST(), ST(hop=1, fmin=100.0, fmax=400.0)])
def test_finite_on_hard_inputs(case, op):
    out = op(signal(edge_signal(case), 16000)).data
    assert out.size and np.isfinite(out).all()

"""LPC by the covariance method and LPC cepstra with gain (c0 = ln G): closed forms
of a known all-pole filter, numpy.linalg.lstsq, the FFT cepstrum, chunked = whole,
finiteness, validation."""
import numpy as np
import pytest
from conftest import EDGE_SIGNALS, edge_signal
from scipy.signal import lfilter

import featgraph
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import join_chunks, registry

POLES = np.array([0.9 * np.exp(0.3j), 0.9 * np.exp(-0.3j), 0.7 * np.exp(1.9j),
                  0.7 * np.exp(-1.9j), -0.5])
A = np.real(np.poly(POLES))                    # [1, a1 .. a5] of A(z) = prod (1 - z_i / z)


def op(name, **params):
    return registry()[name](op=name, **params)


def frames_of(rows, sr=16000.0):
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    return Feature(np.swapaxes(rows, -1, -2), Kind.FRAMES, sr, hop=rows.shape[-1],
                   win_length=rows.shape[-1])


def lpc_inputs(a, err):
    a = np.atleast_2d(a)
    coeffs = Feature(np.swapaxes(a, -1, -2), Kind.LPC, 16000.0)
    error = Feature(np.asarray(err, dtype=float).reshape(1, -1), Kind.FEATURE, 16000.0)
    return coeffs, error


def test_lpcc_of_a_known_all_pole_filter():
    """H(z) = G / A(z): c0 = ln G and c_n = sum_i z_i**n / n (Rabiner & Schafer 2007, ch. 5)."""
    gain = 0.3
    c = op("lpcc", n_ceps=20)(*lpc_inputs(A, gain ** 2)).data[:, 0]
    n = np.arange(1, 20)
    want = np.real((POLES[None, :] ** n[:, None]).sum(axis=1)) / n
    assert c[0] == pytest.approx(np.log(gain), rel=1e-12)
    np.testing.assert_allclose(c[1:], want, rtol=1e-10, atol=1e-14)


def test_lpcc_equals_twice_the_real_cepstrum_of_the_model_spectrum():
    """For a minimum-phase H the real cepstrum of ln|H| is c0 at 0 and c_n / 2 at n >= 1."""
    gain, n_fft = 2.5, 4096
    h = gain / np.fft.rfft(A, n_fft)
    real_cepstrum = np.fft.irfft(np.log(np.abs(h)), n_fft)
    c = op("lpcc", n_ceps=16)(*lpc_inputs(A, gain ** 2)).data[:, 0]
    assert c[0] == pytest.approx(real_cepstrum[0], abs=1e-12)
    np.testing.assert_allclose(c[1:], 2 * real_cepstrum[1:16], atol=1e-12)


def test_covariance_method_recovers_a_noise_free_all_pole_signal_exactly():
    # impulse response of 1 / A(z): x[n] = -sum_k a_k x[n-k] exactly for n >= 1
    x = lfilter([1.0], A, np.r_[1.0, np.zeros(59)])
    out = op("lpc_covariance", order=5, ridge=1e-15)(frames_of(x))
    np.testing.assert_allclose(out["coeffs"].data[:, 0], A, atol=1e-8)
    assert out["error"].data[0, 0] < 1e-12 * np.sum(x ** 2)
    # and its cepstrum is the filter's
    c = op("lpcc", n_ceps=8)(out["coeffs"], out["error"]).data[1:, 0]
    n = np.arange(1, 8)
    np.testing.assert_allclose(c, np.real((POLES[None, :] ** n[:, None]).sum(axis=1)) / n,
                               atol=1e-7)


def test_covariance_method_against_lstsq():
    x = np.random.default_rng(0).standard_normal((4, 120))
    x[:, 1:] += 0.6 * x[:, :-1]
    out = op("lpc_covariance", order=6, ridge=1e-14)(frames_of(x))
    for t, row in enumerate(x):
        past = np.stack([row[6 - k:120 - k] for k in range(1, 7)], axis=1)   # x[n-k], n >= 6
        coeffs, *_ = np.linalg.lstsq(past, -row[6:], rcond=None)
        residual = row[6:] + past @ coeffs
        np.testing.assert_allclose(out["coeffs"].data[1:, t], coeffs, rtol=1e-8, atol=1e-10)
        assert out["error"].data[0, t] == pytest.approx(residual @ residual, rel=1e-8)


def test_autocorrelation_method_from_time_domain_lags_estimates_an_ar_process():
    rng = np.random.default_rng(1)
    x = lfilter([1.0], A, rng.standard_normal(64000))
    fr = frames_of(x)
    lpc = op("lpc", order=5)(op("time_autocorrelation", n_lags=6)(fr))
    np.testing.assert_allclose(lpc["coeffs"].data[:, 0], A, atol=0.02)
    assert lpc["error"].data[0, 0] / x.size == pytest.approx(1.0, rel=0.03)   # unit innovation


def test_chunked_equals_whole():
    x = np.random.default_rng(2).standard_normal((30, 200))
    fr = frames_of(x)
    cov, lpcc = op("lpc_covariance", order=8), op("lpcc", n_ceps=12)
    whole = cov(fr)
    pieces = [cov(fr.derive(fr.data[..., a:a + s])) for a, s in
              [(0, 1), (1, 7), (8, 1), (9, 21)]]
    joined = join_chunks(pieces)
    for port in ("coeffs", "error"):
        np.testing.assert_array_equal(joined[port].data, whole[port].data)
    c_whole = lpcc(whole["coeffs"], whole["error"]).data
    c_parts = join_chunks([lpcc(whole["coeffs"].derive(whole["coeffs"].data[..., a:b]),
                                whole["error"].derive(whole["error"].data[..., a:b]))
                           for a, b in [(0, 1), (1, 2), (2, 30)]]).data
    np.testing.assert_array_equal(c_parts, c_whole)


@pytest.mark.parametrize("source", EDGE_SIGNALS)
def test_lpcc_recipe_and_covariance_are_finite(source):
    y = edge_signal(source)
    c = featgraph.load("lpcc").run(y, sr=16000)["lpcc"]
    assert c.shape[0] == 13 and np.isfinite(c).all()
    out = op("lpc_covariance", order=12)(frames_of(y.reshape(40, 400)))
    cep = op("lpcc")(out["coeffs"], out["error"]).data
    assert np.isfinite(out["coeffs"].data).all() and np.isfinite(cep).all()


def test_float32_stays_float32():
    x = np.random.default_rng(3).standard_normal((5, 100)).astype(np.float32)
    fr = frames_of(x).derive(np.swapaxes(x, -1, -2))
    out = op("lpc_covariance", order=4)(fr)
    assert out["coeffs"].data.dtype == out["error"].data.dtype == np.float32
    assert op("lpcc")(out["coeffs"], out["error"]).data.dtype == np.float32


def test_validation():
    with pytest.raises(ValueError, match="order 12 needs frames longer than 12"):
        op("lpc_covariance", order=12)(frames_of(np.ones((1, 12))))
    coeffs, _ = lpc_inputs(A, 1.0)
    with pytest.raises(ValueError, match="prediction error"):
        op("lpcc")(coeffs, Feature(np.ones((3, 1)), Kind.FEATURE, 16000.0))
    with pytest.raises(ValueError):
        op("lpc_covariance", order=0)

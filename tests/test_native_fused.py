"""The fused LPC kernel (native/lpc_fused.c: Levinson-Durbin, cepstrum and lifter in one
pass) against the separate kernels and its numpy reference; run by tools/sanitize.py."""
import numpy as np
import pytest

from featgraph.native import reference
from featgraph.native.fused import lpc_cepstra

RNG = np.random.default_rng(20261127)


def _autocorrelations(n_frames, order, dtype=np.float64):
    x = RNG.standard_normal((n_frames, 64))
    r = np.stack([np.correlate(f, f, "full")[63:63 + order + 3] for f in x])
    return r.astype(dtype)


@pytest.mark.parametrize("gain", [True, False])
@pytest.mark.parametrize("n_ceps", [1, 9, 15])
def test_fused_lpc_kernel_equals_the_separate_kernels(gain, n_ceps):
    from featgraph import native

    r = _autocorrelations(40, 8)
    r[3] = 0.0                                            # a silent frame
    lifter = np.r_[1.0, np.arange(1, n_ceps) ** 0.6]
    a, err = native.levinson(r, 8)
    if gain:
        a = a / np.maximum(err, 1e-10)[:, None]
    want = native.lpc_to_cepstrum(a, n_ceps) * lifter
    got = lpc_cepstra(r, 8, n_ceps, gain, 1e-10, lifter)
    np.testing.assert_array_equal(got, want)               # same arithmetic, same order
    np.testing.assert_allclose(reference.lpc_cepstra(r, 8, n_ceps, gain, 1e-10, lifter), want,
                               rtol=1e-12, atol=1e-12)
    got32 = lpc_cepstra(r.astype(np.float32), 8, n_ceps, gain, 1e-10, lifter)
    assert got32.dtype == np.float32
    want32 = reference.lpc_cepstra(r.astype(np.float32), 8, n_ceps, gain, 1e-10, lifter)
    np.testing.assert_allclose(got32, want32, rtol=1e-6, atol=1e-6 * np.abs(want).max())
    assert np.isfinite(got).all()


def test_fused_lpc_kernel_without_lifter_and_with_leading_axes():
    r = _autocorrelations(12, 4).reshape(3, 4, -1)
    got = lpc_cepstra(r, 4, 5)
    a, _ = reference.levinson(r, 4)
    np.testing.assert_allclose(got, reference.lpc_to_cepstrum(a, 5), rtol=1e-12, atol=1e-14)
    assert got.shape == (3, 4, 5)


def test_fused_lpc_kernel_rejects_bad_input():
    r = _autocorrelations(4, 8)
    r[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        lpc_cepstra(r, 8, 9)
    with pytest.raises(ValueError, match="order"):
        lpc_cepstra(_autocorrelations(2, 2), 8, 9)
    with pytest.raises(ValueError, match="error_floor"):
        lpc_cepstra(_autocorrelations(2, 8), 8, 9, True, 0.0)
    with pytest.raises(ValueError, match="lifter"):
        lpc_cepstra(_autocorrelations(2, 8), 8, 9, lifter=np.ones(3))
    assert lpc_cepstra(np.zeros((0, 10)), 8, 9).shape == (0, 9)

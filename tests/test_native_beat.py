"""The beat-tracking dynamic program: C against the numpy reference, a closed form on a
periodic score, and argument errors."""
import numpy as np
import pytest

from featgraph.native import reference_mir as reference
from featgraph.native import rhythm as kernels
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)


@needs_c
@pytest.mark.parametrize("period", [1.0, 2.0, 3.0, 21.0, 22.0, "varying"])
def test_c_matches_reference(period):
    rng = np.random.default_rng(4)
    score = np.abs(rng.standard_normal(400))
    score[:30] *= 0.001                                 # below the first-beat threshold
    fpb = np.round(rng.uniform(2, 30, 400)) if period == "varying" else period
    got, want = kernels.beat_dp(score, fpb, 100.0), reference.beat_dp(score, fpb, 100.0)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_periodic_score_links_one_period_back(backend):
    score = np.zeros(200)
    score[5::20] = 1.0
    backlink, cumscore = kernels.beat_dp(score, 20.0, 100.0)
    beats = np.flatnonzero(score)
    assert backlink[beats[1:]].tolist() == beats[:-1].tolist()
    assert np.all(backlink[:5] == -1)                   # before the first strong frame
    np.testing.assert_allclose(cumscore[beats], np.arange(1, beats.size + 1))


def test_errors_and_empty(backend):
    assert kernels.beat_dp(np.zeros(0), 10.0, 100.0)[0].shape == (0,)
    with pytest.raises(ValueError):
        kernels.beat_dp(np.ones(5), 0.5, 100.0)
    with pytest.raises(ValueError):
        kernels.beat_dp(np.ones(5), np.ones(3) * 4, 100.0)
    with pytest.raises(ValueError):
        kernels.beat_dp(np.ones(5), 4.0, 0.0)
    with pytest.raises(ValueError):
        kernels.beat_dp(np.array([1.0, np.nan]), 4.0, 100.0)


@needs_c
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lag, start", [(1, 1), (1, 7), (3, 3), (2, 120)])
def test_onset_flux_c_matches_reference(dtype, lag, start):
    """The rectified flux summed over bands: C (sums in double) against the numpy
    definition, on two channels of dB-like values (negative, as onset strength sees them)."""
    rng = np.random.default_rng(9)
    s = (rng.standard_normal((2, 120, 128)) * 20 - 60).astype(dtype)
    got = kernels.onset_flux(s, lag, start)
    want = reference.onset_flux(s, lag, start)
    assert got.shape == (2, 120 - start) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


def test_onset_flux_closed_form_nan_and_errors(backend):
    s = np.array([[0.0, 5.0], [2.0, 1.0], [3.0, 4.0], [3.0, 4.0]])
    np.testing.assert_array_equal(kernels.onset_flux(s, 1, 1), [2.0, 4.0, 0.0])  # by hand
    np.testing.assert_array_equal(kernels.onset_flux(s, 2, 2), [3.0, 4.0])
    s[2, 1] = np.nan
    assert np.isnan(kernels.onset_flux(s, 1, 1)[1:]).all()     # NaN propagates, as numpy's
    for lag, start in ((0, 0), (2, 1), (1, 5)):
        with pytest.raises(ValueError, match="1 <= lag <= start <= n_frames"):
            kernels.onset_flux(s, lag, start)
    with pytest.raises(ValueError, match="must be"):
        kernels.onset_flux(np.ones(4), 1, 1)
    assert kernels.onset_flux(np.ones((3, 0)), 1, 1).tolist() == [0.0, 0.0]

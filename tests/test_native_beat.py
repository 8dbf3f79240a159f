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

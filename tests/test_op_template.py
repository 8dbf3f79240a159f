"""The template test every new op copies (docs/adding-an-op.md), shown on pre-emphasis.

Three checks: agreement with an independent reference; finite output on near-silence, exact
zeros and a clipped square wave; chunked (streamed) processing equal to the whole-array call.
"""
import numpy as np
import pytest
from scipy.signal import lfilter

from conftest import EDGE_SIGNALS, edge_signal
from featgraph.nodes.framing import PreEmphasis
from streamcheck import assert_same_features, run_op_chunked, signal

SR = 16000


def test_agrees_with_an_independent_reference():
    y = np.random.default_rng(0).standard_normal(4000)
    got = PreEmphasis(coef=0.97)(signal(y, SR)).data
    want = lfilter([1.0, -0.97], [1.0], y)           # y[n] = x[n] - 0.97 x[n-1], x[-1] = 0
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", EDGE_SIGNALS)
def test_finite_on_hard_inputs(case):
    y = edge_signal(case)          # near-silence, exact zeros, a clipped square wave
    assert np.isfinite(PreEmphasis()(signal(y, SR)).data).all()


@pytest.mark.parametrize("seed", range(5))
def test_streamed_equals_whole(seed):
    rng = np.random.default_rng(seed)
    x = signal(rng.standard_normal((2, 3000)), SR)   # two channels
    op = PreEmphasis(coef=float(rng.uniform(0, 1)))
    assert_same_features(run_op_chunked(op, x, rng=rng, largest=int(rng.integers(1, 200))),
                         op(x))

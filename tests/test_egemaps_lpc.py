"""openSMILE 2.6's cLpc in single precision (``smile_lpc`` with ``precision: single``)
against openSMILE's own levels.

Reference: tests/data/egemaps_lpc_refs.npz (rows of openSMILE's gemapsv01b_outpR,
gemapsv01b_lpc and gemapsv01b_formants for the three reference speech files and a
synthetic sine / clipped square; generator tests/data/make_egemaps_lpc_refs.py, run with
/tmp/venv-smile/bin/python).  Fed openSMILE's own resampled frames, the op must give its
LPC coefficients bit for bit and, through ``lpc_formants`` (``polynomial: negated``), its
formants.  The float64 path (``precision: double``) misses on most of these frames,
which is what the test shows the single path fixes.
"""
from pathlib import Path

import numpy as np
import pytest

from conftest import EDGE_SIGNALS, edge_signal
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.egemaps_formants import LpcFormants, SmileLpc
from featgraph.nodes.egemaps_resample import SmileSpecResample
from featgraph.nodes.framing import Frame, Window
from streamcheck import assert_same_features, run_op_chunked, signal
from test_native import backend  # noqa: F401  (fixture: C kernels, then numpy)

REFS = np.load(Path(__file__).parent / "data" / "egemaps_lpc_refs.npz")
STEMS = ("speech_en_16k", "speech_en_gb_16k", "english_8k", "synthetic_16k")


def frames_of(stem):
    """openSMILE's resampled frames as a frames Feature (220 samples at 11 kHz)."""
    x = REFS[f"{stem}__outpR"]
    return Feature(np.ascontiguousarray(x.T), Kind.FRAMES, sr=11000.0, hop=110,
                   win_length=x.shape[1])


@pytest.mark.parametrize("stem", STEMS)
def test_single_precision_is_opensmiles_lpc_bit_for_bit(backend, stem):
    got = SmileLpc(order=11, precision="single")(frames_of(stem))
    want = REFS[f"{stem}__lpc"]
    assert got.data.dtype == np.float32 and got.data.shape == (12, len(want))
    np.testing.assert_array_equal(got.data[0], 1.0)
    np.testing.assert_array_equal(got.data[1:].T, want)        # zero frames: 0 in both


@pytest.mark.parametrize("stem", STEMS)
def test_single_precision_gives_opensmiles_formants(stem):
    lpc = SmileLpc(order=11, precision="single")(frames_of(stem))
    out = LpcFormants(sample_rate=11000.0, polynomial="negated")(lpc)
    want = REFS[f"{stem}__formants"].astype(np.float64)
    got = np.c_[out["frequency"].data.T, out["bandwidth"].data.T]
    # the formant level is openSMILE's roots of these coefficients, stored as float32
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-3)


def test_double_precision_misses_on_these_frames():
    """The float64 lags and recursion are not openSMILE's: the worst-conditioned fits of
    the speech files move by far more than float32 rounding."""
    misses, worst = 0, 0.0
    for stem in STEMS[:3]:
        got = SmileLpc(order=11)(frames_of(stem)).data[1:].T
        want = REFS[f"{stem}__lpc"]
        misses += int(np.sum(np.any(got.astype(np.float32) != want, axis=1)))
        worst = max(worst, float(np.max(np.abs(got - want) / np.abs(want).max(axis=1,
                                                                               keepdims=True))))
    assert misses >= 100 and worst > 1e-2, (misses, worst)


@pytest.mark.parametrize("case", EDGE_SIGNALS)
def test_finite_on_hard_inputs(case):
    y = edge_signal(case)
    windowed = Window(window="hamming", periodic=False)(Frame(length="20ms", hop="10ms")(
        signal(y, 16000)))
    lpc = SmileLpc(order=11, precision="single")(SmileSpecResample()(windowed))
    assert np.isfinite(lpc.data).all()
    np.testing.assert_array_equal(lpc.data[0], 1.0)
    for port in LpcFormants(sample_rate=11000.0, polynomial="negated")(lpc).values():
        assert np.isfinite(port.data).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_streamed_equals_whole_and_dtype_kept(dtype):
    x = frames_of("speech_en_16k")
    x = x.derive(x.data.astype(dtype))
    op = SmileLpc(order=11, precision="single")
    whole = op(x)
    assert whole.data.dtype == dtype and whole.kind == Kind.LPC
    assert_same_features(run_op_chunked(op, x, rng=np.random.default_rng(0)), whole)


def test_validation():
    with pytest.raises(ValueError, match="precision"):
        SmileLpc(precision="half")
    with pytest.raises(ValueError, match="order 11 needs frames longer"):
        SmileLpc(order=11, precision="single")(frames_of("english_8k").derive(
            np.zeros((11, 3)), win_length=11))

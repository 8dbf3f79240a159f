"""cepstral ops (dct, power_to_db, top_db, log, frame_energy, with_energy, stack,
htk_preemphasis) against scipy and closed forms."""
import numpy as np
import pytest
import scipy.fft

import featgraph

from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.cepstral import (DCT, FrameEnergy, HTKPreEmphasis, Log, PowerToDb, Stack,
                                      TopDb, WithEnergy)

RNG = np.random.default_rng(7)


def bands(x, kind=Kind.BANDS):
    return Feature(np.asarray(x), kind, 16000.0, hop=160, win_length=400)


@pytest.mark.parametrize("dct_type", [2, 3])
@pytest.mark.parametrize("norm", ["ortho", "none"])
def test_dct_matches_scipy(dct_type, norm):
    x = RNG.standard_normal((2, 26, 9))
    got = DCT(type=dct_type, norm=norm)(bands(x)).data
    want = scipy.fft.dct(x, type=dct_type, norm=None if norm == "none" else norm, axis=-2)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_dct_htk_scaling_is_the_htk_book_formula():
    x = RNG.standard_normal((20, 5))
    n = 20
    j = np.arange(1, n + 1)
    want = np.array([np.sqrt(2 / n) * (np.cos(np.pi * i / n * (j - 0.5))[:, None] * x).sum(0)
                     for i in range(13)])
    got = DCT(norm="htk", n_out=13)(bands(x)).data
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    full = DCT(norm="htk")(bands(x))
    back = DCT(type=3, norm="htk")(full).data        # type 3 inverts the htk type 2
    np.testing.assert_allclose(back, x, atol=1e-12)


def test_dct_keeps_float32_and_rejects_too_many_outputs():
    x = RNG.standard_normal((26, 4)).astype(np.float32)
    assert DCT(n_out=13)(bands(x)).data.dtype == np.float32
    with pytest.raises(ValueError, match="n_out = 30 exceeds the 26"):
        DCT(n_out=30)(bands(x))


def test_power_to_db_and_top_db_are_librosa_formulas():
    s = np.abs(RNG.standard_normal((40, 50))) ** 2
    s[3, 4] = 0.0
    db = PowerToDb(ref=2.0, amin=1e-10)(bands(s)).data
    want = 10 * np.log10(np.maximum(s, 1e-10)) - 10 * np.log10(2.0)
    np.testing.assert_allclose(db, want, rtol=1e-12)
    clipped = TopDb(top_db=30)(bands(db)).data
    np.testing.assert_allclose(clipped, np.maximum(want, want.max() - 30), rtol=1e-12)
    amp = PowerToDb(quantity="amplitude")(bands(np.sqrt(s))).data
    np.testing.assert_allclose(amp, 10 * np.log10(np.maximum(s, 1e-20)), rtol=1e-9, atol=1e-9)


def test_log_floors():
    x = np.array([[0.0, 1e-300, 1.0, np.e]]).T
    clamp = Log(floor=1.0)(bands(x)).data[:, 0]
    np.testing.assert_allclose(clamp, [0.0, 0.0, 0.0, 1.0])
    zeros = Log(floor_mode="zeros")(bands(x)).data[:, 0]
    assert zeros[0] == np.log(np.finfo(float).eps) and np.isfinite(zeros).all()
    np.testing.assert_allclose(Log(base="10", scale=10)(bands(np.array([[100.0]]))).data, 20.0)


def test_frame_energy_and_with_energy():
    frames = RNG.standard_normal((400, 6))
    e = FrameEnergy()(bands(frames, Kind.FRAMES))
    np.testing.assert_allclose(e.data[0], (frames ** 2).sum(0))
    p = np.abs(RNG.standard_normal((257, 6)))
    np.testing.assert_allclose(FrameEnergy()(bands(p, Kind.POWER)).data[0], p.sum(0))
    c = bands(RNG.standard_normal((13, 6)), Kind.CEPSTRA)
    loge = Log()(e)
    rep = WithEnergy()(c, loge).data
    np.testing.assert_array_equal(rep[0], loge.data[0])
    np.testing.assert_array_equal(rep[1:], c.data[1:])
    app = WithEnergy(mode="append")(c, loge).data
    assert app.shape == (14, 6)
    np.testing.assert_array_equal(app[-1], loge.data[0])
    pre = WithEnergy(mode="prepend")(c, loge).data
    np.testing.assert_array_equal(pre[1:], c.data)
    both = Stack()(c, loge).data
    np.testing.assert_array_equal(both, app)


def test_htk_preemphasis_per_frame():
    frames = RNG.standard_normal((400, 3))
    got = HTKPreEmphasis(coef=0.97)(bands(frames, Kind.FRAMES)).data
    want = frames.copy()
    want[1:] = frames[1:] - 0.97 * frames[:-1]
    want[0] = 0.03 * frames[0]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("op", [PowerToDb(), Log(), Log(floor_mode="zeros"), DCT(), TopDb()])
def test_exact_zeros_stay_finite(op):
    for dtype in (np.float64, np.float32):
        out = op(bands(np.zeros((26, 5), dtype=dtype))).data
        assert np.isfinite(out).all() and out.dtype == dtype


def test_power_to_db_amplitude_is_reachable_from_yaml(write_recipe):
    """``quantity: amplitude`` in a recipe gives 20 log10 (the parameter once shared the
    name of the node's ``input`` key and could not be written in YAML)."""
    path = write_recipe("name: db\nnodes:\n  audio: {op: load}\n"
                        "  frames: {op: frame, input: audio}\n"
                        "  mag: {op: average_magnitude, input: frames}\n"
                        "  db: {op: power_to_db, input: mag, quantity: amplitude}\n"
                        "outputs: [db, mag]\n")
    out = featgraph.load(path).run(np.full(8000, 0.5), sr=16000)
    np.testing.assert_allclose(out["db"], 20 * np.log10(out["mag"]), rtol=1e-6)

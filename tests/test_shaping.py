"""The shaping ops (fit_length, trim_frames, frame_slice, affine, standardize, resize_frames):
closed-form references, finite output on hard inputs, streamed equal to whole."""
import numpy as np
import pytest
import soundfile as sf

from conftest import DATA
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.shaping import (Affine, FitLength, FrameSlice, ResizeFrames, Standardize,
                                     TrimFrames)
from streamcheck import assert_same_features, run_op_chunked, signal

SR = 16000


def bands(data: np.ndarray) -> Feature:
    return Feature(np.ascontiguousarray(np.swapaxes(data, -1, -2)).swapaxes(-1, -2),
                   Kind.BANDS, SR, hop=160, win_length=400, n_fft=512)


def frames(data: np.ndarray) -> Feature:
    return Feature(data, Kind.FRAMES, SR, hop=160, win_length=data.shape[-2])


# ------------------------------------------------------------------ references
def test_fit_length_closed_forms():
    y = np.arange(1.0, 11.0)                                  # 10 samples
    sr = 10.0
    fit = lambda **kw: FitLength(**kw)(Feature(y, Kind.SIGNAL, sr)).data  # noqa: E731
    np.testing.assert_array_equal(fit(seconds=1.5), np.r_[y, np.zeros(5)])
    np.testing.assert_array_equal(fit(seconds=0.4), y[:4])
    np.testing.assert_array_equal(fit(seconds=0.4, trim=False), y)
    np.testing.assert_array_equal(fit(seconds=0), y)
    np.testing.assert_array_equal(fit(seconds=0, multiple=4), np.r_[y, 0, 0])
    np.testing.assert_array_equal(fit(seconds=0.8, pad=False, multiple=3), np.r_[y[:8], 0])
    # CLAP's repeatpad: np.tile(y, int(N / n)) then zeros up to N
    np.testing.assert_array_equal(fit(seconds=3.5, fill="repeat"),
                                  np.r_[np.tile(y, 3), np.zeros(5)])
    np.testing.assert_array_equal(fit(seconds=0.5, fill="repeat"), y[:5])
    with pytest.raises(ValueError, match="repeat"):
        FitLength(fill="repeat")


def test_fit_length_cut_stops_reading_the_input():
    """Once fit_length has cut its target, the scheduler reads no further block (the rest
    would be dropped anyway); the output is the first N samples, as the closed form says.
    Without trimming every block is read."""
    from featgraph.engine.recipe import Recipe
    from featgraph.engine.runner import compile_plan
    from featgraph.engine.scheduler import Stream, collect

    y = np.random.default_rng(3).standard_normal(20 * 1000)
    for trim, expect_read, expect in ((True, 2, y[:1600]), (False, 20, y)):
        recipe = Recipe.from_yaml(
            "name: cut\nnodes:\n  audio: {op: load}\n"
            f"  cut: {{op: fit_length, input: audio, seconds: 0.1, trim: {str(trim).lower()}}}\n"
            "outputs: [cut]\n")
        read = []

        def blocks():
            for i in range(20):
                read.append(i)
                yield y[i * 1000:(i + 1) * 1000]

        out = collect(Stream(compile_plan([recipe], {}), SR), blocks())
        np.testing.assert_array_equal(out["cut"].data, expect)
        assert len(read) == expect_read


def test_trim_and_slice_closed_forms():
    x = np.arange(24.0).reshape(4, 6)                          # 4 features x 6 frames
    got = TrimFrames(begin=2, end=1)(bands(x)).data
    np.testing.assert_array_equal(got, x[:, 2:5])
    assert TrimFrames(begin=4, end=3)(bands(x)).data.shape == (4, 0)
    f = FrameSlice(begin=1, end=3)(frames(x))
    np.testing.assert_array_equal(f.data, x[1:3])
    assert f.win_length == 2
    with pytest.raises(ValueError, match="end"):
        FrameSlice(end=9)(frames(x))
    with pytest.raises(ValueError, match="exceed"):
        FrameSlice(begin=3, end=2)


def test_affine_and_standardize_against_numpy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 40)) * 3 + 1
    np.testing.assert_allclose(Affine(scale=0.25, offset=1.0)(bands(x)).data, (x + 4) / 4)
    got = Standardize(ddof=1, eps=1e-5, exclude_last=1)(bands(x)).data
    v = x[..., :-1]
    want = (v - v.mean(-1, keepdims=True)) / (v.std(-1, ddof=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(got[..., :-1], want, rtol=1e-12, atol=1e-12)
    assert not got[..., -1].any()
    got0 = Standardize(ddof=0, eps=1e-10)(bands(x)).data
    np.testing.assert_allclose(got0, (x - x.mean(-1, keepdims=True)) /
                               (x.std(-1, keepdims=True) + 1e-10), rtol=1e-10)


def test_resize_frames_is_half_pixel_linear_interpolation():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 50))
    got = ResizeFrames(frames=20)(bands(x)).data
    pos = np.clip((np.arange(20) + 0.5) * 50 / 20 - 0.5, 0, None)
    want = np.stack([np.interp(pos, np.arange(50), row) for row in x])
    np.testing.assert_allclose(got, want, atol=1e-5)          # positions in float32
    assert ResizeFrames(frames=60)(bands(x)).data is x or \
        np.array_equal(ResizeFrames(frames=60)(bands(x)).data, x)
    assert ResizeFrames(frames=60, only_longer=False)(bands(x)).data.shape == (3, 60)


# ------------------------------------------------------------------ hard inputs
def _hard(case):
    if case == "silence":
        return sf.read(DATA / "silence_16k.wav")[0]
    if case == "zeros":
        return np.zeros(SR)
    t = np.arange(SR) / SR
    return np.clip(3.0 * np.sign(np.sin(2 * np.pi * 220 * t)), -1.0, 1.0)


@pytest.mark.parametrize("case", ["silence", "zeros", "clipped_square"])
def test_finite_on_hard_inputs(case):
    y = _hard(case)
    assert np.isfinite(FitLength(seconds=2, fill="repeat")(signal(y, SR)).data).all()
    fr = np.lib.stride_tricks.sliding_window_view(y, 400)[::160].T
    x = np.log(np.abs(fr[:40]) + 1e-10)                         # some per-frame values
    for op in (TrimFrames(end=1), Affine(scale=0.25, offset=1), Standardize(exclude_last=1),
               ResizeFrames(frames=7)):
        assert np.isfinite(op(bands(x)).data).all()
    assert np.isfinite(FrameSlice(end=200)(frames(fr)).data).all()


# ------------------------------------------------------------------ streaming
@pytest.mark.parametrize("seed", range(6))
def test_streamed_equals_whole(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    x = signal(rng.standard_normal((2, n)), SR)
    for op in (FitLength(seconds=0.1), FitLength(seconds=0.1, fill="repeat", trim=False),
               FitLength(seconds=0.05, pad=False, multiple=128), FitLength(seconds=0.2,
                                                                          fill="repeat")):
        assert_same_features(run_op_chunked(op, x, rng=rng, largest=int(rng.integers(1, 400))),
                             op(x))
    b = bands(rng.standard_normal((2, 5, int(rng.integers(0, 60)))))
    for op in (TrimFrames(end=1), TrimFrames(begin=3, end=2), Affine(scale=2.0, offset=-1.0)):
        assert_same_features(run_op_chunked(op, b, rng=rng, largest=int(rng.integers(1, 9))),
                             op(b))
    f = frames(rng.standard_normal((513, 9)))
    op = FrameSlice(end=512)
    assert_same_features(run_op_chunked(op, f, rng=rng, largest=3), op(f))

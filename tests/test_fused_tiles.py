"""The fused filterbank steps run window, FFT and filter sums tile by tile
(featgraph.nodes.mel.TILE_FRAMES frames at a time, so that the work buffers stay in cache):
every frame's numbers are those of the whole chunk at once, for tiles of whole SIMD
batches of the FFT (multiples of 16), on one channel and on several, and they equal the
ops one by one (the unfused plan)."""
import numpy as np
import pytest

import featgraph
from featgraph.engine.fuse import fuse
from featgraph.engine.graph import build
from featgraph.engine.scheduler import execute
from featgraph.engine.source import Source
from featgraph.native.windows import FrameWindows, window_frames
from featgraph.nodes import mel

RNG = np.random.default_rng(23)


def _run(recipe, y, sr, fused=True):
    plan = build([recipe])
    return execute(fuse(plan) if fused else plan, Source.of(y, sr)).features


# pncc: gammatone, Hamming frames padded to 1024; logfbank_psf: boxcar, divided by n_fft;
# melspec_librosa: periodic Hann applied to the spectrum (taps); plp: a dense Bark bank
@pytest.mark.parametrize("name", ["pncc", "logfbank_psf", "melspec_librosa", "plp"])
@pytest.mark.parametrize("channels", [1, 2])
def test_fused_tiles_equal_the_whole_chunk_and_the_ops(monkeypatch, name, channels):
    recipe = featgraph.load(name)
    if channels == 2:
        recipe.nodes["audio"].params["channels"] = "all"
    y = RNG.standard_normal((channels, 16000 * 2)) * 0.1
    y = y[0] if channels == 1 else y
    assert mel.TILE_FRAMES % 16 == 0
    monkeypatch.setattr(mel, "TILE_FRAMES", 10**9)
    whole = _run(recipe, y, 16000)
    for tile in (16, 48, 128):
        monkeypatch.setattr(mel, "TILE_FRAMES", tile)
        tiled = _run(recipe, y, 16000)
        for out in whole:
            np.testing.assert_array_equal(tiled[out].data, whole[out].data)
    plain = _run(recipe, y, 16000, fused=False)
    for out in whole:
        a = plain[out].data
        assert whole[out].data.shape == a.shape and (channels == 1 or a.shape[0] == 2)
        np.testing.assert_allclose(whole[out].data, a, rtol=1e-9, atol=1e-9 * np.abs(a).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_frame_windows_tile_by_tile_equal_window_frames(dtype):
    """FrameWindows (the frames laid out once, then any run of consecutive frames) writes
    what window_frames writes for those frames, padding included (or left alone)."""
    sig = RNG.standard_normal(3000).astype(dtype)
    fr = np.lib.stride_tricks.sliding_window_view(sig, 400)[::160]
    w = np.hanning(400).astype(dtype)
    want = window_frames(fr, w, np.empty((len(fr), 512), dtype), 56, 0.97)
    windows = FrameWindows(fr, w, 512, 56, 0.97)
    for at, m in ((0, 3), (3, 1), (4, len(fr) - 4), (len(fr), 0)):
        out = np.full((m, 512), np.nan, dtype)
        np.testing.assert_array_equal(windows(at, out), want[at:at + m])
        kept = np.full((m, 512), 7.0, dtype)
        windows(at, kept, pad=False)
        assert (kept[:, :56] == 7).all() and (kept[:, 456:] == 7).all()
        np.testing.assert_array_equal(kept[:, 56:456], want[at:at + m, 56:456])


def test_frame_windows_rejects_bad_arguments():
    fr, w = np.ones((3, 8)), np.ones(8)
    with pytest.raises(ValueError, match=r"\(n_frames, N\)"):
        FrameWindows(np.ones((2, 3, 8)), w, 8)
    with pytest.raises(ValueError, match="window must be"):
        FrameWindows(fr, np.ones(7), 8)
    with pytest.raises(ValueError, match="out must be rows"):
        FrameWindows(fr, w, 8, start=1)
    windows = FrameWindows(fr, w, 8)
    for at, out in ((2, np.empty((2, 8))), (0, np.empty((3, 9))), (0, np.empty((3, 8), np.float32)),
                    (0, np.empty((8, 3)).T), (-1, np.empty((1, 8)))):
        with pytest.raises(ValueError, match="out must be a writeable"):
            windows(at, out)

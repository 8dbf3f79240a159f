"""openSMILE 2.6's single-precision real FFT (featgraph.native.smile_fft / reference_smile_fft)
against openSMILE's own levels.

Reference: tests/data/egemaps_resample_refs.npz (rows of openSMILE's gemapsv01b_winH25, its
float32 Hamming frames, and gemapsv01b_fftcH25, their FFT, for the three reference speech
files at 16 and 8 kHz (N = 512 and 256), a synthetic signal of impulses, DC, a sine and
noise, and speech at 48 kHz (N = 1024); generator tests/data/make_egemaps_resample_refs.py, run with
/tmp/venv-smile/bin/python).  The kernel and its numpy definition must give fftcH25 bit for
bit; the twiddle tables rounded otherwise must not (the rule is pinned down); and from the
audio, openSMILE's float32 window product and this FFT give its resampled frames (outpR) bit
for bit.  The values themselves are checked against the closed-form DFT.
"""
from pathlib import Path

import numpy as np
import pytest

import featgraph
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.native import reference_smile_fft
from featgraph.native.formants import smile_rdft_f32
from featgraph.nodes.egemaps_resample import SmileSpecResample, smile_window
from test_native import backend  # noqa: F401  (fixture: C kernels, then numpy)

DATA = Path(__file__).parent / "data"
REFS = np.load(DATA / "egemaps_resample_refs.npz")
STEMS = ("speech_en_16k", "speech_en_gb_16k", "english_8k", "synthetic_16k", "speech_en_48k")
AUDIO = {"speech_en_16k": Path(featgraph.__file__).parent / "data" / "speech_en_16k.wav",
         "speech_en_gb_16k": DATA / "speech_en_gb_16k.wav",
         "english_8k": DATA / "english_8k.wav",
         "speech_en_48k": DATA / "speech_en_48k.wav"}


def layout(x, n_fft, offset):
    """The closed form in openSMILE's layout, float64: [R0, R(N/2), R1, I1, ...] of the
    frames placed at ``offset``, R = sum x cos, I = sum x sin."""
    buf = np.zeros((x.shape[0], n_fft))
    buf[:, offset:offset + x.shape[1]] = x
    k = np.arange(n_fft // 2 + 1)
    ang = 2 * np.pi * np.outer(np.arange(n_fft), k) / n_fft
    re, im = buf @ np.cos(ang), buf @ np.sin(ang)
    out = np.empty((x.shape[0], n_fft))
    out[:, 0], out[:, 1] = re[:, 0], re[:, -1]
    out[:, 2::2], out[:, 3::2] = re[:, 1:-1], im[:, 1:-1]
    return out


@pytest.mark.parametrize("stem", STEMS)
def test_opensmiles_fftcH25_bit_for_bit(backend, stem):
    w, want = REFS[f"{stem}__winH25"], REFS[f"{stem}__fftcH25"]
    got = smile_rdft_f32(w, want.shape[1])
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    # openSMILE's frame sits in the middle of its N zeros: the closed form there, to float32
    exact = layout(w.astype(np.float64), want.shape[1], (want.shape[1] - w.shape[1]) // 2)
    np.testing.assert_allclose(got, exact, rtol=0, atol=2e-6 * np.abs(exact).max())


def test_tables_rounded_otherwise_miss(monkeypatch):
    """The same algorithm with its cosines and sines taken at float64 angles (rounded once
    to float32) gives a quarter to a half of openSMILE's values only."""
    def double_tables(n_fft):
        nw = n_fft >> 2
        nwh = nw >> 1
        delta = np.arctan(1.0) / nwh
        w = [1.0, np.cos(delta * nwh), 0.5 / np.cos(2 * delta), 0.5 / np.cos(6 * delta)]
        for j in range(4, nwh, 4):
            w += [np.cos(delta * j), np.sin(delta * j), np.cos(3 * delta * j),
                  -np.sin(3 * delta * j)]
        w = np.float32(w + [0.0] * (nw - len(w)))
        nw0 = 0
        while nwh > 2:                   # the shorter stages, from the rounded table
            nw1, nwh = nw0 + nwh, nwh >> 1
            w[nw1], w[nw1 + 1] = 1.0, w[1]
            if nwh == 4:
                w[nw1 + 2:nw1 + 4] = w[nw0 + 4:nw0 + 6]
            elif nwh > 4:
                w[nw1 + 2], w[nw1 + 3] = 0.5 / np.float64(w[nw0 + 4]), 0.5 / np.float64(w[nw0 + 6])
                for j in range(4, nwh, 4):
                    w[nw1 + j:nw1 + j + 4] = w[nw0 + 2 * j:nw0 + 2 * j + 4]
            nw0 = nw1
        nch = nw >> 1
        delta = np.arctan(1.0) / nch
        c = np.zeros(nw)
        c[0] = np.cos(delta * nch)
        c[nch] = 0.5 * c[0]
        j = np.arange(1, nch)
        c[j], c[nw - j] = 0.5 * np.cos(delta * j), 0.5 * np.sin(delta * j)
        return w, c.astype(np.float32)

    monkeypatch.setattr(reference_smile_fft, "smile_fft_tables", double_tables)
    for stem in STEMS[:3]:
        w, want = REFS[f"{stem}__winH25"], REFS[f"{stem}__fftcH25"]
        same = np.mean(reference_smile_fft.smile_rdft_f32(w, want.shape[1]) == want)
        assert same < 0.6, (stem, same)


@pytest.mark.parametrize("n_fft, n", [(512, 320), (256, 160), (1024, 960), (512, 512),
                                      (256, 1)])
def test_kernel_equals_reference(n_fft, n):
    """Every option, on frames of a signal (a strided view, read in place by C), a last
    partial group of eight, with and without the float32 window and row picks."""
    rng = np.random.default_rng(n)
    sig = rng.integers(-32768, 32768, 40 * n + 3000) / 32768.0
    hop = max(1, n // 2)
    count = (len(sig) - n) // hop + 1
    frames = np.lib.stride_tricks.as_strided(sig, (count, n), (hop * 8, 8), writeable=False)
    win = rng.uniform(0.0, 1.0, n).astype(np.float32)
    rows = rng.choice(59, 37, replace=True)
    for kw in ({}, {"window": win}, {"rows": rows, "window": win},
               {"offset": 0, "n_out": 7}, {"offset": n_fft - n, "n_out": n_fft, "rows": rows}):
        got = smile_rdft_f32(frames[:59], n_fft, **kw)
        want = reference_smile_fft.smile_rdft_f32(frames[:59], n_fft, **kw)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    # the closed form, to float32 rounding
    x = frames[:9].astype(np.float32).astype(np.float64)
    exact = layout(x, n_fft, (n_fft - n) // 2)
    np.testing.assert_allclose(smile_rdft_f32(frames[:9], n_fft), exact, rtol=0,
                               atol=1e-5 * np.abs(exact).max())


def test_bad_arguments(backend):
    x = np.zeros((4, 320))
    with pytest.raises(ValueError, match="N must be one of"):
        smile_rdft_f32(x, 2048)
    with pytest.raises(ValueError, match="do not fit"):
        smile_rdft_f32(x, 512, offset=200)
    with pytest.raises(ValueError, match="n_out"):
        smile_rdft_f32(x, 512, n_out=513)
    with pytest.raises(ValueError, match="window"):
        smile_rdft_f32(x, 512, window=np.ones(319))
    with pytest.raises(ValueError, match="rows"):
        smile_rdft_f32(x, 512, rows=np.array([0, 4]))
    for bad in (np.nan, np.inf, 1e39):                    # 1e39: no float32
        y = x.copy()
        y[2, 100] = bad
        with pytest.raises(ValueError, match="NaN or infinity"):
            smile_rdft_f32(y, 512)
    assert smile_rdft_f32(x[:0], 512, n_out=4).shape == (0, 4)


@pytest.fixture(scope="module")
def pcm_frames():
    """egemaps_lld's 20 ms frames of openSMILE's samples (``smile_pcm``), unwindowed."""
    recipe = featgraph.Recipe.from_yaml("""
name: frames20
nodes:
  audio:    {op: load}
  pcm:      {op: smile_pcm, input: audio}
  frames20: {op: frame, input: pcm, length: 20ms, hop: 10ms}
outputs: [frames20]
""", file="frames20.yaml")
    return {stem: recipe.run(str(path)).features["frames20"] for stem, path in AUDIO.items()}


@pytest.mark.parametrize("stem", list(AUDIO))
def test_from_the_audio_bit_for_bit(backend, stem, pcm_frames):
    """openSMILE's chain from its samples: float32(frame) * float32(Hamming) is its winH25,
    this FFT its fftcH25, and smile_spec_resample (single, window: hamming) its outpR."""
    frames = pcm_frames[stem]
    rows = REFS[f"{stem}__rows"]
    x = frames.data.T
    n = x.shape[1]
    np.testing.assert_array_equal(x[rows].astype(np.float32) * smile_window(n),
                                  REFS[f"{stem}__winH25"])
    want = REFS[f"{stem}__fftcH25"]
    np.testing.assert_array_equal(
        smile_rdft_f32(x, want.shape[1], window=smile_window(n), rows=rows), want)
    got = SmileSpecResample(precision="single", window="hamming")(frames)
    assert got.data.dtype == np.float32
    np.testing.assert_array_equal(got.data.T[rows], REFS[f"{stem}__outpR"])


def test_window_needs_frames():
    spec = Feature(np.zeros((257, 4), complex), Kind.SPECTRUM, sr=16000.0, hop=160,
                   win_length=320, n_fft=512)
    with pytest.raises(ValueError, match="window applies to frames"):
        SmileSpecResample(precision="single", window="hamming")(spec)


def test_resample_chunked_equals_whole(pcm_frames):
    """Frame by frame: any chunking of the frames gives the same bits."""
    from streamcheck import assert_same_features, run_op_chunked

    frames = pcm_frames["english_8k"]
    model = SmileSpecResample(precision="single", window="hamming")
    whole = model(frames)
    for seed in range(3):
        assert_same_features(run_op_chunked(model, frames, rng=np.random.default_rng(seed)),
                             whole, rtol=0, atol=0)

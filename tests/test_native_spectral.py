"""The fused spectral-moments C kernel against its numpy definition, and the
spectral_moments op's ports against the single ops (which agree with audioFlux,
tests/test_spectral_features.py)."""
import numpy as np
import pytest
from conftest import DATA
from streamcheck import assert_same_features, run_op_chunked

from featgraph import native
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import registry
from featgraph.native import framed, reference_spectral, spectral, windows
from featgraph.nodes.framing import window_function

REFS = np.load(DATA / "spectral_features_refs.npz")
PORTS = ("centroid", "spread", "skewness", "kurtosis", "entropy", "crest")


def op(name, **params):
    return registry()[name](op=name, **params)


def frames(dtype=np.float64):
    rng = np.random.default_rng(7)
    s = np.abs(rng.standard_normal((2, 40, 129)))
    s[0, 0] = 0.0                      # an all-zero frame
    s[1, 3] = 0.0
    s[1, 3, 17] = 2.5                  # a single peak: spread 0, entropy 0
    s[1, 4, :60] = 0.0                 # zeros inside a frame
    return s.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernel_matches_numpy_definition(dtype):
    s, freq = frames(dtype), np.arange(129) * 62.5
    got = spectral.spectral_moments(s, freq)
    want = reference_spectral.spectral_moments(s, freq)
    assert got.shape == (2, 40, 7) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)
    assert native.BACKEND != "c" or not np.shares_memory(got, s)
    np.testing.assert_array_equal(got[0, 0], 0.0)
    np.testing.assert_allclose(got[1, 3, :5], [17 * 62.5, 0.0, 0.0, 0.0, 0.0], atol=1e-9)


def test_kernel_rejects_bad_input():
    freq = np.arange(4.0)
    with pytest.raises(ValueError, match="negative"):
        spectral.spectral_moments(np.array([[1.0, -1.0, 0.0, 0.0]]), freq)
    with pytest.raises(ValueError, match="NaN or infinity|non-finite|finite"):
        spectral.spectral_moments(np.array([[1.0, np.nan, 0.0, 0.0]]), freq)
    with pytest.raises(ValueError, match="one frequency per bin"):
        spectral.spectral_moments(np.ones((2, 3)), freq)
    assert spectral.spectral_moments(np.ones((0, 4)), freq).shape == (0, 7)


@pytest.mark.parametrize("ranged", [False, True])
@pytest.mark.parametrize("normalize", [False, True])
def test_ports_equal_the_single_ops(ranged, normalize):
    x = Feature(np.abs(REFS["X"]).astype(np.float64), Kind.POWER, float(REFS["sr"]), hop=256,
                win_length=512, n_fft=512, axis=REFS["freq"])
    extra = {"fmin": 500.0, "fmax": 6000.0} if ranged else {}
    fused = op("spectral_moments", normalize=normalize, **extra)(x)
    for port in PORTS:
        params = dict(extra, normalize=normalize) if port == "entropy" else extra
        single = op(f"spectral_{port}", **params)(x).data
        np.testing.assert_allclose(fused[port].data, single, rtol=1e-9, atol=1e-12,
                                   err_msg=port)


def test_chunked_equals_whole_and_float32():
    s = frames(np.float32)
    x = Feature(np.swapaxes(s, -1, -2), Kind.POWER, 16000.0, axis=np.arange(129) * 62.5)
    node = op("spectral_moments")
    whole = node(x)
    assert all(whole[p].data.dtype == np.float32 and whole[p].data.shape == (2, 1, 40)
               for p in PORTS)
    got = run_op_chunked(node, x, rng=np.random.default_rng(2), largest=7)
    assert_same_features(got, whole, rtol=1e-6, atol=1e-6)
    assert all(np.isfinite(whole[p].data).all() for p in PORTS)


def test_bundle_moments_equal_the_single_ops():
    import featgraph

    y = np.random.default_rng(5).standard_normal(16000)
    bundle = featgraph.load("audioflux_bundle").run(y, sr=16000)
    single = featgraph.load("spectral_features").run(y, sr=16000)   # same framing defaults
    for name in ("centroid", "spread", "skewness", "kurtosis", "crest"):
        np.testing.assert_allclose(bundle[name], single[name], rtol=1e-9, err_msg=name)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_power_spectrum_kernel_equals_numpy_bit_for_bit(dtype):
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((3, 50, 257)) + 1j * rng.standard_normal((3, 50, 257))).astype(dtype)
    z[0, 0, :4] = [0, 1e-30, 1e30, -3 + 4j]             # zero, tiny, huge, |z|^2 = 25
    for floor in (0.0, 1.0, 400.0):
        got = spectral.power_spectrum(z, floor)
        with np.errstate(over="ignore"):                 # 1e30 squared is inf in float32
            want = reference_spectral.power_spectrum(z, floor)
        assert got.dtype == z.real.dtype and got.shape == z.shape
        np.testing.assert_array_equal(got, want)
        assert got[0, 0, 3] == 25 + floor                    # closed form
    out = np.empty(z.shape, z.real.dtype)
    assert spectral.power_spectrum(z[:, ::-1], 0.0, out) is out   # a strided z is copied
    np.testing.assert_array_equal(out, reference_spectral.power_spectrum(z[:, ::-1]))


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_magnitude_spectrum_kernel_equals_numpy_bit_for_bit(dtype):
    rng = np.random.default_rng(4)
    z = (rng.standard_normal((3, 50, 257)) + 1j * rng.standard_normal((3, 50, 257))).astype(dtype)
    z[0, 0, :4] = [0, 1e-30, 1e30, -3 + 4j]             # zero, tiny, huge, |z| = 5
    got = spectral.magnitude_spectrum(z)
    with np.errstate(over="ignore"):                     # 1e30 squared is inf in float32
        want = np.sqrt(reference_spectral.power_spectrum(z))
        ref = reference_spectral.magnitude_spectrum(z)
    assert got.dtype == z.real.dtype and got.shape == z.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, ref)
    assert got[0, 0, 3] == 5 and got[0, 0, 0] == 0               # closed form
    # |z| to rounding where the squares neither underflow nor overflow (not the tiny, huge)
    np.testing.assert_allclose(got[1:], np.abs(z[1:]), rtol=4 * np.finfo(z.real.dtype).eps)
    out = np.empty(z.shape, z.real.dtype)
    assert spectral.magnitude_spectrum(z[:, ::-1], out) is out   # a strided z is copied
    np.testing.assert_array_equal(out, want[:, ::-1])
    with pytest.raises(ValueError, match="complex64 or complex128"):
        spectral.magnitude_spectrum(np.ones(5))
    with pytest.raises(ValueError, match="out must be"):
        spectral.magnitude_spectrum(z, np.empty(3, z.real.dtype))
    assert spectral.magnitude_spectrum(np.ones(0, dtype)).shape == (0,)


def test_power_spectrum_rejects_bad_arguments_before_c():
    z = np.ones((2, 5), np.complex64)
    with pytest.raises(ValueError, match="complex64 or complex128"):
        spectral.power_spectrum(np.ones(5))
    with pytest.raises(ValueError, match="floor must be finite and >= 0"):
        spectral.power_spectrum(z, -1.0)
    with pytest.raises(ValueError, match="floor must be finite and >= 0"):
        spectral.power_spectrum(z, np.inf)
    for bad in (np.empty((2, 4), np.float32), np.empty((2, 5), np.float64),
                np.empty((5, 2), np.float32).T):
        with pytest.raises(ValueError, match="out must be a writeable C-contiguous"):
            spectral.power_spectrum(z, 0.0, bad)
    assert spectral.power_spectrum(np.ones((0, 5), np.complex64)).shape == (0, 5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("coef", [0.0, 0.97, 1.0])
def test_window_frames_kernel_equals_the_ops_bit_for_bit(dtype, coef):
    """Pre-emphasis, window and zero padding in one pass: equal to the numpy definition and
    to the htk_preemphasis and window ops, on overlapping frames of two channels read in
    place (HTK's 25 ms / 10 ms at 16 kHz, padded to 512 at the end and centred)."""
    rng = np.random.default_rng(11)
    sig = rng.standard_normal((2, 4000)).astype(dtype)
    sig[1, 400:800] = 0.0                                   # silent frames
    fr = np.lib.stride_tricks.sliding_window_view(sig, 400, axis=-1)[:, ::160]
    w = window_function("hamming", 400, periodic=False).astype(dtype)
    x = Feature(np.swapaxes(fr, -1, -2), Kind.FRAMES, 16000.0, hop=160, win_length=400)
    emph = op("htk_preemphasis", coef=coef)(x).data
    for start, pad_at in ((0, "end"), (56, "center")):
        got = windows.window_frames(fr, w, np.full(fr.shape[:-1] + (512,), np.nan, dtype),
                                     start, coef)
        np.testing.assert_array_equal(got, reference_spectral.window_frames(fr, w, 512, start,
                                                                            coef))
        windowed = op("window", window="hamming", periodic=False, pad_to=512,
                      pad_at=pad_at)(x.derive(emph)).data
        np.testing.assert_array_equal(got, np.swapaxes(windowed, -1, -2))
        assert not got[..., :start].any() and not got[..., start + 400:].any()
    tiny = windows.window_frames(np.array([[1.0, 2.0, 4.0]], dtype), np.ones(3, dtype),
                                  np.empty((1, 5), dtype), 1, 0.5)
    np.testing.assert_array_equal(tiny, [[0.0, 0.5, 1.5, 3.0, 0.0]])   # by hand: HTK Book 5.2


def test_window_frames_rejects_bad_arguments_before_c():
    fr, w = np.ones((3, 8)), np.ones(8)
    with pytest.raises(ValueError, match="float32/float64"):
        windows.window_frames(np.ones((3, 8), np.int16), w, np.empty((3, 8)))
    with pytest.raises(ValueError, match="window must be"):
        windows.window_frames(fr, np.ones(7), np.empty((3, 8)))
    with pytest.raises(ValueError, match="window must be"):
        windows.window_frames(fr, np.ones(8, np.float32), np.empty((3, 8)))
    for bad, start in ((np.empty((3, 7)), 0), (np.empty((3, 10)), 3), (np.empty((2, 8)), 0),
                       (np.empty((3, 8), np.float32), 0), (np.empty((8, 3)).T, 0)):
        with pytest.raises(ValueError, match="out must be"):
            windows.window_frames(fr, w, bad, start)
    for coef in (-0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match="preemph must be in"):
            windows.window_frames(fr, w, np.empty((3, 8)), 0, coef)
    assert windows.window_frames(np.ones((0, 8)), w, np.empty((0, 8))).shape == (0, 8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_banded_filterbank_kernel_matches_numpy_definition(dtype):
    """Against the per-band numpy definition and the dense product; a group of 32 lanes,
    4-frame groups and the remainder (2 x 23 frames), an empty filter, a filter at the
    last bin."""
    rng = np.random.default_rng(5)
    w = np.zeros((6, 33))
    w[0, 0:5], w[1, 3:12], w[3, 10:33], w[4, 32], w[5, 0:33] = 0.5, 1.0, 0.25, 3.0, 0.1
    w = (w * rng.random(w.shape)).astype(dtype)                # w[2] stays all zero
    spec = rng.random((2, 23, 33)).astype(dtype)
    first, stop = reference_spectral.filter_supports(w)
    assert (first[2], stop[2]) == (0, 0) and stop[4] == 33
    got = spectral.banded_filterbank(spec, w, first, stop)
    want = reference_spectral.banded_filterbank(spec, w, first, stop)
    assert got.dtype == dtype and got.shape == (2, 23, 6)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    np.testing.assert_allclose(got, spec @ w.T, rtol=tol, atol=tol)
    np.testing.assert_array_equal(got[..., 2], 0.0)
    assert spectral.banded_filterbank(spec[:, :0], w, first, stop).shape == (2, 0, 6)
    if native.BACKEND == "c":   # the kernel's sums: in double, in the order of k, per frame
        exact = np.stack([np.cumsum(spec[..., a:b].astype(float) * w[j, a:b].astype(float),
                                    axis=-1)[..., -1] if b > a else np.zeros(spec.shape[:-1])
                          for j, (a, b) in enumerate(zip(first, stop))], axis=-1)
        np.testing.assert_array_equal(got, exact.astype(dtype))


def same_frame(a, b):
    """A frame's result does not depend on its neighbours: bit for bit in the C kernels
    (whatever group the frame falls in), to rounding in the numpy definitions (BLAS)."""
    if native.BACKEND == "c":
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6 * np.abs(b).max())


@pytest.mark.parametrize("magnitude", [False, True])
@pytest.mark.parametrize("ctype", [np.complex128, np.complex64])
def test_banded_power_filterbank_equals_power_then_product_bit_for_bit(ctype, magnitude):
    """The fused kernel against the power-spectrum and banded-product kernels in a row
    (bit for bit; with ``magnitude``, np.sqrt of the power in between) and the dense
    numpy product of |z|^2 or |z| (to rounding); 2 x 21 frames cover one group of
    FG_BANDED_LANES = 32 frames, groups of four and a remainder; an empty filter, a
    filter on the last bin only, a non-contiguous input."""
    rng = np.random.default_rng(6)
    real = np.dtype(ctype).type(0).real.dtype
    w = np.zeros((6, 33))
    w[0, 0:5], w[1, 3:12], w[3, 10:33], w[4, 32], w[5, 0:33] = 0.5, 1.0, 0.25, 3.0, 0.1
    w = (w * rng.random(w.shape)).astype(real)
    z = (rng.standard_normal((2, 21, 33)) + 1j * rng.standard_normal((2, 21, 33))).astype(ctype)
    first, stop = reference_spectral.filter_supports(w)
    got = spectral.banded_power_filterbank(z, w, first, stop, magnitude=magnitude)
    assert got.dtype == real and got.shape == (2, 21, 6)
    power = spectral.power_spectrum(z)
    np.testing.assert_array_equal(
        got, spectral.banded_filterbank(np.sqrt(power) if magnitude else power, w, first, stop))
    for t in (0, 10, 11, 20):                      # lanes, last lane, rows of four, last row
        same_frame(spectral.banded_power_filterbank(z[1, t:t + 1], w, first, stop,
                                                    magnitude=magnitude)[0], got[1, t])
    tol = 1e-5 if real == np.float32 else 1e-13
    np.testing.assert_allclose(
        got, reference_spectral.banded_power_filterbank(z, w, first, stop, magnitude),
        rtol=tol, atol=tol)
    dense = np.abs(z.astype(np.complex128)) ** (1 if magnitude else 2)
    np.testing.assert_allclose(got, dense @ w.T.astype(float), rtol=tol, atol=tol)
    strided = z[:, ::2, :]
    np.testing.assert_allclose(
        spectral.banded_power_filterbank(strided, w, first, stop, magnitude=magnitude),
        got[:, ::2], rtol=tol, atol=tol)
    assert spectral.banded_power_filterbank(z[:, :0], w, first, stop).shape == (2, 0, 6)
    with pytest.raises(ValueError, match="complex64 or complex128"):
        spectral.banded_power_filterbank(np.abs(z), w, first, stop)
    with pytest.raises(ValueError, match="supports 0 <= first <= stop <= n_bins"):
        spectral.banded_power_filterbank(z, w, first, stop + 1)
    with pytest.raises(ValueError, match="both be float32 or float64"):
        spectral.banded_power_filterbank(z, w.astype(np.float16), first, stop)


@pytest.mark.parametrize("magnitude", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [2, 4, 6, 10, 16, 66])
def test_banded_power_filterbank_windows_in_the_frequency_domain(dtype, magnitude, n):
    """``window = (c0, c1)``: the spectrum of the bare frames, windowed by the taps inside
    the kernel, against the spectrum of the windowed frames (closed form: periodic Hann
    and Hamming are c0 + 2 c1 cos(2 pi n / N)), and bit for bit against the numpy taps
    followed by the plain kernels.  Frame lengths from 2 (1 + 1 bins, both ends at once)
    to 66 (the vector bins and both scalar ends); 2 x 19 frames fill one group of lanes
    and leave rows; a frame's value does not depend on its place."""
    rng = np.random.default_rng(n)
    ctype = np.complex64 if dtype == np.float32 else np.complex128
    bins = n // 2 + 1
    x = rng.standard_normal((2, 19, n))
    w = rng.random((3, bins)).astype(dtype)
    first, stop = np.zeros(3, np.uintp), np.full(3, bins, np.uintp)
    z = np.fft.rfft(x).astype(ctype)
    for c0, c1 in ((0.5, -0.25), (0.54, -0.23), (3.0, 1.5)):
        got = spectral.banded_power_filterbank(z, w, first, stop, magnitude=magnitude,
                                               window=(c0, c1))
        windowed = np.fft.rfft(x * (c0 + 2 * c1 * np.cos(2 * np.pi * np.arange(n) / n)))
        dense = np.abs(windowed) ** (1 if magnitude else 2) @ w.T.astype(float)
        tol = 1e-4 if dtype == np.float32 else 1e-11
        np.testing.assert_allclose(got, dense, rtol=tol, atol=tol * np.abs(dense).max())
        power = spectral.power_spectrum(reference_spectral.cosine_window_spectrum(z, c0, c1))
        np.testing.assert_array_equal(got, spectral.banded_filterbank(
            np.sqrt(power) if magnitude else power, w, first, stop))
        one = spectral.banded_power_filterbank(z[1, 3:4], w, first, stop,
                                               magnitude=magnitude, window=(c0, c1))
        same_frame(one[0], got[1, 3])


def test_hann_in_the_frequency_domain_rounds_no_worse_than_in_time():
    """Hann applied to the DFT of the bare frames (the fused mel's way) against a
    long-double DFT of the windowed frames: at every level below each frame's peak, its
    relative error is within twice that of numpy's time-domain window + FFT.  Frames of a
    loud tone and one 100 dB lower (off-bin, random phases), whose Hann sidelobes fill
    every level down to -140 dB."""
    rng = np.random.default_rng(3)
    n = 256
    t = np.arange(n)
    x = np.stack([np.sin(2 * np.pi * 20.3 * t / n + rng.uniform(0, 6.3))
                  + 1e-5 * np.sin(2 * np.pi * 71.7 * t / n + rng.uniform(0, 6.3))
                  for _ in range(24)])
    k = np.arange(n // 2 + 1)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * t / n)
    angle = (2 * np.pi / n) * np.outer(k, t).astype(np.longdouble)
    xw = x.astype(np.longdouble) * (0.5 - 0.5 * np.cos(2 * np.pi * t.astype(np.longdouble) / n))
    true = (xw @ np.cos(angle).T) ** 2 + (xw @ np.sin(angle).T) ** 2
    timed = np.abs(np.fft.rfft(x * hann)) ** 2
    freq = np.abs(reference_spectral.cosine_window_spectrum(np.fft.rfft(x), 0.5, -0.25)) ** 2
    level = 10 * np.log10(true / true.max(axis=1, keepdims=True))
    for lo, hi in ((-60, 1), (-100, -60), (-140, -100)):
        m = (level >= lo) & (level < hi)
        assert m.sum() > 20
        err_time = float((np.abs(timed - true) / true)[m].max())
        err_freq = float((np.abs(freq - true) / true)[m].max())
        assert err_freq <= 2 * err_time + 1e-15, (lo, hi, err_freq, err_time)


def test_banded_power_filterbank_window_needs_two_finite_taps_and_two_bins():
    z, w = np.ones((2, 5), np.complex128), np.ones((1, 5))
    first, stop = np.array([0]), np.array([5])
    for bad in ((0.5,), (0.5, np.nan), (np.inf, 0.1), (1.0, 2.0, 3.0)):
        with pytest.raises(ValueError, match="two finite taps"):
            spectral.banded_power_filterbank(z, w, first, stop, window=bad)
    with pytest.raises(ValueError, match="at least 2 bins"):
        spectral.banded_power_filterbank(z[:, :1], w[:, :1], [0], [1], window=(0.5, -0.25))


def test_banded_filterbank_rejects_bad_supports_before_c():
    w, spec = np.ones((2, 4)), np.ones((3, 4))
    for first, stop in (([0, 3], [2, 5]), ([2, 0], [1, 4]), ([0], [4])):
        with pytest.raises(ValueError, match="supports 0 <= first <= stop <= n_bins"):
            spectral.banded_filterbank(spec, w, first, stop)
    with pytest.raises(ValueError, match="both be float32 or float64"):
        spectral.banded_filterbank(spec.astype(np.float32), w, [0, 0], [4, 4])
    with pytest.raises(ValueError, match="w \\(n_bands, n_bins\\)"):
        spectral.banded_filterbank(np.ones((3, 5)), w, [0, 0], [4, 4])


SHAPE_CASES = [("centroid", {}), ("bandwidth", {}), ("bandwidth", {"p": 3.0, "norm": False}),
               ("rolloff", {}), ("rolloff", {"roll_percent": 0.3}), ("flatness", {}),
               ("flatness", {"power": 1.0}), ("flatness", {"power": 3.0, "amin": 1e-3})]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("what, params", SHAPE_CASES)
def test_spectral_shape_kernels_match_the_numpy_definitions(what, params, dtype):
    """The C descriptors against the numpy definitions (librosa's formulas) on random
    frames with an all-zero frame and a frame with one non-zero bin, leading axes, and a
    bin range (rows not contiguous); the rolloff bin exactly (same running sums)."""
    rng = np.random.default_rng(8)
    s = rng.random((2, 9, 257)).astype(dtype)
    s[0, 2] = 0.0
    s[1, 4] = 0.0
    s[1, 4, 100] = 3.0
    freq = np.linspace(0.0, 8000.0, 257)
    args = () if what == "flatness" else (freq,)
    ref = getattr(reference_spectral, f"spectral_{what}")
    for frames, f in ((s, freq), (s[..., 10:200], freq[10:200])):
        a = (() if what == "flatness" else (f,))
        got = spectral.spectral_shape(what, frames, *a, **params)
        want = ref(frames, *a, **params)
        assert got.shape == frames.shape[:-1] and got.dtype == np.float64
        if what == "rolloff":
            np.testing.assert_array_equal(got, want)
        else:
            tol = 2e-6 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())
    assert spectral.spectral_shape(what, s[:, :0], *args, **params).shape == (2, 0)
    bad = s.copy()
    bad[1, 3, 5] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        spectral.spectral_shape(what, bad, *args, **params)


def test_spectral_shape_closed_forms_and_bad_arguments():
    """Two equal peaks at 1 and 3 kHz: centroid 2 kHz, bandwidth 1 kHz, rolloff at the
    second peak; a flat frame has flatness 1, one peak among 99 floors 1e-10 much less."""
    freq = np.arange(5) * 1000.0
    s = np.array([[0.0, 1.0, 0.0, 1.0, 0.0]])
    assert spectral.spectral_shape("centroid", s, freq)[0] == pytest.approx(2000.0)
    assert spectral.spectral_shape("bandwidth", s, freq)[0] == pytest.approx(1000.0)
    assert spectral.spectral_shape("rolloff", s, freq)[0] == 3000.0
    assert spectral.spectral_shape("flatness", np.full((1, 64), 0.3))[0] == pytest.approx(1.0)
    peak = np.zeros((1, 100))
    peak[0, 7] = 1.0
    assert spectral.spectral_shape("flatness", peak)[0] < 1e-6
    wide = np.array([[1e300, 1e-300, 1.0, 1e200, 3e-250, 7.0] * 40])    # the product's range
    np.testing.assert_allclose(spectral.spectral_shape("flatness", wide, power=1.0, amin=1e-320),
                               reference_spectral.spectral_flatness(wide, 1.0, 1e-320),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="unknown descriptor"):
        spectral.spectral_shape("slope", s, freq)
    with pytest.raises(ValueError, match="frequencies for 5 bins"):
        spectral.spectral_shape("centroid", s, freq[:4])
    if native.BACKEND == "c":
        for what, params in (("bandwidth", {"p": 0.0}), ("rolloff", {"roll_percent": 1.0}),
                             ("flatness", {"amin": 0.0}), ("flatness", {"power": -1.0})):
            with pytest.raises(ValueError, match="parameters in range"):
                spectral.spectral_shape(what, s, *(() if what == "flatness" else (freq,)),
                                        **params)


@pytest.mark.parametrize("backend", ["native", "numpy"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tiled_power_filterbank_equals_window_fft_bank_and_the_dense_definition(
        monkeypatch, dtype, backend):
    """tiled_power_filterbank (one loop over tiles, pointers taken once) against the
    three calls on the whole run of frames (bit for bit, the same FFT: tiles of whole
    SIMD batches) and against numpy's window, rfft and dense product of |X|^2 (to
    rounding); 75 frames in tiles of 16 leave a tile of 11; padding written by the first
    tile over a dirty buffer, or left alone; bad buffers are errors before C."""
    if backend == "numpy":
        monkeypatch.setattr(native, "BACKEND", "numpy")
    rng = np.random.default_rng(8)
    ctype = np.complex64 if dtype == np.float32 else np.complex128
    sig = rng.standard_normal(75 * 40 + 60).astype(dtype)
    fr = np.lib.stride_tricks.sliding_window_view(sig, 100)[::40][:75]
    w_win = np.hamming(100).astype(dtype)
    bank = np.zeros((5, 65))
    bank[0, 1:9], bank[1, 6:30], bank[2, 20:64], bank[3, 64], bank[4, :] = 1.0, 0.5, 0.25, 2.0, 0.1
    bank = (bank * rng.random(bank.shape)).astype(dtype)
    first, stop = reference_spectral.filter_supports(bank)
    kernel = spectral.BandedPowerFilterbank(bank, first, stop)

    def fft(rows, out):
        out[...] = np.fft.rfft(rows.astype(np.float64), axis=-1)
        return out

    whole = windows.window_frames(fr, w_win, np.empty((75, 128), dtype), 10, 0.5)
    want = kernel(fft(whole, np.empty((75, 65), ctype)))
    buf, spec = np.full((16, 128), np.nan, dtype), np.empty((16, 65), ctype)
    got = spectral.tiled_power_filterbank(kernel, windows.FrameWindows(fr, w_win, 128, 10, 0.5),
                                          fft, 75, buf, spec, np.empty((75, 5), dtype))
    np.testing.assert_array_equal(got, want)
    assert np.all(buf[:, :10] == 0) and np.all(buf[:, 110:] == 0)
    part = spectral.tiled_power_filterbank(kernel, windows.FrameWindows(fr, w_win, 128, 10, 0.5),
                                           fft, 20, buf, spec, np.empty((20, 5), dtype), pad=False)
    np.testing.assert_array_equal(part, want[:20])
    dense = np.abs(np.fft.rfft(reference_spectral.window_frames(
        fr.astype(np.float64), w_win.astype(np.float64), 128, 10, 0.5), axis=-1)) ** 2
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, dense @ bank.T.astype(np.float64), rtol=tol,
                               atol=tol * np.abs(want).max())
    fw = windows.FrameWindows(fr, w_win, 128, 10, 0.5)
    assert spectral.tiled_power_filterbank(kernel, fw, fft, 0, buf, spec,
                                           np.empty((0, 5), dtype)).shape == (0, 5)
    with pytest.raises(ValueError, match="work buffers"):
        spectral.tiled_power_filterbank(kernel, fw, fft, 75, buf[:, :100], spec,
                                        np.empty((75, 5), dtype))
    with pytest.raises(ValueError, match="work buffers"):
        spectral.tiled_power_filterbank(kernel, fw, fft, 76, buf, spec, np.empty((76, 5), dtype))
    with pytest.raises(ValueError, match="work buffers"):
        spectral.tiled_power_filterbank(kernel, fw, fft, 75, buf, spec.astype(np.complex64
                                        if dtype == np.float64 else np.complex128),
                                        np.empty((75, 5), dtype))
    with pytest.raises(ValueError, match="out must be"):
        spectral.tiled_power_filterbank(kernel, fw, fft, 75, buf, spec, np.empty((74, 5), dtype))


def _framed_case(n_frames, length, hop, n_fft, seed=9):
    rng = np.random.default_rng(seed)
    sig = rng.standard_normal((n_frames - 1) * hop + length)
    fr = np.lib.stride_tricks.sliding_window_view(sig, length)[::hop][:n_frames]
    n_bins = n_fft // 2 + 1
    bank = np.zeros((6, n_bins))
    edges = np.linspace(0, n_bins, 7).astype(int)
    for b in range(6):                           # overlapping supports, the top bin too
        bank[b, max(edges[b] - 2, 0):min(edges[b + 1] + 2, n_bins)] = 1.0
    bank *= rng.random(bank.shape)
    first, stop = reference_spectral.filter_supports(bank)
    return fr, np.hamming(length), spectral.BandedPowerFilterbank(bank, first, stop)


@pytest.mark.parametrize("n_fft, length, start, preemph, n_frames", [
    (1024, 410, 0, 0.0, 75),       # PNCC's frames: the upper half of each row is padding
    (512, 400, 0, 0.97, 33),       # past the first half: every butterfly input is read
    (128, 100, 10, 0.5, 32),       # padding before and after, HTK pre-emphasis
    (16, 16, 0, 0.0, 1),           # the smallest transform, no padding
    (32, 20, 6, 0.0, 9),           # log2(n_fft / 4) odd: the radix-2 step
    (2048, 1500, 300, 0.0, 40),
])
def test_framed_power_filterbank_against_numpy_and_a_long_double_dft(n_fft, length, start,
                                                                       preemph, n_frames):
    """fg_framed_power_filterbank_f64 (its own FFT, eight frames per vector) against its
    numpy definition (np.fft.rfft) and a long-double DFT of the windowed frames, to
    rounding (1e-13 of each frame's largest band); frame counts that leave partial
    groups of 8 and of 32 frames."""
    fr, win, bank = _framed_case(n_frames, length, max(length // 3, 1), n_fft)
    fw = windows.FrameWindows(fr, win, n_fft, start, preemph)
    got = framed.framed_power_filterbank(bank, fw)
    want = reference_spectral.framed_power_filterbank(fr, win, n_fft, start, preemph,
                                                      bank.w, bank.first, bank.stop)
    scale = np.abs(want).max(axis=1, keepdims=True)
    assert got.shape == (n_frames, 6) and got.dtype == np.float64
    assert np.max(np.abs(got - want) / scale) < 1e-13
    rows = reference_spectral.window_frames(fr, win, n_fft, start, preemph).astype(np.longdouble)
    j = np.arange(n_fft)
    k = np.arange(n_fft // 2 + 1)
    ang = 2 * np.longdouble(np.pi) * (np.outer(j, k) % n_fft).astype(np.longdouble) / n_fft
    re, im = rows @ np.cos(ang), rows @ np.sin(ang)
    exact = np.asarray((re * re + im * im) @ bank.w.T.astype(np.longdouble), np.float64)
    assert np.max(np.abs(got - exact) / scale) < 1e-13


def test_framed_power_filterbank_frames_are_independent_and_silence_is_zero():
    """Each frame's bands are the same bits wherever it sits in the eight-frame vectors
    and the 32-frame groups (and in a partial last group); a silent frame beside loud
    ones gives exact zeros (no rounding leaks across lanes)."""
    fr, win, bank = _framed_case(70, 200, 50, 256)
    fr = np.array(fr)
    fr[5] = 0.0
    fr[6] *= 1e6
    whole = framed.framed_power_filterbank(bank, windows.FrameWindows(fr, win, 256))
    assert np.all(whole[5] == 0.0) and np.all(whole[6] > 0)
    for at in (1, 3, 13, 40, 69):
        part = framed.framed_power_filterbank(bank, windows.FrameWindows(fr[at:], win, 256))
        np.testing.assert_array_equal(part, whole[at:])
    out = np.empty((70, 6))
    assert framed.framed_power_filterbank(bank, windows.FrameWindows(fr, win, 256),
                                            out=out) is out
    np.testing.assert_array_equal(out, whole)


@pytest.mark.parametrize("magnitude", [False, True])
@pytest.mark.parametrize("n_fft, length, start, preemph, n_frames", [
    (1024, 410, 0, 0.0, 75),       # PNCC's frames: the upper half of each row is padding
    (512, 400, 0, 0.97, 33),       # mfcc39's (HTK), past the first half
    (2048, 2048, 0, 0.0, 40),      # librosa's: no padding
    (128, 100, 10, 0.5, 17),       # padding before and after, HTK pre-emphasis
    (16, 16, 0, 0.0, 1),           # the smallest transform
    (32, 20, 6, 0.0, 9),           # log2(n_fft / 4) odd: the radix-2 step
])
def test_framed_float32_and_magnitude_against_numpy_and_a_long_double_dft(
        n_fft, length, start, preemph, n_frames, magnitude):
    """fg_framed_power_filterbank_f32 (sixteen frames per vector, the FFT in float32) and
    the magnitude option of both types against the numpy definition (np.fft.rfft
    rounded to the type) and a long-double DFT of the windowed frames (the frames
    windowed in their type, as the kernel does): float32 to 1e-6 of each frame's largest
    band (float32's epsilon is 1.2e-7), float64 to 1e-13."""
    fr64, win64, bank64 = _framed_case(n_frames, length, max(length // 3, 1), n_fft)
    for dtype, tol in ((np.float32, 1e-6), (np.float64, 1e-13)):
        fr, win = fr64.astype(dtype), win64.astype(dtype)
        bank = spectral.BandedPowerFilterbank(bank64.w.astype(dtype), bank64.first,
                                              bank64.stop, magnitude=magnitude)
        got = framed.framed_power_filterbank(bank, windows.FrameWindows(fr, win, n_fft, start,
                                                                        preemph))
        want = reference_spectral.framed_power_filterbank(fr, win, n_fft, start, preemph,
                                                          bank.w, bank.first, bank.stop,
                                                          magnitude)
        assert got.shape == (n_frames, 6) and got.dtype == want.dtype == dtype
        scale = np.abs(want.astype(np.float64)).max(axis=1, keepdims=True)
        assert np.max(np.abs(got - want.astype(np.float64)) / scale) < tol
        rows = reference_spectral.window_frames(fr, win, n_fft, start, preemph)
        rows = rows.astype(np.longdouble)
        ang = (2 * np.longdouble(np.pi) * (np.outer(np.arange(n_fft), np.arange(n_fft // 2 + 1))
                                           % n_fft).astype(np.longdouble) / n_fft)
        re, im = rows @ np.cos(ang), rows @ np.sin(ang)
        power = re * re + im * im
        spec = np.sqrt(power) if magnitude else power
        exact = np.asarray(spec @ bank.w.T.astype(np.longdouble), np.float64)
        assert np.max(np.abs(got - exact) / scale) < tol


def test_framed_float32_frames_are_independent():
    """float32: each frame's bands are the same bits wherever it sits in the sixteen-frame
    vectors and the 64-frame groups; a silent frame gives exact zeros."""
    fr, win, bank = _framed_case(150, 200, 50, 256)
    fr = np.array(fr, dtype=np.float32)
    fr[5] = 0.0
    fr[6] *= 1e3
    win = win.astype(np.float32)
    for magnitude in (False, True):
        b32 = spectral.BandedPowerFilterbank(bank.w.astype(np.float32), bank.first, bank.stop,
                                             magnitude=magnitude)
        whole = framed.framed_power_filterbank(b32, windows.FrameWindows(fr, win, 256))
        assert np.all(whole[5] == 0.0) and np.all(whole[6] > 0)
        for at in (1, 7, 15, 17, 70, 149):
            part = framed.framed_power_filterbank(b32, windows.FrameWindows(fr[at:], win, 256))
            np.testing.assert_array_equal(part, whole[at:])


def test_framed_power_filterbank_takes_only_what_its_kernel_does():
    """n_fft not a power of two (or < 16), frames and bank of different types, another
    dtype, a tapped bank, a bad out: ValueError before C; the numpy backend keeps its FFT
    (framed_supported)."""
    fr, win, bank = _framed_case(10, 100, 30, 128)
    assert framed.framed_supported(128, 6) and framed.framed_supported(16, 6)
    assert not framed.framed_supported(120, 6) and not framed.framed_supported(8, 6)
    fw = windows.FrameWindows(fr, win, 128)
    with pytest.raises(ValueError, match="out must be"):
        framed.framed_power_filterbank(bank, fw, out=np.empty((9, 6)))
    fw32 = windows.FrameWindows(fr.astype(np.float32), win.astype(np.float32), 128)
    with pytest.raises(ValueError, match="out must be"):
        framed.framed_power_filterbank(spectral.BandedPowerFilterbank(
            bank.w.astype(np.float32), bank.first, bank.stop), fw32, out=np.empty((10, 6)))
    taps = spectral.BandedPowerFilterbank(bank.w, bank.first, bank.stop, window=(0.5, -0.25))
    with pytest.raises(ValueError, match="framed power filterbank"):
        framed.framed_power_filterbank(taps, fw)
    fr120, win120, bank120 = _framed_case(10, 100, 30, 120)
    with pytest.raises(ValueError, match="framed power filterbank"):
        framed.framed_power_filterbank(bank120, windows.FrameWindows(fr120, win120, 120))
    f32 = spectral.BandedPowerFilterbank(bank.w.astype(np.float32), bank.first, bank.stop)
    with pytest.raises(ValueError, match="framed power filterbank"):
        framed.framed_power_filterbank(f32, fw)                 # float64 frames
    with pytest.raises(ValueError, match="framed power filterbank"):
        framed.framed_power_filterbank(bank, fw32)              # float32 frames
    lib = native._lib
    assert lib.fg_framed_power_filterbank_work(120, 6) == 0
    assert lib.fg_framed_power_filterbank_work(8, 6) == 0


def call_plain(lib, ffi, sig, win, bank, first, work, n_work, out):
    return lib.fg_framed_power_filterbank_f64(
        native._ptr(sig), 4, 100, 30, native._ptr(win), 0.0, 128, 0, native._ptr(bank.w), 6,
        first, ffi.from_buffer("size_t[]", bank.stop), 0, native._ptr(work), n_work,
        native._ptr(out))


def test_framed_power_filterbank_kernel_rejects_bad_arguments():
    """The C entry points' own checks (the bridge never passes these): a short or
    unplanned work buffer, a frame past n_fft, an unsupported n_fft, pre-emphasis outside
    [0, 1], a support past the bins."""
    lib, ffi = native._lib, native._ffi
    fr, win, bank = _framed_case(4, 100, 30, 128)
    sig = np.ascontiguousarray(np.asarray(fr.base.base if fr.base is not None else fr).ravel())
    first = ffi.from_buffer("size_t[]", bank.first)
    n_work = lib.fg_framed_power_filterbank_work(128, 6)
    work, out = np.empty(n_work), np.empty((4, 6))
    assert lib.fg_framed_power_filterbank_plan(128, 6, native._ptr(work), n_work - 1) \
        == lib.FG_EINVAL
    assert lib.fg_framed_power_filterbank_plan(120, 6, native._ptr(work), n_work) \
        == lib.FG_EINVAL
    work[:] = 0.0
    assert call_plain(lib, ffi, sig, win, bank, first, work, n_work, out) == lib.FG_EINVAL
    assert lib.fg_framed_power_filterbank_plan(128, 6, native._ptr(work), n_work) == lib.FG_OK
    stop = ffi.from_buffer("size_t[]", bank.stop)
    bad_stop = ffi.from_buffer("size_t[]", np.full(6, 66, np.uintp))

    sig32, win32, w32 = sig.astype(np.float32), win.astype(np.float32), bank.w.astype(np.float32)
    out32 = np.empty((4, 6), np.float32)

    def call(n_fft=128, start=0, preemph=0.0, n_work=n_work, stop=stop, length=100, f32=False):
        if f32:                                 # the same work buffer serves both types
            return lib.fg_framed_power_filterbank_f32(
                native._ptr(sig32), 4, length, 30, native._ptr(win32), preemph, n_fft, start,
                native._ptr(w32), 6, first, stop, 1, native._ptr(work), n_work,
                native._ptr(out32))
        return lib.fg_framed_power_filterbank_f64(
            native._ptr(sig), 4, length, 30, native._ptr(win), preemph, n_fft, start,
            native._ptr(bank.w), 6, first, stop, 0, native._ptr(work), n_work, native._ptr(out))

    for f32 in (False, True):
        assert call(f32=f32) == lib.FG_OK
        assert call(n_work=n_work - 1, f32=f32) == lib.FG_EINVAL
        assert call(start=29, f32=f32) == lib.FG_EINVAL
        assert call(n_fft=120, f32=f32) == lib.FG_EINVAL
        assert call(preemph=1.5, f32=f32) == lib.FG_EDOMAIN
        assert call(stop=bad_stop, f32=f32) == lib.FG_EINVAL

"""The discrete wavelet kernels (wavelets.c): C against the numpy reference, both against
PyWavelets (the peer the ops reproduce, in the test extra; computed here), every boundary
mode, odd / even / shorter-than-the-filter lengths, channels, float32, NaN, bad arguments."""
import warnings

import numpy as np
import pytest

from featgraph import native
from featgraph.native import reference_wavelets as reference
from featgraph.native import wavelets as kernels
from featgraph.nodes.wavelets import freq_order_paths
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)

pywt = pytest.importorskip("pywt")

WAVELETS = ["haar", "db1", "db4", "sym8", "coif3", "bior2.2", "rbio3.1", "dmey"]
LENGTHS = [1, 2, 3, 8, 13, 64, 101]          # odd, even, shorter than every filter but haar


def filters(name):
    w = pywt.Wavelet(name)
    return np.array(w.dec_lo), np.array(w.dec_hi)


def peer(fn, *args, **kw):
    """PyWavelets' result, its level warnings silenced (the op's own are tested below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kw)


def assert_close(got, want, dtype):
    """float64 within 1e-12 of the largest coefficient; float32 within its rounding
    (against the float64 transform of the same samples)."""
    scale = max(1.0, max(float(np.abs(w).max(initial=0.0)) for w in want))
    tol = 1e-12 if dtype == np.float64 else 2e-5
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == dtype
        np.testing.assert_allclose(g, w, rtol=0, atol=tol * scale)


@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("mode", reference.MODES)
def test_wavedec_equals_pywt(backend, wavelet, mode):
    lo, hi = filters(wavelet)
    rng = np.random.default_rng(len(wavelet) + len(mode))
    for n in LENGTHS:
        x = rng.standard_normal((2, n))
        try:
            want = peer(pywt.wavedec, x, wavelet, mode=mode, level=3, axis=-1)
        except ValueError:                     # length 1 (or 2 -> 1) in [anti]reflect mode
            with pytest.raises(ValueError, match="greater than 1"):
                kernels.wavedec(x, lo, hi, mode, 3)
            continue
        assert_close(kernels.wavedec(x, lo, hi, mode, 3), want, np.float64)


@pytest.mark.parametrize("wavelet", ["haar", "db4", "sym8", "dmey"])
@pytest.mark.parametrize("mode", ["symmetric", "periodization", "smooth", "antireflect"])
def test_wavedec_float32_within_its_rounding(backend, wavelet, mode):
    lo, hi = filters(wavelet)
    x = np.random.default_rng(3).standard_normal((3, 1000)).astype(np.float32)
    got = kernels.wavedec(x, lo, hi, mode, 4)
    assert_close(got, peer(pywt.wavedec, x.astype(np.float64), wavelet, mode=mode, level=4,
                           axis=-1), np.float32)
    assert_close(got, peer(pywt.wavedec, x, wavelet, mode=mode, level=4, axis=-1), np.float32)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", reference.MODES)
def test_dwt_step_c_equals_reference_bit_for_bit(dtype, mode):
    """Same products, same order (taps 0 .. F - 1), across the 256-output blocks."""
    x = np.random.default_rng(4).standard_normal((2, 1203)).astype(dtype)
    for wavelet in ("db4", "coif3", "dmey"):
        lo, hi = filters(wavelet)
        got = kernels.dwt_step(x, lo, hi, mode)
        want = reference.dwt_step(x, lo.astype(dtype), hi.astype(dtype), mode)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_swt_equals_pywt(backend, wavelet, dtype):
    lo, hi = filters(wavelet)
    rng = np.random.default_rng(5)
    for n, level in [(2, 1), (16, 4), (64, 3), (1024, 4), (1536, 9)]:
        x = rng.standard_normal((3, n)).astype(dtype)
        want = np.stack([peer(pywt.swt, c.astype(np.float64), wavelet, level=level,
                              trim_approx=True) for c in x])
        got = kernels.swt(x, lo, hi, level)
        assert got.shape == (3, level + 1, n)
        assert_close([got], [want], dtype)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_swt_c_equals_reference_bit_for_bit(dtype):
    x = np.random.default_rng(6).standard_normal((2, 2048)).astype(dtype)
    for wavelet, level in (("db4", 5), ("coif3", 2), ("haar", 1), ("dmey", 6)):
        lo, hi = filters(wavelet)
        want = reference.swt(x, lo.astype(dtype), hi.astype(dtype), level)
        np.testing.assert_array_equal(kernels.swt(x, lo, hi, level), want)


@pytest.mark.parametrize("wavelet", ["haar", "db4", "sym8", "bior2.2", "dmey"])
@pytest.mark.parametrize("mode", reference.MODES)
def test_wpt_equals_wavelet_packet_in_frequency_order(backend, wavelet, mode):
    lo, hi = filters(wavelet)
    rng = np.random.default_rng(7)
    for n, level in [(13, 2), (100, 3), (37, 1)]:
        x = rng.standard_normal((2, n))
        got = kernels.wpt(x, lo, hi, mode, level, freq_order_paths(level))
        want = [np.stack([node.data for node in peer(pywt.WaveletPacket, c, wavelet, mode=mode,
                                                     maxlevel=level).get_level(level, "freq")])
                for c in x]
        assert_close([got], [np.stack(want)], np.float64)


def test_wpt_natural_order_and_float32(backend):
    lo, hi = filters("sym8")
    x = np.random.default_rng(8).standard_normal(500).astype(np.float32)
    paths = [node.path for node in pywt.WaveletPacket(x, "sym8", maxlevel=3).get_level(3)]
    got = kernels.wpt(x, lo, hi, "symmetric", 3, paths)
    packet = pywt.WaveletPacket(x.astype(np.float64), "sym8", maxlevel=3)
    assert_close([got], [np.stack([packet[p].data for p in paths])], np.float32)


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "zero"])
def test_nan_propagates_as_in_pywt(backend, mode):
    """A NaN sample spoils exactly the coefficients whose window holds it, as in PyWavelets
    (the ops do not reject NaN)."""
    lo, hi = filters("db4")
    x = np.random.default_rng(9).standard_normal(300)
    x[150] = np.nan
    want = pywt.wavedec(x, "db4", mode=mode, level=3)
    got = kernels.wavedec(x, lo, hi, mode, 3)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
        np.testing.assert_allclose(g[~np.isnan(g)], w[~np.isnan(w)], atol=1e-12)
    y = np.random.default_rng(9).standard_normal(256)
    y[100] = np.nan
    s = kernels.swt(y, lo, hi, 3)
    w = np.array(pywt.swt(y, "db4", level=3, trim_approx=True))
    np.testing.assert_array_equal(np.isnan(s), np.isnan(w))


def test_bad_arguments_raise(backend):
    lo, hi = filters("db4")
    with pytest.raises(ValueError, match="at least one sample"):
        kernels.dwt_step(np.zeros(0), lo, hi, "symmetric")
    with pytest.raises(ValueError, match="even number of taps"):
        kernels.dwt_step(np.zeros(10), lo[:7], hi[:7], "symmetric")
    with pytest.raises(ValueError, match="unknown wavelet extension mode"):
        kernels.dwt_step(np.zeros(10), lo, hi, "mirror")
    with pytest.raises(ValueError, match="level"):
        kernels.swt(np.zeros(16), lo, hi, 0)
    with pytest.raises(ValueError, match="paths"):
        kernels.wpt(np.zeros(16), lo, hi, "zero", 2, ["aa", "ad", "da"])
    with pytest.raises(ValueError, match="outputs"):
        kernels._step_into(np.zeros((1, 16)), lo, hi, "zero", np.empty((1, 3)),
                           np.empty((1, 3)))


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_reject_bad_sizes(dtype):
    """The C entry points check their sizes themselves (FG_EINVAL), whatever the bridge does."""
    lib, ffi = native._lib, native._ffi
    t = "f32" if dtype == np.float32 else "f64"
    ctype = ("float" if t == "f32" else "double") + "[64]"
    buf, a, d = ffi.new(ctype), ffi.new(ctype), ffi.new(ctype)
    step, swt = getattr(lib, f"fg_dwt_step_{t}"), getattr(lib, f"fg_swt_{t}")
    assert step(buf, 1, 10, 10, buf, 6, buf, 6, buf, buf, 7, 8, a, d, 8) == lib.FG_EINVAL
    assert step(buf, 1, 10, 10, buf, 0, buf, 0, buf, buf, 8, 8, a, d, 8) == lib.FG_EINVAL
    assert step(buf, 2, 10, 5, buf, 6, buf, 6, buf, buf, 8, 8, a, d, 8) == lib.FG_EINVAL
    assert step(buf, 1, 10, 10, buf, 6, buf, 6, buf, buf, 8, 8, a, d, 8) == lib.FG_OK
    assert swt(buf, 1, 16, buf, buf, 8, 0, a, d) == lib.FG_EINVAL
    assert swt(buf, 1, 16, buf, buf, 8, 2, a, ffi.NULL) == lib.FG_EINVAL
    assert swt(buf, 1, 0, buf, buf, 8, 1, a, ffi.NULL) == lib.FG_EINVAL
    assert swt(buf, 0, 16, buf, buf, 8, 1, a, ffi.NULL) == lib.FG_OK


def test_dwt_op_warns_for_a_level_too_deep_as_pywt():
    """The op keeps wavedec's warning (dwt_max_level) and its coefficients."""
    import featgraph
    y = np.random.default_rng(10).standard_normal(40)
    with pytest.warns(UserWarning, match="too high") as record:
        want = pywt.wavedec(y, "db4", level=3)
    assert "Level value of 3" in str(record[0].message)
    with pytest.warns(UserWarning, match="Level value of 3 is too high"):
        got = featgraph.load("dwt").run(y, sr=16000.0, level=3)
    assert kernels.dwt_max_level(40, 8) == pywt.dwt_max_level(40, 8) == 2
    assert_close([got[k] for k in ("a3", "d3", "d2", "d1")], want, np.float64)

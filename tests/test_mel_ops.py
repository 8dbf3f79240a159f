"""mel_filterbank: the mel scales' closed forms, the three layouts' formulas, empty-filter errors."""
import math
import warnings

import numpy as np
import pytest

from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.mel import MelFilterbank, hz_to_mel, mel_to_hz, mel_weights


def power(n_fft=512, sr=16000.0, frames=3, dtype=np.float64, seed=0):
    x = np.abs(np.random.default_rng(seed).standard_normal((n_fft // 2 + 1, frames)))
    return Feature(x.astype(dtype), Kind.POWER, sr, hop=160, win_length=400, n_fft=n_fft)


def test_mel_scales_closed_forms():
    assert hz_to_mel(1000.0) == pytest.approx(15.0)                   # Slaney: 3 mels / 200 Hz
    assert hz_to_mel(6400.0) == pytest.approx(42.0)                   # + 27 mels per factor 6.4
    assert hz_to_mel(500.0) == pytest.approx(7.5)
    assert hz_to_mel(700.0, "htk") == pytest.approx(2595 * math.log10(2))
    f = np.array([0.0, 123.0, 999.0, 1000.0, 4321.0, 8000.0])
    for scale in ("slaney", "htk"):
        np.testing.assert_allclose(mel_to_hz(hz_to_mel(f, scale), scale), f, atol=1e-9)


@pytest.mark.parametrize("scale", ["slaney", "htk"])
def test_librosa_layout_is_hz_triangles(scale):
    sr, n_fft, n = 16000.0, 512, 40
    w, centres = mel_weights(sr, n_fft, n, 50.0, 7000.0, "librosa", scale, "none")
    edges = mel_to_hz(np.linspace(hz_to_mel(50.0, scale), hz_to_mel(7000.0, scale), n + 2),
                      scale)
    bins = np.arange(n_fft // 2 + 1) * sr / n_fft
    for i in range(n):
        lo, mid, hi = edges[i:i + 3]
        want = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0, None)
        np.testing.assert_allclose(w[i], want, atol=1e-12)
    np.testing.assert_allclose(centres, edges[1:-1])
    area, _ = mel_weights(sr, n_fft, n, 50.0, 7000.0, "librosa", scale, "slaney")
    np.testing.assert_allclose(area, w * (2 / (edges[2:] - edges[:-2]))[:, None], rtol=1e-12)
    peak, _ = mel_weights(sr, n_fft, n, 50.0, 7000.0, "librosa", scale, "peak")
    np.testing.assert_allclose(peak.max(axis=1), 1.0)


@pytest.mark.parametrize("sr, nfft, nfilt", [(8000, 512, 26), (16000, 512, 80)])
def test_psf_layout_is_get_filterbanks_formula(sr, nfft, nfilt):
    """Also with nfilt 80 at nfft 512, whose degenerate channels allow_empty keeps as psf does."""
    mels = np.linspace(0, 2595 * np.log10(1 + sr / 2 / 700), nfilt + 2)
    b = np.floor((nfft + 1) * 700 * (10 ** (mels / 2595) - 1) / sr).astype(int)
    want = np.zeros((nfilt, nfft // 2 + 1))
    for j in range(nfilt):
        for i in range(b[j], b[j + 1]):
            want[j, i] = (i - b[j]) / (b[j + 1] - b[j])
        for i in range(b[j + 1], b[j + 2]):
            want[j, i] = (b[j + 2] - i) / (b[j + 2] - b[j + 1])
    got, _ = mel_weights(float(sr), nfft, nfilt, 0.0, sr / 2, "psf", "htk", "none")
    np.testing.assert_allclose(got, want, atol=1e-15)


def test_htk_layout_partitions_unity():
    w, _ = mel_weights(16000.0, 512, 26, 0.0, 8000.0, "htk", "htk", "none")
    total = w.sum(axis=0)
    assert total[0] == 0 and total[-1] == 0                          # DC and Nyquist excluded
    mel = 1127 * np.log1p(np.arange(257) * 16000 / 512 / 700)
    step = 1127 * np.log1p(8000 / 700) / 27                           # centre spacing in mel
    inner = (mel >= step) & (mel <= 26 * step)                        # between the first and last centre
    np.testing.assert_allclose(total[inner], 1.0, atol=1e-12)         # two overlapping triangles
    np.testing.assert_allclose(total[(mel > 26 * step) & (total > 0)],
                               (27 * step - mel[(mel > 26 * step) & (total > 0)]) / step)


def test_apply_keeps_dtype_and_sets_axis():
    for dtype in (np.float32, np.float64):
        out = MelFilterbank(n_mels=40)(power(dtype=dtype))
        assert out.data.dtype == dtype and out.data.shape == (40, 3) and out.kind == Kind.BANDS
        assert out.axis.shape == (40,) and np.all(np.diff(out.axis) > 0)
    x = power()
    w, _ = mel_weights(16000.0, 512, 40, 0.0, 8000.0, "librosa", "slaney", "slaney")
    np.testing.assert_allclose(MelFilterbank(n_mels=40)(x).data, w @ x.data, rtol=1e-12)


def test_empty_filters_are_an_error_naming_the_fix():
    x = power(n_fft=128, sr=8000.0)
    with pytest.raises(ValueError, match=r"are empty at sr = 8000 Hz, n_fft = 128 .* use "
                                         r"n_mels <= (\d+)") as err:
        MelFilterbank(n_mels=128)(x)
    best = int(str(err.value).split("n_mels <= ")[1].split(",")[0])
    assert 0 < best < 128
    MelFilterbank(n_mels=best)(x)                                     # the advice works
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = MelFilterbank(n_mels=128, allow_empty=True)(x)
    assert any("empty" in str(c.message) for c in caught)
    assert np.isfinite(out.data).all()


def test_psf_80_filters_at_512_is_an_error():
    with pytest.raises(ValueError, match=r"empty or degenerate .* use n_mels <="):
        MelFilterbank(layout="psf", n_mels=80)(power())


def test_parameter_errors():
    with pytest.raises(ValueError, match="fmax = 100 must exceed fmin = 200"):
        MelFilterbank(fmin=200, fmax=100)
    with pytest.raises(ValueError, match="layout psf uses the htk mel scale"):
        MelFilterbank(layout="psf", mel_scale="slaney")
    with pytest.raises(ValueError, match="above the Nyquist"):
        MelFilterbank(layout="htk", fmax=9000)(power())


def test_exact_zeros_and_float32():
    for layout in ("librosa", "psf", "htk"):
        x = power(dtype=np.float32)
        zeros = x.derive(np.zeros_like(x.data))
        out = MelFilterbank(layout=layout, n_mels=26)(zeros)
        assert out.data.dtype == np.float32 and not out.data.any()

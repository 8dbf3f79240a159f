"""openSMILE 2.6's cSpecResample in single precision (``smile_spec_resample`` with
``precision: single``) against openSMILE's own levels.

Reference: tests/data/egemaps_resample_refs.npz (rows of openSMILE's gemapsv01b_winH25,
gemapsv01b_fftcH25 and gemapsv01b_outpR for the three reference speech files and a
synthetic signal of impulses, DC, a sine and noise; generator
tests/data/make_egemaps_resample_refs.py, run with /tmp/venv-smile/bin/python).  Fed
openSMILE's own spectrum, the synthesis must give its resampled frames bit for bit; the
other summation orders and a float64 accumulator must not (the rule is pinned down).
From openSMILE's windowed frames, through its float32 FFT (tests/test_native_smile_fft.py), the
resampled frames are its own bit for bit; from a float64 spectrum, within a few float32
ulps.
"""
from pathlib import Path

import numpy as np
import pytest

from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.egemaps_resample import SmileSpecResample, smile_synthesis
from test_native import backend  # noqa: F401  (fixture: C kernels, then numpy)

REFS = np.load(Path(__file__).parent / "data" / "egemaps_resample_refs.npz")
STEMS = ("speech_en_16k", "speech_en_gb_16k", "english_8k", "synthetic_16k")
RATES = {"english_8k": 8000.0}
N_PRIME, M_OUT, K_BINS = 352.0, 220, 110


def centred_spectrum(stem):
    """openSMILE's fftcH25 rows as the first K complex bins ``X = Re - i Im'``."""
    f = REFS[f"{stem}__fftcH25"].astype(np.float64)
    x = np.zeros((len(f), K_BINS), complex)
    x[:, 0] = f[:, 0]
    x[:, 1:] = f[:, 2:2 * K_BINS:2] - 1j * f[:, 3:2 * K_BINS:2]
    return x, f.shape[1]


def ulps(a, b):
    ia, ib = (np.asarray(v, np.float32).view(np.int32).astype(np.int64) for v in (a, b))
    ia, ib = (np.where(i < 0, -(i & 0x7FFFFFFF), i) for i in (ia, ib))
    return np.abs(ia - ib)


@pytest.mark.parametrize("stem", STEMS)
def test_synthesis_is_opensmiles_outpR_bit_for_bit(backend, stem):
    x, big_n = centred_spectrum(stem)
    got = smile_synthesis(x, big_n, N_PRIME, M_OUT)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, REFS[f"{stem}__outpR"])


def test_other_orders_miss():
    """The same products summed otherwise: bins descending, the two terms of a bin added
    first, a float64 accumulator.  Each misses on most samples of the speech files."""
    f32 = np.float32
    th = 2 * np.pi * np.outer(np.arange(K_BINS), np.arange(M_OUT)) / N_PRIME
    c, s = np.cos(th).astype(f32), np.sin(th).astype(f32)
    for stem in STEMS[:3]:
        x, big_n = centred_spectrum(stem)
        re, im = x.real.astype(f32), (-x.imag).astype(f32)
        want = REFS[f"{stem}__outpR"]
        desc = np.zeros(want.shape, f32)
        pair = np.zeros(want.shape, f32)
        wide = np.zeros(want.shape)
        for k in range(K_BINS):
            kd = K_BINS - 1 - k
            desc = desc + re[:, kd:kd + 1] * c[kd]
            desc = desc + im[:, kd:kd + 1] * s[kd]
            pair = pair + (re[:, k:k + 1] * c[k] + im[:, k:k + 1] * s[k])
            wide += re[:, k:k + 1] * c[k].astype(float) + im[:, k:k + 1] * s[k].astype(float)
        for other in (desc, pair, wide):
            same = np.mean(np.asarray(other * (2 / big_n), f32) == want)
            assert same < 0.2, (stem, same)


@pytest.mark.parametrize("stem", STEMS)
def test_from_opensmiles_windowed_frames(backend, stem):
    """Frames in, through openSMILE's float32 FFT (featgraph.native.smile_fft): its outpR
    bit for bit.  The spectrum input (the end-padded frames' rfft, a float64 FFT,
    shifted) stands in for that FFT: within a few float32 ulps."""
    w = REFS[f"{stem}__winH25"]
    sr = RATES.get(stem, 16000.0)
    frames = Feature(np.ascontiguousarray(w.T.astype(np.float64)), Kind.FRAMES, sr=sr,
                     hop=w.shape[1] // 2, win_length=w.shape[1])
    got = SmileSpecResample(precision="single")(frames).data.T
    want = REFS[f"{stem}__outpR"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    big_n = 1 << (w.shape[1] - 1).bit_length()
    spec = np.fft.rfft(w.astype(np.float64), big_n, axis=1)
    spectrum = Feature(np.ascontiguousarray(spec.T), Kind.SPECTRUM, sr=sr, hop=w.shape[1] // 2,
                       win_length=w.shape[1], n_fft=big_n)
    via_spec = SmileSpecResample(precision="single")(spectrum).data.T
    scale = np.abs(want).max(axis=1, keepdims=True) + 1e-30
    np.testing.assert_array_less(np.abs(via_spec - want) / scale, 2e-6)
    loud = np.abs(want) > 1e-2 * scale
    assert np.median(ulps(via_spec, want)[loud]) <= 8


def test_single_and_double_agree_to_float32_rounding():
    w = REFS["speech_en_16k__winH25"].astype(np.float64)
    frames = Feature(np.ascontiguousarray(w.T), Kind.FRAMES, sr=16000.0, hop=160,
                     win_length=320)
    single = SmileSpecResample(precision="single")(frames).data
    double = SmileSpecResample()(frames).data
    scale = np.abs(double).max(axis=0) + 1e-30
    np.testing.assert_array_less(np.abs(single - double) / scale, 2e-6)

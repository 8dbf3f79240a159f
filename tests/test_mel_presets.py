"""The librosa and python_speech_features presets against the libraries' own outputs.

Reference arrays: tests/data/<stem>__mel.npz (made by tests/data/make_mel_refs.py):
``ref.*`` copied from ../shared/reference (its parameters), ``default.*`` at librosa's
defaults, ``alt.*`` python_speech_features at non-default parameters (its defaults
are the shared reference's).
"""
import numpy as np
import pytest

import featgraph
from conftest import DATA, SPEECH

LIBROSA_REF = {"n_fft": 512, "n_mels": 40}          # win 25 ms, hop 10 ms: set per rate


def refs(stem):
    with np.load(DATA / f"{stem}__mel.npz") as z:
        return {k: z[k] for k in z.files}


def columns(got, ref, name):
    """``got`` at the frames stored for ``name``; the frame counts must agree."""
    frames = ref.get(name + ".frames")
    if frames is None:
        assert got.shape == ref[name].shape
        return got
    assert got.shape[0] == ref[name].shape[0] and got.shape[1] == frames[-1] + 1
    return got[:, frames]


def rel_err(got, want):
    return float((np.abs(got - want) / np.abs(want)).max())


def rel_err_rows(got, want):
    """Worst |got - want| per coefficient, relative to that coefficient's largest magnitude."""
    return float((np.abs(got - want).max(axis=1) / np.abs(want).max(axis=1)).max())


def librosa_ref_params(stem):
    sr = 8000 if stem == "english_8k" else 16000
    return dict(LIBROSA_REF, win=sr // 40, hop=sr // 100)


@pytest.mark.parametrize("setting", ["ref", "default"])
@pytest.mark.parametrize("stem", SPEECH)
def test_librosa_presets(stem, setting):
    ref = refs(stem)
    kw = librosa_ref_params(stem) if setting == "ref" else {}
    mel = featgraph.load("melspec_librosa").run(SPEECH[stem], **kw)["melspec_librosa"]
    name = f"{setting}.{'librosa.' if setting == 'ref' else ''}"
    assert rel_err(columns(mel, ref, name + "melspectrogram"), ref[name + "melspectrogram"]) \
        <= 1e-5
    db = featgraph.load("logmel_librosa").run(SPEECH[stem], **kw)["logmel_librosa"]
    assert np.abs(columns(db, ref, name + "log_mel_db") - ref[name + "log_mel_db"]).max() <= 1e-3
    n_mfcc = 13 if setting == "ref" else 20
    mfcc = featgraph.load("mfcc_librosa").run(SPEECH[stem], n_mfcc=n_mfcc, **kw)["mfcc_librosa"]
    assert np.abs(columns(mfcc, ref, name + "mfcc") - ref[name + "mfcc"]).max() <= 1e-3


@pytest.mark.parametrize("setting", ["ref.librosa.", "default."])
@pytest.mark.parametrize("stem", SPEECH)
def test_librosa_deltas(stem, setting):
    from featgraph.engine.feature import Feature
    from featgraph.engine.kinds import Kind
    from featgraph.nodes.context import Delta

    ref = refs(stem)
    mfcc = Feature(ref[setting + "mfcc"], Kind.CEPSTRA, 16000.0)
    for order, key in ((1, "mfcc_delta"), (2, "mfcc_delta2")):
        got = Delta(width=9, order=order)(mfcc).data
        assert got.dtype == np.float32
        assert np.abs(got - ref[setting + key]).max() <= 1e-4


PSF_ALT = dict(winlen="20ms", winstep="12.5ms", nfilt=40, nfft=1024, lowfreq=100.0,
               preemph=0.95)


def psf_params(stem, setting):
    if setting == "ref":
        return {}, {}
    sr = 8000 if stem == "english_8k" else 16000
    kw = dict(PSF_ALT, highfreq=sr / 2 - 500)
    return kw, dict(numcep=20, ceplifter=30, window="hamming", delta_n=3)


@pytest.mark.parametrize("setting", ["ref", "alt"])
@pytest.mark.parametrize("stem", SPEECH)
def test_psf_presets(stem, setting):
    ref = refs(stem)
    kw, mfcc_only = psf_params(stem, setting)
    pre = f"{setting}.psf."
    window = {"window": mfcc_only["window"]} if mfcc_only else {}
    out = featgraph.load("fbank_psf").run(SPEECH[stem], **kw, **window)
    assert rel_err(columns(out["fbank_psf"], ref, pre + "fbank"), ref[pre + "fbank"]) <= 1e-4
    assert rel_err(columns(out["energy_psf"], ref, pre + "frame_energy"),
                   ref[pre + "frame_energy"]) <= 1e-4
    for dtype in ("float64", "float32"):          # the float32 variant: the same tolerance
        logfb = featgraph.load("logfbank_psf").run(SPEECH[stem], dtype=dtype,
                                                   **kw)["logfbank_psf"]
        assert logfb.dtype == dtype
        assert rel_err(columns(logfb, ref, pre + "logfbank"), ref[pre + "logfbank"]) <= 1e-4
    out = featgraph.load("mfcc_psf").run(SPEECH[stem], **kw, **mfcc_only)
    assert out["mfcc_psf"].shape == ref[pre + "mfcc"].shape          # same frame count
    assert rel_err_rows(out["mfcc_psf"], ref[pre + "mfcc"]) <= 1e-4
    assert rel_err_rows(out["delta_psf"], ref[pre + "mfcc_delta"]) <= 1e-4


def test_psf_mfcc_without_lifter():
    """``ceplifter=0`` (python_speech_features: no liftering): the reference cepstra with
    the lifter weights ``1 + 11 sin(pi n / 22)`` divided out (row 0 is the log energy)."""
    stem = next(iter(SPEECH))
    ref = refs(stem)
    out = featgraph.load("mfcc_psf").run(SPEECH[stem], ceplifter=0)
    n = np.arange(ref["ref.psf.mfcc"].shape[0])[:, None]
    want = ref["ref.psf.mfcc"] / np.where(n == 0, 1.0, 1 + 11 * np.sin(np.pi * n / 22))
    assert rel_err_rows(out["mfcc_psf"], want) <= 1e-4


def test_psf_frame_longer_than_nfft_is_an_error():
    with pytest.raises(featgraph.NodeError, match="n_fft = 512 is shorter than the frame "
                                                  "length 1024"):
        featgraph.load("mfcc_psf").run(SPEECH["speech_en_16k"], winlen="64ms")


def test_psf_too_many_filters_is_an_error():
    with pytest.raises(featgraph.NodeError, match=r"use n_mels <= \d+"):
        featgraph.load("logfbank_psf").run(SPEECH["speech_en_16k"], nfilt=80)


SHIPPED = ["melspec_librosa", "logmel_librosa", "mfcc_librosa", "fbank_psf", "logfbank_psf",
           "mfcc_psf", "mfcc_htk", "mfcc39", "lfbe"]


def clipped_square(sr=16000, seconds=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return np.clip(3.0 * np.sign(np.sin(2 * np.pi * 220 * t)), -1.0, 1.0)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_recipes_stay_finite(name):
    recipe = featgraph.load(name)
    for source, sr in ((DATA / "silence_16k.wav", None), (np.zeros(16000), 16000),
                       (clipped_square(), 16000)):
        out = recipe.run(source, sr=sr)
        for value in out.values():
            assert np.isfinite(value).all()


@pytest.mark.parametrize("nfft, dtype, exact", [(512, "float32", True), (512, "float64", False),
                                                (600, "float64", False)])
def test_psf_fused_filterbank_divides_by_nfft_as_the_power_op(monkeypatch, nfft, dtype, exact):
    """The banded fused filterbank divides the band sums by n_fft (the ops divide the power):
    bit-equal for a power of two on the same FFT (float32 with the framed kernel turned
    off: ducc0's in both), to rounding otherwise (float64 with n_fft a power of two: the
    fused step's own FFT, native/framedbank.c, against ducc0's in the rfft op)."""
    recipe = featgraph.load("logfbank_psf")
    if exact:                                   # the tiled kernel: ducc0's FFT, as the ops
        monkeypatch.setattr("featgraph.nodes.mel.framed_supported", lambda *args: False)
    monkeypatch.setenv("FEATGRAPH_FUSE", "0")
    plain = recipe.run(SPEECH["speech_en_16k"], nfft=nfft, dtype=dtype)
    monkeypatch.setenv("FEATGRAPH_FUSE", "1")
    fused = recipe.run(SPEECH["speech_en_16k"], nfft=nfft, dtype=dtype)
    assert "fused" in str(fused.report) and "fused" not in str(plain.report)
    a, b = plain["logfbank_psf"], fused["logfbank_psf"]
    assert a.dtype == b.dtype == np.dtype(dtype)
    if exact:
        np.testing.assert_array_equal(b, a)
    else:
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=0)

"""The Kaldi family of model front ends against their extractors (issue 11).

References (tests/data/README.md): ``kaldi_frontends.npz`` copies kaldi-native-fbank 1.23's
``kaldi.fbank80``, ``kaldi.fbank23_energy``, ``kaldi.mfcc13`` and transformers 5.24's AST,
Speech2Text and SeamlessM4T features from ../shared/reference; ``kaldi_refs.npz`` holds the
same extractors at other lengths (``make_kaldi_refs.py``).

kaldi-native-fbank computes in single precision: a filterbank value far below its frame's
largest (more than 20 nats, about 87 dB) carries float32 rounding of the FFT of the whole
frame, up to a few 1e-3 in the log.  featgraph computes in float64, so the issue's 1e-3 is
asserted on every value within 20 nats of its frame's maximum, and 1e-2 on the rest.  The
transformers references (float64 numpy) agree to about 1e-5 everywhere.
"""
import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, SPEECH

FILES = ("speech_en_16k", "speech_en_gb_16k", "english_8k")
EPS32 = float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def refs():
    with np.load(DATA / "kaldi_frontends.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def lengths():
    with np.load(DATA / "kaldi_refs.npz") as z:
        return {k: z[k] for k in z.files}


def _ref(refs, key):
    return refs[key], refs[key + ".frames"], tuple(refs[key + ".shape"])


def _run(recipe, y, sr, **params):
    name = recipe.split(":")[0]
    output = recipe.split(":")[-1]
    return featgraph.load(name).run(y, sr=sr, **params)[output]


def _speech(stem):
    y, sr = sf.read(SPEECH[stem])
    return y, sr


def assert_log_close(got, want, gap_nats=20.0, near=1e-3, far=1e-2):
    """|got - want| <= near where got is within gap_nats of its frame's largest value."""
    d = np.abs(got - want)
    gap = got.max(axis=0, keepdims=True) - got
    assert d[gap <= gap_nats].max() <= near
    assert d.max() <= far


@pytest.mark.parametrize("stem", FILES)
@pytest.mark.parametrize("key, recipe, params", [
    ("kaldi.fbank80", "fbank_kaldi", {}),
    ("kaldi.fbank23_energy", "fbank_kaldi:fbank_kaldi_e", {"n_mels": 23}),
])
def test_fbank_kaldi_matches_kaldi_native_fbank(refs, stem, key, recipe, params):
    want, frames, shape = _ref(refs, f"{stem}/{key}")
    got = _run(recipe, *_speech(stem), **params)
    assert got.shape == shape
    assert_log_close(got[:, frames], want)


@pytest.mark.parametrize("stem", FILES)
def test_mfcc_kaldi_matches_kaldi_native_fbank(refs, stem):
    want, frames, shape = _ref(refs, f"{stem}/kaldi.mfcc13")
    got = _run("mfcc_kaldi", *_speech(stem))
    assert got.shape == shape
    span = want.max(axis=1) - want.min(axis=1)
    assert (np.abs(got[:, frames] - want).max(axis=1) / span).max() <= 1e-4


@pytest.mark.parametrize("stem", FILES[:2])
@pytest.mark.parametrize("key, recipe", [
    ("speech2text.fbank80_cmvn", "fbank_speech2text"),
    ("seamless.fbank80_stacked", "fbank_seamless"),
    ("ast.fbank128", "fbank_ast"),
])
def test_model_extractors(refs, stem, key, recipe):
    want, frames, shape = _ref(refs, f"{stem}/{key}")
    got = _run(recipe, *_speech(stem))
    assert got.shape == shape
    assert np.abs(got[:, frames] - want).max() <= 1e-3


def _signals():
    a, _ = sf.read(SPEECH["speech_en_16k"], dtype="int16")
    b, _ = sf.read(SPEECH["speech_en_gb_16k"], dtype="int16")
    loop = np.concatenate([a, b] * 3)
    return {"short": a[:300], "s30": loop[:480000], "s37": loop[:596800], "s10": loop[:160000]}


CASES = [("s30", "kaldi.fbank80", "fbank_kaldi"), ("s37", "kaldi.fbank80", "fbank_kaldi"),
         ("s30", "kaldi.mfcc13", "mfcc_kaldi"), ("s37", "kaldi.mfcc13", "mfcc_kaldi"),
         ("s30", "speech2text", "fbank_speech2text"), ("s37", "speech2text", "fbank_speech2text"),
         ("s30", "seamless", "fbank_seamless"), ("s37", "seamless", "fbank_seamless"),
         ("s10", "ast", "fbank_ast"), ("s37", "ast", "fbank_ast")]


@pytest.mark.parametrize("signal, key, recipe", CASES)
def test_other_lengths(lengths, signal, key, recipe):
    """Exactly 30 s, longer than 30 s (37.3 s), and 10 s for AST (1000 frames padded to 1024,
    37.3 s cut to 1024)."""
    y = _signals()[signal] / 32768.0
    want, frames, shape = _ref(lengths, f"{signal}/{key}")
    got = _run(recipe, y, 16000)
    assert got.shape == shape
    got = got[:, frames]
    if key == "kaldi.mfcc13":
        span = want.max(axis=1) - want.min(axis=1)
        assert (np.abs(got - want).max(axis=1) / span).max() <= 1e-4
    elif key == "kaldi.fbank80":
        assert_log_close(got, want)
    else:
        assert np.abs(got - want).max() <= 1e-3


def test_ast_pads_with_normalised_zeros(lengths):
    """10 s gives 998 frames; the extractor pads 26 zero frames, normalised: 4.2677393 / 9.1379948."""
    got = _run("fbank_ast", _signals()["s10"] / 32768.0, 16000)
    np.testing.assert_allclose(got[:, 998:], 4.2677393 / (2 * 4.5689974), rtol=1e-6)
    assert np.abs(got[:, 997] - 4.2677393 / (2 * 4.5689974)).max() > 0.1


@pytest.mark.parametrize("recipe", ["fbank_kaldi", "mfcc_kaldi", "fbank_ast"])
def test_shorter_than_one_frame(lengths, recipe):
    """kaldi-native-fbank returns no frames and ASTFeatureExtractor 1024 padded frames for a
    signal shorter than one 400-sample frame; the engine has no empty outputs yet, so the
    recipes stop with an error that names the frame length."""
    ref_key = {"fbank_kaldi": "kaldi.fbank80", "mfcc_kaldi": "kaldi.mfcc13", "fbank_ast": "ast"}
    assert tuple(lengths[f"short/{ref_key[recipe]}.shape"])[1] in (0, 1024)
    with pytest.raises(Exception, match="shorter than one frame of 400 samples"):
        _run(recipe, _signals()["short"] / 32768.0, 16000)


def test_dither_is_seeded_and_small():
    y, sr = _speech("speech_en_16k")
    clean = _run("fbank_kaldi", y, sr)
    a = _run("fbank_kaldi", y, sr, dither=1.0, seed=3)
    b = _run("fbank_kaldi", y, sr, dither=1.0, seed=3)
    c = _run("fbank_kaldi", y, sr, dither=1.0, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # 1 LSB of noise adds on average sum(window^2) (about 150) times the pre-emphasis gain
    # (at most 3.9) to each FFT bin's power: a small fraction of bins above e^12, and it
    # raises the log filterbank on average
    d = a - clean
    assert 0 < np.median(np.abs(d[clean > 12])) < 2e-3
    assert np.abs(d[clean > 18]).max() < 0.05
    assert d.mean() > 0


def test_transformers_recipes_resample_to_16k():
    """The models are trained at 16 kHz: 8 kHz input is resampled, giving 16 kHz frames."""
    y, sr = _speech("english_8k")
    got = featgraph.load("fbank_speech2text").run(y, sr=sr).features["fbank_speech2text"]
    assert got.sr == 16000 and got.hop == 160
    assert got.n_frames == 1 + (2 * len(y) - 400) // 160


# ---- Kaldi's options through the recipes' parameters (kaldi_option_refs.npz) ----
OPTION_PARAMS = {   # the recipes' names for make_kaldi_option_refs.py's options
    "fbank40_hf-400": ("fbank_kaldi", dict(n_mels=40, low_freq=64.0, high_freq=-400.0,
                                           window="hamming")),
    "mfcc20_32ms": ("mfcc_kaldi", dict(frame_length="32ms", frame_shift="12.5ms", preemph=0.0,
                                       window="hann", n_mels=40, n_ceps=20, lifter=0.0,
                                       high_freq=7000.0)),
}


@pytest.mark.parametrize("key", list(OPTION_PARAMS))
def test_kaldi_options_through_the_recipe_parameters(key):
    """--high-freq <= 0 (an offset from the Nyquist frequency), the frame options of
    mfcc_kaldi, --cepstral-lifter=0, against kaldi-native-fbank at those options."""
    with np.load(DATA / "kaldi_option_refs.npz") as z:
        want = z[key]
    name, params = OPTION_PARAMS[key]
    y, sr = _speech("speech_en_16k")
    got = featgraph.load(name).run(y[:3 * sr], sr=sr, **params)[name]
    assert got.shape == want.shape
    if name == "fbank_kaldi":
        assert_log_close(got, want)
    else:                                  # cepstra: float32 rounding of the log bands
        assert np.abs(got - want).max() <= 1e-3


def test_an_offset_from_nyquist_is_kaldi_s_convention_only():
    from featgraph.nodes.mel import MelFilterbank

    assert MelFilterbank(layout="kaldi", fmax=-400.0).fmax == -400.0
    with pytest.raises(ValueError, match="Kaldi's convention"):
        MelFilterbank(layout="htk", fmax=-400.0)

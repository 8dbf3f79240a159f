"""Whisper, Parakeet, Gemma 3n and CLAP front ends against transformers' feature extractors.

References (tests/data/README.md): ``model_frontends_main.npz`` holds the issue's arrays
copied from ``shared/reference`` (transformers 5.23/5.24 on the speech recordings);
``model_frontends_refs.npz`` the same extractors on other lengths and on two-item
batches, made by ``make_whisper_refs.py``.  Arrays over 500 (main) or 1000 (other
lengths) frames keep every 4th or 7th frame; the full shapes are checked.
Tolerance (issue 11): max |difference| <= 1e-3 in the log domain.
"""
import json
import sys
import warnings

import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA

sys.path.insert(0, str(DATA))
from make_whisper_refs import EVERY, signals, thin  # noqa: E402  (the inputs the refs were made on)

TOL = 1e-3
MAIN = np.load(DATA / "model_frontends_main.npz")
REFS = np.load(DATA / "model_frontends_refs.npz")
SHAPES = json.loads((DATA / "model_frontends_refs.json").read_text())["shapes"]
FILES = {"speech_en_16k": featgraph.example("speech"),
         "speech_en_gb_16k": DATA / "speech_en_gb_16k.wav",
         "speech_en_48k": DATA / "speech_en_48k.wav"}
SIGNALS = signals()


def run(recipe: str, source, sr=None, **params) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # Whisper's 128 bands include empty filters
        return featgraph.load(recipe).run(source, sr=sr, **params)[recipe]


MAIN_CASES = [
    ("logmel_whisper", f"whisper.logmel{n}_{p}", {"n_mels": n, "pad_to_seconds": s})
    for n in (80, 128) for p, s in (("30s", 30), ("unpadded", 0))
] + [("logmel_parakeet", "parakeet.logmel80", {}), ("logmel_gemma3n", "gemma3n.logmel128", {})]


@pytest.mark.parametrize("stem", ["speech_en_16k", "speech_en_gb_16k"])
@pytest.mark.parametrize("recipe,name,params", MAIN_CASES, ids=[c[1] for c in MAIN_CASES])
def test_issue_references(stem, recipe, name, params):
    got = run(recipe, FILES[stem], **params)
    assert got.shape == tuple(MAIN[f"{stem}/{name}.shape"])
    want = MAIN[f"{stem}/{name}"]
    got = got[:, ::4] if got.shape[1] > 500 else got
    assert np.abs(got - want).max() <= TOL


def test_clap_issue_reference():
    got = run("logmel_clap", FILES["speech_en_48k"])
    assert got.shape == tuple(MAIN["speech_en_48k/clap.logmel64.shape"]) == (64, 1001)
    assert np.abs(got[:, ::4] - MAIN["speech_en_48k/clap.logmel64"]).max() <= TOL


OTHER = {"whisper80_30s": ("logmel_whisper", {"n_mels": 80}),
         "whisper128_30s": ("logmel_whisper", {"n_mels": 128}),
         "whisper80_unpadded": ("logmel_whisper", {"n_mels": 80, "pad_to_seconds": 0}),
         "parakeet": ("logmel_parakeet", {}), "gemma3n": ("logmel_gemma3n", {}),
         "clap": ("logmel_clap", {})}


@pytest.mark.parametrize("key", [k for k in REFS.files if not k.startswith("batch.")])
def test_other_lengths(key):
    """Shorter than one frame, exactly 30 s (10 s), longer than 30 s (10 s), CLAP's corner."""
    family, case = key.split(".", 1)
    recipe, params = OTHER[family]
    y, sr = SIGNALS[case]
    got = run(recipe, y.astype(np.float64), sr, **params)
    assert list(got.shape) == SHAPES[key]
    assert np.abs(thin(got) - REFS[key]).max() <= TOL


def test_documented_lengths():
    """Whisper: 30 s -> 3000 frames whatever the input; unpadded: samples // 160 frames."""
    y = SIGNALS["long35"][0].astype(np.float64)
    for n in (1, 399, 480000, 560000):
        assert run("logmel_whisper", y[:n], 16000).shape == (80, 3000)
    assert run("logmel_whisper", y[:560000], 16000, pad_to_seconds=0).shape == (80, 3500)
    assert run("logmel_parakeet", y[:16000], 16000).shape == (80, 101)   # 1 + n // 160
    assert run("logmel_gemma3n", y[:600000], 16000).shape == (128, 2997)  # cut to 30 s
    clap = run("logmel_clap", np.ones(100) * 0.1, 48000)                  # repeated 4800 times
    # under one frame: Parakeet has no valid frame (the extractor gives NaN): zeros here;
    # Gemma 3n's extractor returns no frames: the recipe says why it cannot
    np.testing.assert_array_equal(run("logmel_parakeet", y[:100], 16000), np.zeros((80, 1)))
    with pytest.raises(featgraph.NodeError, match="shorter than one frame"):
        run("logmel_gemma3n", y[:300], 16000)
    assert clap.shape == (64, 1001) and np.ptp(clap[:, 2:-2], axis=1).max() < 1e-6


# -------------------------------------------------------------------- batches
A, B = SIGNALS["short1k"][0].astype(np.float64), SIGNALS["exact30"][0][:50000].astype(np.float64)


def _thin3(x):
    return x[..., ::EVERY] if x.shape[-1] > 1000 else x


@pytest.mark.parametrize("key,recipe,params", [
    ("whisper80_30s", "logmel_whisper", {}),
    ("whisper80_longest", "logmel_whisper", {"pad_to_seconds": 0}),
    ("parakeet", "logmel_parakeet", {}),
    ("gemma3n", "logmel_gemma3n", {}),
])
def test_batch_matches_the_extractor(key, recipe, params):
    r = featgraph.load(recipe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, lengths = r.batch([A, B], sr=16000, **params)
    assert list(x.shape) == SHAPES[f"batch.{key}"]
    np.testing.assert_array_equal(lengths, REFS[f"batch.{key}.mask"])
    assert np.abs(_thin3(x) - REFS[f"batch.{key}"]).max() <= TOL


def test_batch_equals_per_item_runs():
    r = featgraph.load("logmel_parakeet")
    x, lengths = r.batch([A, B], sr=16000)
    for i, y in enumerate((A, B)):
        own = r.run(y, sr=16000)["logmel_parakeet"]
        np.testing.assert_array_equal(x[i, :, :own.shape[1]], own)
        assert not x[i, :, own.shape[1]:].any()
    xf, _ = r.batch([A, B], sr=16000, frames_first=True)
    np.testing.assert_array_equal(xf, x.swapaxes(1, 2))
    x2, n2 = r.batch([A, B], sr=16000, batch_pad_value=-1.0, batch_valid="frames")
    assert (x2[0, :, 7:] == -1.0).all() and n2.tolist() == [7, 313]


def test_batch_of_files_and_errors(tmp_path):
    path = tmp_path / "b.wav"
    sf.write(path, B, 16000, subtype="FLOAT")
    r = featgraph.load("logmel_parakeet")
    x, n = r.batch([path, path])
    np.testing.assert_array_equal(x[0], r.run(B, sr=16000)["logmel_parakeet"])
    with pytest.raises(ValueError, match="batch_pad"):
        r.batch([A], sr=16000, batch_pad="nearest")
    with pytest.raises(ValueError, match="no items"):
        r.batch([], sr=16000)
    with pytest.raises(ValueError, match="output"):
        featgraph.load("mfcc39").batch([A], sr=16000, output="nope")


def test_cli_format(tmp_path):
    from featgraph.cli import main

    wav = tmp_path / "a.wav"
    sf.write(wav, A, 16000, subtype="FLOAT")
    for fmt, shape in (("frames-first", (7, 80)), ("features-first", (80, 7))):
        out = tmp_path / f"{fmt}.npz"
        assert main(["run", "logmel_parakeet", str(wav), "-o", str(out), "--format", fmt,
                     "-q"]) == 0
        with np.load(out) as z:
            assert z["logmel_parakeet"].shape == shape
            assert json.loads(str(z["__meta__"]))["outputs"]["logmel_parakeet"]["shape"] == \
                list(shape)
    with np.load(tmp_path / "frames-first.npz") as a, np.load(tmp_path / "features-first.npz") as b:
        np.testing.assert_array_equal(a["logmel_parakeet"], b["logmel_parakeet"].T)

"""PLP and RASTA-PLP against rastamat itself, and their behaviour on hostile input."""
import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, SPEECH, assert_close_per_coefficient, rastamat

TOLERANCE = 1e-4   # of each coefficient's range, as the issue requires


@pytest.mark.parametrize("stem", SPEECH)
def test_plp_matches_rastamat(stem):
    got = featgraph.load("plp").run(SPEECH[stem])["plp"]
    want = rastamat(stem)["plp"]
    assert got.shape == want.shape            # same frame count, 9 cepstra
    assert_close_per_coefficient(got, want, TOLERANCE)


@pytest.mark.parametrize("stem", SPEECH)
def test_plp13_is_order_12(stem):
    got = featgraph.load("plp").run(SPEECH[stem], order=12)["plp"]
    assert_close_per_coefficient(got, rastamat(stem)["plp13"], TOLERANCE)


@pytest.mark.parametrize("stem", SPEECH)
def test_rasta_plp_matches_rastamat(stem):
    got = featgraph.load("rasta_plp").run(SPEECH[stem])["rasta_plp"]
    assert_close_per_coefficient(got, rastamat(stem)["rasta_plp"], TOLERANCE)


def test_array_source_equals_file_source():
    y, sr = sf.read(featgraph.example("speech"))
    from_array = featgraph.load("plp").run(y, sr=sr)["plp"]
    from_file = featgraph.load("plp").run(featgraph.example("speech"))["plp"]
    np.testing.assert_array_equal(from_array, from_file)


def test_silence_file_stays_finite():
    out = featgraph.load("plp").run(DATA / "silence_16k.wav")["plp"]
    assert out.shape == (9, 98)    # fix((16000 - 240) / 160)
    assert np.isfinite(out).all()


def _undithered_plp():
    """The plp recipe without its dither floor, so exact zeros reach the LPC."""
    recipe = featgraph.load("plp")
    recipe.nodes["power"].params["dither"] = 0.0
    return recipe


@pytest.mark.parametrize("make", [featgraph.load, lambda _: _undithered_plp()])
def test_run_of_exact_zeros_stays_finite(make):
    y, sr = sf.read(featgraph.example("speech"))
    y[20000:30000] = 0.0                                   # ~60 frames of digital silence
    out = make("plp").run(y, sr=sr)["plp"]
    assert np.isfinite(out).all()
    silent = out[:, 130:170]                               # frames wholly inside the zeros
    assert np.ptp(silent, axis=1).max() == 0.0             # identical, well-defined frames


def test_all_zero_signal_without_dither():
    out = _undithered_plp().run(np.zeros(4000), sr=16000)["plp"]
    assert np.isfinite(out).all()
    # A = [1, 0, ...] divided by the error floor 1e-10: c0 = log(1e-10), the rest zero.
    np.testing.assert_allclose(out[0], np.log(1e-10))
    np.testing.assert_array_equal(out[1:], 0.0)


def test_one_frame_signal():
    y, sr = sf.read(featgraph.example("speech"))
    out = featgraph.load("plp").run(y[8000:8400], sr=sr)["plp"]      # exactly one 400-sample frame
    assert out.shape == (9, 1) and np.isfinite(out).all()
    longer = featgraph.load("plp").run(y[8000:8559], sr=sr)["plp"]   # one frame + 159 samples
    np.testing.assert_allclose(longer, out)


def test_too_short_signal_is_a_clear_error():
    with pytest.raises(featgraph.NodeError, match=r"399 samples .* shorter than one frame of "
                                                  r"400 samples"):
        featgraph.load("plp").run(np.ones(399) * 0.1, sr=16000)


@pytest.mark.parametrize("bad, message", [
    (np.array([]), "no samples"),
    (np.array([0.1, np.nan] * 500), "NaN or infinite"),
    (np.array([0.1, np.inf] * 500), "NaN or infinite"),
])
def test_unusable_arrays(bad, message):
    with pytest.raises(featgraph.NodeError, match=message):
        featgraph.load("plp").run(bad, sr=16000)


def test_unreadable_and_missing_files(tmp_path):
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF not really a wav file")
    for path, why in ((junk, "cannot read audio file"), (tmp_path / "missing.wav",
                                                         "no such file"), (tmp_path, "folder")):
        with pytest.raises(featgraph.AudioError, match=why):
            featgraph.load("plp").run(path)

"""mir_bundle: one framing feeds YIN pitch, and one STFT onsets, beats, HPSS, the harmonic
chroma and the percussive onset strength; each part agrees with librosa computing it the
expert way."""
import numpy as np
import soundfile as sf

import featgraph
from conftest import DATA
from mir_signals import drum_loop

REFS = np.load(DATA / "onset_refs.npz")
PITCH_REFS = np.load(DATA / "pitch_refs.npz")


def test_mir_bundle_computes_its_stft_once():
    result = featgraph.load("mir_bundle").run(drum_loop(8.0), sr=22050)
    ops = [row.op for row in result.report.executed + result.report.fused]   # fused: computed too
    assert ops.count("rfft") == 1 and ops.count("frame") == 1 and ops.count("hpss") == 1
    assert set(result) == {"f0", "onsets", "tempo", "beats", "chroma_harmonic",
                           "onset_strength_percussive"}
    assert result["f0"].shape == (1, result["chroma_harmonic"].shape[-1])
    assert result.features["onsets"].is_events and result.features["beats"].is_events
    frames = result["chroma_harmonic"].shape[-1]
    assert result["onset_strength_percussive"].shape == (1, frames)


def test_mir_bundle_parts_match_librosa():
    y, sr = sf.read(DATA / "chord_pluck_22k_mono.wav")
    got = featgraph.load("mir_bundle").run(y, sr=sr)
    np.testing.assert_allclose(got["f0"][0], PITCH_REFS["chord_pluck_22k_mono/float64/yin"],
                               rtol=1e-12)
    np.testing.assert_allclose(got["onsets"], REFS["chord/onsets"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["beats"], REFS["chord/beats"], rtol=0, atol=1e-9)
    assert abs(got["tempo"][0, 0] - REFS["chord/tempo"][0]) <= 1e-3
    want = REFS["chord/bundle_chroma_harmonic"]
    assert np.abs(got["chroma_harmonic"] - want).max() <= 1e-4 * want.max()
    want = REFS["chord/bundle_onset_percussive"]
    assert np.abs(got["onset_strength_percussive"][0] - want).max() <= 1e-4 * want.max()

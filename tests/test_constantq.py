"""Constant-Q family against librosa 0.11 (saved arrays, tests/data/make_cqt_refs.py) and
closed forms: cqt, vqt, pseudo_cqt, cq_to_chroma, chroma_cens, the tuning estimate, cqcc, phase."""
import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, EDGE_SIGNALS, edge_signal
from featgraph.nodes import _cqcascade as cq
from featgraph.nodes._tuning import estimate_tuning
from featgraph.nodes.constantq import CQT, VQT, Phase, PseudoCQT
from featgraph.nodes.cq_features import CQCC, ChromaCens, CqToChroma
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from streamcheck import assert_same_features, run_op_chunked, signal

SR = 22050
REFS = np.load(DATA / "cqt_refs.npz")
CHORD = DATA / "chord_pluck_22k_stereo.wav"


def _detuned():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_cqt_refs", DATA / "make_cqt_refs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.detuned()


def chord() -> np.ndarray:
    return sf.read(CHORD)[0].mean(axis=1)


def assert_rel(got, want, rel):
    assert got.shape == want.shape
    err = np.abs(got - want).max() / np.abs(want).max()
    assert err <= rel, f"max |diff| = {err:.3g} of the reference's maximum (allowed {rel:g})"


@pytest.mark.parametrize("name,out,ref", [("cqt_librosa", "cqt", "chord.cqt"),
                                          ("vqt_librosa", "vqt", "chord.vqt"),
                                          ("chroma_cqt", "chroma", "chord.chroma_cqt"),
                                          ("chroma_cqt", "cens", "chord.chroma_cens")])
def test_presets_match_librosa(name, out, ref):
    got = featgraph.load(name).run(CHORD)[out]
    assert_rel(got, REFS[ref], 1e-3)        # the bound; measured: about 1e-7
    assert_rel(got, REFS[ref], 1e-5)


@pytest.mark.parametrize("name,out,ref", [("cqt_librosa", "cqt", "chord.cqt"),
                                          ("vqt_librosa", "vqt", "chord.vqt")])
def test_presets_in_float32_match_librosa(name, out, ref):
    """librosa computes in float32 (librosa.load's type): the presets in float32 (their
    short octaves in the time domain, the halvings' gains folded) as close as in float64."""
    got = featgraph.load(name).run(CHORD, dtype="float32")[out]
    assert got.dtype == np.float32
    assert_rel(got, REFS[ref], 1e-5)                # measured: 6.4e-7 (CQT), 4.1e-7 (VQT)


@pytest.mark.parametrize("block,feed", [(1000, 1), (4099, 700)])
@pytest.mark.parametrize("name,out,ref,dtype", [("cqt_librosa", "cqt", "chord.cqt", "float64"),
                                                ("cqt_librosa", "cqt", "chord.cqt", "float32"),
                                                ("vqt_librosa", "vqt", "chord.vqt", "float64"),
                                                ("vqt_librosa", "vqt", "chord.vqt", "float32"),
                                                ("chroma_cqt", "chroma", "chord.chroma_cqt",
                                                 "float64")])
def test_presets_in_small_steps_match_librosa(monkeypatch, name, out, ref, dtype, block, feed):
    """The octave cascade runs a block of input at a time (soxr streams between the stages,
    each octave's frames computed as their samples arrive): in steps far smaller than the
    filters and with odd sizes, still librosa's numbers (chroma_cqt: the FFT octaves; in
    float32 its per-frame normalisation shows float32's own rounding, 1.1e-4, whole or
    streamed alike)."""
    monkeypatch.setattr(cq, "CASCADE_BLOCK", block)
    monkeypatch.setattr(cq, "CASCADE_FEED", feed)
    assert_rel(featgraph.load(name).run(CHORD, dtype=dtype)[out], REFS[ref], 1e-5)


@pytest.mark.parametrize("factor", [2, 8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cascade_resampler_in_chunks_is_soxr_resample(factor, dtype):
    """The cascade's soxr stream, fed in uneven chunks, gives what librosa's
    ``soxr.resample(y, factor, 1)`` gives, bit for bit."""
    import soxr

    y = chord().astype(dtype)[:50001]
    stream = cq.resampler(factor, dtype, "soxr_hq")
    cuts = [0, 1, 17, 4096, 4097, 30000, len(y)]
    got = np.concatenate([stream.resample_chunk(y[a:b], last=b == len(y))
                          for a, b in zip(cuts[:-1], cuts[1:])])
    np.testing.assert_array_equal(got, soxr.resample(y, factor, 1, quality="HQ"))


def test_cqt_other_layout_matches_librosa():
    op = CQT(fmin=65.40639132514966, n_bins=96, bins_per_octave=24, hop=256, filter_scale=0.8)
    got = op(signal(chord(), SR))
    assert_rel(np.abs(got.data), REFS["chord.cqt_c2_bpo24"], 1e-5)
    np.testing.assert_allclose(got.axis, 65.40639132514966 * 2.0 ** (np.arange(96) / 24))


def test_pseudo_cqt_matches_librosa():
    assert_rel(PseudoCQT()(signal(chord(), SR)).data, REFS["chord.pseudo_cqt"], 1e-5)


@pytest.mark.parametrize("stem", ["chord", "detuned"])
def test_tuning_and_chroma_with_estimated_tuning(stem):
    y = chord() if stem == "chord" else _detuned()
    assert estimate_tuning(y, SR, bins_per_octave=36) == pytest.approx(
        float(REFS[f"{stem}.tuning36"]), abs=1e-12)
    result = featgraph.load("chroma_cqt").run(y, sr=SR)
    assert_rel(result["chroma"], REFS[f"{stem}.chroma_cqt"], 1e-5)
    assert_rel(result["cens"], REFS[f"{stem}.chroma_cens"], 1e-5)


def test_detuned_chord_estimate_is_its_tuning():
    # closed form: the chord is 0.3 semitone = 0.9 bins of 36 per octave sharp, i.e. -0.1
    # bin; the parabolic peak interpolation on a Hann spectrum is biased by a few hundredths
    assert estimate_tuning(_detuned(), SR, bins_per_octave=36) == pytest.approx(-0.1, abs=0.05)


@pytest.mark.parametrize("midi", [36, 57, 81])
def test_pure_tone_peaks_at_its_bin(midi):
    f = 440.0 * 2.0 ** ((midi - 69) / 12)
    t = np.arange(SR * 2) / SR
    c = np.abs(CQT()(signal(np.cos(2 * np.pi * f * t), SR)).data)
    k = midi - 24                                          # bin 0 is C1 = MIDI 24
    mid = c[:, c.shape[1] // 2]
    assert mid.argmax() == k


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_one_bin_per_octave_matches_librosa():
    """One bin per octave: the filters of the two lowest octaves are one sample long, a
    window of one point is [1] as in scipy (it was 0, and those bins with it)."""
    got = np.abs(VQT(bins_per_octave=1, n_bins=8)(signal(chord(), SR)).data)
    assert_rel(got.reshape(REFS["chord.vqt_bpo1"].shape), REFS["chord.vqt_bpo1"], 1e-5)
    assert np.abs(got[:2]).min() > 0


def test_vqt_with_gamma_zero_is_the_cqt():
    y = chord()[:20000]
    assert_same_features(VQT(gamma=0.0)(signal(y, SR)), CQT()(signal(y, SR)), rtol=0, atol=0)


def test_float32_stays_float32_and_channels_are_kept():
    y = np.stack([chord(), 0.5 * chord()]).astype(np.float32)
    out = CQT()(signal(y, SR))
    assert out.data.dtype == np.complex64 and out.data.shape == (2, 84, 130)
    assert_rel(np.abs(out.data[0]), REFS["chord.cqt"], 1e-5)
    assert_rel(np.abs(out.data[1]), 0.5 * REFS["chord.cqt"], 1e-5)


@pytest.mark.parametrize("case", EDGE_SIGNALS)
@pytest.mark.parametrize("op", [CQT(), VQT(), PseudoCQT(), CQT(tuning=None)])
def test_finite_on_hard_inputs(case, op):
    out = op(signal(edge_signal(case), 16000))
    assert np.isfinite(out.data).all()


def test_too_many_bins_for_the_rate_is_a_clear_error():
    with pytest.raises(ValueError, match="Nyquist"):
        CQT(n_bins=96)(signal(np.zeros(16000), 16000))


def test_bins_above_nyquist_can_be_dropped():
    # at 8 kHz the top bins of the default 84 reach past 4 kHz: librosa raises, as the op's
    # default does; `drop` (the shipped recipes) keeps the bins that fit, which is the CQT
    # with that many bins
    y = np.random.default_rng(0).standard_normal(8000)
    with pytest.raises(ValueError, match="Nyquist"):
        CQT()(signal(y, 8000))
    got = CQT(above_nyquist="drop")(signal(y, 8000))
    n = got.data.shape[-2]
    assert 70 < n < 84
    assert_same_features(got, CQT(n_bins=n)(signal(y, 8000)), rtol=1e-12, atol=1e-14)


def test_cq_to_chroma_folds_three_bins_per_class():
    mag = np.zeros((252, 1))
    mag[36 + 9 * 3 - 1:36 + 9 * 3 + 2, 0] = [1.0, 2.0, 3.0]     # A, second octave
    out = CqToChroma(norm="none")(Feature(mag, Kind.POWER, SR, hop=512)).data[:, 0]
    want = np.zeros(12)
    want[9] = 6.0
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("seed", range(3))
def test_cens_streams(seed):
    rng = np.random.default_rng(seed)
    c = Feature(np.abs(rng.standard_normal((2, 12, 300))), Kind.FEATURE, SR, hop=512)
    op = ChromaCens(win_len_smooth=int(rng.integers(0, 60)))
    assert_same_features(run_op_chunked(op, c, rng=rng, largest=int(rng.integers(1, 40))), op(c))


def test_cqcc_of_a_flat_spectrum_is_c0_only():
    # closed form: a constant log spectrum resamples to a constant; its orthonormal DCT-II
    # is sqrt(M) times the constant in c0 and zero elsewhere
    freqs = 32.70319566257483 * 2.0 ** (np.arange(96) / 12)
    x = Feature(np.full((96, 3), 0.5 + 0j), Kind.SPECTRUM, SR, hop=512, axis=freqs)
    out = CQCC(d=16, n_ceps=20)(x).data
    m = int(np.floor((freqs[-1] - freqs[0]) / (freqs[0] / 16) + 1e-9)) + 1
    np.testing.assert_allclose(out[0], np.sqrt(m) * np.log(0.25 + CQCC().eps), rtol=1e-12)
    np.testing.assert_allclose(out[1:], 0, atol=1e-9)


def test_cqcc_recipe_runs_on_the_chord():
    out = featgraph.load("cqcc").run(CHORD)["cqcc"]
    assert out.shape == (20, 130) and np.isfinite(out).all()


def test_phase_is_the_angle():
    z = np.array([[1 + 1j, -1.0 + 0j, 0j]]).T
    got = Phase()(Feature(z, Kind.SPECTRUM, SR, hop=1)).data[:, 0]
    np.testing.assert_allclose(got, [np.pi / 4, np.pi, 0.0])

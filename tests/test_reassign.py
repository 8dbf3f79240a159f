"""Reassigned spectrogram against librosa 0.11 (saved cells, tests/data/make_cqt_refs.py);
STFT synchrosqueezing against closed forms (a linear chirp, a two-tone mixture)."""
import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, EDGE_SIGNALS, edge_signal
from featgraph.nodes.reassign import CentredFrames, Reassign, Synsq, _spectra, synsq_inverse
from streamcheck import assert_same_features, run_op_chunked, signal

REFS = np.load(DATA / "cqt_refs.npz")
CHORD = DATA / "chord_pluck_22k_stereo.wav"


def test_reassign_preset_matches_librosa():
    y, sr = sf.read(CHORD)
    out = featgraph.load("reassign").run(CHORD)
    cells = REFS["chord.reassign.cells"].astype(int)
    at = (cells[:, 0], cells[:, 1])
    mags = REFS["chord.reassign.mags"]
    loud = mags >= mags.max() * 1e-3                              # above -60 dB
    duration = y.shape[0] / sr
    df = np.abs(out["freqs"][at] - REFS["chord.reassign.freqs"])[loud] / (sr / 2)
    dt = np.abs(out["times"][at] - REFS["chord.reassign.times"])[loud] / duration
    dm = np.abs(out["mags"][at] - mags) / mags.max()
    assert loud.sum() > 1000
    assert df.max() <= 1e-4 and dt.max() <= 1e-4 and dm.max() <= 1e-4
    # measured ~1e-7 (the references are float32)
    assert df.max() <= 1e-6 and dt.max() <= 1e-6 and dm.max() <= 1e-6


def test_reassigned_frequency_of_a_tone_is_exact():
    # closed form: a stationary cosine's reassigned frequency is its frequency in every bin
    # near the peak, whatever the bin grid; to 1e-3 of a bin (31.25 Hz) here, as the window
    # derivative is a central difference and the negative-frequency image leaks a little
    sr, f = 16000, 1234.5
    y = np.cos(2 * np.pi * f * np.arange(sr) / sr)
    out = Reassign(n_fft=512, hop=128)(signal(y, sr))
    m = out["mags"].data[:, 20]
    peak = m.argmax()
    np.testing.assert_allclose(out["freqs"].data[peak - 1:peak + 2, 20], f, atol=0.03)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("model", [Reassign(n_fft=256, hop=64), Reassign(n_fft=255, hop=100),
                                   Synsq(n_fft=128, hop=32)])
def test_streamed_equals_whole(seed, model):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((2, 3000)) * np.linspace(0, 1, 3000)
    y[:, 2900:] = 0                                  # a tail of zeros: times held to the end
    x = signal(y, 8000)
    assert_same_features(run_op_chunked(model, x, rng=rng, largest=int(rng.integers(1, 700))),
                         model(x))


@pytest.mark.parametrize("case", EDGE_SIGNALS)
@pytest.mark.parametrize("model", [Reassign(), Reassign(ref_power=0.0), Synsq(), Synsq(gamma=0)])
def test_finite_on_hard_inputs(case, model):
    out = model(signal(edge_signal(case), 16000))
    for f in (out.values() if isinstance(out, dict) else [out]):
        assert np.isfinite(f.data).all()


def test_times_are_clipped_to_the_duration():
    y = np.zeros(1000)
    y[-1] = 1.0                                            # an impulse at the very end
    out = Reassign(n_fft=256, hop=64, ref_power=0)(signal(y, 1000))
    assert out["times"].data.max() <= 1.0 and out["times"].data.min() >= 0


# ------------------------------------------------------------- synchrosqueezing
SR = 8000
N_FFT = 512


def chirp(hop):
    t = np.arange(2 * SR) / SR
    f0, f1 = 500.0, 2500.0
    y = np.cos(2 * np.pi * (f0 * t + (f1 - f0) / (2 * t[-1]) * t ** 2))
    frames_t = np.arange(1 + len(y) // hop) * hop / SR
    return y, [f0 + (f1 - f0) * frames_t / t[-1]]


def two_tones(hop):
    t = np.arange(2 * SR) / SR
    y = np.cos(2 * np.pi * 700.0 * t) + 0.5 * np.sin(2 * np.pi * 2200.0 * t + 1.0)
    n = 1 + len(y) // hop
    return y, [np.full(n, 700.0), np.full(n, 2200.0)]


def renyi3(p):
    """Order-3 Renyi entropy in bits of a distribution (normalised here)."""
    p = p / p.sum()
    return np.log2(np.sum(p ** 3)) / (1 - 3)


@pytest.mark.parametrize("make", [chirp, two_tones])
@pytest.mark.parametrize("hop", [1, 64])
def test_synsq_tracks_concentrates_and_reconstructs(make, hop):
    y, inst = make(hop)
    op = Synsq(n_fft=N_FFT, hop=hop)
    t = op(signal(y, SR))
    mag = np.abs(t.data)
    inner = slice(mag.shape[1] // 10, -mag.shape[1] // 10)   # away from the edges
    width = SR / N_FFT
    # (1) each component's ridge is within one bin of its instantaneous frequency
    for f in inst:
        k = np.rint(f / width).astype(int)
        lo, hi = np.maximum(k - 3, 0), k + 4
        ridge = np.array([lo[i] + mag[lo[i]:hi[i], i].argmax() for i in range(mag.shape[1])])
        assert np.abs(ridge * width - f)[inner].max() <= width
    # (2) energy concentration: Renyi entropy below the STFT's by a clear margin
    frames = CentredFrames(N_FFT, hop).push(y, final=True)
    stft = _spectra(frames, op.windows(np.float64)[:1])[0]
    margin = renyi3(np.abs(stft[inner]) ** 2) - renyi3(mag[:, inner].T ** 2)
    assert margin >= 0.5, f"Renyi entropy only {margin:.2f} bits below the STFT's"
    # (3) reconstruction at the frame centres to within 1% of the energy
    rec = synsq_inverse(t)
    ref = np.zeros_like(rec)
    ref[:len(y[::hop])] = y[::hop][:len(rec)]
    assert np.sum((rec - ref) ** 2) <= 0.01 * np.sum(ref ** 2)


def test_synsq_recipe_streams_and_inverts():
    y, _ = chirp(256)
    result = featgraph.load("synsq").run(y, sr=SR)
    assert result["synsq"].shape == (513, 1 + len(y) // 256)


# ------------------------------------------------------------- repeated reassignment
@pytest.mark.parametrize("order", [1, 2, 5])
def test_repeated_reassignment_conserves_power_and_lands_on_the_tone(order):
    from featgraph.nodes.reassign import ReassignRepeat

    sr, n_fft = 8000, 512
    k0 = 70                                              # a tone at a bin centre
    y = np.cos(2 * np.pi * k0 * sr / n_fft * np.arange(sr) / sr)
    r = Reassign(n_fft=n_fft, hop=128)(signal(y, sr))
    out = ReassignRepeat(order=order)(r["freqs"], r["mags"]).data
    power = r["mags"].data ** 2
    np.testing.assert_allclose(out.sum(axis=0), power.sum(axis=0), rtol=1e-12)
    inner = out[:, 5:-5]
    assert inner[k0].sum() >= 0.999 * inner.sum()          # closed form: all at the tone's bin
    assert power[k0, 5:-5].sum() <= 0.7 * power[:, 5:-5].sum()   # Hann: 2/3 in the bin


def test_repeated_reassignment_concentrates_a_chirp_more_with_order():
    from featgraph.nodes.reassign import ReassignRepeat

    y, _ = chirp(128)
    r = Reassign(n_fft=N_FFT, hop=128)(signal(y, SR))
    h = [renyi3(ReassignRepeat(order=o)(r["freqs"], r["mags"]).data) for o in (1, 2)]
    assert renyi3(r["mags"].data ** 2) - h[0] >= 0.3 and h[1] <= h[0]

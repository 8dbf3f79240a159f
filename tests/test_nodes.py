"""Single ops against independent references: scipy, closed forms, peer conventions."""

import numpy as np
import pytest
import scipy.signal

from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import join_chunks
from featgraph.nodes import auditory, framing, lpc, spectral
from featgraph.nodes._common import to_samples


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "bartlett", "boxcar",
                                  "tukey", "nuttall"])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("n", [1, 2, 7, 400])
def test_windows_match_scipy(name, periodic, n):
    got = framing.window_function(name, n, periodic, 0.5 if name == "tukey" else None)
    want = scipy.signal.get_window((name, 0.5) if name == "tukey" else name, n, fftbins=periodic)
    np.testing.assert_allclose(got, want, atol=1e-15)


def test_matlab_hanning_and_kaldi_povey():
    # MATLAB hanning(N): the symmetric Hann of N + 2 points without its zero ends.
    np.testing.assert_allclose(framing.window_function("hanning", 400),
                               scipy.signal.windows.hann(402, sym=True)[1:-1], atol=1e-15)
    # Kaldi's povey window: (0.5 - 0.5 cos(2 pi n / (N - 1))) ** 0.85
    np.testing.assert_allclose(framing.window_function("povey", 400),
                               scipy.signal.windows.hann(400, sym=True) ** 0.85, atol=1e-15)


@pytest.mark.parametrize("pad_at, offset", [("end", 0), ("center", 56)])
def test_window_pads_to_the_fft_length(pad_at, offset):
    rng = np.random.default_rng(4)
    frames = Feature(rng.standard_normal((400, 6)), Kind.FRAMES, 16000.0, hop=160, win_length=400)
    out = framing.window(frames, framing.Window(window="hann", pad_to="pow2", pad_at=pad_at))
    assert out.data.shape == (512, 6) and out.win_length == 400
    w = scipy.signal.get_window("hann", 400)
    expected = np.zeros((512, 6))
    expected[offset:offset + 400] = frames.data * w[:, None]   # librosa's pad_center for center
    np.testing.assert_allclose(out.data, expected, rtol=1e-14, atol=1e-15)
    # zero-padding in the window gives the FFT that rfft's own padding gives
    a = spectral.rfft(out, spectral.RFFT()) if pad_at == "end" else None
    if a is not None:
        unpadded = framing.window(frames, framing.Window(window="hann"))
        b = spectral.rfft(unpadded, spectral.RFFT(n_fft=512))
        np.testing.assert_allclose(a.data, b.data, atol=1e-12)
    with pytest.raises(ValueError, match="shorter than the frame length"):
        framing.window(frames, framing.Window(window="hann", pad_to=256))


def test_window_needing_a_parameter_is_rejected():
    with pytest.raises(ValueError, match="needs 'param'"):
        framing.Window(window="kaiser")


@pytest.mark.parametrize("value, sr, samples", [
    ("25ms", 16000, 400), ("0.025s", 8000, 200), (400, 16000, 400),
    ("25ms", 22050, 551),      # 551.25 -> 551
    ("10ms", 22050, 221),      # 220.5 -> 221: MATLAB rounds half away from zero
])
def test_durations(value, sr, samples):
    assert to_samples(value, sr) == samples


def signal(n, sr=16000.0):
    return Feature(np.arange(n, dtype=np.float64), Kind.SIGNAL, sr)


def test_frames_are_the_right_samples():
    out = framing.Frame(length=400, hop=160)(signal(1000))
    assert out.data.shape == (400, 4)                       # 1 + (1000 - 400) // 160
    for t in range(4):
        np.testing.assert_array_equal(out.data[:, t], np.arange(t * 160, t * 160 + 400))
    assert out.hop == 160 and out.win_length == 400


@pytest.mark.parametrize("stem", ["speech_en_16k", "speech_en_gb_16k", "english_8k"])
def test_frame_counts_follow_each_peer_convention(stem):
    """Frame counts from the peers' own outputs (shared/reference/index.json, copied below)."""
    facts = {  # samples, librosa frames (centre), python_speech_features frames, rastamat frames
        "speech_en_16k": (16000, 133299, 834, 832, 831),
        "speech_en_gb_16k": (16000, 127135, 795, 794, 793),
        "english_8k": (8000, 34122, 427, 426, 425),
    }
    sr, n, librosa_frames, psf_frames, rastamat_frames = facts[stem]
    x = signal(n, sr)
    count = lambda **kw: framing.Frame(length="25ms", hop="10ms", **kw)(x).n_frames
    assert count() == rastamat_frames
    assert count(center=True) == librosa_frames
    assert count(pad_end=True) == psf_frames


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("n", [100, 700, 3000])     # shorter than the pad, than a frame, longer
def test_centred_frames_are_numpys_padded_windows(mode, n):
    # librosa's centring: np.pad(y, length // 2, mode) cut into windows every hop; the same
    # whole (one step and flush: one view of the frames) and fed in chunks of 1 to 700
    y = np.random.default_rng(n).standard_normal((2, n))
    p = framing.Frame(length=512, hop=128, center=True, pad_mode=mode)
    padded = np.pad(y, [(0, 0), (256, 256)], mode=mode)
    want = np.lib.stride_tricks.sliding_window_view(padded, 512, axis=-1)[:, ::128]
    whole = p(Feature(y, Kind.SIGNAL, 16000.0))
    np.testing.assert_array_equal(np.swapaxes(whole.data, -1, -2), want)
    state, chunks, at = p.start(), [], 0
    rng = np.random.default_rng(0)
    while at < n:
        size = int(rng.choice([1, 7, 300, 700]))
        chunks.append(state.step(Feature(y[:, at:at + size], Kind.SIGNAL, 16000.0)))
        at += size
    got = join_chunks(chunks + [state.flush()])
    np.testing.assert_array_equal(np.swapaxes(got.data, -1, -2), want)


def test_pad_end_pads_with_zeros():
    out = framing.Frame(length=400, hop=160, pad_end=True)(signal(450))
    assert out.data.shape == (400, 2)
    np.testing.assert_array_equal(out.data[:290, 1], np.arange(160, 450))
    np.testing.assert_array_equal(out.data[290:, 1], 0.0)


def test_preemphasis():
    x = Feature(np.array([1.0, 2.0, 4.0]), Kind.SIGNAL, 1.0)
    np.testing.assert_allclose(framing.PreEmphasis(coef=0.5)(x).data,
                               [1.0, 1.5, 3.0])


def test_rfft_and_power_against_numpy():
    rng = np.random.default_rng(0)
    frames = Feature(rng.standard_normal((300, 5)), Kind.FRAMES, 8000.0, hop=80, win_length=300)
    spec = spectral.rfft(frames, spectral.RFFT(n_fft="pow2"))
    assert spec.n_fft == 512 and spec.data.shape == (257, 5)
    np.testing.assert_allclose(spec.data, np.fft.rfft(frames.data, 512, axis=0), atol=1e-12)
    np.testing.assert_allclose(spec.axis[[1, -1]], [8000 / 512, 4000])
    pw = spectral.power(spec, spectral.Power(dither=2.0))
    np.testing.assert_allclose(pw.data, np.abs(spec.data) ** 2 + 600.0, rtol=1e-12)
    mag = spectral.power(spec, spectral.Power(exponent=1.0))
    np.testing.assert_allclose(mag.data, np.abs(spec.data), rtol=1e-12)
    with pytest.raises(ValueError, match="shorter than the frame length"):
        spectral.rfft(frames, spectral.RFFT(n_fft=256))


def test_bark_weights_shape_of_the_masking_curve():
    weights, centres = auditory.bark_weights(512, 16000.0)
    assert weights.shape == (21, 257)                    # ceil(bark(8000)) + 1 = 21 bands
    z = auditory.hz_to_bark(np.arange(257) * 16000 / 512)
    zc = auditory.hz_to_bark(centres)
    np.testing.assert_allclose(zc, np.linspace(0, auditory.hz_to_bark(8000), 21), atol=1e-12)
    for b in (5, 12):
        d = z - zc[b]
        flat = np.abs(d) <= 0.5
        np.testing.assert_allclose(weights[b, flat], 1.0)
        above = d > 0.5                                   # -25 dB per Bark above the plateau
        np.testing.assert_allclose(10 * np.log10(weights[b, above]), -25 * (d[above] - 0.5))
        below = d < -0.5                                  # -10 dB per Bark below it
        np.testing.assert_allclose(10 * np.log10(weights[b, below]), 10 * (d[below] + 0.5))
    np.testing.assert_allclose(auditory.bark_to_hz(auditory.hz_to_bark(1234.5)), 1234.5)


def test_equal_loudness_matches_hermansky_in_radians():
    """Hermansky (1990) eq. 4 in rad/s: E = (w^2 + 56.8e6) w^4 / ((w^2 + 6.3e6)^2 (w^2 + 0.38e9)).

    rastamat's Hz form is the same curve up to a constant; check the ratio is constant.
    """
    f = np.array([100.0, 500.0, 1000.0, 3000.0, 6000.0])
    w2 = (2 * np.pi * f) ** 2
    paper = (w2 + 56.8e6) * w2 ** 2 / ((w2 + 6.3e6) ** 2 * (w2 + 0.38e9))
    ratio = auditory.hermansky_loudness(f) / paper
    np.testing.assert_allclose(ratio / ratio[0], 1.0, rtol=0.02)


def test_rasta_against_scipy_lfilter():
    rng = np.random.default_rng(1)
    x = np.exp(rng.standard_normal((3, 50)))               # (bands, frames), positive
    feat = Feature(x, Kind.BANDS, 16000.0, hop=160)
    got = auditory.Rasta()(feat).data
    logx = np.log(x)
    b, a = auditory.RASTA_FIR, [1.0, -0.94]
    # rastamat: zero output for the first 4 frames; state of the FIR over them; then IIR.
    expected = np.zeros_like(logx)
    for band in range(3):
        _, z = scipy.signal.lfilter(b, [1.0], logx[band, :4], zi=np.zeros(4))
        expected[band, 4:] = scipy.signal.lfilter(b, a, logx[band, 4:], zi=z)[0]
    np.testing.assert_allclose(got, np.exp(expected), rtol=1e-12)
    short = auditory.Rasta()(Feature(x[:, :4], Kind.BANDS, 16000.0)).data
    np.testing.assert_array_equal(short, 1.0)


def test_autocorrelation_is_the_inverse_dft_of_the_mirrored_spectrum():
    rng = np.random.default_rng(2)
    x = rng.random((21, 7))
    got = lpc.autocorrelation(Feature(x, Kind.BANDS, 16000.0), lpc.Autocorrelation()).data
    mirrored = np.concatenate([x, x[-2:0:-1]], axis=0)     # rastamat dolpc
    np.testing.assert_allclose(got, np.fft.ifft(mirrored, axis=0).real[:21], atol=1e-14)
    few = lpc.autocorrelation(Feature(x, Kind.BANDS, 16000.0), lpc.Autocorrelation(n_lags=5))
    np.testing.assert_allclose(few.data, got[:5], atol=1e-14)


def test_lpc_error_port_is_the_yule_walker_residual():
    rng = np.random.default_rng(3)
    frames = rng.standard_normal((6, 400))
    r = np.array([[f[: 400 - k] @ f[k:] for k in range(9)] for f in frames]).T   # (lags, frames)
    out = lpc.lpc(Feature(r, Kind.AUTOCORR, 16000.0), lpc.LPC(order=8))
    a, err = out["coeffs"].data, out["error"].data[0]
    for t in range(6):
        toeplitz = scipy.linalg.toeplitz(r[:8, t])
        np.testing.assert_allclose(a[1:, t], np.linalg.solve(toeplitz, -r[1:9, t]), rtol=1e-9)
        np.testing.assert_allclose(err[t], r[:, t] @ a[:, t], rtol=1e-9)
    with pytest.raises(ValueError, match="order 9 needs 10 autocorrelation lags"):
        lpc.lpc(Feature(r, Kind.AUTOCORR, 16000.0), lpc.LPC(order=9))


@pytest.mark.parametrize("mode, value, weights", [
    ("exponent", 0.6, [1.0, 1.0, 2 ** 0.6, 3 ** 0.6]),
    ("sinusoidal", 22, [1.0] + [1 + 11 * np.sin(np.pi * n / 22) for n in (1, 2, 3)]),
    ("sinusoidal", 0, [1.0, 1.0, 1.0, 1.0]),          # HTK, Kaldi, psf: 0 is no liftering
    ("exponent", 0, [1.0, 1.0, 1.0, 1.0]),            # rastamat: lift = 0, n ** 0
])
def test_lifter(mode, value, weights):
    c = Feature(np.ones((4, 2)), Kind.CEPSTRA, 1.0)
    got = lpc.lifter(c, lpc.Lifter(mode=mode, value=value)).data
    np.testing.assert_allclose(got[:, 0], weights)


def test_replicate_edges():
    x = Feature(np.arange(6.0)[:, None] * np.ones((1, 2)), Kind.BANDS, 1.0)
    out = auditory.replicate_edges(x, auditory.ReplicateEdges()).data[:, 0]
    np.testing.assert_array_equal(out, [1, 1, 2, 3, 4, 4])
    with pytest.raises(ValueError, match="at least 5 bands"):
        auditory.replicate_edges(Feature(np.ones((4, 1)), Kind.BANDS, 1.0),
                                 auditory.ReplicateEdges(n=2))


def test_all_finite_catches_nan_and_inf_and_accepts_huge_values():
    from featgraph.nodes.io import all_finite

    for x in (np.ones(1000), -np.ones(1003, np.float32)):
        assert all_finite(x)
        for bad in (np.nan, np.inf, -np.inf):
            for at in (0, 517, len(x) - 1):        # vector lanes and the scalar tail
                y = x.copy()
                y[at] = bad
                assert not all_finite(y)
    assert all_finite(np.full(10, 1e308))      # finite values whose sum overflows
    assert all_finite(np.array([3.4e38, -3.4e38], np.float32))
    assert all_finite(np.zeros(0))


def test_rasta_rejects_zero_energy_in_the_log_domain():
    x = Feature(np.zeros((3, 10)), Kind.BANDS, 16000.0, hop=160)
    with pytest.raises(ValueError, match="positive band energies"):
        auditory.Rasta()(x)


def test_load_checks_the_samples_unless_a_file_holds_integer_pcm(tmp_path, monkeypatch):
    """An integer PCM file cannot hold NaN, so the check is skipped (libsndfile decodes
    it to [-1, 1)); a float file and an array are checked, and NaN in them is refused."""
    import soundfile as sf

    import featgraph
    from featgraph.engine.source import Source
    from featgraph.nodes import io

    checked = []
    real = io.all_finite
    monkeypatch.setattr(io, "all_finite", lambda x: checked.append(x.size) or real(x))
    y = 0.5 * np.sin(np.arange(8000) / 7.0)
    sf.write(tmp_path / "int.wav", y, 16000, subtype="PCM_16")
    sf.write(tmp_path / "int.flac", y, 16000, subtype="PCM_24")
    sf.write(tmp_path / "float.wav", y, 16000, subtype="FLOAT")
    recipe = featgraph.load("plp")
    for name, finite in (("int.wav", True), ("int.flac", True), ("float.wav", False)):
        assert Source.of(tmp_path / name).finite_samples() is finite
        checked.clear()
        plp = recipe.run(tmp_path / name)["plp"]
        assert np.isfinite(plp).all() and plp.shape[-1] == 1 + (8000 - 400) // 160
        assert (sum(checked) == 0) is finite and (finite or sum(checked) == 8000)
    checked.clear()
    recipe.run(y, sr=16000)
    assert sum(checked) == 8000 and not Source.of(y, 16000).finite_samples()
    bad = y.copy()
    bad[4321] = np.nan
    sf.write(tmp_path / "nan.wav", bad, 16000, subtype="FLOAT")
    with pytest.raises(featgraph.NodeError, match="NaN or infinite"):
        recipe.run(tmp_path / "nan.wav")

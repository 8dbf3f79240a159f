"""Time-domain ops: librosa's RMS and ZCR (at the shared reference parameters and
at librosa's defaults), closed forms for energy, magnitude, autocorrelation,
AMDF, periodicity and AGC, chunked = whole, finiteness, validation."""
import dataclasses

import numpy as np
import pytest
from conftest import DATA, EDGE_SIGNALS, SPEECH, edge_signal

import featgraph
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.engine.ops import join_chunks, registry

REFS = DATA / "time_domain_refs.npz"
FILES = dict(SPEECH, silence_16k=DATA / "silence_16k.wav")
LIBROSA_DEFAULTS = {"win": 2048, "hop": 512}        # frame_length, hop_length


def frames_of(x, sr=16000.0):
    """A FRAMES feature from ``(frames, samples)`` rows (stored frame-major)."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    return Feature(np.swapaxes(x, -1, -2), Kind.FRAMES, sr, hop=x.shape[-1],
                   win_length=x.shape[-1])


def op(name, **params):
    return registry()[name](op=name, **params)


def chunked(node, *inputs, seed=0):
    """Run a frame op on random chunks of frames (sizes 1 included) and join them."""
    rng = np.random.default_rng(seed)
    n = inputs[0].data.shape[-1]
    cuts, start = [], 0
    while start < n:
        step = int(rng.choice([1, 1, 2, 5, 13, 40]))
        cuts.append((start, min(n, start + step)))
        start += step
    pieces = [node(*(f.derive(f.data[..., a:b]) for f in inputs)) for a, b in cuts]
    return join_chunks(pieces)


# --- librosa ------------------------------------------------------------------

@pytest.mark.parametrize("stem", FILES)
@pytest.mark.parametrize("which", ["ref", "default"])
def test_rms_and_zcr_match_librosa(stem, which):
    """RMS within librosa's own float32 rounding (it accumulates the mean in float32:
    at most 2 ulp from our float64 value); ZCR exactly."""
    params = {} if which == "ref" else LIBROSA_DEFAULTS
    recipe = dataclasses.replace(featgraph.load("time_domain"),
                                 outputs={"rms": "rms", "zcr": "zcr"})   # the shipped nodes
    result = recipe.run(str(FILES[stem]), **params)
    with np.load(REFS) as z:
        rms, zcr = z[f"{stem}/{which}/rms"], z[f"{stem}/{which}/zcr"]
    assert result["rms"].shape == rms.shape and result["zcr"].shape == zcr.shape
    assert np.all(np.abs(result["rms"] - rms) <= 2 * np.spacing(rms))
    np.testing.assert_array_equal(result["zcr"], zcr)


def test_float32_input_stays_float32():
    y = np.random.default_rng(0).standard_normal(4000).astype(np.float32)
    result = featgraph.load("time_domain").run(y, sr=16000)
    assert result["rms"].dtype == np.float64          # load converts to float64 by default
    fr = frames_of(y.reshape(10, 400)).derive(frames_of(y.reshape(10, 400)).data
                                               .astype(np.float32))
    for name in ["energy", "rms", "average_magnitude", "zero_crossing_rate", "amdf",
                 "time_autocorrelation"]:
        assert op(name)(fr).data.dtype == np.float32, name
    y2 = Feature(np.stack([y, -y]), Kind.SIGNAL, 16000.0)                 # two channels
    out = op("agc")(y2).data
    assert out.dtype == np.float32 and out.shape == (2, 4000)
    np.testing.assert_array_equal(out[0], -out[1])


# --- closed forms --------------------------------------------------------------

def test_energy_and_magnitude_of_a_sine_over_whole_periods():
    """sum sin^2 over whole periods = N/2; sum |sin(2 pi n / P)| over one period = 2 cot(pi / P)."""
    period, n_periods, amp = 40, 10, 0.3
    n = np.arange(period * n_periods)
    x = amp * np.sin(2 * np.pi * n / period)
    fr = frames_of(x)
    assert op("energy")(fr).data[0, 0] == pytest.approx(amp ** 2 * x.size / 2, rel=1e-12)
    assert op("energy", mean=True)(fr).data[0, 0] == pytest.approx(amp ** 2 / 2, rel=1e-12)
    assert op("rms")(fr).data[0, 0] == pytest.approx(amp / np.sqrt(2), rel=1e-12)
    magnitude = amp * n_periods * 2 / np.tan(np.pi / period)
    assert op("average_magnitude")(fr).data[0, 0] == pytest.approx(magnitude, rel=1e-12)
    assert op("average_magnitude", mean=True)(fr).data[0, 0] == pytest.approx(
        magnitude / x.size, rel=1e-12)


def test_zero_crossings_of_alternating_and_tiny_signals():
    alternating = frames_of(np.tile([0.5, -0.5], 50))
    for variant in ("librosa", "lecture"):
        assert op("zero_crossing_rate", variant=variant)(alternating).data[0, 0] == 99 / 100
        assert op("zero_crossing_rate", variant=variant, counts=True)(alternating).data[0, 0] \
            == 99
    tiny = frames_of(np.tile([1e-12, -1e-12], 50))   # below librosa's threshold: no crossing
    assert op("zero_crossing_rate")(tiny).data[0, 0] == 0.0
    assert op("zero_crossing_rate", variant="lecture")(tiny).data[0, 0] == 99 / 100
    # sgn(0) = +1 in the lecture's definition: 0 -> -1 is a crossing, 0 -> +1 is not
    assert op("zero_crossing_rate", variant="lecture", counts=True)(
        frames_of([0.0, -1.0, 0.0, 1.0, 0.0])).data[0, 0] == 2


def test_time_autocorrelation_against_numpy_correlate():
    x = np.random.default_rng(1).standard_normal((3, 50))
    want = np.stack([np.correlate(r, r, "full")[49:] for r in x])     # (frames, lags)
    got = op("time_autocorrelation")(frames_of(x)).data
    np.testing.assert_allclose(got.T, want, rtol=1e-10, atol=1e-12)
    got = op("time_autocorrelation", n_lags=10, normalize="unbiased")(frames_of(x)).data
    np.testing.assert_allclose(got.T, want[:, :10] / (50 - np.arange(10)), rtol=1e-10,
                               atol=1e-12)
    got = op("time_autocorrelation", normalize="biased")(frames_of(x)).data
    np.testing.assert_allclose(got.T, want / 50, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("length", [50, 400, 1000])
@pytest.mark.parametrize("n_lags", [3, 30, None])
def test_time_autocorrelation_fft_and_direct_paths_agree_with_correlate(dtype, length, n_lags):
    """Both paths (direct sums for few lags, FFT otherwise) against np.correlate in
    float64.  The tolerance is relative to lag 0: an FFT's rounding error grows like
    eps log2(n_fft) times the energy sum x[n]^2 = r[0], whatever the lag, and
    |r[k]| <= r[0] (Cauchy-Schwarz), so r[0] is the natural scale (measured: at most
    0.33 eps log2(n_fft) r[0]); numpy's pairwise dot products (the direct path) are within
    eps log2(N) sum |x[n] x[n-k]| <= eps log2(N) r[0] (measured 5.7 eps r[0] at N = 1000).
    Offsets make a large r[0] against small lags' differences, as DC in speech frames does."""
    from featgraph.nodes.time_domain import acf_fft_length

    rng = np.random.default_rng(length)
    x = (rng.standard_normal((4, length)) + np.array([[0.0], [3.0], [-1.0], [0.0]]))
    x[3] = 0.0                                                       # silence: exact zeros
    x = x.astype(dtype)
    want = np.stack([np.correlate(r, r, "full")[length - 1:]
                     for r in x.astype(np.float64)])
    got = op("time_autocorrelation", n_lags=n_lags)(frames_of(x).derive(
        frames_of(x).data.astype(dtype))).data.T
    k = want.shape[1] if n_lags is None else n_lags
    eps = np.finfo(dtype).eps
    bound = 2 * eps * np.log2(acf_fft_length(length)) * want[:, :1]
    assert got.dtype == dtype and got.shape == (4, k)
    assert np.all(np.abs(got - want[:, :k]) <= bound)
    np.testing.assert_array_equal(got[3], 0.0)


def test_amdf_minima_at_multiples_of_the_period():
    """Any signal of period P: D = 0 exactly at k = 0, P, 2P ... and > 0 elsewhere.
    A sine: D[k] is proportional to |sin(pi k / P)|, so its local minima are only there."""
    period = 32
    x = np.tile(np.random.default_rng(2).standard_normal(period), 12)[None, :]
    d = op("amdf")(frames_of(x)).data[:, 0]
    np.testing.assert_array_equal(np.flatnonzero(d == 0.0), np.arange(0, 384, period))
    raw = op("amdf", normalize=False, max_lag=4)(frames_of(x)).data[:, 0]
    np.testing.assert_allclose(d[:5] * (384 - np.arange(5)), raw, rtol=1e-12)
    sine = np.sin(2 * np.pi * np.arange(384) / period + 0.3)[None, :]
    d = op("amdf", max_lag=299)(frames_of(sine)).data[:, 0]
    interior = np.arange(1, 299)
    minima = interior[(d[interior] <= d[interior - 1]) & (d[interior] <= d[interior + 1])]
    np.testing.assert_array_equal(minima, np.arange(period, 299, period))
    np.testing.assert_allclose(d[period::period], 0.0, atol=1e-12)


@pytest.mark.parametrize("f0", [100.0, 200.0, 250.0])
def test_periodicity_finds_the_period_of_a_harmonic_tone(f0):
    sr = 16000.0
    n = np.arange(640)
    x = np.sin(2 * np.pi * f0 * n / sr) + 0.5 * np.sin(2 * np.pi * 2 * f0 * n / sr + 1.0)
    fr = frames_of(x[None, :], sr)
    am = op("amdf_periodicity")(op("amdf")(fr))
    assert am["f0"].data[0, 0] == pytest.approx(f0, rel=1e-12)       # D = 0 at the period
    assert am["strength"].data[0, 0] == pytest.approx(1.0, abs=1e-12)
    # the biased autocorrelation peaks exactly at the period, r[P] / r[0] = (N - P) / N
    ac = op("periodicity")(op("time_autocorrelation")(fr))
    assert ac["f0"].data[0, 0] == pytest.approx(f0, rel=1e-12)
    assert ac["strength"].data[0, 0] == pytest.approx(1 - sr / f0 / 640, abs=2e-3)
    # the unbiased one scores about 1, its peak within a lag of the period (finite window)
    ac = op("periodicity")(op("time_autocorrelation", normalize="unbiased")(fr))
    assert abs(sr / ac["f0"].data[0, 0] - sr / f0) <= 1
    assert ac["strength"].data[0, 0] > 0.98
    noise = frames_of(np.random.default_rng(3).standard_normal((1, 640)), sr)
    assert op("periodicity")(op("time_autocorrelation", normalize="unbiased")(noise))[
        "strength"].data[0, 0] < 0.3
    assert op("amdf_periodicity")(op("amdf")(noise))["strength"].data[0, 0] < 0.5


def test_pick_lag_skips_slopes_and_prefers_the_shortest_good_peak():
    from featgraph.nodes.time_domain import pick_lag

    score = np.array([[1.0, 0.99, 0.98, 0.97, 0.5, 0.96, 0.5, 0.99, 0.2],   # slope at kmin
                      [1.0, 0.2, 0.1, 0.3, 0.2, 0.1, 0.2, 0.1, 0.0],       # one clear peak
                      [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]])      # no peak: best
    lag, value = pick_lag(score, 3, 7, 0.05)
    assert lag.tolist() == [5, 3, 3] and value.tolist() == [0.96, 0.3, 0.7]
    lag, _ = pick_lag(score, 3, 7, 0.0)                  # no tolerance: the best peak
    assert lag.tolist() == [7, 3, 3]


def test_agc_op_converges_to_unit_rms_and_streams_in_any_blocks():
    sr = 16000
    x = 0.05 * np.sin(2 * np.pi * 300 * np.arange(sr) / sr)
    node = op("agc", alpha=0.995)
    sig = Feature(x, Kind.SIGNAL, float(sr))
    whole = node(sig).data
    assert np.sqrt(np.mean(whole[-4000:] ** 2)) == pytest.approx(1.0, abs=5e-3)
    rng = np.random.default_rng(4)
    state, pieces, start = node.start(), [], 0
    while start < x.size:
        stop = min(x.size, start + int(rng.choice([0, 1, 3, 100, 2000])))
        pieces.append(state.step(sig.derive(x[start:stop])))
        start = stop
    pieces.append(state.flush())
    np.testing.assert_array_equal(join_chunks(pieces).data, whole)


# --- streaming, finiteness, validation -------------------------------------------

FRAME_OPS = [("energy", {}), ("rms", {}), ("average_magnitude", {"mean": True}),
             ("zero_crossing_rate", {}), ("zero_crossing_rate", {"variant": "lecture"}),
             ("time_autocorrelation", {"n_lags": 300}), ("amdf", {"max_lag": "18ms"})]


@pytest.mark.parametrize("name,params", FRAME_OPS)
def test_frame_ops_chunked_equal_whole(name, params):
    x = np.random.default_rng(5).standard_normal((2, 60, 400))      # 2 channels, 60 frames
    fr = Feature(np.swapaxes(x, -1, -2), Kind.FRAMES, 16000.0, hop=160, win_length=400)
    node = op(name, **params)
    got, want = chunked(node, fr).data, node(fr).data
    if name == "time_autocorrelation":
        # FFT-based: ducc0 vectorises across rows, so a row's last bits depend on how the
        # rows are grouped into chunks; equal to rounding (r[0] ~ 400 here)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    else:
        np.testing.assert_array_equal(got, want)


def test_periodicity_chunked_equal_whole():
    x = np.random.default_rng(6).standard_normal((50, 400))
    fr = frames_of(x)
    for node, inp in [(op("periodicity"), op("time_autocorrelation")(fr)),
                      (op("amdf_periodicity"), op("amdf")(fr))]:
        whole, parts = node(inp), chunked(node, inp)
        for port in ("strength", "f0"):
            np.testing.assert_array_equal(parts[port].data, whole[port].data)


@pytest.mark.parametrize("signal", EDGE_SIGNALS)
def test_time_domain_recipe_and_agc_are_finite(signal):
    samples = edge_signal(signal)
    for name, value in featgraph.load("time_domain").run(samples, sr=16000).items():
        assert np.isfinite(value).all(), name
    out = op("agc")(Feature(samples, Kind.SIGNAL, 16000.0))
    assert np.isfinite(out.data).all() and out.data.shape == samples.shape


def test_validation_errors_name_the_fix():
    fr = frames_of(np.ones((2, 100)))
    with pytest.raises(ValueError, match="200 samples.* not shorter than the frame length 100"):
        op("amdf", max_lag=200)(fr)
    with pytest.raises(ValueError, match="n_lags = 101 exceeds"):
        op("time_autocorrelation", n_lags=101)(fr)
    with pytest.raises(ValueError, match="fmin .* must be below fmax"):
        op("periodicity", fmin=400, fmax=100)
    with pytest.raises(ValueError, match="fmin = 60 Hz needs lags up to 267 .* raise fmin"):
        op("periodicity")(op("time_autocorrelation")(frames_of(np.ones((1, 200)))))
    with pytest.raises(ValueError, match="compute more lags"):
        op("amdf_periodicity", fmin=100)(op("amdf", max_lag=150)(frames_of(np.ones((1, 200)))))
    with pytest.raises(ValueError):
        op("agc", alpha=1.0)
    with pytest.raises(ValueError):
        op("zero_crossing_rate", threshold=-1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("channels", [1, 2])
def test_fused_periodicity_equals_the_two_ops(dtype, channels):
    """time_autocorrelation -> periodicity and amdf -> amdf_periodicity fused (only the
    lags read, blocks of frames, no intermediate) give the two ops' values bit for bit:
    speech frames (voiced and silent), more frames than one block, chunks of any size
    (the same chunks for both: the FFT's last bits depend on how rows are grouped)."""
    from featgraph.engine.fuse import RULES, FusedOp
    from featgraph.native import timedomain as kernels

    import soundfile as sf
    y, sr = sf.read(str(SPEECH["speech_en_16k"]), dtype="float64")
    y = np.stack([y[:48000] * 32768, y[:48000][::-1] * 100][:channels]).astype(dtype)
    view = np.lib.stride_tricks.sliding_window_view(y, 400, axis=-1)[:, ::160]
    view = view[0] if channels == 1 else view
    fr = Feature(np.swapaxes(view, -1, -2), Kind.FRAMES, float(sr), hop=160, win_length=400)
    assert fr.data.shape[-1] > 256                                   # several blocks
    pairs = [(op("time_autocorrelation", normalize="unbiased"), op("periodicity")),
             (op("time_autocorrelation", n_lags=30, normalize="biased"),    # direct path
              op("periodicity", fmin=1000.0, fmax=4000.0)),
             (op("amdf", max_lag="20ms"), op("amdf_periodicity", fmin=70.0, fmax=350.0)),
             (op("amdf", max_lag=None, normalize=False), op("amdf_periodicity", fmin=41.0))]
    for first, second in pairs:
        name = f"{first.op}+{second.op}"
        fused = FusedOp(next(r for r in RULES if r.name == name), (first, second), [])
        both = (fused(fr), second(first(fr))), (chunked(fused, fr, seed=3),
                                                chunked(lambda f: second(first(f)), fr, seed=3))
        for got, want in both:                # the same chunks: the same FFT row groups
            for port in ("strength", "f0"):
                assert got[port].data.dtype == dtype
                np.testing.assert_array_equal(got[port].data, want[port].data)
    assert kernels.amdf_pass() >= 1

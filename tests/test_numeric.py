"""The numeric core: FFT backends, float32 end to end, the fused kernel and plan fusion.

References: a direct DFT (the definition, as a matrix product), the numpy references
of the C kernels, rastamat's rastaplp outputs (tests/data/*__rastamat.npz), and the
unfused plan (each op on its own, as the recipe is written).
"""
import dataclasses

import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import DATA, SPEECH, assert_close_per_coefficient, rastamat
from featgraph.engine.feature import Feature
from featgraph.engine.fuse import FusedOp, fuse
from featgraph.engine.graph import build
from featgraph.engine.kinds import Kind
from featgraph.engine.scheduler import execute
from featgraph.engine.source import Source
from featgraph.nodes import spectral
from streamcheck import assert_same_features, run_op_chunked

RNG = np.random.default_rng(20261127)


@pytest.fixture(autouse=True)
def _fusion_on(monkeypatch):
    """Tests start with fusion on (the default) whatever the caller's environment."""
    monkeypatch.delenv("FEATGRAPH_FUSE", raising=False)


def direct_dft(x: np.ndarray, n_fft: int) -> np.ndarray:
    """``X[k] = sum_n x[n] exp(-2 pi i k n / N)`` by matrix product, in float64."""
    n = np.arange(x.shape[-1])
    k = np.arange(n_fft // 2 + 1)
    return x.astype(np.float64) @ np.exp(-2j * np.pi * np.outer(n, k) / n_fft)


# ------------------------------------------------------------------ FFT backends
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("length, n_fft", [(512, 512), (400, 512), (7, 8), (1, 1), (9, 9)])
def test_both_fft_backends_agree_with_the_dft(monkeypatch, dtype, tol, length, n_fft):
    x = RNG.standard_normal((2, 5, length)).astype(dtype)
    want = direct_dft(x, n_fft)
    got = {}
    for backend in spectral.FFT_BACKENDS:
        monkeypatch.setenv("FEATGRAPH_FFT", backend)
        assert spectral.fft_backend() == backend
        got[backend] = spectral.rfft_frames(x, n_fft)
        assert got[backend].dtype == spectral.spectrum_dtype(dtype)
        scale = np.abs(want).max()
        assert np.abs(got[backend] - want).max() <= tol * scale * max(1, np.log2(n_fft))
    assert np.abs(got["ducc0"] - got["numpy"]).max() <= tol * np.abs(want).max()


@pytest.mark.parametrize("backend", spectral.FFT_BACKENDS)
def test_fft_writes_into_a_preallocated_output(monkeypatch, backend):
    monkeypatch.setenv("FEATGRAPH_FFT", backend)
    x = RNG.standard_normal((3, 16))
    out = np.full((3, 9), np.nan, dtype=np.complex128)
    got = spectral.rfft_frames(x, 16, out=out)
    assert got is out or np.shares_memory(got, out)
    np.testing.assert_allclose(out, direct_dft(x, 16), atol=1e-12)


def test_float32_rows_transform_the_same_in_any_split():
    """float32 rows go through ducc0 in whole groups of ``F32_ROWS`` (zero rows added), so a
    row's spectrum is the same bit for bit whatever rows come with it (a stream's chunking:
    ducc0's leftover rows would take a scalar path that rounds differently); padded rows,
    ``out=`` and leading axes too.  Within float32 rounding of the float64 DFT."""
    x = RNG.standard_normal((53, 60)).astype(np.float32)
    whole = spectral.rfft_frames(x, 64)
    parts = [spectral.rfft_frames(x[a:b], 64) for a, b in ((0, 1), (1, 4), (4, 21), (21, 53))]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    out = np.empty((5, 33), np.complex64)
    assert spectral.rfft_frames(x[7:12], 64, out=out) is out
    np.testing.assert_array_equal(out, whole[7:12])
    np.testing.assert_array_equal(spectral.rfft_frames(x[:6].reshape(2, 3, 60), 64),
                                  whole[:6].reshape(2, 3, 33))
    y = np.zeros((53, 64), np.float32)                        # unpadded rows: in place
    y[:, :60] = x
    strided = np.zeros((33, 53), np.complex64).T              # a non-contiguous out
    spectral.rfft_frames(y, 64, out=strided)
    np.testing.assert_array_equal(strided, whole)
    np.testing.assert_allclose(whole, direct_dft(x.astype(np.float64), 64),
                               atol=1e-5 * np.abs(whole).max())


@pytest.mark.parametrize("backend", spectral.FFT_BACKENDS)
@pytest.mark.parametrize("normalize", [True, False])
def test_power_to_autocorrelation_against_the_definition(monkeypatch, backend, normalize):
    """Lags of the inverse DFT of a power spectrum against the direct sum
    ``r[k] = c sum_n P_full[n] cos(2 pi n k / N)`` over the symmetric spectrum (``c = 1 / N``,
    or 1 without normalisation: what the HNR uses for power-of-two N)."""
    monkeypatch.setenv("FEATGRAPH_FFT", backend)
    n_fft, n_lags = 64, 20
    power = np.abs(direct_dft(RNG.standard_normal((3, 50)), n_fft)) ** 2
    full = np.concatenate([power, power[:, -2:0:-1]], axis=1)           # (3, 64)
    n = np.arange(n_fft)
    want = full @ np.cos(2 * np.pi * np.outer(n, np.arange(n_lags)) / n_fft)
    want = want / n_fft if normalize else want
    got = spectral.power_to_autocorrelation(power, n_fft, n_lags, normalize=normalize)
    assert got.shape == (3, n_lags)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    work = power.copy()                    # overwrite: in place (ducc0), the same numbers
    again = spectral.power_to_autocorrelation(work, n_fft, n_lags, normalize=normalize,
                                              overwrite=True)
    np.testing.assert_array_equal(again, got)
    assert np.shares_memory(again, work) == (backend == "ducc0")


def test_fft_backend_env_is_checked(monkeypatch):
    monkeypatch.setenv("FEATGRAPH_FFT", "fftw")
    with pytest.raises(ValueError, match="FEATGRAPH_FFT='fftw'"):
        spectral.fft_backend()
    monkeypatch.delenv("FEATGRAPH_FFT")
    assert spectral.fft_backend() == "ducc0"         # a dependency, so the default


@pytest.mark.parametrize("backend", spectral.FFT_BACKENDS)
def test_plp_agrees_with_rastamat_on_either_fft_backend(monkeypatch, backend):
    monkeypatch.setenv("FEATGRAPH_FFT", backend)
    got = featgraph.load("plp").run(SPEECH["english_8k"])["plp"]
    assert_close_per_coefficient(got, rastamat("english_8k")["plp"], 1e-4)


# ------------------------------------------------------------------ float32
class Spy:
    """Wraps a frame op's model; records the dtypes it receives and returns."""

    streaming = "frame"

    def __init__(self, model, seen):
        self.model, self.op, self.seen = model, model.op, seen

    def __call__(self, *inputs):
        out = self.model(*inputs)
        outs = out.values() if isinstance(out, dict) else [out]
        self.seen.append((self.op, [f.data.dtype for f in inputs], [f.data.dtype for f in outs]))
        return out


@pytest.mark.parametrize("name", ["plp", "rasta_plp"])
def test_float32_recipe_computes_in_float32_at_every_op(name):
    recipe = featgraph.load(name)
    recipe.dtype = "float32"
    plan = build([recipe])
    seen = []
    steps = {k: dataclasses.replace(s, model=Spy(s.model, seen))
             if type(s.model).streaming == "frame" else s for k, s in plan.steps.items()}
    out = execute(dataclasses.replace(plan, steps=steps), Source.of(SPEECH["english_8k"]))
    assert out[name].dtype == np.float32
    assert {op for op, _, _ in seen} >= {"window", "rfft", "power", "autocorrelation", "lpc"}
    for op, ins, outs in seen:
        assert set(ins + outs) <= {np.dtype(np.float32), np.dtype(np.complex64)}, (op, ins, outs)


@pytest.mark.parametrize("stem", SPEECH)
@pytest.mark.parametrize("fused", ["1", "0"])
def test_float32_plp_agrees_with_rastamat(monkeypatch, stem, fused):
    monkeypatch.setenv("FEATGRAPH_FUSE", fused)
    ref = rastamat(stem)
    for name, key, params in (("plp", "plp", {}), ("plp", "plp13", {"order": 12}),
                              ("rasta_plp", "rasta_plp", {})):
        recipe = featgraph.load(name)
        recipe.dtype = "float32"
        got = recipe.run(SPEECH[stem], **params)[name]
        assert got.dtype == np.float32
        assert_close_per_coefficient(got.astype(np.float64), ref[key], 1e-4)


# ------------------------------------------------------------------ plan fusion
def _plans(recipe):
    plan = build([recipe])
    return plan, fuse(plan)


def _run_both(recipe, path):
    plan, fused = _plans(recipe)
    return execute(plan, Source.of(path)), execute(fused, Source.of(path)), fused


def plain64(name, path):
    """The unfused float64 run of the shipped recipe ``name`` on ``path``."""
    return execute(build([featgraph.load(name)]), Source.of(path))


@pytest.mark.parametrize("name", featgraph.shipped())
@pytest.mark.parametrize("dtype", [None, "float32"])
def test_fused_equals_unfused_on_every_shipped_recipe(name, dtype):
    recipe = featgraph.load(name)
    recipe.dtype = dtype
    for path in (SPEECH["english_8k"], DATA / "silence_16k.wav"):
        plain, fused, plan = _run_both(recipe, path)
        for out in plain.features:
            a, b = plain[out], fused[out]
            assert a.dtype == b.dtype and a.shape == b.shape
            # float64: the fused mel applies Hann in the frequency domain; in bands 130 dB
            # and more below a frame's peak, it and the time-domain window both round at
            # ~1e-8 relative (test_native_spectral: against a long-double DFT)
            tol = 1e-9 if dtype is None else 2e-5
            finite = np.abs(np.asarray(a)[np.isfinite(a)])     # (pyin: NaN when unvoiced)
            scale = finite.max() if finite.size else 0.0
            if dtype is not None and not np.allclose(b, a, rtol=tol, atol=tol * scale,
                                                     equal_nan=True):
                # float32: a fused filterbank on power-of-two frames takes its own float32
                # FFT (native/framedbank.c), the rfft op ducc0's; where float32 rounding
                # dominates (bands far below a frame's peak, then normalised per utterance:
                # the Kaldi-style front ends) the two differ by it.  Both are then held to
                # the float64 run: the fused output no further from it than the ops' is.
                ref = plain64(name, path)[out]
                assert np.isnan(b).tolist() == np.isnan(a).tolist()
                err_plain, err_fused = (np.nanmax(np.abs(np.asarray(v, np.float64) - ref))
                                        for v in (a, b))
                assert err_fused <= 1.5 * err_plain + tol * scale, (out, err_fused, err_plain)
                continue
            np.testing.assert_allclose(b, a, rtol=tol, atol=tol * scale)  # NaN where a's are
    names = {row.node for row in fused.report}
    assert names == {row.node for row in plain.report}     # every recipe node is listed


@pytest.mark.parametrize("name", ["mfcc39", "logmel_gemma3n"])
def test_a_fused_step_reused_at_another_rate_rewrites_its_padding(name):
    """One fused plan run at 16 kHz, then at 12 kHz (mfcc39: 25 ms frames of 400, then
    300 samples, both padded to 512; gemma3n: 512 of 1024 at both rates, the same layout),
    then at 16 kHz again: each run equals the unfused plan's, so the work buffer's zero
    padding is rewritten when the layout changes and only then."""
    plan, fused = _plans(featgraph.load(name))
    rng = np.random.default_rng(3)
    for sr in (16000, 12000, 16000):
        y = rng.standard_normal(sr * 2) * 0.1
        a = execute(plan, Source.of(y, sr)).features
        b = execute(fused, Source.of(y, sr)).features
        for out in a:
            np.testing.assert_allclose(b[out].data, a[out].data, rtol=1e-9,
                                       atol=1e-9 * np.abs(a[out].data).max())


def test_plp_fuses_into_two_steps_and_folds_the_scale():
    plan, fused = _plans(featgraph.load("plp"))
    ops = [s.model.op for s in fused.steps.values()]
    assert ops == ["load", "frame", "fused:spectrum+bands", "fused:lpc+cepstra"]
    load = next(s for s in fused.steps.values() if s.model.op == "load")
    spectrum = next(s for s in fused.steps.values() if isinstance(s.model, FusedOp))
    assert load.model.scale == 1.0 and spectrum.model.scale == 32768
    assert set(fused.names) == set(plan.names)
    assert len(set(fused.steps)) == len(fused.steps)
    assert not set(fused.steps) & set(plan.steps)          # every value changed gets a new key
    report = execute(fused, Source.of(SPEECH["english_8k"])).report
    assert [r.status for r in report] == ["executed"] * 3 + ["fused"] * 7 + ["executed"] + \
        ["fused"] * 2
    assert [r.node for r in report] == list(featgraph.load("plp").nodes)


def test_values_read_elsewhere_are_not_fused_away(write_recipe):
    plp = featgraph.load("plp").to_dict()
    plp["outputs"] = {"plp": "plp", "power": "power", "err": "lpc:error", "audio": "audio"}
    import yaml
    recipe = featgraph.load(write_recipe(yaml.safe_dump(plp, sort_keys=False)))
    plain, fused, plan = _run_both(recipe, SPEECH["english_8k"])
    ops = [s.model.op for s in plan.steps.values()]
    assert "lpc" in ops and "power" not in ops and "fused:window+rfft+power" in ops
    assert next(s for s in plan.steps.values() if s.model.op == "load").model.scale == 32768
    for out in ("plp", "power", "err", "audio"):
        np.testing.assert_allclose(fused[out], plain[out], rtol=1e-12, atol=1e-9)


def test_fusion_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("FEATGRAPH_FUSE", "0")
    ops = [s.model.op for s in featgraph.load("plp").compile().steps.values()]
    assert "fused:bands" not in ops and len(ops) == 13


def test_fused_step_streams_in_chunks_of_any_size():
    plan = fuse(build([featgraph.load("plp")]))
    y, sr = sf.read(SPEECH["english_8k"])
    frames = np.lib.stride_tricks.sliding_window_view(y * 32768, 200)[::80]   # 25 ms / 10 ms
    feature = Feature(frames.T, Kind.FRAMES, sr, hop=80, win_length=200)
    for step in plan.steps.values():
        if isinstance(step.model, FusedOp):
            whole = step.model(feature)
            chunked = run_op_chunked(step.model, feature, rng=RNG, largest=7)
            assert_same_features(chunked, whole)       # BLAS rounds by chunk size
            feature = whole



def test_fused_equals_unfused_per_channel():
    recipe = featgraph.load("plp")
    recipe.nodes["audio"].params["channels"] = "all"
    plain, fused, _ = _run_both(recipe, DATA / "chord_pluck_22k_stereo.wav")
    assert fused["plp"].shape == plain["plp"].shape == (2, 9, 297)
    np.testing.assert_allclose(fused["plp"], plain["plp"], rtol=1e-12, atol=1e-12)


def test_fused_plan_pickles():
    import pickle

    plan = featgraph.load("plp").compile()
    again = pickle.loads(pickle.dumps(plan))
    y = np.random.default_rng(5).standard_normal(8000)
    np.testing.assert_array_equal(execute(again, Source.of(y, sr=16000))["plp"],
                                  execute(plan, Source.of(y, sr=16000))["plp"])


@pytest.mark.parametrize("exponent, n_fft, dtype", [(1.0, "pow2", np.float64), (2.0, 960, np.float64),
                                                    (1.0, "pow2", np.float32)])
def test_rfft_power_fused_equals_the_two_ops(exponent, n_fft, dtype):
    """``rfft -> power`` after a step with other readers (eGeMAPS' Gaussian frames): the fused
    step computes the same values as the two ops, bit for bit, and against the definition."""
    recipe = featgraph.Recipe("rp")
    recipe.add("audio", "load")
    recipe.add("frames", "frame", "audio", length=960, hop=160)
    recipe.add("win", "window", "frames", window="hann")
    recipe.add("spec", "rfft", "win", n_fft=n_fft)
    recipe.add("mag", "power", "spec", exponent=exponent)
    recipe.add("lpc", "smile_lpc", "win")                         # a second reader of win
    recipe.output("mag")
    recipe.output("lpc")
    plan = fuse(build([recipe]))
    assert "fused:rfft+power" in [s.model.op for s in plan.steps.values()]
    y = RNG.standard_normal(16000 * 3).astype(dtype)
    frames = np.lib.stride_tricks.sliding_window_view(y, 960)[::160]
    feature = Feature(np.ascontiguousarray(frames).T, Kind.FRAMES, 16000, hop=160, win_length=960)
    step = next(s for s in plan.steps.values() if s.model.op == "fused:rfft+power")
    got = step.model(feature)
    ops = featgraph.engine.ops.registry()
    want = ops["power"](exponent=exponent)(ops["rfft"](n_fft=n_fft)(feature))
    assert got.data.dtype == want.data.dtype == dtype and got.n_fft == want.n_fft
    np.testing.assert_array_equal(got.data, want.data)
    np.testing.assert_array_equal(got.axis, want.axis)
    n = 1024 if n_fft == "pow2" else 960
    ref = np.abs(direct_dft(frames.astype(np.float64), n)) ** exponent
    np.testing.assert_allclose(got.data.T, ref, rtol=1e-4 if dtype == np.float32 else 1e-9,
                               atol=1e-3 if dtype == np.float32 else 1e-9)
    if dtype == np.float64:       # (ducc0's float32 batches round by chunk, as the rfft op)
        assert_same_features(run_op_chunked(step.model, feature, rng=RNG, largest=7), got)


def test_fused_padding_is_zero_after_a_run_at_another_rate():
    """The fused window's zero-padded work buffer outlives a run: frames of another length
    with the same FFT length (25 ms at 20 and 16 kHz: 500 and 400 points, both 512) must not
    leave samples in the next run's padding.  Reference: the same input in a fresh recipe."""
    y = RNG.standard_normal(16000) * 0.1
    fresh = featgraph.load("plp").run(y, sr=16000)["plp"]
    recipe = featgraph.load("plp")
    recipe.run(RNG.standard_normal(20000), sr=20000)
    np.testing.assert_array_equal(recipe.run(y, sr=16000)["plp"], fresh)


@pytest.mark.parametrize("pad_at", ["end", "center"])
def test_window_rfft_fused_equals_the_two_ops(pad_at):
    """``window -> rfft`` whose spectrum has two readers: the fused step equals the two ops
    bit for bit, and the definition (a direct DFT of the windowed, padded frames)."""
    recipe = featgraph.Recipe("wr")
    recipe.add("audio", "load")
    recipe.add("frames", "frame", "audio", length=320, hop=160)
    recipe.add("win", "window", "frames", window="hamming", periodic=False, pad_to="pow2",
               pad_at=pad_at)
    recipe.add("spec", "rfft", "win")
    recipe.add("mag", "power", "spec", exponent=1.0)
    recipe.add("pow", "power", "spec")
    recipe.output("mag")
    recipe.output("pow")
    plan = fuse(build([recipe]))
    step = next(s for s in plan.steps.values() if s.model.op == "fused:window+rfft")
    y = RNG.standard_normal(16000 * 2)
    frames = np.lib.stride_tricks.sliding_window_view(y, 320)[::160]
    feature = Feature(np.ascontiguousarray(frames).T, Kind.FRAMES, 16000, hop=160, win_length=320)
    got = step.model(feature)
    ops = featgraph.engine.ops.registry()
    want = ops["rfft"]()(ops["window"](window="hamming", periodic=False, pad_to="pow2",
                                       pad_at=pad_at)(feature))
    assert got.kind == want.kind and got.n_fft == want.n_fft == 512
    np.testing.assert_array_equal(got.data, want.data)
    start = 0 if pad_at == "end" else 96
    padded = np.zeros((len(frames), 512))
    padded[:, start:start + 320] = frames * np.hamming(320)
    np.testing.assert_allclose(got.data.T, direct_dft(padded, 512), rtol=1e-9, atol=1e-9)
    assert_same_features(run_op_chunked(step.model, feature, rng=RNG, largest=7), got)


def test_constant_weights_lose_their_subnormals_in_float32():
    """Bark weights reach 1e-48 in float64; cast to float32 those tails are subnormal, which
    Intel cores multiply through a microcode assist.  ``matmul`` and the prepared
    filterbanks take them as 0: the product is ``a @ b`` with them zeroed, and none is left
    in the float32 weights of a shipped Bark bank."""
    from featgraph.nodes._common import flush_subnormals, matmul
    from featgraph.nodes.auditory import bark_weights

    w = bark_weights(512, 16000.0, None, 0.0, 8000.0, 1.0)[0].astype(np.float32)
    tiny = np.finfo(np.float32).tiny
    assert np.count_nonzero((w != 0) & (w < tiny)) > 0        # the case exists
    flushed = flush_subnormals(w)
    assert not np.any((flushed != 0) & (np.abs(flushed) < tiny))
    assert np.array_equal(flushed, np.where(w < tiny, np.float32(0), w))
    a = np.random.default_rng(0).random((50, w.shape[1])).astype(np.float32)
    assert np.array_equal(matmul(a, w.T), a @ flushed.T)
    same = np.array([0.0, -1.5, 3e-30], dtype=np.float32)
    assert flush_subnormals(same) is same                      # nothing to flush: no copy

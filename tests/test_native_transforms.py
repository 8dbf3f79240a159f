"""The constant-Q kernels (constantq.c): the sparse basis product against the dense complex
product of the whole basis (zeros included) and its numpy definition, its time-domain form
(fg_cq_frames) against the real DFT of the frames times the basis and, to rounding (fused
multiply-adds), against its numpy definition, and the tuning-peak
picker bit for bit against its numpy definition (the end-to-end tuning estimate is checked
against librosa in tests/test_constantq.py); edges and argument checks."""
import numpy as np
import pytest

from featgraph.native import reference_transforms as reference
from featgraph.native import transforms as kernels
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)

CTYPES = [np.complex64, np.complex128]


def banded_basis(rng, rows, cols):
    """A complex basis with one contiguous support per row (an empty one and a full one
    included) and zeros elsewhere."""
    w = np.zeros((rows, cols), complex)
    first = rng.integers(0, cols, rows)
    stop = np.minimum(first + rng.integers(0, 20, rows), cols)
    first[0], stop[0] = 5, 5                                  # an empty row
    first[-1], stop[-1] = 0, cols                             # a full row
    for r in range(rows):
        n = stop[r] - first[r]
        w[r, first[r]:stop[r]] = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    return w, first, stop


@pytest.mark.parametrize("ctype", CTYPES)
@pytest.mark.parametrize("n_frames", [1, 15, 16, 17, 70])
def test_cq_product_equals_the_dense_product(backend, ctype, n_frames):
    rng = np.random.default_rng(n_frames)
    w, first, stop = banded_basis(rng, 12, 33)
    spec = (rng.standard_normal((n_frames, 60)) + 1j * rng.standard_normal((n_frames, 60)))
    spec = spec.astype(ctype)
    out = np.full((n_frames, 20), 7 + 7j, ctype)
    got = kernels.CqBasis(w, first, stop).product(spec, out, col0=10, out_col0=3)
    assert got is out
    dense = spec.astype(complex)[:, 10:43] @ w.T                    # independent: all zeros
    rtol = 1e-5 if ctype == np.complex64 else 1e-12
    scale = np.abs(dense).max()
    np.testing.assert_allclose(out[:, 3:15], dense, rtol=0, atol=rtol * scale)
    np.testing.assert_array_equal(out[:, :3], 7 + 7j)               # other columns untouched
    np.testing.assert_array_equal(out[:, 15:], 7 + 7j)
    want = reference.cq_product(spec, w, first, stop, np.zeros((n_frames, 20), ctype), 10, 3)
    np.testing.assert_allclose(out[:, 3:15], want[:, 3:15], rtol=0, atol=rtol * scale)


@needs_c
def test_cq_product_frames_do_not_depend_on_their_neighbours():
    rng = np.random.default_rng(3)
    w, first, stop = banded_basis(rng, 7, 20)
    basis = kernels.CqBasis(w, first, stop)
    spec = (rng.standard_normal((40, 20)) + 1j * rng.standard_normal((40, 20))).astype(
        np.complex64)
    whole = basis.product(spec, np.zeros((40, 7), np.complex64))
    for a, b in [(0, 1), (1, 17), (17, 40)]:
        part = basis.product(np.ascontiguousarray(spec[a:b]), np.zeros((b - a, 7), np.complex64))
        np.testing.assert_array_equal(part, whole[a:b])


def test_cq_product_rejects_bad_arguments(backend):
    w = np.ones((2, 4), complex)
    with pytest.raises(ValueError, match="supports"):
        kernels.CqBasis(w, [0, 3], [4, 2])
    with pytest.raises(ValueError, match="supports"):
        kernels.CqBasis(w, [0, 0], [4, 5])
    basis = kernels.CqBasis(w, [0, 1], [4, 3])
    spec = np.ones((3, 6), np.complex64)
    for bad in [dict(spec=spec, out=np.zeros((3, 2), np.complex128)),        # other type
                dict(spec=spec, out=np.zeros((2, 2), np.complex64)),         # frame count
                dict(spec=spec, out=np.zeros((3, 2), np.complex64), col0=3),  # bins
                dict(spec=spec, out=np.zeros((3, 2), np.complex64), out_col0=1),
                dict(spec=spec.real.copy(), out=np.zeros((3, 2), np.float32)),
                dict(spec=np.ones((6, 3), np.complex64).T, out=np.zeros((3, 2), np.complex64)),
                dict(spec=spec, out=np.zeros((3, 4), np.complex64)[:, :2])]:
        with pytest.raises(ValueError, match="cq product"):
            basis.product(**bad)


RTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("rtype", RTYPES)
@pytest.mark.parametrize("n_frames", [0, 1, 3, 5, 17, 37])
@pytest.mark.parametrize("m_out", [1, 24, 31])
def test_cq_frames_equal_their_numpy_definition(backend, rtype, n_frames, m_out):
    """To rounding: the kernel fuses each product and sum (one rounding), the numpy
    definition rounds them apart; the two differ by at most 2 n_fft eps sum_j |y h| (the
    standard bound of a running sum, for each).  17 and 37 frames: whole vectors of frames
    (16 floats, 8 doubles with AVX-512) and the rest."""
    rng = np.random.default_rng(n_frames * 100 + m_out)
    n_fft, hop, m = 40, 7, 48
    y = rng.standard_normal(max(n_frames - 1, 0) * hop + n_fft + 3).astype(rtype)
    h = rng.standard_normal((n_fft, m)).astype(rtype)
    out = np.full((n_frames, 40), 7.0, rtype)
    got = kernels.cq_frames(y, hop, n_fft, n_frames, h, out, 5, m_out)
    assert got is out
    want = reference.cq_frames(y, hop, n_fft, n_frames, h, np.full((n_frames, 40), 7.0, rtype),
                               5, m_out)
    np.testing.assert_array_equal(out[:, :5], 7.0)            # other columns untouched
    np.testing.assert_array_equal(out[:, 5 + m_out:], 7.0)
    frames = np.lib.stride_tricks.sliding_window_view(y.astype(float), n_fft)[::hop][:n_frames]
    bound = 2 * n_fft * np.finfo(rtype).eps * (np.abs(frames) @ np.abs(h[:, :m_out]))
    assert np.all(np.abs(out[:, 5:5 + m_out] - want[:, 5:5 + m_out].astype(float)) <= bound)
    dense = frames @ h[:, :m_out].astype(float)               # independent: float64 matmul
    tol = (1e-5 if rtype == np.float32 else 1e-12) * max(np.abs(dense).max(initial=0), 1)
    np.testing.assert_allclose(out[:, 5:5 + m_out], dense, rtol=0, atol=tol)


@pytest.mark.parametrize("rtype", RTYPES)
def test_cq_frames_are_the_basis_times_the_real_dft(backend, rtype):
    """The time-domain filters of a constant-Q octave give the sparse FFT basis times the
    real DFT of each frame, scaled by the gains (numpy's FFT in complex128)."""
    from featgraph.nodes import _cqfilters as cq

    freqs = cq.frequencies(110.0, 12, 12, 0.0)
    alpha = cq.relative_bandwidth(freqs, 12)
    args = (8000.0, tuple(freqs), tuple(alpha), 1.0, None, "l1", 0.01, "hann")
    basis, n_fft, _ = cq.fft_basis(*args)
    gain = tuple(np.linspace(0.5, 2.0, 12))
    h, rows = cq.time_filters(args, gain, np.dtype(rtype).name)
    assert rows == 12 and h.shape == (n_fft, 24)
    rng = np.random.default_rng(5)
    hop, n_frames = 100, 9
    y = rng.standard_normal((n_frames - 1) * hop + n_fft).astype(rtype)
    out = np.zeros((n_frames, 12), np.complex64 if rtype == np.float32 else np.complex128)
    kernels.cq_frames(y, hop, n_fft, n_frames, h, out.view(rtype), 0, 24)
    frames = np.lib.stride_tricks.sliding_window_view(y.astype(float), n_fft)[::hop]
    want = np.fft.rfft(frames, axis=1) @ (basis * np.array(gain)[:, None]).T
    tol = (1e-5 if rtype == np.float32 else 1e-12) * np.abs(want).max()
    np.testing.assert_allclose(out, want, rtol=0, atol=tol)


@needs_c
@pytest.mark.parametrize("rtype", RTYPES)
def test_cq_frames_do_not_depend_on_their_neighbours(rtype):
    """Bit for bit, whichever path a frame takes (a vector of frames with AVX-512, groups of
    a few, one at a time): every path sums with fused multiply-adds in the order of j."""
    rng = np.random.default_rng(4)
    y = rng.standard_normal(600).astype(rtype)
    h = rng.standard_normal((32, 24)).astype(rtype)
    whole = kernels.cq_frames(y, 9, 32, 60, h, np.zeros((60, 24), rtype))
    for a, b in [(0, 1), (1, 6), (6, 60)]:
        part = kernels.cq_frames(y[9 * a:], 9, 32, b - a, h, np.zeros((b - a, 24), rtype))
        np.testing.assert_array_equal(part, whole[a:b])


@needs_c
def test_cq_frame_columns_are_the_headers():
    from featgraph.native import _lib

    assert _lib.FG_CQ_FRAME_COLS == reference.CQ_FRAME_COLS


def test_cq_frames_reject_bad_arguments(backend):
    y, h = np.ones(50), np.ones((10, 24))
    out = np.zeros((5, 24))
    for bad in [dict(h=np.ones((10, 20))),                              # m not a multiple
                dict(h=np.ones((9, 24))),                               # n_fft rows
                dict(n_frames=6, out=np.zeros((6, 24))),                # past the end
                dict(hop=0),
                dict(y=np.ones(50, np.float32)),                        # other type
                dict(out=np.zeros((5, 24), np.float32)),
                dict(out=np.zeros((4, 24))),                            # frame count
                dict(out=np.zeros((5, 30)), out_col0=7),                # columns
                dict(m_out=25),
                dict(y=np.ones(100)[::2]),                              # not contiguous
                dict(out=np.zeros((5, 48))[:, :24])]:
        args = dict(y=y, hop=10, n_fft=10, n_frames=5, h=h, out=out, out_col0=0, m_out=None)
        args.update(bad)
        with pytest.raises(ValueError, match="cq frames"):
            kernels.cq_frames(**args)


def music_like_spectra(rng, ctype, n_frames=60, n_bins=257):
    """Harmonic peaks over noise, a silent frame and a frame with a flat top."""
    k = np.arange(n_bins)
    spec = 0.01 * (rng.standard_normal((n_frames, n_bins))
                   + 1j * rng.standard_normal((n_frames, n_bins)))
    for t in range(n_frames):
        f0 = rng.uniform(8, 20)
        for h in range(1, 8):
            spec[t] += np.exp(-0.5 * ((k - h * f0) / 1.2) ** 2) / h
    spec[3] = 0.0                                               # silence
    spec[5, 40:44] = 2.0                                        # equal neighbours
    return spec.astype(ctype)


@pytest.mark.parametrize("ctype", CTYPES)
@pytest.mark.parametrize("k0,k1", [(7, 185), (1, 255), (30, 30)])
def test_tuning_peaks_equal_the_numpy_definition_bit_for_bit(backend, ctype, k0, k1):
    spec = music_like_spectra(np.random.default_rng(k0), ctype)
    freq, mag = kernels.tuning_peaks(spec, k0, k1, 0.1, 22050 / 512)
    want_f, want_m = reference.tuning_peaks(spec, k0, k1, 0.1, 22050 / 512)
    assert freq.dtype == np.float64 and mag.dtype == spec.real.dtype
    np.testing.assert_array_equal(freq, want_f)
    np.testing.assert_array_equal(mag, want_m)
    if k1 > k0:
        assert len(freq) > 60


def test_tuning_peak_of_a_parabola_is_its_vertex(backend):
    # closed form: on |X| = 5 - (k - 10.3)^2 the parabolic interpolation is exact
    k = np.arange(32)
    spec = np.maximum(5 - (k - 10.3) ** 2, 0)[None, :].astype(np.complex128)
    freq, mag = kernels.tuning_peaks(spec, 1, 30, 0.1, 2.0)
    np.testing.assert_allclose(freq, [20.6], rtol=1e-12)
    np.testing.assert_allclose(mag, [5.0], rtol=1e-12)


def test_tuning_peaks_reject_bad_arguments(backend):
    spec = np.ones((2, 10), np.complex64)
    for k0, k1 in [(0, 5), (3, 2), (1, 9)]:
        with pytest.raises(ValueError, match="tuning peaks"):
            kernels.tuning_peaks(spec, k0, k1, 0.1, 1.0)
    with pytest.raises(ValueError, match="tuning peaks"):
        kernels.tuning_peaks(np.ones((2, 10)), 1, 5, 0.1, 1.0)
    freq, mag = kernels.tuning_peaks(np.ones((0, 10), np.complex64), 1, 5, 0.1, 1.0)
    assert freq.shape == mag.shape == (0,)


WINDOWS = {"hann": (0.5, -0.5), "hamming": (0.54, -0.46), "blackman": (0.42, -0.5, 0.08)}


def frames_and_spectra(rng, dtype, n_fft, shape=(37,)):
    """Random frames (a silent one, a quiet one) and their DFTs ``(DFT(x), DFT(x t))``."""
    x = rng.standard_normal(shape + (n_fft,))
    x[..., 2, :] = 0.0
    x[..., 4, :] *= 1e-4
    half = n_fft // 2
    t = np.arange(-half, half + 1) if n_fft % 2 else np.arange(0.5 - half, half)
    X = np.stack([np.fft.rfft(x), np.fft.rfft(x * t)])
    return x, t, X.astype(np.complex64 if dtype == np.float32 else np.complex128)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("window", sorted(WINDOWS))
@pytest.mark.parametrize("n_fft", [256, 255, 6])
@pytest.mark.parametrize("flags", [(True, True), (True, False), (False, True)])
def test_reassign_matches_the_windowed_spectra(backend, dtype, window, n_fft, flags):
    """Independent: the three windowed DFTs taken in the time domain (the window, its cyclic
    centred gradient, the window times the time from the centre) and complex division."""
    rng = np.random.default_rng(n_fft)
    x, t, X = frames_and_spectra(rng, dtype, n_fft)
    sr, hop, t0, ref = 8000.0, 64, 11, 1e-6
    freqs, times, mags = kernels.reassign(X, n_fft, WINDOWS[window], sr, hop, t0, ref, *flags)
    n = np.arange(n_fft)
    h = sum(c * np.cos(2 * np.pi * m * n / n_fft) for m, c in enumerate(WINDOWS[window]))
    dh = (np.roll(h, -1) - np.roll(h, 1)) / 2
    sh, sdh, sth = (np.fft.rfft(x * w) for w in (h, dh, h * t))
    keep = np.abs(sh) ** 2 >= ref
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(keep, -np.imag(sdh / sh) * sr / (2 * np.pi), 0) * flags[0]
        dt = np.where(keep, np.real(sth / sh) / sr, 0) * flags[1]
    bins = np.arange(n_fft // 2 + 1) * sr / n_fft
    want_f = np.clip(bins + df, 0, sr / 2)
    want_t = np.maximum((t0 + np.arange(37))[:, None] * hop / sr + dt, 0)
    assert freqs.dtype == times.dtype == mags.dtype == dtype
    loud = np.abs(sh) >= 1e-2 * np.abs(sh).max()          # ratios of tiny values are noise
    tol = 1e-4 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(freqs[loud], want_f[loud], rtol=0, atol=tol * sr / 2)
    np.testing.assert_allclose(times[loud], want_t[loud], rtol=0, atol=tol * 48 * hop / sr)
    np.testing.assert_allclose(mags, np.abs(sh), rtol=0, atol=tol * np.abs(sh).max())
    np.testing.assert_allclose(freqs[2], bins, rtol=1e-6)             # silence: bin, frame
    np.testing.assert_allclose(times[2], (t0 + 2) * hop / sr, rtol=1e-6)
    ref_out = reference.reassign(X, n_fft, WINDOWS[window], sr, hop, t0, ref, *flags)
    for got, want in zip((freqs, times, mags), ref_out):
        np.testing.assert_allclose(got, want, rtol=0, atol=tol * np.abs(want).max())


@needs_c
def test_reassign_of_leading_axes_equals_each_row():
    _, _, X = frames_and_spectra(np.random.default_rng(6), np.float32, 128, (2, 9))
    whole = kernels.reassign(X, 128, WINDOWS["hann"], 16000.0, 32, 3, 1e-6)
    for r in range(2):
        row = kernels.reassign(np.ascontiguousarray(X[:, r]), 128, WINDOWS["hann"], 16000.0,
                               32, 3, 1e-6)
        for a, b in zip(whole, row):
            np.testing.assert_array_equal(a[r], b)


def test_reassign_writes_into_frame_slices_of_larger_arrays(backend):
    """``out``: frame slices of bigger arrays (leading axes included) get exactly the
    values of a fresh call; the frames outside the slice are untouched."""
    _, _, X = frames_and_spectra(np.random.default_rng(7), np.float32, 128, (2, 9))
    args = (128, WINDOWS["hann"], 16000.0, 32, 3, 1e-6)
    fresh = kernels.reassign(X, *args)
    big = [np.full((2, 12, 65), -7.0, np.float32) for _ in range(3)]
    got = kernels.reassign(X, *args, out=tuple(b[:, 3:, :] for b in big))
    for g, b, want in zip(got, big, fresh):
        assert np.shares_memory(g, b)
        np.testing.assert_array_equal(b[:, 3:], want)
        assert (b[:, :3] == -7.0).all()
    bad = [(np.empty((2, 9, 65), np.float64),) * 3, (np.empty((2, 9, 65), np.float32),) * 2,
           (np.empty((2, 9, 130), np.float32)[..., ::2],) * 3,
           (np.empty((2, 9, 64), np.float32),) * 3]
    for out in bad:
        with pytest.raises(ValueError, match="out"):
            kernels.reassign(X, *args, out=out)


def test_reassign_rejects_bad_arguments(backend):
    X = np.ones((2, 4, 5), np.complex64)
    hann = WINDOWS["hann"]
    for args in [(X[:1], 8, hann, 100.0, 2, 0, 0.0), (X.real, 8, hann, 100.0, 2, 0, 0.0),
                 (X, 6, hann, 100.0, 2, 0, 0.0), (X, 8, (), 100.0, 2, 0, 0.0),
                 (X, 8, np.ones(4), 100.0, 2, 0, 0.0), (X, 8, hann, 0.0, 2, 0, 0.0),
                 (X, 8, hann, 100.0, -1, 0, 0.0), (X, 8, hann, 100.0, 2, 0, -1.0),
                 (X, 8, hann, 100.0, 2, 0, float("nan"))]:
        with pytest.raises(ValueError, match="reassign"):
            kernels.reassign(*args)
    empty = kernels.reassign(np.ones((2, 0, 5), np.complex64), 8, hann, 100.0, 2, 0, 0.0)
    assert all(e.shape == (0, 5) and e.dtype == np.float32 for e in empty)

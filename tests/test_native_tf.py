"""The full-rate interleaving kernel (tf.c) of the CWT at hop 1: C against the numpy
reference and both against the definition ``out[i sub + r0 + p, col0 + b] = src[p, b, i]``
written as explicit loops here; cut-off rows, a misaligned output (the plain-store
path), the aligned allocation, bad arguments; and the full-rate band-pass against the
blockwise path (the same transform computed without phases)."""
import numpy as np
import pytest

from featgraph import native
from featgraph.native import reference_tf as reference
from featgraph.native import tf as kernels
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)


def by_loops(src, r0, sub, out, col0):
    want = out.copy()
    k, g, q = src.shape
    for p in range(k):
        for b in range(g):
            for i in range(q):
                t = i * sub + r0 + p
                if t < len(want):
                    want[t, col0 + b] = src[p, b, i]
    return want


def chunk(k, g, q, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((k, g, q)) + 1j * rng.standard_normal((k, g, q))


@pytest.mark.parametrize("k,g,q,sub,r0,n_rows,n_bands,col0", [
    (1, 1, 1, 1, 0, 1, 1, 0),
    (4, 3, 5, 8, 4, 40, 7, 2),        # a chunk inside the phases, columns inside the row
    (2, 5, 9, 2, 0, 13, 5, 0),        # rows cut off at 13 of 18
    (3, 4, 6, 4, 1, 24, 9, 5),        # the last columns of the row
    (8, 2, 7, 8, 0, 56, 2, 0),        # every phase at once
    (1, 6, 4, 16, 15, 7, 6, 0),       # the last phase: only its first row is kept
])
def test_interleave_matches_definition(backend, k, g, q, sub, r0, n_rows, n_bands, col0):
    src = chunk(k, g, q, seed=k + g + q)
    out = np.full((n_rows, n_bands), -7.0 + 3j)
    want = by_loops(src, r0, sub, out, col0)
    kernels.interleave(src, r0, sub, out, col0)
    np.testing.assert_array_equal(out, want)       # a copy: exact


@needs_c
def test_interleave_c_equals_reference_and_misaligned_rows():
    src = chunk(4, 5, 33, seed=3)
    want = np.full((130, 9), 2.0 - 1j)
    reference.interleave(src, 2, 8, want, 3)
    for skip in (0, 1):      # 1: complex128 rows at an 8-byte offset (plain stores)
        raw = np.zeros(2 * 130 * 9 + 1)
        out = raw[skip:skip + 2 * 130 * 9].view(np.complex128).reshape(130, 9)
        out[:] = 2.0 - 1j
        assert (out.ctypes.data % 16 == 8) == bool(skip)
        kernels.interleave(src, 2, 8, out, 3)
        np.testing.assert_array_equal(out, want)


def test_aligned_zeros():
    for shape in ((3, 5, 7), (1, 1), (2, 0, 4)):
        a = kernels.aligned_zeros(shape)
        assert a.shape == shape and a.dtype == np.complex128 and a.flags.c_contiguous
        assert (a.size == 0 or a.ctypes.data % 64 == 0) and not a.any()


@pytest.mark.parametrize("args", [
    dict(r0=6, sub=8),                  # phases 6..9 of 8
    dict(r0=-1, sub=8),
    dict(col0=7),                       # bands 7..9 of 9
    dict(sub=0),
])
def test_interleave_rejects_bad_arguments(backend, args):
    kw = dict(r0=0, sub=8, col0=0) | args
    out = np.zeros((40, 9), np.complex128)
    with pytest.raises(ValueError):
        kernels.interleave(chunk(4, 3, 5), kw["r0"], kw["sub"], out, kw["col0"])


def test_interleave_rejects_bad_buffers(backend):
    src = chunk(2, 3, 4)
    out = np.zeros((8, 3), np.complex128)
    for bad_src in (src.astype(np.complex64), src[:, :, ::2], src[0]):
        with pytest.raises(ValueError, match="src"):
            kernels.interleave(bad_src, 0, 2, out, 0)
    for bad_out in (out.astype(np.complex64), np.zeros((8, 6), complex)[:, ::2],
                    np.zeros(24, complex)):
        with pytest.raises(ValueError, match="out"):
            kernels.interleave(src, 0, 2, bad_out, 0)
    frozen = out.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="out"):
        kernels.interleave(src, 0, 2, frozen, 0)
    shared = np.zeros(48, complex)
    with pytest.raises(ValueError, match="overlap"):
        kernels.interleave(shared[:24].reshape(2, 3, 4), 0, 2, shared[12:36].reshape(8, 3), 0)


@needs_c
def test_interleave_status_codes():
    from featgraph.native import _ffi, _lib
    buf = np.zeros(64)
    p = _ffi.cast("double *", _ffi.from_buffer(buf))
    assert _lib.fg_interleave_c128(p, 2, 1, 2, 0, 0, p + 16, 4, 1) == _lib.FG_EINVAL   # sub 0
    assert _lib.fg_interleave_c128(p, 2, 1, 2, 2, 1, p + 16, 4, 1) == _lib.FG_EINVAL   # phases
    assert _lib.fg_interleave_c128(p, 1, 2, 2, 2, 0, p + 16, 4, 1) == _lib.FG_EINVAL   # bands
    assert _lib.fg_interleave_c128(_ffi.NULL, 1, 1, 2, 2, 0, p, 4, 1) == _lib.FG_EINVAL
    assert _lib.fg_interleave_c128(_ffi.NULL, 0, 1, 2, 2, 0, _ffi.NULL, 4, 1) == _lib.FG_OK


def test_full_rate_equals_blockwise(backend):
    """The full-rate path (phases, interleaved) against the blockwise path, which filters
    the same responses without phases (``margin > n`` selects it): the same transform,
    so the same numbers to rounding, on several channels and groups of bands."""
    from featgraph.nodes import _tf

    if _tf._ducc_fft is None:
        pytest.skip("the full-rate path needs ducc0")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3000))
    fc = 40.0 * 2.0 ** (np.arange(23) / 5) / 8000.0            # cycles per sample

    def response(freqs):
        out = []
        for c in fc:
            u = freqs[1:] / c      # from bin 1 up: below 1e-16 of the peak past u = 2.4
            out.append((1, np.exp(-20.0 * (u - 1.0) ** 2)))
        return out

    # The filters are Gaussians in frequency, 200 samples wide in time at the lowest
    # band: 2000 samples hold all of them but 1e-20.  A margin above n selects the
    # blockwise path.
    full = _tf.bandpass(x, response, len(fc), 1, 2000)
    blocks = _tf.bandpass(x, response, len(fc), 1, 3001)
    assert full.shape == blocks.shape == (2, 3001, len(fc))
    assert full.ctypes.data % 64 == 0 and full.flags.c_contiguous
    # Both trim each response where it falls below 1e-13 of its peak (_tf._trim), whose
    # tails the two paths wrap differently: 1e-11 of the largest value.
    np.testing.assert_allclose(full, blocks, rtol=0, atol=1e-11 * np.abs(blocks).max())


def twiddle_rows(q, length, n, lo=3):
    """``exp(2 pi i m 2^j / L)`` for ``j < n`` at the bins ``m`` of the positions, as
    :func:`featgraph.nodes._tf._full_plans` makes them."""
    m = lo + (np.arange(q) - lo) % q
    return m, np.exp(2j * np.pi * ((m * 2 ** np.arange(n)[:, None]) % length) / length)


@pytest.mark.parametrize("k,r0", [(1, 0), (1, 5), (4, 0), (4, 4), (8, 8)])
def test_phase_chunk_is_the_shifted_spectrum(backend, k, r0):
    """Phase ``r0 + r``'s spectrum is ``z0 exp(2 pi i m (r0 + r) / L)`` (the shift
    theorem), whatever the doubling order."""
    q, g, length = 12, 3, 12 * 16
    m, tw = twiddle_rows(q, length, 4)
    low = k.bit_length() - 1
    z0 = chunk(1, g, q, seed=k + r0)[0]
    first = np.exp(2j * np.pi * (m * r0 % length) / length) if r0 else None
    got = np.full((k, g, q), np.nan + 0j)
    kernels.phase_chunk(z0, first, np.ascontiguousarray(tw[:low]), got)
    want = z0[None] * np.exp(2j * np.pi * (m * (r0 + np.arange(k))[:, None] % length)
                             / length)[:, None, :]
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)


@needs_c
def test_phase_chunk_c_equals_reference():
    q, g = 37, 5
    _, tw = twiddle_rows(q, q * 8, 3)
    z0 = chunk(1, g, q, seed=9)[0]
    first = np.exp(1j * np.linspace(0, 3, q))
    want = np.empty((8, g, q), complex)
    reference.phase_chunk(z0, first, tw, want)
    got = np.empty((8, g, q), complex)
    kernels.phase_chunk(z0, first, tw, got)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


def test_phases_is_the_interleaved_inverse_dft(backend):
    """:func:`phases` with a plain inverse DFT: ``out[i D + r, b] = sum_p Z_0[b, p]
    exp(2 pi i m_p r / L) exp(2 pi i p i / Q)``, a length-L inverse DFT of a spectrum held
    in ``Q`` positions (computed directly here), for every chunk size."""
    q, g, sub = 8, 4, 8
    length = q * sub
    m, tw = twiddle_rows(q, length, 3, lo=5)
    z0 = chunk(1, g, q, seed=2)[0]
    spec = np.zeros((g, length), complex)
    spec[:, m] = z0
    want = np.fft.ifft(spec, axis=-1).T * length                   # (L, g)

    def fft(c):
        c[...] = np.fft.ifft(c, axis=-1) * c.shape[-1]
    for k in (1, 2, 8):
        out = np.zeros((length - 3, g + 2), complex)
        kernels.phases(z0, np.ascontiguousarray(tw), sub, np.empty((k, g, q), complex), out,
                       1, fft)
        np.testing.assert_allclose(out[:, 1:1 + g], want[:length - 3], rtol=1e-13, atol=1e-13)
        assert not out[:, 0].any() and not out[:, -1].any()


def test_phases_and_phase_chunk_reject_bad_arguments(backend):
    q, g = 6, 2
    _, tw = twiddle_rows(q, q * 4, 2)
    tw = np.ascontiguousarray(tw)
    z0, out = chunk(1, g, q)[0], np.zeros((24, 4), complex)
    for sub, k in ((4, 3), (6, 2), (4, 8)):                 # k not a power of two / sub
        with pytest.raises(ValueError, match="phases"):
            kernels.phases(z0, tw, sub, np.empty((k, g, q), complex), out, 0, lambda c: None)
    with pytest.raises(ValueError, match="phases"):
        kernels.phases(z0, tw[:1], 4, np.empty((2, g, q), complex), out, 0, lambda c: None)
    with pytest.raises(ValueError, match="interleave"):
        kernels.phases(z0, tw, 4, np.empty((2, g, q), complex), out, 3, lambda c: None)
    with pytest.raises(ValueError, match="phase_chunk"):
        kernels.phase_chunk(z0, None, tw, np.empty((2, g, q), complex))     # 4 phases
    with pytest.raises(ValueError, match="phase_chunk"):
        kernels.phase_chunk(z0, np.ones(q + 1, complex), tw[:1], np.empty((2, g, q), complex))
    with pytest.raises(ValueError, match="phase_chunk"):
        kernels.phase_chunk(z0.astype(np.complex64), None, tw[:1], np.empty((2, g, q), complex))
    buf = np.empty((2, g, q), complex)
    with pytest.raises(ValueError, match="overlaps"):
        kernels.phase_chunk(buf[0], None, tw[:1], buf)


@needs_c
def test_phase_chunk_status_codes():
    from featgraph.native import _ffi, _lib
    buf = np.zeros(64)
    p = _ffi.cast("double *", _ffi.from_buffer(buf))
    assert _lib.fg_phase_chunk_c128(_ffi.NULL, 1, 2, _ffi.NULL, _ffi.NULL, 0, p) == \
        _lib.FG_EINVAL
    assert _lib.fg_phase_chunk_c128(p, 1, 2, _ffi.NULL, _ffi.NULL, 1, p + 8) == _lib.FG_EINVAL
    assert _lib.fg_phase_chunk_c128(p, 1, 2, _ffi.NULL, p, 64, p + 8) == _lib.FG_EINVAL
    assert _lib.fg_phase_chunk_c128(_ffi.NULL, 0, 2, _ffi.NULL, _ffi.NULL, 3, _ffi.NULL) == \
        _lib.FG_OK

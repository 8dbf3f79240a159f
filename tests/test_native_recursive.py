"""Tests for the one-pole recursion over frames (featgraph.native.one_pole, recursive.c):
against scipy.signal.lfilter (an independent IIR), the numpy reference (bit for bit),
chunked streaming with the carried state, and the C interface directly."""

import numpy as np
import pytest

import featgraph.native as native
from featgraph.native import reference
from test_native import backend, needs_c  # noqa: F401  (backend is a fixture)


# ---------------------------------------------------------------------------
# one_pole: the recursion over time of RASTA filtering
# ---------------------------------------------------------------------------

def test_one_pole_matches_scipy_lfilter_and_the_reference():
    import scipy.signal

    from featgraph.native import reference

    rng = np.random.default_rng(11)
    u = rng.standard_normal((2, 300, 21))                   # (channels, frames, bands)
    got = native.one_pole(u, 0.94)
    want = scipy.signal.lfilter([1.0], [1.0, -0.94], u, axis=-2)   # independent IIR
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, reference.one_pole(u, 0.94), rtol=1e-13, atol=1e-13)
    view = np.swapaxes(rng.standard_normal((21, 50)), 0, 1)          # non-contiguous
    np.testing.assert_allclose(native.one_pole(view, -0.5),
                               scipy.signal.lfilter([1.0], [1.0, 0.5], view, axis=0), atol=1e-12)


@pytest.mark.parametrize("pole", [1.0, -1.0, 2.0, float("nan")])
def test_one_pole_rejects_unstable_poles(pole):
    with pytest.raises(ValueError, match="pole"):
        native.one_pole(np.ones((3, 2)), pole)


def test_one_pole_edge_cases():
    with pytest.raises(ValueError, match="NaN or infinity"):
        native.one_pole(np.array([[1.0], [np.inf]]), 0.5)
    with pytest.raises(ValueError, match="frames, bands"):
        native.one_pole(np.ones(3), 0.5)
    assert native.one_pole(np.ones((0, 4)), 0.5).shape == (0, 4)
    np.testing.assert_array_equal(native.one_pole(np.ones((1, 3)), 0.9), 1.0)


def _chunk_sizes(rng, total):
    """Random chunk sizes summing to ``total``, with 0 and 1 among them."""
    sizes = [0, 1]
    while sum(sizes) < total:
        sizes.append(int(rng.integers(0, 9)))
    sizes[-1] -= sum(sizes) - total
    rng.shuffle(sizes)
    return sizes


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_pole_with_state_matches_lfilter_and_reference(backend, dtype):
    import scipy.signal

    rng = np.random.default_rng(12)
    u = rng.standard_normal((2, 3, 40, 5)).astype(dtype)
    y_prev = rng.standard_normal((2, 3, 5))
    state = y_prev.copy()
    got = native.one_pole(u, 0.9, state)
    assert got.dtype == dtype and got.shape == u.shape
    # Independent IIR: lfilter's zi for y[t] = u[t] + p y[t-1] is p * y[-1].
    want, zf = scipy.signal.lfilter([1.0], [1.0, -0.9], u.astype(np.float64), axis=-2,
                                    zi=0.9 * y_prev[..., None, :])
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    np.testing.assert_allclose(state, want[..., -1, :], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(0.9 * state, zf[..., 0, :], rtol=1e-12, atol=1e-12)
    # C and the numpy reference: the same operations, the same bits.
    ref_state = y_prev.copy()
    np.testing.assert_array_equal(got, reference.one_pole(u, 0.9, ref_state))
    np.testing.assert_array_equal(state, ref_state)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_one_pole_chunked_with_carried_state_equals_one_call(backend, dtype, seed):
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((2, 37, 6)).astype(dtype)
    start = rng.standard_normal((2, 6))
    whole_state = start.copy()
    whole = native.one_pole(u, 0.94, whole_state)
    state = start.copy()
    pieces, at = [], 0
    for size in _chunk_sizes(rng, u.shape[-2]):
        pieces.append(native.one_pole(u[..., at:at + size, :], 0.94, state))
        at += size
    np.testing.assert_array_equal(np.concatenate(pieces, axis=-2), whole)
    np.testing.assert_array_equal(state, whole_state)
    # A zero state is the same as none.
    np.testing.assert_array_equal(native.one_pole(u, 0.94, np.zeros((2, 6))),
                                  native.one_pole(u, 0.94))


def test_one_pole_state_edge_cases(backend):
    state = np.array([2.0, -1.0])
    y = native.one_pole(np.empty((0, 2)), 0.5, state)          # no frames: state kept
    assert y.shape == (0, 2)
    np.testing.assert_array_equal(state, [2.0, -1.0])
    y = native.one_pole(np.array([[1.0, 1.0]]), 0.5, state)    # one frame
    np.testing.assert_array_equal(y, [[2.0, 0.5]])
    np.testing.assert_array_equal(state, [2.0, 0.5])
    u = np.ones((3, 2), dtype=np.float32)
    assert native.one_pole(u, 0.25, np.zeros(2)).dtype == np.float32
    assert native.one_pole(np.ones((3, 2), dtype=np.int16), 0.25).dtype == np.float64


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros(3), ValueError, r"shape \(2,\)"),
    (np.zeros((1, 2)), ValueError, "shape"),
    (np.zeros(2, dtype=np.float32), TypeError, "float64"),
    ([0.0, 0.0], TypeError, "float64 numpy array"),
    (np.zeros(4)[::2], ValueError, "C-contiguous"),
    (np.array([0.0, np.nan]), ValueError, "state contains NaN or infinity"),
])
def test_one_pole_rejects_bad_state(backend, bad, error, match):
    u = np.ones((3, 2))
    if isinstance(bad, np.ndarray):
        before = bad.copy()
    with pytest.raises(error, match=match):
        native.one_pole(u, 0.5, bad)
    if isinstance(bad, np.ndarray):
        np.testing.assert_array_equal(bad, before)
    readonly = np.zeros(2)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        native.one_pole(u, 0.5, readonly)


@needs_c
def test_one_pole_c_interface():
    ffi, lib = native._ffi, native._lib
    u = np.arange(6.0).reshape(1, 3, 2)
    y = np.full((1, 3, 2), -7.0)
    state = np.array([1.0, np.inf])
    up, yp, sp = (ffi.from_buffer("double[]", x) for x in (u, y, state))
    assert lib.fg_one_pole_f64(up, 1, 3, 2, 0.5, sp, yp) == lib.FG_ENONFINITE
    assert np.all(y == -7.0) and state[0] == 1.0           # nothing written
    assert lib.fg_one_pole_f64(up, 1, 3, 2, 1.0, ffi.NULL, yp) == lib.FG_EINVAL
    assert lib.fg_one_pole_f64(ffi.NULL, 1, 3, 2, 0.5, ffi.NULL, yp) == lib.FG_EINVAL
    assert lib.fg_one_pole_f64(ffi.NULL, 1, 0, 2, 0.5, ffi.NULL, ffi.NULL) == lib.FG_OK
    assert lib.fg_one_pole_f64(up, 2**40, 2**40, 2**40, 0.5, ffi.NULL, yp) == lib.FG_EINVAL
    state[1] = 0.0
    assert lib.fg_one_pole_f64(up, 1, 3, 2, 0.5, sp, yp) == lib.FG_OK
    np.testing.assert_array_equal(y[0, :, 0], [0.5, 2.25, 5.125])   # 0 + .5, 2 + .25, ...
    np.testing.assert_array_equal(state, y[0, -1])
    # In place (y is u), float32 with a double state.
    u32 = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    s32 = np.zeros(2)
    u32p = ffi.from_buffer("float[]", u32)
    assert lib.fg_one_pole_f32(u32p, 1, 3, 2, 0.5, ffi.from_buffer("double[]", s32),
                               u32p) == lib.FG_OK
    np.testing.assert_array_equal(u32[:, 0], [0.0, 2.0, 5.0])
    assert s32[0] == 5.0

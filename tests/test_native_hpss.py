"""The HPSS mask kernel: C against the numpy reference bit for bit (soft and hard masks,
margins, powers, float32 and float64, in place), against librosa.util.softmask's closed
form, and its edges (all-zero bins, mismatched shapes, bad parameters)."""
import numpy as np
import pytest

from featgraph.native import median as kernels
from featgraph.native import reference_mir as reference
from test_native import backend, needs_c  # noqa: F401  (the C / numpy backend fixture)


def medians(dtype, shape=(37, 50), seed=0):
    """A spectrogram and two 'medians' with exact zeros and exact ties mixed in."""
    rng = np.random.default_rng(seed)
    s, h, p = (np.abs(rng.standard_normal(shape)).astype(dtype) for _ in range(3))
    h.flat[::7] = 0.0
    p.flat[::7] = 0.0            # both zero: the split (1/2) or zero mask
    p.flat[3::11] = h.flat[3::11]    # ties
    h.flat[5::13] = 1e-39 if dtype == np.float64 else 0.0
    return s, h, p


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("power", [2.0, 1.0, 0.5, 1.5, 3.0])
@pytest.mark.parametrize("margins", [(1.0, 1.0), (2.0, 1.0), (1.0, 3.5)])
def test_c_matches_reference_bit_for_bit(dtype, power, margins):
    """Bit for bit, but for powers that need ``pow``: the kernel calls libm's, numpy's
    ``**`` is its own SIMD power on AVX-512 machines (1 ulp from libm on about 5 % of
    values, measured on a Xeon with AVX512_SPR; equal to libm's on AVX2 machines), so there
    the masks agree within 4 ulp (3 seen in float32, 2 in float64)."""
    s, h, p = medians(dtype)
    for spec in (s, None):
        for hard in (False, True):
            got = kernels.hpss_masks(spec, h, p, power, *margins, hard)
            want = reference.hpss_masks(spec, h, p, power, *margins, hard)
            for g, w in zip(got, want):
                assert g.dtype == w.dtype == dtype
                if hard or power in (2.0, 1.0, 0.5):
                    np.testing.assert_array_equal(g, w, err_msg=f"{spec is None} {hard}")
                else:
                    np.testing.assert_array_max_ulp(g, w, maxulp=4)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_over_the_medians(dtype):
    s, h, p = medians(dtype, (3, 40, 21), seed=1)
    want = reference.hpss_masks(s, h, p, 2.0, 1.0, 1.0, False)
    got = kernels.hpss_masks(s, h, p, overwrite=True)
    assert got[0] is h and got[1] is p
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    h2 = np.asfortranarray(medians(dtype, seed=2)[1])      # not C-contiguous: a new array
    out = kernels.hpss_masks(None, h2, h2 + 1, overwrite=True)
    assert out[0] is not h2 and out[0].flags.c_contiguous


def test_closed_form_soft_and_hard_masks(backend):
    """librosa.util.softmask: X^p / (X^p + (m R)^p); 1/2 where both are zero (unit
    margins), 0 with a margin; hard masks H > m P."""
    h, p = np.array([3.0, 0.0, 1.0, 2.0]), np.array([1.0, 0.0, 1.0, 4.0])
    m_h, m_p = kernels.hpss_masks(None, h, p)
    np.testing.assert_allclose(m_h, [0.9, 0.5, 0.5, 0.2], rtol=1e-15)
    np.testing.assert_allclose(m_h + m_p, 1.0, rtol=1e-15)
    m_h, m_p = kernels.hpss_masks(None, h, p, power=1.0, margin_h=2.0)
    np.testing.assert_allclose(m_h, [0.6, 0.0, 1 / 3, 0.2], rtol=1e-15)
    np.testing.assert_allclose(m_p, [0.25, 0.0, 0.5, 2 / 3], rtol=1e-15)
    m_h, m_p = kernels.hpss_masks(None, h, p, hard=True, margin_h=2.0)
    assert m_h.tolist() == [1.0, 0.0, 0.0, 0.0] and m_p.tolist() == [0.0, 0.0, 0.0, 1.0]
    parts = kernels.hpss_masks(np.array([10.0, 7.0, 2.0, 5.0]), h, p)
    np.testing.assert_allclose(parts[0], [9.0, 3.5, 1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(parts[0] + parts[1], [10.0, 7.0, 2.0, 5.0], rtol=1e-15)


def test_empty_and_errors(backend):
    out = kernels.hpss_masks(np.zeros((0, 5)), np.zeros((0, 5)), np.zeros((0, 5)))
    assert out[0].shape == out[1].shape == (0, 5)
    with pytest.raises(ValueError, match="shape"):
        kernels.hpss_masks(None, np.ones(4), np.ones(5))
    with pytest.raises(ValueError, match="shape"):
        kernels.hpss_masks(np.ones(3), np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="power"):
        kernels.hpss_masks(None, np.ones(4), np.ones(4), power=0.0)
    with pytest.raises(ValueError, match="margin"):
        kernels.hpss_masks(None, np.ones(4), np.ones(4), margin_p=0.5)
    with pytest.raises(ValueError, match="margin"):
        kernels.hpss_masks(None, np.ones(4), np.ones(4), margin_h=np.inf)

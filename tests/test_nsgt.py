"""NSGT: exact reconstruction (Balazs et al. 2011, painless case), the CQT's centre
frequencies on the octave scale (Velasco et al. 2011), tones, finite on hard inputs."""
import numpy as np
import pytest

from conftest import EDGE_SIGNALS, edge_signal
from featgraph.nodes.nsgt import INSGT, NSGT, max_hop
from streamcheck import signal

SR = 22050
FMIN = 32.703195662574764


@pytest.mark.parametrize("params", [
    {}, {"scale": "mel", "n_bins": 40, "fmin": 40.0}, {"scale": "bark", "n_bins": 24},
    {"scale": "erb", "n_bins": 48, "fmin": 50.0, "fmax": 8000.0},
    {"scale": "log", "bins_per_octave": 24, "fmin": 100.0, "n_bins": 100},
    {"hop": 4}, {"scale": "linspace", "n_bins": 30},
])
def test_inverse_reconstructs_to_1e_9(params):
    """Painless frames (Balazs et al. 2011, thm 1): the canonical dual windows
    g_k / sum_l g_l^2 reconstruct exactly; here to 1e-9 of a unit-variance signal."""
    y = np.random.default_rng(3).standard_normal((2, 12345))
    c = NSGT(**params)(signal(y, SR))
    back = INSGT(**params)(c).data
    assert back.shape[-1] >= 12345 and back.shape[-1] % c.hop == 0
    assert np.max(np.abs(back[..., :12345] - y)) <= 1e-9
    assert np.all(np.abs(back[..., 12345:]) <= 1e-9)                # the padding stays zero


def test_octave_centres_are_the_cqt_centres():
    """Velasco et al. 2011: on the octave scale the NSGT is a CQT; the centres are the
    CQT's fmin 2^(k / bins_per_octave) (librosa.cqt_frequencies), with DC and Nyquist."""
    c = NSGT(n_bins=84, bins_per_octave=12)(signal(np.zeros(4000), SR))
    np.testing.assert_allclose(c.axis[1:-1], FMIN * 2.0 ** (np.arange(84) / 12), rtol=1e-12)
    assert c.axis[0] == 0.0 and c.axis[-1] == SR / 2
    c = NSGT(bins_per_octave=36, fmin=55.0)(signal(np.zeros(4000), SR))
    k = np.arange(len(c.axis) - 2)
    np.testing.assert_allclose(c.axis[1:-1], 55.0 * 2.0 ** (k / 36), rtol=1e-12)
    assert c.axis[-2] < SR / 2


def test_a_tone_at_a_centre_has_its_amplitude_there():
    k = 50
    f = FMIN * 2 ** (k / 12)
    y = 0.6 * np.cos(2 * np.pi * f * np.arange(SR) / SR)
    c = NSGT()(signal(y, SR))
    mod = np.abs(c.data[:, 200:-200]).mean(axis=1)
    assert mod.argmax() == k + 1                                        # row 0 is DC
    np.testing.assert_allclose(mod[k + 1], 0.6, rtol=1e-3)


def test_a_hop_too_large_for_a_painless_frame_is_a_clear_error():
    hop = max_hop(FMIN * 2 ** (np.arange(10) / 12), SR)
    assert hop >= 1
    with pytest.raises(ValueError, match="too large for a painless frame"):
        NSGT(hop=1 << 14)(signal(np.zeros(20000), SR))


@pytest.mark.parametrize("case", EDGE_SIGNALS)
def test_finite_on_hard_inputs(case):
    c = NSGT()(signal(edge_signal(case), 16000))
    assert np.isfinite(c.data).all() and np.isfinite(INSGT()(c).data).all()

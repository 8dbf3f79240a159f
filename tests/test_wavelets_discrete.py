"""DWT, SWT and wavelet packets against PyWavelets (a test dependency: the `test` extra),
their inverses, the sub-band features, and the recipes' ports."""
import numpy as np
import pytest
import pywt

import featgraph
from conftest import EDGE_SIGNALS, edge_signal
from featgraph.nodes.wavelets import DWT, IDWT, ISWT, IWPT, SWT, WPT, SubbandEnergy
from streamcheck import signal

SR = 16000
CASES = [("db4", "symmetric"), ("sym5", "periodization"), ("coif3", "zero"),
         ("bior3.5", "reflect"), ("haar", "smooth"), ("db2", "antisymmetric"),
         ("rbio2.2", "periodic")]


def noise(n=3001, channels=None, seed=0):
    shape = (n,) if channels is None else (channels, n)
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("wavelet, mode", CASES)
def test_dwt_equals_wavedec_and_idwt_chain_equals_waverec(wavelet, mode):
    y = noise(2 * 3001, channels=2).reshape(2, -1)
    got = DWT(wavelet=wavelet, mode=mode, level=4)(signal(y, SR))
    want = pywt.wavedec(y, wavelet, mode=mode, level=4, axis=-1)
    assert list(got) == ["a4", "d4", "d3", "d2", "d1"]
    for port, ref in zip(got, want):
        assert np.max(np.abs(got[port].data - ref)) <= 1e-9
    assert got["d1"].sr == SR / 2 and got["a4"].sr == SR / 16
    inverse = IDWT(wavelet=wavelet, mode=mode)
    a = got["a4"]
    for j in (4, 3, 2, 1):
        a = inverse(a, got[f"d{j}"])
    assert a.sr == SR
    assert np.max(np.abs(a.data[..., :y.shape[-1]] - y)) <= 1e-9     # perfect reconstruction
    np.testing.assert_allclose(a.data, pywt.waverec(want, wavelet, mode=mode, axis=-1),
                               atol=1e-9)


@pytest.mark.parametrize("wavelet", ["db4", "sym3", "coif2", "bior2.4"])
def test_swt_equals_pywt_and_iswt_reconstructs(wavelet):
    y = noise(2048)
    got = SWT(wavelet=wavelet, level=4)(signal(y, SR))
    want = pywt.swt(y, wavelet, level=4, trim_approx=True)
    assert list(got) == ["a4", "d4", "d3", "d2", "d1", "stack"]
    for port, ref in zip(["a4", "d4", "d3", "d2", "d1"], want):
        assert np.max(np.abs(got[port].data - ref)) <= 1e-9
    assert got["stack"].data.shape == (5, 2048)
    back = ISWT(wavelet=wavelet)(got["stack"]).data
    assert np.max(np.abs(back - y)) <= 1e-9


def test_swt_pads_a_length_that_is_not_a_multiple_of_two_to_the_level():
    y = noise(1000)
    got = SWT(wavelet="db2", level=3)(signal(y, SR))
    assert got["d1"].data.shape == (1000,)
    y = noise(1001)
    got = SWT(wavelet="db2", level=3)(signal(y, SR))
    padded = np.concatenate([y, np.zeros(7)])
    np.testing.assert_allclose(got["d1"].data, pywt.swt(padded, "db2", level=3)[-1][1],
                               atol=1e-12)


@pytest.mark.parametrize("wavelet, mode", CASES[:5])
def test_wpt_equals_wavelet_packet_in_frequency_order(wavelet, mode):
    y = noise(1500)
    got = WPT(wavelet=wavelet, mode=mode, level=3)(signal(y, SR))
    packet = pywt.WaveletPacket(y, wavelet, mode=mode, maxlevel=3)
    want = np.stack([node.data for node in packet.get_level(3, "freq")])
    assert got.data.shape == want.shape and got.hop == 8
    assert np.max(np.abs(got.data - want)) <= 1e-9
    np.testing.assert_allclose(got.axis, (np.arange(8) + 0.5) * SR / 16)
    back = IWPT(wavelet=wavelet, mode=mode, length=len(y))(got).data
    assert back.shape == y.shape and np.max(np.abs(back - y)) <= 1e-9
    if mode != "periodization":                 # without the length: the signal, then extra
        back = IWPT(wavelet=wavelet, mode=mode)(got).data
        assert np.max(np.abs(back[:len(y)] - y)) <= 1e-9


def test_wpt_rows_are_in_frequency_order_on_tones():
    """A tone at the centre of band k (of 8 equal bands up to Nyquist) lands mostly in row k."""
    t = np.arange(8192) / SR
    for k in range(8):
        y = np.sin(2 * np.pi * (k + 0.5) * SR / 16 * t)
        rows = WPT(wavelet="dmey", mode="periodization", level=3)(signal(y, SR)).data
        energy = (rows ** 2).sum(axis=-1)
        assert energy.argmax() == k and energy[k] > 0.8 * energy.sum()


def test_subband_energy_and_entropy_closed_forms():
    rows = np.array([[3.0, 4.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    x = signal(np.zeros(4), SR).derive(rows, featgraph.Kind.FEATURE, hop=4)
    got = SubbandEnergy()(x)
    np.testing.assert_allclose(got["energy"].data[:, 0], [25.0, 4.0, 0.0])
    h = -(0.36 * np.log(0.36) + 0.64 * np.log(0.64))
    np.testing.assert_allclose(got["entropy"].data[:, 0], [h, np.log(4.0), 0.0])
    rel = SubbandEnergy(relative=True)(x)["energy"].data[:, 0]
    np.testing.assert_allclose(rel, [25 / 29, 4 / 29, 0.0])


@pytest.mark.parametrize("case", EDGE_SIGNALS)
def test_finite_on_hard_inputs(case):
    x = signal(edge_signal(case), SR)
    for op in (DWT(), SWT(), WPT()):
        out = op(x)
        for f in (out.values() if isinstance(out, dict) else [out]):
            assert np.isfinite(f.data).all()
        assert all(np.isfinite(v.data).all() for v in SubbandEnergy()(
            out["stack"] if isinstance(out, dict) and "stack" in out else
            (out["d1"] if isinstance(out, dict) else out)).values())


def test_unknown_wavelet_is_a_validation_error():
    with pytest.raises(ValueError, match="not a discrete PyWavelets wavelet"):
        DWT(wavelet="morl")


def test_recipe_ports_follow_the_level():
    y = noise(4000)
    result = featgraph.load("dwt").run(y, sr=SR, level=3, wavelet="sym4", mode="zero")
    want = pywt.wavedec(y, "sym4", mode="zero", level=3)
    for name, ref in zip(["a3", "d3", "d2", "d1"], want):
        np.testing.assert_allclose(result[name], ref, atol=1e-9)
    assert set(result) == {"a3", "d3", "d2", "d1"}


def test_ports_of_another_level_are_recipe_errors(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: r\nnodes:\n  audio: {op: load}\n"
                    "  coeffs: {op: dwt, input: audio, level: 3}\n"
                    "  e: {op: subband_energy, input: 'coeffs:d5'}\n"
                    "outputs: [e, 'coeffs:*']\n")
    with pytest.raises(featgraph.RecipeError, match="no port 'd5'.*a3, d3, d2, d1"):
        featgraph.load(path).compile()
    path.write_text(path.read_text().replace("coeffs:d5", "coeffs:d2"))
    result = featgraph.load(path).run(noise(512), sr=SR)
    assert set(result) == {"e", "a3", "d3", "d2", "d1"}

"""CWT, WSST and PWT: closed forms (tones, chirps), the blockwise computation against one
full-length FFT, bounded memory, finite on hard inputs."""
import numpy as np
import pytest

from conftest import EDGE_SIGNALS, edge_signal
from featgraph.nodes.cwt import CWT, PWT, WAVELETS, WSST, wavelet_shape
from featgraph.nodes._tf import centre_frequencies
from streamcheck import signal

SR = 22050
FMIN = 32.703195662574764


def tone(f, seconds=2.0, amp=1.0):
    t = np.arange(int(seconds * SR)) / SR
    return amp * np.cos(2 * np.pi * f * t)


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_tone_peaks_at_its_scale_with_equal_amplitude_across_octaves(wavelet):
    """Closed form (module docs of featgraph.nodes.cwt; Torrence & Compo 1998, sec. 3): with
    each wavelet's Fourier transform normalised to peak 2 at its centre frequency, a cosine
    of amplitude A at a centre frequency has |W| = A there, in every octave; a tone off the
    grid peaks at the nearest centre (within half a bin)."""
    op = CWT(wavelet=wavelet, hop=128)
    amps = []
    for k in (12, 36, 60, 72):
        f0 = FMIN * 2 ** (k / 12)
        mod = np.abs(op(signal(tone(f0, amp=0.7), SR)).data[:, 60:-60]).mean(axis=1)
        assert mod.argmax() == k
        amps.append(mod[k])
        off = FMIN * 2 ** ((k + 0.4) / 12)            # 0.4 bin above: nearest is still k
        mod = np.abs(op(signal(tone(off), SR)).data[:, 60:-60]).mean(axis=1)
        assert mod.argmax() == k
    np.testing.assert_allclose(amps, 0.7, rtol=0.01)


@pytest.mark.parametrize("wavelet", ["morlet", "morse", "paul", "mexican_hat"])
def test_blocks_equal_one_full_length_fft(wavelet):
    """The blockwise, decimated transform equals the linear convolution computed with one
    zero-padded FFT of the whole signal (the definition, sampled every hop)."""
    y = np.random.default_rng(1).standard_normal(150000)
    op = CWT(wavelet=wavelet, hop=100, n_bins=20, fmin=60.0, bins_per_octave=4)
    got = op(signal(y, SR)).data
    fc = centre_frequencies("log", 20, 60.0, None, SR, 4)
    n = 1 << 18                                          # > len(y) + both supports
    f = np.arange(n // 2 + 1) * SR / n
    spec = np.fft.rfft(y, n)
    g = wavelet_shape(wavelet)
    want = np.empty_like(got)
    for k, c in enumerate(fc):
        full = np.fft.ifft(np.concatenate([spec * 2 * g(f / c), np.zeros(n - len(f))]))
        want[k] = full[np.arange(got.shape[1]) * 100]
    assert np.max(np.abs(got - want)) <= 1e-6 * np.max(np.abs(want))


@pytest.mark.parametrize("wavelet", ["morlet", "morse", "paul", "meyer"])
def test_full_rate_equals_one_full_length_fft(wavelet):
    """At hop 1 (the phase-interleaved inverse FFTs of featgraph.nodes._tf._full_rate) the
    transform is the linear convolution computed with one zero-padded FFT of the whole
    signal, every sample, within 1e-8 of the peak (the block is twice the filters' half
    support longer than the signal); on two channels, each its own."""
    y = np.random.default_rng(2).standard_normal((2, 60000))
    y[1] = np.cos(2 * np.pi * 500.0 * np.arange(60000) / SR)
    op = CWT(wavelet=wavelet, hop=1, n_bins=20, fmin=60.0, bins_per_octave=4)
    got = op(signal(y, SR)).data
    assert got.shape == (2, 20, 60001)
    fc = centre_frequencies("log", 20, 60.0, None, SR, 4)
    n = 1 << 17                                          # > len(y) + both supports
    f = np.arange(n // 2 + 1) * SR / n
    g = wavelet_shape(wavelet)
    for ch in range(2):
        spec = np.fft.rfft(y[ch], n)
        want = np.stack([np.fft.ifft(np.concatenate([spec * 2 * g(f / c),
                                                     np.zeros(n - len(f))]))[:60001]
                         for c in fc])
        assert np.max(np.abs(got[ch] - want)) <= 1e-8 * np.max(np.abs(want))


def test_wsst_full_rate_sampled_equals_decimated():
    """The WSST at hop 1 (derivative responses through the full-rate path) sampled every
    128 samples equals the WSST computed at hop 128 (the blockwise, folded path): both are
    the squeezed definition at those samples."""
    y = np.cos(2 * np.pi * (200.0 + 300.0 * np.arange(44100) / SR) * np.arange(44100) / SR)
    op = dict(bins_per_octave=24, n_bins=120, fmin=60.0)
    full = WSST(hop=1, **op)(signal(y, SR)).data[:, ::128]
    dec = WSST(hop=128, **op)(signal(y, SR)).data
    assert full.shape == dec.shape
    assert np.max(np.abs(full - dec)) <= 1e-5 * np.max(np.abs(dec))


def test_axis_layouts_and_complex_output():
    w = CWT(hop=256, n_bins=24, bins_per_octave=6)(signal(tone(440.0), SR))
    np.testing.assert_allclose(w.axis, FMIN * 2 ** (np.arange(24) / 6))
    assert np.iscomplexobj(w.data) and w.data.shape == (24, 1 + 2 * SR // 256) and w.hop == 256
    mel = CWT(scale="mel", n_bins=40, fmin=100.0, fmax=8000.0)(signal(tone(440.0), SR))
    assert np.all(np.diff(mel.axis) > 0) and 100 < mel.axis[0] and mel.axis[-1] < 8000
    w32 = CWT(hop=256)(signal(tone(440.0).astype(np.float32), SR))
    assert w32.data.dtype == np.complex64


def test_too_high_an_axis_is_a_clear_error():
    with pytest.raises(ValueError, match="not below Nyquist"):
        CWT(n_bins=200)(signal(tone(440.0, 0.1), SR))


def renyi(power, alpha=3.0):
    p = power / power.sum()
    return np.log2(np.sum(p ** alpha)) / (1 - alpha)


def test_wsst_follows_a_linear_chirp_and_concentrates_energy():
    """Daubechies, Lu & Wu 2011, thm 3.3: for a chirp the squeezed transform concentrates
    on the instantaneous frequency f(t) = f0 + (f1 - f0) t / T (here within one bin), so its
    Rényi entropy (order 3) is lower than the CWT's; margin asserted: 1 bit."""
    seconds, f0, f1 = 3.0, 200.0, 1600.0
    t = np.arange(int(seconds * SR)) / SR
    y = np.cos(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * seconds)))
    op = WSST(hop=128, bins_per_octave=24, n_bins=168, wavelet="morlet", w0=12.0)
    sq = op(signal(y, SR))
    w = CWT(**op.model_dump(exclude={"op", "thresh"}))(signal(y, SR))
    frames = np.arange(40, sq.data.shape[1] - 40)
    inst = f0 + (f1 - f0) * frames * 128 / SR / seconds
    want = 24 * np.log2(inst / FMIN)
    got = np.abs(sq.data[:, frames]).argmax(axis=0)
    assert np.max(np.abs(got - want)) <= 1.0
    assert renyi(np.abs(sq.data[:, frames]) ** 2) < renyi(np.abs(w.data[:, frames]) ** 2) - 1.0


def test_wsst_separates_two_tones():
    y = tone(330.0) + 0.5 * tone(1320.0)
    op = WSST(hop=128, bins_per_octave=24, n_bins=168, w0=12.0)
    sq = np.abs(op(signal(y, SR)).data[:, 40:-40])
    w = np.abs(CWT(**op.model_dump(exclude={"op", "thresh"}))(signal(y, SR)).data[:, 40:-40])
    for f in (330.0, 1320.0):
        k = 24 * np.log2(f / FMIN)
        near = sq[int(np.floor(k)) - 1:int(np.ceil(k)) + 2]
        assert np.all(near.max(axis=0) >= 0.9 * sq[int(round(k)) - 6:int(round(k)) + 7].max(axis=0))
    assert renyi(sq ** 2) < renyi(w ** 2) - 1.0


def test_pwt_tone_amplitude_at_its_band():
    """A cosine of amplitude A at a band centre: |PWT| = A there (peak-1 filter shape, doubled
    on positive frequencies)."""
    f0 = FMIN * 2 ** (48 / 12)
    for style, rtol in (("hann", 1e-4), ("gauss", 1e-4), ("triangular", 1e-2)):
        # one circular FFT (as audioFlux): the tone's jump where the ends meet leaks into
        # the middle through the impulse response's tail (1/t^2 for the triangle's kinks)
        out = PWT(hop=128, style=style)(signal(tone(f0, amp=0.3), SR)).data
        got = np.abs(out[:, 60:-60]).mean(axis=1)
        assert got.argmax() == 48
        np.testing.assert_allclose(got[48], 0.3, rtol=rtol)


@pytest.mark.parametrize("case", EDGE_SIGNALS)
@pytest.mark.parametrize("op", [CWT(), WSST(), PWT(), CWT(wavelet="bump"),
                                CWT(wavelet="meyer", scale="erb", n_bins=32, fmin=50.0)])
def test_finite_on_hard_inputs(case, op):
    out = op(signal(edge_signal(case), 16000)).data
    assert out.size and np.isfinite(out).all()


def test_memory_is_the_output_plus_one_block():
    """The issue's bound (600 s at 22.05 kHz, 84 scales, hop 512 under 200 MB) measured in
    benchmarks/bench_wavelets.py; here: 30 s, whose whole-length complex spectra per scale
    would take 0.9 GB, stay within the output plus 40 MB."""
    import tracemalloc
    y = np.random.default_rng(4).standard_normal(30 * SR)
    op = CWT(hop=512)
    op(signal(y[:SR], SR))                               # the responses are cached
    tracemalloc.start()
    out = op(signal(y, SR)).data
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < out.nbytes + (40 << 20)

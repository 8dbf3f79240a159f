"""eGeMAPSv02's HNRdBACF lag (acf_hnr) against openSMILE 2.6 with F0 chosen at will, on noisy
high-F0 glides, and closed forms.

References: tests/data/egemaps_hnr_refs.npz, made by make_egemaps_hnr_refs.py (cHarmonics
fed F0 tracks through an HTK file; openSMILE's own eGeMAPSv02.conf on the glides).  The rule
they pin down: the strict local maximum of ``|r|`` nearest to ``floor(sr / F0)``, the
smaller lag on ties, its magnitude in ``10 log10(|r| / (r(0) - |r|))``.
"""
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import featgraph
from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.egemaps_pitch import AcfHnr

DATA = Path(__file__).parent / "data"
SPECTRUM = """
name: g60
nodes:
  audio:    {op: load}
  frames:   {op: frame, input: audio, length: 60ms, hop: 10ms}
  windowed: {op: smile_window, input: frames}
  spectrum: {op: rfft, input: windowed, n_fft: pow2}
  fftmag:   {op: power, input: spectrum, exponent: 1.0}
outputs:
  fftmag: fftmag
"""


@pytest.fixture(scope="module")
def refs():
    return np.load(DATA / "egemaps_hnr_refs.npz")


@pytest.fixture(scope="module")
def g60():
    recipe = featgraph.Recipe.from_yaml(SPECTRUM, file="g60.yaml")

    def run(y, sr):
        out = recipe.run(np.asarray(y, dtype=np.float64) * (32768 / 32767), sr=sr)["fftmag"]
        return Feature(out, Kind.POWER, float(sr), hop=sr // 100, n_fft=2 * (len(out) - 1))
    return run


def hnr(mag, f0):
    f = Feature(np.asarray(f0, dtype=np.float32)[None, :], Kind.FEATURE, mag.sr, hop=mag.hop)
    return AcfHnr()(mag, f).data[0].astype(np.float64)


def test_f0_sweep_equals_opensmile(refs, g60):
    """Every (frame, F0) pair of the sweep (150 F0 values from sr/F0 = 14 to 196 lags, 25
    frames of speech_en_gb_16k) within 1e-3 dB; the lag taken has a negative r on some
    (openSMILE uses |r|) and lies on either side of the start lag."""
    y, sr = sf.read(DATA / "speech_en_gb_16k.wav", dtype="float32")
    mag = g60(y, sr)
    frames = refs["sweep/frames"]
    sub = Feature(mag.data[:, frames], Kind.POWER, mag.sr, hop=mag.hop, n_fft=mag.n_fft)
    want = refs["sweep/hnr"]
    got = np.array([hnr(sub, np.full(len(frames), f)) for f in refs["sweep/f0"]])
    assert want.shape == got.shape == (len(refs["sweep/f0"]), len(frames))
    assert np.abs(got - want).max() < 1e-3


@pytest.mark.parametrize("name", ["glide_hi", "glide_hi_8k"])
def test_noisy_high_glides_equal_opensmile(name, refs, g60):
    """openSMILE's own F0 (700-1000 Hz: 16-23 lags at 16 kHz, 8-11 at 8 kHz) and HNR (4-11
    dB): every frame within 1e-3 dB.  On these periodic frames the climb uphill from
    floor(sr / F0), the rule before, gives the same lags; the sweep and the closed forms
    separate the two."""
    x, sr = refs[f"{name}/x"], int(refs[f"{name}/sr"])
    f0, want = refs[f"{name}/f0"], refs[f"{name}/hnr"]
    got = hnr(g60(x.astype(np.float32) / 32768, sr), f0)
    assert (f0 > 0).mean() > 0.9
    assert np.abs(got - want).max() < 1e-3


def spectrum_of(r, n_fft=64):
    """The magnitude spectrum whose autocorrelation (IDFT of its square) is the symmetric
    sequence with lags ``r[0..]`` (the rest 0); needs a non-negative DFT."""
    full = np.zeros(n_fft)
    for lag, v in enumerate(r):
        full[lag] += v
        if lag:
            full[-lag] += v
    p = np.fft.rfft(full).real
    assert p.min() > -1e-12
    return np.sqrt(np.maximum(p, 0))


def test_closed_forms():
    """Autocorrelations built by hand (n_fft 64, sr 64 so that sr / F0 = lags) on a
    peakless background ``0.01 * 0.5**lag``: one peak at lag 5 of r = -0.3 (negative: its
    magnitude counts); two peaks at lags 4 and 8 equally far from the start lag 6 (the
    smaller wins), or nearer (the nearer wins, whatever the heights); from lag 20 the
    nearest is 5; a start lag below 1 gives 0."""
    background = 0.01 * 0.5 ** np.arange(32)
    cases = {"neg": {5: -0.3}, "two": {4: 0.2, 8: 0.3}}
    rs, mags = {}, {}
    for name, spikes in cases.items():
        r = background.copy()
        r[0] = 1.0
        r[list(spikes)] += list(spikes.values())
        rs[name], mags[name] = r, spectrum_of(r)
    mag = Feature(np.stack([mags["neg"]] * 4 + [mags["two"]] * 3, axis=1), Kind.POWER, 64.0,
                  hop=1, n_fft=64)
    f0 = 64.0 / np.array([5.5, 2.0, 20.0, 0.5, 6.5, 7.5, 5.0])
    got = hnr(mag, f0)

    def db(r, lag):
        return 10 * np.log10(abs(r[lag]) / (r[0] - abs(r[lag])))
    np.testing.assert_allclose(got[:3], db(rs["neg"], 5), atol=1e-5)
    assert got[3] == 0
    np.testing.assert_allclose(got[4:], [db(rs["two"], 4), db(rs["two"], 8), db(rs["two"], 4)],
                               atol=1e-5)

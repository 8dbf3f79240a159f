"""mfcc_htk and mfcc39 against the HTK Book's algorithms, written out literally here.

There is no HTK output to compare with (HTK's licence keeps it out of the shared
references), so this file re-implements chapter 5 of The HTK Book (HTK 3.4) step by
step, with HTK's own loops (per-frame pre-emphasis, Hamming window, the loChan /
loWt filterbank construction of HSigP, mel floor 1.0, the sqrt(2/N) DCT, the
sinusoidal lifter, raw energy and ENORMALISE), and checks the recipes against it.
"""
import math

import numpy as np
import pytest
import soundfile as sf

import featgraph
from conftest import SPEECH


def htk_book_mfcc(x, sr, numchans=26, numceps=12, lifter=22, k=0.97,
                  silfloor=50.0, escale=0.1, lopass=-1.0, hipass=-1.0):
    """``(cepstra c0..cN per frame, normalised log raw energy per frame)``, HTK's way."""
    n = int(math.floor(0.025 * sr + 0.5))
    hop = int(math.floor(0.010 * sr + 0.5))
    n_frames = (len(x) - n) // hop + 1
    fft_n = 2
    while fft_n < n:
        fft_n *= 2
    fres = sr / (fft_n * 700.0)

    def mel(kk):                                   # kk: 1-based FFT index
        return 1127.0 * math.log(1.0 + (kk - 1) * fres)

    klo, khi = 2, fft_n // 2
    mlo, mhi = 0.0, mel(fft_n // 2 + 1)
    if lopass >= 0:                                # LOFREQ
        mlo = 1127.0 * math.log(1.0 + lopass / 700.0)
        klo = max(2, int(lopass * fft_n / sr + 2.5))
    if hipass >= 0:                                # HIFREQ
        mhi = 1127.0 * math.log(1.0 + hipass / 700.0)
        khi = min(fft_n // 2, int(hipass * fft_n / sr + 0.5))
    max_chan = numchans + 1
    cf = [0.0] + [c / max_chan * (mhi - mlo) + mlo for c in range(1, max_chan + 1)]
    lo_chan, lo_wt = [0] * (fft_n // 2 + 1), [0.0] * (fft_n // 2 + 1)
    chan = 1
    for kk in range(1, fft_n // 2 + 1):
        melk = mel(kk)
        if kk < klo or kk > khi:
            lo_chan[kk] = -1
        else:
            while chan <= max_chan and cf[chan] < melk:
                chan += 1
            lo_chan[kk] = chan - 1
    for kk in range(1, fft_n // 2 + 1):
        ch = lo_chan[kk]
        if kk < klo or kk > khi:
            lo_wt[kk] = 0.0
        elif ch > 0:
            lo_wt[kk] = (cf[ch + 1] - mel(kk)) / (cf[ch + 1] - cf[ch])
        else:
            lo_wt[kk] = (cf[1] - mel(kk)) / (cf[1] - mlo)
    ceps, energy = [], []
    for t in range(n_frames):
        s = [float(v) for v in x[t * hop:t * hop + n]]
        e = sum(v * v for v in s)
        energy.append(math.log(e) if e > 2.45e-308 else -1e10)
        for i in range(n - 1, 0, -1):
            s[i] -= k * s[i - 1]
        s[0] *= 1.0 - k
        s = [v * (0.54 - 0.46 * math.cos(2 * math.pi * i / (n - 1))) for i, v in enumerate(s)]
        spec = np.fft.fft(np.array(s + [0.0] * (fft_n - n)))
        fbank = [0.0] * (numchans + 2)
        for kk in range(klo, khi + 1):
            ek = abs(spec[kk - 1])
            b = lo_chan[kk]
            t1 = lo_wt[kk] * ek
            if b > 0:
                fbank[b] += t1
            if b < numchans:
                fbank[b + 1] += ek - t1
        fb = [math.log(max(fbank[j], 1.0)) for j in range(1, numchans + 1)]
        c = [math.sqrt(2.0 / numchans) * sum(fb[j - 1] * math.cos(math.pi * i / numchans * (j - 0.5))
                                              for j in range(1, numchans + 1))
             for i in range(numceps + 1)]
        c = [c[0]] + [c[i] * (1 + lifter / 2 * math.sin(math.pi * i / lifter))
                      for i in range(1, numceps + 1)]
        ceps.append(c)
    e = np.array(energy)
    e_min = e.max() - silfloor * math.log(10) / 10
    e = 1.0 - (e.max() - np.maximum(e, e_min)) * escale
    return np.array(ceps).T, e


@pytest.fixture(scope="module")
def excerpt():
    y, sr = sf.read(SPEECH["speech_en_16k"])
    return y[20000:28000], sr                                        # 0.5 s, 48 frames


def test_mfcc_htk_follows_the_htk_book(excerpt):
    y, sr = excerpt
    out = featgraph.load("mfcc_htk").run(y, sr=sr)
    c, e = htk_book_mfcc(y * 32768, sr)
    assert out["mfcc_0"].shape == (13, 48)
    np.testing.assert_allclose(out["mfcc_0"][:12], c[1:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(out["mfcc_0"][12], c[0], rtol=1e-9)     # MFCC_0: c0 last
    np.testing.assert_allclose(out["mfcc_e"][:12], c[1:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(out["mfcc_e"][12], e, rtol=1e-9)        # MFCC_E: E last


def test_mfcc_htk_at_8k_and_with_20_channels():
    y, sr = sf.read(SPEECH["english_8k"])
    y = y[8000:12000]
    out = featgraph.load("mfcc_htk").run(y, sr=sr, numchans=20)
    c, _ = htk_book_mfcc(y * 32768, sr, numchans=20)
    np.testing.assert_allclose(out["mfcc_0"][:12], c[1:], rtol=1e-9, atol=1e-9)


def test_mfcc_htk_band_limited(excerpt):
    y, sr = excerpt
    out = featgraph.load("mfcc_htk").run(y, sr=sr, lofreq=300.0, hifreq=3400.0, numchans=18)
    c, _ = htk_book_mfcc(y * 32768, sr, numchans=18, lopass=300.0, hipass=3400.0)
    np.testing.assert_allclose(out["mfcc_0"][:12], c[1:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(out["mfcc_0"][12], c[0], rtol=1e-9)


def regress(x, n=2):
    """HTK's delta formula with the edge frames repeated, as a plain loop."""
    t_max = x.shape[1]
    d = np.zeros_like(x)
    norm = 2 * sum(i * i for i in range(1, n + 1))
    for t in range(t_max):
        for i in range(1, n + 1):
            d[:, t] += i * (x[:, min(t + i, t_max - 1)] - x[:, max(t - i, 0)])
    return d / norm


def test_mfcc39_is_htk_mfcc_e_d_a(excerpt):
    y, sr = excerpt
    got = featgraph.load("mfcc39").run(y, sr=sr)["mfcc39"]
    c, e = htk_book_mfcc(y * 32768, sr)
    static = np.vstack([c[1:], e])
    delta = regress(static)
    want = np.vstack([static, delta, regress(delta)])
    assert got.shape == (39, 48)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-8)

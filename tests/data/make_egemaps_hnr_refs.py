"""Reference arrays for the HNR lag of tests/test_egemaps_hnr.py: openSMILE 2.6's
``cHarmonics`` (``computeAcfHnrLogdB = 1``, eGeMAPSv02) with F0 chosen at will, and on
noisy harmonic glides at high F0.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_hnr_refs.py

- **F0 sweep**: openSMILE's config tree copied to a temporary directory, in which
  ``gemapsv01b_harmonics`` reads its F0 from a level ``hnrf0`` written by a ``cHtkSource``
  (an HTK file, 10 ms frames, field ``F0final``) instead of ``gemapsv01b_logPitch``; the
  rest of eGeMAPSv02.conf (the 60 ms Gaussian spectrum) is unchanged.  Every frame of
  tests/data/speech_en_gb_16k.wav gets the same F0, one run per F0 in ``SWEEP_F0``
  (``sr / F0`` from 14 to 26 lags in steps of 0.2 and from 160 to 196 in steps of 0.5).
  Writes ``sweep/f0`` (float32, the F0 values), ``sweep/frames`` (the frames kept: the
  high-F0 stretch 478-497 and five frames whose start lag lies between two peaks),
  ``sweep/hnr`` (float32, ``(F0, frames)``, HarmonicsToNoiseRatioACFLogdB).
- **Noisy glides** (numpy only, :func:`probes`): 1 s of six harmonics (amplitudes ``0.7^k``,
  fixed random phases) whose F0 glides 700 -> 1000 Hz, plus white noise (standard
  deviation 0.05, seeded), peak 0.3, at 16 and 8 kHz.  Per probe ``<name>/x`` (16-bit
  samples), ``<name>/sr``, and from openSMILE's own eGeMAPSv02.conf ``<name>/f0``
  (``gemapsv01b_logPitch`` F0final) and ``<name>/hnr`` (``gemapsv01b_harmonics``), float32.
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WAV = HERE / "speech_en_gb_16k.wav"
FRAMES = np.r_[478:498, 101, 184, 366, 369, 612]
SWEEP_F0 = (16000 / np.r_[np.arange(14, 26, 0.2), np.arange(160, 196, 0.5)]).astype(np.float32)
PROBES = {"glide_hi": 16000, "glide_hi_8k": 8000}


def glide(sr, seconds=1.0, f_a=700.0, f_b=1000.0, harmonics=6, tilt=0.7, noise=0.05, seed=0):
    """16-bit samples (int16, ``trunc(32768 y)``) of the noisy glide ``f_a -> f_b``."""
    t = np.arange(int(seconds * sr)) / sr
    ph = 2 * np.pi * np.cumsum(f_a + (f_b - f_a) * t / seconds) / sr
    rng = np.random.default_rng(seed)
    phs = rng.uniform(0, 2 * np.pi, harmonics)
    y = sum(tilt ** k * np.cos((k + 1) * ph + phs[k]) for k in range(harmonics)
            if (k + 1) * f_b < sr / 2)
    y = 0.3 * y / np.abs(y).max() + noise * rng.standard_normal(len(t))
    return np.trunc(np.clip(y, -1, 1 - 2 ** -15).astype(np.float32).astype(np.float64)
                    * 32768).astype(np.int16)


def probes():
    """{name: (sr, int16 samples)}."""
    return {name: (sr, glide(sr)) for name, sr in PROBES.items()}


def config_copy(root, htk):
    """openSMILE's config tree under ``root``, cHarmonics reading its F0 from ``htk``."""
    sys.path.insert(0, str(HERE))
    from make_egemaps_jitter_refs import config_tree

    dst, inc = config_tree(root)
    text = inc.read_text()
    old = "reader.dmLevel = gemapsv01b_logPitch;gemapsv01b_formants;gemapsv01b_fftmagG60"
    assert old in text
    text = text.replace(old, "reader.dmLevel = hnrf0;gemapsv01b_formants;gemapsv01b_fftmagG60")
    text += ("\n[componentInstances:cComponentManager]\ninstance[hnrf0src].type = cHtkSource\n\n"
             f"[hnrf0src:cHtkSource]\nwriter.dmLevel = hnrf0\nfilename = {htk}\n"
             "featureName = F0final\n")
    inc.write_text(text)
    return dst / "egemaps" / "v02" / "eGeMAPSv02.conf"


def level(conf, y, sr, name):
    import opensmile

    smile = opensmile.Smile(feature_set=str(conf), feature_level=name)
    return np.asarray(smile.process(y, sr)[2], dtype=np.float32)


def main():
    import opensmile
    import soundfile as sf

    sys.path.insert(0, str(HERE))
    from make_egemaps_jitter_refs import write_htk      # an HTK file of one F0 per frame

    own = Path(opensmile.__file__).parent / "core" / "config" / "egemaps" / "v02" / \
        "eGeMAPSv02.conf"
    out = {}
    y, sr = sf.read(WAV, dtype="float32")
    n = len(level(own, y, sr, "gemapsv01b_logPitch"))
    with tempfile.TemporaryDirectory() as tmp:
        htk = Path(tmp) / "f0.htk"
        conf = config_copy(Path(tmp), htk)
        rows = []
        for f0 in SWEEP_F0:
            write_htk(htk, np.full(n, f0))
            rows.append(level(conf, y, sr, "gemapsv01b_harmonics")[FRAMES, 0])
    out.update({"sweep/f0": SWEEP_F0, "sweep/frames": FRAMES, "sweep/hnr": np.array(rows)})
    for name, (sr, x) in probes().items():
        y = x.astype(np.float32) / 32768
        f0 = level(own, y, sr, "gemapsv01b_logPitch")[:, 0]
        hnr = level(own, y, sr, "gemapsv01b_harmonics")[:, 0]
        out.update({f"{name}/x": x, f"{name}/sr": np.int32(sr), f"{name}/f0": f0,
                    f"{name}/hnr": hnr})
        print(name, sr, len(f0), "frames", int((f0 > 0).sum()), "voiced")
    np.savez_compressed(HERE / "egemaps_hnr_refs.npz", **out)


if __name__ == "__main__":
    main()

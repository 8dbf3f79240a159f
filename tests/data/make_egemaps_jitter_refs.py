"""Reference arrays for the period marking of tests/test_egemaps_jitter.py: openSMILE 2.6's
``cPitchJitter`` (eGeMAPSv02) on synthetic pulse trains.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_jitter_refs.py

The probes (numpy only, :func:`probes`): trains of short positive pulses (Hann, 9 samples) at
whole-sample periods ``T`` from 0.1 s on, 1 s long, whose amplitudes step by ``exp(+-c k)``
(``k`` the pulse's index, ``c = 0.005``, the sign alternating so the level stays within
+-0.4 of ``ln`` 0.4): every pair of consecutive pulses has its own amplitude ratio, so a
frame's shimmer tells which pulses its periods covered.  ``T`` = 120, 137, 150, 163 and 170
at 16 kHz and 60, 70 and 75 at 8 kHz (periods shorter and longer than the 10 ms hop: one
period per frame, two in some, none in some), and one train at 170 (16 kHz) whose first
0.2 s are 1000 times quieter (the energy gate opens on periodic signal: a mark at the
voicing onset, and the level step, 20 log10(1 + 1) = 6.0206 dB: openSMILE caps the relative
shimmer at 1).  Writes tests/data/egemaps_jitter_refs.npz: per probe ``<name>/x`` (the
16-bit samples), ``<name>/sr``, and from openSMILE's own eGeMAPSv02.conf ``<name>/f0``
(``gemapsv01b_logPitch`` F0final), ``<name>/jitter``, ``<name>/shimmer``
(``gemapsv01b_jitterShimmer`` jitterLocal, shimmerLocalDB), float32.
"""
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PROBES = {"t120": (16000, 120), "t137": (16000, 137), "t150": (16000, 150),
          "t163": (16000, 163), "t170": (16000, 170), "t60_8k": (8000, 60),
          "t70_8k": (8000, 70), "t75_8k": (8000, 75), "onset170": (16000, 170)}


def pulse_train(sr, period, seconds=1.0, c=0.005, quiet=0.0):
    """16-bit samples (int16) of the coded pulse train; ``quiet`` > 0: the first 0.2 s
    scaled by 1e-3."""
    start = int(0.1 * sr)
    pos = np.arange(start, int(seconds * sr) - 8, period)
    g = np.concatenate([[0.0], np.cumsum([(1 if k % 2 else -1) * c * k
                                          for k in range(1, len(pos))])])
    a = 0.4 * np.exp(g)
    if quiet:
        a = np.where(pos < 0.2 * sr, a * quiet, a)
    x = np.zeros(int(seconds * sr))
    k = np.arange(-4, 5)
    hann = 0.5 + 0.5 * np.cos(2 * np.pi * k / 9)
    for p, ai in zip(pos, a):
        x[p + k] += ai * hann
    return np.round(x * 32767).astype(np.int16)


def probes():
    """{name: (sr, int16 samples)}."""
    return {name: (sr, pulse_train(sr, t, quiet=1e-3 if name.startswith("onset") else 0.0))
            for name, (sr, t) in PROBES.items()}


def level(y, sr, name, conf=None):
    import opensmile

    if conf is None:
        conf = Path(opensmile.__file__).parent / "core" / "config" / "egemaps" / "v02" / \
            "eGeMAPSv02.conf"
    smile = opensmile.Smile(feature_set=str(conf), feature_level=name)
    return np.asarray(smile.process(y, sr)[2], dtype=np.float32)


def write_htk(path, x, period=100000):
    """An HTK parameter file (big-endian header nSamples, sampPeriod in 100 ns, sampSize,
    parmKind 9 = USER) of one float32 value per frame."""
    x = np.asarray(x, dtype=">f4").reshape(len(x), 1)
    with open(path, "wb") as f:
        f.write(struct.pack(">iihh", x.shape[0], period, 4, 9))
        f.write(x.tobytes())


def config_tree(root):
    """``(config folder, GeMAPSv01b core LLD include)``: openSMILE's config tree copied
    under ``root``, for a probe to patch the include."""
    import opensmile

    dst = root / "config"
    shutil.copytree(Path(opensmile.__file__).parent / "core" / "config", dst)
    return dst, dst / "gemaps" / "v01b" / "GeMAPSv01b_core.lld.conf.inc"


def f0_config(root, htk):
    """openSMILE's config tree copied under ``root``, in which ``gemapsv01b_pitchJitter``
    reads its F0 from the HTK file ``htk`` (field ``F0ext``, one value per 10 ms frame)
    instead of ``gemapsv01b_logPitch``; the rest of eGeMAPSv02.conf is unchanged.  The HTK
    values go through a ``cVectorConcat`` with ``gemapsv01b_logPitch`` and a
    ``cDataSelector`` (renamed ``F0final``): cPitchJitter reads as many samples per F0 frame
    as that level's frames span (60 ms), and a ``cHtkSource`` level alone has none (openSMILE
    then logs "no pcm data read" and stops)."""
    dst, inc = config_tree(root)
    text = inc.read_text()
    old = "F0reader.dmLevel = gemapsv01b_logPitch"
    assert text.count(old) == 1
    text = text.replace(old, "F0reader.dmLevel = jitterf0")
    text += ("\n[componentInstances:cComponentManager]\ninstance[jitterf0src].type = cHtkSource\n"
             "instance[jitterf0cat].type = cVectorConcat\n"
             "instance[jitterf0sel].type = cDataSelector\n\n"
             f"[jitterf0src:cHtkSource]\nwriter.dmLevel = jitterf0ext\nfilename = {htk}\n"
             "featureName = F0ext\n\n"
             "[jitterf0cat:cVectorConcat]\nreader.dmLevel = gemapsv01b_logPitch;jitterf0ext\n"
             "writer.dmLevel = jitterf0cat\nincludeSingleElementFields = 1\n\n"
             "[jitterf0sel:cDataSelector]\nreader.dmLevel = jitterf0cat\n"
             "writer.dmLevel = jitterf0\nselected = F0ext\nnewNames = F0final\n")
    inc.write_text(text)
    return dst / "egemaps" / "v02" / "eGeMAPSv02.conf"


def write_refs(probes, filename, f0=None):
    """openSMILE's F0 and jitter/shimmer levels on each probe ``{name: (sr, int16 samples)}``,
    saved as tests/data/``filename`` (``<name>/x``, ``sr``, ``f0``, ``jitter``, ``shimmer``);
    the glide, edge and range scripts use it too.  ``f0``: ``{name: function of the number
    of frames -> F0 track (Hz, 0 unvoiced)}`` for the probes whose jitter reads that F0
    (:func:`f0_config`) instead of openSMILE's own; ``<name>/f0`` is then that track."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        htk = Path(tmp) / "f0.htk"
        conf = f0_config(Path(tmp), htk) if f0 else None
        for name, (sr, x) in probes.items():
            y = x.astype(np.float32) / 32768
            f = level(y, sr, "gemapsv01b_logPitch")[:, 0]
            if f0 and name in f0:
                f = np.asarray(f0[name](len(f)), dtype=np.float32)
                write_htk(htk, f)
                js = level(y, sr, "gemapsv01b_jitterShimmer", conf)
            else:
                js = level(y, sr, "gemapsv01b_jitterShimmer")
            assert len(js) == len(f)
            out.update({f"{name}/x": x, f"{name}/sr": np.int32(sr), f"{name}/f0": f,
                        f"{name}/jitter": js[:, 0], f"{name}/shimmer": js[:, 1]})
            print(name, sr, len(f), "frames", int((f > 0).sum()), "voiced")
    np.savez_compressed(HERE / filename, **out)


def main():
    write_refs(probes(), "egemaps_jitter_refs.npz")


if __name__ == "__main__":
    main()

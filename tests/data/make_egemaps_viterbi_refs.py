"""Reference arrays for the pitch-range cost of tests/test_egemaps_viterbi.py: openSMILE 2.6's
``cPitchSmootherViterbi`` (eGeMAPSv02) at several ``wRange`` weights, one SHS candidate.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_viterbi_refs.py

The probe: 21 harmonic tones (12 partials of amplitude 1/k below 7800 Hz, 0.3 s each, peak
0.2, 0.3 s of silence around each) at 55-950 Hz, through a copy of openSMILE's own
eGeMAPSv02.conf (in a temporary directory) in which ``cPitchShs`` keeps one candidate
(``nCandidates = 1``) and ``cPitchSmootherViterbi`` has the weight ``wRange`` under test,
everything else as shipped.  With one candidate per frame the smoother only chooses between
the tone's pitch and unvoiced, so the ``wRange`` at which a tone turns unvoiced measures the
range cost at its pitch.  Writes tests/data/egemaps_viterbi_refs.npz (float32):

- ``f0``, ``voicing``: ``gemapsv01b_pitchShsG60`` F0Cand[0], candVoicing[0] (frames,);
- ``w_range``: the weights (n,);
- ``f0_final``: ``gemapsv01b_logPitchRaw`` F0final per weight (n, frames);
- ``f0_6``, ``voicing_6`` (frames, 6) and ``f0_final_6`` (frames,): the same with all six
  candidates (``nCandidates`` as shipped) and ``wRange`` 1, eGeMAPSv02 as shipped.
"""
import shutil
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SR = 16000
TONES = [55, 65, 75, 85, 95, 105, 320, 340, 360, 380, 420, 440, 475, 525, 550, 575, 625,
         650, 675, 750, 950]
W_RANGE = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 14.0, 16.0,
           18.0, 20.0, 25.0, 30.0, 40.0, 60.0, 100.0, 150.0, 300.0]


def probe_signal():
    """The tones, float32 at 16 kHz."""
    gap = np.zeros(int(0.3 * SR))
    parts = [gap]
    t = np.arange(int(0.3 * SR)) / SR
    for f in TONES:
        x = sum(np.sin(2 * np.pi * k * f * t) / k for k in range(1, 13) if k * f < SR / 2 - 200)
        parts += [0.2 * x / np.max(np.abs(x)), gap]
    return np.concatenate(parts).astype(np.float32)


def config_copy(root: Path, w_range: float, n_candidates: int = 1) -> Path:
    """openSMILE's config tree copied under ``root`` with ``n_candidates`` SHS candidates and
    ``wRange``."""
    import opensmile

    src = Path(opensmile.__file__).parent / "core" / "config"
    dst = root / f"wr{w_range}_{n_candidates}"
    shutil.copytree(src, dst)
    inc = dst / "gemaps" / "v01b" / "GeMAPSv01b_core.lld.conf.inc"
    text = inc.read_text()
    assert "nCandidates = 6" in text and "wRange=1.0" in text
    inc.write_text(text.replace("nCandidates = 6", f"nCandidates = {n_candidates}")
                   .replace("wRange=1.0", f"wRange={w_range}"))
    return dst / "egemaps" / "v02" / "eGeMAPSv02.conf"


def level(conf, y, name):
    import opensmile

    smile = opensmile.Smile(feature_set=str(conf), feature_level=name)
    return np.asarray(smile.process(y, SR)[2], dtype=np.float32)


def main():
    y = probe_signal()
    finals = []
    with tempfile.TemporaryDirectory() as tmp:
        for w in W_RANGE:
            conf = config_copy(Path(tmp), w)
            if not finals:
                shs = level(conf, y, "gemapsv01b_pitchShsG60")
            finals.append(level(conf, y, "gemapsv01b_logPitchRaw")[:, 0])
        conf6 = config_copy(Path(tmp), 1.0, 6)
        shs6 = level(conf6, y, "gemapsv01b_pitchShsG60")
        final6 = level(conf6, y, "gemapsv01b_logPitchRaw")[:, 0]
    np.savez_compressed(HERE / "egemaps_viterbi_refs.npz", f0=shs[:, 1], voicing=shs[:, 2],
                        w_range=np.asarray(W_RANGE, np.float32), f0_final=np.stack(finals),
                        f0_6=shs6[:, 1:7], voicing_6=shs6[:, 7:13], f0_final_6=final6)
    print(len(y), "samples,", len(finals[0]), "frames,", len(W_RANGE), "weights")


if __name__ == "__main__":
    main()

"""Regenerate tests/data/egemaps_lpc_refs.npz from openSMILE 2.6 (a black box).

Run in the scratch venv that has openSMILE (never a dependency of featgraph)::

    /tmp/venv-smile/bin/python tests/data/make_egemaps_lpc_refs.py

For each speech file, and for a synthetic signal (0.2 s of zeros, a 440 Hz sine, a
clipped 200 Hz square wave), it dumps these eGeMAPSv02 levels (``opensmile.Smile(
feature_set=.../egemaps/v02/eGeMAPSv02.conf, feature_level=...)``) on a few rows, as
float32 (openSMILE's own sample type):

- ``<stem>__outpR``: ``gemapsv01b_outpR``, cSpecResample's 220 samples at 11 kHz (the
  input of cLpc);
- ``<stem>__lpc``: ``gemapsv01b_lpc``, cLpc's ``lpcCoeff[0..10]`` (``p = 11``,
  ``method = acf``);
- ``<stem>__formants``: ``gemapsv01b_formants`` (formantFreqLpc[1..5],
  formantBandwidthLpc[1..5]);
- ``<stem>__rows``: the rows kept: 24 evenly spaced and the 12 with the largest LPC
  coefficient (the worst-conditioned fits), for the synthetic signal 8 rows across its
  three parts.

tests/test_egemaps_lpc.py feeds ``outpR`` to ``smile_lpc`` (``precision: single``) and
asserts openSMILE's ``lpc`` bit for bit, then its formants.
"""
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).parent
AUDIO = {"speech_en_16k": HERE.parent.parent / "featgraph" / "data" / "speech_en_16k.wav",
         "speech_en_gb_16k": HERE / "speech_en_gb_16k.wav",
         "english_8k": HERE / "english_8k.wav"}
LEVELS = {"outpR": "gemapsv01b_outpR", "lpc": "gemapsv01b_lpc",
          "formants": "gemapsv01b_formants"}


def synthetic(sr=16000):
    t = np.arange(sr // 2) / sr
    square = np.clip(3 * np.sign(np.sin(2 * np.pi * 200 * t)), -1, 1) * 0.9
    return np.r_[np.zeros(sr // 5), 0.5 * np.sin(2 * np.pi * 440 * t), square
                 ].astype(np.float32), sr


def main():
    from make_egemaps_formant_refs import level        # its sibling: the same level dump

    out = {}
    sources = {stem: sf.read(path, dtype="float32") for stem, path in AUDIO.items()}
    sources["synthetic_16k"] = synthetic()
    for stem, (y, sr) in sources.items():
        levels = {key: level(y, sr, name) for key, name in LEVELS.items()}
        n = len(levels["lpc"])
        if stem == "synthetic_16k":
            rows = np.array([5, 21, 30, 50, 66, 72, 95, 115])
        else:
            hard = np.argsort(-np.abs(levels["lpc"]).max(axis=1), kind="stable")[:12]
            rows = np.unique(np.r_[np.linspace(0, n - 1, 24).round().astype(int), hard])
        out[f"{stem}__rows"] = rows
        for key, values in levels.items():
            out[f"{stem}__{key}"] = values[rows]
    np.savez_compressed(HERE / "egemaps_lpc_refs.npz", **out)


if __name__ == "__main__":
    main()

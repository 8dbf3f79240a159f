"""Regenerate tests/data/egemaps_resample_refs.npz from openSMILE 2.6 (a black box).

Run in the scratch venv that has openSMILE (never a dependency of featgraph)::

    /tmp/venv-smile/bin/python tests/data/make_egemaps_resample_refs.py

For each speech file (16, 8 and 48 kHz: N = 512, 256 and 1024), and for a synthetic signal (an impulse every 37 ms, 0.2 s of DC,
a 1 kHz sine, white noise), it dumps these eGeMAPSv02 levels on a few rows, as float32
(openSMILE's own sample type):

- ``<stem>__winH25``: ``gemapsv01b_winH25``, the 20 ms Hamming frames;
- ``<stem>__fftcH25``: ``gemapsv01b_fftcH25``, their FFT in openSMILE's layout (``Re X0,
  Re X(N/2), Re X1, Im' X1, ...`` with ``Im' = sum x sin``, the frame centred in ``N``);
- ``<stem>__outpR``: ``gemapsv01b_outpR``, cSpecResample's 220 samples at 11 kHz;
- ``<stem>__rows``: the rows kept (16 evenly spaced; the synthetic signal's 12 across its
  four parts).

tests/test_egemaps_resample.py feeds ``fftcH25`` to ``smile_synthesis`` and asserts
``outpR`` bit for bit.
"""
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).parent
AUDIO = {"speech_en_16k": HERE.parent.parent / "featgraph" / "data" / "speech_en_16k.wav",
         "speech_en_gb_16k": HERE / "speech_en_gb_16k.wav",
         "english_8k": HERE / "english_8k.wav",
         "speech_en_48k": HERE / "speech_en_48k.wav"}
LEVELS = {"winH25": "gemapsv01b_winH25", "fftcH25": "gemapsv01b_fftcH25",
          "outpR": "gemapsv01b_outpR"}


def synthetic(sr=16000):
    pulses = np.zeros(sr // 2)
    pulses[::int(0.037 * sr)] = 0.8
    t = np.arange(sr // 2) / sr
    noise = np.random.default_rng(16).normal(0.0, 0.1, sr // 2)
    return np.r_[pulses, np.full(sr // 5, 0.25), 0.5 * np.sin(2 * np.pi * 1000 * t),
                 noise].astype(np.float32), sr


def main():
    from make_egemaps_formant_refs import level        # its sibling: the same level dump

    out = {}
    sources = {stem: sf.read(path, dtype="float32") for stem, path in AUDIO.items()}
    sources["synthetic_16k"] = synthetic()
    for stem, (y, sr) in sources.items():
        levels = {key: level(y, sr, name) for key, name in LEVELS.items()}
        n = len(levels["outpR"])
        if stem == "synthetic_16k":
            rows = np.array([3, 10, 22, 38, 52, 58, 75, 90, 105, 125, 140, 160])
        else:
            rows = np.linspace(0, n - 1, 16).round().astype(int)
        out[f"{stem}__rows"] = rows
        for key, values in levels.items():
            out[f"{stem}__{key}"] = values[rows]
    np.savez_compressed(HERE / "egemaps_resample_refs.npz", **out)


if __name__ == "__main__":
    main()

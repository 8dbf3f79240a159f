"""Regenerate tests/data/egemaps_formant_refs.npz from openSMILE 2.6 (a black box).

Run in the scratch venv that has openSMILE (never a dependency of featgraph)::

    /tmp/venv-smile/bin/python tests/data/make_egemaps_formant_refs.py

For each speech file it dumps these levels of eGeMAPSv02 (``opensmile.Smile(feature_set=
.../egemaps/v02/eGeMAPSv02.conf, feature_level=...)``), as float32:

- ``<stem>__f0``: ``gemapsv01b_logPitch`` column ``F0final`` (Hz, 0 unvoiced), 60 ms grid;
- ``<stem>__formants``: ``gemapsv01b_formants`` (formantFreqLpc[1..5],
  formantBandwidthLpc[1..5]), 20 ms grid;
- ``<stem>__harmonics``: ``gemapsv01b_harmonics`` (HarmonicsToNoiseRatioACFLogdB,
  HarmonicDifferenceLogRelH1-H2, HarmonicDifferenceLogRelH1-A3,
  FormantAmplitudeByMaxHarmonicLogRelF0[1..3]), 60 ms grid;
- ``<stem>__outpR`` / ``__outpR_rows``: a few rows of ``gemapsv01b_outpR`` (cSpecResample);
- ``<stem>__fftmagG60`` / ``__fftmagG60_rows``: a few rows of ``gemapsv01b_fftmagG60``
  (to check the test's own 60 ms Gaussian-window magnitude spectrum).

The python wrapper labels 8 kHz levels with 16 kHz column names and fails on array levels;
the values are taken before it names the columns.
"""
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).parent
AUDIO = {"speech_en_16k": HERE.parent.parent / "featgraph" / "data" / "speech_en_16k.wav",
         "speech_en_gb_16k": HERE / "speech_en_gb_16k.wav",
         "english_8k": HERE / "english_8k.wav",
         "speech_en_48k": HERE / "speech_en_48k.wav"}
ROWS = np.array([0, 57, 150, 233, 300, 371, 402])


def level(y, sr, name):
    """One eGeMAPSv02 level as a float32 array (opensmile imported here: the suite collects
    this file with --doctest-modules, without openSMILE installed)."""
    import opensmile
    import pandas as pd

    config = Path(opensmile.__file__).parent / "core/config/egemaps/v02/eGeMAPSv02.conf"
    smile = opensmile.Smile(feature_set=str(config), feature_level=name)
    smile._series_to_frame = lambda series: pd.DataFrame(list(series.items())[0][1][2])
    return smile.process_signal(y, sr).to_numpy().astype(np.float32)


def main():
    out = {}
    for stem, path in AUDIO.items():
        y, sr = sf.read(path, dtype="float32")
        out[f"{stem}__f0"] = level(y, sr, "gemapsv01b_logPitch")[:, 0]
        out[f"{stem}__formants"] = level(y, sr, "gemapsv01b_formants")
        out[f"{stem}__harmonics"] = level(y, sr, "gemapsv01b_harmonics")
        out[f"{stem}__outpR"] = level(y, sr, "gemapsv01b_outpR")[ROWS]
        out[f"{stem}__outpR_rows"] = ROWS
        out[f"{stem}__fftmagG60"] = level(y, sr, "gemapsv01b_fftmagG60")[ROWS]
        out[f"{stem}__fftmagG60_rows"] = ROWS
    np.savez_compressed(HERE / "egemaps_formant_refs.npz", **out)


if __name__ == "__main__":
    main()

"""Reference arrays for tests/test_egemaps_voice.py: openSMILE 2.6's eGeMAPSv02 voice levels.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_voice_refs.py

It reads speech_en_16k (featgraph/data), speech_en_gb_16k and english_8k (tests/data)
as float32 and dumps intermediate levels of openSMILE's own eGeMAPSv02.conf with
``opensmile.Smile(feature_set=..., feature_level=...)``; writes
tests/data/egemaps_voice_refs.npz, float32, per ``<stem>/``:

- ``shs``: ``gemapsv01b_pitchShsG60`` columns nCandidates, F0Cand[0..5], candVoicing[0..5];
- ``f0_raw``, ``voicing_raw``: ``gemapsv01b_logPitchRaw`` F0final, voicingFinalUnclipped;
- ``f0``, ``semitone``: ``gemapsv01b_logPitch`` F0final, F0finalLog;
- ``jitter``, ``shimmer``: ``gemapsv01b_jitterShimmer`` jitterLocal, shimmerLocalDB;
- ``hnr``: ``gemapsv01b_harmonics`` HarmonicsToNoiseRatioACFLogdB;
- ``hps_frames``, ``hps``: rows of ``gemapsv01b_hpsG60`` (cSpecScale) at a few frames.
"""
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FILES = {"speech_en_16k": ROOT / "featgraph" / "data" / "speech_en_16k.wav",
         "speech_en_gb_16k": HERE / "speech_en_gb_16k.wav",
         "english_8k": HERE / "english_8k.wav"}


def config():
    """openSMILE's own eGeMAPSv02.conf (opensmile is imported here only: the test suite
    imports this module for its doctests and has no opensmile)."""
    import opensmile

    return Path(opensmile.__file__).parent / "core" / "config" / "egemaps" / "v02" / \
        "eGeMAPSv02.conf"


def level(y, sr, name):
    """The level's values (frames, columns); Smile.process avoids the column names, which
    the Python wrapper works out for 16 kHz only."""
    import opensmile

    smile = opensmile.Smile(feature_set=str(config()), feature_level=name)
    return np.asarray(smile.process(y, sr)[2], dtype=np.float32)


def main():
    out = {}
    for stem, path in FILES.items():
        y, sr = sf.read(path, dtype="float32")
        shs = level(y, sr, "gemapsv01b_pitchShsG60")
        raw = level(y, sr, "gemapsv01b_logPitchRaw")
        log = level(y, sr, "gemapsv01b_logPitch")
        js = level(y, sr, "gemapsv01b_jitterShimmer")
        harm = level(y, sr, "gemapsv01b_harmonics")
        hps = level(y, sr, "gemapsv01b_hpsG60")
        pick = np.linspace(0, len(hps) - 1, 12).astype(int)
        out.update({f"{stem}/shs": shs[:, :13], f"{stem}/f0_raw": raw[:, 0],
                    f"{stem}/voicing_raw": raw[:, 2], f"{stem}/f0": log[:, 0],
                    f"{stem}/semitone": log[:, 1], f"{stem}/jitter": js[:, 0],
                    f"{stem}/shimmer": js[:, 1], f"{stem}/hnr": harm[:, 0],
                    f"{stem}/hps_frames": pick, f"{stem}/hps": hps[pick]})
        print(stem, sr, len(raw), "frames")
    np.savez_compressed(HERE / "egemaps_voice_refs.npz", **out)


if __name__ == "__main__":
    main()

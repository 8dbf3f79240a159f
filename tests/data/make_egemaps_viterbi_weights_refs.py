"""Reference arrays for the cost structure of eGeMAPSv02's Viterbi pitch smoother
(tests/test_egemaps_viterbi.py): openSMILE 2.6's ``cPitchSmootherViterbi`` on the three
reference speech files, its weights varied one or two at a time.

Run in a scratch environment with openSMILE (never a featgraph dependency)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_viterbi_weights_refs.py

Each variant is a copy of openSMILE's own config tree (in a temporary directory) whose
``GeMAPSv01b_core.lld.conf.inc`` has the weights of the variant in place of the shipped
``wTvv =10.0``, ``wTvvd= 5.0``, ``wTvuv=10.0``, ``wThr = 4.0``, ``wTuu = 0.0``, ``wLocal=2.0``,
``wRange=1.0``; everything else as shipped.  The smoother's input (the SHS candidates,
``gemapsv01b_pitchShsG60``) does not depend on these weights: the tests take it from
tests/data/egemaps_voice_refs.npz (``<stem>/shs``).  Writes
tests/data/egemaps_viterbi_weights_refs.npz, per ``<stem>/<variant>`` the ``F0final``
column of ``gemapsv01b_logPitchRaw`` (float32, frames), and ``variants`` (a JSON text:
variant name -> {openSMILE weight name: value}).
"""
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FILES = {"speech_en_16k": ROOT / "featgraph" / "data" / "speech_en_16k.wav",
         "speech_en_gb_16k": HERE / "speech_en_gb_16k.wav",
         "english_8k": HERE / "english_8k.wav"}
SHIPPED = {"wTvv": "wTvv =10.0", "wTvvd": "wTvvd= 5.0", "wTvuv": "wTvuv=10.0",
           "wThr": "wThr = 4.0", "wTuu": "wTuu = 0.0", "wLocal": "wLocal=2.0",
           "wRange": "wRange=1.0"}
VARIANTS = {
    "shipped": {},
    "wTvvd=0": {"wTvvd": 0.0}, "wTvvd=50": {"wTvvd": 50.0}, "wTvvd=500": {"wTvvd": 500.0},
    "wRange=0": {"wRange": 0.0}, "wRange=0.15": {"wRange": 0.15}, "wRange=0.2": {"wRange": 0.2},
    "wRange=0.5": {"wRange": 0.5}, "wRange=2": {"wRange": 2.0}, "wRange=4": {"wRange": 4.0},
    "wThr=0": {"wThr": 0.0}, "wThr=2": {"wThr": 2.0}, "wThr=8": {"wThr": 8.0},
    "wLocal=1": {"wLocal": 1.0}, "wLocal=4": {"wLocal": 4.0},
    "wTvuv=2": {"wTvuv": 2.0}, "wTvuv=30": {"wTvuv": 30.0},
    "wTvv=0": {"wTvv": 0.0}, "wTvv=3": {"wTvv": 3.0}, "wTvv=30": {"wTvv": 30.0},
    "wTvv=100": {"wTvv": 100.0}, "wTuu=1": {"wTuu": 1.0},
    "wTvv=0,wRange=0": {"wTvv": 0.0, "wRange": 0.0}, "wTvv=0,wRange=4": {"wTvv": 0.0, "wRange": 4.0},
}


def config_copy(root: Path, name: str, weights: dict) -> Path:
    """openSMILE's config tree copied under ``root`` with the Viterbi ``weights``."""
    import opensmile

    src = Path(opensmile.__file__).parent / "core" / "config"
    dst = root / name.replace(",", "_").replace("=", "")
    shutil.copytree(src, dst)
    inc = dst / "gemaps" / "v01b" / "GeMAPSv01b_core.lld.conf.inc"
    text = inc.read_text()
    for key, value in weights.items():
        assert SHIPPED[key] in text, key
        text = text.replace(SHIPPED[key], f"{key}={value}")
    inc.write_text(text)
    return dst / "egemaps" / "v02" / "eGeMAPSv02.conf"


def main():
    import opensmile

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        confs = {name: config_copy(Path(tmp), name, w) for name, w in VARIANTS.items()}
        for stem, path in FILES.items():
            y, sr = sf.read(path, dtype="float32")
            for name, conf in confs.items():
                smile = opensmile.Smile(feature_set=str(conf),
                                        feature_level="gemapsv01b_logPitchRaw")
                out[f"{stem}/{name}"] = np.asarray(smile.process(y, sr)[2],
                                                   dtype=np.float32)[:, 0]
            print(stem, sr, len(out[f"{stem}/shipped"]), "frames")
    out["variants"] = np.asarray(json.dumps(VARIANTS))
    np.savez_compressed(HERE / "egemaps_viterbi_weights_refs.npz", **out)


if __name__ == "__main__":
    main()

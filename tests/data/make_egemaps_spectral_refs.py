"""Generate tests/data/egemaps_spectral_refs.npz: openSMILE 2.6's eGeMAPSv02 spectral levels.

Run in a scratch environment that has the ``opensmile`` package (its research
licence allows this use; featgraph never depends on it)::

    python -m venv /tmp/venv-smile && /tmp/venv-smile/bin/pip install opensmile soundfile
    /tmp/venv-smile/bin/python tests/data/make_egemaps_spectral_refs.py

Call: ``opensmile.Smile(feature_set=<opensmile>/core/config/egemaps/v02/eGeMAPSv02.conf,
feature_level=LEVEL).process_signal(y, sr)`` with ``y`` read by
``soundfile.read(path, dtype="float32")`` (as /work/shared/reference/opensmile.json).

Stored, per input ``<name>``, as float32 ``(frames, columns)``:

- ``<name>/lldsetE``: the level ``egemapsv02_lldsetE``, the ten unsmoothed spectral
  descriptors (Loudness, alphaRatio, hammarbergIndex, slope0-500, slope500-1500,
  spectralFlux, mfcc1-4);
- ``<name>/lldsetE_smo``: ``egemapsv02_lldsetE_smo``, the same after ``_sma3``;
- ``<name>/energy``: ``egemapsv02_energyRMS`` (the mean square of each 20 ms frame);
- ``<name>/y``: the input samples, for the synthetic inputs only.

Inputs: the three speech files (speech_en_16k, speech_en_gb_16k, english_8k) and
silence_16k from the tests' data; 0.3 s of white noise at 22.05 kHz and 48 kHz
(band edges between FFT bins) and a 1 kHz sine of amplitude 0.1 at 16 kHz.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
LEVELS = {"lldsetE": "egemapsv02_lldsetE", "lldsetE_smo": "egemapsv02_lldsetE_smo",
          "energy": "egemapsv02_energyRMS"}


def speech_path(stem: str) -> Path:
    for p in (HERE / f"{stem}.wav", HERE.parent.parent / "featgraph/data" / f"{stem}.wav"):
        if p.exists():
            return p
    raise FileNotFoundError(stem)


def inputs() -> dict[str, tuple[np.ndarray, int, bool]]:
    import soundfile as sf

    out = {}
    for stem in ("speech_en_16k", "speech_en_gb_16k", "english_8k", "silence_16k"):
        y, sr = sf.read(speech_path(stem), dtype="float32")
        out[stem] = (y, sr, False)
    rng = np.random.default_rng(20261128)
    for sr in (22050, 48000):
        n = int(0.3 * sr)
        out[f"noise_{sr}"] = ((0.1 * rng.standard_normal(n)).astype(np.float32), sr, True)
    t = np.arange(8000) / 16000
    out["tone_1k"] = ((0.1 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), 16000, True)
    return out


def main() -> None:
    import opensmile        # the scratch environment's; featgraph never imports it

    config = Path(opensmile.__file__).parent / "core/config/egemaps/v02/eGeMAPSv02.conf"
    arrays = {}
    for name, (y, sr, keep) in inputs().items():
        for key, level in LEVELS.items():
            df = opensmile.Smile(feature_set=str(config), feature_level=level).process_signal(y, sr)
            arrays[f"{name}/{key}"] = df.to_numpy().astype(np.float32)
        if keep:
            arrays[f"{name}/y"] = y
        print(name, sr, arrays[f"{name}/lldsetE"].shape)
    np.savez_compressed(HERE / "egemaps_spectral_refs.npz", **arrays)


if __name__ == "__main__":
    main()

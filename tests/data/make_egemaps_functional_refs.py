"""openSMILE 2.6's eGeMAPSv02 / GeMAPSv01b levels that its functionals read, for
tests/test_egemaps_functionals.py.

Writes tests/data/egemaps_functional_refs.npz (per stem: the unsmoothed LLD sets
``E`` (20 ms grid, eGeMAPS' egemapsv02_lldsetE, 10 columns) and ``F`` (60 ms grid,
egemapsv02_lldsetF, 15 columns), the frame energy ``energy`` (egemapsv02_energyRMS),
openSMILE's 88 eGeMAPSv02 and 62 GeMAPSv01b functionals, and the smoothed sets
``E_smo`` / ``F_smo``), its column names in egemaps_functional_refs.json, and
egemaps_peaks_refs.json: random series through openSMILE's cFunctionalPeaks2 alone
(a small config reading the wave level, eGeMAPS' Peaks2 settings, with its debug
output of the turning points).  Run in the scratch venv that has openSMILE
(never a dependency of featgraph)::

    /tmp/venv-smile/bin/python tests/data/make_egemaps_functional_refs.py
"""
import json
import tempfile
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent
STEMS = ["speech_en_16k", "speech_en_gb_16k", "english_8k", "silence_16k"]
LEVELS = {"E": ("egemaps", "egemapsv02_lldsetE"), "F": ("egemaps", "egemapsv02_lldsetF"),
          "E_smo": ("egemaps", "egemapsv02_lldsetE_smo"),
          "F_smo": ("egemaps", "egemapsv02_lldsetF_smo"),
          "energy": ("egemaps", "egemapsv02_energyRMS"), "func": ("egemaps", "func"),
          "gfunc": ("gemaps", "func")}
PEAKS = """
[componentInstances:cComponentManager]
instance[dataMemory].type=cDataMemory
\\{\\cm[source{?}:include external source]}
[componentInstances:cComponentManager]
instance[pk].type=cFunctionals
[pk:cFunctionals]
reader.dmLevel = wave
writer.dmLevel = func
copyInputName = 1
frameMode = full
frameSize = 0
frameStep = 0
frameCenterSpecial = left
functionalsEnabled = Peaks2
""" + "".join(f"Peaks2.{k} = 0\n" for k in (
    "meanPeakDist meanPeakDistDelta peakDistStddev peakRangeAbs peakRangeRel peakMeanAbs "
    "peakMeanMeanDist peakMeanRel ptpAmpMeanAbs ptpAmpMeanRel ptpAmpStddevAbs ptpAmpStddevRel "
    "minRangeAbs minRangeRel minMeanAbs minMeanMeanDist minMeanRel mtmAmpMeanAbs mtmAmpMeanRel "
    "mtmAmpStddevAbs mtmAmpStddevRel maxRisingSlope minRisingSlope maxFallingSlope "
    "minFallingSlope dynRelThresh posDbgAppend consoleDbg").split()) + """
Peaks2.numPeaks = 1
Peaks2.meanRisingSlope = 1
Peaks2.stddevRisingSlope = 1
Peaks2.meanFallingSlope = 1
Peaks2.stddevFallingSlope = 1
Peaks2.norm = seconds
Peaks2.relThresh = 0.100000
Peaks2.posDbgOutp = DEBUG
nonZeroFuncts = 0
masterTimeNorm = segment
\\{\\cm[sink{?}:include external sink]}
"""


def config(name):
    """The shipped eGeMAPSv02 / GeMAPSv01b configuration of the installed openSMILE."""
    import opensmile

    root = Path(opensmile.__file__).parent / "core" / "config"
    return root / ("egemaps/v02/eGeMAPSv02.conf" if name == "egemaps"
                   else "gemaps/v01b/GeMAPSv01b.conf")


def levels():
    import opensmile
    import soundfile as sf

    arrays, names = {}, {}
    for stem in STEMS:
        y, sr = sf.read(DATA / f"{stem}.wav" if (DATA / f"{stem}.wav").exists()
                        else f"/work/shared/audio/{stem}.wav", dtype="float32")
        for key, (cfg, level) in LEVELS.items():
            df = opensmile.Smile(feature_set=str(config(cfg)),
                                 feature_level=level).process_signal(y, sr)
            arrays[f"{stem}.{key}"] = df.to_numpy(np.float32)
            names[key] = list(df.columns)
    np.savez_compressed(DATA / "egemaps_functional_refs.npz", **arrays)
    (DATA / "egemaps_functional_refs.json").write_text(json.dumps(names, indent=1))


def peaks(n_cases=160, seed=0):
    """Random series (values on openSMILE's 16-bit grid, below 1) through cFunctionalPeaks2."""
    import opensmile

    rng = np.random.default_rng(seed)
    tmp = Path(tempfile.mkdtemp())
    debug = tmp / "peaks.txt"
    conf = tmp / "peaks.conf"
    conf.write_text(PEAKS.replace("DEBUG", str(debug)))
    smile = opensmile.Smile(feature_set=str(conf), feature_level="func")
    cases = []
    for k in range(n_cases):
        n = int(rng.integers(5, 60))
        kind = k % 4
        if kind == 0:
            x = rng.uniform(0.05, 0.9, n)
        elif kind == 1:
            x = np.cumsum(rng.normal(0, 0.1, n))
            x = 0.1 + 0.8 * (x - x.min()) / (np.ptp(x) + 1e-9)
        elif kind == 2:
            x = 0.5 + 0.3 * np.sin(np.arange(n) * rng.uniform(0.2, 1.5)) + rng.normal(0, 0.05, n)
            x = np.clip(x, 0.05, 0.95)
        else:
            x = np.round(rng.uniform(0.1, 0.9, n) * 4) / 5     # below 1: no 16-bit wrap
        x = np.round(x * 32767) / 32767
        df = smile.process_signal(x.astype(np.float32), 100)     # 100 Hz: 10 ms frames
        stats = {c.replace("pcm_", ""): float(v) for c, v in zip(df.columns, df.to_numpy()[0])}
        pts = [[int(line.split("x=")[1].split()[0]), 1 if "MAX" in line else -1]
               for line in debug.read_text().splitlines() if "XXXX" in line]
        cases.append({"x": [round(v, 7) for v in x.tolist()], "points": pts, "stats": stats})
    (DATA / "egemaps_peaks_refs.json").write_text(json.dumps(cases, separators=(",", ":")))


if __name__ == "__main__":
    import sys
    if "--peaks-only" not in sys.argv:
        levels()
    peaks()

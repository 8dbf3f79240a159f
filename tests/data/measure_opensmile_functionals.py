"""Agreement of featgraph's functionals ops with openSMILE 2.6's 88 eGeMAPSv02 functionals.

Each functional is recomputed from openSMILE's own 25 LLD columns (tests/data/opensmile_refs.npz)
with the ops of featgraph/nodes/functionals.py; prints the markdown table of docs/functionals.md
(worst relative error over the three files).  Run from the repository root:
``python tests/data/measure_opensmile_functionals.py``.
"""
import json
import re
from pathlib import Path

import numpy as np
import soundfile as sf

from featgraph.engine.feature import Feature
from featgraph.engine.kinds import Kind
from featgraph.nodes.functionals import (EquivalentSoundLevel, Functionals, MaskedFunctionals,
                                         SegmentStats)

DATA = Path(__file__).parent
REFS = np.load(DATA / "opensmile_refs.npz")
META = json.loads((DATA / "opensmile_refs.json").read_text())
LLD = [c.lower() for c in META["lld_columns"]]
AUDIO = {"speech_en_16k": DATA.parent.parent / "featgraph/data/speech_en_16k.wav"}
STAT = {"pctlrange0-2": "pctlrange20-80"}


def compute(stem, column):
    lld = REFS[f"{stem}.lld"]
    sr = META["sr"][stem]
    hop = sr // 100

    def feat(name):
        return Feature(lld[:, LLD.index(name.lower())][None].astype(np.float32),
                       Kind.FEATURE, sr, hop=hop)
    f0 = feat("F0semitoneFrom27.5Hz_sma3nz")
    if column in ("VoicedSegmentsPerSec", "MeanVoicedSegmentLengthSec",
                  "StddevVoicedSegmentLengthSec", "MeanUnvoicedSegmentLength",
                  "StddevUnvoicedSegmentLength"):
        i = ["VoicedSegmentsPerSec", "MeanVoicedSegmentLengthSec", "StddevVoicedSegmentLengthSec",
             "MeanUnvoicedSegmentLength", "StddevUnvoicedSegmentLength"].index(column)
        return SegmentStats()(f0).data.ravel()[i]
    if column == "loudnessPeaksPerSec":
        return Functionals(stats=("peaksPerSec",))(feat("Loudness_sma3")).data.ravel()[0]
    if column == "equivalentSoundLevel_dBp":
        y, sr = sf.read(AUDIO.get(stem, DATA / f"{stem}.wav"), dtype="float32")
        win = sr // 50
        n = 1 + (len(y) - win) // hop
        fr = np.stack([y[i * hop:i * hop + win] for i in range(n)], axis=-1)
        return EquivalentSoundLevel()(Feature(fr, Kind.FRAMES, sr, hop=hop)).data.ravel()[0]
    base, _, stat = column.rpartition("_")
    stat = STAT.get(stat, stat)
    m = re.fullmatch(r"(\w+?)(U?V)(\S*)_sma3nz", base)
    if base.lower() in LLD:
        return Functionals(stats=(stat,), nonzero=base.endswith("nz"))(feat(base)).data.ravel()[0]
    name = {"loudness_sma3": "Loudness_sma3"}.get(base)
    if name:
        return Functionals(stats=(stat,))(feat(name)).data.ravel()[0]
    if m:                           # alphaRatioV_sma3nz: alphaRatio_sma3 over the voiced frames
        src = f"{m.group(1)}{m.group(3)}_sma3"
        keep = "voiced" if m.group(2) == "V" else "unvoiced"
        return MaskedFunctionals(stats=(stat,), keep=keep)(feat(src), f0).data.ravel()[0]
    raise KeyError(column)


def main():
    rows = []
    for i, column in enumerate(META["functional_columns"]):
        errs = []
        for stem in META["sr"]:
            want = float(REFS[f"{stem}.functionals"][i])
            got = float(compute(stem, column))
            errs.append(abs(got - want) / max(abs(want), 1e-12))
        rows.append((column, max(errs)))
    print("| # | functional | worst relative error (3 files) |\n| --- | --- | --- |")
    for i, (c, e) in enumerate(rows):
        print(f"| {i} | `{c}` | {e:.1e} |")
    for tol in (1e-4, 1e-3, 1e-2, 2e-2):
        print(f"\nwithin {tol:g}: {sum(e <= tol for _, e in rows)} of {len(rows)}", end="")
    print()


if __name__ == "__main__":
    main()

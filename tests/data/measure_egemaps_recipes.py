"""Agreement of the shipped egemaps_lld / egemaps / gemaps recipes with openSMILE 2.6 on the
reference speech files, as issue 16 states the targets; prints the tables of
docs/paralinguistic.md.

Needs the recipes (and their LLD ops) and openSMILE's outputs saved by
/work/shared/reference/make_opensmile_refs.py (``<stem>__opensmile.npz``: ``egemaps.lld``,
``egemaps.functionals``); the GeMAPS functionals come from
tests/data/egemaps_functional_refs.npz.  From the repository root::

    PYTHONPATH=. python tests/data/measure_egemaps_recipes.py [REFERENCE_DIR]
"""
import json
import sys
from pathlib import Path

import numpy as np

import featgraph

DATA = Path(__file__).parent
REFDIR = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference")
AUDIO = [DATA, DATA.parent.parent / "featgraph" / "data", Path("/work/shared/audio")]
STEMS = ["speech_en_16k", "speech_en_gb_16k", "english_8k"]
SPECTRAL = 10


def audio(stem):
    return next(d / f"{stem}.wav" for d in AUDIO if (d / f"{stem}.wav").exists())


def main():
    names = json.loads((DATA / "egemaps_functional_refs.json").read_text())
    gref = np.load(DATA / "egemaps_functional_refs.npz")
    lld_rows, func_err, gfunc_err = {}, [], []
    for stem in STEMS:
        ref = np.load(REFDIR / f"{stem}__opensmile.npz")
        res = featgraph.run(["egemaps_lld", "egemaps", "gemaps"], str(audio(stem)))
        lld, want = res["egemaps_lld/egemaps_lld"].T, ref["egemaps.lld"]
        cols = res.features["egemaps_lld/egemaps_lld"].names
        assert lld.shape == want.shape, (lld.shape, want.shape)
        scale = np.ptp(want, axis=0) + 1e-12
        voiced = (lld[:, SPECTRAL] > 0) & (want[:, SPECTRAL] > 0)
        same = np.mean((lld[:, SPECTRAL] > 0) == (want[:, SPECTRAL] > 0))
        for c, name in enumerate(cols):
            err = np.abs(lld[:, c] - want[:, c]) / scale[c]
            if c < SPECTRAL:
                row = (np.mean(err <= 1e-3), err.max())
            else:
                row = (np.mean(err[voiced] <= 1e-2) if voiced.any() else 1.0, same)
            lld_rows.setdefault(name, []).append(row)
        got = res["egemaps/egemaps"].ravel().astype(np.float64)
        fw = ref["egemaps.functionals"].astype(np.float64)
        func_err.append(np.abs(got - fw) / np.maximum(np.abs(fw), 1e-12))
        g = res["gemaps/gemaps"].ravel().astype(np.float64)
        gw = gref[f"{stem}.gfunc"][0].astype(np.float64)
        gfunc_err.append(np.abs(g - gw) / np.maximum(np.abs(gw), 1e-12))
    print(f"LLDs, {', '.join(STEMS)} (worst file).  Spectral: frames within 1e-3 of the "
          "column's range, largest error / range.  Voice: frames voiced in both within 1e-2 "
          "of the range; same voicing decision (F0 > 0).\n")
    print("| # | descriptor | frames within tolerance | max error / range, or same voicing |")
    print("| --- | --- | --- | --- |")
    for i, (name, rows) in enumerate(lld_rows.items()):
        a = min(r[0] for r in rows)
        b = max(r[1] for r in rows) if i < SPECTRAL else min(r[1] for r in rows)
        print(f"| {i} | `{name}` | {100 * a:.2f} % | {b:.1e}" if i < SPECTRAL else
              f"| {i} | `{name}` | {100 * a:.2f} % | {100 * b:.2f} %", end=" |\n")
    for label, errs, key in (("eGeMAPSv02", func_err, "func"), ("GeMAPSv01b", gfunc_err, "gfunc")):
        worst = np.max(errs, axis=0)
        print(f"\n{label} functionals from the audio: within 1e-3 relative "
              f"{int((worst <= 1e-3).sum())} of {worst.size}, within 2 % "
              f"{int((worst <= 0.02).sum())} (worst file); per file within 1e-3: "
              + ", ".join(f"{s} {int((e <= 1e-3).sum())}" for s, e in zip(STEMS, errs)) + "\n")
        print(f"| # | {label} functional | worst relative error |\n| --- | --- | --- |")
        for i, (n, e) in enumerate(zip(names[key], worst)):
            print(f"| {i} | `{n}` | {e:.1e} |")


if __name__ == "__main__":
    main()

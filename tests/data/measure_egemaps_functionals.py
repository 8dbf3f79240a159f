"""Agreement table of featgraph's functionals with openSMILE 2.6's eGeMAPSv02 (88) and
GeMAPSv01b (62) functionals, computed from openSMILE's own unsmoothed LLD levels with the
egemaps/gemaps wiring (tests/test_egemaps_functionals.py::functionals_from_levels).
Prints the markdown tables of docs/paralinguistic.md.  From the repository root::

    PYTHONPATH=.:tests python tests/data/measure_egemaps_functionals.py
"""
import numpy as np


def table(gemaps):
    from test_egemaps_functionals import NAMES, REFS, STEMS, functionals_from_levels

    key = "gfunc" if gemaps else "func"
    errs = []
    for stem in STEMS:
        got = functionals_from_levels(stem, gemaps).data.ravel().astype(np.float64)
        want = REFS[f"{stem}.{key}"][0].astype(np.float64)
        errs.append(np.abs(got - want) / np.maximum(np.abs(want), 1e-12))
    worst = np.max(errs, axis=0)
    print(f"| # | {'GeMAPSv01b' if gemaps else 'eGeMAPSv02'} functional | worst relative error "
          f"({', '.join(STEMS)}) |\n| --- | --- | --- |")
    for i, (name, e) in enumerate(zip(NAMES[key], worst)):
        print(f"| {i} | `{name}` | {e:.1e} |")
    for tol in (1e-6, 1e-5, 1e-4, 1e-3, 2e-2):
        print(f"\nwithin {tol:g}: {int((worst <= tol).sum())} of {worst.size}", end="")
    print("\n")


if __name__ == "__main__":
    table(False)
    table(True)

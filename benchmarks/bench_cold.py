"""Cold start: ``featgraph run plp`` on the 8.3 s example against a python_speech_features script.

Side by side, each a fresh process, interleaved (one warm-up round, then >= 7 rounds):

* featgraph: ``python -m featgraph run plp featgraph/data/speech_en_16k.wav -o <tmp>/s.npz``
  (this checkout's featgraph through ``PYTHONPATH``; the console script does the same import);
* python_speech_features: ``python -c`` reading the same file with soundfile, ``psf.mfcc``
  with its defaults and ``np.savez`` of the result - the smallest useful feature script;
* ``python -c pass``, the interpreter's own floor.

Target: featgraph median / python_speech_features median <= 1.0.  Then the import-time
breakdown (``python -X importtime``) of what the featgraph command imports, and of the peer.
The environment is used as found (recorded below); when it sets PYTHONDONTWRITEBYTECODE,
featgraph's own modules are compiled at every start, so one more row runs featgraph with a
bytecode cache (PYTHONPYCACHEPREFIX, a temporary folder) for information.

    pip install -e .[bench]                    # python_speech_features
    python benchmarks/bench_cold.py --write    # about 20 s
"""
from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile

import harness as h

WAV = str(h.SPEECH)


def main() -> None:
    args = h.parser(__doc__, repeats=9).parse_args()
    tmp = tempfile.mkdtemp()
    npz = os.path.join(tmp, "s.npz")
    fg_cmd = [sys.executable, "-m", "featgraph", "run", "plp", WAV, "-o", npz]
    psf_code = ("import numpy as np, soundfile as sf, python_speech_features as psf; "
                f"y, sr = sf.read({WAV!r}); np.savez({npz!r}, mfcc=psf.mfcc(y, sr))")
    psf_cmd = [sys.executable, "-c", psf_code]
    cached = {k: v for k, v in h.ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
    fns = {"featgraph run plp": h.command(fg_cmd),
           "python_speech_features mfcc": h.command(psf_cmd),
           "python -c pass": h.command([sys.executable, "-c", "pass"])}
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        fns["featgraph run plp, bytecode cached"] = h.command(fg_cmd, env=cached)
    stats = h.interleaved(fns, args.repeats)
    fg, psf = stats["featgraph run plp"], stats["python_speech_features mfcc"]
    ratio = fg["median"] / psf["median"]
    rows = [[n, len(s["runs"]), s["median"], s["min"], " ".join(f"{t:.3f}" for t in s["runs"])]
            for n, s in stats.items()]
    verdict = "PASS" if ratio <= 1.0 else "FAIL"
    parts = []
    run_code = ("from featgraph.cli import main; "
                f"main(['run', 'plp', {WAV!r}, '-o', {npz!r}, '-q'])")
    for label, code, env in (("featgraph run plp", run_code, None),
                             ("featgraph run plp, bytecode cached", run_code, cached),
                             ("python_speech_features script", psf_code, None)):
        total, top = h.import_top(code, 10, env)
        parts.append(f"- {label}: imports {total:.0f} ms in all; heaviest (cumulative ms): "
                     + ", ".join(f"`{m}` {ms:.0f}" for m, ms in top))
    body = (f"Commands, each a fresh process, interleaved rounds:\n\n"
            f"- featgraph: `{h.shown(shlex.join(fg_cmd)).replace(tmp, '<tmp>')}`\n"
            f"- python_speech_features: `python -c \"{h.shown(psf_code).replace(tmp, '<tmp>')}\"`"
            "\n\n"
            + h.table(["command", "n", "median s", "min s", "runs s"], rows)
            + f"\n\n**featgraph / python_speech_features, ratio of medians: {ratio:.2f}** "
            f"(target <= 1.0: {verdict}; ratio of mins {fg['min'] / psf['min']:.2f}).\n\n"
            "Import time, `python -X importtime -c CODE` (one run; the tool inflates every "
            "figure; a module's time includes what it imports; the interpreter's `site` "
            "left out):\n\n" + "\n".join(parts) + "\n")
    shutil.rmtree(tmp)
    h.write_section("cold", "cold start of one small file, featgraph against "
                    "python_speech_features", body, ("python_speech_features", "soundfile"),
                    args.write)


if __name__ == "__main__":
    main()

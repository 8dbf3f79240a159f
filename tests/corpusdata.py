"""A small corpus with every hard case of a batch run, for tests/test_corpus*.py.

Good files (copies of the speech recordings with rastamat references in tests/data),
in nested folders, two of them named ``x.wav`` in different folders, one FLAC and one
upper-case extension; a corrupt WAV, an empty ``.wav``, a text file named ``.flac``;
a ``readme.txt`` (not audio by extension: ignored) and a symbolic link looping back
to the corpus root.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import soundfile as sf

from conftest import SPEECH

ROOT = Path(__file__).resolve().parent.parent
# relative path below the corpus -> the stem of its rastamat reference
GOOD = {"a/x.wav": "english_8k", "b/deep/x.wav": "speech_en_gb_16k",
        "b/y.flac": "english_8k", "c/z.WAV": "speech_en_gb_16k"}
BAD = {"bad/corrupt.wav": "No 'data' chunk marker", "bad/empty.wav": "empty file",
       "bad/notes.flac": "cannot read audio file"}
NPZ = {"a/x.wav": "a/x.npz", "b/deep/x.wav": "b/deep/x.npz", "b/y.flac": "b/y.npz",
       "c/z.WAV": "c/z.npz"}


def make_corpus(root: Path, bad: bool = True) -> Path:
    """Write the corpus under ``root`` and return it."""
    for rel, stem in GOOD.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".flac":
            y, sr = sf.read(SPEECH[stem], dtype="int16")
            sf.write(target, y, sr, subtype="PCM_16")
        else:
            shutil.copy(SPEECH[stem], target)
    if bad:
        (root / "bad").mkdir()
        (root / "bad" / "corrupt.wav").write_bytes(SPEECH["english_8k"].read_bytes()[:30])
        (root / "bad" / "empty.wav").write_bytes(b"")
        (root / "bad" / "notes.flac").write_text("these are notes, not audio\n")
    (root / "readme.txt").write_text("not audio by its extension: never read\n")
    os.symlink("..", root / "a" / "loop")            # a/loop/a/loop/... would never end
    return root


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def interrupt_after(args: list[str], count, k: int, cwd: Path) -> int:
    """Run ``featgraph ARGS`` in a subprocess, send it a real SIGINT once ``count()``
    reaches ``k``, and return its exit status."""
    import signal

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    def child_setup():
        # A lower priority than this polling loop, so that on a loaded machine the SIGINT
        # still arrives part-way through rather than after the last file; and SIGINT's
        # default disposition, which a shell's background job (`.ci/run &`) would otherwise
        # pass on as "ignored", so that Python installs its KeyboardInterrupt handler.
        os.nice(10)
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen([sys.executable, "-m", "featgraph", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=child_setup)
    deadline = time.monotonic() + 120
    while count() < k and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    return proc.returncode

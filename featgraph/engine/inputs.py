"""The inputs of a corpus run, and the name each one gets in the outputs.

An input argument is

- an audio file (any name: libsndfile reads by content);
- a folder: every file below it whose extension is in :data:`AUDIO_EXTENSIONS`
  (case-insensitive), recursively, in sorted order, following symbolic links but
  entering each real folder once, so a link loop ends the descent;
- a Kaldi ``wav.scp`` (a file ending in ``.scp``): ``<utterance-id> <path>`` per
  line; a piped command (``id sox x.wav -t wav - |``) is refused with
  :class:`InputError`, as are other extended filenames (``x.ark:123``);
- a text list (``.txt``, ``.lst``, ``.list``): one path per line; blank lines and
  lines starting with ``#`` are skipped.

Relative paths in lists and ``wav.scp`` are relative to the current folder, as
Kaldi takes them.  Each input gets a unique *key*: its ``wav.scp`` utterance id, or
its path relative to the common folder of all inputs (the folders given included),
``/``-separated, with its suffix.  Its ``.npz`` goes to the same relative place
under the output folder, named by the stem; two inputs of one folder with the same
stem keep their suffix (``x.wav.npz``, ``x.flac.npz``).  Two inputs that would still
share a key or an ``.npz`` (the same file given twice) are refused before anything
runs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

AUDIO_EXTENSIONS = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3",
                              ".aif", ".aiff", ".aifc", ".au", ".snd", ".w64", ".caf",
                              ".rf64", ".sph", ".nist", ".voc", ".htk", ".sf", ".mat"})
LIST_SUFFIXES = (".txt", ".lst", ".list")


class InputError(ValueError):
    """An input argument that cannot be used at all (refused before anything runs)."""


@dataclass(frozen=True)
class Item:
    """One input: its ``path``, unique ``key``, ``.npz`` ``target`` (or None) and a
    ``problem`` found before running (an empty folder), reported as its failure."""

    path: str
    key: str
    target: str | None = None
    problem: str | None = None


def discover(args: list[str]) -> tuple[list[tuple[str, str | None, str | None]], list[str]]:
    """The inputs named by ``args``: ``[(path, utterance id or None, problem or None)]``
    and the folders given (their absolute paths)."""
    found, roots = [], []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            roots.append(os.path.abspath(arg))
            files = list(walk(arg))
            found += [(f, None, None) for f in files] or [
                (arg, None, "no audio files in this folder (looked for .wav, .flac, "
                 ".ogg, .mp3 ... files below it)")]
        elif p.suffix == ".scp" and p.is_file():
            found += [(path, utt, None) for utt, path in read_scp(p)]
        elif p.suffix in LIST_SUFFIXES and p.is_file():
            found += [(path, None, None) for path in read_list(p)]
        else:
            found.append((arg, None, None))
    return found, roots


def walk(folder: str):
    """Audio files below ``folder``, sorted, each real folder entered once."""
    seen = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            if os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS:
                yield os.path.join(dirpath, name)


def read_list(path: Path) -> list[str]:
    """The paths of a text list, one per line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]


def read_scp(path: Path) -> list[tuple[str, str]]:
    """``(utterance id, path)`` of each line of a Kaldi ``wav.scp``."""
    pairs, ids = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        utt, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        where = f"{path}:{n}"
        if rest.endswith("|") or rest.startswith("|"):
            raise InputError(f"{where}: '{utt}' is a piped command; featgraph reads audio "
                             "files only: convert first (e.g. run the command into a .wav) "
                             "and list the files")
        if not rest:
            raise InputError(f"{where}: expected '<utterance-id> <path>'")
        if ":" in rest and not Path(rest).exists() and rest.rsplit(":", 1)[1].isdigit():
            raise InputError(f"{where}: '{rest}' is an ark offset, not an audio file")
        if utt in ids:
            raise InputError(f"{where}: utterance id '{utt}' appears twice")
        if ".." in utt.split("/"):
            raise InputError(f"{where}: utterance id '{utt}' cannot name an output file")
        ids.add(utt)
        pairs.append((utt, rest))
    return pairs


def name(found, roots: list[str], out: str | None) -> list[Item] | str:
    """Give every input its key and ``.npz`` target under the folder ``out`` (None: no
    targets; a path ending in ``.npz``: that file, for one input); a usage message
    instead when two inputs collide.  (One ``stat`` per input: this runs before any
    worker starts.)"""
    absolute = [Path(os.path.abspath(p)) for p, _, _ in found]
    is_file = [os.path.isfile(a) for a in absolute]
    readable = [str(a.parent) for a, f in zip(absolute, is_file) if f] + roots
    if not readable:
        readable = [str(a.parent) for a in absolute]
    try:
        root = Path(os.path.commonpath(readable)) if readable else Path.cwd()
    except ValueError:                                  # different drives
        return "the inputs have no common folder; run them separately"
    by_stem: dict[tuple, set] = {}
    for a in absolute:
        by_stem.setdefault((a.parent, a.stem), set()).add(a)
    single = out is not None and out.endswith(".npz") and not Path(out).is_dir()
    if single and len(found) > 1:
        return "-o FILE.npz takes one input; give a folder for several"
    base = Path(out) if out is not None else None
    items, seen = [], {}
    for (path, utt, problem), a, a_is_file in zip(found, absolute, is_file):
        try:
            rel = a.relative_to(root)
        except ValueError:                              # outside the common folder
            rel = Path(a.name)
        key = utt or rel.as_posix()
        if single:
            target = out
        elif out is None:
            target = None
        elif utt:
            target = str(base / f"{utt}.npz")
        else:
            stem = a.name if len(by_stem[a.parent, a.stem]) > 1 else a.stem
            target = str(base / rel.parent / f"{stem}.npz")
        item = Item(path, key, target, problem)
        if problem is None and a_is_file:
            for label, what in ((target, f"written to {target}"), (key, f"keyed {key}")):
                if label is not None and (label, what) in seen:
                    return (f"{seen[label, what]} and {path} would both be {what}; "
                            "give each file once")
                seen[label, what] = path
        items.append(item)
    return items

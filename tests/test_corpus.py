"""Corpus runs: inputs, outputs for every good file, the failures log, resume, Ctrl-C."""
import json
import os
import shutil
import warnings

import numpy as np
import pytest

import featgraph
from featgraph.cli import main
from conftest import SPEECH, assert_close_per_coefficient, rastamat
from corpusdata import BAD, GOOD, NPZ, interrupt_after, make_corpus, tree


def _log(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _summary(err: str) -> str:
    return next(line for line in err.splitlines() if " already done, " in line)


def test_folder_run_writes_every_good_file_logs_the_bad_ones_and_exits_non_zero(
        tmp_path, capsys):
    corpus, out = make_corpus(tmp_path / "corpus"), tmp_path / "features"
    assert main(["run", "plp", str(corpus), "-o", str(out)]) == 1
    # every good file, mirrored (the two x.wav apart), nothing through the loop
    assert sorted(tree(out)) == sorted(NPZ.values())
    for rel, stem in GOOD.items():
        with np.load(out / NPZ[rel]) as z:
            assert_close_per_coefficient(z["plp"], rastamat(stem)["plp"], 1e-4)
    err = capsys.readouterr().err
    log = tmp_path / "features.failures.jsonl"
    entries = _log(log)
    assert sorted(e["path"] for e in entries) == sorted(str(corpus / b) for b in BAD)
    for entry in entries:
        assert BAD[os.path.relpath(entry["path"], corpus)] in entry["reason"]
        assert f"error: {entry['path']}: {entry['reason']}" in err
    assert _summary(err).startswith("4 done, 0 already done, 3 failed")
    assert "3 of 7 input(s) failed; failures logged in" in err

    # the same command again does no work: no output rewritten, no failure retried
    stamps = {p: os.stat(out / p).st_mtime_ns for p in NPZ.values()}
    assert main(["run", "plp", str(corpus), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert _summary(err).startswith("0 done, 4 already done, 3 failed")
    assert "as in the previous run" in err
    assert {p: os.stat(out / p).st_mtime_ns for p in NPZ.values()} == stamps
    assert len(_log(log)) == 3

    # a changed input is redone; a changed parameter redoes everything; failures retried
    (corpus / "b" / "y.flac").write_bytes((corpus / "b" / "y.flac").read_bytes())
    os.utime(corpus / "b" / "y.flac", ns=(1, 1))
    assert main(["run", "plp", str(corpus), "-o", str(out)]) == 1
    assert _summary(capsys.readouterr().err).startswith("1 done, 3 already done, 3 failed")
    assert main(["run", "plp", str(corpus), "-o", str(out), "--set", "order=12",
                 "--retry-failed"]) == 1
    assert _summary(capsys.readouterr().err).startswith("4 done, 0 already done, 3 failed")
    with np.load(out / "a" / "x.npz") as z:
        assert_close_per_coefficient(z["plp"], rastamat("english_8k")["plp13"], 1e-4)
    assert len(_log(log)) == 6


def test_two_local_workers_write_the_same_bytes(tmp_path, capsys):
    corpus = make_corpus(tmp_path / "corpus")
    assert main(["run", "plp", str(corpus), "-o", str(tmp_path / "one")]) == 1
    assert main(["run", "plp", str(corpus), "-o", str(tmp_path / "two"), "--jobs", "2"]) == 1
    assert tree(tmp_path / "two") == tree(tmp_path / "one")
    assert _summary(capsys.readouterr().err).startswith("4 done, 0 already done, 3 failed")


@pytest.mark.parametrize("output", ["features", "features.h5"])
def test_a_run_interrupted_by_sigint_resumes_to_the_bytes_of_an_uninterrupted_run(
        tmp_path, output):
    corpus = tmp_path / "corpus"
    for i in range(24):                               # ~40 ms each: the run takes a while
        (corpus / f"s{i % 3}").mkdir(parents=True, exist_ok=True)
        shutil.copy(SPEECH["speech_en_16k"], corpus / f"s{i % 3}" / f"u{i:02d}.wav")
    out = tmp_path / "run" / output
    out.parent.mkdir()
    parts = out if output == "features" else out.with_name(output + ".parts")

    def count():
        return sum(1 for _ in parts.rglob("*.npz")) if parts.exists() else 0

    code = interrupt_after(["run", "plp", str(corpus), "-o", str(out)], count, 3, tmp_path)
    assert code == 130                                # stopped by the SIGINT ...
    done = count()
    assert 3 <= done < 24 and not out.with_suffix(".h5").is_file()   # ... part-way through
    assert not [p for p in out.parent.rglob("*.tmp")]  # no half-written file remains
    assert main(["run", "plp", str(corpus), "-o", str(out), "-q"]) == 0
    fresh = tmp_path / "fresh" / output
    assert main(["run", "plp", str(corpus), "-o", str(fresh), "-q"]) == 0
    if output == "features":
        assert tree(out) == tree(fresh) and len(tree(out)) == 24
    else:
        assert out.read_bytes() == fresh.read_bytes()
        assert not parts.exists()


def test_text_lists_and_wav_scp(tmp_path, capsys):
    corpus = make_corpus(tmp_path / "corpus", bad=False)
    listing = tmp_path / "list.txt"
    listing.write_text(f"# two files\n{corpus / 'a' / 'x.wav'}\n\n{corpus / 'c' / 'z.WAV'}\n")
    assert main(["run", "plp", str(listing), "-o", str(tmp_path / "fromlist")]) == 0
    assert sorted(tree(tmp_path / "fromlist")) == ["a/x.npz", "c/z.npz"]

    scp = tmp_path / "wav.scp"
    scp.write_text(f"spk1-utt1 {corpus / 'a' / 'x.wav'}\nspk2-utt7 {corpus / 'b/deep/x.wav'}\n")
    assert main(["run", "plp", str(scp), "-o", str(tmp_path / "fromscp")]) == 0
    assert sorted(tree(tmp_path / "fromscp")) == ["spk1-utt1.npz", "spk2-utt7.npz"]
    with np.load(tmp_path / "fromscp" / "spk2-utt7.npz") as z:
        assert_close_per_coefficient(z["plp"], rastamat("speech_en_gb_16k")["plp"], 1e-4)

    scp.write_text(f"u1 {corpus / 'a' / 'x.wav'}\nu2 sox {corpus / 'a/x.wav'} -t wav - |\n")
    capsys.readouterr()
    assert main(["run", "plp", str(scp), "-o", str(tmp_path / "piped")]) == 2
    err = capsys.readouterr().err
    assert f"{scp}:2: 'u2' is a piped command" in err and "convert first" in err
    assert not (tmp_path / "piped").exists()


def test_python_api_run_many_and_iter_many(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    recipe = featgraph.load("plp")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = recipe.run_many(corpus)
    assert sorted(str(w.message).split(": ")[0] for w in caught) == sorted(
        str(corpus / b) for b in BAD)
    assert sorted(os.path.relpath(p, corpus) for p in results) == sorted(GOOD)
    assert_close_per_coefficient(results[str(corpus / "c" / "z.WAV")]["plp"],
                                 rastamat("speech_en_gb_16k")["plp"], 1e-4)
    summary = recipe.run_many(corpus, out=tmp_path / "out", jobs=2,
                              failures=str(tmp_path / "f.jsonl"))
    assert (len(summary.done), len(summary.skipped), len(summary.failed)) == (4, 0, 3)
    assert sorted(tree(tmp_path / "out")) == sorted(NPZ.values())
    again = recipe.run_many(corpus, out=tmp_path / "out", failures=str(tmp_path / "f.jsonl"))
    assert (len(again.done), len(again.skipped), len(again.failed)) == (0, 4, 3)
    with pytest.raises(featgraph.AudioError, match="corrupt.wav"):
        dict(recipe.iter_many(corpus / "bad", errors="raise"))


def test_progress_bar_on_a_terminal_lines_otherwise_quiet_and_verbose(
        tmp_path, capsys, monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    corpus = make_corpus(tmp_path / "corpus")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["run", "plp", str(corpus), "-o", str(tmp_path / "bar")]) == 1
    bar = terminal.getvalue()
    assert "7/7" in bar and "audio h/s" in bar and "file/s" in bar   # files, rate, speed
    assert bar.count("error: ") == 3                  # errors still shown, above the bar
    assert capsys.readouterr().out == ""               # no per-file lines under a bar
    monkeypatch.undo()

    assert main(["run", "plp", str(corpus), "-o", str(tmp_path / "lines")]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 4 and "\r" not in err      # not a terminal: lines
    assert main(["run", "plp", str(corpus), "-o", str(tmp_path / "q"), "-q",
                 "--retry-failed"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 3            # errors only
    assert main(["run", "plp", str(corpus), "-o", str(tmp_path / "q"), "-v"]) == 1
    out, err = capsys.readouterr()
    assert out.count(": up to date") == 4


def test_one_input_already_done_says_so(tmp_path, capsys):
    out = tmp_path / "x.npz"
    assert main(["run", "plp", str(SPEECH["english_8k"]), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["run", "plp", str(SPEECH["english_8k"]), "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"{SPEECH['english_8k']}: up to date\n"


def test_corpus_runs_share_the_feature_cache(tmp_path, capsys):
    """A corpus run with --cache fills it; the same corpus through run_many with a changed
    downstream parameter reads the upstream nodes from it (per-file reports) and gives the
    numbers of an uncached run."""
    corpus = make_corpus(tmp_path / "corpus", bad=False)
    cache = tmp_path / "cache"
    assert main(["run", "mfcc39", str(corpus), "-o", str(tmp_path / "out"), "-q",
                 "--cache", str(cache)]) == 0
    recipe = featgraph.load("mfcc39")
    cached = recipe.run_many(str(corpus), cache=str(cache), ceplifter=10)
    fresh = recipe.run_many(str(corpus), ceplifter=10)
    assert sorted(cached) == sorted(fresh) and len(cached) == len(GOOD)
    for path, result in cached.items():
        from_cache = {row.node for row in result.report.cached}
        assert "cepstra" in from_cache, (path, from_cache)      # the node above the lifter
        assert "liftered" not in from_cache and "audio" in {r.node for r in result.report.skipped}
        np.testing.assert_array_equal(result["mfcc39"], fresh[path]["mfcc39"])

"""The featgraph command, end to end."""
import shutil
import subprocess
import sys

import numpy as np
import pytest

import featgraph
from featgraph.cli import main
from conftest import DATA, SPEECH, assert_close_per_coefficient, rastamat


def test_run_writes_npz_matching_rastamat(tmp_path, capsys):
    out = tmp_path / "speech.npz"
    assert main(["run", "plp", str(SPEECH["speech_en_16k"]), "-o", str(out)]) == 0
    with np.load(out) as z:
        assert_close_per_coefficient(z["plp"], rastamat("speech_en_16k")["plp"], 1e-4)
    assert "plp (9, 831)" in capsys.readouterr().out


def test_run_with_set_several_files_and_a_bad_one(tmp_path, capsys):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"nothing audible")
    inputs = [str(shutil.copy(SPEECH[s], tmp_path)) for s in ("english_8k", "speech_en_gb_16k")]
    inputs.insert(1, str(bad))                         # one folder: out/<stem>.npz
    code = main(["run", "plp", *inputs, "-o", str(tmp_path / "out"), "--set", "order=12"])
    assert code == 1                                   # a failure is reported ...
    err = capsys.readouterr().err
    assert f"error: {bad}: " in err and "cannot read audio file" in err
    for stem in ("english_8k", "speech_en_gb_16k"):   # ... and the others are done
        with np.load(tmp_path / "out" / f"{stem}.npz") as z:
            assert_close_per_coefficient(z["plp"], rastamat(stem)["plp13"], 1e-4)
    assert not (tmp_path / "out" / "broken.npz").exists()


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error: ")]


def test_run_mirrors_input_folders_so_equal_names_do_not_overwrite(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deep").mkdir(parents=True)
    first, second = tmp_path / "a" / "x.wav", tmp_path / "b" / "deep" / "x.wav"
    shutil.copy(SPEECH["english_8k"], first)
    shutil.copy(SPEECH["speech_en_gb_16k"], second)
    out = tmp_path / "out"
    assert main(["run", "plp", str(first), str(second), "-o", str(out)]) == 0
    for target, stem in ((out / "a" / "x.npz", "english_8k"),
                         (out / "b" / "deep" / "x.npz", "speech_en_gb_16k")):
        with np.load(target) as z:
            assert_close_per_coefficient(z["plp"], rastamat(stem)["plp"], 1e-4)
    assert f"{second} -> {out / 'b' / 'deep' / 'x.npz'}" in capsys.readouterr().out


def test_run_inputs_of_one_folder_stay_flat_and_keep_suffix_on_equal_stems(tmp_path, capsys):
    wav, flac = tmp_path / "x.wav", tmp_path / "x.flac"
    shutil.copy(SPEECH["english_8k"], wav)
    shutil.copy(SPEECH["english_8k"], flac)          # libsndfile reads by content
    out = tmp_path / "out"
    assert main(["run", "plp", str(wav), str(flac), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["x.flac.npz", "x.wav.npz"]


def test_run_refuses_colliding_inputs_before_writing(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    wav = tmp_path / "a" / "x.wav"
    shutil.copy(SPEECH["english_8k"], wav)
    again = tmp_path / "a" / ".." / "a" / "x.wav"     # the same file, spelled differently
    out = tmp_path / "out"
    assert main(["run", "plp", str(SPEECH["english_8k"]), str(wav), str(again),
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{wav} and {again} would both be written to" in err
    assert not out.exists()                          # nothing written, not even the first


def test_run_a_missing_input_elsewhere_neither_moves_nor_blocks_the_others(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    wav = shutil.copy(SPEECH["english_8k"], tmp_path / "a" / "x.wav")
    typo = tmp_path / "elsewhere" / "x.wav"           # same name, other folder, not there
    out = tmp_path / "out"
    assert main(["run", "plp", str(wav), str(typo), "-o", str(out)]) == 1
    assert [p.name for p in out.iterdir()] == ["x.npz"]   # not out/a/x.npz
    assert _error_lines(capsys.readouterr().err) == [f"error: {typo}: no such file"]


def test_run_missing_file_folder_and_unreadable_file_one_line_each(tmp_path, capsys):
    missing, folder, bad = tmp_path / "missing.wav", tmp_path / "folder", tmp_path / "bad.wav"
    folder.mkdir()
    bad.write_bytes(b"nothing audible")
    good = str(shutil.copy(SPEECH["english_8k"], tmp_path))
    code = main(["run", "plp", str(missing), str(folder), str(bad), good, "-o",
                 str(tmp_path / "out")])
    assert code == 1
    lines = _error_lines(capsys.readouterr().err)
    assert lines == [f"error: {missing}: no such file",
                     f"error: {folder}: no audio files in this folder (looked for .wav, "
                     ".flac, .ogg, .mp3 ... files below it)",
                     f"error: {bad}: cannot read audio file: Format not recognised."]
    assert (tmp_path / "out" / "english_8k.npz").exists()     # the typo moved nothing


def test_run_node_failure_names_the_node_and_the_path_once(tmp_path, capsys):
    short = tmp_path / "short.wav"
    short.write_bytes(open(SPEECH["english_8k"], "rb").read()[:44 + 2 * 50])   # 50 samples
    assert main(["run", "plp", str(short)]) == 1
    (line,) = _error_lines(capsys.readouterr().err)
    assert line.startswith(f"error: {short}: node 'frames' (op frame): the signal has 50 samples")
    assert line.count(str(short)) == 1


def test_validate_and_run_name_a_missing_or_folder_recipe(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (f"error: {tmp_path}: is a folder; give recipe files or "
                                       "shipped names\n")
    missing = tmp_path / "nope.yaml"
    assert main(["run", str(missing), str(SPEECH["english_8k"])]) == 1
    assert capsys.readouterr().err == f"error: {missing}: no such file\n"


def test_run_two_recipes_and_report(capsys):
    assert main(["run", "plp", "rasta_plp", str(SPEECH["english_8k"]), "--report"]) == 0
    out = capsys.readouterr().out
    assert "plp/plp (9, 425)" in out and "rasta_plp/rasta_plp (9, 425)" in out
    assert "rasta_plp/frames" in out and "shared" in out and "6 shared" in out


def test_run_usage_errors(tmp_path, capsys):
    assert main(["run", "plp"]) == 2
    assert main(["run", "nonsense", "x.wav"]) == 2
    assert main(["run", "plp", "a.wav", "b.wav", "-o", str(tmp_path / "x.npz")]) == 2
    assert main(["run", "plp", str(SPEECH["english_8k"]), "--set", "nfft=5"]) == 1
    assert "--set nfft: no recipe declares this parameter" in capsys.readouterr().err


def test_validate(write_recipe, capsys):
    assert main(["validate", "plp"]) == 0
    assert "ok:" in capsys.readouterr().out
    bad = write_recipe("nodes:\n  audio: {op: load}\n  f: {op: frame, input: audio, hop: -1}\n")
    assert main(["validate", str(bad)]) == 1
    assert f"error: {bad}:3: node 'f' parameter 'hop'" in capsys.readouterr().err


def test_list_and_show(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "plp" in out and "rasta_plp" in out
    for op in featgraph.engine.ops.registry():
        assert f"  {op}:" in out
    assert main(["show", "plp"]) == 0
    out = capsys.readouterr().out
    assert "flowchart TD" in out and "bark_filterbank" in out and "n0 --> n1" in out


@pytest.mark.skipif(shutil.which("featgraph") is None, reason="console script not installed")
def test_console_script(tmp_path):
    out = tmp_path / "s.npz"
    proc = subprocess.run(["featgraph", "run", "plp", str(SPEECH["english_8k"]), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    proc = subprocess.run([sys.executable, "-m", "featgraph", "validate", "plp"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("ok:")


def test_docs_op_reference_is_current():
    """docs/ops.md is generated from the parameter models; regenerate it when an op changes:
    featgraph list --markdown > docs/ops.md"""
    from pathlib import Path

    from featgraph.cli import ops_markdown

    docs = Path(__file__).parent.parent / "docs" / "ops.md"
    assert docs.read_text() == ops_markdown() + "\n"

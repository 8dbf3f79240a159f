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
    inputs = [str(SPEECH["english_8k"]), str(bad), str(SPEECH["speech_en_gb_16k"])]
    code = main(["run", "plp", *inputs, "-o", str(tmp_path / "out"), "--set", "order=12"])
    assert code == 1                                   # a failure is reported ...
    err = capsys.readouterr().err
    assert f"error: {bad}: " in err and "cannot read audio file" in err
    for stem in ("english_8k", "speech_en_gb_16k"):   # ... and the others are done
        with np.load(tmp_path / "out" / f"{stem}.npz") as z:
            assert_close_per_coefficient(z["plp"], rastamat(stem)["plp13"], 1e-4)
    assert not (tmp_path / "out" / "broken.npz").exists()


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

"""`featgraph plot` and `featgraph show --format`: every kind of panel renders into a valid
PNG of the requested size; the graph formats mark shared nodes; matplotlib stays optional."""
import subprocess
import sys

import numpy as np
import pytest

import featgraph
from featgraph.cli import main
from featgraph.engine.feature import Feature
from featgraph.engine.graph import build
from featgraph.engine.kinds import Kind
from featgraph.plot import graph_dot, graph_mermaid, panel_style, png_size

MIX = """
name: mix
nodes:
  audio:     {op: load}
  frames:    {op: frame, input: audio, length: 512, hop: 160}
  windowed:  {op: window, input: frames}
  spectrum:  {op: rfft, input: windowed}
  power:     {op: power, input: spectrum}
  mel:       {op: mel_filterbank, input: power, n_mels: 40}
  logmel:    {op: log, input: mel, floor: 1.0e-10}
  mfcc:      {op: dct, input: logmel, n_out: 13}
  centroid:  {op: spectral_centroid, input: power}
outputs: [spectrum, power, mel, mfcc, centroid]
"""


def test_panel_styles():
    noise = np.random.default_rng(0).standard_normal(8000)
    result = featgraph.load("spectral_features").run(noise, sr=16000)
    assert panel_style(result.features["centroid"]) == "curve"
    assert panel_style(result.features["contrast"]) == "image"
    bands = Feature(np.ones((3, 5)), Kind.BANDS, 16000.0, axis=np.array([100., 300., 900.]))
    assert panel_style(bands) == "spectrogram"
    cepstra = Feature(np.ones((13, 5)), Kind.CEPSTRA, 16000.0)
    assert panel_style(cepstra) == "image"


@pytest.mark.parametrize("size", [None, (700, 520)])
def test_plot_every_kind_of_panel(write_recipe, tmp_path, size):
    pytest.importorskip("matplotlib")
    recipe = write_recipe(MIX)
    out = tmp_path / "fig.png"
    args = ["plot", str(recipe), str(featgraph.example("speech")), "-o", str(out)]
    if size:
        args += ["--size", f"{size[0]}x{size[1]}"]
    assert main(args) == 0
    # spectrum (complex, uniform axis), power (uniform), mel (non-uniform), mfcc (image), centroid
    from featgraph.plot import default_size
    want = size or default_size(featgraph.load(recipe).run(featgraph.example("speech")).features)
    assert png_size(out) == want
    assert want[1] == size[1] if size else want[1] == 4 * 260 + 110 + 60


def test_plot_rejects_a_bad_size(write_recipe, tmp_path):
    assert main(["plot", str(write_recipe(MIX)), str(featgraph.example("speech")), "-o",
                 str(tmp_path / "x.png"), "--size", "big"]) == 2


def test_show_formats_mark_shared_nodes(tmp_path, capsys):
    plan = build([featgraph.load("plp"), featgraph.load("rasta_plp")])
    dot = graph_dot(plan)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    # the front end up to the Bark bands is computed once for both recipes
    assert dot.count('fillcolor="#ffe9a8"') == 6
    assert "shared by rasta_plp/bands" in dot
    mermaid = graph_mermaid(plan)
    assert mermaid.splitlines()[-1] == "    class n0,n1,n2,n3,n4,n5 shared"
    assert main(["show", "plp", "rasta_plp", "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith("digraph")
    assert main(["show", "plp", "--format", "mermaid", "-o", str(tmp_path / "g.mmd")]) == 0
    assert (tmp_path / "g.mmd").read_text().startswith("flowchart TD")
    assert main(["show", "plp", "--format", "png"]) == 2          # png needs -o


def test_show_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "graph.png"
    assert main(["show", "plp", "rasta_plp", "--format", "png", "-o", str(out)]) == 0
    width, height = png_size(out)
    assert width >= 600 and height >= 300


def test_png_size_rejects_other_files(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"GIF89a" + bytes(30))
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(path)


def test_matplotlib_is_imported_only_by_the_drawing_commands():
    code = ("import sys, featgraph, featgraph.cli, featgraph.plot; "
            "featgraph.cli.main(['show', 'plp', '--format', 'dot']); "
            "sys.exit('matplotlib' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0

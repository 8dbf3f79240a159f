"""A real Dask cluster (2 worker processes on loopback) through ``--scheduler``."""
import pytest

from featgraph.cli import main
from corpusdata import NPZ, make_corpus, tree

distributed = pytest.importorskip("distributed")


def test_dask_cluster_writes_the_outputs_of_a_local_run(tmp_path, monkeypatch, capsys):
    corpus = make_corpus(tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "plp", "corpus", "-o", "local", "-q"]) == 1
    assert main(["run", "plp", "corpus", "-o", "stats.parquet", "-q"]) == 1
    local_stats = (tmp_path / "stats.parquet").read_bytes()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        capsys.readouterr()
        assert main(["run", "plp", "corpus", "-o", "remote", "--scheduler", address]) == 1
        err = capsys.readouterr().err
        (tmp_path / "stats.parquet").unlink()
        assert main(["run", "plp", "corpus", "-o", "stats.parquet", "--scheduler", address,
                     "-q"]) == 1
    assert sorted(tree(tmp_path / "remote")) == sorted(NPZ.values())
    assert tree(tmp_path / "remote") == tree(tmp_path / "local")   # relative paths, same bytes
    assert (tmp_path / "stats.parquet").read_bytes() == local_stats
    assert "4 done, 0 already done, 3 failed" in err
    assert "error: corpus/bad/empty.wav: empty file" in err

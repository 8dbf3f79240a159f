"""Corpus outputs: HDF5, Kaldi ark/scp and Parquet read back with their own libraries."""
import json
import os
import sys

import h5py
import kaldiio
import numpy as np
import pyarrow.parquet as pq
import pytest

from featgraph.cli import main
from featgraph.engine import functionals
from corpusdata import GOOD, NPZ, make_corpus

STORES = ["feats.h5", "ark:feats.ark,scp:feats.scp", "stats.parquet"]


@pytest.fixture
def corpus(tmp_path, monkeypatch, capsys):
    """The good files, their .npz outputs, and the current folder in tmp_path."""
    corpus = make_corpus(tmp_path / "corpus", bad=False)
    assert main(["run", "plp", str(corpus), "-o", str(tmp_path / "npz"), "-q"]) == 0
    monkeypatch.chdir(tmp_path)
    return corpus


def _npz(tmp_path, rel):
    with np.load(tmp_path / "npz" / NPZ[rel]) as z:
        return z["plp"], json.loads(z["__meta__"].item())


def _summary(err: str) -> str:
    return next(line for line in err.splitlines() if " already done, " in line)


def test_hdf5_and_ark_read_back_equal_to_the_npz_outputs(tmp_path, corpus):
    assert main(["run", "plp", str(corpus), "-o", "feats.h5", "-q"]) == 0
    assert main(["run", "plp", str(corpus), "-o", "ark:feats.ark,scp:feats.scp", "-q"]) == 0
    ark = kaldiio.load_scp("feats.scp")
    assert sorted(ark) == sorted(GOOD)
    with h5py.File("feats.h5", "r") as f:
        for rel in GOOD:
            want, meta = _npz(tmp_path, rel)
            got = f[rel]["plp"][()]
            assert got.dtype == want.dtype and np.array_equal(got, want)
            attrs = json.loads(f[rel].attrs["meta"])
            assert attrs["outputs"] == meta["outputs"] and attrs["source"] == str(corpus / rel)
            assert attrs["outputs"]["plp"]["hop"] == (80 if "8k" in GOOD[rel] else 160)
            assert np.array_equal(ark[rel], want.T)        # Kaldi: (frames, features)
    assert not os.path.exists("feats.h5.parts")


def test_parquet_statistics_equal_numpy(tmp_path, corpus):
    stats = "mean,std,min,max,p10,p50,p90,slope"
    assert main(["run", "plp", str(corpus), "-o", "stats.parquet", "--summary", stats,
                 "-q"]) == 0
    rows = {r["key"]: r for r in pq.read_table("stats.parquet").to_pylist()}
    assert sorted(rows) == sorted(GOOD)
    for rel in GOOD:
        x, meta = _npz(tmp_path, rel)
        row = rows[rel]
        assert row["path"] == str(corpus / rel)
        t = np.arange(x.shape[1]) * meta["outputs"]["plp"]["hop"] / meta["outputs"]["plp"]["sr"]
        want = {"mean": x.mean(1), "std": x.std(1), "min": x.min(1), "max": x.max(1),
                "p10": np.percentile(x, 10, 1), "p50": np.median(x, 1),
                "p90": np.percentile(x, 90, 1),
                "slope": [np.polyfit(t, c, 1)[0] for c in x]}
        for stat, values in want.items():
            got = [row[f"plp.{stat}.{i}"] for i in range(x.shape[0])]
            np.testing.assert_allclose(got, values, rtol=1e-9, atol=1e-12, err_msg=stat)
        assert row["duration"] == pytest.approx(x.shape[1] * 0.01, abs=0.02)


def test_event_times_give_count_rate_and_mean_interval():
    got = functionals.summarize(np.array([0.5, 1.0, 2.0, 3.5]), ("mean",), 16000, None, 10.0)
    assert {k: float(v) for k, v in got.items()} == {"count": 4.0, "rate": 0.4,
                                                    "mean_interval": 1.0}
    with pytest.raises(ValueError, match="unknown statistic 'median'"):
        functionals.parse("mean,median")


@pytest.mark.parametrize("spec", STORES)
def test_a_store_rerun_does_no_work_and_an_update_equals_a_fresh_store(
        tmp_path, corpus, capsys, spec):
    files = ["feats.ark", "feats.scp"] if spec.startswith("ark") else [spec]
    assert main(["run", "plp", str(corpus), "-o", spec]) == 0
    stamps = [os.stat(f).st_mtime_ns for f in files]
    capsys.readouterr()
    assert main(["run", "plp", str(corpus), "-o", spec]) == 0
    assert _summary(capsys.readouterr().err).startswith("0 done, 4 already done, 0 failed")
    assert [os.stat(f).st_mtime_ns for f in files] == stamps      # not even rewritten
    os.utime(corpus / "b" / "y.flac", ns=(1, 1))                   # one input changed
    assert main(["run", "plp", str(corpus), "-o", spec]) == 0      # 3 read back, 1 redone
    assert _summary(capsys.readouterr().err).startswith("1 done, 3 already done, 0 failed")
    (tmp_path / "fresh").mkdir()
    os.chdir(tmp_path / "fresh")
    assert main(["run", "plp", str(corpus), "-o", spec, "-q"]) == 0
    for f in files:
        assert (tmp_path / f).read_bytes() == (tmp_path / "fresh" / f).read_bytes()


def test_store_usage_errors_and_a_missing_extra(corpus, capsys, monkeypatch):
    assert main(["run", "plp", "rasta_plp", str(corpus), "-o", "ark:a.ark,scp:a.scp"]) == 2
    assert "an ark holds one matrix per input" in capsys.readouterr().err
    assert main(["run", "plp", str(corpus), "-o", "x.h5", "--summary", "mean"]) == 2
    assert "give -o FILE.parquet" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "h5py", None)
    assert main(["run", "plp", str(corpus), "-o", "x.h5"]) == 1
    assert "pip install 'featgraph[hdf5]'" in capsys.readouterr().err
    assert not os.path.exists("x.h5") and not os.path.exists("x.h5.parts")


def test_a_one_dimensional_signal_is_one_coefficient_not_events():
    y = np.array([1.0, 3.0, 2.0, 6.0])
    got = functionals.summarize(y, ("mean", "max", "slope"), 2.0, None, events=False)
    assert (got["mean"].tolist(), got["max"].tolist()) == ([3.0], [6.0])
    np.testing.assert_allclose(got["slope"], [np.polyfit([0, .5, 1, 1.5], y, 1)[0]], rtol=1e-12)

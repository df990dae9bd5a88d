"""Every benchmark runs end to end at a tiny size, so a refactor cannot break one unseen.

Each runs as a user runs it (its own process, its command line), in a temporary
folder, and its results JSON is checked for what the benchmark exists to show.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT

BENCHMARKS = ROOT / "benchmarks"
SMOKE_TIMEOUT = 300  # seconds: generous for a shared machine; each takes seconds alone


def run_bench(tmp_path, script: str, *args: str) -> object:
    """Run benchmarks/`script` with `args` and --json; its parsed results."""
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args, "--json", str(out)],
        cwd=tmp_path,  # anything a benchmark writes beside itself lands here
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


def test_bench_ingest_reads_both_kinds_of_page(tmp_path):
    row = run_bench(tmp_path, "bench_ingest.py", "--pages", "8", "--html-pages", "4")
    assert row["aggregator"]["pages"] == 8 and row["aggregator"]["chunks"] > 8
    assert row["html"]["pages"] == 4 and row["html"]["chunks"] >= 4
    assert row["aggregator"]["one_file_changed_s"] > 0


def test_bench_retrieval_agrees_with_rank_bm25(tmp_path):
    pytest.importorskip("rank_bm25")
    rows = run_bench(
        tmp_path,
        "bench_retrieval.py",
        "--sizes",
        "300",
        "--queries",
        "10",
        "--skip",
        "bm25s,tantivy",
    )
    newsbot = next(r for r in rows if r["impl"] == "newsbot")
    assert newsbot["chunks"] == 300 and newsbot["queries"] == 10
    assert newsbot["top10_overlap"] == 1.0 and newsbot["max_score_diff"] < 1e-9


def test_bench_scale_restarts_a_segmented_index_and_checks_every_query(tmp_path):
    row = run_bench(
        tmp_path,
        "bench_scale.py",
        *("--chunks", "3000", "--segment", "1000", "--queries", "10", "--folder", str(tmp_path)),
    )
    assert row["chunks"] == 3000 and row["segments"] == 3 and row["merges"] == 0
    assert row["queries"] == 10 and row["top10_exact"] == 1.0
    assert row["restart_first_answer_s"] > 0


def test_bench_load_answers_every_question(tmp_path):
    rows = run_bench(
        tmp_path,
        "bench_load.py",
        "--pages",
        "6",
        "--minutes",
        "0.01",
        "--folder",
        str(tmp_path / "load"),
    )
    assert rows and all(r["lost"] == 0 for r in rows)
    assert all(r["answered"] + r["cooled"] == r["asked"] for r in rows)


def test_bench_spelling_finds_candidates(tmp_path):
    pytest.importorskip("symspellpy")  # the bench extra
    rows = run_bench(tmp_path, "bench_spelling.py", "--sizes", "2000")
    assert rows and rows[0]["terms"] > 0


def test_bench_xapian_gives_the_embedded_top_10_on_every_query(tmp_path):
    from shard_servers import require_tcpsrv

    pytest.importorskip("xapian")
    require_tcpsrv()
    row = run_bench(
        tmp_path,
        "bench_xapian.py",
        "--chunks",
        "1500",
        "--queries",
        "6",
        "--work",
        str(tmp_path / "work"),
    )
    assert row["chunks"] == 1500 and row["xapian_write"] == "folders"
    assert row["synthetic"]["same_top10"] == row["synthetic"]["queries"] == 6
    assert row["common"]["same_top10"] == row["common"]["queries"]
    assert row["synthetic"]["max_rel_score_diff"] < 1e-9
    assert row["xapian_write_chunks_per_s"] > 0
    assert not (tmp_path / "work").exists()  # the servers' folders are removed


def test_calibrate_answers_scores_one_setting_on_both_question_sets(tmp_path, monkeypatch, capsys):
    shared = ROOT.parent / "shared"
    if not (shared / "eval" / "questions.yaml").exists():
        pytest.skip("../shared is not here")
    sys.path.insert(0, str(BENCHMARKS))
    import calibrate_answers

    from retrieval.answering import snippets

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(calibrate_answers, "GRID", {(snippets, "CHUNK_WEIGHT"): [0.4]})
    monkeypatch.setattr(sys, "argv", ["calibrate_answers.py", "--shared", str(shared)])
    calibrate_answers.main()
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("CHUNK_WEIGHT") and " shared " in line and " bundled " in line

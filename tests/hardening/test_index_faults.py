"""`newsbot index` killed mid-write: the previous good index survives; the next run completes.

Kills land in a segment write (new files indexed as a segment) and in a background
merge: whatever the moment, `current` names a complete, verified generation that
holds every file indexed before."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_ingest

from retrieval.config import load_config
from retrieval.index import store


def _index(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "index", "--config", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_during_index_keeps_the_previous_index(tmp_path):
    corpus = tmp_path / "news"
    corpus.mkdir()
    bench_ingest.write_pages(corpus, 40)
    config = tmp_path / "config.yaml"
    config.write_text(f"corpus: {corpus}\nindex:\n  persist: true\n  path: {tmp_path / 'idx'}\n")
    assert _index(config).wait(timeout=300) == 0
    loaded = load_config(str(config))
    settings = loaded.index_settings()
    idx = store.location(loaded.index.path, loaded.corpus)  # this corpus' index
    good = (idx / store.CURRENT).resolve()
    store.load(idx, settings)

    bench_ingest.write_pages(corpus, 400, seed=9)  # enough new work to be caught mid-way
    killed = 0
    for delay in (1.0, 2.0, 3.0, 4.5):
        proc = _index(config)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed += 1
            # Whatever moment the kill hit, what `current` names is complete and verified:
            # the previous index, or the new one if the kill came after the switch.
            store.load(idx, settings)
    assert killed
    proc = _index(config)
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    catalog, _ = store.load(idx, settings)
    assert len(catalog.files) == 400
    assert (idx / store.CURRENT).resolve() != good
    # Generations and segments left by killed runs are cleaned up by the next complete one.
    assert [p.name for p in idx.glob("gen-*")] == [(idx / store.CURRENT).resolve().name]
    assert sorted(p.name for p in (idx / store.SEGMENTS).iterdir()) == _segments(idx)


def _segments(idx: Path) -> list[str]:
    manifest = json.loads((idx / store.CURRENT / "manifest.json").read_text())
    return sorted(s["name"] for s in manifest["segments"])


def test_kill_during_a_merge_never_loses_an_indexed_file(tmp_path):
    corpus = tmp_path / "news"
    corpus.mkdir()
    bench_ingest.write_pages(corpus, 150)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"corpus: {corpus}\nindex:\n  persist: true\n  path: {tmp_path / 'idx'}\n"
        "  merge_factor: 2\n"
    )
    assert _index(config).wait(timeout=300) == 0
    loaded = load_config(str(config))
    settings = loaded.index_settings()
    idx = store.location(loaded.index.path, loaded.corpus)
    indexed = set(store.load(idx, settings)[0].files)
    assert len(_segments(idx)) == 1

    # As many pages again: a second segment of the same size tier, so the run merges them.
    for page in sorted(corpus.iterdir()):
        (corpus / f"b_{page.name}").write_text(page.read_text() + "\nA second edition.\n")
    for delay in (1.5, 3.0, 4.5, 6.0, 8.0):
        proc = _index(config)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        live, _ = store.load(idx, settings)  # complete and verified, whatever the moment
        assert indexed <= set(live.files)  # no file indexed before is ever lost
        assert live.size > 0
        indexed = set(live.files)
    proc = _index(config)
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    live, _ = store.load(idx, settings)
    assert len(live.files) == 300 and len(_segments(idx)) == 1  # added, then merged into one
    assert sorted(p.name for p in (idx / store.SEGMENTS).iterdir()) == _segments(idx)

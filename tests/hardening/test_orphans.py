"""`newsbot index` killed with SIGKILL: none of the processes it started outlives it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_ingest

WORKERS = 2


def _children() -> dict[int, int]:
    """pid -> parent pid for every live process, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":  # a zombie has exited already
            parents[int(entry.name)] = int(fields[1])
    return parents


def _descendants(pid: int) -> set[int]:
    parents = _children()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    live = _children()
    return {p for p in pids if p in live}


def test_killed_indexer_leaves_no_process_behind(tmp_path):
    corpus = tmp_path / "news"
    corpus.mkdir()
    bench_ingest.write_pages(corpus, 600)  # far above the pool's threshold: workers start
    config = tmp_path / "config.yaml"
    config.write_text(
        f"corpus: {corpus}\nindex:\n  persist: true\n  path: {tmp_path / 'idx'}\n"
        f"  workers: {WORKERS}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "index", "--config", str(config)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        seen: set[int] = set()
        # Wait until the pool's workers run (some helper process may come first).
        while len(seen) < WORKERS + 1 and time.monotonic() < deadline:
            assert proc.poll() is None, "the indexer finished before its workers were seen"
            seen |= _descendants(proc.pid)
            time.sleep(0.05)
        assert len(seen) >= WORKERS + 1, f"only {len(seen)} descendants appeared"
        time.sleep(0.5)
        seen |= _descendants(proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 5
    while _alive(seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _alive(seen)
    for pid in left:  # clean up before failing, so the suite leaves nothing either
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes outlived the killed indexer: {sorted(left)}"

"""Shard folders written by generations and switched: a write killed anywhere never shows.

The servers are real xapian-tcpsrv processes over stub folders; each write runs in
its own Python process, killed (os._exit, no clean-up) at a chosen point.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from corpora import embedded, queries, read, write_corpus
from helpers import ROOT
from test_shards import RTOL, assert_same_top

from retrieval.config import parse_shard
from retrieval.index.backends.shards import layout
from retrieval.index.backends.shards.schema import FILE_PREFIX, META_FILE, file_key, owner
from retrieval.index.backends.shards.search import ShardSet, XapianBackend
from retrieval.index.backends.shards.writer import Timeouts, sync
from retrieval.index.bm25 import BM25Params
from retrieval.text.analysis import analyze

SETTINGS = {"test": 1}
# The child writes with tiny batches so that a kill can land between two of them.
WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from retrieval.config import ChunkingConfig, parse_shard
    from retrieval.index.backends.shards import layout, writer
    from retrieval.index.catalog import update

    corpus, kill_at, *folders = sys.argv[1:]
    writer.BATCH = 20
    stage, _, nth = kill_at.partition(":")
    seen = []

    def progress(event, shard, chunks):
        seen.append(event)
        if event == stage and seen.count(stage) == int(nth):
            os._exit(9)

    if stage == "serve":  # die inside the switch, after `nth` stubs were rewritten
        serve = layout._serve

        def dying(folder, generation):
            if seen.count("serve") == int(nth):
                os._exit(9)
            seen.append("serve")
            serve(folder, generation)

        layout._serve = dying
    catalog = update(Path(corpus), ChunkingConfig())[0]
    writer.sync([parse_shard(f) for f in folders], catalog, {"test": 1}, progress=progress)
    """
)


def write_in_child(tmp_path, corpus, servers, kill_at: str) -> int:
    script = tmp_path / "write.py"
    script.write_text(WRITER)
    folders = [str(s.path) for s in servers]
    done = subprocess.run(
        [sys.executable, str(script), str(corpus), kill_at, *folders],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 9), done.stderr
    return done.returncode


def placement(servers) -> dict[str, list[int]]:
    """Each file key -> the shards that serve it (its record and its chunks agree)."""
    import xapian

    where: dict[str, list[int]] = {}
    for i, server in enumerate(servers):
        host, port = server.address.split(":")
        db = xapian.remote_open(host, int(port), 2000, 1000)
        records = {k.decode()[len(META_FILE) :] for k in db.metadata_keys(META_FILE)}
        chunks = {t.term.decode()[len(FILE_PREFIX) :] for t in db.allterms(FILE_PREFIX)}
        assert records == chunks
        for key in records:
            where.setdefault(key, []).append(i)
    return where


def top10(servers, qs) -> list[list[tuple[str, float]]]:
    addresses = [parse_shard(s.address) for s in servers]
    backend = XapianBackend(ShardSet(addresses, Timeouts(1.0, 2.0), 5.0), BM25Params())
    from retrieval.answering.filters import NO_FILTERS

    out = []
    for q in qs:
        ranked = backend.top_k(q, 10, NO_FILTERS)
        out.append([(r.text, s) for r, s in zip(ranked.chunks, ranked.scores, strict=True)])
    backend.shards.close()
    return out


@pytest.fixture
def two_then_three(shard_servers, tmp_path):
    """A corpus written over two stub shards; a third started, empty (files will move)."""
    corpus = write_corpus(tmp_path / "corpus")
    servers = shard_servers.start(3, stub=True)
    sync([parse_shard(str(s.path)) for s in servers[:2]], read(corpus), SETTINGS)
    return corpus, servers


@pytest.mark.parametrize(
    "kill_at", ["written:1", "built:1", "built:2", "built:3"], ids=lambda k: k.replace(":", "")
)
def test_a_write_killed_before_the_switch_leaves_the_old_state_serving(
    two_then_three, tmp_path, kill_at
):
    corpus, servers = two_then_three
    catalog = read(corpus)
    keys = {file_key(name) for name in catalog.files}
    qs = [analyze(" ".join(q)) for q in queries(20)]
    before = top10(servers, qs)
    before_place = placement(servers)
    assert sorted(before_place) == sorted(keys)

    assert write_in_child(tmp_path, corpus, servers, kill_at) == 9
    after = placement(servers)
    assert after == before_place  # every file on exactly one shard: the same one
    assert all(len(v) == 1 for v in after.values())
    got = top10(servers, qs)
    for old, new in zip(before, got, strict=True):  # the previous answers, as they were
        assert [t for t, _ in old] == [t for t, _ in new]
        assert [s for _, s in old] == pytest.approx([s for _, s in new], rel=RTOL)

    # The next run completes the write: each file on its owner of three, exact scores.
    assert write_in_child(tmp_path, corpus, servers, "never:1") == 0
    final = placement(servers)
    owners = {file_key(n): [owner(n, 3)] for n in catalog.files}
    assert final == owners
    articles, chunks, index = embedded(catalog, BM25Params())
    addresses = [parse_shard(s.address) for s in servers]
    backend = XapianBackend(ShardSet(addresses, Timeouts(1.0, 2.0), 5.0), BM25Params())
    for q in qs:
        assert_same_top(backend, articles, chunks, index, q)
    for server in servers:  # the served generation and the one before it; nothing else
        generations = list(server.path.glob(layout.GENERATION + "*"))
        assert len(generations) <= 2
        assert layout.served(server.path) in generations


@pytest.mark.parametrize("switched", [1, 2])
def test_a_write_killed_inside_the_switch_is_finished_by_the_next_run(
    two_then_three, tmp_path, switched
):
    corpus, servers = two_then_three
    catalog = read(corpus)
    assert write_in_child(tmp_path, corpus, servers, f"serve:{switched}") == 9
    records = [(s.path / layout.SWITCH).read_text().strip() for s in servers]  # committed
    assert write_in_child(tmp_path, corpus, servers, "never:1") == 0
    assert [layout.served(s.path).name for s in servers] == records  # finished, not redone
    assert placement(servers) == {file_key(n): [owner(n, 3)] for n in catalog.files}
    assert not any((s.path / layout.SWITCH).exists() for s in servers)


def test_an_incremental_write_killed_between_shards_keeps_each_file_on_one_shard(
    shard_servers, tmp_path
):
    corpus = write_corpus(tmp_path / "corpus")
    servers = shard_servers.start(2, stub=True)
    sync([parse_shard(str(s.path)) for s in servers], read(corpus), SETTINGS)
    generations = [layout.served(s.path) for s in servers]
    stories = sorted(corpus.rglob("*.md"))
    by_shard = {owner(str(p.relative_to(corpus)), 2): p for p in stories}
    assert len(by_shard) == 2  # one changed file on each shard
    for path in by_shard.values():
        path.write_text(path.read_text() + "\nA new closing paragraph about the harbour.\n")
    assert write_in_child(tmp_path, corpus, servers, "built:1") == 9
    where = placement(servers)
    assert all(len(v) == 1 for v in where.values()) and len(where) == len(stories)
    assert [layout.served(s.path) for s in servers] == generations  # updated in place
    assert write_in_child(tmp_path, corpus, servers, "never:1") == 0
    catalog = read(corpus)
    articles, chunks, index = embedded(catalog, BM25Params())
    addresses = [parse_shard(s.address) for s in servers]
    backend = XapianBackend(ShardSet(addresses, Timeouts(1.0, 2.0), 5.0), BM25Params())
    for q in [analyze("harbour closing paragraph"), analyze(" ".join(queries(1)[0]))]:
        assert_same_top(backend, articles, chunks, index, q)


def test_a_reader_sees_a_switched_generation_after_refresh(shard_servers, tmp_path):
    from retrieval.answering.filters import NO_FILTERS

    corpus = write_corpus(tmp_path / "corpus", files=6)
    servers = shard_servers.start(2, stub=True)
    folders = [parse_shard(str(s.path)) for s in servers]
    sync(folders, read(corpus), SETTINGS)
    backend = XapianBackend(
        ShardSet([parse_shard(s.address) for s in servers], Timeouts(1.0, 2.0), 5.0)
    )
    backend.refresh()
    before = backend.size
    (corpus / "wire" / "extra.md").write_text("# Zebra crossing\n\nA zebra crossing opened.\n")
    sync(folders, read(corpus), {"test": 2})  # new settings: a full build and a switch
    assert backend.top_k(analyze("zebra"), 3, NO_FILTERS).chunks == []  # old generation
    backend.refresh()
    assert backend.size == before + 1
    assert backend.top_k(analyze("zebra"), 3, NO_FILTERS).chunks


def test_a_shard_folder_that_cannot_be_made_is_one_error_naming_it(tmp_path, capsys):
    # The container's indexer with a shard volume missing: a folder that cannot be made.
    (tmp_path / "not-a-folder").write_text("a file where the volume should be")
    corpus = write_corpus(tmp_path / "corpus", files=2)
    config = tmp_path / "config.yaml"
    shard = tmp_path / "not-a-folder" / "shard0"
    config.write_text(
        f"corpus: {corpus}\nbackend: xapian\nxapian:\n  shards: ['{shard}']\n"
        f"  folders: ['{shard}']\nindex:\n  path: {tmp_path / 'index'}\n"
    )
    from cli.main import main

    assert main(["index", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsbot: error: cannot write the shard folder ") and str(shard) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err

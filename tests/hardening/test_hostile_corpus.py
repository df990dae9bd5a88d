"""A folder nobody curated: hostile files beside good ones. Good files index; every skipped
file is reported once, by name, with why; nothing hangs."""

import logging
import os
import shutil
import time
from pathlib import Path

from helpers import BUNDLED_CORPUS

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.index.catalog import update
from retrieval.reading.ingest import MAX_FILE_BYTES

GOOD = {p.name for p in BUNDLED_CORPUS.iterdir()}


def _hostile(folder: Path) -> set[str]:
    """Write at least 50 hostile files; returns the names that must be skipped."""
    skipped = set()

    def put(name, data: bytes, skip=True):
        (folder / name).write_bytes(data)
        if skip:
            skipped.add(name)

    for i in range(8):
        put(f"empty-{i}.txt", b"")
        put(f"blank-{i}.md", b" \n\t\n" * i)
        put(f"binary-{i}.txt", os.urandom(64) + b"\x00" + os.urandom(64))
        put(f"latin1-{i}.txt", f"Caf\u00e9 n\u00b0{i}\nIl co\u00fbte 5\u00a3.".encode("latin-1"))
        put(f"jsonl-garbage-{i}.jsonl", b'{not json\n[1,2]\n"str"\n')
        put(f"image-{i}.png", b"\x89PNG\r\n\x1a\n" + os.urandom(32))
    put("nul-in-text.txt", b"Headline\nBody with a \x00 NUL byte.\n")
    put("huge.txt", b"x" * (MAX_FILE_BYTES + 1))
    put(
        "utf16 with bom.txt",
        "UTF-16 headline\nA UTF-16 body about the harbour.".encode("utf-16"),
        skip=False,
    )
    put("one-long-line.txt", b"Long line\n" + b"word " * 2_000_000, skip=False)
    put("no-spaces.txt", b"Run\n" + b"z" * 10_000_000, skip=False)
    put(
        "repeated-furniture.txt",
        ("logo\nTry Our AI Features\nComments\nNo comments yet...\n" * 20000).encode(),
    )
    put("Nöt ASCII ñame 東京.md", "# Tokyo note\n\nA note from Tōkyō.\n".encode(), skip=False)
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    skipped |= {"loop-a.txt", "loop-b.txt"}
    os.symlink(folder, folder / "self-link")  # a folder loop: not followed
    return skipped


def test_good_files_index_and_every_bad_one_is_reported_once(tmp_path, caplog):
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    must_skip = _hostile(corpus)
    assert len(must_skip) >= 50
    start = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="newsbot.catalog"):
        catalog, _ = update(corpus, Config().chunking)
    elapsed = time.perf_counter() - start
    files = {a.file for a in catalog.articles}
    assert files >= GOOD  # every good file indexed
    assert {"utf16 with bom.txt", "Nöt ASCII ñame 東京.md", "one-long-line.txt"} <= files
    reported = {s.file for s in catalog.skipped}
    assert must_skip <= reported, must_skip - reported
    for name in reported:
        reasons = [s for s in catalog.skipped if s.file == name]
        assert all(s.reason for s in reasons)
        logged = [r for r in caplog.records if f"skipped {name}" in r.getMessage()]
        assert len(logged) == len(reasons)  # once each (a .jsonl once per bad line)
    assert elapsed < 120, elapsed  # bounded: huge and pathological files do not hang it
    engine = Engine.from_articles(catalog.live()[0], Config())
    assert engine.ask("When will the night trams run?").answered


def test_a_file_deleted_or_truncated_while_indexing_is_skipped_or_read(tmp_path, monkeypatch):
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    real = Path.read_bytes

    def racing(path):
        if path.name == "tree-planting.txt":
            path.unlink()  # deleted between listing and reading
        if path.name == "library-hours.md":
            path.write_bytes(real(path)[:40])  # truncated mid-write
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", racing)
    catalog, _ = update(corpus, Config().chunking)
    assert {s.file: s.reason for s in catalog.skipped} == {
        "tree-planting.txt": "No such file or directory"
    }
    assert len({a.file for a in catalog.articles}) == len(GOOD) - 1

"""A folder nobody curated: hostile files beside good ones. Good files index; every skipped
file is reported once, by name, with why; nothing hangs."""

import logging
import os
import resource
import shutil
import time
from pathlib import Path

from helpers import BUNDLED_CORPUS

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.index.catalog import update
from retrieval.reading.ingest import MAX_FILE_BYTES

GOOD = {p.name for p in BUNDLED_CORPUS.iterdir()}
READ: set[str] = set()  # hostile files that must still be read (filled by _hostile)
# What reading the whole hostile folder may add to the test process's peak memory.
MEMORY_BOUND_MIB = 1500


def _hostile(folder: Path) -> set[str]:
    """Write at least 50 hostile files; returns the names that must be skipped."""
    skipped = set()
    read = READ

    def put(name, data: bytes, skip: bool | None = True):
        """skip: True must be skipped, False must be read, None either (never a hang)."""
        (folder / name).write_bytes(data)
        if skip:
            skipped.add(name)
        elif skip is False:
            read.add(name)

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
    put(  # a plain file, not an aggregator page: its lines are kept as typed (never a hang)
        "repeated-furniture.txt",
        ("logo\nTry Our AI Features\nComments\nNo comments yet...\n" * 20000).encode(),
        skip=None,
    )
    put("Nöt ASCII ñame 東京.md", "# Tokyo note\n\nA note from Tōkyō.\n".encode(), skip=False)
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    skipped |= {"loop-a.txt", "loop-b.txt"}
    os.symlink(folder, folder / "self-link")  # a folder loop: not followed
    _hostile_web(put)
    return skipped


TWENTY_MB = 20 * 2**20


def _hostile_web(put) -> None:
    """Broken saved pages and feeds: each is skipped or read, never hangs or floods memory."""
    story = (
        "<p>The harbour wall will be repaired this summer at a cost of £1.2m, the council said.</p>"
    )
    put("unclosed.html", f"<html><body><div><p>{story}<p><b>Unclosed".encode(), skip=False)
    put("nested-divs.html", b"<html><body>" + b"<div>" * (TWENTY_MB // 5), skip=None)
    put("nested-text.html", b"<html><body>" + b"<div><p>x " * (TWENTY_MB // 11), skip=None)
    put("many-elements.html", b"<html><body>" + b"<p>word</p>" * (TWENTY_MB // 11))
    put(
        "wrong-charset.html",
        f'<html><head><meta charset="utf-16"></head><body>{story}</body></html>'.encode(),
        skip=None,
    )
    put(
        "latin1-says-utf8.html",
        f'<meta charset="utf-8"><body>{story} Café.</body>'.encode("latin-1"),
        skip=None,
    )
    put("scripts-only.html", b"<html><head><script>a()</script></head><body><script>b()</script>")
    put("empty.htm", b"")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        f"<item><title>Harbour wall</title><description>{story}</description></item>"
        "<item><title>Cut off"
    )
    put("truncated.rss", feed.encode(), skip=False)
    put("truncated-early.xml", b'<?xml version="1.0"?><rss version="2.0"><chan')
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    put(
        "billion-laughs.xml", f"<!DOCTYPE rss [{laughs}]><rss><channel><title>&l9;</title>".encode()
    )
    flat = '<!DOCTYPE rss [<!ENTITY big "' + "x" * 100_000 + '">]>'
    put("quadratic.atom", (flat + "<feed>" + "&big;" * 50_000 + "</feed>").encode())


def test_good_files_index_and_every_bad_one_is_reported_once(tmp_path, caplog):
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    must_skip = _hostile(corpus)
    assert len(must_skip) >= 50
    start = time.perf_counter()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with caplog.at_level(logging.WARNING, logger="newsbot.catalog"):
        catalog, _ = update(corpus, Config().chunking)
    elapsed = time.perf_counter() - start
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < MEMORY_BOUND_MIB, grown_mib
    files = {a.file for a in catalog.articles}
    assert files >= GOOD  # every good file indexed
    assert {"utf16 with bom.txt", "Nöt ASCII ñame 東京.md", "one-long-line.txt"} <= files
    assert files >= READ, READ - files
    reported = {s.file for s in catalog.skipped}
    assert must_skip <= reported, must_skip - reported
    listed = {p.name for p in corpus.iterdir() if p.is_file() or p.is_symlink()}
    assert listed - {"self-link"} <= files | reported  # every file read or skipped
    for name in reported:
        reasons = [s for s in catalog.skipped if s.file == name]
        assert all(s.reason for s in reasons)
        logged = [r for r in caplog.records if f"skipped {name}" in r.getMessage()]
        assert len(logged) == len(reasons)  # once each (a .jsonl once per bad line)
    assert elapsed < 120, elapsed  # bounded: huge and pathological files do not hang it
    engine = Engine.from_articles(catalog.live()[0], Config())
    assert engine.ask("When will the night trams run?").answered
    refused = {s.file: s.reason for s in catalog.skipped}
    assert "entities" in refused["billion-laughs.xml"] and "entities" in refused["quadratic.atom"]
    assert "too many HTML elements" in refused["many-elements.html"]


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

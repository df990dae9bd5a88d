import logging
import os
from pathlib import Path

import pytest

from retrieval.config import ChunkingConfig
from retrieval.index.catalog import update
from retrieval.reading.ingest import CorpusError, decode


class Report:
    def __init__(self, root):
        catalog, _ = update(root, ChunkingConfig())
        self.articles = catalog.live()[0]
        self.skipped = catalog.skipped


def ingest(root):
    return Report(root)


def _write(folder, name, data: bytes):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_bad_files_are_skipped_with_a_named_reason_and_good_ones_still_load(tmp_path, caplog):
    _write(tmp_path, "good.txt", b"Good headline\nA real paragraph of news.\n")
    _write(tmp_path, "sub/also good.md", "# Caf\u00e9 news\n\nBody.\n".encode())
    _write(tmp_path, "empty.txt", b"")
    _write(tmp_path, "blank.txt", b"  \n\n ")
    _write(tmp_path, "binary.txt", b"\x89PNG\x00\x00\x01")
    _write(tmp_path, "latin1.txt", "Caf\u00e9 headline\nbody".encode("latin-1"))
    _write(tmp_path, "image.png", b"\x89PNG")
    _write(tmp_path, ".hidden.txt", b"Hidden\nNot read.")
    _write(tmp_path, "utf16.txt", "UTF-16 headline\nBody in UTF-16.".encode("utf-16"))
    with caplog.at_level(logging.WARNING, logger="newsbot.catalog"):
        report = ingest(tmp_path)
    assert sorted(a.file for a in report.articles) == ["good.txt", "sub/also good.md", "utf16.txt"]
    reasons = {s.file: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "blank.txt", "binary.txt", "latin1.txt", "image.png"}
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "unsupported" in reasons["image.png"]
    for name in reasons:  # every skip is logged once, by name
        assert sum(name in r.getMessage() for r in caplog.records) == 1


def test_unreadable_and_dangling_files_are_skipped(tmp_path, monkeypatch):
    _write(tmp_path, "ok.txt", b"Headline\nBody.")
    _write(tmp_path, "secret.txt", b"Headline\nBody.")
    os.symlink(tmp_path / "gone.txt", tmp_path / "dangling.txt")
    real_read = Path.read_bytes

    def read_bytes(path):
        if path.name == "secret.txt":  # root can read anything, so simulate the refusal
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = ingest(tmp_path)
    assert [a.file for a in report.articles] == ["ok.txt"]
    assert {s.file: s.reason for s in report.skipped} == {
        "dangling.txt": "No such file or directory",
        "secret.txt": "Permission denied",
    }


def test_the_same_article_on_two_pages_is_kept_once_with_the_longer_text(tmp_path):
    teaser = (
        "Page {n}\n\nRelated Articles\nThe Post\n2 hours ago\n- The Post\nShared story\n{body}\n"
    )
    _write(tmp_path, "a.txt", teaser.format(n=1, body="Short teaser.").encode())
    _write(tmp_path, "b.txt", teaser.format(n=2, body="Short teaser. With more text.").encode())
    report = ingest(tmp_path)
    shared = [a for a in report.articles if a.headline == "Shared story"]
    assert len(shared) == 1
    assert shared[0].paragraphs == ("Short teaser. With more text.",)


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        ingest(tmp_path / "nope")


def test_decode_accepts_utf8_bom():
    assert decode("\ufeffHello".encode()) == "Hello"


def test_a_recurring_column_keeps_every_day_while_a_cut_copy_folds_into_the_whole():
    from retrieval.models import Article
    from retrieval.reading.ingest import dedupe

    monday = Article("Daily Stock Market Activity", ("Stocks rose on Monday as oil " * 8,), "a")
    tuesday = Article("Daily Stock Market Activity", ("Stocks fell on Tuesday after " * 8,), "b")
    whole = Article("Storm Elin cuts power", ("Storm Elin brought gusts of 85mph. " * 9,), "c")
    cut = Article("Storm Elin cuts power", ("Storm Elin brought gusts of 85mph. Storm El",), "d")
    kept = dedupe([monday, cut, tuesday, whole])
    assert kept == [monday, whole, tuesday]

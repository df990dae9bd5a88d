"""Save and load the catalog and BM25 index: atomic, versioned, checksummed, memory-mapped.

Layout: `<path>/current` is a symlink to a generation folder `gen-*` holding
numpy arrays, JSON and a manifest (format version, settings, corpus files with
size/mtime/sha256, and a crc32 and size for every file). A new generation is
written aside and `current` is swapped by an atomic rename, so a crash while
writing leaves the previous good index in place. Loading verifies every
checksum; anything wrong raises StoreError and the caller rebuilds.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.bm25 import BM25Index, BM25Params, Forward
from retrieval.index.catalog import Catalog, FileState
from retrieval.models import Article, Chunk, Skipped
from retrieval.reading import dates
from retrieval.reading.dates import from_iso, iso
from retrieval.text import analysis

# 2: articles carry their resolved date, its precision and a feed item's id.
FORMAT_VERSION = 2
CURRENT = "current"
ARRAYS = (
    "chunks",
    "forward_indptr",
    "forward_terms",
    "forward_tfs",
    "index_terms",
    "indptr",
    "doc_ids",
    "tfs",
    "doc_len",
    "idf",
    "norm",
    "max_impact",
)


class StoreError(RuntimeError):
    """The saved index is missing, stale, corrupt or from another version."""


def location(root: Path, corpus: Path) -> Path:
    """The folder under `root` (index.path) holding one corpus folder's index.

    One per corpus, so switching between corpora loads each one's index instead of
    rebuilding over a shared one; named by the folder's name (for people) and a hash
    of its resolved path (so two folders with one name never share).
    """
    resolved = str(corpus.expanduser().resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", corpus.name)[:40].strip("-") or "corpus"
    return root / f"{name}-{digest}"


@functools.cache
def corpus_code() -> str:
    """A digest of the code that turns corpus files into chunks and terms (the readers,
    the chunker, the analyser): a saved catalog read by other code is stale, so a change
    to any of it rebuilds the index, with no version for anyone to bump."""
    digest = hashlib.sha256()
    for module in (dates, analysis):  # one module of each package: the packages' folders
        for path in sorted(Path(module.__file__).parent.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def fingerprint(settings: dict[str, Any]) -> dict[str, Any]:
    """What a saved index depends on besides the corpus: the format, the analyzer's
    fingerprint, the reading code and the settings."""
    return {
        "format": FORMAT_VERSION,
        "analysis": analysis.ANALYZER.fingerprint,
        "reading": corpus_code(),
        **settings,
    }


def _crc(path: Path) -> int:
    crc = 0
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            crc = zlib.crc32(block, crc)
    return crc


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def save(path: Path, catalog: Catalog, index: BM25Index, settings: dict[str, Any]) -> Path:
    """Write a new generation beside the current one, then switch to it atomically."""
    path.mkdir(parents=True, exist_ok=True)
    gen = path / f"gen-{time.time_ns()}-{os.getpid()}"
    gen.mkdir()
    chunks = np.array(
        [(c.article, c.paragraph, c.start, c.end) for c in catalog.chunks], dtype=np.int64
    ).reshape(-1, 4)
    vocabulary = {t: i for i, t in enumerate(catalog.vocabulary)}
    arrays = {
        "chunks": chunks,
        "forward_indptr": catalog.forward.indptr,
        "forward_terms": catalog.forward.terms,
        "forward_tfs": catalog.forward.tfs,
        "index_terms": np.array([vocabulary[t] for t in index.terms], dtype=np.int64),
        "indptr": index.indptr,
        "doc_ids": index.doc_ids,
        "tfs": index.tfs,
        "doc_len": index.doc_len,
        "idf": index.idf,
        "norm": index.norm,
        "max_impact": index.max_impact,
    }
    for name, array in arrays.items():
        np.save(gen / f"{name}.npy", np.ascontiguousarray(array))
    with (gen / "articles.jsonl").open("w", encoding="utf-8") as f:
        for article in catalog.articles:
            f.write(json.dumps(_article_data(article), ensure_ascii=False) + "\n")
    _write_json(gen / "vocabulary.json", catalog.vocabulary)
    _write_json(gen / "skipped.json", [dataclasses.asdict(s) for s in catalog.skipped])
    files = sorted(p.name for p in gen.iterdir())
    manifest = {
        **fingerprint(settings),
        "corpus": {n: dataclasses.asdict(s) for n, s in catalog.files.items()},
        "checks": {n: {"size": (gen / n).stat().st_size, "crc32": _crc(gen / n)} for n in files},
    }
    _write_json(gen / "manifest.json", manifest)
    for name in [*files, "manifest.json"]:
        with (gen / name).open("rb") as f:
            os.fsync(f.fileno())
    link = path / f"{CURRENT}.tmp-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(gen.name)
    os.replace(link, path / CURRENT)
    _remove_old(path, keep=gen.name)
    return gen


def _remove_old(path: Path, keep: str) -> None:
    """Delete generations older than `keep` (a newer one may be another writer's, in progress)."""
    for old in path.glob("gen-*"):
        if old.name < keep:
            shutil.rmtree(old, ignore_errors=True)


def exists(path: Path) -> bool:
    """Whether an index was ever saved at path (it may still fail to load)."""
    return (path / CURRENT).is_symlink()


def load(path: Path, settings: dict[str, Any]) -> tuple[Catalog, BM25Index]:
    """The saved catalog and index, verified; StoreError when they cannot be trusted."""
    gen = path / CURRENT
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"no readable index at {path} ({exc})") from None
    expected = fingerprint(settings)
    stale = {k: manifest.get(k) for k in expected if manifest.get(k) != expected[k]}
    if stale:
        raise StoreError(f"index at {path} was built with other settings: {sorted(stale)}")
    try:
        for name, check in manifest["checks"].items():
            file = gen / name
            if file.stat().st_size != check["size"]:
                raise StoreError(f"{file} is truncated or resized")
            if _crc(file) != check["crc32"]:
                raise StoreError(f"{file} fails its checksum")
        arrays = {n: np.load(gen / f"{n}.npy", mmap_mode="r") for n in ARRAYS}
        vocabulary = json.loads((gen / "vocabulary.json").read_text(encoding="utf-8"))
        skipped = [
            Skipped(**s) for s in json.loads((gen / "skipped.json").read_text(encoding="utf-8"))
        ]
        with (gen / "articles.jsonl").open(encoding="utf-8") as f:
            articles = [_article(json.loads(line)) for line in f]
        files = {n: FileState(**s) for n, s in manifest["corpus"].items()}
    except StoreError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"index at {path} is unreadable ({exc})") from None
    chunks = [Chunk(a, p, s, e, articles[a].text[s:e]) for a, p, s, e in arrays["chunks"].tolist()]
    forward = Forward(arrays["forward_indptr"], arrays["forward_terms"], arrays["forward_tfs"])
    catalog = Catalog(files, articles, chunks, forward, vocabulary, skipped)
    index = BM25Index(
        [vocabulary[i] for i in arrays["index_terms"].tolist()],
        arrays["indptr"],
        arrays["doc_ids"],
        arrays["tfs"],
        arrays["doc_len"],
        BM25Params(**settings["bm25"]),
        derived=(arrays["idf"], arrays["norm"], arrays["max_impact"]),
    )
    return catalog, index


def _article_data(article: Article) -> dict[str, Any]:
    data = dataclasses.asdict(article)
    data["date"] = iso(article.date)
    return data


def _article(data: dict[str, Any]) -> Article:
    data["paragraphs"] = tuple(data["paragraphs"])
    data["headings"] = tuple(data.get("headings", ()))
    data["date"] = from_iso(data.get("date"))
    return Article(**data)

"""Save and load a live index: immutable segments, generations switched atomically.

Layout under one corpus' folder:
- `segments/seg-*/`: one folder per segment, written once and never changed
  (numpy arrays, memory-mapped on load; articles as JSON lines with their offsets,
  parsed when first read; dedupe signatures; the files it read).
- `terms.jsonl`: the global vocabulary, append-only (one JSON list of new terms per
  commit); the manifest says how many bytes of it count.
- `current`: a symlink to a generation folder `gen-*` holding the manifest (format,
  settings, corpus files with size/mtime/sha256 and their segment, the segments with
  a size and crc32 for every file) and each segment's dedupe slots (the deletions).

A commit writes new segments and a new generation aside, fsyncs them, then swaps
`current` by an atomic rename: a crash at any moment leaves the previous good
generation, whose segments are still there (only the committer, holding the lock,
removes segments no generation uses). Sizes are checked on load; checksums either
then or (start-up) in the background after the index starts serving.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import json
import logging
import mmap
import os
import re
import shutil
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.bm25 import BM25Params
from retrieval.index.catalog import FileState
from retrieval.index.forward import Forward
from retrieval.index.live import FileEntry, LiveIndex, Segment
from retrieval.models import Article, Skipped
from retrieval.reading import dates
from retrieval.reading.dates import from_iso, iso
from retrieval.reading.ingest import Signature
from retrieval.text import analysis

log = logging.getLogger("newsbot.store")

# 3: segments with deletions (a live index); 2: articles carry their resolved date.
FORMAT_VERSION = 3
CURRENT = "current"
SEGMENTS = "segments"
TERMS = "terms.jsonl"
LOCK = "lock"
ARRAYS = (
    "article_file",
    "article_offsets",
    "chunk_table",
    "forward_indptr",
    "forward_terms",
    "forward_tfs",
    "indptr",
    "doc_ids",
    "tfs",
    "doc_len",
    "max_ratio",
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


def _crc(path: Path, limit: int | None = None) -> int:
    crc, left = 0, limit
    with path.open("rb") as f:
        while block := f.read(1 << 22 if left is None else min(1 << 22, left)):
            crc = zlib.crc32(block, crc)
            if left is not None:
                left -= len(block)
    return crc


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the index's writer lock: one process commits (and collects garbage) at a time."""
    path.mkdir(parents=True, exist_ok=True)
    with (path / LOCK).open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# -- writing ---------------------------------------------------------------------------


def _write_segment(path: Path, segment: Segment) -> dict[str, dict[str, int]]:
    """Write a segment's folder (fsynced); returns each file's size and crc32."""
    folder = path / SEGMENTS / segment.name
    folder.mkdir(parents=True)
    offsets = [0]
    with (folder / "articles.jsonl").open("wb") as f:
        for article in segment.articles:
            line = (json.dumps(_article_data(article), ensure_ascii=False) + "\n").encode()
            f.write(line)
            offsets.append(offsets[-1] + len(line))
    arrays = {
        "article_file": segment.article_file,
        "article_offsets": np.asarray(offsets, dtype=np.int64),
        "chunk_table": segment.chunk_table,
        "forward_indptr": segment.forward.indptr,
        "forward_terms": segment.forward.terms,
        "forward_tfs": segment.forward.tfs,
        "indptr": segment.indptr,
        "doc_ids": segment.doc_ids,
        "tfs": segment.tfs,
        "doc_len": segment.doc_len,
        "max_ratio": segment.max_ratio,
    }
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array))
    _write_json(folder / "signatures.json", [_signature_data(s) for s in segment.signatures])
    meta = {
        "files": segment.files,
        "skipped": [dataclasses.asdict(s) for s in segment.skipped],
        "ref_avgdl": segment.ref_avgdl,
    }
    _write_json(folder / "meta.json", meta)
    checks = {}
    for file in sorted(folder.iterdir()):
        _fsync(file)
        checks[file.name] = {"size": file.stat().st_size, "crc32": _crc(file)}
    _fsync(folder)
    return checks


def _append_terms(path: Path, previous: dict[str, int], vocabulary: Sequence[str]) -> dict:
    """Append the terms beyond the last commit's to terms.jsonl; its new extent and crc."""
    file = path / TERMS
    known = previous.get("count", 0)
    with file.open("ab") as f:
        f.truncate(previous.get("bytes", 0))  # what a crashed commit appended never counted
        if len(vocabulary) > known:
            f.write((json.dumps(list(vocabulary[known:]), ensure_ascii=False) + "\n").encode())
        f.flush()
        os.fsync(f.fileno())
        size = f.tell()
    return {"count": len(vocabulary), "bytes": size, "crc32": _crc(file, size)}


def commit(
    path: Path,
    live: LiveIndex,
    settings: dict[str, Any],
    new: Sequence[Segment],
    check: Callable[[dict[str, Any] | None], bool] | None = None,
) -> str | None:
    """Save `live` as the new current generation (writing its `new` segments); its name.

    Under the writer lock; `check(current manifest)` may refuse (None is returned),
    e.g. a merge whose segments another commit changed meanwhile.
    """
    with locked(path):
        previous = _manifest(path)
        if check is not None and not check(previous):
            return None
        terms = _append_terms(path, (previous or {}).get("terms", {}), live.vocabulary_list)
        checks = {s["name"]: s["checks"] for s in (previous or {}).get("segments", [])}
        for segment in new:
            checks[segment.name] = _write_segment(path, segment)
        gen = path / f"gen-{time.time_ns():020d}-{os.getpid()}"
        gen.mkdir()
        for segment, slots in zip(live.segments, live.slots, strict=True):
            np.save(gen / f"slots-{segment.name}.npy", slots)
        manifest = {
            **fingerprint(settings),
            "terms": terms,
            "segments": [{"name": s.name, "checks": checks[s.name]} for s in live.segments],
            "files": {
                n: [e.state.size, e.state.mtime_ns, e.state.sha256, e.segment, e.aged]
                for n, e in live.files.items()
            },
            "slots": {f.name: {"size": f.stat().st_size, "crc32": _crc(f)} for f in gen.iterdir()},
        }
        _write_json(gen / "manifest.json", manifest)
        for file in gen.iterdir():
            _fsync(file)
        _fsync(gen)
        link = path / f"{CURRENT}.tmp-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(gen.name)
        os.replace(link, path / CURRENT)
        _fsync(path)
        _collect(path, gen.name, {s.name for s in live.segments})
        live.generation = gen.name
        return gen.name


def _collect(path: Path, keep: str, segments: set[str]) -> None:
    """Delete other generations and segments the current one does not use (lock held)."""
    for old in path.glob("gen-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for old in (path / SEGMENTS).glob("*"):
        if old.name not in segments:
            shutil.rmtree(old, ignore_errors=True)


# -- reading ---------------------------------------------------------------------------


def exists(path: Path) -> bool:
    """Whether an index was ever saved at path (it may still fail to load)."""
    return (path / CURRENT).is_symlink()


def generation(path: Path) -> str:
    """The name of the current generation ("" when none)."""
    try:
        return os.readlink(path / CURRENT)
    except OSError:
        return ""


def _manifest(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / CURRENT / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _check_size(file: Path, check: dict[str, int]) -> None:
    if file.stat().st_size != check["size"]:
        raise StoreError(f"{file} is truncated or resized")


def _check_crc(file: Path, check: dict[str, int]) -> None:
    if _crc(file) != check["crc32"]:
        raise StoreError(f"{file} fails its checksum")


def load(
    path: Path,
    settings: dict[str, Any],
    verify: bool = True,
    reuse: dict[str, Segment] | None = None,
) -> tuple[LiveIndex, Callable[[], None]]:
    """The saved live index, and a check of the segments' checksums (done already
    when `verify`; else the caller runs it, e.g. in the background after the first
    answer). Segments in `reuse` (by name: they never change) are not read again.

    StoreError when the index cannot be trusted.
    """
    name = generation(path)
    gen = path / name
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"no readable index at {path} ({exc})") from None
    expected = fingerprint(settings)
    stale = {k: manifest.get(k) for k in expected if manifest.get(k) != expected[k]}
    if stale:
        raise StoreError(f"index at {path} was built with other settings: {sorted(stale)}")
    reuse = reuse or {}
    pending: list[tuple[Path, dict[str, int]]] = []
    try:
        for file, check in manifest["slots"].items():
            _check_size(gen / file, check)
            _check_crc(gen / file, check)  # small: deletions are checked before use
        vocabulary = _terms(path, manifest["terms"])
        segments, slots = [], []
        for entry in manifest["segments"]:
            folder = path / SEGMENTS / entry["name"]
            for file, check in entry["checks"].items():
                _check_size(folder / file, check)
                if entry["name"] not in reuse:
                    pending.append((folder / file, check))
            segment = reuse.get(entry["name"]) or _segment(folder)
            segments.append(segment)
            slots.append(np.load(gen / f"slots-{entry['name']}.npy"))
        files = {
            n: FileEntry(FileState(size, mtime, sha), segment, aged)
            for n, (size, mtime, sha, segment, aged) in manifest["files"].items()
        }
        params = BM25Params(**settings["bm25"])
        live = LiveIndex(segments, files, vocabulary, slots, params, name)
    except StoreError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise StoreError(f"index at {path} is unreadable ({exc})") from None

    def verify_all() -> None:
        for file, check in pending:
            try:
                _check_crc(file, check)
            except OSError as exc:
                raise StoreError(f"{file} is unreadable ({exc})") from None

    if verify:
        verify_all()
        return live, lambda: None
    return live, verify_all


def _terms(path: Path, extent: dict[str, int]) -> list[str]:
    with (path / TERMS).open("rb") as f:
        data = f.read(extent["bytes"])
    if len(data) != extent["bytes"] or zlib.crc32(data) != extent["crc32"]:
        raise StoreError(f"{path / TERMS} is truncated or fails its checksum")
    terms: list[str] = []
    for line in data.splitlines():
        terms += json.loads(line)
    if len(terms) != extent["count"]:
        raise StoreError(f"{path / TERMS} holds {len(terms)} terms, not {extent['count']}")
    return terms


def _segment(folder: Path) -> Segment:
    """A saved segment: arrays memory-mapped, articles and signatures read when used."""
    arrays = {n: np.load(folder / f"{n}.npy", mmap_mode="r") for n in ARRAYS}
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    forward = Forward(arrays["forward_indptr"], arrays["forward_terms"], arrays["forward_tfs"])
    return Segment(
        folder.name,
        meta["files"],
        arrays["article_file"],
        LazyArticles(folder / "articles.jsonl", arrays["article_offsets"]),
        LazySignatures(folder / "signatures.json"),
        arrays["chunk_table"],
        forward,
        arrays["indptr"],
        arrays["doc_ids"],
        arrays["tfs"],
        arrays["doc_len"],
        arrays["max_ratio"],
        float(meta["ref_avgdl"]),
        [Skipped(**s) for s in meta["skipped"]],
    )


class LazyArticles(Sequence[Article]):
    """A segment's articles, each parsed from its JSON line when first read.

    The file is mapped when the segment is opened, so it stays readable even after
    a merge elsewhere deletes it."""

    def __init__(self, file: Path, offsets: np.ndarray) -> None:
        with file.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._offsets = offsets
        self._cache: dict[int, Article] = {}

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        article = self._cache.get(i)
        if article is None:
            a, b = int(self._offsets[i]), int(self._offsets[i + 1])
            article = self._cache[i] = _article(json.loads(self._data[a:b]))
        return article


class LazySignatures(Sequence[Signature]):
    """A segment's dedupe signatures, read on first use (a refresh), not at start-up."""

    def __init__(self, file: Path) -> None:
        self._file = file.open("rb")  # held open: readable even once a merge deletes it
        self._items: list[Signature] | None = None
        self._lock = threading.Lock()  # a refresh and a background merge may both read

    def _all(self) -> list[Signature]:
        with self._lock:
            if self._items is None:
                self._items = [_signature(s) for s in json.loads(self._file.read())]
                self._file.close()
            return self._items

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, i):  # type: ignore[override]
        return self._all()[i]


def _signature_data(s: Signature) -> list[Any]:
    return [
        [list(i) for i in s.identities],
        list(s.key) if s.key else None,
        s.start,
        s.folded,
        s.length,
    ]


def _signature(data: list[Any]) -> Signature:
    identities, key, start, folded, length = data
    return Signature(
        tuple((a, b) for a, b in identities), tuple(key) if key else None, start, folded, length
    )


# An article's fields, read shallowly: dataclasses.asdict deep-copies every paragraph and
# cost ~100 us an article, a sizeable part of writing a segment.
_ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(Article))


def _article_data(article: Article) -> dict[str, Any]:
    data = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    data["date"] = iso(article.date)
    return data


def _article(data: dict[str, Any]) -> Article:
    data["paragraphs"] = tuple(data["paragraphs"])
    data["headings"] = tuple(data.get("headings", ()))
    data["date"] = from_iso(data.get("date"))
    return Article(**data)

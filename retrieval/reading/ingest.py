"""Read corpus files into articles; a bad file is skipped with its reason, never fatal."""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from retrieval.errors import UserError
from retrieval.models import Article, Skipped
from retrieval.reading.aggregator import looks_like_page, parse_page
from retrieval.reading.feeds import parse_feed
from retrieval.reading.formats import parse_jsonl, parse_markdown, parse_text
from retrieval.reading.headings import find_headings
from retrieval.reading.webpages import parse_webpage
from retrieval.text.normalize import fold_key

TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
# Every kind of file newsbot reads, named for people: the one list that the corpus errors,
# `--help`, config.yaml's comment and docs/formats.md all show (tests hold them to it).
READERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("plain text or aggregator pages", TEXT_SUFFIXES),
    ("Markdown", MARKDOWN_SUFFIXES),
    ("JSON Lines", JSONL_SUFFIXES),
    ("saved web pages", HTML_SUFFIXES),
    ("RSS/Atom feeds", FEED_SUFFIXES),
)
SUPPORTED_SUFFIXES = frozenset().union(*(suffixes for _, suffixes in READERS))


def readable_types() -> str:
    """ "plain text or aggregator pages (.text, .txt), Markdown (.markdown, .md), …" """
    return ", ".join(f"{kind} ({', '.join(sorted(s))})" for kind, s in READERS)


# A news file this large is a dump or a mistake; reading it would stall everything else.
MAX_FILE_BYTES = 32 * 2**20
# Why a link is skipped: its real path lies outside the corpus and every allowed folder.
OUTSIDE = "points outside the corpus"


class CorpusError(UserError):
    """The corpus folder itself cannot be used."""


REASONS_SHOWN = 3  # the commonest reasons a file was skipped; the rest are counted


def no_articles(root: Path, files: int, skipped: Sequence[Skipped]) -> CorpusError:
    """The error for a corpus with nothing readable: which folder, what was skipped and why.

    An empty or wrong folder must not pass for a corpus that never mentions anything.
    """
    if not files:
        hidden = sorted(p.name for p in _entries(root) if p.name.startswith("."))
        holds = (
            f"it holds only hidden files, which newsbot skips ({', '.join(hidden[:3])}"
            f"{', …' * (len(hidden) > 3)})"
            if hidden
            else "it holds no files"
        )
        return CorpusError(
            f"no articles in corpus folder {root}: {holds}. newsbot reads "
            f"{readable_types()}; set 'corpus' or pass --corpus"
        )
    reasons: dict[str, int] = {}
    for item in skipped:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
    common = sorted(reasons.items(), key=lambda kv: -kv[1])
    why = "; ".join(f"{n} × {reason}" for reason, n in common[:REASONS_SHOWN])
    if len(common) > REASONS_SHOWN:
        why += f"; {sum(n for _, n in common[REASONS_SHOWN:])} for other reasons"
    unread = len({item.file for item in skipped})
    return CorpusError(
        f"no readable articles in corpus folder {root}: {unread} of {files} "
        f"file{'s' * (files != 1)} skipped ({why or 'no article text found'}); "
        f"newsbot reads {readable_types()}"
    )


def _entries(root: Path) -> list[Path]:
    """The folder's own entries (none when it cannot be listed)."""
    try:
        return list(root.iterdir())
    except OSError:
        return []


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or BOM-marked UTF-16; else ValueError."""
    if not data.strip():
        raise ValueError("empty file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (invalid byte at offset {exc.start})") from None


def parse_file(
    text: str, name: str, saved: datetime | None = None
) -> tuple[list[Article], list[Skipped]]:
    """Articles in one file's text, by the file's kind; relative ages count from `saved`."""
    suffix = Path(name).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return parse_jsonl(text, name, saved)
    if suffix in MARKDOWN_SUFFIXES:
        return parse_markdown(text, name, saved), []
    if looks_like_page(text):
        return parse_page(text, name, saved), []
    return parse_text(text, name), []


def outside_target(path: Path, roots: Sequence[Path]) -> Path | None:
    """Where `path` really leads when that is outside every root (real paths); else None.

    Non-strict realpath: a link loop or a dangling link inside stays "inside", and
    reading it then fails with its own reason, as for any unreadable file.
    """
    real = Path(os.path.realpath(path))
    return None if any(real.is_relative_to(r) for r in roots) else real


def real_roots(root: Path, allowed: Sequence[Path] = ()) -> tuple[Path, ...]:
    """The corpus folder and the outside folders the operator allows, as real paths."""
    return tuple(Path(os.path.realpath(p)) for p in (root, *allowed))


def outside_reason(target: Path) -> str:
    return f"{OUTSIDE} (-> {target})"


def corpus_files(root: Path, allowed: Sequence[Path] = ()) -> Iterator[Path]:
    """Every visible file below root, in a stable order (see corpus_entries)."""
    return (Path(path) for _, path in corpus_entries(root, allowed))


def corpus_entries(root: Path, allowed: Sequence[Path] = ()) -> Iterator[tuple[str, str]]:
    """Every visible file below root, in a stable order, as (its path below root in
    POSIX form, its full path).

    Plain strings, not Path objects: a poll lists every file of the archive, and
    pathlib's per-path cost was most of a poll's time on a large folder.

    A linked folder is followed only when it leads into an allowed outside folder
    (each real folder once, so loops end); one leading elsewhere outside is yielded
    like a file, for `read_file` to skip with its reason. Links to folders inside
    the corpus are not followed: their files are read where they really are.
    """
    roots = real_roots(root, allowed)
    top = os.fspath(root)
    seen: set[str] = {os.path.realpath(root)}
    for folder, dirs, files in os.walk(top, followlinks=True):
        follow = []
        for name in sorted(d for d in dirs if not d.startswith(".")):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                seen.add(os.path.realpath(path))
                follow.append(name)
                continue
            real = os.path.realpath(path)
            if outside_target(Path(path), roots[:1]) is None or real in seen:
                continue  # inside the corpus (read at its real place), or a loop
            elif outside_target(Path(path), roots) is None:
                seen.add(real)
                follow.append(name)
            else:
                files.append(name)
        dirs[:] = follow
        prefix = os.path.relpath(folder, top).replace(os.sep, "/") + "/"
        prefix = "" if prefix == "./" else prefix
        for name in sorted(files):
            if not name.startswith("."):
                yield prefix + name, f"{folder}{os.sep}{name}"


def read_file(
    path: Path, root: Path, allowed: Sequence[Path] = ()
) -> tuple[list[Article], list[Skipped]]:
    name = path.relative_to(root).as_posix()
    target = outside_target(path, real_roots(root, allowed))
    if target is not None:
        return [], [Skipped(name, outside_reason(target))]
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return [], [Skipped(name, f"unsupported file type '{path.suffix or '(none)'}'")]
    try:
        stat = path.stat()
        size = stat.st_size
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // 2**20
            return [], [Skipped(name, f"larger than {limit} MiB ({size / 2**20:.0f} MiB)")]
        data = path.read_bytes()
        if not data.strip():
            raise ValueError("empty file")
        if path.suffix.lower() in HTML_SUFFIXES:
            articles, skipped = parse_webpage(data, name)  # it finds the page's own encoding
        elif path.suffix.lower() in FEED_SUFFIXES:
            articles, skipped = parse_feed(data, name)  # so does the XML declaration
        else:
            # The page was saved when the file was last written: ages count from then.
            saved = datetime.fromtimestamp(stat.st_mtime, UTC)
            articles, skipped = parse_file(decode(data), name, saved)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [], [Skipped(name, reason)]
    if not articles and not skipped:
        skipped = [Skipped(name, "no article text found")]
    return [replace(a, headings=find_headings(a.paragraphs)) for a in articles], skipped


@dataclass(frozen=True)
class Signature:
    """What dedupe compares of an article: kept per article in an index segment, so
    the corpus can be de-duplicated again after a change without reading articles back."""

    identities: tuple[tuple[str, str], ...]  # its link and its feed item id
    key: tuple[str, str] | None  # folded headline and publisher, None without a headline
    start: str  # the folded text's first SAME_START_CHARS characters
    folded: int  # length of the folded text
    length: int  # length of the text (the copy with the most text is kept)


# How much of the shorter text's start must recur at the longer one's start for two articles
# with one headline and publisher to be the same story (a related-links entry is the start
# of the article, cut off); a recurring column ("Daily Stock Market Activity") is not.
SAME_START_CHARS = 120


def signature(article: Article) -> Signature:
    text = article.text
    folded = fold_key(text)
    key = (fold_key(article.headline), fold_key(article.publisher)) if article.headline else None
    return Signature(
        tuple(_identities(article)), key, folded[:SAME_START_CHARS], len(folded), len(text)
    )


def _identities(article: Article) -> list[tuple[str, str]]:
    """What names one article wherever it appears: its link and its feed item id."""
    keys = [("url", article.url.strip())] if article.url.strip() else []
    return keys + ([("id", article.guid.strip())] if article.guid.strip() else [])


def _same_story(a: Signature, b: Signature) -> bool:
    first, second = sorted((a, b), key=lambda s: s.folded)
    start = first.start
    if first.folded > SAME_START_CHARS:
        start = start.rsplit(" ", 1)[0]
    return second.start.startswith(start)


def dedupe(articles: list[Article]) -> list[Article]:
    """One copy of an article seen on several pages or feeds: the one with the most text."""
    return [articles[i] for i in dedupe_order([signature(a) for a in articles])]


def dedupe_order(signatures: Sequence[Signature]) -> list[int]:
    """Which articles are kept, by position, in the order of the copies they stand for."""
    return [kept for _, kept in dedupe_clusters(signatures)]


def dedupe_clusters(signatures: Sequence[Signature]) -> list[tuple[int, int]]:
    """Each story's first copy and the copy kept (by position), in order of first copies.

    Copies share a link or a feed item id, or share a headline and publisher and
    begin alike; articles that share only a headline (a daily column) are all kept.
    """
    copies: dict[tuple[str, str], list[int]] = {}
    named: dict[tuple[str, str], int] = {}
    kept: list[int] = []
    first: list[int] = []
    for i, sig in enumerate(signatures):
        twin = next((named[k] for k in sig.identities if k in named), None)
        if twin is None and sig.key is not None:
            twin = next(
                (t for t in copies.get(sig.key, []) if _same_story(signatures[kept[t]], sig)),
                None,
            )
        if twin is None:
            twin = len(kept)
            kept.append(i)
            first.append(i)
        elif sig.length > signatures[kept[twin]].length:
            kept[twin] = i
        if sig.key is not None and twin not in copies.setdefault(sig.key, []):
            copies[sig.key].append(twin)
        for k in sig.identities:
            named.setdefault(k, twin)
    return list(zip(first, kept, strict=True))

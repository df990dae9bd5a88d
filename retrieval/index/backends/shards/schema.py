"""How chunks are laid out in Xapian shards: which shard owns a file, terms, document data.

A chunk is one Xapian document: our analysed terms with their counts as wdf (so
Xapian's document length is BM25's), boolean terms for its file and publisher
(wdf 0: they add nothing to the length), the published date as a value, and the
chunk's text, source and term counts as data in a compact binary record (see
`encode_chunk`). Boolean terms carry ASCII upper-case prefixes, which analysis
never produces (it folds to lower case), so the two never collide.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.models import Article

FILE_PREFIX = "XF"  # + digest of the corpus path: every chunk of a file, for updates
PUBLISHER_PREFIX = "XP"  # + casefolded publisher: filters
BOOLEAN_PREFIX = "X"  # what every boolean term starts with (never an analysed term)
DATE_SLOT = 0  # value: the article's date (sortable-serialised POSIX time), for date filters
# Xapian refuses terms over 245 bytes; a longer one is stood in for by its start and a digest.
MAX_TERM_BYTES = 240
META_SETTINGS = "newsbot:settings"  # what the shard's chunks depend on besides the corpus
META_LAYOUT = "newsbot:shards"  # how many shards the files were placed over
META_GENERATION = "newsbot:generation"  # changes on every write: readers' cache key
META_FILE = "newsbot:file:"  # + file digest: the file's path, content digest and articles
META_DATA = "newsbot:data"  # DATA_VERSION of the chunks' data: another is rewritten, never read
# How a chunk's data is encoded. Bump it with any change to encode_chunk/StoredChunk.decode:
# shards holding another version are rewritten by the writer and refused by search.
# (1: JSON, never recorded; 2: the binary record below.)
DATA_VERSION = "2"
# A chunk's data: its article's position, its paragraph, start and end, then the byte
# lengths of its fields (text, the article's eight as ArticleData, section, the terms),
# the fields in UTF-8, and each term's count as little-endian uint16 (as the forward
# index counts them).
_HEAD = struct.Struct("<4i11I")
TERM_SEPARATOR = "\0"  # between the terms in the data: analysis never produces a NUL


def owner(file: str, shards: int) -> int:
    """The shard that holds a corpus file: rendezvous hashing of its path.

    Stable across runs and machines; adding a shard moves only the files the new
    shard wins (about 1/N of them), removing one moves only its own files.
    """
    return max(range(shards), key=lambda i: hashlib.sha256(f"{i}\0{file}".encode()).digest())


def file_key(file: str) -> str:
    return hashlib.sha256(file.encode()).hexdigest()[:32]


def index_term(term: str) -> str:
    """The Xapian term for an analysed term (a digest stands in for over-long ones)."""
    raw = term.encode()
    if len(raw) <= MAX_TERM_BYTES:
        return term
    head = raw[: MAX_TERM_BYTES - 33].decode("utf-8", "ignore")
    return f"{head}#{hashlib.sha256(raw).hexdigest()[:32]}"


def publisher_term(publisher: str) -> str:
    return PUBLISHER_PREFIX + index_term(publisher.strip().casefold())


def walk_key(file: str) -> tuple[tuple[int, str], ...]:
    """Sorts paths the way the corpus is walked: a folder's files before its sub-folders.

    Chunks with equal scores are ranked in this order, as a fresh embedded index does.
    """
    *folders, name = file.split("/")
    return (*((1, f) for f in folders), (0, name))


@dataclass(frozen=True)
class StoredChunk:
    """What a shard document's data holds: the chunk and its article's source."""

    text: str
    file: str
    position: int  # the article's position in its file
    headline: str
    publisher: str
    published: str
    url: str
    paragraph: int
    start: int
    end: int
    terms: dict[str, int]  # analysed term -> count: BM25's tf and (summed) length, exactly
    date: str = ""  # the article's date, ISO 8601 in UTC ("" when unknown)
    date_precision: str = ""
    author: str = ""
    section: str = ""  # the sub-heading the chunk sits under

    @property
    def article_key(self) -> str:
        return f"{self.file}#{self.position}"

    @property
    def length(self) -> int:
        return sum(self.terms.values())

    def order(self) -> tuple[Any, ...]:
        return (walk_key(self.file), self.position, self.start)

    @classmethod
    def decode(cls, data: bytes) -> StoredChunk:
        """The chunk `encode_chunk` wrote (slices of one bytes value: no parser)."""
        head = _HEAD.unpack_from(data)
        fields, at = [], _HEAD.size
        for size in head[4:]:
            fields.append(data[at : at + size].decode())
            at += size
        text, file, headline, publisher, published, url, date, precision, author, section, held = (
            fields
        )
        names = held.split(TERM_SEPARATOR) if held else []
        counts = struct.unpack_from(f"<{len(names)}H", data, at)
        return cls(
            text,
            file,
            head[0],
            headline,
            publisher,
            published,
            url,
            head[1],
            head[2],
            head[3],
            dict(zip(names, counts, strict=True)),
            date,
            precision,
            author,
            section,
        )


@dataclass(frozen=True)
class ArticleData:
    """The part of a chunk's data every chunk of an article shares, encoded once."""

    position: int
    sizes: tuple[int, ...]  # byte lengths of the article's fields, in the record's order
    blob: bytes

    @classmethod
    def of(cls, article: Article) -> ArticleData:
        parts = [
            s.encode()
            for s in (
                article.file,
                article.headline,
                article.publisher,
                article.published,
                article.url,
                article.date.isoformat() if article.date is not None else "",
                article.date_precision or "",
                article.author or "",
            )
        ]
        return cls(article.position, tuple(map(len, parts)), b"".join(parts))


def encode_chunk(
    article: ArticleData,
    paragraph: int,
    start: int,
    end: int,
    text: str,
    section: str,
    terms: bytes,
    counts: bytes,
) -> bytes:
    """A chunk's data (StoredChunk.decode reads it): `terms` are its analysed terms in
    UTF-8 joined by TERM_SEPARATOR, `counts` their counts as little-endian uint16."""
    raw, heading = text.encode(), section.encode()
    head = _HEAD.pack(
        article.position,
        paragraph,
        start,
        end,
        len(raw),
        *article.sizes,
        len(heading),
        len(terms),
    )
    return b"".join((head, raw, article.blob, heading, terms, counts))

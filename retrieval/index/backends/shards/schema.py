"""How chunks are laid out in Xapian shards: which shard owns a file, terms, document data.

A chunk is one Xapian document: our analysed terms with their counts as wdf (so
Xapian's document length is BM25's), boolean terms for its file and publisher
(wdf 0: they add nothing to the length), the published date as a value, and the
chunk's text and source as JSON data. Boolean terms carry ASCII upper-case
prefixes, which analysis never produces (it folds to lower case), so the two
never collide.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

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

    def encode(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> StoredChunk:
        return cls(**json.loads(data))

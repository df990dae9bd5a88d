"""Plain dataclasses shared by every stage of the pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

PARAGRAPH_SEPARATOR = "\n\n"
# Links shown to readers: only web links a chat client opens safely, within Discord's
# embed URL limit (a longer or other URL makes Discord refuse the whole message).
LINK_SCHEMES = frozenset({"http", "https"})
MAX_LINK_CHARS = 2048


@dataclass(frozen=True)
class Article:
    """One news article as ingested: several may come from one file."""

    headline: str
    paragraphs: tuple[str, ...]
    file: str  # corpus-relative path, never an absolute host path
    position: int = 0  # 0 for a page's main article, 1.. for its related entries
    publisher: str = ""
    published: str = ""  # as the page gives it: "4 days ago", "2025-07-10", ...
    url: str = ""
    date: datetime | None = None  # `published` as an aware UTC instant, when it can be known
    date_precision: str | None = None  # "minute" | "hour" | "day" | "approximate"
    guid: str = ""  # a feed item's id: the same item in two feed files is kept once
    author: str = ""
    headings: tuple[int, ...] = ()  # paragraphs that are sub-headings, not running text

    def section(self, paragraph: int) -> str:
        """The sub-heading a paragraph sits under ("" before the first one)."""
        above = [i for i in self.headings if i < paragraph]
        return self.paragraphs[above[-1]] if above else ""

    @property
    def key(self) -> str:
        return f"{self.file}#{self.position}"

    @property
    def text(self) -> str:
        """The body as one string; chunk spans index into it."""
        return PARAGRAPH_SEPARATOR.join(self.paragraphs)


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit: one paragraph, part of a long one, or short ones joined."""

    article: int  # index into the corpus' article list
    paragraph: int  # first paragraph of the article this chunk covers
    start: int  # character span inside Article.text: text == article.text[start:end]
    end: int
    text: str


@dataclass(frozen=True)
class Skipped:
    """A file (or one line of it) that was not ingested, and why."""

    file: str
    reason: str
    line: int = 0  # for a bad line of a .jsonl file

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Source:
    headline: str
    publisher: str | None
    published: str | None
    file: str
    url: str | None
    date: datetime | None = None
    date_precision: str | None = None
    author: str | None = None


def reader_link(url: str | None) -> str | None:
    """The URL as a link readers may be shown, or None when it is not one.

    The one rule for every card and page: http(s), a host, no spaces or control
    characters, at most MAX_LINK_CHARS. Anything else stays data (in the JSON), not a link.
    """
    if not url or len(url) > MAX_LINK_CHARS or any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return None
    return url


@dataclass(frozen=True)
class Answer:
    text: str  # the answering sentence(s), as in the article
    marks: tuple[tuple[int, int], ...]  # spans of text that match the question
    passage: str  # the chunk the sentence came from
    score: float  # the chunk's BM25 score
    source: Source
    section: str = ""  # the sub-heading the passage sits under
    start: int = 0  # where `text` starts inside `passage`
    also: tuple[Source, ...] = ()  # other outlets that carry the same passage
    sentence: str = ""  # the one sentence that answers, without its context
    short: str | None = None  # the answer itself ("£12.5m") when newsbot is confident

    @property
    def context(self) -> tuple[str, str]:
        """The passage's text before and after the answer: what the snippet does not show."""
        return self.passage[: self.start], self.passage[self.start + len(self.text) :]

    @property
    def snippet(self) -> str:
        """The answering text with the question's terms in **bold**."""
        return mark_up(self.text, self.marks)


def mark_up(text: str, marks: Sequence[tuple[int, int]], escape: Callable[[str], str] = str) -> str:
    """Wrap each marked span in **bold**, escaping everything else with `escape`.

    Escaping happens piece by piece, so text that holds its own asterisks can
    never open or close our bold.
    """
    out, last = [], 0
    for start, end in marks:
        out.append(escape(text[last:start]))
        out.append(f"**{escape(text[start:end])}**")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


@dataclass(frozen=True)
class Reply:
    question: str
    answered: bool
    answers: tuple[Answer, ...] = ()
    reason: str = ""  # why it abstained, for people; empty when answered
    corrected: str | None = None  # the question as read, when its spelling was corrected
    corrected_marks: tuple[tuple[int, int], ...] = ()  # the corrected words in it
    partial: bool = False  # part of the index (a shard) did not answer
    newest: tuple[Source, ...] = ()  # a question about the news: the newest stories, newest first
    missing: tuple[str, ...] = ()  # an abstention's question words no indexed article holds

    @property
    def corrected_markup(self) -> str | None:
        """The corrected question with the corrected words in **bold**."""
        return None if self.corrected is None else mark_up(self.corrected, self.corrected_marks)


@dataclass(frozen=True)
class Hit:
    """A ranked passage for `search`."""

    chunk: int
    score: float
    passage: str
    source: Source
    partial: bool = False  # part of the index (a shard) did not answer

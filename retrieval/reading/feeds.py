"""Read feed files (.xml, .rss, .atom: RSS 0.9x, 1.0, 2.0 and Atom) with feedparser.

Every item is an article: its title, its content (or summary) as plain
paragraphs, its date, link and id, and the feed's title as publisher.

Safety: feedparser gets the bytes (never a URL or a path, so it fetches
nothing), and a file that declares XML entities is refused before parsing.
feedparser drops nested entity declarations itself, but still keeps flat ones
and then falls back to a lenient parser that expands them, so a small file
could still grow into gigabytes ("billion laughs", quadratic blow-up). Real
feeds never declare entities.
"""

from __future__ import annotations

import calendar
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser

from retrieval.models import Article, Skipped
from retrieval.reading.aggregator import is_junk
from retrieval.reading.dates import DAY, MINUTE, Dated, parse_absolute
from retrieval.text.normalize import clean_line, fold_key

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# Elements that end a paragraph in item HTML, and those whose text is never article text.
_BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote tr table section article figure hr pre".split()
)
_HIDDEN = frozenset({"script", "style", "noscript", "iframe", "template", "svg", "head"})
# A paragraph mostly made of link text is navigation ("Related: <a>…</a>"), not article text.
MAX_LINK_SHARE = 0.6


class _Text(HTMLParser):
    """HTML to paragraphs: text kept, tags dropped, a break at each block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._linked = 0  # characters of the current paragraph inside links
        self._hidden = 0
        self._links = 0

    def _flush(self) -> None:
        line = clean_line("".join(self._current))
        if line and self._linked <= MAX_LINK_SHARE * len(line):
            self.paragraphs.append(line)
        self._current, self._linked = [], 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "a":
            self._links += 1
        elif tag in _BLOCKS:
            self._flush()
            if tag == "br":
                self._current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "a":
            self._links = max(0, self._links - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._current.append(data)
            if self._links:
                self._linked += len(data.strip())

    def close(self) -> None:
        super().close()
        self._flush()


def html_paragraphs(fragment: str) -> list[str]:
    """The paragraphs of an item's HTML (or plain text) content."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return parser.paragraphs


def _item_date(entry: Any) -> tuple[str, Dated | None]:
    """The item's date as written, and as an instant: its own text first, feedparser's next."""
    for name in ("published", "updated", "created"):
        written = entry.get(name)
        if not written:
            continue
        parsed = parse_absolute(written)
        if parsed is None and entry.get(f"{name}_parsed"):
            instant = datetime.fromtimestamp(calendar.timegm(entry[f"{name}_parsed"]), UTC)
            midnight = (instant.hour, instant.minute, instant.second) == (0, 0, 0)
            parsed = instant, DAY if midnight else MINUTE
        return written, parsed
    return "", None


def _item_body(entry: Any, headline: str) -> tuple[str, ...]:
    """The fullest of the item's content and summary, as paragraphs."""
    texts = [c.get("value", "") for c in entry.get("content", []) or []]
    texts.append(entry.get("summary", ""))
    best = max(texts, key=len)
    folded = fold_key(headline)
    return tuple(p for p in html_paragraphs(best) if fold_key(p) != folded and not is_junk(p))


def parse_feed(data: bytes, file: str) -> tuple[list[Article], list[Skipped]]:
    """Every item of a feed file as an article, or the reason the file has none."""
    if _ENTITY_DECLARATION.search(data):
        return [], [Skipped(file, "declares XML entities (refused: entity expansion attack)")]
    try:
        feed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # a third-party parser on untrusted input: a skip, never fatal
        return [], [Skipped(file, f"not a readable feed ({type(exc).__name__}: {exc})")]
    entries = feed.get("entries", [])
    if not entries:
        why = feed.get("bozo_exception")
        reason = f"not a readable feed ({why})" if why else "no feed items found"
        return [], [Skipped(file, reason)]
    publisher = " ".join(html_paragraphs(feed.get("feed", {}).get("title", "")))
    articles, skipped = [], []
    for position, entry in enumerate(entries):
        headline = " ".join(html_paragraphs(entry.get("title", "")))
        body = _item_body(entry, headline)
        if not body:
            skipped.append(Skipped(file, "feed item without text", position + 1))
            continue
        written, dated = _item_date(entry)
        articles.append(
            Article(
                headline,
                body,
                file,
                position=position,
                publisher=publisher,
                published=written,
                url=entry.get("link", ""),
                date=dated[0] if dated else None,
                date_precision=dated[1] if dated else None,
                guid=entry.get("id", ""),
                author=clean_line(entry.get("author", "")),
            )
        )
    return articles, skipped

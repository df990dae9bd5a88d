"""Read pages saved from a browser (.html, .htm) with trafilatura and htmldate.

trafilatura finds the article's main text (navigation, cookie banners, related
links, comments and scripts left out) and its metadata: headline, site name,
author, canonical URL; htmldate (called by trafilatura, on the parsed tree
only) finds the publication date in JSON-LD, <meta>, <time> elements or the
URL, but not in free text, where a date is a guess. Nothing here touches the
network: both get the file's bytes or tree, never a URL to fetch.
"""

from __future__ import annotations

import re

import trafilatura

from retrieval.models import Article, Skipped
from retrieval.reading.dates import DAY, MINUTE, Dated, parse_absolute
from retrieval.text.normalize import clean_line, fold_key

# Saved news pages hold a few thousand elements; extraction costs about half a millisecond
# per element, so a page past this bound is a dump or an attack that would stall indexing.
MAX_ELEMENTS = 50_000
# Counting "<" bounds the tags before parsing (one element is at most two tags, scripts and
# comments add some): a far larger count is refused without building the tree.
MAX_TAGS = 8 * MAX_ELEMENTS
# Fewer words than this is what is left of a page without an article (a menu, a notice).
MIN_WORDS = 10
# htmldate: look for the original publication (not the last update), let the URL's date
# give way to fuller ones in the metadata, and return the time when the page gives one.
DATE_PARAMS = {
    "original_date": True,
    # Not the free text: its dates are guesses (a "© 2025" footer read as 1 January 2025).
    "extensive_search": False,
    "deferred_url_extractor": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
# htmldate's answer for a bare day in the format above: a midnight without a UTC offset.
_BARE_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})T00:00:00$")
# A date-time as pages write it in their metadata (JSON-LD, <meta>, <time datetime>):
# htmldate rewrites it ("+01:00" becomes "+0100"); `published` keeps the page's own text.
_WRITTEN_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE,
)


class PageError(ValueError):
    """A saved page that cannot be read; the message says why, for the skip report."""


def page_date(found: str | None) -> Dated | None:
    """htmldate's answer as an instant and precision: a bare day stays a day."""
    if not found:
        return None
    day = _BARE_DAY.match(found)
    if day:
        return parse_absolute(day[1])
    parsed = parse_absolute(found)
    return (parsed[0], MINUTE) if parsed and parsed[1] != DAY else parsed


def as_written(data: bytes, found: str, dated: Dated | None) -> str:
    """The page's own text for the date htmldate found: the first date-time in the page
    that stands for the same instant (else htmldate's rewrite of it)."""
    if dated is None:
        return found
    page = data.decode("utf-8", "replace")
    for match in _WRITTEN_DATE.finditer(page):
        parsed = parse_absolute(match[0])
        if parsed is not None and parsed[0] == dated[0]:
            return match[0]
    return found


def _paragraphs(text: str, headline: str) -> tuple[str, ...]:
    folded = fold_key(headline)
    lines = (clean_line(x) for x in text.splitlines())
    return tuple(x for x in lines if x and fold_key(x) != folded)


def parse_webpage(data: bytes, file: str) -> tuple[list[Article], list[Skipped]]:
    """The page's one article, or the reason it has none."""
    try:
        return [read_webpage(data, file)], []
    except PageError as exc:
        return [], [Skipped(file, str(exc))]
    except Exception as exc:  # a third-party parser on untrusted input: a skip, never fatal
        return [], [Skipped(file, f"not a readable page ({type(exc).__name__}: {exc})")]


def read_webpage(data: bytes, file: str) -> Article:
    tags = data.count(b"<")
    if tags > MAX_TAGS:
        raise PageError(f"too many HTML elements (over {tags // 2} tags; at most {MAX_ELEMENTS})")
    tree = trafilatura.load_html(data)
    if tree is None:
        raise PageError("not an HTML page")
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_ELEMENTS:
        raise PageError(f"too many HTML elements ({elements}; at most {MAX_ELEMENTS})")
    doc = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        date_extraction_params=dict(DATE_PARAMS),
    )
    if doc is None or not (doc.text or "").strip():
        raise PageError("no article text found in the page")
    headline = clean_line(doc.title or "")
    body = _paragraphs(doc.text, headline)
    words = sum(len(p.split()) for p in body)
    if words < MIN_WORDS:
        raise PageError(f"no article text found in the page ({words} words)")
    dated = page_date(doc.date)
    return Article(
        headline,
        body,
        file,
        publisher=clean_line(doc.sitename or doc.hostname or ""),
        published=as_written(data, doc.date or "", dated),
        url=doc.url or "",
        date=dated[0] if dated else None,
        date_precision=dated[1] if dated else None,
        author=clean_line(doc.author or ""),
    )

"""Parse pages saved from a news aggregator into their main and related articles.

Such a page is a main article (headline, often repeated; a publisher glued to a
relative time such as "Telegraph4 days ago"; body lines) followed by site
furniture and a "Related Articles" list whose entries read: headline lines,
publisher, time ("timean hour ago"), a bulleted publisher, the headline again
and a teaser paragraph. The rules below follow that structure rather than any
one page's strings, so that hundreds of pages from the same site parse alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from retrieval.models import Article
from retrieval.reading.dates import date_fields
from retrieval.text.normalize import clean_line, fold_key, may_contain

_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WHEN = (
    rf"(?:(?:an?|one|\d{{1,3}})\s+{_UNIT}\s+ago|just now|yesterday"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?Z?)?"
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}})"
)
# A time on its own line, sometimes behind an icon's alt text: "timean hour ago".
_WHEN_LINE = re.compile(rf"^(?:time\s*)?(?P<when>{_WHEN})$", re.IGNORECASE)
# A publisher glued to the time: "Telegraph4 days ago", "The Hill · 2 hours ago".
_PUBLISHER_WHEN = re.compile(
    rf"^(?P<publisher>[A-Z0-9][\w&'’.\- ]{{0,48}}?)\s*[·•|,\-–]?\s*(?P<when>{_WHEN})$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^[•·\-–—*]\s*(?P<text>.+)$")
# How every _WHEN ends, ignoring case: "ago", "now", "yesterday", a digit, or a "Z".
_WHEN_LAST_WORDS = ("ago", "now", "yesterday", "z")
_WHEN_TAIL = 10  # characters enough to hold the longest of those words and a newline

# Section labels that end the article body: comments, related lists, tags, ads. What a
# site calls these sections, in a few words and nothing more on the line.
_SECTION_LABEL = re.compile(
    r"^(?:related (?:articles|stories|news|posts)|more (?:stories|articles|news|from \w+)"
    r"|(?:no )?comments?(?: yet)?|hashtags|tags|topics|you may also like|recommended(?: for you)?"
    r"|trending(?: now)?|advertisement|most (?:read|popular))\W*$",
    re.IGNORECASE,
)
_RELATED_START = re.compile(
    r"^(?:related (?:articles|stories|news|posts)|more (?:stories|articles|news)"
    r"|you may also like|recommended(?: for you)?)$",
    re.IGNORECASE,
)
# Verbs a site uses to sell itself to the reader, as the line's (or a sentence's) first word.
_PROMO_VERB = (
    r"try|download|get|subscribe|sign|join|explore|discover|broaden|upgrade|install|register"
    r"|unlock|follow|share|read|click|tap|start|enjoy|listen|watch"
)
_PROMO_OPENING = re.compile(rf"(?:^|[.!?]\s+)(?:{_PROMO_VERB})\b", re.IGNORECASE)
# What only a promo says beside such a verb: the reader addressed, the site selling itself.
_PROMO_TALK = re.compile(
    r"\b(?:you|your|our|us|free|now|today|app|apps|newsletter|subscription|subscribers?"
    r"|unlimited|access|features?|exclusive|award-winning|premium|offer)\b",
    re.IGNORECASE,
)
# Said only by a button or a link, so telling only on a line of a few words.
_BUTTON_TALK = re.compile(r"\b(?:more|here|this (?:article|story|page)|it)\b", re.IGNORECASE)
# News attributes what it reports; a site selling itself quotes no one.
_REPORTED = re.compile(r"\b(?:said|says|told|according to)\b", re.IGNORECASE)
_PROMO_MAX_WORDS = 60
LABEL_MAX_WORDS = 8  # a section label or a button is a few words, never a sentence
# The alt text of a picture standing in for one on a saved page: "logo", "Company logo",
# "Orange background". A background or image is decoration only when named by its colour:
# "Family background" is a sub-heading.
_PICTURE = re.compile(
    r"^(?:(?:[\w-]+\s+){0,2}(?:logo|icon|banner|thumbnail|avatar)s?"
    r"|(?:(?:red|orange|yellow|green|blue|purple|pink|black|white|grey|gray|brown|dark|light)"
    r"\s+)+(?:background|image|picture)s?)$",
    re.IGNORECASE,
)
# A caption's attribution line: "Credit: Kremlin.ru", "Photo: Harbour Authority".
_ATTRIBUTION = re.compile(
    r"^(?:(?:photo|image|picture|video)\s*)?(?:credits?|photos?|images?|pictures?|source)\s*:"
    r"\s*\S(?:\S*\s+){0,5}\S*$",
    re.IGNORECASE,
)
_STORE_BADGE = re.compile(
    r"^(?:app-?store|play-?store|google play|app store)(?:\s+\S+){0,2}$", re.IGNORECASE
)


@dataclass
class _Entry:
    """Positions of one related entry inside the related-articles lines."""

    start: int  # first line that belongs to it (its leading repeated headlines)
    headline_at: int
    publisher: str
    when: str


def _may_end_with_time(line: str) -> bool:
    """Whether a line can end with a time (as _WHEN_LINE and _PUBLISHER_WHEN require): a
    cheap test on its last characters that lets body lines skip those slow regexes."""
    tail = line[-_WHEN_TAIL:]
    return tail.rstrip("\n")[-1:].isdecimal() or may_contain(tail, _WHEN_LAST_WORDS)


def _when_line(line: str) -> re.Match[str] | None:
    return _WHEN_LINE.match(line) if _may_end_with_time(line) else None


def _publisher_when(line: str) -> re.Match[str] | None:
    return _PUBLISHER_WHEN.match(line) if _may_end_with_time(line) else None


def _words(line: str, most: int) -> int:
    """The number of words in line, counted up to `most` + 1 (a long line is never split
    whole just to learn that it is long)."""
    return len(line.split(maxsplit=most))


def ends_body(line: str) -> bool:
    """A section label or a short promo: the article body ended above it."""
    if _words(line, LABEL_MAX_WORDS) > LABEL_MAX_WORDS:
        return False
    return bool(_SECTION_LABEL.match(line)) or is_promo(line)


def is_promo(line: str) -> bool:
    """The site selling itself: a promo verb opening a sentence of a short line that
    addresses the reader or names what is sold ("Try Our AI Features", "Subscribe now
    for unlimited access"), quoting no one; "Try as they might, the rebels…" is news."""
    words = _words(line, _PROMO_MAX_WORDS)
    if words > _PROMO_MAX_WORDS or not _PROMO_OPENING.search(line) or _REPORTED.search(line):
        return False
    return bool(_PROMO_TALK.search(line)) or (
        words <= LABEL_MAX_WORDS and bool(_BUTTON_TALK.search(line))
    )


def is_junk(line: str) -> bool:
    """A line of a saved aggregator page that is never article text, by its shape: a
    picture's alt text, a caption credit, a store badge, a promo, a lone section label."""
    if _PICTURE.match(line) or _ATTRIBUTION.match(line) or _STORE_BADGE.match(line):
        return True
    return is_promo(line) or (
        _words(line, LABEL_MAX_WORDS) <= LABEL_MAX_WORDS and bool(_SECTION_LABEL.match(line))
    )


def looks_like_page(text: str) -> bool:
    """True when a text file has the aggregator page structure."""
    lines = [clean_line(x) for x in text.splitlines()[:400]]
    head = [x for x in lines[:12] if x]
    if any(_publisher_when(x) and _words(x, 8) <= 8 for x in head):
        return True
    return any(_RELATED_START.match(x) for x in lines) and any(map(_when_line, lines))


def _is_name(line: str) -> bool:
    """A publisher-like line: short, no sentence punctuation."""
    return len(line) <= 60 and 0 < len(line.split()) <= 6 and not re.search(r"[.!?:;]$", line)


def _body(lines: Iterable[str], headline: str) -> tuple[str, ...]:
    folded = fold_key(headline)
    return tuple(x for x in lines if x and not is_junk(x) and fold_key(x) != folded)


def _main_article(lines: Sequence[str], file: str, saved: datetime | None) -> Article | None:
    content = [x for x in lines if x and not is_junk(x)]
    if not content:
        return None
    headline = content[0]
    key = fold_key(headline)
    rest = [x for x in content[1:] if fold_key(x) != key]
    publisher = when = ""
    for i, line in enumerate(rest[:3]):
        glued = _publisher_when(line)
        alone = _when_line(line)
        if alone:
            when = alone["when"]
            if i > 0 and _is_name(rest[i - 1]):
                publisher = rest[i - 1]
            rest = rest[i + 1 :]
            break
        if glued and _words(line, 8) <= 8:
            publisher, when = glued["publisher"].strip(), glued["when"]
            rest = rest[i + 1 :]
            break
    body = tuple(rest)  # what _body keeps: these lines are already non-empty, not junk, no headline
    if not body:
        return None
    return Article(headline, body, file, 0, publisher, when, **date_fields(when, saved))


def _find_entries(lines: Sequence[str]) -> list[_Entry]:
    """Anchor each related entry on its time line, then read around it."""
    entries: list[_Entry] = []
    for i, line in enumerate(lines):
        when = _when_line(line)
        glued = None if when else _publisher_when(line)
        if not (when or glued) or (glued and not _is_name(glued["publisher"])):
            continue
        # After the time: bulleted publisher lines, then the headline.
        bullets = []
        j = i + 1
        while j < len(lines) and (not lines[j] or _BULLET.match(lines[j])):
            if lines[j]:
                bullets.append(_BULLET.match(lines[j])["text"])
            j += 1
        if j >= len(lines):
            continue
        headline = lines[j]
        key = fold_key(headline)
        # Before the time: the publisher's name, unless that line is the headline itself.
        prev = i - 1
        while prev >= 0 and not lines[prev]:
            prev -= 1
        publisher, first = "", i
        if glued:
            publisher = glued["publisher"].strip()
        elif (
            prev >= 0
            and _is_name(lines[prev])
            and not _when_line(lines[prev])
            and fold_key(lines[prev]) != key
        ):
            publisher, first = lines[prev], prev
        publisher = publisher or next(iter(bullets), "")
        start = first
        while start > 0 and (not lines[start - 1] or fold_key(lines[start - 1]) == key):
            start -= 1
        entries.append(_Entry(start, j, publisher, (when or glued)["when"]))
    return entries


def _related_articles(lines: Sequence[str], file: str, saved: datetime | None) -> list[Article]:
    entries = _find_entries(lines)
    articles = []
    for n, entry in enumerate(entries):
        end = entries[n + 1].start if n + 1 < len(entries) else len(lines)
        headline = lines[entry.headline_at]
        body = _body(lines[entry.headline_at + 1 : end], headline)
        if body:
            when = entry.when
            articles.append(
                Article(
                    headline, body, file, n + 1, entry.publisher, when, **date_fields(when, saved)
                )
            )
    return articles


def parse_page(text: str, file: str, saved: datetime | None = None) -> list[Article]:
    """The main article then each related entry, furniture removed; ages count from `saved`."""
    lines = [clean_line(x) for x in text.splitlines()]
    end_main = next((i for i, x in enumerate(lines) if ends_body(x)), len(lines))
    articles = []
    main = _main_article(lines[:end_main], file, saved)
    if main:
        articles.append(main)
    related_at = next(
        (i for i in range(end_main, len(lines)) if _RELATED_START.match(lines[i])), None
    )
    if related_at is not None:
        tail = lines[related_at + 1 :]
        stop = next((i for i, x in enumerate(tail) if ends_body(x)), len(tail))
        articles.extend(_related_articles(tail[:stop], file, saved))
    return articles

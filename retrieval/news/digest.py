"""A digest: the period's stories, one entry each however many outlets carried them.

Stories are grouped by `stories.group` over the period's dated articles; an entry
is the story's most central article's headline, its lede sentence (extractive: the
sentence nearest the story's centroid) and the outlets that reported it. Most
reported first, then newest: what many outlets carried is what a reader missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from retrieval.answering.engine import Engine
from retrieval.index.backends.base import source_of
from retrieval.models import Article, Source
from retrieval.news.stories import Idf, Story, group
from retrieval.text.analysis import analyze

DEFAULT_PERIOD = timedelta(hours=24)


@dataclass(frozen=True)
class Entry:
    headline: str
    lede: str
    sources: tuple[Source, ...]  # one per article, in order of first report
    newest: datetime

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(s.publisher or s.file for s in self.sources))


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    entries: tuple[Entry, ...]
    articles: int  # dated articles in the period
    undated: int  # articles without a date, which no period can hold


def digest(engine: Engine, since: datetime | None = None, until: datetime | None = None) -> Digest:
    """The digest of [since, until) (default: the last 24 hours up to now)."""
    until = until or datetime.now(UTC)
    since = since or until - DEFAULT_PERIOD
    articles = engine.texts()
    period = [a for a in articles if a.date is not None and since <= a.date < until]
    undated = sum(1 for a in articles if a.date is None)
    stories, idf = stories_of(engine, period)
    entries = [_entry(story, idf) for story in stories]
    entries.sort(key=lambda e: (-len(e.outlets), -e.newest.timestamp()))
    return Digest(since, until, tuple(entries), len(period), undated)


def stories_of(engine: Engine, articles: Sequence[Article]) -> tuple[list[Story], Idf]:
    """The articles grouped into stories, with idf from the serving index (one call)."""
    vocabulary = {t for a in articles for t in analyze(f"{a.headline}\n{a.text}")}
    idf = engine.backend.term_stats(sorted(vocabulary)).idf.get
    return group(articles, idf), idf


def _entry(story: Story, idf: Idf) -> Entry:
    head: Article = story.central()
    newest = story.newest.date
    assert newest is not None  # the period holds dated articles only
    return Entry(head.headline, story.lede(idf), tuple(map(source_of, story.articles)), newest)

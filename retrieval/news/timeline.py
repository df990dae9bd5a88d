"""A story's timeline: the dated articles that answer a topic, oldest first.

Articles are found as a question's answers are (the backend's BM25 ranking, then
the coverage rule for abstention), so a timeline never lists an article that only
shares a common word with the topic. One story told by several outlets is one line
with "also reported by" (`stories.group`, as in the digest); undated articles cannot be
placed on a line of dates, so they are left out and counted.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from retrieval.answering.engine import Engine, Filters
from retrieval.answering.snippets import Candidate, coverage
from retrieval.models import Source
from retrieval.news.digest import stories_of
from retrieval.news.matching import sentence_of

# Chunks read to find a topic's articles: a timeline wants every article on the topic,
# not a question's best few, yet must stay a bounded query on a large archive.
TIMELINE_CANDIDATES = 300
TIMELINE_LIMIT = 50  # lines shown; older ones beyond are counted


Found = tuple[Source, str, tuple[tuple[int, int], ...]]  # an article's source and sentence


@dataclass(frozen=True)
class Event:
    source: Source
    sentence: str  # the sentence of the article that matches the topic
    marks: tuple[tuple[int, int], ...]
    also: tuple[Source, ...] = ()  # other outlets telling the same story


@dataclass(frozen=True)
class Timeline:
    topic: str
    events: tuple[Event, ...]  # oldest first
    undated: int  # answering articles left out for having no date
    more: int = 0  # dated events beyond the limit (the newest are kept)
    corrected: str | None = None  # the topic as read, when its spelling was corrected
    reason: str = ""  # why nothing answers, when nothing does


def timeline(engine: Engine, topic: str, limit: int = TIMELINE_LIMIT) -> Timeline:
    """The topic's timeline over the engine's backend (embedded or shards alike)."""
    query = engine.analyse(topic)
    answers = engine.config.answers
    if query.unseen_share >= answers.max_unseen:
        missing = ", ".join(query.missing)
        return Timeline(
            query.text,
            (),
            0,
            corrected=query.corrected,
            reason=f"The indexed articles never mention: {missing}.",
        )
    ranked = engine.backend.top_k(query.terms, TIMELINE_CANDIDATES, Filters())
    seen: set[Hashable] = set()
    found: list[Found] = []
    undated = 0
    for record, score in zip(ranked.chunks, ranked.scores, strict=True):
        if record.article in seen or coverage(query, record.terms) < answers.min_coverage:
            continue
        seen.add(record.article)
        if record.source.date is None:
            undated += 1
            continue
        c = Candidate(record.id, record.article, score, record.text, record.headline, record.terms)
        found.append((record.source, *sentence_of(query, c)))
    found.sort(key=lambda f: f[0].date)  # type: ignore[arg-type, return-value]
    events = _collapse(engine, found)
    more = max(0, len(events) - limit)
    reason = "" if events or undated else "No indexed article covers enough of this topic."
    return Timeline(query.text, tuple(events[more:]), undated, more, query.corrected, reason)


def _collapse(engine: Engine, found: list[Found]) -> list[Event]:
    """One event per story, however many outlets told it (dated by its first report).

    Stories are grouped over the articles' whole texts (`stories.group`), so two
    outlets' reports of one event in different words are one line.
    """
    texts = {(a.file, a.headline): a for a in engine.texts()}
    articles = [texts.get((source.file, source.headline)) for source, _, _ in found]
    known = [a for a in articles if a is not None]
    story_of: dict[int, int] = {}
    for n, story in enumerate(stories_of(engine, known)[0]):
        for article in story.articles:
            story_of[id(article)] = n
    events: list[Event] = []
    placed: dict[int, int] = {}  # story -> its event
    for (source, sentence, marks), article in zip(found, articles, strict=True):
        story = story_of.get(id(article)) if article is not None else None
        if story is None or story not in placed:
            if story is not None:
                placed[story] = len(events)
            events.append(Event(source, sentence, marks))
            continue
        first = events[placed[story]]
        events[placed[story]] = Event(
            first.source, first.sentence, first.marks, (*first.also, source)
        )
    return events

"""A story's timeline: the dated articles that answer a topic, oldest first.

Articles are found as a question's answers are (the backend's BM25 ranking, then
the coverage rule for abstention), so a timeline never lists an article that only
shares a common word with the topic. One passage reprinted by several outlets is one
line with "also reported by" (`selection.SAME_STORY`); undated articles cannot be
placed on a line of dates, so they are left out and counted.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from retrieval.answering.engine import Engine, Filters
from retrieval.answering.selection import SAME_STORY, similarity, words
from retrieval.answering.snippets import Candidate, coverage
from retrieval.models import Source
from retrieval.news.matching import sentence_of

# Chunks read to find a topic's articles: a timeline wants every article on the topic,
# not a question's best few, yet must stay a bounded query on a large archive.
TIMELINE_CANDIDATES = 300
TIMELINE_LIMIT = 50  # lines shown; older ones beyond are counted


@dataclass(frozen=True)
class Event:
    source: Source
    sentence: str  # the sentence of the article that matches the topic
    marks: tuple[tuple[int, int], ...]
    also: tuple[Source, ...] = ()  # other outlets carrying the same passage


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
    found: list[tuple[Source, str, tuple[tuple[int, int], ...]]] = []
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
    events = _collapse(found)
    more = max(0, len(events) - limit)
    reason = "" if events or undated else "No indexed article covers enough of this topic."
    return Timeline(query.text, tuple(events[more:]), undated, more, query.corrected, reason)


def _collapse(found: list[tuple[Source, str, tuple[tuple[int, int], ...]]]) -> list[Event]:
    """One event per passage, however many outlets carried it (dated by the first)."""
    events: list[Event] = []
    held: list[frozenset[str]] = []
    for source, sentence, marks in found:
        text = words(sentence)
        twin = next((i for i, w in enumerate(held) if similarity(text, w) >= SAME_STORY), None)
        if twin is None:
            events.append(Event(source, sentence, marks))
            held.append(text)
        else:
            first = events[twin]
            events[twin] = Event(first.source, first.sentence, first.marks, (*first.also, source))
    return events

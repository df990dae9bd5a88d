"""From a refresh to the alerts owed: match the new articles, queue, then plan delivery.

`collect` runs after every refresh: the articles the store has not seen are matched
against the active subscriptions (the percolator), the matches of one subscription
that tell one story become one alert ("also reported by"), a new copy of a story the
subscription was already alerted to (grouped with those alerts' articles by the same
rule) becomes no alert but a record that it is covered, and both are queued in the
transaction that marks those articles seen. `plan` then splits what is owed
to each channel or member into alerts to send and, over the hourly cap, one
"N more on X" message per topic. The caller sends, then records what was accepted.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from retrieval.answering.engine import Engine
from retrieval.config import AlertsConfig
from retrieval.index.backends.base import source_of
from retrieval.models import Source
from retrieval.news.matching import Batch, Match, Percolator, percolate
from retrieval.news.store import Pending, Store
from retrieval.news.stories import STORY_WINDOW, group
from retrieval.text.analysis import analyze

HOUR = 3600.0
# How far back (in queue time) a subscription's alerts are grouped with a new batch: a
# copy follows its first report within the story window (by date); twice that leaves
# room for an outlet that files late or a bot that was down.
ALERTED_LOOKBACK = 2 * STORY_WINDOW


@dataclass(frozen=True)
class Alert:
    """What an alert shows: the topic, the sentence that matches, where it came from."""

    topic: str
    sentence: str
    marks: tuple[tuple[int, int], ...]
    source: Source
    also: tuple[Source, ...] = ()  # other outlets telling the same story

    def payload(self) -> dict[str, Any]:
        """As stored with the queued alert, so it is sent after a restart as it was."""
        return {
            "topic": self.topic,
            "sentence": self.sentence,
            "marks": [list(m) for m in self.marks],
            "source": _source_dict(self.source),
            "also": [_source_dict(s) for s in self.also],
        }

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Alert:
        return cls(
            payload["topic"],
            payload["sentence"],
            tuple((a, b) for a, b in payload["marks"]),
            _source(payload["source"]),
            tuple(_source(s) for s in payload["also"]),
        )


def _source_dict(source: Source) -> dict[str, Any]:
    fields = dataclasses.asdict(source)
    fields["date"] = source.date.isoformat() if source.date else None
    return fields


def _source(fields: dict[str, Any]) -> Source:
    date = datetime.fromisoformat(fields["date"]) if fields.get("date") else None
    return Source(**{**fields, "date": date})


def collect(store: Store, engine: Engine, kinds: Sequence[str]) -> int:
    """Queue alerts for the articles the store has not seen; how many were queued.

    `engine` serves the statistics (embedded or shards); its `texts()`
    are the corpus as now read. Only subscriptions of `kinds` are matched: the bot and
    `newsbot follow` keep separate stores, so neither marks the other's articles seen.
    """
    articles = engine.texts()
    new_keys = store.unseen(a.key for a in articles)
    if not new_keys:
        return 0
    wanted = set(new_keys)
    new = [a for a in articles if a.key in wanted]
    subscriptions = [s for s in store.subscriptions() if s.kind in kinds and not s.paused]
    batch = Batch.of(new, engine.config.chunking)
    matches = percolate(
        percolator(tuple((s.id, s.topic) for s in subscriptions)),
        batch,
        engine.backend.term_stats,
        engine.config.answers,
        engine.config.bm25,
    )
    if not matches:
        store.queue(new_keys, ())
        return 0
    topics = {s.id: s.topic for s in subscriptions}
    per_topic: dict[int, list[Match]] = defaultdict(list)
    for m in matches:
        per_topic[m.topic].append(m)
    # What each subscription was alerted to lately and is still in the corpus: a new
    # article telling one of those stories is a later outlet's copy, not news.
    by_key = {a.key: a for a in articles}
    since = time.time() - ALERTED_LOOKBACK.total_seconds()
    earlier = {
        topic_id: [by_key[k] for k in keys if k in by_key and k not in wanted]
        for topic_id, keys in store.alerted(per_topic, since).items()
    }
    vocabulary = set(batch.vocabulary)
    for before in earlier.values():
        vocabulary.update(t for a in before for t in analyze(f"{a.text}\n{a.headline}"))
    idf = engine.backend.term_stats(sorted(vocabulary)).idf.get
    alerts, covered = [], []
    for topic_id, found in per_topic.items():
        by_article = {batch.articles[m.article].key: m for m in found}
        before = earlier.get(topic_id, [])
        for story in group(before + [batch.articles[m.article] for m in found], idf):
            told = [a for a in story.articles if a.key not in wanted]
            fresh = [a for a in story.articles if a.key in wanted]
            if not fresh:
                continue
            if told:  # alerted already: the new copies are covered by that alert
                covered += [(topic_id, a.key, told[0].key) for a in fresh]
                continue
            lead, *rest = fresh
            match = by_article[lead.key]
            alert = Alert(
                topics[topic_id],
                match.sentence,
                match.marks,
                source_of(lead),
                tuple(map(source_of, rest)),
            )
            alerts.append((topic_id, lead.key, alert.payload()))
    store.queue(new_keys, alerts, covered)
    return len(alerts)


@functools.lru_cache(maxsize=2)
def percolator(topics: tuple[tuple[int, str], ...]) -> Percolator:
    """The topics analysed once, kept while the subscriptions stay the same."""
    return Percolator(topics)


@dataclass
class Delivery:
    """What one channel or member is owed now: alerts to send, and topics over the cap."""

    kind: str
    target: int
    alerts: list[Pending] = field(default_factory=list)
    folded: dict[str, list[Pending]] = field(default_factory=dict)  # topic -> over the cap


def cap_for(kind: str, caps: AlertsConfig) -> int:
    return caps.per_channel_per_hour if kind == "channel" else caps.per_user_per_hour


def plan(
    store: Store, caps: AlertsConfig, kinds: Sequence[str], now: float | None = None
) -> list[Delivery]:
    """Pending alerts per target: the first up to the hourly cap, the rest folded by topic."""
    now = time.time() if now is None else now
    deliveries: dict[tuple[str, int], Delivery] = {}
    room: dict[tuple[str, int], int] = {}
    for p in store.pending():
        s = p.subscription
        if s.kind not in kinds:
            continue
        key = (s.kind, s.target)
        if key not in deliveries:
            deliveries[key] = Delivery(s.kind, s.target)
            room[key] = cap_for(s.kind, caps) - store.delivered_since(s.kind, s.target, now - HOUR)
        if room[key] > 0:
            deliveries[key].alerts.append(p)
            room[key] -= 1
        else:
            deliveries[key].folded.setdefault(s.topic, []).append(p)
    return list(deliveries.values())


def more_text(topic: str, count: int) -> str:
    """The one message that stands for alerts over the hourly cap."""
    return f"{count} more on {topic} this hour (alert limit reached; see /latest {topic})."

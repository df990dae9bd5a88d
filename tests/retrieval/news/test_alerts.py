"""From a refresh to alerts: only new articles, one alert per story, caps fold the rest."""

from __future__ import annotations

import shutil

from helpers import NEWS_CORPUS

from retrieval.answering.engine import Engine
from retrieval.config import AlertsConfig, Config
from retrieval.news.alerts import Alert, collect, plan
from retrieval.news.store import Store

KINDS = ("channel", "dm")
REOPEN = """---
title: {title}
publisher: {publisher}
published: 2026-12-02T09:00:00Z
---
# {title}

{body}
"""


def _write(folder, name, title, publisher, body):
    (folder / name).write_text(
        REOPEN.format(title=title, publisher=publisher, body=body), encoding="utf-8"
    )


def _start(tmp_path):
    corpus = tmp_path / "news"
    shutil.copytree(NEWS_CORPUS, corpus)
    engine = Engine.from_config(Config().with_corpus(corpus))
    store = Store(tmp_path / "s.sqlite")
    return corpus, engine, store


def test_a_new_article_on_a_followed_topic_is_queued_once(tmp_path):
    corpus, engine, store = _start(tmp_path)
    bridge, _ = store.follow("Kelvin Bridge", "channel", 1, 1)
    store.follow("Harrow Street bakery", "dm", 2, 2)  # another topic: not alerted
    assert collect(store, engine, KINDS) == 0  # the archive is not news
    _write(
        corpus,
        "reopen.md",
        "Kelvin Bridge to reopen on Friday",
        "Almer Gazette",
        "The Kelvin Bridge will reopen to traffic on Friday after the cracked girder was "
        "replaced, the council's chief engineer Mira Osei said.",
    )
    engine = engine.refreshed()
    assert collect(store, engine, KINDS) == 1
    (pending,) = store.pending()
    assert pending.subscription.id == bridge.id
    alert = Alert.of(pending.payload)
    assert alert.source.headline == "Kelvin Bridge to reopen on Friday"
    assert alert.source.date is not None and alert.source.date.day == 2
    assert "reopen" in alert.sentence and alert.topic == "Kelvin Bridge"
    assert collect(store, engine, KINDS) == 0  # seen: never queued twice
    store.close()
    again = Store(tmp_path / "s.sqlite")  # a restart before it was sent: still owed
    assert [p.article for p in again.pending()] == [pending.article]
    assert collect(again, engine, KINDS) == 0


# One story told by two outlets in different words (file, headline, publisher, body).
GAZETTE_REPORT = (
    "r1.md",
    "Kelvin Bridge to reopen on Friday",
    "Almer Gazette",
    "Kelvin Bridge will reopen on Friday once the cracked girder is replaced, "
    "engineer Mira Osei said.",
)
RADIO_REPORT = (
    "r2.md",
    "Repaired Kelvin Bridge reopens at the weekend",
    "Almer Radio News",
    "Mira Osei said the Kelvin Bridge reopens on Friday with a new girder under its main span.",
)


def test_one_story_from_two_outlets_is_one_alert_with_also_reported_by(tmp_path):
    corpus, engine, store = _start(tmp_path)
    store.follow("Kelvin Bridge", "channel", 1, 1)
    collect(store, engine, KINDS)
    _write(corpus, *GAZETTE_REPORT)
    _write(corpus, *RADIO_REPORT)
    assert collect(store, engine.refreshed(), KINDS) == 1
    (pending,) = store.pending()
    assert [s.publisher for s in Alert.of(pending.payload).also] == ["Almer Radio News"]


def test_a_later_copy_of_a_story_already_alerted_is_covered_not_alerted_again(tmp_path):
    corpus, engine, store = _start(tmp_path)
    bridge, _ = store.follow("Kelvin Bridge", "channel", 1, 1)
    collect(store, engine, KINDS)
    _write(corpus, *GAZETTE_REPORT)
    engine = engine.refreshed()
    assert collect(store, engine, KINDS) == 1
    _write(corpus, *RADIO_REPORT)  # the next refresh: a second outlet's version
    engine = engine.refreshed()
    assert collect(store, engine, KINDS) == 0
    (alerted,) = [a.key for a in engine.texts() if a.file == "r1.md"]
    (copy,) = [a.key for a in engine.texts() if a.file == "r2.md"]
    assert store.covered(bridge.id) == {copy: alerted}
    store.close()
    store = Store(tmp_path / "s.sqlite")  # durable: a restart does not alert it either
    assert store.covered(bridge.id) == {copy: alerted}
    assert collect(store, engine, KINDS) == 0
    _write(
        corpus,
        "toll.md",
        "Kelvin Bridge toll plan dropped",
        "Outlet 9",
        "Councillors dropped a plan to charge drivers a toll to cross the bridge on Tuesday.",
    )
    assert collect(store, engine.refreshed(), KINDS) == 1  # another story: its own alert


def test_alerts_over_the_hourly_cap_are_folded_into_one_message_per_topic(tmp_path):
    corpus, engine, store = _start(tmp_path)
    store.follow("Kelvin Bridge", "channel", 1, 1)
    collect(store, engine, KINDS)
    stories = [  # four different stories about the bridge
        ("Kelvin Bridge toll plan dropped", "Councillors dropped a plan to charge a toll."),
        ("Kelvin Bridge painted blue", "Painters gave the railings a coat of blue paint."),
        ("Kelvin Bridge marathon route", "The marathon will cross it in April, runners heard."),
        ("Kelvin Bridge lights switched on", "New lamps lit the span for the winter fair."),
    ]
    for n, (title, body) in enumerate(stories):
        _write(corpus, f"b{n}.md", title, f"Outlet {n}", body)
    assert collect(store, engine.refreshed(), KINDS) == 4
    (delivery,) = plan(store, AlertsConfig(per_channel_per_hour=3), KINDS)
    assert len(delivery.alerts) == 3 and [len(v) for v in delivery.folded.values()] == [1]
    store.sent(delivery.alerts[:2])  # two already went out this hour
    store.failed(delivery.alerts[2:])
    (delivery,) = plan(store, AlertsConfig(per_channel_per_hour=3), KINDS)
    assert len(delivery.alerts) == 1 and sum(map(len, delivery.folded.values())) == 1

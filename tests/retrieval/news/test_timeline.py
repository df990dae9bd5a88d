"""A topic's timeline: answering articles oldest first, copies collapsed, undated counted."""

from __future__ import annotations

from datetime import UTC, datetime

from helpers import NEWS_CORPUS

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.models import Article
from retrieval.news.timeline import timeline


def _engine() -> Engine:
    return Engine.from_config(Config().with_corpus(NEWS_CORPUS))


LATER = """---
title: {title}
publisher: {publisher}
published: {date}
---
# {title}

{body}
"""


def test_the_timeline_is_oldest_first_one_line_per_story_and_leaves_undated_out(news_copy):
    for name, title, date, body in [
        (
            "reopen.md",
            "Kelvin Bridge reopens",
            "2026-12-04T08:00:00Z",
            "Kelvin Bridge reopened to traffic on Thursday with a new girder under its main span.",
        ),
        (
            "inquiry.md",
            "Inquiry into Kelvin Bridge inspections",
            "2026-12-02T10:00:00Z",
            "Councillors ordered an inquiry into why earlier inspections of Kelvin Bridge missed "
            "the crack.",
        ),
    ]:
        text = LATER.format(title=title, publisher="Almer Gazette", date=date, body=body)
        (news_copy / name).write_text(text, encoding="utf-8")
    line = timeline(Engine.from_config(Config().with_corpus(news_copy)), "Kelvin Bridge")
    files = [e.source.file for e in line.events]
    assert files == ["bridge-gazette.md", "inquiry.md", "reopen.md"]
    closure = line.events[0]  # three outlets, one story: one line, dated by the first report
    assert {s.file for s in closure.also} == {"bridge-courier.md", "bridge-radio.md"}
    assert line.undated == 1  # the letters page mentions the bridge but has no date
    assert all("Kelvin" in e.sentence for e in line.events)


def test_a_reprinted_passage_is_one_event_with_also_reported_by():
    text = "Kelvin Bridge will reopen on Friday after repairs to the cracked girder."
    others = [  # a term in every chunk has no weight in BM25: the archive holds other news
        Article(f"Other news {i}", (f"The {w} festival opened with music.",), f"o{i}.md")
        for i, w in enumerate(["harbour", "autumn", "winter", "film"])
    ]
    articles = [
        *others,
        Article(
            "Bridge to reopen",
            (text,),
            "a.md",
            publisher="Gazette",
            date=datetime(2026, 12, 3, tzinfo=UTC),
        ),
        Article(
            "Bridge reopening Friday",
            (text,),
            "b.md",
            publisher="Courier",
            date=datetime(2026, 12, 3, 5, tzinfo=UTC),
        ),
        Article(
            "Bridge shut",
            ("Kelvin Bridge was shut after a crack was found.",),
            "c.md",
            publisher="Radio",
            date=datetime(2026, 11, 30, tzinfo=UTC),
        ),
    ]
    line = timeline(Engine.from_articles(articles, Config()), "Kelvin Bridge")
    assert [e.source.file for e in line.events] == ["c.md", "a.md"]
    assert [s.publisher for s in line.events[1].also] == ["Courier"]


def test_an_unknown_topic_says_what_the_corpus_never_mentions():
    line = timeline(_engine(), "zeppelin")
    assert line.events == () and "never mention" in line.reason

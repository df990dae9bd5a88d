"""Date filters are exact, undated articles are outside them, and "latest" means newest."""

import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from helpers import BUNDLED_CORPUS, shared_path

from retrieval.answering.engine import Engine, Filters
from retrieval.answering.filters import FilterError, parse_filters
from retrieval.answering.freshness import recency_factor, topic_of, wants_recent
from retrieval.config import Config
from retrieval.models import Article

NOW = datetime(2025, 7, 10, 12, tzinfo=UTC)
QUERIES = ["Trump Ukraine", "tariffs chips", "coalition troops", "Gaza", "Putin ceasefire"]


@pytest.fixture(scope="module")
def dated_shared(tmp_path_factory) -> Engine:
    """The real pages with known save times: page 000 on 10 July, page 003 on 7 August."""
    folder = tmp_path_factory.mktemp("news")
    for name, saved in [
        ("000_f2ef984220df779f.txt", datetime(2025, 7, 10, 9, tzinfo=UTC)),
        ("003_d84d7595829b207d.txt", datetime(2025, 8, 7, 8, tzinfo=UTC)),
    ]:
        shutil.copyfile(shared_path("corpus", name), folder / name)
        os.utime(folder / name, (saved.timestamp(), saved.timestamp()))
    return Engine.from_config(Config().with_corpus(folder))


def _in(filters: Filters, article: Article) -> bool:
    if filters.dated and article.date is None:
        return False
    if filters.since and article.date < filters.since:
        return False
    if filters.until and article.date >= filters.until:
        return False
    return not filters.publisher or article.publisher.casefold() == filters.publisher.casefold()


@pytest.mark.parametrize(
    "filters",
    [
        Filters(since=datetime(2025, 8, 1, tzinfo=UTC)),
        Filters(until=datetime(2025, 8, 1, tzinfo=UTC)),
        Filters(since=datetime(2025, 7, 10, tzinfo=UTC), until=datetime(2025, 7, 11, tzinfo=UTC)),
        Filters(publisher="The Guardian", until=datetime(2025, 7, 11, tzinfo=UTC)),
        Filters(since=datetime(2030, 1, 1, tzinfo=UTC)),
    ],
    ids=["since", "until", "one-day", "publisher-and-date", "future"],
)
def test_filtered_top_k_is_the_unfiltered_ranking_cut_by_date(dated_shared, filters):
    engine = dated_shared
    for query in QUERIES:
        everything = engine.search(query, top=len(engine.backend.chunks))
        cut = [
            h
            for h in everything
            if _in(filters, engine.backend.articles[engine.backend.chunks[h.chunk].article])
        ]
        for k in (1, 3, 10):
            got = engine.search(query, top=k, filters=filters)
            assert [(h.chunk, h.score) for h in got] == [(h.chunk, h.score) for h in cut[:k]]


def test_undated_articles_are_outside_every_date_filter_and_counted(dated_shared):
    engine = dated_shared
    undated = [a for a in engine.backend.articles if a.date is None]
    assert len(undated) == 1  # the main story of page 003 gives no age
    wide = Filters(since=datetime(1990, 1, 1, tzinfo=UTC))
    assert engine.undated_left_out(wide) == 1
    assert engine.undated_left_out(Filters()) == 0  # no date filter, nothing left out
    assert undated[0] not in [a for a, _ in engine.sources(wide)]
    assert len(engine.sources(wide)) == len(engine.backend.articles) - 1
    # the undated story answers this best without a filter, and is never used with one
    question = "Who chaired the meeting of defence ministers?"
    assert engine.ask(question).answers[0].source.headline == undated[0].headline
    filtered = engine.ask(question, wide)
    assert all(a.source.headline != undated[0].headline for a in filtered.answers)


def test_filter_bounds_from_what_people_type():
    assert parse_filters(since="7d", now=NOW).since == NOW - timedelta(days=7)
    assert parse_filters(until="2025-07-06", now=NOW).until == datetime(2025, 7, 7, tzinfo=UTC)
    assert parse_filters(publisher="  ", since=None).publisher is None
    with pytest.raises(FilterError, match="not a date"):
        parse_filters(since="yesterday-ish")
    with pytest.raises(FilterError, match="before"):
        parse_filters(since="2025-07-06", until="2025-07-01")


def test_recency_words_are_an_instruction_not_a_topic():
    for question in [
        "What is the latest on tariffs?",
        "Any news today about the ceasefire?",
        "What has happened so far with the trams?",
        "most recent Gaza reports",
    ]:
        assert wants_recent(question), question
    assert not wants_recent("Who chaired the meeting of defence ministers?")
    assert topic_of("What is the latest on tariffs?") == "What is the on tariffs?"
    day = datetime(2025, 7, 10, tzinfo=UTC)
    assert recency_factor(day, day, 24) == 1.0
    assert recency_factor(day - timedelta(hours=48), day, 24) == 0.25


def test_the_latest_on_a_topic_is_the_newest_answering_article(dated_shared):
    engine = dated_shared
    question = "What is the latest on Trump and Putin?"
    reply = engine.ask(question)
    assert reply.answered
    # every article that answers the plain question, newest first
    plain = engine.ask("Trump Putin")
    answering = {a.source.headline: a.source.date for a in plain.answers}
    newest = max((d, h) for h, d in answering.items() if d is not None)[1]
    assert reply.answers[0].source.headline == newest
    assert reply.question == question  # the reply keeps the question as asked
    dates = [a.source.date for a in reply.answers if a.source.date is not None]
    assert dates == sorted(dates, reverse=True)


def test_freshness_overrides_a_better_older_match_only_when_asked():
    old = datetime(2025, 3, 1, tzinfo=UTC)
    articles = [
        Article(
            "Quay Street closes",
            ("Quay Street closes for resurfacing. Quay Street buses diverted. Quay Street shops.",),
            "a.txt",
            date=old,
            date_precision="day",
        ),
        Article(
            "Harbour news",
            ("Quay Street reopened on Tuesday after work.",),
            "b.txt",
            date=old + timedelta(days=20),
            date_precision="day",
        ),
        Article("Undated note", ("Quay Street has a new bench.",), "c.txt"),
    ]
    engine = Engine.from_articles(articles, Config())
    assert engine.ask("What about Quay Street?").answers[0].source.headline == "Quay Street closes"
    latest = engine.ask("What is the latest on Quay Street?")
    assert [a.source.headline for a in latest.answers][:2] == ["Harbour news", "Quay Street closes"]
    assert engine.latest("Quay Street", 5) == [articles[1], articles[0]]  # undated not listed
    assert engine.latest(None, 1) == [articles[1]]
    newest = engine.ask("What is the latest?")  # on nothing in particular: the newest stories
    assert [s.headline for s in newest.newest] == ["Harbour news", "Quay Street closes"]


def test_bundled_feed_items_sort_by_their_own_dates():
    engine = Engine.from_config(Config().with_corpus(BUNDLED_CORPUS))
    feed = [a for a in engine.latest(None, 100) if a.file.endswith(".rss")]
    assert [a.date for a in feed] == sorted((a.date for a in feed), reverse=True)
    assert feed[0].headline == "Quay Street reopens a week early after resurfacing"

"""Publisher names matched as people type them."""

import pytest

from retrieval.answering.engine import Engine, UnknownPublisherError
from retrieval.answering.names import match_names, name_key
from retrieval.config import Config
from retrieval.models import Article

NAMES = ["Axios", "Daily Mail", "Daily Mirror", "Telegraph", "The Guardian", "The Hill"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("guardian", ["The Guardian"]),
        ("THE GUARDIAN", ["The Guardian"]),
        ("  the  guardian ", ["The Guardian"]),
        ("gaurdian", ["The Guardian"]),  # transposed
        ("telegrph", ["Telegraph"]),  # a letter left out
        ("tele", ["Telegraph"]),  # the beginning
        ("hill", ["The Hill"]),
        ("daily", ["Daily Mail", "Daily Mirror"]),  # ambiguous: both listed
        ("dailymail", ["Daily Mail"]),
        ("the", []),
        ("zzzz", []),
        ("xios", ["Axios"]),  # inside the name
    ],
)
def test_names_match_loosely(typed, meant):
    assert match_names(typed, NAMES) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gazete", ["Bay Gazette"]),  # a slip in one word of the name
        ("telegrah", ["Telegraph"]),
        ("mirrr", ["Daily Mirror"]),
        ("bay gazete", ["Bay Gazette"]),
        ("coastl", ["Coastal Times"]),  # a slip in the name's start
    ],
)
def test_a_slip_in_part_of_a_name_still_finds_it(typed, meant):
    assert match_names(typed, [*NAMES, "Bay Gazette", "Coastal Times"]) == meant


def test_a_key_ignores_case_accents_spacing_and_a_leading_the():
    assert name_key("The  Guardián") == name_key("guardian") == "guardian"
    assert name_key("Theatre Weekly") == "theatreweekly"  # only the word "The"


TOPICS = ["ferries", "trams", "bridges", "harbours", "tides", "lighthouses"]


def _engine() -> Engine:
    articles = [
        Article(
            f"Story {n}",
            (f"Port Aven news about {TOPICS[n]} and its mayor.",),
            f"{n}.txt",
            publisher=name,
        )
        for n, name in enumerate(NAMES)
    ]
    return Engine.from_articles(articles, Config())


def test_the_engine_resolves_one_publisher_or_lists_the_choices():
    engine = _engine()
    assert engine.resolve_publisher("gaurdian") == "The Guardian"
    assert [a.publisher for a, _ in engine.sources("the guardian")] == ["The Guardian"]
    assert engine.search("Port Aven mayor", 10, "guardian")[0].source.publisher == "The Guardian"
    with pytest.raises(UnknownPublisherError, match="Daily Mail, Daily Mirror"):
        engine.ask("Port Aven mayor", "daily")
    with pytest.raises(UnknownPublisherError, match="Known publishers: Axios"):
        engine.sources("Nobody Weekly")

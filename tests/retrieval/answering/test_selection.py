"""Further answers stand on their own; one story carried by several outlets shows once."""

from __future__ import annotations

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.models import Article

STORY = (
    "Riverside council approved a night tram service on Tuesday after record ridership. "
    "The service will run every 20 minutes between midnight and 5am."
)


# Unrelated articles, so that BM25's idf (negative for terms in most of a tiny corpus)
# behaves as it does on a real folder.
OTHERS = [
    Article(f"Other story {n}", (f"Story {n} is about {topic}.",), f"other{n}.txt")
    for n, topic in enumerate(
        [
            "chess openings",
            "apple harvests",
            "river levels",
            "stamp collecting",
            "jazz bands",
            "bridge repairs",
            "school meals",
            "garden birds",
        ]
    )
]


def _engine(*articles: Article) -> Engine:
    return Engine.from_articles([*articles, *OTHERS], Config())


def _article(headline: str, text: str, publisher: str, n: int) -> Article:
    return Article(headline, (text,), f"f{n}.txt", publisher=publisher)


def test_the_same_story_from_several_outlets_is_one_answer_with_also_reported_by():
    engine = _engine(
        _article("Night trams approved", STORY, "Harbour Herald", 1),
        _article("Night trams to run", STORY.replace("Tuesday", "Tuesday evening"), "Wire", 2),
        _article("Bakery wins prize", "A bakery won a prize for its loaf.", "Crumb", 3),
    )
    reply = engine.ask("When will the night tram service run?")
    assert len(reply.answers) == 1
    answer = reply.answers[0]
    assert sorted([answer.source.publisher, *(s.publisher for s in answer.also)]) == [
        "Harbour Herald",
        "Wire",
    ]


def test_a_further_answer_needs_a_comparable_share_of_the_question():
    engine = _engine(
        _article("Night trams approved", STORY, "Harbour Herald", 1),
        _article("Ferry service cut", "The ferry service will stop in winter.", "Coast", 2),
        _article("Night buses", "Night buses will replace the trams on Sundays.", "Wire", 3),
    )
    reply = engine.ask("When will the night tram service run?")
    publishers = [a.source.publisher for a in reply.answers]
    assert publishers[0] == "Harbour Herald"
    assert "Coast" not in publishers  # "service" alone is a coincidence, not an answer


def test_observed_filler_second_answers_are_gone(shared_engine):
    healey = shared_engine.ask("Who is John Healey")
    assert "Defence Secretary" in healey.answers[0].text
    assert not any("Swinney" in a.text for a in healey.answers)


def test_who_is_prefers_the_sentence_that_says_what_she_is(shared_engine):
    reply = shared_engine.ask("who is kaja kallas")
    assert "foreign affairs chief" in reply.answers[0].text
    before, _ = reply.answers[0].context
    assert "Kallas" in before  # the card's context shows whom "she" is


def test_a_recency_word_does_not_push_a_weaker_newer_answer_ahead():
    from datetime import UTC, datetime

    old = Article(
        "Assemblyman indicted",
        ("State assemblyman Sheldon Silver was indicted by Preet Bharara on fraud charges.",),
        "old.txt",
        publisher="Ledger",
        date=datetime(2015, 1, 2, tzinfo=UTC),
        date_precision="day",
    )
    new = Article(
        "Bharara speaks",
        ("Preet Bharara praised state assemblyman Dean Skelos at a dinner on Tuesday.",),
        "new.txt",
        publisher="Wire",
        date=datetime(2015, 3, 1, tzinfo=UTC),
        date_precision="day",
    )
    reply = _engine(old, new).ask("What state assemblyman was recently indicted by Mr. Bharara?")
    assert reply.answers[0].source.publisher == "Ledger"

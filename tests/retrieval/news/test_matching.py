"""The percolator: topics matched against a batch by the rules a question is answered by."""

from __future__ import annotations

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.models import Article
from retrieval.news.matching import Batch, Percolator, percolate

CONFIG = Config()


def _article(headline: str, *paragraphs: str, file: str = "a.md") -> Article:
    return Article(headline, paragraphs, file, publisher="Test Post")


ARCHIVE = [
    _article("Council budget", "The council set its budget for roads and parks.", file="1.md"),
    _article("Ferry timetable", "The ferry runs every hour from the harbour.", file="2.md"),
    _article("Parks open late", "Parks will stay open late in the summer.", file="3.md"),
]
NEW = [
    _article(
        "Ferry fares rise",
        "Ferry fares will rise by a fifth in February, the operator said.",
        "Passengers said the rise would hurt shift workers.",
        file="new1.md",
    ),
    _article("Summer in the parks", "Concerts will be held in the parks in July.", file="new2.md"),
]


def _stats(engine: Engine):
    return engine.backend.term_stats


def test_a_topic_matches_the_new_article_that_answers_it_with_its_sentence():
    engine = Engine.from_articles(ARCHIVE + NEW, CONFIG)
    batch = Batch.of(NEW, CONFIG.chunking)
    (match,) = percolate([(1, "ferry fares")], batch, _stats(engine), CONFIG.answers, CONFIG.bm25)
    assert (match.topic, match.article) == (1, 0)
    assert "fifth" in match.sentence
    assert match.coverage == 1.0 and match.score > 0


def test_a_topic_covered_only_in_part_abstains_like_a_question():
    engine = Engine.from_articles(ARCHIVE + NEW, CONFIG)
    batch = Batch.of(NEW, CONFIG.chunking)
    # "budget" is the rare (heavy) word and no new article holds it: "parks" alone is too little.
    found = percolate([(1, "parks budget")], batch, _stats(engine), CONFIG.answers, CONFIG.bm25)
    assert found == []
    # A word the corpus never mentions weighs most: the topic is not about this batch.
    found = percolate([(2, "ferry zeppelins")], batch, _stats(engine), CONFIG.answers, CONFIG.bm25)
    assert found == []


def test_only_topics_sharing_a_term_with_the_batch_are_looked_at():
    topics = [(i, f"topic{i} harbour") for i in range(50)] + [(99, "ferry fares")]
    percolator = Percolator(topics)
    batch = Batch.of(NEW, CONFIG.chunking)
    touched = percolator.terms_touched(batch)
    assert touched == {"ferri", "fare"}  # stemmed: none of the fifty harbour topics
    assert Percolator([(1, "the and of")]).topics == {}  # stop words only: never matches

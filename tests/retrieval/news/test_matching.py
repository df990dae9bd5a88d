"""The percolator: topics matched against a batch by the rules a question is answered by."""

from __future__ import annotations

from retrieval.answering.engine import Engine
from retrieval.answering.snippets import coverage
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
    (match,) = percolate(
        Percolator([(1, "ferry fares")]), batch, _stats(engine), CONFIG.answers, CONFIG.bm25
    )
    assert (match.topic, match.article) == (1, 0)
    assert "fifth" in match.sentence
    assert match.coverage == 1.0 and match.score > 0
    query = engine.analyse("ferry fares")  # the answering rule's own coverage agrees
    assert match.coverage == coverage(query, frozenset(batch.terms[0]))
    assert match.marks and all(match.sentence[a:b] for a, b in match.marks)


def test_a_topic_covered_only_in_part_abstains_like_a_question():
    engine = Engine.from_articles(ARCHIVE + NEW, CONFIG)
    batch = Batch.of(NEW, CONFIG.chunking)
    # "budget" is the rare (heavy) word and no new article holds it: "parks" alone is too little.
    found = percolate(
        Percolator([(1, "parks budget")]), batch, _stats(engine), CONFIG.answers, CONFIG.bm25
    )
    assert found == []
    # A word the corpus never mentions weighs most: the topic is not about this batch.
    found = percolate(
        Percolator([(2, "ferry zeppelins")]), batch, _stats(engine), CONFIG.answers, CONFIG.bm25
    )
    assert found == []


def test_a_chunk_is_checked_only_against_topics_it_could_answer():
    engine = Engine.from_articles(ARCHIVE + NEW, CONFIG)
    percolator = Percolator([(1, "the ferry and the harbour parks"), (2, "the and of")])
    assert list(percolator.topics) == [1]  # stop words only: never matches, never stored
    stats = engine.backend.term_stats(percolator.vocabulary)
    (topic,) = percolator.weighed(stats, CONFIG.answers).values()
    required = topic.required(CONFIG.answers.min_coverage)
    # Without one of the required terms the rest cannot reach min_coverage...
    rest = sum(w for t, w in topic.seen if t not in required)
    assert rest < CONFIG.answers.min_coverage * topic.mass
    # ...and the heaviest terms are required first: a common word alone never is.
    assert required == sorted(required, key=lambda t: -topic.weights[t])
    assert len(required) < len(topic.seen)

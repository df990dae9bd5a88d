"""The percolator: topics matched against a batch by the rules a question is answered by."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from retrieval.answering.engine import Engine
from retrieval.answering.question import QuestionError, analyse
from retrieval.answering.snippets import coverage, highlight_spans
from retrieval.config import Config
from retrieval.models import Article
from retrieval.news.matching import Batch, Percolator, _Weighed, percolate
from retrieval.text.analysis import spans
from retrieval.text.sentences import sentence_spans

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
    rows = np.arange(len(percolator.ids))
    terms = percolator.terms_of(rows)
    weighed = _Weighed.of(percolator, rows, terms, engine.backend.term_stats(terms), CONFIG.answers)
    distinct = percolator.topics[1].distinct
    weight = dict(zip(distinct, weighed.weight[weighed.terms[0]].tolist(), strict=False))
    required = [t for t, r in zip(distinct, weighed.required[0].tolist(), strict=False) if r]
    # Without one of the required terms the rest cannot reach min_coverage...
    rest = sum(w for t, w in weight.items() if t not in required)
    assert rest < CONFIG.answers.min_coverage * float(weighed.mass[0])
    # ...and the heaviest terms are required first: a common word alone never is.
    assert all(weight[r] >= weight[t] for r in required for t in distinct if t not in required)
    assert 0 < len(required) < len(distinct)


# -- the same alerts as the rule a question is answered by, topic by topic -----------------


def _reference(topics, batch, engine, answers=CONFIG.answers, p=CONFIG.bm25):
    """What `percolate` must find, computed the plain way with the answering code: each
    topic analysed as a question against the serving index, abstaining as a question does,
    every chunk's coverage by `snippets.coverage`, BM25Okapi's sum (the index's idf, the
    batch's mean length), the best chunk per article (coverage, then score, then the
    first), the sentence holding most of the topic's weight, marked by highlight_spans."""
    lengths = [sum(c.values()) for c in batch.terms]
    avgdl = sum(lengths) / len(lengths)
    found = []
    for topic_id, text in topics:
        stats = engine.backend.term_stats([t for t, _, _ in spans(text)])
        try:
            query = analyse(text, stats.idf.get, stats.size)
        except QuestionError:
            continue
        if query.unseen_share >= answers.max_unseen:
            continue
        best = {}
        for row, counts in enumerate(batch.terms):
            covered = coverage(query, frozenset(counts))
            if covered < answers.min_coverage:
                continue
            norm = p.k1 * (1 - p.b + p.b * lengths[row] / avgdl)
            score = math.fsum(
                query.weights[t] * counts[t] * (p.k1 + 1) / (counts[t] + norm)
                for t in query.terms
                if t in counts
            )
            article = batch.chunks[row].article
            if article not in best or (covered, score) > best[article][:2]:
                best[article] = (covered, score, row)
        for article, (covered, score, row) in sorted(best.items()):
            text_ = batch.chunks[row].text
            terms = list(spans(text_))
            sentences = sentence_spans(text_) or [(0, len(text_))]
            weights = [
                sum(
                    w
                    for t, w in query.weights.items()
                    if t in {x for x, a, b in terms if s <= a and b <= e}
                )
                for s, e in sentences
            ]
            s, e = sentences[weights.index(max(weights))]
            marks = highlight_spans(text_, terms, s, e, query.weights.keys())
            found.append((topic_id, article, text_[s:e], marks, covered, score))
    return found


def _seeded(seed: int, count: int, prefix: str) -> list[Article]:
    """Articles of several sentences over a small vocabulary, with numbers (one number
    is several terms at one place) and repeated words: every path of the matcher."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(300)] + ["ferry", "fares", "council", "budget", "parks"]

    def sentence() -> str:
        n = rng.randint(4, 14)
        picked = [words[min(int(rng.paretovariate(0.8)), len(words)) - 1] for _ in range(n)]
        if rng.random() < 0.3:
            picked.insert(rng.randint(0, n), rng.choice(["£1.5m", "2026", "40%", "12"]))
        return " ".join(picked).capitalize() + rng.choice([".", "!", "?"])

    return [
        Article(
            sentence()[:-1],
            tuple(" ".join(sentence() for _ in range(rng.randint(1, 4))) for _ in range(3)),
            f"{prefix}{i}.md",
            publisher=f"Outlet {i % 3}",
        )
        for i in range(count)
    ]


def _seeded_topics(seed: int, batch: list[Article], count: int) -> list[tuple[int, str]]:
    rng = random.Random(seed)
    topics = []
    for i in range(count):
        words = " ".join(" ".join(a.paragraphs) for a in rng.sample(batch, 2)).split()
        picked = rng.sample(words, rng.randint(1, 5))
        if rng.random() < 0.2:
            picked.append(rng.choice(["zeppelin", "the", "of"]))  # unseen, or a stop word
        if rng.random() < 0.2:
            picked.append(picked[0])  # a repeat: BM25 counts it twice
        topics.append((i + 1, " ".join(w.strip(".!?") for w in picked)))
    return [*topics, (count + 1, "the and of")]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_alerts_are_those_the_answering_rules_give_topic_by_topic(seed):
    archive, new = _seeded(seed, 40, "old"), _seeded(seed + 100, 15, "new")
    # The index has all of the archive but not every new article: some words are unseen.
    engine = Engine.from_articles(archive + new[:12], CONFIG)
    batch = Batch.of(new, CONFIG.chunking)
    topics = _seeded_topics(seed, new, 120)
    found = percolate(
        Percolator(topics), batch, engine.backend.term_stats, CONFIG.answers, CONFIG.bm25
    )
    expected = _reference(topics, batch, engine)
    assert len(expected) > 50  # the workload matches: the comparison means something
    assert [(m.topic, m.article, m.sentence, m.marks) for m in found] == [e[:4] for e in expected]
    for m, e in zip(found, expected, strict=True):
        assert (m.coverage, m.score) == pytest.approx(e[4:], rel=1e-12)


def test_the_written_corpus_alerts_are_those_the_answering_rules_give(news_copy):
    engine = Engine.from_config(CONFIG.with_corpus(news_copy))
    articles = engine.texts()
    batch = Batch.of(articles, CONFIG.chunking)
    topics = [(i + 1, a.headline) for i, a in enumerate(articles)] + [
        (100, "Kelvin Bridge"),
        (101, "ferry fares strike"),
        (102, "bakery on Harrow Street"),
        (103, "library opening hours"),
    ]
    found = percolate(
        Percolator(topics), batch, engine.backend.term_stats, CONFIG.answers, CONFIG.bm25
    )
    expected = _reference(topics, batch, engine)
    assert len(expected) >= len(articles)  # every headline at least finds its own article
    assert [(m.topic, m.article, m.sentence, m.marks) for m in found] == [e[:4] for e in expected]
    for m, e in zip(found, expected, strict=True):
        assert (m.coverage, m.score) == pytest.approx(e[4:], rel=1e-12)

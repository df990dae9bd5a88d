"""One contract, two backends: the embedded index and Xapian shards on real xapian-tcpsrv.

Every test runs once per backend and compares what it answers with a reference the
backend did not compute: rank_bm25.BM25Okapi's scores over the chunks' terms, and
an embedded engine built separately from the same corpus (for the golden questions,
the listings and the counts). Shards are written by `newsbot index --backend xapian`
(write_shards) to two servers per corpus, started once per module.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from corpora import PUBLISHERS, queries, write_corpus
from helpers import BUNDLED_CORPUS, ROOT, shared_path
from rank_bm25 import BM25Okapi
from shard_servers import ShardServers

from retrieval.answering.engine import Engine, write_shards
from retrieval.answering.filters import parse_filters
from retrieval.config import Config, XapianConfig
from retrieval.index.backends.base import NO_FILTERS, Backend, Filters, held_weight
from retrieval.text.analysis import analyze, indexed_terms

RTOL = 1e-9  # the contract's tolerance on scores (docs/performance.md: what is measured)
BACKENDS = ("embedded", "shards")
SHARDS = 2
# Misspelt questions the embedded engine reads corrected; the shards must read them alike.
MISSPELT = {
    "shared": [
        "wat did kaja kalas say abot the coalition",
        "Who set up the Coaltion of the Willing?",
        "What air defence systms will Trump help fund?",
    ],
    "bundled": [
        "How much was Northfeild Water fined?",
        "When will the nigth trams run?",
    ],
}


@dataclasses.dataclass
class Pair:
    """The engines over one corpus: a separately built embedded reference, and the engine
    under test per backend."""

    reference: Engine
    engines: dict[str, Engine]


def _write_generated(root: Path) -> Path:
    corpus = write_corpus(root, files=24)
    # Undated articles, from a publisher that also has dated ones, and from none.
    (corpus / "desk" / "undated-a.txt").write_text(
        "Valdoran tavelun notes\n\nValdoran mirekosa tavelun bakuro sedimo.\n"
    )
    (corpus / "wire" / "undated-b.md").write_text(
        f"---\npublisher: {PUBLISHERS[0]}\n---\n# Mirekosa brief\n\nMirekosa valdoran kelumi.\n"
    )
    return corpus


def _pair(corpus: Path, servers: ShardServers) -> Pair:
    xapian = XapianConfig(
        tuple(s.address for s in servers.start(SHARDS)),
        connect_timeout_seconds=2.0,
        timeout_seconds=10.0,
        retry_seconds=0.0,
    )
    sharded = dataclasses.replace(Config(), backend="xapian", xapian=xapian).with_corpus(corpus)
    embedded, reports = write_shards(sharded)
    assert sum(r.chunks for r in reports) == embedded.size
    reference = Engine.from_config(Config().with_corpus(corpus))
    return Pair(reference, {"embedded": embedded, "shards": Engine.from_config(sharded)})


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    pytest.importorskip("xapian")
    root = tmp_path_factory.mktemp("contract")
    servers = ShardServers(root / "shards")
    bundled = root / "bundled"
    shutil.copytree(BUNDLED_CORPUS, bundled)
    try:
        yield {
            "generated": _pair(_write_generated(root / "generated"), servers),
            "bundled": _pair(bundled, servers),
            "shared": _pair(shared_path("corpus"), servers),
        }
    finally:
        servers.close()


@pytest.fixture(params=BACKENDS)
def backend_name(request) -> str:
    return request.param


def listed(articles):
    """Articles as every backend lists them (a listing carries no text)."""
    return [dataclasses.replace(a, paragraphs=(), headings=()) for a in articles]


def _reference_bm25(engine: Engine) -> tuple[BM25Okapi, list[tuple[str, str]]]:
    """BM25Okapi over the reference's chunks, and each chunk's identity (file, text)."""
    live = engine.backend
    docs, keys = [], []
    for chunk in live.chunks:
        article = live.articles[chunk.article]
        docs.append(indexed_terms(chunk.text, article.headline, article.section(chunk.paragraph)))
        keys.append((article.file, chunk.text))
    return BM25Okapi(docs), keys


def _assert_top10_is_bm25okapis(backend: Backend, reference, keys, query, filters=NO_FILTERS):
    ranked = backend.top_k(query, 10, filters)
    assert not ranked.partial
    dense = reference.get_scores(query)
    where = {key: i for i, key in enumerate(keys)}
    got = [where[(r.source.file, r.text)] for r in ranked.chunks]
    best = np.sort(dense[dense > 0])[::-1][:10]
    np.testing.assert_allclose(ranked.scores, best, rtol=RTOL)  # the same top scores
    np.testing.assert_allclose(dense[got], ranked.scores, rtol=RTOL)  # of these very chunks
    assert len(set(got)) == len(got)


@pytest.mark.parametrize("corpus", ["generated", "shared"])
def test_top_10_and_scores_are_bm25okapis(corpora, backend_name, corpus):
    pair = corpora[corpus]
    reference, keys = _reference_bm25(pair.reference)
    backend = pair.engines[backend_name].backend
    if corpus == "generated":
        asked = [analyze(" ".join(q)) for q in queries(40)]
    else:
        cases = yaml.safe_load(shared_path("eval", "questions.yaml").read_text("utf-8"))
        asked = [analyze(c["question"]) for c in cases]
    for query in asked:
        _assert_top10_is_bm25okapis(backend, reference, keys, query)


def test_filtered_top_10_is_the_filtered_ranking(corpora, backend_name):
    pair = corpora["generated"]
    reference, keys = _reference_bm25(pair.reference)
    engine = pair.engines[backend_name]
    articles = {a.file: a for a in pair.reference.backend.articles}
    window = parse_filters(publisher=PUBLISHERS[1], since="2025-03-01", until="2025-08-01")
    for words in queries(15):
        query = analyze(" ".join(words))
        ranked = engine.backend.top_k(query, 10, window)
        inside = np.array(
            [
                (a := articles[file]).publisher == window.publisher
                and a.date is not None
                and window.since <= a.date < window.until
                for file, _ in keys
            ]
        )
        dense = np.where(inside, reference.get_scores(query), 0.0)
        best = np.sort(dense[dense > 0])[::-1][:10]
        np.testing.assert_allclose(ranked.scores, best, rtol=RTOL)


def _golden(corpus: str) -> list[dict]:
    path = (
        ROOT / "tests" / "data" / "bundled_questions.yaml"
        if corpus == "bundled"
        else shared_path("eval", "questions.yaml")
    )
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("corpus", ["bundled", "shared"])
def test_every_golden_question_is_answered_alike(corpora, backend_name, corpus):
    pair = corpora[corpus]
    engine = pair.engines[backend_name]
    answered = 0
    for case in _golden(corpus):
        want = pair.reference.ask(case["question"])
        assert engine.ask(case["question"]) == want, case["id"]
        answered += want.answered
    assert answered >= len(_golden(corpus)) // 2  # the comparison is not between abstentions


@pytest.mark.parametrize("corpus", ["bundled", "shared"])
def test_misspelt_questions_are_corrected_alike(corpora, backend_name, corpus):
    pair = corpora[corpus]
    engine = pair.engines[backend_name]
    for question in MISSPELT[corpus]:
        want = pair.reference.ask(question)
        assert want.corrected is not None and want.answered, question
        assert engine.ask(question) == want, question
        assert engine.analyse(question) == pair.reference.analyse(question)


def test_kaja_kallas_is_found_when_misspelt(corpora, backend_name):
    reply = corpora["shared"].engines[backend_name].ask(MISSPELT["shared"][0])
    assert reply.corrected is not None and "kallas" in reply.corrected.casefold()
    assert reply.answered and "Kallas" in reply.answers[0].passage


def test_spelling_evidence_is_the_same(corpora, backend_name):
    pair = corpora["shared"]
    backend, reference = pair.engines[backend_name].backend, pair.reference.backend
    assert sorted(backend.vocabulary()) == sorted(reference.index.terms)
    weights = {"coalit": 2.0, "troop": 1.5, "starmer": 3.25, "kyiv": 0.5}
    for term in ["kalla", "coalit", "macron", "willing", "nosuchterm"]:
        texts = reference.indexed_texts(term, 10**6)  # every chunk holding the term
        # The most of `weights` one such chunk holds, from its text analysed afresh.
        most = max((held_weight(set(analyze(t)), weights) for t in texts), default=0.0)
        assert backend.cooccurrence(term, weights) == most, term
        assert backend.indexed_texts(term, 5) == texts[:5], term
    stats = backend.term_stats(["coalit", "kallas", "nosuchterm"])
    want = reference.term_stats(["coalit", "kallas", "nosuchterm"])
    assert stats.df == want.df and stats.size == want.size
    assert stats.idf["nosuchterm"] is None
    assert stats.idf["coalit"] == pytest.approx(want.idf["coalit"], rel=1e-12)


@pytest.mark.parametrize("corpus", ["generated", "bundled", "shared"])
def test_latest_with_and_without_topic(corpora, backend_name, corpus):
    pair = corpora[corpus]
    engine = pair.engines[backend_name]
    newest = engine.latest(count=5)
    assert listed(newest) == listed(pair.reference.latest(count=5))
    assert newest and all(a.date is not None for a in newest)
    dates = [a.date for a in newest]
    assert dates == sorted(dates, reverse=True)
    topics = {
        "generated": ["tavelun", "valdoran mirekosa"],
        "bundled": ["night trams", "storm"],
        "shared": ["coalition troops", "Trump"],
    }[corpus]
    for topic in topics:
        got = engine.latest(topic, 3)
        assert got and listed(got) == listed(pair.reference.latest(topic, 3)), topic
    if corpus == "generated":
        window = parse_filters(publisher=PUBLISHERS[0], since="2025-02-01")
        got = engine.latest("valdoran", 4, window)
        assert got and listed(got) == listed(pair.reference.latest("valdoran", 4, window))
        assert all(a.publisher == PUBLISHERS[0] and a.date >= window.since for a in got)


@pytest.mark.parametrize("corpus", ["generated", "bundled", "shared"])
def test_sources_under_every_filter_and_undated_counts(corpora, backend_name, corpus):
    pair = corpora[corpus]
    engine, reference = pair.engines[backend_name], pair.reference
    articles = reference.backend.articles
    publishers = reference.publishers()
    assert engine.publishers() == publishers
    dated = sorted(a.date for a in articles if a.date is not None)
    middle = dated[len(dated) // 2].date().isoformat()
    filters = [
        NO_FILTERS,
        parse_filters(since=middle),
        parse_filters(until=middle),
        *(parse_filters(publisher=p, since=middle) for p in publishers),
        *(Filters(publisher=p) for p in publishers),
    ]
    for f in filters:
        rows = engine.sources(f)
        want = reference.sources(f)
        assert [(listed([a])[0], n) for a, n in rows] == [(listed([a])[0], n) for a, n in want]
        assert engine.undated_left_out(f) == reference.undated_left_out(f)
        expected_undated = sum(
            1
            for a in articles
            if a.date is None and (not f.publisher or a.publisher == f.publisher)
        )
        assert engine.undated(f) == expected_undated
        assert engine.undated_left_out(f) == (expected_undated if f.dated else 0)
    if corpus == "generated":
        assert engine.undated() == 2 and engine.undated(PUBLISHERS[0]) == 1


@pytest.mark.parametrize("corpus", ["generated", "bundled"])
def test_undated_counts_on_a_topic_are_only_the_undated_articles_about_it(
    corpora, backend_name, corpus
):
    pair = corpora[corpus]
    engine, reference = pair.engines[backend_name], pair.reference
    undated = [a for a in reference.backend.articles if a.date is None]
    assert undated  # both corpora hold some
    for topic in ("Quay Street", "valdoran tavelun", "mirekosa"):
        want = sum(
            1
            for a in undated
            if any(_covers(reference, topic, chunk) for chunk in _chunks_of(reference, a))
        )
        assert engine.undated(topic=topic) == reference.undated(topic=topic) == want, topic
    assert engine.undated(topic="Quay Street") <= engine.undated()


def _chunks_of(engine: Engine, article) -> list[int]:
    backend = engine.backend
    index = backend.articles.index(article)
    return [i for i, c in enumerate(backend.chunks) if c.article == index]


def _covers(engine: Engine, topic: str, chunk: int) -> bool:
    """What `latest` asks of a passage: it covers the topic as an answer must."""
    from retrieval.answering.snippets import coverage

    query = engine.analyse(topic)
    terms = engine.backend.terms.of(chunk)
    held = frozenset(query.terms) - query.unseen
    return bool(held & terms) and coverage(query, terms) >= engine.config.answers.min_coverage


def test_the_corpus_spellings_of_a_common_term_are_read_boundedly_alike(corpora, monkeypatch):
    """Past TEXTS_READ_ALL chunks the shards read each shard's first chunks only: on a full
    build that is still the embedded index's first chunks in corpus order."""
    from retrieval.index.backends.shards import search

    monkeypatch.setattr(search, "TEXTS_READ_ALL", 0)
    pair = corpora["generated"]
    shards, reference = pair.engines["shards"].backend, pair.reference.backend
    for term in ["valdoran", "mirekosa", "tavelun"]:
        assert shards.indexed_texts(term, 20) == reference.indexed_texts(term, 20), term

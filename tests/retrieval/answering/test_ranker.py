"""The answer ranker: its features read evidence beyond one chunk, the shipped model was
trained away from the evaluation, and a newcomer's folder gets the right passages."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import numpy as np
import pytest
from helpers import ROOT

from retrieval.answering import ranker
from retrieval.answering.engine import Engine
from retrieval.answering.question import analyse
from retrieval.answering.snippets import Candidate, best_snippet
from retrieval.config import Config

NEWCOMER = ROOT / "tests" / "data" / "newcomer"


def query(text: str, idf: dict[str, float]):
    return analyse(text, idf.get, 100)


def snippet_pairs(q, candidates):
    pairs = []
    for c in candidates:
        s = best_snippet(q, c, candidates[0].score, frozenset())
        if s is not None:
            pairs.append((s, c))
    return pairs


def column(rows: np.ndarray, name: str) -> list[float]:
    return rows[:, ranker.FEATURES.index(name)].tolist()


def test_the_article_headline_and_neighbours_count_beyond_the_chunk():
    q = query("Where is the new pool being built?", {"new": 1.0, "pool": 3.0, "built": 2.0})
    pool_article = [
        Candidate(
            0,
            "a",
            4.0,
            "It will be built off Tanner Street.",
            "Swimming pool plan",
            frozenset({"built", "tanner", "street", "pool", "swim", "plan"}),
            0,
        ),
        Candidate(
            1,
            "a",
            3.0,
            "The new pool opens in 2027.",
            "Swimming pool plan",
            frozenset({"new", "pool", "open", "2027", "swim", "plan"}),
            1,
        ),
    ]
    other = [
        Candidate(
            2,
            "b",
            5.0,
            "A new boathouse is built by the old pool.",
            "Rowing club",
            frozenset({"new", "boathous", "built", "old", "pool", "row", "club"}),
            0,
        )
    ]
    pairs = snippet_pairs(q, [other[0], *pool_article])
    rows = ranker.feature_rows(q, pairs, [other[0], *pool_article])
    by_chunk = {c.chunk: i for i, (_, c) in enumerate(pairs)}
    article = column(rows, "article_bm25")
    assert article[by_chunk[0]] == pytest.approx(1.0) and article[by_chunk[2]] == pytest.approx(
        5 / 7
    )
    headline = column(rows, "headline")
    assert headline[by_chunk[0]] > 0 and headline[by_chunk[2]] == 0
    neighbours = column(rows, "neighbours")  # chunk 1 holds "new", which chunk 0 lacks
    assert neighbours[by_chunk[0]] == pytest.approx(1 / 6) and neighbours[by_chunk[2]] == 0
    assert column(rows, "chunk_bm25")[by_chunk[2]] == 1.0


def test_question_phrases_found_as_phrases_and_packed_matches_score():
    q = query("When did the night trams start?", {"night": 2.0, "tram": 2.0, "start": 1.0})
    tight = Candidate(
        0, "a", 1.0, "The night trams start on 3 May.", "", frozenset({"night", "tram", "start"})
    )
    loose = Candidate(
        1,
        "b",
        1.0,
        "Trams start soon, and at night on 3 May.",
        "",
        frozenset({"night", "tram", "start"}),
    )
    pairs = snippet_pairs(q, [tight, loose])
    rows = ranker.feature_rows(q, pairs, [tight, loose])
    first = [c.chunk for _, c in pairs].index(0)
    assert column(rows, "bigrams")[first] == 1.0
    assert column(rows, "bigrams")[1 - first] < 1.0
    assert column(rows, "proximity")[first] > column(rows, "proximity")[1 - first]


def test_rerank_turns_scores_into_probabilities_and_leaves_bm25_alone():
    q = query("How much will the pool cost?", {"pool": 2.0, "cost": 1.0})
    a = Candidate(
        0, "a", 7.5, "The pool will cost £12.5m.", "", frozenset({"pool", "cost", "£12.5m"})
    )
    b = Candidate(1, "b", 3.0, "The pool is popular.", "", frozenset({"pool", "popular"}))
    pairs = snippet_pairs(q, [a, b])
    out = ranker.rerank(ranker.shipped(), q, pairs, [a, b])
    assert sum(s.score for s, _ in out) == pytest.approx(1.0)
    assert [c.score for _, c in out] == [7.5, 3.0]  # BM25 as it was, best first here
    assert out[0][1].chunk == 0


def test_the_shipped_ranker_was_trained_away_from_the_evaluation():
    about = json.loads(
        resources.files("retrieval.answering").joinpath("ranker.json").read_text("utf-8")
    )["about"]
    assert "new_wiki" in about["trained_on"] and "nyt" not in about["trained_on"]
    assert "squaddev" not in about["trained_on"] and about["seed"] == 7
    model = ranker.shipped()
    assert model.features == ranker.FEATURES and isinstance(model, ranker.Linear)
    assert all(np.isfinite(model.weights)) and 0 < model.short_confidence < 1
    assert about["validation_ranker"]["hit@1"] >= about["validation_hand_weighted"]["hit@1"]


def test_a_ranker_file_with_other_features_is_refused():
    text = ranker.to_json(ranker.shipped(), {})
    data = json.loads(text)
    data["model"]["features"] = ["chunk_bm25"]
    with pytest.raises(ValueError, match="features"):
        ranker.from_json(json.dumps(data))


@pytest.fixture(scope="module")
def newcomer() -> Engine:
    config = Config().with_corpus(NEWCOMER)
    return Engine.from_config(
        dataclasses.replace(config, index=dataclasses.replace(config.index, persist=False))
    )


@pytest.mark.parametrize(
    ("question", "headline", "said", "short"),
    [
        ("Where is the new pool being built?", "leisure centre", "gasworks site", "Tanner Street"),
        ("What time did the fire start?", "Fire destroys", "2.40am", "2.40am"),
        ("How much will the new swimming pool cost?", "leisure centre", "£12.5m", "£12.5m"),
    ],
)
def test_a_newcomers_three_questions_are_answered_from_the_right_passage(
    newcomer, question, headline, said, short
):
    first = newcomer.ask(question).answers[0]
    assert headline in first.source.headline
    assert said in first.text and first.sentence in first.text
    assert first.short in (None, short)  # never a wrong one: shown only when confident


def test_the_budget_not_the_overrun_is_the_short_answer(newcomer):
    first = newcomer.ask("How much will the new swimming pool cost?").answers[0]
    assert first.sentence == "The swimming pool has a budget of £12.5m."
    assert first.short == "£12.5m"

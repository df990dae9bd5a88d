"""The QA benchmark's own rules: what counts as a hit, which miss is which, the corpus it builds."""

from __future__ import annotations

import json
import sys

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_qa
from bench_qa import Question, Shown, Tally, best_sentence, contains

from retrieval.answering.engine import Engine
from retrieval.config import Config

ARTICLES = [
    (
        "https://www.nytimes.com/2015/03/02/nyregion/night-trams-approved.html",
        [
            "The city council approved a night tram service on Tuesday. Trams will run every "
            "20 minutes from midnight until 5 a.m., the transport committee said.",
            "The service will cost £4.5 million a year, paid for by a levy on late-night venues. "
            "Councillor Ruth Adams called it a lifeline for shift workers.",
        ],
    ),
    (
        "https://www.nytimes.com/2015/04/11/sports/harbour-regatta.html",
        [
            "The harbour regatta drew 40 boats on Saturday. Nora Lindqvist won the main race "
            "in a borrowed dinghy after the favourite capsized near the lighthouse.",
        ],
    ),
]
QUESTIONS = [
    ("q1", "How often will the night trams run?", ["every 20 minutes"], 0, 0),
    ("q2", "Who won the main race of the harbour regatta?", ["Nora Lindqvist"], 1, 0),
    ("q3", "How much will the night tram service cost?", ["£4.5 million"], 0, 1),
]


def squad_file(path) -> None:
    data = []
    for url, paragraphs in ARTICLES:
        data.append({"title": url, "paragraphs": [{"context": p, "qas": []} for p in paragraphs]})
    for qid, text, golds, doc, para in QUESTIONS:
        context = data[doc]["paragraphs"][para]["context"]
        answers = [{"text": g, "answer_start": context.index(g)} for g in golds]
        data[doc]["paragraphs"][para]["qas"].append(
            {"id": qid, "question": text, "answers": answers}
        )
    path.write_text(json.dumps({"data": data}), encoding="utf-8")


def test_a_gold_answer_counts_only_as_whole_words_after_folding():
    assert contains("The trams run EVERY 20 minutes.", ["every 20 minutes"])
    assert contains("“Ferrari,” he said", ["Ferrari"])
    assert not contains("Nothing was said.", ["No"])
    assert not contains("every 2 minutes", ["every 20 minutes"])


def test_best_sentence_holds_the_most_query_tokens_earliest_on_a_tie():
    text = "Trams ran late. The night trams run every hour. Night buses too."
    assert best_sentence(text, {"night", "trams"}, lambda s: s.lower().strip(".").split()) == (
        "The night trams run every hour."
    )
    assert best_sentence(text, {"zebra"}, lambda s: s.lower().split()) == "Trams ran late."


def test_a_question_names_something_by_a_capital_past_the_first_word_or_a_digit():
    assert bench_qa.names_something("Who won the Harbour Regatta?")
    assert bench_qa.names_something("What happened in 2015?")
    assert not bench_qa.names_something("What was his job?")


def test_the_held_out_sample_never_repeats_the_tuning_sample():
    questions = [Question(str(i), f"q{i}?", ("a",), 0, "") for i in range(50)]
    first = bench_qa.draw(questions, 20, 11, holdout=False)
    again = bench_qa.draw(questions, 20, 11, holdout=False)
    held = bench_qa.draw(questions, 20, 11, holdout=True)
    assert [q.id for q in first] == [q.id for q in again]
    assert len(held) == 20 and not {q.id for q in held} & {q.id for q in first}


def test_each_miss_lands_in_one_category():
    q = Question("x", "Who won?", ("Nora Lindqvist",), doc=1, context="")
    passage = "The regatta drew 40 boats. Nora Lindqvist won the main race."
    tally = Tally("t")
    tally.add(q, [Shown("Nora Lindqvist won the main race.", passage, 1)])
    tally.add(q, [Shown("The regatta drew 40 boats.", passage, 1)])
    tally.add(q, [Shown("The regatta drew 40 boats.", "The regatta drew 40 boats.", 1)])
    tally.add(q, [Shown("Trams run at night.", "Trams run at night.", 0)])
    tally.add(q, [])
    tally.add(q, [Shown("Trams.", "Trams.", 0), Shown("Nora Lindqvist won.", passage, 1)])
    row = tally.row()
    assert (tally.n, tally.hit1, tally.hit3, tally.abstained) == (6, 1, 2, 1)
    assert {c: m["count"] for c, m in row["misses"].items()} == {
        "abstained": 1,
        "wrong article": 2,
        "right article, other passage": 1,
        "right passage, wrong sentence": 1,
    }
    assert row["passage@1"] == round(100 * 2 / 6, 1)
    assert (row["named_questions"], row["named_hit@1"]) == (0, 0.0)


def test_the_corpus_it_builds_is_read_whole_by_the_real_engine(tmp_path):
    squad_file(tmp_path / "data.json")
    docs, questions = bench_qa.load(tmp_path / "data.json", "nyt")
    assert sorted((q.id, q.doc) for q in questions) == [("q1", 0), ("q2", 1), ("q3", 0)]
    assert docs[0].headline == "Night trams approved" and docs[0].published == "2015-03-02"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bench_qa.write_corpus(docs, corpus, "nyt")
    engine = Engine.from_config(Config().with_corpus(corpus))
    assert sorted(a.url for a in engine.backend.articles) == sorted(d.url for d in docs)
    assert all(a.publisher == "The New York Times" for a in engine.backend.articles)
    text = " ".join(c.text for c in engine.backend.chunks)
    assert all(p in text for d in docs for p in d.paragraphs)


def test_a_run_reports_every_question_once(tmp_path, capsys):
    pytest.importorskip("rank_bm25")
    squad_file(tmp_path / "nyt_v1.0.json")
    out = tmp_path / "result.json"
    misses = tmp_path / "misses.jsonl"
    args = ["--data", str(tmp_path), "--systems", "newsbot,rank_bm25", "--sample", "0"]
    bench_qa.main([*args, "--json", str(out), "--misses", str(misses)])
    result = json.loads(out.read_text())
    assert result["questions"] == 3 and result["articles"] == 2
    for row in result["rows"]:
        assert row["questions"] == 3
        hits = round(row["hit@1"] * 3 / 100)
        assert hits + sum(m["count"] for m in row["misses"].values()) == 3
    newsbot = result["rows"][0]
    logged = misses.read_text().splitlines()
    assert len(logged) == 3 - round(newsbot["hit@1"] * 3 / 100)
    assert "| newsbot |" in capsys.readouterr().out

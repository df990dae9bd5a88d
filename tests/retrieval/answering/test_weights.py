"""Each answer weight, shown doing its job on a small constructed case.

Every test picks the snippet with the weight as it is, then with the weight at
zero, and asserts that the weight is what makes the difference.
"""

from __future__ import annotations

import pytest

from retrieval.answering import snippets
from retrieval.answering.question import analyse
from retrieval.answering.snippets import Candidate, best_snippet
from retrieval.text.analysis import analyze

# Each case keeps its competing sentences apart (a neutral one between them), so that no
# pair of adjacent sentences holds both and the comparison is sentence against sentence.


def _pick(question: str, text: str, headline: str = "", score: float = 1.0, top: float = 1.0):
    query = analyse(question, lambda term: 1.0, 10)  # every term weighs the same
    candidate = Candidate(0, 0, score, text, headline)
    snippet = best_snippet(query, candidate, top, frozenset(analyze(headline)))
    return text[snippet.start : snippet.end], snippet.score


def _without(monkeypatch, name: str) -> None:
    monkeypatch.setattr(snippets, name, 0.0)


def test_answer_kind_prefers_the_sentence_that_holds_the_sum(monkeypatch):
    text = (
        "The council approved a night tram service after ridership reached 14.2 million. "
        "Nothing else changed. "
        "The service would cost £1.8m a year."
    )
    question = "How much will the night tram service cost?"
    headline = "Night tram service approved"
    assert "£1.8m" in _pick(question, text, headline)[0]
    _without(monkeypatch, "ANSWER_KIND_WEIGHT")
    assert "£1.8m" not in _pick(question, text, headline)[0]


def test_proximity_prefers_the_terms_together(monkeypatch):
    text = "Tram fares fell while the service grew. Nothing else changed. The tram service fares."
    assert _pick("tram service fares", text)[0].startswith("The tram service")
    _without(monkeypatch, "PROXIMITY_WEIGHT")
    assert _pick("tram service fares", text)[0].startswith("Tram fares")  # a tie: first wins


def test_tf_saturation_counts_repeats_a_little(monkeypatch):
    text = "Harbour ferry news. Nothing else changed. Harbour ferry and more harbour talk."
    assert _pick("harbour ferry", text)[0].startswith("Harbour ferry and")
    _without(monkeypatch, "TF_SATURATION")
    assert _pick("harbour ferry", text)[0] == "Harbour ferry news."


def test_pair_penalty_keeps_a_sentence_alone_unless_the_pair_earns_it(monkeypatch):
    text = "Tram ferry bus rail news today. Then the rail strike ended."
    question = "tram ferry bus rail"
    assert _pick(question, text)[0] == "Tram ferry bus rail news today."
    _without(monkeypatch, "PAIR_PENALTY")
    assert _pick(question, text)[0].endswith("strike ended.")


def test_headline_credit_lends_the_headline_terms(monkeypatch):
    question = "night tram cost"
    with_headline = _pick(question, "It will cost £1.8m.", headline="Night tram approved")[1]
    without = _pick(question, "It will cost £1.8m.")[1]
    assert with_headline > without
    _without(monkeypatch, "HEADLINE_CREDIT")
    assert _pick(question, "It will cost £1.8m.", headline="Night tram approved")[1] == (
        pytest.approx(without)
    )


def test_chunk_weight_carries_the_retrieval_rank(monkeypatch):
    text = "The tram will run at night."
    strong = _pick("night tram", text, score=2.0, top=2.0)[1]
    weak = _pick("night tram", text, score=1.0, top=2.0)[1]
    assert strong > weak
    _without(monkeypatch, "CHUNK_WEIGHT")
    assert _pick("night tram", text, score=2.0, top=2.0)[1] == pytest.approx(
        _pick("night tram", text, score=1.0, top=2.0)[1]
    )


def test_coreference_credit_lets_a_role_sentence_say_who_someone_is(monkeypatch):
    text = (
        "Kaja Kallas was asked on Friday about the plans. "
        "'No,' Mrs Kallas told reporters. "
        "Brussels' foreign affairs chief said she was uncertain."
    )
    assert _pick("who is kaja kallas", text)[0].startswith("Brussels' foreign affairs chief")
    _without(monkeypatch, "COREFERENCE_CREDIT")
    assert not _pick("who is kaja kallas", text)[0].startswith("Brussels")


def test_coord_prefers_more_of_the_question_over_its_rarest_word(monkeypatch):
    question = "coalition decide troops"
    query = analyse(question, {"coalit": 0.6, "decid": 2.8, "troop": 1.3}.get, 10)
    text = "The panel will decide on money. Nothing else changed. The coalition sent troops."

    def pick() -> str:
        snippet = best_snippet(query, Candidate(0, 0, 1.0, text), 1.0, frozenset())
        return text[snippet.start : snippet.end]

    assert pick() == "The coalition sent troops."
    _without(monkeypatch, "COORD_WEIGHT")
    assert pick() == "The panel will decide on money."

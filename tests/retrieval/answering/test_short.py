"""The short answer: shown only when newsbot is confident, never a guess among several."""

from retrieval.answering.question import analyse
from retrieval.answering.short import SHORT_CONFIDENCE, short_answer


def query(text: str):
    return analyse(text, lambda term: 1.0, 100)


def test_one_span_of_the_kind_asked_and_a_confident_ranker_give_the_answer():
    q = query("How much will the new swimming pool cost?")
    assert short_answer(q, "The swimming pool has a budget of £12.5m.", 1.0) == "£12.5m"


def test_no_short_answer_below_the_confidence_or_among_several_spans():
    q = query("How much will the new swimming pool cost?")
    sentence = "The swimming pool has a budget of £12.5m."
    assert short_answer(q, sentence, SHORT_CONFIDENCE / 2) is None
    assert short_answer(q, "It costs £12.5m, with a £2m grant.", 1.0) is None


def test_questions_that_want_no_span_get_none():
    q = query("Why did the council back the pool?")
    assert short_answer(q, "The pool has a budget of £12.5m.", 1.0) is None

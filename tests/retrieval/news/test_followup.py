"""Follow-ups: what the question refers back to is carried over, weighted below new words."""

from __future__ import annotations

import pytest
from helpers import BUNDLED_CORPUS

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.news.followup import CARRY_WEIGHT, Conversation, carry_weights, read

MEETING = "Who chaired the meeting of defence ministers?"


@pytest.mark.parametrize(
    ("previous", "follow_up", "reading"),
    [
        (MEETING, "when was that?", "when was the meeting of defence ministers?"),
        (MEETING, "when?", "when the meeting of defence ministers?"),
        (
            "What did Trump say about tariffs?",
            "and what about Macron?",
            "What did Macron say about tariffs?",
        ),
        (
            "How much was Northfield Water fined?",
            "why was it fined?",
            "why was Northfield Water fined?",
        ),
        (
            "When will the night trams run?",
            "how much will they cost?",
            "how much will the night trams cost?",
        ),
        (
            "What did the coalition decide about troops?",
            "and what about funding?",
            "What did the coalition decide about funding?",
        ),
    ],
)
def test_a_reference_back_is_read_in_the_previous_question_s_terms(previous, follow_up, reading):
    assert read(previous, follow_up).text == reading


def test_a_question_that_stands_alone_carries_nothing():
    for follow_up in ["Who chaired the meeting?", "How much was Northfield Water fined?"]:
        reading = read("When will the night trams run?", follow_up)
        assert reading.text == follow_up and reading.carried == () and not reading.follows
    assert read(None, "when was that?").carried == ()


def test_carried_terms_weigh_less_than_the_new_ones():
    engine = Engine.from_config(Config().with_corpus(BUNDLED_CORPUS))
    reading = read("How much was Northfield Water fined?", "why was it fined?")
    plain = engine.analyse(reading.text)
    query = carry_weights(plain, reading)
    assert query.weights["fine"] == plain.weights["fine"]
    assert query.weights["northfield"] == pytest.approx(CARRY_WEIGHT * plain.weights["northfield"])
    reply = engine.ask(query)
    assert reply.answered and "Northfield" in reply.answers[0].source.headline


def test_a_conversation_reads_each_question_after_the_last_reading():
    chat = Conversation()
    chat.read("How much was Northfield Water fined?")
    assert chat.read("why was it fined?").text == "why was Northfield Water fined?"
    assert chat.read("what did they say?").text == "what did Northfield Water say?"

"""A question is analysed once, and each candidate chunk's text at most once."""

from __future__ import annotations

from collections import Counter

import pytest

from retrieval.answering import question as question_module
from retrieval.answering import snippets as snippets_module
from retrieval.answering.kinds import Kind
from retrieval.answering.question import Query, QuestionError, analyse


@pytest.fixture
def analysed(monkeypatch) -> Counter:
    """Count every text the answering layer hands to the analyser."""
    counts: Counter = Counter()
    for module in (question_module, snippets_module):
        real = module.spans

        def counting(text: str, real=real):
            counts[text] += 1
            return real(text)

        monkeypatch.setattr(module, "spans", counting)
    return counts


def test_one_analysis_per_question_and_per_candidate(shared_engine, analysed):
    text = "What did the coalition decide about troops?"
    reply = shared_engine.ask(text)
    assert reply.answered
    assert analysed[text] == 1
    # Each candidate chunk read for a snippet is analysed once (its terms for coverage come
    # from the forward index), and the snippet's highlights reuse that analysis.
    chunk_texts = {c.text for c in shared_engine.backend.chunks}
    assert max(n for t, n in analysed.items() if t in chunk_texts) == 1
    assert not any(a.text in analysed for a in reply.answers if a.text != a.passage)


def test_an_analysed_query_is_reused_as_is(shared_engine, analysed):
    query = shared_engine.analyse("Who chaired the meeting of defence ministers?")
    shared_engine.ask(query)
    shared_engine.search(query)
    assert analysed[query.text] == 1


def test_the_query_carries_weights_unseen_terms_and_missing_words():
    idf = {"capit": 2.0}.get
    query = analyse("  The capital of Peru, Peru?  ", idf, chunks=10)
    assert isinstance(query, Query)
    assert query.text == "The capital of Peru, Peru?"
    assert query.terms == ("capit", "peru", "peru")
    assert query.unseen == {"peru"} and query.missing == ("Peru",)
    assert query.weights["peru"] > query.weights["capit"]  # unseen terms weigh most
    assert query.unseen_share == pytest.approx(query.weights["peru"] / query.mass)


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001, "what is it and who are they?"])
def test_unusable_questions_raise(text):
    with pytest.raises(QuestionError):
        analyse(text, {}.get, 1)


def test_an_unseen_filler_word_is_judged_once_not_against_every_chunk():
    from retrieval.answering.snippets import coverage

    query = Query(
        "users find opinions unappealing",
        ("user", "opinion", "unappeal"),
        {"user": 1.0, "opinion": 1.0, "unappeal": 3.0},
        frozenset({"unappeal"}),
    )
    assert query.unseen_share == pytest.approx(0.6)  # still the abstention test's business
    assert coverage(query, frozenset({"user", "opinion"})) == pytest.approx(1.0)
    assert coverage(query, frozenset({"user"})) == pytest.approx(0.5)


def _first(reply) -> tuple[str, str] | None:
    return (reply.answers[0].source.file, reply.answers[0].text) if reply.answered else None


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        (
            "https://discord.gg/x what did Witkoff warn Putin about",
            "what did Witkoff warn Putin about",
        ),
        (
            "||spoiler|| **bold** __under__ ~~strike~~ > quote who is kaja kallas",
            "who is kaja kallas",
        ),
        (
            "<@1> 👋 **what** did `x` *Kaja Kallas* tell reporters? 🇪🇺",
            "What did Kaja Kallas tell reporters?",
        ),
    ],
)
def test_a_question_typed_in_discord_is_answered_as_without_its_decoration(
    shared_engine, typed, plain
):
    reply = shared_engine.ask(typed)
    assert reply.answered, reply.reason
    assert _first(reply) == _first(shared_engine.ask(plain))


def test_links_are_kept_aside_in_the_query_and_a_bare_link_is_a_helpful_error(shared_engine):
    query = shared_engine.analyse("https://discord.gg/x what did Witkoff warn Putin about")
    assert query.links == ("https://discord.gg/x",) and query.missing == ()
    with pytest.raises(QuestionError, match="no words"):
        shared_engine.ask("https://discord.gg/x 👍")


def test_an_aside_the_corpus_does_not_know_is_not_named_as_missing(shared_engine):
    query = shared_engine.analyse("**lol** who is kaja kallas")
    assert query.kind is Kind.ENTITY and not query.missing
    plain = shared_engine.analyse("lol who is kaja kallas")  # typed plainly it is a word asked
    assert plain.missing == ("lol",)


def test_a_decorated_question_word_still_says_what_is_asked(shared_engine):
    assert shared_engine.analyse("**Who** chaired the meeting?").kind is Kind.NAME

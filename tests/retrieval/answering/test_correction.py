"""Typo-tolerant questions on the real and the bundled corpus, and generated typos."""

from __future__ import annotations

import random
import re

import pytest
from helpers import ROOT, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.evaluation import load_cases
from retrieval.answering.correction import (
    is_acronym,
    match_case,
    max_edits,
    swapped_stop_word,
)
from retrieval.text.analysis import spans, word_term

LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W\d_]+")
TYPO_SEED = 11
TYPO_TARGET = 0.9


def test_a_misspelt_name_and_question_word_are_read_and_shown(shared_engine):
    reply = shared_engine.ask("wat did kaja kalas say")
    assert reply.answered, reply.reason
    assert reply.corrected == "what did kaja kallas say"
    assert reply.corrected_markup == "what did kaja **kallas** say"
    assert "Kallas" in reply.answers[0].text
    assert reply.question == "wat did kaja kalas say"  # as asked


def test_a_transposed_name_is_read(shared_engine):
    reply = shared_engine.ask("What did Zelenksy say?")
    assert reply.corrected == "What did Zelensky say?"
    assert reply.answered and "Zelensky" in reply.answers[0].text


def test_a_correct_question_is_not_corrected(shared_engine):
    reply = shared_engine.ask("What did Kaja Kallas tell reporters?")
    assert reply.corrected is None and reply.corrected_marks == ()


def test_the_unanswerable_question_still_abstains_with_or_without_typos(shared_engine):
    for question in [
        "What is the capital of Peru?",
        "Waht is the capitl of Peur?",
        "what is teh capital of peru",
    ]:
        reply = shared_engine.ask(question)
        assert not reply.answered, (question, reply.corrected, reply.answers[:1])


def test_a_lone_misspelt_question_word_is_left_as_typed(shared_engine):
    reply = shared_engine.ask("wat?")
    assert not reply.answered and reply.corrected is None and "wat" in reply.reason


def test_search_reads_the_corrected_question_too(shared_engine):
    query = shared_engine.analyse("kalas brussels")
    assert query.corrected == "kallas brussels"
    assert "kalla" in query.terms and not query.unseen


@pytest.mark.parametrize(
    ("word", "typed", "shown"),
    [("Kallas", "kalas", "kallas"), ("kallas", "Kalas", "Kallas"), ("Kallas", "KALAS", "KALLAS")],
)
def test_corrections_keep_the_typed_case(word, typed, shown):
    assert match_case(word, typed) == shown


def test_longer_words_may_take_more_edits():
    words = ["ab", "wat", "peru", "kalas", "kallas", "zelenksy"]
    assert [max_edits(w) for w in words] == [0, 1, 1, 1, 2, 2]


def test_acronyms_are_not_guessed_at():
    assert is_acronym("CEO", "When did Faust become CEO?")
    assert is_acronym("IRAs", "Who backs automatic IRAs?")
    assert not is_acronym("McAuliffe", "What did Mr. McAuliffe say?")
    assert not is_acronym("KALAS", "WHAT DID KALAS SAY")  # a question typed in capitals


def test_a_swapped_stop_word_is_read_as_it_but_not_a_changed_one():
    assert swapped_stop_word("thier") == "their" and swapped_stop_word("teh") == "the"
    assert swapped_stop_word("peru") is None  # "per" is a letter less, not a swap
    assert swapped_stop_word("bus") is None  # "but" is a letter changed


def test_a_swapped_stop_word_carries_no_weight(shared_engine):
    query = shared_engine.analyse("what did thier leaders say about troops")
    assert query.corrected == "what did their leaders say about troops"
    assert query.corrected_marks == () and not query.unseen


# -- generated typos ------------------------------------------------------------------------


def misspell(word: str, rng: random.Random, index) -> str | None:
    """One or two random edits (two only for long words) giving a word the corpus never
    mentions; None when twenty tries give only known words."""
    for _ in range(20):
        typo = word
        for _ in range(rng.choice((1, 2)) if len(word) >= 6 else 1):
            i = rng.randrange(len(typo))
            kind = rng.choice("idst")
            if kind == "i":
                typo = typo[:i] + rng.choice(LETTERS) + typo[i:]
            elif kind == "d":
                typo = typo[:i] + typo[i + 1 :]
            elif kind == "s":
                typo = typo[:i] + rng.choice(LETTERS.replace(typo[i].lower(), "")) + typo[i + 1 :]
            elif i < len(typo) - 1 and typo[i] != typo[i + 1]:
                typo = typo[:i] + typo[i + 1] + typo[i] + typo[i + 2 :]
        term = word_term(typo.lower())
        if typo != word and term is not None and index.term_idf(term) is None:
            return typo
    return None


def content_words(question: str, index) -> list[tuple[int, int]]:
    """Spans of the question's words whose terms the corpus knows (4+ letters)."""
    found = []
    for m in _WORD.finditer(question):
        term = word_term(m.group().lower())
        if len(m.group()) >= 4 and term is not None and index.term_idf(term) is not None:
            found.append(m.span())
    return found


def first_article(reply) -> str | None:
    return (
        reply.answers[0].source.file + "#" + reply.answers[0].source.headline
        if reply.answered
        else None
    )


def typo_outcomes(engine, cases, rng):
    """(asked, same first article as without the typo) for every content word of each case."""
    outcomes = []
    for case in cases:
        expected = first_article(engine.ask(case.question))
        for start, end in content_words(case.question, engine.backend.index):
            typo = misspell(case.question[start:end], rng, engine.backend.index)
            if typo is None:
                continue
            asked = case.question[:start] + typo + case.question[end:]
            outcomes.append((asked, case.abstain, first_article(engine.ask(asked)) == expected))
    return outcomes


@pytest.mark.parametrize("corpus", ["shared", "bundled"])
def test_golden_questions_with_one_misspelt_word(corpus, request):
    if corpus == "shared":
        engine = request.getfixturevalue("shared_engine")
        cases = load_cases(shared_path("eval", "questions.yaml"))
    else:
        engine = request.getfixturevalue("bundled_engine")
        cases = load_cases(ROOT / "tests/data/bundled_questions.yaml")
    outcomes = typo_outcomes(engine, cases, random.Random(TYPO_SEED))
    answerable = [o for o in outcomes if not o[1]]
    same = sum(o[2] for o in answerable)
    assert len(answerable) >= 2 * len(cases)  # the test really asked
    rate = same / len(answerable)
    print(f"{corpus}: {same}/{len(answerable)} = {rate:.3f} answered as without the typo")
    assert rate >= TYPO_TARGET, [o[0] for o in answerable if not o[2]]
    unanswerable = [o for o in outcomes if o[1]]
    assert unanswerable and all(o[2] for o in unanswerable), [o[0] for o in unanswerable]


def _known_words(engine) -> list[str]:
    words = {
        chunk.text[s:e]
        for chunk in engine.backend.chunks[:200]
        for t, s, e in spans(chunk.text)
        if _WORD.fullmatch(chunk.text[s:e])
    }
    return sorted(words)


@pytest.fixture(scope="module")
def known_words(shared_engine):
    return _known_words(shared_engine)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_words_the_corpus_knows_are_never_corrected(shared_engine, known_words, data):
    words = data.draw(st.lists(st.sampled_from(known_words), min_size=1, max_size=5))
    noise = data.draw(st.sampled_from(["", "zqxv", "kalas", "wat", "goverment"]))
    question = " ".join([noise, *words] if noise else words)
    query = shared_engine.analyse(question)
    shown = (query.corrected or question).split()
    assert shown[-len(words) :] == words, (question, query.corrected)

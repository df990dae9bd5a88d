"""Typo-tolerant questions on the real and the bundled corpus, and generated typos."""

from __future__ import annotations

import random
import re

import pytest
from helpers import ROOT, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from cli.evaluation import load_cases
from retrieval.answering.correction import (
    QUESTION_WORDS,
    is_acronym,
    match_case,
    max_edits,
    swapped_stop_word,
    typing_cost,
)
from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.models import Article
from retrieval.text.analysis import spans, word_term
from retrieval.text.words import frequencies, is_word, word_frequency

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


# -- only non-words are typos ------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("Who won the 2022 FIFA World Cup final?", None),
        ("Who will pay for the Patriot sytems?", "Who will pay for the Patriot systems?"),
        ("Did Trump threaten tarifs on cars?", "Did Trump threaten tariffs on cars?"),
        ("Did the president wear a hat at the summit?", None),
        ("Who will foot the bill for the new jets?", None),
        ("What did they say about the news?", None),
        ("What was the record?", None),
    ],
)
def test_words_of_the_language_are_read_as_typed(shared_engine, bundled_engine, question, read):
    assert shared_engine.analyse(question).corrected == read
    shown = bundled_engine.analyse(question).corrected or question  # a corpus without them
    kept = [(a, b) for a, b in zip(question.split(), shown.split(), strict=True) if is_word(a)]
    assert all(a == b for a, b in kept), shown


def test_two_misspellings_in_one_question_are_corrected_together(shared_engine):
    reply = shared_engine.ask("how big is the new US tarrif on semicondutors")
    assert reply.corrected == "how big is the new US tariff on semiconductors"
    assert reply.answered and "semiconductors" in reply.answers[0].text


def test_a_name_the_corpus_knows_wins_only_over_a_non_word(shared_engine):
    assert shared_engine.analyse("What did Starmr say?").corrected == "What did Starmer say?"
    assert shared_engine.analyse("What did Stammer say?").corrected is None  # a word


def test_a_slip_to_a_neighbouring_key_or_a_double_letter_is_the_likelier_reading():
    assert typing_cost("jeys", "jets") < typing_cost("jeys", "jews")  # t is beside y
    assert typing_cost("tarrif", "tariff") < OSA.distance("tarrif", "tariff")
    assert typing_cost("espouse", "response") == 2  # two edits far from any slip


def test_the_nearer_key_decides_between_two_readings_as_near():
    articles = [
        Article(
            "Harbour news", ("The harbour posts a notice about the ferry timetable.",), "a.txt"
        ),
        Article("Harbour ports", ("The harbour ports are open to the ferry again.",), "b.txt"),
    ]
    engine = Engine.from_articles(articles, Config())
    assert engine.analyse("what harbour poats list the ferry").corrected == (
        "what harbour posts list the ferry"  # a is beside s, not r
    )


def test_a_first_word_is_read_as_a_question_word_only_when_it_is_rare(shared_engine):
    assert shared_engine.analyse("wat did kaja kallas say").corrected.startswith("what ")
    assert shared_engine.analyse("hat did kaja kallas say").corrected is None  # a common word


@pytest.fixture(scope="module")
def language_words() -> list[str]:
    return sorted(w for w in frequencies() if _WORD.fullmatch(w))


WORDS_PER_QUESTION = 8  # words asked about together: a question of several, as typed


@pytest.mark.parametrize("corpus", ["shared", "bundled"])
def test_no_word_of_the_language_is_ever_changed(corpus, request, language_words):
    engine = request.getfixturevalue(f"{corpus}_engine")
    assert len(language_words) > 80_000
    changed = []
    for i in range(0, len(language_words), WORDS_PER_QUESTION):
        words = " ".join(language_words[i : i + WORDS_PER_QUESTION])
        question = f"what did they say about {words} and Kallas"
        if spans(question) and (read := engine.analyse(question).corrected) is not None:
            changed.append((question, read))
    assert changed == []


@pytest.mark.parametrize("corpus", ["shared", "bundled"])
def test_a_first_word_changes_only_into_a_far_commoner_question_word(
    corpus, request, language_words
):
    """Where a question must start, the one place a rule may read a word ("wat") as
    another: every word one edit from a question word, and a sample of the others."""
    engine = request.getfixturevalue(f"{corpus}_engine")
    near = [w for w in language_words if any(OSA.distance(w, q) <= 1 for q in QUESTION_WORDS)]
    sample = random.Random(TYPO_SEED).sample(language_words, 2000)
    changed = []
    for word in near + sample:
        question = f"{word} did Kallas say in Brussels?"
        read = engine.analyse(question).corrected
        if read is None:
            continue
        first, rest = read.split(" ", 1)
        rare = word_frequency(first) > 100 * word_frequency(word)
        if not (first in QUESTION_WORDS and rare and rest == question.split(" ", 1)[1]):
            changed.append((question, read))
    assert near and changed == []

import pytest

from retrieval.answering.kinds import Kind, holds_answer, identifies, question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("who is kaja kallas", Kind.ENTITY),
        ("Who was Rustem Umerov?", Kind.ENTITY),
        ("What is Erasmus?", Kind.ENTITY),
        ("Who chaired the meeting of defence ministers?", Kind.NAME),
        ("Which Italian team rejected the idea?", Kind.NAME),
        ("What period is the figure from?", Kind.TIME),
        ("When will the night trams run?", Kind.TIME),
        ("Where did the ministers meet?", Kind.PLACE),
        ("How much will the service cost?", Kind.MONEY),
        ("How many homes lost power?", Kind.COUNT),
        ("What percentage of voters agreed?", Kind.SHARE),
        ("Why was Northfield Water fined?", Kind.OTHER),
        ("What is the capital of Peru?", Kind.OTHER),  # "the …": not a name to identify
    ],
)
def test_question_kinds_come_from_the_opening_words(question, kind):
    assert question_kind(question) is kind


def _name(sentence: str, name: str) -> list[tuple[int, int]]:
    start = sentence.index(name)
    return [(start, start + len(name))]


@pytest.mark.parametrize(
    "sentence",
    [
        "Her remarks were dismissed by John Healey, the Defence Secretary, who said so.",
        "Rustem Umerov, Ukraine's defence minister, said he learnt of it today.",
        "Defence Secretary John Healey opened the meeting.",
        "John Healey is the MP for Rawmarsh.",
    ],
)
def test_identifying_sentences(sentence):
    name = "John Healey" if "Healey" in sentence else "Rustem Umerov"
    assert identifies(sentence, _name(sentence, name))


@pytest.mark.parametrize(
    "sentence",
    [
        "John Healey was asked on Friday whether the talks had worked.",
        "'No,' said John Healey when asked.",
    ],
)
def test_mentions_that_do_not_identify(sentence):
    assert not identifies(sentence, _name(sentence, "John Healey"))


@pytest.mark.parametrize(
    ("kind", "question", "answers", "echoes"),
    [
        (Kind.TIME, "When will trams run?", "Trams will run from 6 March.", "Trams will run."),
        (Kind.PLACE, "Where did they meet?", "They met in Brussels.", "They met."),
        (
            Kind.MONEY,
            "How much will the tram cost?",
            "The tram will cost £1.8m a year.",
            "The tram carried 14.2 million people.",
        ),
        (Kind.COUNT, "How many homes lost power?", "About 40,000 homes lost power.", "No power."),
        (
            Kind.NAME,
            "Who chaired the meeting?",
            "The meeting was chaired by Sébastien Lecornu.",
            "The meeting was chaired.",
        ),
    ],
)
def test_a_sentence_holding_what_was_asked_beats_an_echo(kind, question, answers, echoes):
    assert holds_answer(kind, answers, question) > holds_answer(kind, echoes, question)


def test_what_the_question_already_says_is_not_an_answer():
    assert holds_answer(Kind.TIME, "It happened on Friday.", "What happened on Friday?") == 0


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is Matt Harvey's favorite hockey team?", Kind.NAME),
        ("What was the estimated cost of demolition?", Kind.MONEY),
    ],
)
def test_possessives_and_what_was_the_cost(question, kind):
    assert question_kind(question) is kind


def test_counts_in_words_are_numbers():
    assert holds_answer(Kind.COUNT, "He won in five tests.", "How many tests did he win?") == 1.0

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


def test_answer_spans_are_whole_sums_dates_and_counts_the_question_lacks():
    from retrieval.answering.kinds import answer_spans

    assert answer_spans(Kind.MONEY, "It will cost £12.5m, the council said.", "How much?") == [
        "£12.5m"
    ]
    assert answer_spans(Kind.TIME, "It opened on March 3, 2015.", "When did it open?") == [
        "March 3, 2015"
    ]
    assert answer_spans(Kind.TIME, "The blaze broke out after 2.40am.", "What time?") == ["2.40am"]
    assert answer_spans(Kind.COUNT, "In 2015 it drew 40 boats worth $5m.", "How many boats?") == [
        "40"
    ]
    assert answer_spans(Kind.SHARE, "Turnout rose to 3.1%.", "What percentage voted?") == ["3.1%"]
    assert answer_spans(Kind.PLACE, "It is built off Tanner Street.", "Where is it?") == [
        "Tanner Street"
    ]
    assert answer_spans(Kind.NAME, "The race went to Nora Lindqvist.", "Who won?") == [
        "Nora Lindqvist"
    ]
    # What the question already says is no answer.
    assert answer_spans(
        Kind.NAME, "Nora Lindqvist beat Ada Berg.", "Who did Nora Lindqvist beat?"
    ) == ["Ada Berg"]


def test_a_sum_said_as_a_change_is_not_the_amount_unless_the_change_is_asked():
    from retrieval.answering.kinds import answer_spans

    overrun = "The new pool's costs had already overrun by £3m since the first designs."
    assert holds_answer(Kind.MONEY, overrun, "How much will the new pool cost?") < 1.0
    assert answer_spans(Kind.MONEY, overrun, "How much will the new pool cost?") == []
    assert answer_spans(Kind.MONEY, overrun, "By how much have the pool's costs overrun?") == [
        "£3m"
    ]
    assert holds_answer(Kind.MONEY, "The pool has a budget of £12.5m.", "How much?") == 1.0


def test_the_noun_naming_the_kind_of_answer_is_found():
    from retrieval.answering.kinds import kind_noun

    text = "What time did the fire start?"
    span = kind_noun(text)
    assert span is not None and text[span[0] : span[1]] == "time"
    assert kind_noun("What did the fire destroy?") is None


def test_a_month_or_weekday_after_a_preposition_is_no_place():
    assert holds_answer(Kind.PLACE, "Work is due to begin in September.", "Where?") == 0.0
    assert holds_answer(Kind.PLACE, "It opens on Monday in Leeds.", "Where?") == 1.0


def test_a_name_span_leaves_out_a_sentence_opening_a_possessive_and_what_was_asked():
    from retrieval.answering.kinds import answer_spans

    assert answer_spans(Kind.NAME, "On Monday Dell agreed to buy EMC.", "Who bought EMC?") == [
        "Dell"
    ]
    assert answer_spans(Kind.NAME, "But Jesse McGuire’s trumpet won.", "Who played?") == [
        "Jesse McGuire"
    ]
    assert answer_spans(Kind.NAME, "Mr. Peltz wants a split.", "Who wants DuPont split?") == [
        "Mr. Peltz"
    ]

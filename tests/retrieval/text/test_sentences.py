import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.text.sentences import sentence_spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Gov. Greg Abbott has filed a lawsuit seeking to remove state Rep. Gene Wu from office.",
        "Former U.S. Rep. O'Rourke said he was undeterred by the probe.",
        "Shares in SK Hynix fell 3.1% in early trade on Thursday.",
        "Mr Healey and Mrs Kallas met Sen. Ortiz and Dr. Ruth Adeyemi in Brussels.",
        "The company, Fenwick & Co. Holdings, was founded by Donald J. Trump Jr. in 1999.",
        "The meeting ran from 9 a.m. to noon.",
        "He paused... and then carried on talking.",
    ],
)
def test_abbreviations_decimals_and_initials_do_not_split(text):
    assert split_sentences(text) == [text]


def test_splits_at_real_boundaries_and_keeps_closing_quotes():
    text = (
        "'No,' Mrs Kallas told reporters. 'The member states have different opinions.' "
        "Her remarks were dismissed! Was it real? Yes… It was."
    )
    assert split_sentences(text) == [
        "'No,' Mrs Kallas told reporters.",
        "'The member states have different opinions.'",
        "Her remarks were dismissed!",
        "Was it real?",
        "Yes…",
        "It was.",
    ]


def test_sentence_after_a_number_still_ends():
    assert split_sentences("Prices rose 5. Then they fell.") == [
        "Prices rose 5.",
        "Then they fell.",
    ]


@given(st.text(max_size=400))
def test_spans_are_ordered_trimmed_and_inside_the_text(text):
    last = 0
    for a, b in sentence_spans(text):
        assert last <= a < b <= len(text)
        assert not text[a].isspace() and not text[b - 1].isspace()
        last = b
    # Nothing but whitespace is lost between sentences.
    rebuilt = "".join(text[a:b] for a, b in sentence_spans(text))
    assert "".join(rebuilt.split()) == "".join(text.split())


def test_number_abbreviations_do_not_end_a_sentence():
    text = "Woods, who was No. 1 in the world last year, struggled. He left at No. 10."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Woods, who was No. 1 in the world last year, struggled.",
        "He left at No. 10.",
    ]

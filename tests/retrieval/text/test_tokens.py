import sys

import pytest
from helpers import BUNDLED_CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.text.encoding import KNOWN_ENCODINGS, get_encoding
from retrieval.text.tokens import ADDITIVE_PATTERNS, WHITE_SPACE, CachedCounter, token_counter

ENCODINGS = sorted(KNOWN_ENCODINGS)

# Characters that stress the pre-tokenizers: every kind of white space (the spaces the
# count cuts at, CR/LF that punctuation swallows, Unicode and Python-only spaces),
# punctuation, digits, contractions, accents and combining marks, case changes, CJK, emoji.
_PIECES = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x1c", "\x1f", "\x85", "\xa0", "\u2009", "\u3000",
     "\u2028", ".", ",", "!?", "...", "'s", "'ll", "’", "-", "/", "(", ")", "$", "£", "%",
     "3", "1234", "3.1", "a", "The", "HTML", "naïve", "e\u0301", "Ωμέγα", "東京", "🙂", "_",
     "don't", "U.S.", "x/y", "\u200b", "\u00ad"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=40).map("".join)


@pytest.mark.parametrize("name", ENCODINGS)
def test_both_offline_encodings_are_counted_word_by_word(name):
    # If tiktoken changes a pre-tokenizer, the argument in tokens.py no longer covers it.
    assert get_encoding(name)._pat_str in ADDITIVE_PATTERNS
    assert token_counter(name).additive


@pytest.mark.parametrize("name", ENCODINGS)
@settings(max_examples=400, deadline=None)
@given(text=_TEXT)
def test_the_count_is_the_length_of_the_encoding(name, text):
    encoding = get_encoding(name)
    fresh = CachedCounter(encoding.encode_ordinary, additive=True)
    expected = len(encoding.encode_ordinary(text))
    assert fresh(text) == expected
    assert fresh(text) == expected  # again, from the cache
    assert token_counter(name)(text) == expected


@pytest.mark.parametrize("name", ENCODINGS)
def test_real_articles_count_as_encoded(name):
    encoding = get_encoding(name)
    count = CachedCounter(encoding.encode_ordinary, additive=True)
    texts = [p.read_text(encoding="utf-8") for p in sorted(BUNDLED_CORPUS.rglob("*.*"))]
    lines = [line for text in texts for line in text.splitlines()]
    assert len(lines) > 100
    for text in texts + lines + [" " + line for line in lines]:
        assert count(text) == len(encoding.encode_ordinary(text))
    assert count._spaced  # the words were counted from the cache


def test_a_pattern_not_checked_is_always_encoded_whole():
    calls = []

    def encode(text):
        calls.append(text)
        return list(text)

    count = CachedCounter(encode, additive=False)
    assert count("a b c") == 5
    assert calls == ["a b c"]


def test_white_space_holds_every_character_python_calls_a_space():
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert spaces <= WHITE_SPACE

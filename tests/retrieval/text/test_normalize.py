"""The cheap word test before a slow case-insensitive regex never skips a line it matches."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.reading import aggregator
from retrieval.text import normalize

# Phrases each regex matches, and what re.IGNORECASE equates with their letters.
PHRASES = {
    normalize._INLINE_JUNK: ["Error retrieving data", "Sign in to view your watchlist"],
    aggregator._PROMO: [
        "free for 3 months",
        "unlimited access",
        "subscribe today",
        "already a subscriber",
        "broaden your horizons",
        "sign up for our newsletter",
        "download the app today",
        "from your preferred app store",
    ],
}
WORDS = {
    normalize._INLINE_JUNK: normalize._INLINE_JUNK_WORDS,
    aggregator._PROMO: aggregator._PROMO_WORDS,
}
VARIANTS = {"i": "iIİı", "s": "sSſ", "k": "kKK"}


@st.composite
def disguised(draw, pattern: re.Pattern) -> str:
    phrase = draw(st.sampled_from(PHRASES[pattern]))
    letters = [draw(st.sampled_from(VARIANTS.get(c, c + c.upper()))) for c in phrase]
    before, after = draw(st.text(max_size=10)), draw(st.text(max_size=10))
    return before + " " + "".join(letters) + " " + after


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_every_line_a_regex_matches_passes_the_word_test(data):
    pattern = data.draw(st.sampled_from(list(PHRASES)))
    line = data.draw(disguised(pattern))
    if pattern.search(line):
        assert normalize.may_contain(line, WORDS[pattern]), line


def test_the_word_test_lets_ordinary_lines_skip():
    assert not normalize.may_contain("The council met on Tuesday.", aggregator._PROMO_WORDS)
    assert normalize.may_contain("UNLİMİTED ACCESS", aggregator._PROMO_WORDS)
    assert normalize.clean_line("Price  Error loading data  today") == "Price today"

"""The one normaliser: cheap word tests before slow regexes, and questions typed in chat."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.text import normalize
from retrieval.text.normalize import plain_question

# Phrases each regex matches, and what re.IGNORECASE equates with their letters.
PHRASES = {
    normalize._INLINE_JUNK: ["Error retrieving data", "Sign in to view your watchlist"],
}
WORDS = {
    normalize._INLINE_JUNK: normalize._INLINE_JUNK_WORDS,
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
    words = normalize._INLINE_JUNK_WORDS
    assert not normalize.may_contain("The council met on Tuesday.", words)
    assert normalize.may_contain("ERROR LOADİNG DATA", words)
    assert normalize.clean_line("Price  Error loading data  today") == "Price today"


# Characters whose folding or compatibility form is not themselves: ligatures, ellipses,
# units, accents, spacing accents (they fold to a space), dotted and dotless i, long s.
_KEY_CHARS = "ﬁ…㎏ÅéÉİıſK´¨_-.,'’“” \t\n\u3000\xa0\u200baZ09²½"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_KEY_CHARS, max_size=40) | st.text(max_size=40))
def test_fold_key_is_the_folded_text_with_each_non_word_run_one_space(text):
    import unicodedata

    plain = re.sub(r"[\W_]+", " ", normalize.fold(unicodedata.normalize("NFKC", text))).strip()
    assert normalize.fold_key(text) == plain


# -- questions as typed in chat ------------------------------------------------------------


def test_links_are_kept_aside_not_read_as_words():
    plain = plain_question("https://discord.gg/x what did Witkoff warn Putin about")
    assert plain.text == "what did Witkoff warn Putin about"
    assert plain.links == ("https://discord.gg/x",)
    masked = plain_question(
        "is <https://news.example/a_b> or [this story](https://news.example/s) new?"
    )
    assert masked.text == "is or this story new?"
    assert masked.links == ("https://news.example/a_b", "https://news.example/s")


def test_hidden_struck_and_code_text_is_dropped_and_decoration_is_marked():
    plain = plain_question("||spoiler|| **bold** __under__ ~~strike~~ > quote who is kaja kallas")
    assert plain.text == "bold under quote who is kaja kallas"
    assert [plain.text[s:e] for s, e in plain.decorated] == [
        "bold",
        "under",
        "quote who is kaja kallas",
    ]
    code = plain_question("```py\nprint('x')\n``` what does `rm -rf` do *here*?")
    assert code.text == "what does do here?"


def test_emphasis_inside_a_question_keeps_its_words_and_plain_text_is_untouched():
    plain = plain_question("who is ***Kaja Kallas***, and _why_ now?")
    assert plain.text == "who is Kaja Kallas, and why now?"
    for typed in ["what is 2*3*4 and snake_case?", "Did the £3m overrun matter?", "a > b?"]:
        assert plain_question(typed).text == typed.replace("> ", "")


def test_emoji_custom_emoji_and_mentions_are_not_words():
    plain = plain_question("<@123> who is Kaja Kallas 🇪🇺👍🏽 :thumbsup: <:pepe:42>?")
    assert plain.text == "who is Kaja Kallas?"
    assert plain_question("## 👋 what's new <#99>").text == "what's new"

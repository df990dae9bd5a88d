"""Any question gets an answer or a helpful refusal, within Discord's limits, pinging nobody.

NEWSBOT_FUZZ=nightly runs thousands of cases; the normal suite runs a few hundred.
"""

import os
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import formatting
from retrieval.answering.engine import QuestionError

HOSTILE_PIECES = [
    "",
    " ",
    "\t\n",
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@&456>",
    "<#789>",
    "```py\nprint(1)\n```",
    "**bold**",
    "__u__",
    "> quote",
    "# heading",
    "||spoiler||",
    "https://example.com/a_b?c=d",
    "'; DROP TABLE articles; --",
    "(?:a+)+$",
    ".*",
    "\\",
    "£18bn",
    "3.1%",
    "€800bn-a-year",
    "U.S.",
    "Rep.",
    "\u200b",
    "\u202e",
    "\u0301",
    "\x00",
    "\x1b[31m",
    "🎉",
    "مرحبا",
    "שלום",
    "日本語",
    "Ⅻ",
    "ﬁ",
    "İ",
    "troops",
    "coalition",
    "Trump",
]
questions = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=12).map(" ".join),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=5000),
    st.just("x" * 100_000),
)
NIGHTLY = os.environ.get("NEWSBOT_FUZZ") == "nightly"


@settings(max_examples=5000 if NIGHTLY else 300, deadline=None)
@given(questions)
def test_any_question_is_answered_or_refused_helpfully(shared_engine, question):
    start = time.perf_counter()
    try:
        reply = shared_engine.ask(question)
    except QuestionError as exc:
        text = formatting.notice(str(exc))
        assert 0 < len(text) <= formatting.CONTENT_LIMIT
        assert "Traceback" not in text
    else:
        embed = formatting.answer_embed(reply)
        assert len(embed) <= formatting.TOTAL_EMBED_LIMIT
        visible = str(embed.to_dict())
        assert "@everyone" not in visible and "@here" not in visible
        assert "<@123456789012345678>" not in visible
    assert time.perf_counter() - start < 10  # bounded: no pathological regex or loop


@settings(max_examples=2000 if NIGHTLY else 100, deadline=None)
@given(questions, st.sampled_from([None, "The Guardian", "telegraph", "Nobody"]))
def test_search_never_raises_anything_but_question_errors(shared_engine, query, publisher):
    try:
        hits = shared_engine.search(query, 5, publisher)
    except QuestionError:
        return
    pages = formatting.search_embeds(query, hits, 5, publisher)
    assert all(len(p) <= formatting.TOTAL_EMBED_LIMIT for p in pages)

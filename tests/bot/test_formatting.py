"""The reply formatters stay within Discord's limits for any text and ping nobody."""

import dataclasses

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import formatting as f
from retrieval.models import Answer, Article, Hit, Reply, Source

texts = st.text(min_size=0, max_size=6000)
nonempty = st.text(min_size=1, max_size=3000)
MENTION_CHUNKS = ["@everyone", "@here", "<@123456789012345678>", "<@&123456789012345678>"]
hostile = st.lists(
    st.one_of(st.sampled_from([*MENTION_CHUNKS, "**", "__", "`", "```", "> ", "# ", "\n"]), texts),
    max_size=8,
).map("".join)


def _source(headline="H", publisher="P"):
    return Source(headline, publisher, "4 days ago", "000_f2ef984220df779f.txt", None)


@st.composite
def answers(draw):
    text = draw(hostile)
    spans = sorted(draw(st.lists(st.integers(0, max(len(text), 1)), max_size=6)))
    marks = tuple((a, b) for a, b in zip(spans[::2], spans[1::2], strict=False) if a < b)
    return Answer(
        text, marks, draw(hostile), draw(st.floats(0, 100)), _source(draw(hostile), draw(hostile))
    )


def assert_within_limits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= f.TITLE_LIMIT
    assert len(embed.description or "") <= f.DESCRIPTION_LIMIT
    assert len(embed.fields) <= f.FIELDS_LIMIT
    for field in embed.fields:
        assert 0 < len(field.name) <= f.FIELD_NAME_LIMIT
        assert 0 < len(field.value) <= f.FIELD_VALUE_LIMIT
    assert len(embed.footer.text or "") <= f.FOOTER_LIMIT
    assert len(embed.author.name or "") <= f.AUTHOR_LIMIT
    assert len(embed) <= f.TOTAL_EMBED_LIMIT


def assert_pings_nobody(text: str) -> None:
    assert "@everyone" not in text and "@here" not in text
    assert "<@123456789012345678>" not in text and "<@&123456789012345678>" not in text


def _visible(embed: discord.Embed) -> str:
    parts = [embed.title, embed.description, embed.footer.text, embed.author.name]
    parts += [x for fl in embed.fields for x in (fl.name, fl.value)]
    return "".join(p or "" for p in parts)


@settings(max_examples=150, deadline=None)
@given(st.lists(answers(), min_size=1, max_size=3), hostile, st.data())
def test_answer_cards_fit_and_ping_nobody(answer_list, question, data):
    corrected = data.draw(st.one_of(st.none(), hostile))
    reply = Reply(question, True, tuple(answer_list), corrected=corrected)
    index = data.draw(st.integers(0, len(answer_list) - 1))
    for embed in (
        f.answer_embed(reply, index),
        f.passage_embed(answer_list[index].source, answer_list[index].passage),
    ):
        assert_within_limits(embed)
        assert_pings_nobody(_visible(embed))


@settings(max_examples=100, deadline=None)
@given(hostile, hostile, st.one_of(st.none(), hostile))
def test_abstention_fits(question, reason, corrected):
    embed = f.answer_embed(Reply(question, False, (), reason, corrected))
    assert_within_limits(embed)
    assert_pings_nobody(_visible(embed))


@settings(max_examples=60, deadline=None)
@given(
    hostile,
    st.lists(st.tuples(hostile, hostile, st.floats(0, 1e6)), min_size=0, max_size=25),
    st.integers(1, 10),
    st.one_of(st.none(), hostile),
)
def test_search_pages_fit(query, rows, page_size, corrected):
    hits = [Hit(i, s, passage, _source(h)) for i, (passage, h, s) in enumerate(rows)]
    pages = f.search_embeds(query, hits, page_size, "P", corrected)
    assert len(pages) == max(1, -(-len(hits) // page_size))
    for embed in pages:
        assert_within_limits(embed)
        assert_pings_nobody(_visible(embed))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(hostile, hostile), max_size=40), st.integers(1, 10))
def test_sources_pages_fit(rows, page_size):
    articles = [(Article(h, ("x",), "f.txt", publisher=p), 3) for h, p in rows]
    for embed in f.sources_embeds(articles, page_size):
        assert_within_limits(embed)
        assert_pings_nobody(_visible(embed))


@settings(max_examples=300, deadline=None)
@given(hostile, st.integers(1, 5000))
def test_fit_never_exceeds_and_escapes(text, limit):
    out = f.fit(text, limit)
    assert len(out) <= limit
    assert_pings_nobody(out)


def test_fit_cuts_at_a_word_or_sentence_with_an_ellipsis():
    text = "The first sentence is here. The second sentence is a little longer than that."
    assert f.fit(text, 40) == "The first sentence is here. …"
    assert f.fit("alpha beta gamma delta", 15) == "alpha beta…"
    assert f.fit("short", 100) == "short"


def test_corpus_markdown_stays_literal_and_only_our_bold_renders():
    answer = Answer("a *b* _c_ `d` e", ((14, 15),), "p", 1.0, _source())
    embed = f.answer_embed(Reply("q", True, (answer,)))
    assert embed.description == "a \\*b\\* \\_c\\_ \\`d\\` **e**"


def test_a_corrected_question_is_shown_above_the_answer_with_its_words_in_bold():
    answer = Answer("Kaja Kallas said no.", ((0, 11),), "Kaja Kallas said no.", 1.0, _source())
    reply = Reply(
        "wat did kaja kalas say", True, (answer,), "", "what did kaja kallas say", ((14, 20),)
    )
    embed = f.answer_embed(reply)
    assert embed.description.startswith("Showing results for: what did kaja **kallas** say\n\n")
    abstained = f.answer_embed(Reply("kalas?", False, (), "none", "kallas?", ((0, 6),)))
    assert "Showing results for: **kallas**?" in abstained.description
    assert "Showing results" not in f.answer_embed(Reply("q", True, (answer,))).description


def test_help_fits():
    assert_within_limits(f.help_embed())


@settings(max_examples=100, deadline=None)
@given(st.lists(answers(), min_size=1, max_size=3), hostile, st.data())
def test_the_plain_version_of_a_card_fits_a_message_and_pings_nobody(answer_list, question, data):
    reply = Reply(question, True, tuple(answer_list))
    index = data.draw(st.integers(0, len(answer_list) - 1))
    pages = f.search_embeds(question, [Hit(0, 1.0, a.passage, a.source) for a in answer_list], 5)
    for embed in (
        f.answer_embed(reply, index),
        f.passage_embed(answer_list[index].source, answer_list[index].passage),
        *pages,
    ):
        text = f.plain_version(embed)
        assert 0 < len(text) <= f.CONTENT_LIMIT
        assert_pings_nobody(text)


def test_the_plain_version_keeps_the_answer_and_its_source():
    source = Source("Lighthouse *reopens*", "Herald", "2 days ago", "l.txt", "javascript:x")
    answer = Answer("It reopened on Sunday.", ((3, 11),), "It reopened on Sunday.", 1.0, source)
    text = f.plain_version(f.answer_embed(Reply("q", True, (answer,))))
    assert text.startswith("**Lighthouse \\*reopens\\***\n\nIt **reopened** on Sunday.")
    assert "Source\nHerald · 2 days ago" in text and "javascript" not in text


def test_cards_link_only_web_links():
    for url, shown in [("https://h.example/a", "https://h.example/a"), ("ftp://h.example", None)]:
        source = Source("H", "P", None, "f.txt", url)
        answer = Answer("Text here.", (), "Text here.", 1.0, source)
        assert f.answer_embed(Reply("q", True, (answer,))).url == shown
        assert f.passage_embed(answer.source, answer.passage).url == shown


def test_dates_use_discord_timestamps_where_discord_renders_them():
    from datetime import UTC, datetime

    when = datetime(2025, 7, 6, 10, 15, tzinfo=UTC)
    unix = int(when.timestamp())
    approx = Source("H", "P", "4 days ago", "a.txt", None, when, "approximate")
    reply = Reply("q", True, (Answer("Text.", (), "Text.", 1.0, approx),))
    embed = f.answer_embed(reply)
    # One date, said once, as people say it: an age the page gave is "about … ago", kept
    # current by Discord; no "before saving", no second copy in the footer.
    assert [fl.value for fl in embed.fields if fl.name == "Source"] == [f"P · about <t:{unix}:R>"]
    assert not [fl for fl in embed.fields if fl.name == "Published"]
    assert embed.footer.text is None
    exact = Source("H", "P", "x", "a.txt", None, when, "minute")
    assert f.when_markup(exact.date, "minute", "x") == f"<t:{unix}:f> (<t:{unix}:R>)"
    # a bare day stays text: midnight UTC would show as the day before west of Greenwich
    assert f.when_markup(when, "day", "2025-07-06") == "6 Jul 2025"
    page = f.search_embeds("q", [Hit(0, 1.0, "Passage.", approx)], 5)[0]
    assert f"about <t:{unix}:R>" in page.fields[0].value
    rows = [(Article("H", ("B",), "a.txt", 0, "P", "4 days ago", "", when, "approximate"), 1)]
    assert f"about <t:{unix}:R>" in f.sources_embeds(rows, 5)[0].description
    latest = f.latest_embeds([rows[0][0]], 5)[0].description
    assert "saving" not in latest and f"about <t:{unix}:R>" in latest


def test_public_cards_name_no_file_and_count_only_several_answers():
    linked = Source("H", "Harbour Herald", None, "000_f2ef984220df779f.txt", "https://h.example/a")
    bare = Source("H2", "", None, "000_f2ef984220df779f.txt", None)
    answers = tuple(Answer("Text here.", (), "Text here.", 1.0, s) for s in (linked, bare))
    for reply in (Reply("q", True, answers[:1]), Reply("q", True, answers)):
        for i in range(len(reply.answers)):
            card = f.answer_embed(reply, i).to_dict()
            assert "f2ef984220df779f" not in str(card) and "of 1" not in str(card)
    card = f.answer_embed(Reply("q", True, answers)).to_dict()
    assert {"name": "Source", "value": "[Harbour Herald](https://h.example/a)", "inline": True} in (
        card["fields"]
    )
    assert card["footer"]["text"].startswith("Answer 1 of 2")
    hits = [Hit(0, 7.5, a.passage, a.source) for a in answers]
    page = str(f.search_embeds("q", hits, 5)[0].to_dict())
    assert "f2ef984220df779f" not in page and "7.5" not in page
    # the file stays where only the asker sees it: the passage card
    assert "000_f2ef984220df779f.txt" in f.passage_embed(linked, "Text here.").footer.text


def test_search_results_are_highlighted_fragments_not_whole_passages():
    filler = " ".join(f"Sentence {n} says nothing of note about anything at all." for n in range(8))
    passage = f"{filler} The council closed the pool for repairs on Monday. {filler}"
    hit = Hit(0, 3.2, passage, Source("Pool shut", "Herald", None, "p.txt", None))
    value = f.search_embeds("pool", [hit], 5, weights={"pool": 5.0})[0].fields[0].value
    text = value.split("\n")[0]
    assert "**pool**" in text and "Sentence 2 " not in text and "Sentence 5 " not in text
    assert len(text.split()) <= 45 and text.startswith("…") and text.endswith("…")


def test_partial_replies_say_part_of_the_archive_is_unavailable():
    answer = Answer("Trams run at night.", (), "Trams run at night.", 3.2, _source())
    whole = Reply("When?", True, (answer,))
    partial = Reply("When?", True, (answer,), partial=True)
    assert f.PARTIAL_NOTE not in str(f.answer_embed(whole).to_dict())
    assert f.PARTIAL_NOTE in str(f.answer_embed(partial).to_dict())
    abstained = Reply("When?", False, reason="No indexed article matches.", partial=True)
    assert f.PARTIAL_NOTE in f.answer_embed(abstained).description
    hit = Hit(0, 1.0, "Trams run at night.", _source(), partial=True)
    assert f.search_embeds("trams", [hit], 5)[0].description == f.PARTIAL_NOTE
    assert (
        f.search_embeds("trams", [dataclasses.replace(hit, partial=False)], 5)[0].description
        is None
    )


def test_the_short_answer_leads_the_card_and_stays_literal():
    text = "The swimming pool has a budget of £12.5m."
    answer = Answer(text, (), text, 1.0, _source(), sentence=text, short="£12.5m")
    embed = f.answer_embed(Reply("How much will the pool cost?", True, (answer,)))
    assert embed.description.startswith("**£12.5m**\n")
    hostile_short = dataclasses.replace(answer, short="@everyone *x*")
    description = f.answer_embed(Reply("q", True, (hostile_short,))).description
    assert description.startswith("**@\u200beveryone \\*x\\***\n")  # defused, stars literal
    plain = dataclasses.replace(answer, short=None)
    assert f.answer_embed(Reply("q", True, (plain,))).description == text


@settings(max_examples=100, deadline=None)
@given(headlines=st.lists(hostile, min_size=1, max_size=10), question=nonempty)
def test_the_newest_stories_card_fits_pings_nobody_and_lists_each_story(headlines, question):
    reply = Reply(question, True, newest=tuple(_source(h) for h in headlines))
    embed = f.answer_embed(reply)
    assert_within_limits(embed)
    assert_pings_nobody(_visible(embed))
    assert embed.title == f.NEWEST_TITLE
    assert len(embed.description.split("\n")) >= len(headlines)

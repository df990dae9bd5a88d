"""Discord replies as pure functions: data in, embeds and text out, within Discord's limits.

discord.py does not check sizes, so every string that reaches Discord passes
through `fit`, which escapes corpus text (its asterisks, underscores, backticks
and mentions stay literal), keeps only our own **bold**, and cuts at a sentence
or word boundary with an ellipsis, never over the limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

import discord

from retrieval.answering.fragments import fragment
from retrieval.models import Article, Hit, Reply, Source, mark_up, reader_link
from retrieval.reading.dates import APPROXIMATE, DAY, date_label, day_label
from retrieval.text.fit import ELLIPSIS, around, cut_point, ellipsize

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
FIELDS_LIMIT = 25
EMBEDS_LIMIT = 10
TOTAL_EMBED_LIMIT = 6000

# Our own, tighter choices for readability.
SNIPPET_CHARS = 1500
# The answer itself (a sum, a date, a name) stands above the snippet: a span, never a passage.
SHORT_CHARS = 200
CONTEXT_CHARS = 900
FOOTER_BUDGET = 200
FIELD_NAME_BUDGET = 200
WHEN_LIMIT = 160  # a date line: timestamp markup, or a page's own date text cut short
PUBLISHER_CHARS = 80  # a publisher's name on a card: long enough for any real one
CORRECTION_CHARS = 300  # questions are short; this bounds a hostile one
COLOUR = discord.Colour(0x2B6CB0)
MUTED = discord.Colour(0x718096)

_LINE_START = re.compile(r"^(?=#{1,3}\s|>|-#\s|\d+\.\s|[-*+]\s)", re.MULTILINE)


def escape(text: str) -> str:
    """Corpus or user text made literal: no markdown, no working mentions."""
    text = discord.utils.escape_markdown(text)
    text = discord.utils.escape_mentions(text)
    return _LINE_START.sub("\\\\", text)


def fit(text: str, limit: int, marks: Sequence[tuple[int, int]] = (), escaped: bool = True) -> str:
    """Render text (with optional bold marks) escaped and cut to at most `limit` characters."""
    quote = escape if escaped else str
    budget = limit
    while True:
        cut = cut_point(text, budget)
        kept = [(a, min(b, cut)) for a, b in marks if a < cut]
        body = mark_up(text[:cut].rstrip(), [(a, b) for a, b in kept if a < b], quote)
        rendered = body if cut >= len(text) else ellipsize(body)
        if len(rendered) <= limit:
            return rendered
        budget = max(0, budget - (len(rendered) - limit) - 1)
        if budget == 0:
            return ELLIPSIS[:limit]


def plain(text: str, limit: int) -> str:
    """For footers and author names: Discord shows markdown there literally, so only
    mentions are defused."""
    return fit(discord.utils.escape_mentions(text), limit, escaped=False)


def source_line(source: Source, now: datetime | None = None) -> str:
    """publisher · date · file, unescaped, for the ephemeral passage card's footer (footers
    show timestamp markup literally). Only the asker sees that card; public cards never
    name a file."""
    when = date_label(source.date, source.date_precision, source.published, now or _now())
    return " · ".join(p for p in (source.publisher, when, source.file) if p)


def _now() -> datetime:
    return datetime.now(UTC)


def when_markup(
    date: datetime | None, precision: str | None, published: str | None, limit: int = WHEN_LIMIT
) -> str:
    """A card's one date, as people say it, in Discord's timestamp markup where it helps:
    an exact time in each reader's own time zone with its age (`<t:…:R>`, which Discord
    keeps current), an age the page gave relative to its saving as "about 4 days ago", a
    bare day as "6 Jul 2025" (as midnight UTC, `<t:…:D>` would show the day before to
    readers west of Greenwich). Only for description and field values: footers and titles
    show the markup literally.
    """
    if date is None:
        return fit(published or "", limit)
    unix = int(date.timestamp())
    if precision == DAY:
        return day_label(date, precision)
    if precision == APPROXIMATE:
        return f"about <t:{unix}:R>"
    return f"<t:{unix}:f> (<t:{unix}:R>)"


def _source_when(source: Source) -> str:
    return when_markup(source.date, source.date_precision, source.published)


def byline(source: Source) -> str:
    """Publisher (a link to the article when there is one) · date: where a card's answer
    came from, for readers. The file name stays in the passage card and the JSON."""
    link = reader_link(source.url)
    name = fit(source.publisher or "", PUBLISHER_CHARS)
    if link and name:
        name = f"[{name}]({link})"
    return " · ".join(p for p in (name, _source_when(source)) if p)


def answer_embed(reply: Reply, index: int = 0) -> discord.Embed:
    """The answer card: answering sentence in bold terms, its context, and its source."""
    if not reply.answered:
        return abstain_embed(reply)
    if reply.newest:
        return newest_embed(reply)
    answer = reply.answers[index]
    embed = discord.Embed(
        title=fit(answer.source.headline or "(untitled)", TITLE_LIMIT),
        url=reader_link(answer.source.url),
        description=correction_line(reply.corrected, reply.corrected_marks)
        + (f"**{fit(answer.short, SHORT_CHARS)}**\n" if answer.short else "")
        + fit(answer.text, SNIPPET_CHARS, answer.marks),
        colour=COLOUR,
    )
    before, after = around(*answer.context)
    context = " … ".join(part for part in (before, after) if part)
    if context:
        embed.add_field(name="Context", value=fit(context, CONTEXT_CHARS), inline=False)
    source = byline(answer.source)
    if source:
        embed.add_field(name="Source", value=source, inline=True)
    if answer.section:
        embed.add_field(name="Section", value=fit(answer.section, FIELD_VALUE_LIMIT), inline=True)
    if answer.also:
        names = ", ".join(dict.fromkeys(s.publisher or s.headline for s in answer.also))
        embed.add_field(name="Also reported by", value=fit(names, FIELD_VALUE_LIMIT), inline=False)
    if reply.partial:
        embed.add_field(name="Note", value=PARTIAL_NOTE, inline=False)
    embed.set_author(name=plain(f"Q: {reply.question}", AUTHOR_LIMIT))
    if len(reply.answers) > 1:  # what "More answers" leads to; one answer needs no count
        embed.set_footer(
            text=f"Answer {index + 1} of {len(reply.answers)}, each from another article"
        )
    return embed


def newest_embed(reply: Reply) -> discord.Embed:
    """A question about the news in general: the newest stories, one line each."""
    per_story = DESCRIPTION_LIMIT // max(1, len(reply.newest)) - 2
    lines = []
    for source in reply.newest:
        headline = source.headline or "(untitled)"
        tail = " · ".join(x for x in (source.publisher, _source_when(source)) if x)
        line = f"{headline} · {tail}" if tail else headline
        lines.append(fit(line, per_story, [(0, len(headline))]))
    embed = discord.Embed(title=NEWEST_TITLE, description="\n".join(lines), colour=COLOUR)
    embed.set_author(name=plain(f"Q: {reply.question}", AUTHOR_LIMIT))
    embed.set_footer(text=NEWEST_TIP)
    return embed


NEWEST_TITLE = "The newest stories"
NEWEST_TIP = "/latest lists more; /latest with a topic, the newest on it"


def correction_line(corrected: str | None, marks: Sequence[tuple[int, int]] = ()) -> str:
    """'Showing results for: …' (corrected words in bold) above a reply, or ""."""
    if corrected is None:
        return ""
    shown = fit(corrected, CORRECTION_CHARS, marks)
    return f"Showing results for: {shown}\n\n"


ABSTAIN_INTRO = "I could not find this in the articles I have indexed, so I won't guess."
ABSTAIN_TIP = "Try naming a person, place or event from the news, or `/search` for passages."
# Said on every card built while a shard of the archive did not answer.
PARTIAL_NOTE = "Part of the archive is unavailable right now; this reply comes from the rest."


def abstain_embed(reply: Reply) -> discord.Embed:
    reason = fit(reply.reason, 1000) if reply.reason else ""
    embed = discord.Embed(
        title="No answer in the indexed articles",
        description=correction_line(reply.corrected, reply.corrected_marks)
        + "\n\n".join(
            p for p in (ABSTAIN_INTRO, reason, PARTIAL_NOTE * reply.partial, ABSTAIN_TIP) if p
        ),
        colour=MUTED,
    )
    embed.set_author(name=plain(f"Q: {reply.question}", AUTHOR_LIMIT))
    return embed


def passage_embed(source: Source, passage: str) -> discord.Embed:
    """The whole passage an answer or search result came from (sent ephemerally, so its
    footer may name the file for whoever keeps the corpus)."""
    embed = discord.Embed(
        title=fit(source.headline or "(untitled)", TITLE_LIMIT),
        url=reader_link(source.url),
        description=fit(passage, DESCRIPTION_LIMIT),
        colour=COLOUR,
    )
    embed.set_footer(text=plain(source_line(source), FOOTER_LIMIT))
    return embed


def _pages(count: int, size: int) -> int:
    return max(1, -(-count // size))


def search_embeds(
    query: str,
    hits: Sequence[Hit],
    page_size: int,
    publisher: str | None = None,
    corrected: str | None = None,
    corrected_marks: Sequence[tuple[int, int]] = (),
    weights: Mapping[str, float] | None = None,
) -> list[discord.Embed]:
    """The passages found, `page_size` per page: each its headline, the sentences that
    matched (the query's `weights` terms in bold, see fragments.py) and its byline; the
    whole passage is behind a button. A corrected query says how it was read on every page."""
    title = fit(f"Search: {query}", TITLE_LIMIT)
    said = correction_line(corrected, corrected_marks).strip()
    if any(h.partial for h in hits):
        said = "\n\n".join(p for p in (said, PARTIAL_NOTE) if p)
    if not hits:
        where = f" from {escape(publisher)}" if publisher else ""
        none = "\n\n".join(p for p in (said, f"No passage matches{where}.") if p)
        return [discord.Embed(title=title, description=none, colour=MUTED)]
    # Share what a page may hold (6000) between its fields, after title and footer.
    per_field = (TOTAL_EMBED_LIMIT - TITLE_LIMIT - FOOTER_BUDGET - len(said)) // page_size
    value_limit = min(FIELD_VALUE_LIMIT, per_field - FIELD_NAME_BUDGET)
    total = _pages(len(hits), page_size)
    scope = f" · publisher: {publisher}" if publisher else ""
    pages = []
    for p in range(total):
        embed = discord.Embed(title=title, description=said or None, colour=COLOUR)
        for n, hit in enumerate(hits[p * page_size : (p + 1) * page_size], start=p * page_size + 1):
            number = f"{n}. "
            name = number + fit(
                hit.source.headline or "(untitled)", FIELD_NAME_BUDGET - len(number)
            )
            where = byline(hit.source)
            if len(where) > value_limit // 2:  # a hostile publisher or link: keep the text
                where = _source_when(hit.source)
            piece = fragment(weights or {}, hit.passage)
            text = fit(piece.text, value_limit - len(where) - 4, piece.marks)
            text = f"{ELLIPSIS * piece.cut_before}{text}"
            if piece.cut_after and not text.endswith(ELLIPSIS):
                text = ellipsize(text)  # "… vehicles. …" after a sentence, "word…" inside one
            embed.add_field(name=name, value=f"{text}\n{where}".strip(), inline=False)
        embed.set_footer(
            text=plain(f"page {p + 1} of {total} · {len(hits)} passages{scope}", FOOTER_BUDGET)
        )
        pages.append(embed)
    return pages


def sources_embeds(
    rows: Sequence[tuple[Article, int]], page_size: int, publisher: str | None = None
) -> list[discord.Embed]:
    """The indexed articles, paged: headline, publisher, age, passage count."""
    title = fit(f"Indexed articles{f' from {publisher}' if publisher else ''}", TITLE_LIMIT)
    if not rows:
        return [discord.Embed(title=title, description="None.", colour=MUTED)]

    def tail(i: int) -> str:
        article, chunks = rows[i]
        when = when_markup(article.date, article.date_precision, article.published, 60)
        return " · ".join(x for x in (fit(article.publisher, 40), when, f"{chunks} passages") if x)

    return _article_pages(title, [a for a, _ in rows], page_size, tail)


def latest_embeds(
    articles: Sequence[Article], page_size: int, topic: str | None = None, undated: int = 0
) -> list[discord.Embed]:
    """The newest articles, newest first: date (as Discord timestamps), publisher, headline."""
    title = fit(f"Latest{f' on {topic}' if topic else ''}", TITLE_LIMIT)
    unlisted = f"{undated} undated article{'s' * (undated != 1)} not listed" if undated else ""
    if not articles:
        empty = discord.Embed(title=title, description="No dated article matches.", colour=MUTED)
        return with_note([empty], unlisted)

    def tail(i: int) -> str:
        article = articles[i]
        when = when_markup(article.date, article.date_precision, article.published, 60)
        return " · ".join(x for x in (fit(article.publisher, 40), when) if x)

    return with_note(_article_pages(title, articles, page_size, tail), unlisted)


def _article_pages(
    title: str, articles: Sequence[Article], page_size: int, tail: Callable[[int], str]
) -> list[discord.Embed]:
    """Pages of articles, two lines each: the headline in bold, then `tail(i)`."""
    per_page = page_size * 2
    # Each line fits its share of the description, so a full page never passes 4096.
    line_limit = DESCRIPTION_LIMIT // per_page - 2
    total = _pages(len(articles), per_page)
    pages = []
    for p in range(total):
        lines = []
        for i in range(p * per_page, min((p + 1) * per_page, len(articles))):
            line_tail = tail(i)
            headline = fit(articles[i].headline or "(untitled)", line_limit - len(line_tail) - 6)
            lines.append(f"**{headline}**\n{line_tail}")
        embed = discord.Embed(title=title, description="\n\n".join(lines), colour=COLOUR)
        embed.set_footer(text=f"page {p + 1} of {total} · {len(articles)} articles")
        pages.append(embed)
    return pages


def with_note(embeds: list[discord.Embed], note: str) -> list[discord.Embed]:
    """Each embed's footer led by a note (filters in force, undated articles left out)."""
    if note:
        for embed in embeds:
            text = f"{note} · {embed.footer.text}" if embed.footer.text else note
            embed.set_footer(text=plain(text, FOOTER_BUDGET))
    return embeds


HELP_TEXT = (
    "I answer questions about the news articles I have indexed, quoting the sentence that "
    "answers and where it came from. I never make things up: when the articles don't say, "
    "I tell you so.\n\n"
    "**/ask** `question` — an answer card; **More answers** shows the next article's answer, "
    "**Show passage** the whole passage.\n"
    "**/search** `query` `[publisher]` `[limit]` — the passages that match, the matching "
    "sentences in bold, each whole passage behind a button.\n"
    "**/sources** `[publisher]` — the articles I know.\n"
    "**/latest** `[topic]` — the newest articles, newest first.\n"
    "`since` and `until` on /ask, /search and /sources keep to a date range: "
    "`2025-07-06`, or an age such as `7d` or `24h`. Articles without a date are left out.\n"
    "Or mention me with a question: `@newsbot who chaired the meeting?`\n\n"
    "**Asking well:** name the people, places, organisations or numbers you mean "
    '("How much did SK Hynix shares fall?" beats "what happened?"). '
    "Words like *what*, *the* and *did* don't help."
)


def help_embed() -> discord.Embed:
    return discord.Embed(title="newsbot help", description=HELP_TEXT, colour=COLOUR)


def plain_version(embed: discord.Embed) -> str:
    """A card as message text: its title, text, fields and source, without the parts
    (links, images, layout) Discord can refuse. For when it refused the card."""
    footer = escape(embed.footer.text) if embed.footer.text else ""
    parts = [f"**{embed.title}**" if embed.title else "", embed.description or ""]
    parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return fit("\n\n".join(p for p in [*parts, footer] if p), CONTENT_LIMIT, escaped=False)


def notice(text: str) -> str:
    """A plain message (errors, cooldown) for message content, escaped and within limits."""
    return fit(text, CONTENT_LIMIT)

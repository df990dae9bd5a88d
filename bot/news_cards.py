"""Alerts, digests, timelines and follow-up notes as Discord embeds: pure functions.

Everything corpus- or user-written passes through `fit` (escaped, mentions defused,
within Discord's limits), as in bot/formatting.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.formatting import (
    COLOUR,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    MUTED,
    SNIPPET_CHARS,
    TITLE_LIMIT,
    byline,
    fit,
    plain,
    when_markup,
)
from retrieval.models import Source, reader_link
from retrieval.news.alerts import Alert, more_text
from retrieval.news.digest import Digest
from retrieval.news.followup import Reading
from retrieval.news.store import Subscription
from retrieval.news.timeline import Timeline
from retrieval.reading.dates import day_label
from retrieval.text.fit import squeeze

TOPIC_CHARS = 100  # a topic in a title or a line: topics are short, this bounds a hostile one
LEDE_CHARS = 500  # a digest entry's lede: a sentence, with room for a long one
EVENT_CHARS = 300  # a timeline line's sentence


def _outlets(sources: Sequence[Source]) -> str:
    return ", ".join(dict.fromkeys(s.publisher or s.headline or "another outlet" for s in sources))


def alert_embed(alert: Alert) -> discord.Embed:
    """One new article on a followed topic: headline, the sentence that matches, and its
    byline (publisher, linked when known, and one date), as on an answer card."""
    embed = discord.Embed(
        title=fit(alert.source.headline or "(untitled)", TITLE_LIMIT),
        url=reader_link(alert.source.url),
        description="\n".join(
            p for p in (fit(alert.sentence, SNIPPET_CHARS, alert.marks), byline(alert.source)) if p
        ),
        colour=COLOUR,
    )
    if alert.also:
        embed.add_field(
            name="Also reported by",
            value=fit(_outlets(alert.also), FIELD_VALUE_LIMIT),
            inline=False,
        )
    embed.set_author(name=plain(f"New on {alert.topic}", TOPIC_CHARS + 10))
    embed.set_footer(text="/unfollow to stop")
    return embed


def more_notice(topic: str, count: int) -> str:
    """The one message standing for alerts over the hourly cap."""
    return fit(more_text(squeeze(topic)[:TOPIC_CHARS], count), 2000)


def following_embed(subscriptions: Sequence[Subscription], where: str) -> discord.Embed:
    """What a member (or this channel) follows; the menu below removes one."""
    if not subscriptions:
        text = "Nothing followed yet. Use `/follow topic:` to get new articles on a topic."
        return discord.Embed(title=f"Following ({where})", description=text, colour=MUTED)
    lines = []
    for n, s in enumerate(subscriptions, start=1):
        paused = " (paused: I can no longer post there)" if s.paused else ""
        how = "this channel" if s.kind == "channel" else "direct message"
        lines.append(f"{n}. {fit(s.topic, TOPIC_CHARS)} · {how}{paused}")
    embed = discord.Embed(title=f"Following ({where})", description="\n".join(lines), colour=COLOUR)
    embed.set_footer(text="Choose a topic below to unfollow it.")
    return embed


def digest_embeds(digest: Digest, page_size: int, title: str = "Digest") -> list[discord.Embed]:
    """The period's stories, `page_size` per page: headline, lede, outlets, newest report."""
    if not digest.entries:
        return [discord.Embed(title=title, description=quiet_text(digest), colour=MUTED)]
    per_line = DESCRIPTION_LIMIT // page_size - 8
    pages = []
    total = -(-len(digest.entries) // page_size)
    for p in range(total):
        lines = []
        for n in range(p * page_size, min((p + 1) * page_size, len(digest.entries))):
            e = digest.entries[n]
            tail = f"{fit(', '.join(e.outlets), 300)} · {when_markup(e.newest, 'minute', None)}"
            budget = max(40, per_line - len(tail))
            headline = fit(e.headline or "(untitled)", min(200, budget // 3))
            lede = fit(e.lede, min(LEDE_CHARS, budget - len(headline) - 10))
            lines.append(f"**{n + 1}. {headline}**\n{lede}\n{tail}")
        embed = discord.Embed(title=title, description="\n\n".join(lines), colour=COLOUR)
        stories = len(digest.entries)
        embed.set_footer(
            text=f"page {p + 1} of {total} · {stories} stor{'ies' if stories != 1 else 'y'} "
            f"from {digest.articles} articles since {day_label(digest.since, 'minute')}"
        )
        pages.append(embed)
    return pages


def quiet_text(digest: Digest) -> str:
    return f"No news since {day_label(digest.since, 'minute')}."


def timeline_embeds(line: Timeline, page_size: int) -> list[discord.Embed]:
    """One line per event, oldest first: date, the sentence that matches, outlets."""
    title = fit(f"Timeline: {line.topic}", TITLE_LIMIT)
    notes = []
    if line.more:
        notes.append(f"{line.more} earlier not shown")
    if line.undated:
        notes.append(f"{line.undated} undated article{'s' * (line.undated != 1)} left out")
    note = " · ".join(notes)
    if not line.events:
        text = line.reason or "No dated article answers this topic."
        embed = discord.Embed(title=title, description=fit(text, 1000), colour=MUTED)
        if note:
            embed.set_footer(text=note)
        return [embed]
    per_page = page_size * 2
    per_line = DESCRIPTION_LIMIT // per_page - 4
    total = -(-len(line.events) // per_page)
    pages = []
    for p in range(total):
        rows = []
        for event in line.events[p * per_page : (p + 1) * per_page]:
            s = event.source
            when = when_markup(s.date, s.date_precision, s.published, 60)
            outlets = fit(_outlets([s, *event.also]), 200)
            budget = min(EVENT_CHARS, per_line - len(when) - len(outlets) - 8)
            rows.append(f"{when} · {fit(squeeze(event.sentence), budget, ())} — {outlets}")
        embed = discord.Embed(title=title, description="\n\n".join(rows), colour=COLOUR)
        footer = f"page {p + 1} of {total}" + (f" · {note}" if note else "")
        embed.set_footer(text=footer)
        pages.append(embed)
    return pages


def reading_line(reading: Reading) -> str:
    """'Reading this as: …' for a follow-up whose words were carried over ("" if none)."""
    if not reading.follows:
        return ""
    return f"Reading this as: {plain(reading.text, 300)}"

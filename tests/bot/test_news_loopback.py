"""Followed topics, digests, timelines and follow-up threads on the loopback Discord."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import shutil
from pathlib import Path

from fake_discord import BOT_ID, BOT_USER, CHANNEL_ID, MODERATOR_PERMISSIONS
from helpers import BUNDLED_CORPUS, NEWS_CORPUS
from loopback import running_bot

from retrieval.answering.engine import Engine
from retrieval.config import AlertsConfig, Config

MODERATOR, MEMBER = 700000000000000011, 700000000000000012
POLL = 0.05
ARTICLE = """---
title: {title}
publisher: {publisher}
published: 2026-12-02T09:00:00Z
url: https://news.example/{name}
---
# {title}

{body}
"""
REOPEN = (
    "reopen.md",
    "Kelvin Bridge to reopen on Friday",
    "Almer Gazette",
    "Kelvin Bridge will reopen to traffic on Friday after the cracked girder was replaced.",
)
TOLL = (
    "toll.md",
    "No toll for the repaired Kelvin Bridge",
    "Almer Radio News",
    "Drivers will not pay a toll to cross Kelvin Bridge, councillors decided on Tuesday.",
)
LIGHTS = (
    "lights.md",
    "Kelvin Bridge lights switched on for the winter fair",
    "Port Almer Courier",
    "New lamps along Kelvin Bridge were lit for the winter fair by the mayor.",
)


def _engine(tmp_path: Path, corpus: Path = NEWS_CORPUS, **alerts: int) -> tuple[Engine, Path]:
    """An engine polling a copy of `corpus`, its index.path (and the store) in tmp_path."""
    copy = tmp_path / "news"
    if not copy.exists():
        shutil.copytree(corpus, copy)
    config = Config().with_corpus(copy)
    index = dataclasses.replace(config.index, poll_seconds=POLL, path=tmp_path / "idx")
    config = dataclasses.replace(config, index=index, alerts=AlertsConfig(**alerts))
    return Engine.from_config(config), copy


def _write(corpus: Path, article: tuple[str, str, str, str]) -> None:
    name, title, publisher, body = article
    text = ARTICLE.format(name=name, title=title, publisher=publisher, body=body)
    (corpus / name).write_text(text, encoding="utf-8")


async def _callback(fake, interaction_id):
    call = await fake.wait_for(
        lambda c: c.path == f"/interactions/{interaction_id}/token-{interaction_id}/callback"
    )
    return call.body["data"]


async def _reply(fake, interaction_id):
    """The message an interaction was answered with (directly or after deferring)."""
    call = await fake.wait_for(
        lambda c: c.path == f"/interactions/{interaction_id}/token-{interaction_id}/callback"
    )
    if call.body["type"] == 5:
        follow = await fake.wait_for(
            lambda c: c.method == "POST" and c.path.endswith(f"/token-{interaction_id}")
        )
        return follow.body
    return call.body["data"]


async def _started(harness) -> None:
    """Wait until the alert loop has taken the archive as seen (its first look)."""
    bot = harness.bot
    keys = [a.key for a in bot.engine.texts()]
    for _ in range(200):
        if await bot.run_engine(bot.store.unseen, keys) == []:
            return
        await asyncio.sleep(POLL)
    raise AssertionError("the alert loop never started")


async def _follow_in_channel(h, topic: str = "Kelvin Bridge") -> None:
    """A moderator follows `topic` for the channel; the alert loop has taken its first look."""
    await h.fake.slash("follow", MODERATOR, permissions=MODERATOR_PERMISSIONS, topic=topic)
    await h.fake.wait_for(lambda c: "/callback" in c.path)
    await _started(h)


async def _until(done, seconds: float = 15.0) -> None:
    """Wait for a condition on the bot's side (the store), which no fake call signals."""
    for _ in range(int(seconds / POLL)):
        if done():
            return
        await asyncio.sleep(POLL)
    raise AssertionError("timed out")


def _titles(calls) -> list[str]:
    return [e["title"] for c in calls for e in c.body.get("embeds") or []]


async def _settle(fake, seconds: float = 12 * POLL) -> None:
    await asyncio.sleep(seconds)  # several polls: anything repeated would have been sent


async def test_follow_then_a_new_file_gives_one_alert_in_the_channel_and_one_dm(
    tmp_path, monkeypatch
):
    engine, corpus = _engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        iid = await fake.slash(
            "follow", MODERATOR, permissions=MODERATOR_PERMISSIONS, topic="Kelvin Bridge"
        )
        said = await _callback(fake, iid)
        assert "this channel" in said["content"] and not said.get("flags", 0) & 64
        iid = await fake.slash("follow", MEMBER, topic="kelvin bridge")
        said = await _callback(fake, iid)
        assert "direct message" in said["content"] and said["flags"] & 64
        await _started(h)
        _write(corpus, REOPEN)
        alert = await fake.wait_for(lambda c: bool(_titles(fake.posted_in(CHANNEL_ID))))
        dm_channel = fake.dm_channels.get(MEMBER) or await _dm(fake, MEMBER)
        await fake.wait_for(lambda c: bool(fake.posted_in(dm_channel)))
        await _settle(fake)
        assert _titles(fake.posted_in(CHANNEL_ID)) == ["Kelvin Bridge to reopen on Friday"]
        assert _titles(fake.posted_in(dm_channel)) == ["Kelvin Bridge to reopen on Friday"]
        body = fake.posted_in(CHANNEL_ID)[0].body
        assert body["allowed_mentions"] == {"parse": []}
        (embed,) = body["embeds"]
        assert "**Kelvin Bridge**" in embed["description"]
        assert embed["author"]["name"] == "New on Kelvin Bridge"
        assert embed["url"] == "https://news.example/reopen.md"
        assert alert.status == 200


REOPEN_COPY = (  # a second outlet's version of REOPEN, in its own words
    "reopen-radio.md",
    "Repaired Kelvin Bridge reopens to traffic at the weekend",
    "Almer Radio News",
    "The Kelvin Bridge reopens to traffic on Friday with the cracked girder replaced.",
)


async def test_a_second_outlets_copy_in_a_later_refresh_is_not_a_second_alert(
    tmp_path, monkeypatch
):
    engine, corpus = _engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        await _follow_in_channel(h)
        _write(corpus, REOPEN)
        await fake.wait_for(lambda c: bool(_titles(fake.posted_in(CHANNEL_ID))))
        store = h.bot.store
        bridge = store.find("Kelvin Bridge", "channel", CHANNEL_ID)
        _write(corpus, REOPEN_COPY)  # lands after the first alert went out
        copy = f"{REOPEN_COPY[0]}#0"  # the file's one article
        await _until(lambda: store.unseen([copy]) == [])  # matched by a later refresh
        await _settle(fake)
        assert _titles(fake.posted_in(CHANNEL_ID)) == ["Kelvin Bridge to reopen on Friday"]
        assert list(store.covered(bridge.id)) == [copy]  # recorded as the alert's story


async def _dm(fake, user_id):
    await fake.wait_for(lambda c: user_id in fake.dm_channels)
    return fake.dm_channels[user_id]


async def test_a_restart_neither_repeats_nor_loses_an_alert(tmp_path, monkeypatch):
    engine, corpus = _engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        await _follow_in_channel(h)
        _write(corpus, REOPEN)
        store = h.bot.store
        await _until(lambda: store.delivered_since("channel", CHANNEL_ID, 0) == 1)
    _write(corpus, TOLL)  # lands while the bot is down
    engine, _ = _engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        await h.fake.wait_for(lambda c: bool(h.fake.posted_in(CHANNEL_ID)))
        await _settle(h.fake)
        assert _titles(h.fake.posted_in(CHANNEL_ID)) == ["No toll for the repaired Kelvin Bridge"]


async def test_an_alert_discord_took_but_the_store_did_not_record_is_not_posted_twice(
    tmp_path, monkeypatch
):
    """The window a crash can fall in: Discord accepted the post, recording it failed. The
    retry carries the same nonce, so Discord hands back the first message."""
    engine, corpus = _engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        store = h.bot.store
        record, failures = store.sent, []

        def sent_but_not_recorded(pending, summarised=False):
            if not failures:
                failures.append(pending)
                raise OSError("disk full")
            record(pending, summarised)

        monkeypatch.setattr(store, "sent", sent_but_not_recorded)
        await _follow_in_channel(h)
        _write(corpus, REOPEN)
        await _until(lambda: store.delivered_since("channel", CHANNEL_ID, 0) == 1)
        await _settle(h.fake)
        assert failures, "recording never failed: the window was not exercised"
        tries = [c for c in h.fake.calls if c.path == f"/channels/{CHANNEL_ID}/messages"]
        assert len(tries) == 2 and tries[1].repeat  # tried again, answered with the first
        assert _titles(h.fake.posted_in(CHANNEL_ID)) == ["Kelvin Bridge to reopen on Friday"]


async def test_alerts_over_the_hourly_cap_become_one_more_message(tmp_path, monkeypatch):
    engine, corpus = _engine(tmp_path, per_channel_per_hour=1)
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        await _follow_in_channel(h)
        for article in (REOPEN, TOLL, LIGHTS):
            _write(corpus, article)
        await fake.wait_for(lambda c: len(fake.posted_in(CHANNEL_ID)) >= 2)
        await _settle(fake)
        posted = fake.posted_in(CHANNEL_ID)
        assert len(posted) == 2 and len(_titles(posted)) == 1
        assert posted[1].body["content"].startswith("2 more on Kelvin Bridge this hour")


async def test_a_channel_the_bot_cannot_post_in_is_paused_not_retried(
    tmp_path, monkeypatch, caplog
):
    engine, corpus = _engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        await _follow_in_channel(h)
        missing = {"message": "Missing Permissions", "code": 50013}
        fake.faults[("POST", f"/channels/{CHANNEL_ID}/messages")] = [(403, missing)] * 50
        _write(corpus, REOPEN)
        await fake.wait_for(lambda c: c.path == f"/channels/{CHANNEL_ID}/messages")
        _write(corpus, TOLL)
        await _settle(fake)
        tries = [c for c in fake.calls if c.path == f"/channels/{CHANNEL_ID}/messages"]
        assert len(tries) == 1
        (sub,) = h.bot.store.subscriptions("channel", CHANNEL_ID)
        assert sub.paused
        assert sum("paused its subscriptions" in r.message for r in caplog.records) == 1


async def test_digest_groups_each_story_told_by_several_outlets(tmp_path, monkeypatch):
    engine, _ = _engine(tmp_path)
    async with running_bot(engine, monkeypatch, page_size=10) as h:
        iid = await h.fake.slash("digest", MEMBER, since="2026-11-29")
        (embed,) = (await _reply(h.fake, iid))["embeds"]
        entries = embed["description"].split("\n\n")
        assert len(entries) == 7  # seven stories in fourteen dated articles
        ferry = next(e for e in entries if "erry" in e.split("\n")[0])
        assert "Almer Gazette, Almer Radio News, Port Almer Courier" in ferry
        assert sum("Kelvin Bridge" in e.split("\n")[0] for e in entries) == 1
        assert "7 stories from 14 articles" in embed["footer"]["text"]


async def test_the_daily_digest_is_posted_once_a_day(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    engine, _ = _engine(tmp_path)
    settings = {"digest_channels": (CHANNEL_ID,), "digest_time": "09:00"}
    async with running_bot(engine, monkeypatch, **settings) as h:
        digests = h.bot.get_cog("Digests")
        at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        await digests.post_digests(at)
        await digests.post_digests(at)  # a second wake-up the same day posts nothing
        titles = _titles(h.fake.posted_in(CHANNEL_ID))
        assert titles == ["Daily digest · 1 Dec 2026"]
        await digests.post_digests(datetime(2030, 1, 1, 9, 0, tzinfo=UTC))  # a quiet day
        assert h.fake.posted_in(CHANNEL_ID)[-1].body["content"].startswith("No news since")


async def test_timeline_is_oldest_first(tmp_path, monkeypatch):
    engine, corpus = _engine(tmp_path)
    later = ARTICLE.replace("2026-12-02", "2026-12-05")  # days later: the story's next event
    name, title, publisher, body = REOPEN
    text = later.format(name=name, title=title, publisher=publisher, body=body)
    (corpus / name).write_text(text, encoding="utf-8")
    engine = engine.refreshed() or engine
    async with running_bot(engine, monkeypatch) as h:
        iid = await h.fake.slash("timeline", MEMBER, topic="Kelvin Bridge")
        (embed,) = (await _reply(h.fake, iid))["embeds"]
        stamps = [int(t) for t in re.findall(r"<t:(\d+):f>", embed["description"])]
        assert len(stamps) == 2 and stamps == sorted(stamps)
        assert "1 undated article left out" in embed["footer"]["text"]


async def test_following_lists_and_removes(tmp_path, monkeypatch):
    engine, _ = _engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        for topic in ("Kelvin Bridge", "ferry fares"):
            await _callback(fake, await fake.slash("follow", MEMBER, topic=topic))
        iid = await fake.slash("following", MEMBER)
        data = await _callback(fake, iid)
        assert "Kelvin Bridge" in data["embeds"][0]["description"]
        sent = fake.message(CHANNEL_ID, data, id=fake.callback_message_ids[iid])
        (first, _) = h.bot.store.subscriptions("dm", MEMBER)
        chosen = await fake.choose(sent, [str(first.id)], MEMBER)
        edited = await _callback(fake, chosen)
        assert "Kelvin Bridge" not in edited["embeds"][0]["description"]
        assert [s.topic for s in h.bot.store.subscriptions("dm", MEMBER)] == ["ferry fares"]


async def test_a_follow_up_in_the_thread_carries_the_question_over(tmp_path, monkeypatch):
    engine, _ = _engine(tmp_path, corpus=BUNDLED_CORPUS)
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        iid = await fake.slash("ask", MEMBER, question="How much was Northfield Water fined?")
        data = await _reply(fake, iid)
        card = fake.message(CHANNEL_ID, data, id=fake.callback_message_ids[iid])
        await fake.click(card, "Ask a follow-up", MODERATOR)  # anyone may follow up
        opened = await fake.wait_for(lambda c: c.path.endswith(f"/{card['id']}/threads"))
        assert opened.body["name"] == "Follow-up: How much was Northfield Water fined?"
        await _until(lambda: h.bot.store.conversation(int(card["id"])) is not None)
        await fake.say(
            f"<@{BOT_ID}> why was it fined?", MODERATOR, mentions=[BOT_USER], channel_id=card["id"]
        )
        await _until(lambda: bool(fake.posted_in(card["id"])))
        (answered,) = fake.posted_in(card["id"])
        (embed,) = answered.body["embeds"]
        assert embed["description"].startswith("Reading this as: why was Northfield Water fined?")
        assert "Northfield" in embed["title"]
        labels = [c["label"] for row in answered.body["components"] for c in row["components"]]
        assert "Ask a follow-up" not in labels  # no threads inside a thread
        await _settle(fake)
        assert not fake.posted_in(CHANNEL_ID)  # the channel's own listener left it alone

"""Corpus content in replies, through the real discord.py client and a fake Discord that
validates like Discord: a link Discord would refuse never costs the answer, a reply Discord
refuses anyway is sent once more in plain text, and the bot's token never leaves."""

import json
import re

import discord
import pytest
from fake_discord import BOT_ID, BOT_USER, CHANNEL_ID, INVALID_FORM_BODY
from loopback import TOKEN, running_bot
from test_loopback import ASKER

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.models import Article

BAD_URLS = {
    "javascript": "javascript:alert(document.cookie)",
    "no-scheme": "www.example.com/story",
    "ftp": "ftp://files.example.com/story.txt",
    "too-long": "https://example.com/story?" + "q=1&" * 600,
}
INVALID = {
    "message": "Invalid Form Body",
    "code": INVALID_FORM_BODY,
    "errors": {"embeds": {"0": {"title": {"_errors": [{"code": "X", "message": "No."}]}}}},
}


def _engine(*articles: Article) -> Engine:
    """An engine over `articles` and enough others for BM25 to tell them apart."""
    topics = ["council budget", "school meals", "river cleanup", "bus timetable", "library"]
    others = [
        Article(f"On the {t}", (f"A short note about the {t} and its costs.",), f"o{n}.txt")
        for n, t in enumerate(topics)
    ]
    return Engine.from_articles([*articles, *others], Config())


def _lighthouse(url: str) -> Article:
    return Article(
        "Lighthouse reopens to visitors",
        (
            "The old lighthouse at Port Aven reopened to visitors on Sunday after repairs.",
            "Keepers said the lighthouse lamp was restored by volunteers over two winters.",
        ),
        "lighthouse.jsonl",
        publisher="Harbour Herald",
        url=url,
    )


def _ferry(url: str) -> Article:
    return Article(
        "Ferry crews return to work",
        ("Ferry crews returned to work at the lighthouse pier after the pay dispute ended.",),
        "ferry.jsonl",
        position=1,
        publisher="Coast Times",
        url=url,
    )


def _bot_messages(fake):
    """(status, message payload) for everything the bot tried to post or edit."""
    for call in fake.calls:
        if call.method not in ("POST", "PATCH") or not isinstance(call.body, dict):
            continue
        if call.path.endswith("/callback"):
            if call.body.get("type") in (4, 7):
                yield call.status, call.body["data"]
        elif call.path.startswith(("/webhooks/", "/channels/")) and "typing" not in call.path:
            yield call.status, call.body


async def _accepted(fake, match, timeout=15.0):
    """The first call matching `match` that the fake Discord accepted."""
    return await fake.wait_for(lambda c: c.status == 200 and match(c), timeout)


def _callback(iid):
    return lambda c: c.path == f"/interactions/{iid}/token-{iid}/callback"


def _posted(c):
    return c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages"


async def test_the_fake_refuses_what_discord_refuses(shared_engine, monkeypatch):
    async with running_bot(shared_engine, monkeypatch) as h:
        channel = h.bot.get_channel(CHANNEL_ID)
        for url in BAD_URLS.values():
            with pytest.raises(discord.HTTPException) as err:
                await channel.send(embed=discord.Embed(title="t", url=url))
            assert err.value.status == 400 and err.value.code == INVALID_FORM_BODY
            assert "Not a well formed URL" in err.value.text
        with pytest.raises(discord.HTTPException):
            await channel.send(embed=discord.Embed(title="x" * 257))
        await channel.send(embed=discord.Embed(title="t", url="https://example.com/story"))


@pytest.mark.parametrize("kind", sorted(BAD_URLS))
async def test_articles_with_bad_links_are_answered_in_full(kind, monkeypatch):
    url = BAD_URLS[kind]
    engine = _engine(_lighthouse(url), _ferry(url))
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        iid = await fake.slash("ask", ASKER, question="What happened at the lighthouse?")
        card = (await _accepted(fake, _callback(iid))).body["data"]
        (embed,) = card["embeds"]
        assert "to visitors on Sunday" in embed["description"]
        assert embed["title"] == "Lighthouse reopens to visitors" and "url" not in embed
        assert "lighthouse.jsonl" not in str(embed)  # the file only on the passage card

        sent = fake.message(CHANNEL_ID, card, id=fake.callback_message_ids[iid])
        click = await fake.click(sent, "Show passage", ASKER)
        passage = (await _accepted(fake, _callback(click))).body["data"]["embeds"][0]
        assert "restored by volunteers" in passage["description"] and "url" not in passage
        assert "lighthouse.jsonl" in passage["footer"]["text"]
        click = await fake.click(sent, "More answers", ASKER)
        more = (await _accepted(fake, _callback(click))).body["data"]["embeds"][0]
        assert more["title"] == "Ferry crews return to work" and "url" not in more

        await fake.say(f"<@{BOT_ID}> when did the lighthouse reopen?", ASKER, mentions=[BOT_USER])
        (embed,) = (await _accepted(fake, _posted)).body["embeds"]
        assert "to visitors on Sunday" in embed["description"] and "url" not in embed

        iid = await fake.slash("search", ASKER, query="lighthouse", limit=2)
        page = (await _accepted(fake, _callback(iid))).body["data"]["embeds"][0]
        names = [f["name"] for f in page["fields"]]
        assert any("Lighthouse reopens" in n for n in names)
        assert any("Ferry crews" in n for n in names)

        statuses = [status for status, _ in _bot_messages(fake)]
        assert statuses and set(statuses) == {200}  # right the first time: no fallback needed


async def test_a_good_link_is_kept_on_the_card(monkeypatch):
    engine = _engine(_lighthouse("https://herald.example/lighthouse"), _ferry(""))
    async with running_bot(engine, monkeypatch) as h:
        iid = await h.fake.slash("ask", ASKER, question="When did the lighthouse reopen?")
        card = (await _accepted(h.fake, _callback(iid))).body["data"]
        assert card["embeds"][0]["url"] == "https://herald.example/lighthouse"


async def test_a_refused_card_is_sent_once_more_as_plain_text(monkeypatch, caplog):
    engine = _engine(_lighthouse("https://herald.example/lighthouse"), _ferry(""))
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        fake.faults[("POST", "/interactions/")] = [(400, INVALID)]
        iid = await fake.slash("ask", ASKER, question="When did the lighthouse reopen?")
        plain = (await _accepted(fake, _callback(iid))).body["data"]
        assert not plain.get("embeds") and not plain.get("components")
        assert "to visitors on Sunday" in plain["content"]
        assert "Lighthouse reopens to visitors" in plain["content"]
        assert "Harbour Herald" in plain["content"] and "lighthouse.jsonl" not in plain["content"]
        assert len(fake.replies_to(iid)) == 2  # the refused card, then its plain version

        fake.faults[("POST", f"/channels/{CHANNEL_ID}/messages")] = [(400, INVALID)]
        await fake.say(f"<@{BOT_ID}> when did the lighthouse reopen?", ASKER, mentions=[BOT_USER])
        plain = (await _accepted(fake, _posted)).body
        assert not plain.get("embeds") and "to visitors on Sunday" in plain["content"]
    assert "Discord refused a reply as invalid" in caplog.text


async def test_a_card_refused_twice_is_reported_as_our_error(monkeypatch):
    engine = _engine(_lighthouse("https://herald.example/lighthouse"), _ferry(""))
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        fake.faults[("POST", "/interactions/")] = [(400, INVALID), (400, INVALID)]
        iid = await fake.slash("ask", ASKER, question="When did the lighthouse reopen?")
        report = (await _accepted(fake, _callback(iid))).body["data"]
        assert "Something went wrong on our side" in report["content"]
        assert report["flags"] & 64 and len(fake.replies_to(iid)) == 3


def _shows_token(payload) -> bool:
    visible = re.sub(r"[^A-Za-z0-9._-]", "", json.dumps(payload))
    return TOKEN in visible or TOKEN.rsplit(".", 1)[1] in visible


async def test_a_corpus_article_holding_the_token_never_reaches_a_reply(monkeypatch, caplog):
    leak = Article(
        "Bot credentials posted " + TOKEN,
        (f"The harbour office posted the bot credentials {TOKEN} on its notice board.",),
        "leak.txt",
        publisher=f"Leaky {TOKEN}",
    )
    engine = _engine(leak)
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        question = "What did the harbour office post on its notice board?"
        asked = [
            await fake.slash("ask", ASKER, question=question),
            await fake.slash("search", ASKER, query="harbour notice board credentials"),
            await fake.slash("search", ASKER, query="harbour", publisher="Nobody Weekly"),
            await fake.slash("sources", ASKER),
        ]
        await fake.say(f"<@{BOT_ID}> {question}", ASKER, mentions=[BOT_USER])
        replies = [(await _accepted(fake, _callback(i))).body["data"] for i in asked]
        replies.append((await _accepted(fake, _posted)).body)
        for reply in replies:
            assert "can't post this reply" in reply["content"]
            assert not reply.get("embeds") and not reply.get("components")
        assert h.bot.publisher_choices("leaky") == []
        assert engine.ask(question).answers[0].text.count(TOKEN) == 1  # it was there to leak
    payloads = [payload for _, payload in _bot_messages(fake)]
    assert len(payloads) == 5 and not any(_shows_token(p) for p in payloads)
    assert "withheld a reply" in caplog.text and TOKEN not in caplog.text

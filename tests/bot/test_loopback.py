"""End-to-end: the real discord.py client, the JSON it sends to a fake Discord."""

from __future__ import annotations

import asyncio
import json

from fake_discord import BOT_ID, BOT_USER, CHANNEL_ID, GUILD_ID, user
from loopback import live_engine, running_bot, slow_down

ASKER, OTHER = 700000000000000001, 700000000000000002


def _is_callback(interaction_id):
    return lambda c: c.path == f"/interactions/{interaction_id}/token-{interaction_id}/callback"


async def _reply(fake, interaction_id):
    """The message the bot answered an interaction with (directly or after deferring)."""
    call = await fake.wait_for(_is_callback(interaction_id))
    if call.body["type"] == 5:
        follow = await fake.wait_for(
            lambda c: c.method == "POST" and c.path.endswith(f"/token-{interaction_id}")
        )
        return follow.body
    return call.body["data"]


async def test_login_syncs_commands_to_the_configured_guild(harness):
    fake = harness.fake
    sync = await fake.wait_for(lambda c: c.method == "PUT" and c.path.endswith("/commands"))
    assert sync.path == f"/applications/{harness.bot.application_id}/guilds/{GUILD_ID}/commands"
    assert {c["name"] for c in sync.body} == {
        "ask",
        "search",
        "sources",
        "latest",
        "help",
        "follow",
        "unfollow",
        "following",
        "digest",
        "timeline",
    }
    ask = next(c for c in sync.body if c["name"] == "ask")
    assert [o["name"] for o in ask["options"]] == ["question", "since", "until"]
    assert fake.identify and not fake.identify[0]["intents"] & (1 << 15)  # no message content


async def test_ask_golden_question_gives_a_card_with_text_headline_and_buttons(harness):
    fake = harness.fake
    iid = await fake.slash("ask", ASKER, question="Who chaired the meeting of defence ministers?")
    data = await _reply(fake, iid)
    (embed,) = data["embeds"]
    assert "Sébastien Lecornu" in embed["description"]
    assert "**chaired**" in embed["description"]
    assert embed["title"].endswith("Coalition of the willing' talks failed, says EU chief")
    # a public card names the publisher, never the corpus file; one answer is not counted
    assert "003_d84d7595829b207d" not in json.dumps(embed) and "footer" not in embed
    labels = [c["label"] for row in data["components"] for c in row["components"]]
    assert labels == ["More answers", "Show passage", "Ask a follow-up"]
    assert data["allowed_mentions"] == {"parse": []}


async def test_more_answers_and_show_passage_buttons(harness):
    fake = harness.fake
    # Three articles answer this one (further answers appear only when they stand alone).
    iid = await fake.slash("ask", ASKER, question="What did Trump say about tariffs?")
    data = await _reply(fake, iid)
    first_title = data["embeds"][0]["title"]
    sent = fake.message("1", data, id=_message_id(fake, iid))
    click = await fake.click(sent, "More answers", ASKER)
    update = await fake.wait_for(_is_callback(click))
    assert update.body["type"] == 7  # the card is edited in place
    assert update.body["data"]["embeds"][0]["title"] != first_title
    assert "Answer 2 of" in update.body["data"]["embeds"][0]["footer"]["text"]

    click = await fake.click(sent, "Show passage", OTHER)  # anyone may read the passage
    passage = await fake.wait_for(_is_callback(click))
    assert passage.body["type"] == 4 and passage.body["data"]["flags"] & 64  # ephemeral
    assert ".txt" in passage.body["data"]["embeds"][0]["footer"]["text"]  # the file is here

    click = await fake.click(sent, "More answers", OTHER)  # only the asker moves the card
    refused = await fake.wait_for(_is_callback(click))
    assert (
        refused.body["data"]["flags"] & 64
        and "Only the person who asked" in (refused.body["data"]["content"])
    )


def _message_id(fake, interaction_id):
    """The id the fake gave the message created by an interaction's callback."""
    return fake.callback_message_ids[interaction_id]


async def test_unanswerable_question_says_so(harness):
    iid = await harness.fake.slash("ask", ASKER, question="What is the capital of Peru?")
    data = await _reply(harness.fake, iid)
    (embed,) = data["embeds"]
    assert embed["title"] == "No answer in the indexed articles"
    assert "Peru" in embed["description"]
    assert "components" not in data or not data["components"]


async def test_bad_questions_get_ephemeral_help(harness):
    for question in ["", "x" * 3000, "what is it and who are they?"]:
        iid = await harness.fake.slash("ask", ASKER, question=question)
        call = await harness.fake.wait_for(_is_callback(iid))
        assert call.body["type"] == 4 and call.body["data"]["flags"] & 64
        assert "Traceback" not in call.body["data"]["content"]
    unknown = await harness.fake.slash("search", ASKER, query="Trump", publisher="Nobody Weekly")
    call = await harness.fake.wait_for(_is_callback(unknown))
    assert "Known publishers" in call.body["data"]["content"]


async def test_search_pages_by_button_only_for_the_asker(harness):
    fake = harness.fake
    iid = await fake.slash("search", ASKER, query="Trump Ukraine", limit=12)
    data = await _reply(fake, iid)
    (page1,) = data["embeds"]
    assert page1["footer"]["text"].startswith("page 1 of 3")
    assert len(page1["fields"]) == 5
    sent = fake.message("1", data, id=_message_id(fake, iid))
    refused = await fake.click(sent, "Next", OTHER)
    call = await fake.wait_for(_is_callback(refused))
    assert call.body["type"] == 4 and call.body["data"]["flags"] & 64
    moved = await fake.click(sent, "Next", ASKER)
    call = await fake.wait_for(_is_callback(moved))
    assert call.body["type"] == 7
    assert call.body["data"]["embeds"][0]["footer"]["text"].startswith("page 2 of 3")
    assert call.body["data"]["embeds"][0]["fields"][0]["name"].startswith("6. ")


async def test_mention_gets_a_reply_card(harness):
    fake = harness.fake
    asked = await fake.say(
        f"<@{BOT_ID}> who chaired the meeting of defence ministers?", ASKER, mentions=[BOT_USER]
    )
    call = await fake.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"))
    assert "Sébastien Lecornu" in call.body["embeds"][0]["description"]
    assert str(call.body["message_reference"]["message_id"]) == asked
    assert call.body["allowed_mentions"] == {"parse": [], "replied_user": False}


async def _health(bot, want: str):
    """The health check's verdict once it starts with `want` (or the last one, after 4 s)."""
    import time

    from bot import health

    for _ in range(200):
        healthy, why = health.check(bot.heartbeat_path, time.time())
        if why.startswith(want):
            break
        await asyncio.sleep(0.02)
    return healthy, why


async def test_the_running_bot_keeps_a_healthy_heartbeat(harness):
    healthy, why = await _health(harness.bot, "ok: connected")
    assert healthy and why.startswith("ok: connected"), why
    await harness.fake.ws.close()  # the gateway drops the bot mid-session
    for _ in range(200):
        if harness.fake.resumes or len(harness.fake.identify) > 1:
            break
        await asyncio.sleep(0.02)
    assert harness.fake.resumes or len(harness.fake.identify) > 1  # it came back
    healthy, why = await _health(harness.bot, "ok: connected")
    assert healthy and why.startswith("ok: connected"), why
    iid = await harness.fake.slash("ask", ASKER, question="Who chaired the meeting?")
    assert "Lecornu" in (await _reply(harness.fake, iid))["embeds"][0]["description"]


async def test_messages_without_a_mention_are_ignored(harness):
    fake = harness.fake
    await fake.say("who chaired the meeting of defence ministers?", ASKER)
    await fake.slash("help", ASKER)  # a later event proves the first was processed
    await fake.wait_for(lambda c: "/callback" in c.path)
    assert not [c for c in fake.calls if c.path.endswith("/messages")]


async def test_twenty_concurrent_asks_are_all_answered(harness):
    fake = harness.fake
    questions = ["Who chaired the meeting of defence ministers?", "What is the capital of Peru?"]
    ids = await asyncio.gather(
        *(fake.slash("ask", ASKER + n, question=questions[n % 2]) for n in range(20))
    )
    replies = await asyncio.gather(*(_reply(fake, i) for i in ids))
    assert len(replies) == 20
    assert all(r["embeds"] for r in replies)


def _message_payloads(fake):
    """Every message body the bot sent: callbacks with a message, followups, channel posts."""
    for call in fake.calls:
        if call.method not in ("POST", "PATCH") or not isinstance(call.body, dict):
            continue
        if call.path.endswith("/callback"):
            if call.body["type"] in (4, 7):
                yield call.body["data"]
        elif call.path.startswith(("/webhooks/", "/channels/")) and "typing" not in call.path:
            yield call.body


async def test_everyone_in_corpus_text_and_in_questions_pings_nobody(monkeypatch):
    from retrieval.answering.engine import Engine
    from retrieval.config import Config
    from retrieval.models import Article

    article = Article(
        "Council vote @everyone notice",
        (
            "The council told @everyone and @here, and <@123456789012345678>, that the vote "
            "on the harbour plan passed by 12 votes to 3.",
        ),
        "notice.txt",
        publisher="Gazette",
    )
    others = [
        Article(
            f"Other story {n}", (f"Unrelated text about ferries and trains, part {n}.",), "o.txt", n
        )
        for n in range(1, 4)
    ]
    engine = Engine.from_articles([article, *others], Config())
    async with running_bot(engine, monkeypatch) as h:
        fake = h.fake
        ids = [
            await fake.slash("ask", ASKER, question="@everyone how did the harbour vote go?"),
            await fake.slash("search", ASKER, query="<@123456789012345678> harbour vote"),
        ]
        await fake.say(
            f"<@{BOT_ID}> @here what passed at the council vote?", ASKER, mentions=[BOT_USER]
        )
        for i in ids:
            await _reply(fake, i)
        await fake.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"))
        payloads = list(_message_payloads(fake))
        assert len(payloads) == 3
        for body in payloads:
            assert body["allowed_mentions"]["parse"] == []
            text = str(body.get("embeds", "")) + str(body.get("content", ""))
            assert "@everyone" not in text and "@here" not in text  # shown defused


async def test_every_reply_in_a_session_carries_no_mentions(harness):
    fake = harness.fake
    iid = await fake.slash("ask", ASKER, question="What did the coalition decide about troops?")
    data = await _reply(fake, iid)
    sent = fake.message("1", data, id=_message_id(fake, iid))
    await fake.wait_for(_is_callback(await fake.click(sent, "More answers", ASKER)))
    await fake.wait_for(_is_callback(await fake.click(sent, "Show passage", ASKER)))
    await fake.wait_for(_is_callback(await fake.slash("sources", ASKER)))
    await fake.wait_for(_is_callback(await fake.slash("help", ASKER)))
    payloads = list(_message_payloads(fake))
    assert len(payloads) == 5
    assert all(p["allowed_mentions"]["parse"] == [] for p in payloads)


async def test_cooldown_answers_a_flood_politely(shared_engine, monkeypatch):
    async with running_bot(shared_engine, monkeypatch, cooldown_uses=2) as h:
        ids = [
            await h.fake.slash("ask", ASKER, question="Who chaired the meeting?") for _ in range(3)
        ]
        calls = [await h.fake.wait_for(_is_callback(i)) for i in ids]
        assert [c.body["data"].get("flags", 0) & 64 for c in calls] == [0, 0, 64]
        assert "asking quickly" in calls[2].body["data"]["content"]
        other = await h.fake.slash("ask", OTHER, question="Who chaired the meeting?")
        assert not (await h.fake.wait_for(_is_callback(other))).body["data"].get("flags", 0)


async def test_slow_answers_are_deferred_then_followed_up(shared_engine, monkeypatch):
    slow_down(shared_engine, 0.3, monkeypatch)
    async with running_bot(shared_engine, monkeypatch, defer_after_seconds=0.05) as h:
        iid = await h.fake.slash("ask", ASKER, question="Who chaired the meeting?")
        first = await h.fake.wait_for(_is_callback(iid))
        assert first.body["type"] == 5  # "thinking…"
        data = await _reply(h.fake, iid)
        assert "Lecornu" in data["embeds"][0]["description"]


async def test_our_errors_are_logged_with_traceback_and_reported_without(
    shared_engine, monkeypatch, caplog
):
    def broken(question, publisher=None):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(shared_engine, "ask", broken)
    async with running_bot(shared_engine, monkeypatch) as h:
        iid = await h.fake.slash("ask", ASKER, question="Who chaired the meeting?")
        call = await h.fake.wait_for(_is_callback(iid))
        assert call.body["data"]["flags"] & 64
        assert "Something went wrong on our side" in call.body["data"]["content"]
        assert "index exploded" not in call.body["data"]["content"]
    logged = [r for r in caplog.records if r.exc_info and "index exploded" in str(r.exc_info[1])]
    assert logged


async def test_new_corpus_files_are_picked_up_while_running(tmp_path, monkeypatch):
    engine, corpus = live_engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        question = "Who won the regional chess championship?"
        first = await _reply(h.fake, await h.fake.slash("ask", ASKER, question=question))
        assert first["embeds"][0]["title"] == "No answer in the indexed articles"
        draft = corpus / ".chess.txt"  # written aside, then moved in: no poll sees half of it
        draft.write_text(
            "Chess title for Port Aven teenager\n\n"
            "Fourteen-year-old Mira Chen won the regional chess championship on Sunday.\n"
        )
        draft.rename(corpus / "chess.txt")
        for _ in range(100):
            if h.bot.engine is not engine:
                break
            await asyncio.sleep(0.05)
        assert h.bot.engine is not engine
        # One poll, one new segment with the new file; the indexed segment is reused as is.
        segments = h.bot.engine.backend.index.segments
        assert segments[0] is engine.backend.index.segments[0]
        assert segments[-1].files == ["chess.txt"]
        second = await _reply(h.fake, await h.fake.slash("ask", ASKER, question=question))
        assert "Mira Chen" in second["embeds"][0]["description"]


async def test_a_vanished_corpus_keeps_the_last_index_serving(tmp_path, monkeypatch, caplog):
    engine, corpus = live_engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        corpus.rename(tmp_path / "away")
        for _ in range(100):
            if "corpus unavailable" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "corpus unavailable" in caplog.text
        question = "When will the night trams run?"
        data = await _reply(h.fake, await h.fake.slash("ask", ASKER, question=question))
        assert "midnight" in data["embeds"][0]["description"]
        (tmp_path / "away").rename(corpus)
        (corpus / "late.txt").write_text("Late story\n\nThe lighthouse reopened to visitors.\n")
        for _ in range(100):
            if h.bot.engine is not engine:
                break
            await asyncio.sleep(0.05)
        assert any(a.headline == "Late story" for a in h.bot.engine.backend.articles)


async def test_live_views_are_capped_so_floods_cannot_grow_memory(shared_engine, monkeypatch):
    async with running_bot(shared_engine, monkeypatch, max_live_views=3) as h:
        ids = [
            await h.fake.slash("ask", ASKER, question="Who chaired the meeting?") for _ in range(6)
        ]
        for i in ids:
            await _reply(h.fake, i)
        live = [v for v in h.bot._views if not v.is_finished()]
        assert len(live) == 3
        first = h.fake.message(
            "1",
            (await h.fake.wait_for(_is_callback(ids[0]))).body["data"],
            id=_message_id(h.fake, ids[0]),
        )
        await h.fake.click(first, "Show passage", ASKER)  # its view stopped: not answered
        last = h.fake.message(
            "1",
            (await h.fake.wait_for(_is_callback(ids[-1]))).body["data"],
            id=_message_id(h.fake, ids[-1]),
        )
        click = await h.fake.click(last, "Show passage", ASKER)
        assert (await h.fake.wait_for(_is_callback(click))).body["type"] == 4


async def test_publisher_names_are_matched_loosely_in_search_sources_and_autocomplete(harness):
    fake = harness.fake
    data = await _reply(
        fake, await fake.slash("search", ASKER, query="Draghi", publisher="guardian")
    )
    assert "publisher: The Guardian" in data["embeds"][0]["footer"]["text"]
    data = await _reply(fake, await fake.slash("sources", ASKER, publisher="gaurdian"))
    assert data["embeds"][0]["title"] == "Indexed articles from The Guardian"
    options = [
        {"name": "query", "type": 3, "value": "Draghi"},
        {"name": "publisher", "type": 3, "value": "the guard", "focused": True},
    ]
    payload = fake.interaction(
        {"id": "1", "name": "search", "type": 1, "options": options}, ASKER, kind=4
    )
    await fake.dispatch("INTERACTION_CREATE", payload)
    call = await fake.wait_for(_is_callback(payload["id"]))
    assert call.body["type"] == 8  # autocomplete result
    assert [c["value"] for c in call.body["data"]["choices"]] == ["The Guardian"]


def _posted(fake):
    return lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages"


async def test_a_question_mentioning_others_is_answered_not_abstained(harness):
    fake = harness.fake
    other = user(OTHER, "another-member")
    question = "did Britain give up on sending troops?"
    plain = {"headline": harness.bot.engine.ask(question).answers[0].source.headline}
    for prefix in [
        f"<@{BOT_ID}> <@{OTHER}>",
        f"<@{BOT_ID}> @everyone",
        f"<@!{BOT_ID}> <@&42> <:tea:77>",
    ]:
        before = len(fake.calls)
        await fake.say(f"{prefix} {question}", ASKER, mentions=[BOT_USER, other])
        call = await fake.wait_for(lambda c, n=before: c in fake.calls[n:] and _posted(fake)(c))
        (embed,) = call.body["embeds"]
        assert embed["title"] != "No answer in the indexed articles", (prefix, embed)
        assert plain["headline"] == embed["title"]  # the same answer as without the mentions
        assert embed["author"]["name"] == f"Q: {question}"  # shown back without the markup


async def test_a_failing_typing_indicator_never_stops_the_answer(harness):
    fake = harness.fake
    forbidden = {"message": "Missing Permissions", "code": 50013}
    fake.faults[("POST", f"/channels/{CHANNEL_ID}/typing")] = [(403, forbidden)]
    await fake.say(f"<@{BOT_ID}> who chaired the meeting of defence ministers?", ASKER, [BOT_USER])
    call = await fake.wait_for(_posted(fake))
    assert "Lecornu" in call.body["embeds"][0]["description"]
    assert any(c.path.endswith("/typing") for c in fake.calls)  # it was tried, and failed


async def test_an_emptied_corpus_keeps_the_last_index_serving_and_says_why(
    tmp_path, monkeypatch, caplog
):
    engine, corpus = live_engine(tmp_path)
    async with running_bot(engine, monkeypatch) as h:
        for path in corpus.iterdir():
            path.unlink()
        for _ in range(100):
            if "no articles in corpus folder" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert f"no articles in corpus folder {corpus}" in caplog.text
        assert "still serving the last index" in caplog.text
        assert h.bot.engine is engine
        question = "When will the night trams run?"
        data = await _reply(h.fake, await h.fake.slash("ask", ASKER, question=question))
        assert "midnight" in data["embeds"][0]["description"]


async def test_links_and_markdown_in_a_question_are_not_read_as_words(harness):
    fake = harness.fake
    typed = "https://discord.gg/x what did **Witkoff** warn ||spoiler|| Putin about 🤔"
    plain = harness.bot.engine.ask("what did Witkoff warn Putin about")
    iid = await fake.slash("ask", ASKER, question=typed)
    (embed,) = (await _reply(fake, iid))["embeds"]
    assert embed["title"] == plain.answers[0].source.headline
    before = len(fake.calls)
    await fake.say(f"<@{BOT_ID}> {typed}", ASKER, mentions=[BOT_USER])
    call = await fake.wait_for(lambda c: c in fake.calls[before:] and _posted(fake)(c))
    (embed,) = call.body["embeds"]
    assert embed["title"] == plain.answers[0].source.headline
    assert embed["author"]["name"] == "Q: what did Witkoff warn Putin about"


async def test_what_is_the_latest_news_lists_the_newest_stories(harness):
    iid = await harness.fake.slash("ask", ASKER, question="What is the latest news?")
    data = await _reply(harness.fake, iid)
    (embed,) = data["embeds"]
    newest = harness.bot.engine.latest(None, 5)
    assert embed["title"] == "The newest stories"
    assert newest[0].headline.split()[0] in embed["description"]
    assert not data.get("components")  # nothing to page: /latest lists more

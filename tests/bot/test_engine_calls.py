"""Engine calls never hold the event loop: a stalled shard, a slow answer, autocomplete.

Real xapian-tcpsrv shards (one stopped with SIGSTOP mid-session), the real discord.py
client on the loopback Discord.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from fake_discord import CHANNEL_ID, SECOND_CHANNEL_ID
from helpers import BUNDLED_CORPUS
from loopback import running_bot, slow_down
from shard_servers import ShardServers

from bot.client import TOO_SLOW
from retrieval.answering.engine import Engine, write_shards
from retrieval.config import Config, XapianConfig

pytest.importorskip("xapian")

ASKER = 700000000000000300
LAG_LIMIT = 0.1  # seconds: the event loop must never be held longer than this
QUESTIONS = [
    "Who chaired the meeting of defence ministers?",
    "What did Trump say about tariffs?",
    "What is the capital of Peru?",
]


@pytest.fixture
def sharded_engine(tmp_path):
    servers = ShardServers(tmp_path / "shards")
    try:
        started = servers.start(2)
        xapian = XapianConfig(
            tuple(s.address for s in started),
            connect_timeout_seconds=0.5,
            timeout_seconds=0.5,
            retry_seconds=30.0,
        )
        config = dataclasses.replace(Config(), backend="xapian", xapian=xapian)
        write_shards(config.with_corpus(BUNDLED_CORPUS))
        yield Engine.from_config(config), started
    finally:
        servers.close()


def _final(fake, iid):
    """The reply the user sees: an immediate message, or the follow-up after deferring."""
    return lambda c: (
        c.path.endswith(f"/token-{iid}")
        or (c.path == f"/interactions/{iid}/token-{iid}/callback" and c.body["type"] != 5)
    )


async def _wave(fake, channel_ids):
    asked = []
    for n, question in enumerate(QUESTIONS * 2):
        channel = channel_ids[n % len(channel_ids)]
        asked.append(await fake.slash("ask", ASKER + n, channel_id=channel, question=question))
    first, last = channel_ids[0], channel_ids[-1]
    asked.append(await fake.slash("sources", ASKER, channel_id=first, publisher="harbour herald"))
    asked.append(await fake.slash("search", ASKER + 1, channel_id=last, query="tariffs"))
    return await asyncio.gather(*(fake.wait_for(_final(fake, i), 30) for i in asked))


async def test_one_stopped_shard_never_holds_the_event_loop(sharded_engine, monkeypatch):
    engine, servers = sharded_engine
    async with running_bot(engine, monkeypatch, workers=2) as h:
        fake, loop = h.fake, asyncio.get_running_loop()
        await _wave(fake, [CHANNEL_ID, SECOND_CHANNEL_ID])  # every worker holds connections
        lags: list[float] = []

        async def probe() -> None:
            while True:
                t = loop.time()
                await asyncio.sleep(0.01)
                lags.append(loop.time() - t - 0.01)

        prober = asyncio.create_task(probe())
        servers[1].pause()
        try:
            replies, choices = await asyncio.gather(
                _wave(fake, [CHANNEL_ID, SECOND_CHANNEL_ID]),
                _autocomplete(fake, "harbour"),
            )
        finally:
            prober.cancel()
            servers[1].resume()
    bodies = [c.body.get("data", c.body) for c in replies]
    # Every question, in both channels, got its card; /sources a card or a helpful note
    # (the publisher's articles may all be on the stopped shard).
    assert all(b.get("embeds") for b in bodies[: len(QUESTIONS) * 2])
    assert all(b.get("embeds") or b.get("content") for b in bodies)
    partial = [b for b in bodies if "unavailable" in str(b["embeds"])]
    assert partial  # answered from the shard that still runs, and saying so
    assert [c["name"] for c in choices.body["data"]["choices"]] == [
        "Harbour Herald"
    ]  # from the cache, though its shard may be down
    assert max(lags) < LAG_LIMIT, f"event loop held {max(lags) * 1000:.0f} ms"


async def _autocomplete(fake, typed):
    """A user types into /search's publisher option; the choices the bot offers."""
    data = {
        "id": "1",
        "name": "search",
        "type": 1,
        "options": [
            {"name": "query", "type": 3, "value": "tariffs"},
            {"name": "publisher", "type": 3, "value": typed, "focused": True},
        ],
    }
    payload = fake.interaction(data, ASKER, kind=4)
    await fake.dispatch("INTERACTION_CREATE", payload)
    iid = payload["id"]
    return await fake.wait_for(lambda c: c.path == f"/interactions/{iid}/token-{iid}/callback", 5)


async def test_an_answer_slower_than_the_engine_timeout_gets_a_try_again_note(
    shared_engine, monkeypatch
):
    slow_down(shared_engine, 1.0, monkeypatch)
    async with running_bot(shared_engine, monkeypatch, engine_timeout_seconds=0.3) as h:
        iid = await h.fake.slash("ask", ASKER, question="Who chaired the meeting?")
        reply = await h.fake.wait_for(_final(h.fake, iid), 10)
    assert reply.body.get("content", reply.body.get("data", {}).get("content")) == TOO_SLOW

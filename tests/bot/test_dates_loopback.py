"""Dates in Discord: /latest, since/until options and their notes, through the real client."""

from __future__ import annotations

import pytest
from helpers import BUNDLED_CORPUS
from loopback import running_bot

from retrieval.answering.engine import Engine
from retrieval.answering.filters import parse_filters
from retrieval.config import Config

ASKER = 700000000000000001


@pytest.fixture(scope="module")
def bundled() -> Engine:
    return Engine.from_config(Config().with_corpus(BUNDLED_CORPUS))


async def _reply(fake, interaction_id):
    path = f"/interactions/{interaction_id}/token-{interaction_id}/callback"
    call = await fake.wait_for(lambda c: c.path == path)
    if call.body["type"] == 5:
        follow = await fake.wait_for(
            lambda c: c.method == "POST" and c.path.endswith(f"/token-{interaction_id}")
        )
        return follow.body
    return call.body["data"]


async def test_latest_lists_newest_first_with_discord_timestamps(bundled, monkeypatch):
    async with running_bot(bundled, monkeypatch) as h:
        data = await _reply(h.fake, await h.fake.slash("latest", ASKER, topic="Quay Street"))
        (embed,) = data["embeds"]
        description = embed["description"]
        reopens = description.index("Quay Street reopens a week early")
        closes = description.index("Quay Street closes for four weeks")
        assert reopens < closes  # 22 April before 24 March
        assert "<t:" in description and ":f>" in description
        # the bundled corpus' two undated articles do not mention Quay Street: no note
        assert "undated" not in embed["footer"]["text"]
        data = await _reply(h.fake, await h.fake.slash("latest", ASKER))
        undated = sum(1 for a in bundled.backend.articles if a.date is None)
        assert f"{undated} undated articles not listed" in data["embeds"][0]["footer"]["text"]
        assert "saving" not in data["embeds"][0]["description"]


async def test_date_options_filter_exactly_and_say_what_they_left_out(bundled, monkeypatch):
    async with running_bot(bundled, monkeypatch) as h:
        iid = await h.fake.slash("search", ASKER, query="Quay Street", since="2025-04-01")
        (embed,) = (await _reply(h.fake, iid))["embeds"]
        names = [f["name"] for f in embed["fields"]]
        assert any("reopens" in n for n in names) and not any("closes" in n for n in names)
        undated = bundled.undated_left_out(parse_filters(since="2025-04-01"))
        assert undated > 0
        assert f"{undated} undated articles left out" in embed["footer"]["text"]

        iid = await h.fake.slash("ask", ASKER, question="Quay Street buses", until="2025-03-31")
        (card,) = (await _reply(h.fake, iid))["embeds"]
        assert card["title"] == "Quay Street closes for four weeks of resurfacing"

        iid = await h.fake.slash("sources", ASKER, since="last Tuesday")
        call = await h.fake.wait_for(
            lambda c: c.path == f"/interactions/{iid}/token-{iid}/callback"
        )
        assert call.body["data"]["flags"] & 64 and "is not a date" in call.body["data"]["content"]


async def test_asking_for_the_latest_answers_from_the_newest_article(bundled, monkeypatch):
    async with running_bot(bundled, monkeypatch) as h:
        iid = await h.fake.slash("ask", ASKER, question="What is the latest on Quay Street?")
        (card,) = (await _reply(h.fake, iid))["embeds"]
        newest = bundled.latest("Quay Street", 1)[0]
        assert card["title"] == newest.headline

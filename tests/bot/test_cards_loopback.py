"""Cards as a reader sees them, in the JSON the real client sends to the loopback Discord:
one date said once, no file names or raw scores, search results as highlighted fragments
with each whole passage behind a button."""

from __future__ import annotations

import json
import re

from loopback import running_bot

ASKER, OTHER = 700000000000000001, 700000000000000002
FRAGMENT_WORDS = 45  # fragments.FRAGMENT_WORDS (40) and the ellipses around a cut
_FILE = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b|\.txt\b|\.jsonl\b|\.html?\b")


async def _sent(fake, interaction_id):
    """The message an interaction's reply became (a deferred one's follow-up included)."""
    path = f"/interactions/{interaction_id}/token-{interaction_id}/callback"
    call = await fake.wait_for(lambda c: c.path == path)
    if call.body["type"] == 5:
        follow = await fake.wait_for(
            lambda c: c.method == "POST" and c.path.endswith(f"/token-{interaction_id}")
        )
        return follow.body
    return call.body["data"]


def _visible(embed: dict) -> str:
    return json.dumps({k: v for k, v in embed.items() if k not in ("url", "type")})


async def test_search_results_are_highlighted_fragments_with_passages_behind_buttons(
    shared_engine, monkeypatch
):
    async with running_bot(shared_engine, monkeypatch) as h:
        iid = await h.fake.slash("search", ASKER, query="coalition of the willing", limit=3)
        data = await _sent(h.fake, iid)
        (embed,) = data["embeds"]
        assert len(embed["fields"]) == 3
        for field in embed["fields"]:
            fragment = field["value"].split("\n")[0]
            assert "**" in fragment  # the query's words in bold
            assert len(fragment.split()) <= FRAGMENT_WORDS
            assert not re.search(r"\(\d+\.\d+\)|\[\d+\.\d+\]", field["name"] + field["value"])
        assert not _FILE.search(_visible(embed))
        labels = [c["label"] for row in data["components"] for c in row["components"]]
        assert labels == ["Passage 1", "Passage 2", "Passage 3"]

        sent = h.fake.message("1", data, id=h.fake.callback_message_ids[iid])
        click = await h.fake.click(sent, "Passage 2", OTHER)  # anyone may read a passage
        call = await h.fake.wait_for(
            lambda c: c.path == f"/interactions/{click}/token-{click}/callback"
        )
        assert call.body["type"] == 4 and call.body["data"]["flags"] & 64  # only to the clicker
        passage = call.body["data"]["embeds"][0]
        assert len(passage["description"].split()) > FRAGMENT_WORDS or "…" not in passage
        assert _FILE.search(passage["footer"]["text"])  # the file, for whoever keeps the corpus


async def test_answer_and_latest_cards_say_one_date_and_name_no_file(shared_engine, monkeypatch):
    async with running_bot(shared_engine, monkeypatch) as h:
        iid = await h.fake.slash("ask", ASKER, question="What did Trump say about tariffs?")
        (card,) = (await _sent(h.fake, iid))["embeds"]
        shown = _visible(card)
        assert not _FILE.search(shown) and "before saving" not in shown
        assert "Published" not in [f["name"] for f in card["fields"]]
        assert "of 1" not in card.get("footer", {}).get("text", "")
        assert shown.count("<t:") <= 2  # one date (an exact one is "<t:…:f> (<t:…:R>)")

        iid = await h.fake.slash("latest", ASKER)
        (page,) = (await _sent(h.fake, iid))["embeds"][:1]
        assert "saving" not in page["description"] and not _FILE.search(page["description"])

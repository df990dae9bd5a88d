"""Discord misbehaves: rate limits, server errors, slow endpoints. The bot recovers and
answers; nothing is dropped silently."""

import asyncio
import time

from fake_discord import BOT_ID, BOT_USER, CHANNEL_ID
from loopback import running_bot, slow_down
from test_loopback import ASKER, _is_callback, _reply


async def test_429_on_a_reply_is_retried_after_retry_after(shared_engine, monkeypatch):
    async with running_bot(shared_engine, monkeypatch) as h:
        limited = {"message": "You are being rate limited.", "retry_after": 0.3, "global": False}
        h.fake.faults[("POST", "/interactions/")] = [(429, limited)]
        start = time.monotonic()
        iid = await h.fake.slash("ask", ASKER, question="Who chaired the meeting?")
        await h.fake.wait_for(lambda c: len(h.fake.replies_to(iid)) >= 2)
        assert time.monotonic() - start >= 0.3  # it waited retry_after before trying again
        refused, answered = h.fake.replies_to(iid)
        assert refused.body == answered.body
        assert "Lecornu" in answered.body["data"]["embeds"][0]["description"]


async def test_500_on_a_reply_is_retried(shared_engine, monkeypatch):
    async with running_bot(shared_engine, monkeypatch) as h:
        oops = {"message": "oops", "code": 0}
        h.fake.faults[("POST", f"/channels/{CHANNEL_ID}/messages")] = [(500, oops)]
        await h.fake.say(f"<@{BOT_ID}> who chaired the meeting?", ASKER, mentions=[BOT_USER])
        for _ in range(300):
            posts = [c for c in h.fake.calls if c.method == "POST" and c.path.endswith("/messages")]
            if len(posts) >= 2:
                break
            await asyncio.sleep(0.02)
        assert len(posts) == 2 and posts[0].body == posts[1].body


async def test_a_reply_that_keeps_failing_is_logged_not_lost_silently(
    shared_engine, monkeypatch, caplog
):
    async with running_bot(shared_engine, monkeypatch) as h:
        h.fake.faults[("POST", f"/channels/{CHANNEL_ID}/messages")] = [
            (403, {"message": "Missing Access", "code": 50001})
        ]
        await h.fake.say(f"<@{BOT_ID}> who chaired the meeting?", ASKER, mentions=[BOT_USER])
        for _ in range(200):
            if "error answering message" in caplog.text:
                break
            await asyncio.sleep(0.02)
        assert "error answering message" in caplog.text and "Missing Access" in caplog.text
        # ...and the bot goes on answering.
        iid = await h.fake.slash("ask", ASKER, question="Who chaired the meeting?")
        assert "Lecornu" in (await _reply(h.fake, iid))["embeds"][0]["description"]


async def test_a_slow_engine_never_blocks_the_gateway(shared_engine, monkeypatch):
    slow_down(shared_engine, 1.0, monkeypatch)
    async with running_bot(shared_engine, monkeypatch, defer_after_seconds=0.1) as h:
        loop = asyncio.get_running_loop()
        lags = []

        async def probe():
            while True:
                t = loop.time()
                await asyncio.sleep(0.01)
                lags.append(loop.time() - t - 0.01)

        prober = asyncio.create_task(probe())
        ids = [
            await h.fake.slash("ask", ASKER + n, question="Who chaired the meeting?")
            for n in range(4)
        ]
        for i in ids:
            assert (await h.fake.wait_for(_is_callback(i))).body["type"] == 5  # deferred
        await asyncio.gather(*(_reply(h.fake, i) for i in ids))
        prober.cancel()
        assert max(lags) < 0.25  # the event loop stayed responsive throughout

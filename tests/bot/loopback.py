"""Run the real discord.py client against the loopback fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import yarl
from fake_discord import GUILD_ID, FakeDiscord
from helpers import BUNDLED_CORPUS

from bot.client import NewsBot
from retrieval.answering.engine import Engine
from retrieval.config import BotConfig, Config

# Shaped like a Discord bot token (id . timestamp . signature), with markdown characters in
# its signature, so that a leak escaped by the formatter would still be caught.
TOKEN = "OTAwMDAwMDAwMDAwMDAwMDAx.ZmFrZQ.not_a_real_signature_for_tests-0123"


@dataclass
class Harness:
    fake: FakeDiscord
    bot: NewsBot


@contextlib.asynccontextmanager
async def running_bot(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, **settings: object
) -> AsyncIterator[Harness]:
    monkeypatch.chdir(tempfile.mkdtemp(prefix="newsbot-bot-"))  # heartbeat and index land here
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway))
    options = {"guilds": (GUILD_ID,), "cooldown_uses": 1000, **settings}
    bot = NewsBot(engine, BotConfig(**options))  # type: ignore[arg-type]
    bot._connection.guild_ready_timeout = 0.05
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        ready = asyncio.create_task(bot.wait_until_ready())
        await asyncio.wait({ready, task}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if task.done():  # the client stopped before it was ready (setup_hook raised)
            ready.cancel()
            task.result()
        if not ready.done():
            ready.cancel()
            raise TimeoutError("the bot did not become ready within 20 s")
        yield Harness(fake, bot)
    finally:
        await bot.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await fake.stop()


def slow_down(engine: Engine, seconds: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make engine.ask take at least `seconds` (it blocks, like a heavy query would)."""
    real = engine.ask

    def slow(question: str, publisher: str | None = None):
        time.sleep(seconds)
        return real(question, publisher)

    monkeypatch.setattr(engine, "ask", slow)


def live_engine(tmp_path: Path) -> tuple[Engine, Path]:
    """An engine over a copy of the bundled corpus that the bot re-polls every 50 ms."""
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    config = Config().with_corpus(corpus)
    config = dataclasses.replace(config, index=dataclasses.replace(config.index, poll_seconds=0.05))
    return Engine.from_config(config), corpus

"""Run the real discord.py client against the loopback fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import yarl
from fake_discord import GUILD_ID, FakeDiscord

from bot.client import NewsBot
from retrieval.config import BotConfig
from retrieval.engine import Engine


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
    task = asyncio.create_task(bot.start("fake-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        yield Harness(fake, bot)
    finally:
        await bot.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await fake.stop()

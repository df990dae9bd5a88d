"""/digest, and the daily digest posted to `bot.digest_channels` at `bot.digest_time`."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.formatting import notice
from bot.news_cards import digest_embeds, quiet_text
from bot.outgoing import guarded
from bot.views import paged
from retrieval.answering.filters import parse_filters
from retrieval.news.digest import DEFAULT_PERIOD, Digest, digest

log = logging.getLogger("newsbot.bot")
DAY = timedelta(days=1)


def next_run(now: datetime, hour: int, minute: int) -> datetime:
    """The next time of day (UTC) at or after `now`."""
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at >= now else at + DAY


class Digests(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        if self.bot.settings.digest_channels:
            self.bot.background(self.daily(), "newsbot-digest")

    @app_commands.command(name="digest", description="The stories of the last day, one entry each")
    @app_commands.describe(since="from when: 2025-07-06, or an age such as 24h (the default) or 7d")
    async def digest(self, interaction: discord.Interaction, since: str | None = None) -> None:
        if await self.bot.cooled_down(interaction):
            return
        filters = parse_filters(None, since or "24h")  # FilterError -> a helpful reply
        size, timeout = self.bot.settings.page_size, self.bot.settings.view_timeout_seconds

        def render(result: Digest) -> tuple[discord.Embed, discord.ui.View | None]:
            return paged(digest_embeds(result, size), interaction.user.id, timeout)

        await self.bot.deliver(interaction, lambda: digest(self.bot.engine, filters.since), render)

    async def daily(self) -> None:
        """Sleep until the configured time, post, repeat; a restart never posts a day twice."""
        await self.bot.wait_until_ready()
        hour, minute = self.bot.settings.digest_at
        while not self.bot.is_closed():
            now = datetime.now(UTC)
            await asyncio.sleep((next_run(now, hour, minute) - now).total_seconds())
            await self.post_digests(datetime.now(UTC))

    async def post_digests(self, now: datetime) -> None:
        """Each digest channel's digest of the day up to `now`, unless it already had it."""
        day = now.date().isoformat()
        result: Digest | None = None
        for channel_id in self.bot.settings.digest_channels:
            if await self.bot.run_engine(self.bot.store.digest_posted, channel_id, day):
                continue
            if result is None:
                result = await self.bot.run_engine(
                    digest, self.bot.engine, now - DEFAULT_PERIOD, now, bounded=False
                )
            try:
                await self._post(channel_id, result)
            except discord.HTTPException as exc:
                log.warning("daily digest not posted in channel %s: %s", channel_id, exc)
                continue
            await self.bot.run_engine(self.bot.store.mark_digest, channel_id, day, bounded=False)

    async def _post(self, channel_id: int, result: Digest) -> None:
        channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        send = guarded(self.bot, channel.send)  # type: ignore[union-attr]
        if not result.entries:
            if self.bot.settings.digest_when_empty == "say":
                await send(notice(quiet_text(result)))
            return
        title = f"Daily digest · {result.until:%-d %b %Y}"
        for page in digest_embeds(result, self.bot.settings.page_size, title):
            await send(embed=page)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Digests(bot))

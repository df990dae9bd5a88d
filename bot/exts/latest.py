"""/latest: the newest articles, optionally on a topic, newest first."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.formatting import latest_embeds
from bot.views import paged


class Latest(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="latest", description="The newest articles, newest first")
    @app_commands.describe(
        topic="only articles about this (optional)", limit="how many articles (1-25)"
    )
    async def latest(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        limit: app_commands.Range[int, 1, 25] | None = None,
    ) -> None:
        if await self.bot.cooled_down(interaction):
            return
        count = limit or self.bot.settings.search_limit
        size, timeout = self.bot.settings.page_size, self.bot.settings.view_timeout_seconds
        engine = self.bot.engine
        await self.bot.deliver(
            interaction,
            # QuestionError -> a helpful reply; undated: only those on the topic
            lambda: (engine.latest(topic, count), engine.undated(topic=topic)),
            lambda found: paged(
                latest_embeds(found[0], size, topic, found[1]), interaction.user.id, timeout
            ),
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Latest(bot))

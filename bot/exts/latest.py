"""/latest: the newest articles, optionally on a topic, newest first."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.formatting import latest_embeds
from bot.views import PagerView, paged
from retrieval.models import Article


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

        def work() -> tuple[list[Article], int]:
            undated = sum(1 for a in engine.articles if a.date is None)
            return engine.latest(topic, count), undated  # QuestionError -> a helpful reply

        def render(found: tuple[list[Article], int]) -> tuple[discord.Embed, PagerView | None]:
            articles, undated = found
            return paged(
                latest_embeds(articles, size, topic, undated), interaction.user.id, timeout
            )

        await self.bot.deliver(interaction, work, render)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Latest(bot))

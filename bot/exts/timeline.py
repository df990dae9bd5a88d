"""/timeline: the dated articles on a topic, oldest first, one line per story."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.markup import clean_question
from bot.news_cards import timeline_embeds
from bot.views import paged
from retrieval.news.timeline import Timeline, timeline


class Timelines(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline", description="A story's timeline, oldest first")
    @app_commands.describe(topic="e.g. Kelvin Bridge")
    async def timeline(self, interaction: discord.Interaction, topic: str) -> None:
        if await self.bot.cooled_down(interaction):
            return
        size, timeout = self.bot.settings.page_size, self.bot.settings.view_timeout_seconds

        def render(line: Timeline) -> tuple[discord.Embed, discord.ui.View | None]:
            return paged(timeline_embeds(line, size), interaction.user.id, timeout)

        def work() -> Timeline:
            return timeline(self.bot.engine, clean_question(topic))

        await self.bot.deliver(interaction, work, render)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Timelines(bot))

"""/sources: the articles the bot knows, paged."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.formatting import sources_embeds
from bot.views import paged


class Sources(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="The articles I have indexed")
    @app_commands.describe(publisher="only this publisher's articles")
    async def sources(self, interaction: discord.Interaction, publisher: str | None = None) -> None:
        rows = self.bot.engine.sources(publisher)  # UnknownPublisherError -> helpful reply
        size, timeout = self.bot.settings.page_size, self.bot.settings.view_timeout_seconds

        pages = sources_embeds(rows, size, publisher)
        await self.bot.deliver(
            interaction, lambda: pages, lambda p: paged(p, interaction.user.id, timeout)
        )

    @sources.autocomplete("publisher")
    async def publisher_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self.bot.publisher_choices(current)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Sources(bot))

"""/sources: the articles the bot knows, paged."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.exts.ask import SINCE_HELP, UNTIL_HELP
from bot.formatting import sources_embeds, with_note
from bot.views import paged
from retrieval.answering.filters import parse_filters
from retrieval.models import Article


class Sources(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="The articles I have indexed")
    @app_commands.describe(
        publisher="only this publisher's articles", since=SINCE_HELP, until=UNTIL_HELP
    )
    async def sources(
        self,
        interaction: discord.Interaction,
        publisher: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        engine = self.bot.engine
        size, timeout = self.bot.settings.page_size, self.bot.settings.view_timeout_seconds

        def work() -> tuple[list[tuple[Article, int]], str | None, str]:
            # UnknownPublisherError (unknown or ambiguous) and FilterError -> a helpful reply
            name = engine.resolve_publisher(publisher) if publisher else None
            filters = parse_filters(name, since, until)
            return engine.sources(filters), name, self.bot.date_note(filters)

        def render(
            found: tuple[list[tuple[Article, int]], str | None, str],
        ) -> tuple[discord.Embed, discord.ui.View | None]:
            rows, name, note = found
            pages = with_note(sources_embeds(rows, size, name), note)
            return paged(pages, interaction.user.id, timeout)

        await self.bot.deliver(interaction, work, render)

    @sources.autocomplete("publisher")
    async def publisher_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self.bot.publisher_choices(current)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Sources(bot))

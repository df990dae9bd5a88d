"""/search: the passages that match, as highlighted fragments, paged, each passage a click away."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.exts.ask import SINCE_HELP, UNTIL_HELP
from bot.formatting import search_embeds, with_note
from bot.markup import clean_question
from bot.views import SearchView
from retrieval.answering.filters import parse_filters
from retrieval.answering.question import Query
from retrieval.models import Hit


class Search(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="search", description="The passages in the news that match, with their sources"
    )
    @app_commands.describe(
        query="words to look for",
        publisher="only passages from this publisher",
        limit="how many passages (1-25)",
        since=SINCE_HELP,
        until=UNTIL_HELP,
    )
    async def search(
        self,
        interaction: discord.Interaction,
        query: str,
        publisher: str | None = None,
        limit: app_commands.Range[int, 1, 25] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        if await self.bot.cooled_down(interaction):
            return
        engine = self.bot.engine
        top = limit or self.bot.settings.search_limit
        size, timeout = self.bot.settings.page_size, self.bot.settings.view_timeout_seconds

        def work() -> tuple[Query, list[Hit], str | None, str]:
            # UnknownPublisherError (unknown or ambiguous) and FilterError -> a helpful reply
            name = engine.resolve_publisher(publisher) if publisher else None
            filters = parse_filters(name, since, until)
            read = engine.analyse(clean_question(query))
            return read, engine.search(read, top, filters), name, self.bot.date_note(filters)

        def render(
            found: tuple[Query, list[Hit], str | None, str],
        ) -> tuple[discord.Embed, discord.ui.View | None]:
            read, hits, name, note = found
            pages = search_embeds(
                query, hits, size, name, read.corrected, read.corrected_marks, read.weights
            )
            pages = with_note(pages, note)
            if not hits:
                return pages[0], None
            return pages[0], SearchView(pages, hits, interaction.user.id, timeout)

        await self.bot.deliver(interaction, work, render)

    @search.autocomplete("publisher")
    async def publisher_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self.bot.publisher_choices(current)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Search(bot))

"""/ask and questions that mention the bot: the answer card."""

from __future__ import annotations

import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot, reply_with_card
from bot.formatting import answer_embed, with_note
from bot.markup import clean_question
from bot.views import AnswerView
from retrieval.answering.engine import QuestionError
from retrieval.answering.filters import parse_filters
from retrieval.models import Reply

log = logging.getLogger("newsbot.bot")

SINCE_HELP = "only articles dated from then: 2025-07-06, or an age such as 7d or 24h"
UNTIL_HELP = "only articles dated before then (a bare day is included)"
EMPTY_MENTION = (
    "Ask me a question after the mention, for example: @newsbot who chaired the meeting?"
)


def card(reply: Reply, owner_id: int, timeout: float) -> tuple[discord.Embed, AnswerView | None]:
    """The answer card and its buttons (none when there is nothing to page or show)."""
    view = AnswerView(reply, owner_id, timeout) if reply.answers else None
    return answer_embed(reply), view


class Ask(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Answer a question from the news, with sources")
    @app_commands.describe(
        question="e.g. Who chaired the meeting of defence ministers?",
        since=SINCE_HELP,
        until=UNTIL_HELP,
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        if await self.bot.cooled_down(interaction):
            return
        filters = parse_filters(None, since, until)  # FilterError -> a helpful reply
        timeout = self.bot.settings.view_timeout_seconds

        engine = self.bot.engine

        def work() -> tuple[Reply, str]:
            return engine.ask(clean_question(question), filters), self.bot.date_note(filters)

        def render(found: tuple[Reply, str]) -> tuple[discord.Embed, AnswerView | None]:
            reply, note = found
            embed, view = card(reply, interaction.user.id, timeout)
            return with_note([embed], note)[0], view

        await self.bot.deliver(interaction, work, render)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot:
            return
        follow_ups = self.bot.get_cog("FollowUps")
        if follow_ups is not None and follow_ups.answers_in(message.channel.id):  # type: ignore[attr-defined]
            return  # a follow-up thread: answered there, with the thread's context
        mentioned = any(user.id == me.id for user in message.mentions)
        listening = (
            message.channel.id in self.bot.settings.answer_channels
            and message.content.rstrip().endswith("?")
        )
        if not (mentioned or listening):
            return
        await self.answer_message(message, clean_question(message.content))

    async def answer_message(self, message: discord.Message, question: str) -> None:
        async def make() -> tuple[discord.Embed, AnswerView | None]:
            if not question:
                raise QuestionError(EMPTY_MENTION)
            async with contextlib.AsyncExitStack() as typing:
                try:
                    await typing.enter_async_context(message.channel.typing())
                except Exception as exc:  # only a courtesy: never worth losing the answer
                    log.warning("no typing indicator in channel %s: %s", message.channel.id, exc)
                reply = await self.bot.run_engine(self.bot.engine.ask, question)
            return card(reply, message.author.id, self.bot.settings.view_timeout_seconds)

        await reply_with_card(self.bot, message, make)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))

"""Follow-up threads: "Ask a follow-up" opens a thread on an answer card, and a question
there (a mention, or any question with the Message Content intent) is read after the
thread's last one, its references carried over (retrieval/news/followup.py)."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.client import NewsBot, reply_with_card, send_notice
from bot.formatting import answer_embed, fit
from bot.markup import clean_question
from bot.news_cards import reading_line
from bot.views import AnswerView
from retrieval.news.followup import Conversation
from retrieval.news.followup import ask as ask_in_conversation

log = logging.getLogger("newsbot.bot")
THREAD_NAME_CHARS = 100  # Discord's limit on a thread's name
THREAD_ARCHIVE_MINUTES = 1440  # a day without messages, and the thread tidies itself away
OPENED = "Ask your follow-up in the thread: mention me there, e.g. @newsbot when was that?"
NO_THREAD = "I can't open a thread here; ask again with the earlier question's words instead."
THREAD_EXISTS = 160004  # Discord's code for "a thread has already been created for this message"


class FollowUps(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    def answers_in(self, channel_id: int) -> bool:
        """Whether a channel is a follow-up thread the bot opened (this cog answers there)."""
        return self.bot.store.conversation(channel_id) is not None

    async def open_thread(self, interaction: discord.Interaction, question: str) -> None:
        """Open a thread on the card whose button was pressed, remembering its question."""
        message = interaction.message
        if message is None or interaction.guild is None:
            await send_notice(interaction, NO_THREAD)
            return
        existing = self.bot.store.conversation(message.id)  # a thread's id is its message's
        if existing is not None:
            await send_notice(interaction, OPENED)
            return
        name = fit(f"Follow-up: {question}", THREAD_NAME_CHARS, escaped=False)
        try:
            thread = await message.create_thread(
                name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                log.warning("could not open a follow-up thread on %s: %s", message.id, exc)
                await send_notice(interaction, NO_THREAD)
                return
            thread = discord.Object(id=message.id)
        await self.bot.run_engine(self.bot.store.remember, thread.id, question)
        await send_notice(interaction, OPENED)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot:
            return
        last = await self.bot.run_engine(self.bot.store.conversation, message.channel.id)
        if last is None:
            return
        mentioned = any(user.id == me.id for user in message.mentions)
        listening = self.bot.intents.message_content and message.content.rstrip().endswith("?")
        if mentioned or listening:
            await self.answer(message, last, clean_question(message.content))

    async def answer(self, message: discord.Message, last: str, question: str) -> None:
        async def make() -> tuple[discord.Embed, AnswerView | None]:
            conversation = Conversation(last)
            reading, reply = await self.bot.run_engine(
                ask_in_conversation, self.bot.engine, conversation, question
            )
            await self.bot.run_engine(self.bot.store.remember, message.channel.id, reading.text)
            embed = answer_embed(reply)
            line = reading_line(reading)
            if line:
                embed.description = f"{line}\n\n{embed.description or ''}"
            timeout = self.bot.settings.view_timeout_seconds
            view = AnswerView(reply, message.author.id, timeout, follow_up=False)
            return embed, view if reply.answered else None

        await reply_with_card(self.bot, message, make)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(FollowUps(bot))

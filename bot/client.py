"""The Discord client: holds the engine, runs searches off the event loop, syncs commands."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot import health
from bot.cooldown import Cooldown
from bot.formatting import notice
from bot.outgoing import guarded
from bot.token import shows_token
from retrieval.answering.engine import Engine, Filters
from retrieval.answering.names import match_names
from retrieval.config import BotConfig
from retrieval.errors import UserError
from retrieval.news.store import Store
from retrieval.reading.ingest import CorpusError

log = logging.getLogger("newsbot.bot")
T = TypeVar("T")

EXTENSIONS = (
    "bot.exts.ask",
    "bot.exts.search",
    "bot.exts.sources",
    "bot.exts.latest",
    "bot.exts.help",
    "bot.exts.follow",
    "bot.exts.digest",
    "bot.exts.timeline",
    "bot.exts.followups",
)
OUR_FAULT = (
    "Something went wrong on our side while answering. It has been logged; please try again."
)
TOO_SLOW = "The archive is slow to answer right now; please try again in a minute."


class EngineTimeout(UserError):
    """An engine call outlived bot.engine_timeout_seconds: the message is the reply."""


def intents_for(settings: BotConfig) -> discord.Intents:
    """Guilds and messages; message content only when un-mentioned questions are answered."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = bool(settings.answer_channels)
    return intents


class NewsBot(commands.Bot):
    def __init__(self, engine: Engine, settings: BotConfig, **options: Any) -> None:
        # newsbot never joins a voice channel: discord.py's warnings that the voice
        # libraries (PyNaCl, davey) are missing would only be noise before our first line.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.engine = engine
        self.settings = settings
        self.cooldown = Cooldown(settings.cooldown_uses, settings.cooldown_seconds)
        self.executor = ThreadPoolExecutor(settings.workers, thread_name_prefix="newsbot-search")
        # Followed topics, alerts owed and follow-up threads: user data, kept under index.path.
        self.store = Store.under(engine.config.index.path)
        self._tasks: list[asyncio.Task[None]] = []
        self._views: collections.deque[discord.ui.View] = collections.deque()
        self.publisher_names: list[str] = []  # autocomplete's cache (refresh_publishers)
        self.connected = False
        self.disconnected_since: float | None = time.time()
        self.tree.on_error = self.on_app_command_error

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self._warn_about_message_content()
        await self.refresh_publishers()
        await self.sync_commands()
        if self.engine.config.index.poll_seconds > 0:
            self._tasks.append(asyncio.create_task(self.watch_corpus(), name="newsbot-watch"))
        self._tasks.append(asyncio.create_task(self.beat(), name="newsbot-heartbeat"))

    @property
    def heartbeat_path(self) -> Path:
        return self.engine.config.index.path / health.HEARTBEAT_FILE

    async def beat(self) -> None:
        """Refresh the heartbeat file for `newsbot health` (the container's HEALTHCHECK)."""
        while not self.is_closed():
            await self.write_heartbeat()
            await asyncio.sleep(health.HEARTBEAT_SECONDS)

    async def write_heartbeat(self) -> None:
        beat = health.Heartbeat(
            written=time.time(),
            connected=self.connected,
            disconnected_since=self.disconnected_since,
            chunks=self.engine.size,
        )
        try:
            await self.run_engine(health.write, self.heartbeat_path, beat)
        except OSError as exc:
            log.warning("cannot write the heartbeat %s: %s", self.heartbeat_path, exc)

    async def on_ready(self) -> None:
        self.connected, self.disconnected_since = True, None
        await self.write_heartbeat()

    async def on_resumed(self) -> None:
        await self.on_ready()

    async def on_disconnect(self) -> None:
        if self.connected or self.disconnected_since is None:
            self.disconnected_since = time.time()
        self.connected = False
        await self.write_heartbeat()

    async def watch_corpus(self) -> None:
        """Poll the corpus; swap in a new engine when files were added, changed or removed.

        The new index is built aside in a worker thread; queries keep using the old
        engine until the swap, so none ever sees a half-built index. A vanished or
        unreadable corpus keeps the current index serving until it comes back.
        """
        interval = self.engine.config.index.poll_seconds
        while not self.is_closed():
            await asyncio.sleep(interval)
            try:
                # Unbounded: a rebuild takes as long as it takes, and no reply waits on it.
                fresh = await self.run_engine(self.engine.refreshed, bounded=False)
            except CorpusError as exc:
                log.warning("corpus unavailable, still serving the last index: %s", exc)
                continue
            except Exception:
                log.exception("corpus refresh failed; still serving the last index")
                continue
            if fresh is not None:
                self.engine = fresh
                log.info(
                    "index updated: %d chunks", fresh.size
                )
            await self.refresh_publishers()  # shards change under a refresh that returns None

    async def refresh_publishers(self) -> None:
        """Reload autocomplete's publisher names, off the loop; keep the old ones on failure."""
        try:
            self.publisher_names = await self.run_engine(self.engine.publishers)
        except Exception as exc:  # the archive unavailable, say: names refresh next poll
            log.warning("publisher names not refreshed: %s", exc)

    async def sync_commands(self) -> None:
        """To the configured guilds (instant), or globally when none are listed."""
        if self.settings.guilds:
            for guild_id in self.settings.guilds:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally (may take up to an hour to appear)", len(synced))

    def _warn_about_message_content(self) -> None:
        if not self.settings.answer_channels or self.application is None:
            return
        flags = self.application.flags
        if not (flags.gateway_message_content or flags.gateway_message_content_limited):
            log.warning(
                "bot.answer_channels is set but the Message Content intent is not enabled for "
                "this application (Developer Portal > Bot > Privileged Gateway Intents); "
                "only questions that mention the bot can be answered"
            )

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: questions are handled by the ask extension's listener."""

    def background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run a loop (alerts, digests) until the bot closes, when it is cancelled."""
        self._tasks.append(asyncio.create_task(work, name=name))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await super().close()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.store.close()

    async def run_engine(self, fn: Callable[..., T], *args: Any, bounded: bool = True) -> T:
        """Run a blocking engine call in the worker threads, never on the event loop.

        EngineTimeout (a helpful reply) when the call runs longer than
        bot.engine_timeout_seconds, unless not `bounded`. The clock starts when a worker
        takes the call, so a flood queued behind busy workers is answered, late, while a
        call stuck on a stalled shard is given up. The thread finishes on its own (shard
        exchanges are bounded); the loop never waits for it.
        """
        loop = asyncio.get_running_loop()
        started = asyncio.Event()

        def call() -> T:
            loop.call_soon_threadsafe(started.set)
            return fn(*args)

        future = loop.run_in_executor(self.executor, call)
        if not bounded:
            return await future
        waiting = asyncio.ensure_future(started.wait())
        await asyncio.wait({waiting, future}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        limit = self.settings.engine_timeout_seconds
        try:
            return await asyncio.wait_for(future, limit)
        except TimeoutError:
            log.warning("%s gave no answer within %s s", getattr(fn, "__name__", fn), limit)
            raise EngineTimeout(TOO_SLOW) from None

    def track(self, view: discord.ui.View | None) -> None:
        """Keep at most `bot.max_live_views` reply views listening; the oldest stop first.

        Each view holds its reply for the buttons' lifetime, so under a sustained flood
        memory would otherwise grow with requests x view_timeout_seconds.
        """
        if view is None:
            return
        self._views.append(view)
        while len(self._views) > self.settings.max_live_views:
            self._views.popleft().stop()
        if len(self._views) > 2 * self.settings.max_live_views // 3:
            self._views = collections.deque(v for v in self._views if not v.is_finished())

    def date_note(self, filters: Filters) -> str:
        """What a date-filtered reply says: the range and the undated articles it left out."""
        if not filters.dated:
            return ""
        n = self.engine.undated_left_out(filters)
        dates = Filters(since=filters.since, until=filters.until).describe()
        return f"{dates} · {n} undated article{'s' * (n != 1)} left out" if n else dates

    def publisher_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete for publisher options: every publisher, or those matching what was
        typed (the rule the commands resolve by), from the cache: it never waits."""
        names = self.publisher_names
        token = self.http.token or ""
        found = match_names(current, names) if current.strip() else names
        names = [n for n in found if not shows_token(token, n)]
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]

    async def deliver(
        self,
        interaction: discord.Interaction,
        work: Callable[[], T],
        render: Callable[[T], tuple[discord.Embed, discord.ui.View | None]],
        ephemeral: bool = False,
    ) -> None:
        """Answer an interaction with slow work: reply at once if it is quick, else defer first.

        Discord drops a reply that takes over 3 s, so after `defer_after_seconds`
        the interaction is deferred ("thinking…") and the answer follows up.
        """
        task = asyncio.ensure_future(self.run_engine(work))
        done, _ = await asyncio.wait({task}, timeout=self.settings.defer_after_seconds)
        if not done:
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        embed, view = render(await task)
        self.track(view)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        if interaction.response.is_done():
            message = await guarded(self, interaction.followup.send)(
                embed=embed, ephemeral=ephemeral, wait=True, **extra
            )
        else:
            callback = await guarded(self, interaction.response.send_message)(
                embed=embed, ephemeral=ephemeral, **extra
            )
            message = callback.resource if callback else None
        if view is not None and isinstance(message, discord.Message | discord.InteractionMessage):
            view.message = message

    async def cooled_down(self, interaction: discord.Interaction) -> bool:
        """True (and the user is told politely) when this user is asking too fast."""
        wait = self.cooldown.retry_after(interaction.user.id)
        if wait > 0:
            await send_notice(interaction, cooldown_text(wait))
        return wait > 0

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """User mistakes get their message; our faults are logged and reported briefly."""
        cause = getattr(error, "original", error)
        if isinstance(cause, UserError):
            text = str(cause)
        else:
            log.error(
                "error in /%s", interaction.command and interaction.command.name, exc_info=cause
            )
            text = OUR_FAULT
        await send_notice(interaction, text)


def cooldown_text(wait: float) -> str:
    return f"You're asking quickly — please wait {max(1, round(wait))} s and try again."


async def send_notice(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral note, whether or not the interaction was already answered."""
    client, response = interaction.client, interaction.response
    try:
        if response.is_done():
            await guarded(client, interaction.followup.send)(notice(text), ephemeral=True)
        else:
            await guarded(client, response.send_message)(notice(text), ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver a notice for interaction %s", interaction.id)


# Builds a message's reply: the card and its buttons (None for none). Runs after the
# cooldown check; a UserError it raises becomes a private-looking notice in the reply.
CardMaker = Callable[[], Awaitable[tuple[discord.Embed, discord.ui.View | None]]]


async def reply_with_card(bot: NewsBot, message: discord.Message, make: CardMaker) -> None:
    """Answer a message with a card, as every message-triggered answer does: the user's
    cooldown first, the reply guarded, its buttons tracked, and a helpful note (never a
    traceback) when the question is bad or we failed."""
    reply_to = guarded(bot, message.reply)
    wait = bot.cooldown.retry_after(message.author.id)
    if wait > 0:
        await reply_to(notice(cooldown_text(wait)), mention_author=False)
        return
    try:
        embed, view = await make()
        bot.track(view)
        extra = {"view": view} if view is not None else {}
        sent = await reply_to(embed=embed, mention_author=False, **extra)
        if view is not None:
            view.message = sent
    except UserError as exc:  # a bad question, or the archive unavailable
        await reply_to(notice(str(exc)), mention_author=False)
    except Exception:
        log.exception("error answering message %s", message.id)
        try:
            await reply_to(notice(OUR_FAULT), mention_author=False)
        except discord.HTTPException:
            log.warning("could not report the error for message %s", message.id)

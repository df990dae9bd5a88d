"""/follow, /unfollow, /following, and the alerts: each new article on a topic, once.

In a server channel, a member who may manage the channel subscribes the channel;
anyone else gets the alerts by direct message. After every look at the corpus the
new articles are matched (retrieval/news/alerts.py) and what is owed is sent, each
alert marked sent only once Discord accepted it. A channel the bot can no longer
post in is reported once and its subscriptions paused.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.formatting import notice
from bot.news_cards import alert_embed, following_embed, more_notice
from bot.outgoing import guarded
from bot.views import OwnedView
from retrieval.news.alerts import Alert, Delivery, collect, plan
from retrieval.news.store import Pending, Subscription

log = logging.getLogger("newsbot.bot")
KINDS = ("channel", "dm")
# Without corpus polling (index.poll_seconds 0) alerts owed are still retried this often.
RETRY_SECONDS = 30.0
CHOICES_LIMIT = 25  # Discord's limit on autocomplete choices and select options
NONCE_CHARS = 25  # Discord's longest message nonce


def nonce_of(alerts: Sequence[Pending]) -> str:
    """The same key for the same alerts on every try, restarts included: discord.py sends
    it with enforce_nonce, so a post Discord took but the store did not record (a crash,
    a failed write) is answered with the first message, not posted twice, when it is
    retried within Discord's window of a few minutes."""
    key = "\n".join(f"{p.subscription.id}\0{p.article}" for p in alerts)
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_CHARS]


def where_to(interaction: discord.Interaction) -> tuple[str, int]:
    """The channel for a member who may manage it; else the member's direct messages."""
    perms = interaction.permissions
    if interaction.guild is not None and interaction.channel_id and perms.manage_channels:
        return "channel", interaction.channel_id
    return "dm", interaction.user.id


class FollowingView(OwnedView):
    """A menu of the listed topics: choosing one unfollows it."""

    def __init__(
        self, cog: Follow, subscriptions: list[Subscription], owner: int, where: str, timeout: float
    ) -> None:
        super().__init__(owner, timeout)
        self.cog, self.where = cog, where
        self.subscriptions = subscriptions
        self.menu.options = [
            discord.SelectOption(label=s.topic[:100], value=str(s.id))
            for s in subscriptions[:CHOICES_LIMIT]
        ]

    @discord.ui.select(placeholder="Unfollow a topic…", min_values=1, max_values=1)
    async def menu(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        chosen = int(select.values[0])
        await self.cog.bot.run_engine(self.cog.bot.store.unfollow, chosen)
        self.subscriptions = [s for s in self.subscriptions if s.id != chosen]
        select.options = [o for o in select.options if o.value != str(chosen)]
        edit = guarded(interaction.client, interaction.response.edit_message, edit=True)
        view = self if self.subscriptions else None
        if view is None:
            self.stop()
        await edit(content=None, embed=following_embed(self.subscriptions, self.where), view=view)


class Follow(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.background(self.alert_loop(), "newsbot-alerts")

    # -- commands --------------------------------------------------------------------------

    @app_commands.command(name="follow", description="Get each new article on a topic")
    @app_commands.describe(topic="e.g. Kelvin Bridge (a channel's managers follow for it)")
    async def follow(self, interaction: discord.Interaction, topic: str) -> None:
        if await self.bot.cooled_down(interaction):
            return
        kind, target = where_to(interaction)
        await self.bot.run_engine(self.bot.engine.analyse, topic)  # QuestionError: a useless topic
        sub, new = await self.bot.run_engine(
            self.bot.store.follow, topic, kind, target, interaction.user.id
        )
        where = "this channel" if kind == "channel" else "you, by direct message"
        text = (
            f"Following {sub.topic} for {where}: each new article on it will be posted."
            if new
            else f"Already following {sub.topic} for {where}."
        )
        send = guarded(self.bot, interaction.response.send_message)
        await send(notice(text), ephemeral=kind == "dm")

    @app_commands.command(name="unfollow", description="Stop getting new articles on a topic")
    @app_commands.describe(topic="a topic you (or this channel) follow")
    async def unfollow(self, interaction: discord.Interaction, topic: str) -> None:
        for sub in self._visible(interaction):
            if sub.topic.casefold() == " ".join(topic.split()).casefold() and self._may_remove(
                interaction, sub
            ):
                await self.bot.run_engine(self.bot.store.unfollow, sub.id)
                text = f"Unfollowed {sub.topic}."
                break
        else:
            text = f"Not following {topic} here. /following lists what is followed."
        await guarded(self.bot, interaction.response.send_message)(notice(text), ephemeral=True)

    @unfollow.autocomplete("topic")
    async def _topics(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        subs = [s for s in self._visible(interaction) if self._may_remove(interaction, s)]
        typed = current.casefold()
        return [
            app_commands.Choice(name=s.topic[:100], value=s.topic[:100])
            for s in subs
            if typed in s.topic.casefold()
        ][:CHOICES_LIMIT]

    @app_commands.command(name="following", description="What you and this channel follow")
    async def following(self, interaction: discord.Interaction) -> None:
        subs = self._visible(interaction)
        removable = [s for s in subs if self._may_remove(interaction, s)]
        where = "you and this channel" if interaction.guild is not None else "you"
        embed = following_embed(subs, where)
        timeout = self.bot.settings.view_timeout_seconds
        view = (
            FollowingView(self, removable, interaction.user.id, where, timeout)
            if removable
            else None
        )
        self.bot.track(view)
        extra = {"view": view} if view is not None else {}
        send = guarded(self.bot, interaction.response.send_message)
        await send(embed=embed, ephemeral=True, **extra)

    def _visible(self, interaction: discord.Interaction) -> list[Subscription]:
        store = self.bot.store
        mine = store.subscriptions("dm", interaction.user.id)
        here = store.subscriptions("channel", interaction.channel_id) if interaction.guild else []
        return here + mine

    @staticmethod
    def _may_remove(interaction: discord.Interaction, sub: Subscription) -> bool:
        if sub.kind == "dm":
            return sub.target == interaction.user.id
        return bool(interaction.permissions.manage_channels)

    # -- alerts ----------------------------------------------------------------------------

    async def alert_loop(self) -> None:
        """Match new articles and send what is owed, once per look at the corpus."""
        await self.bot.wait_until_ready()
        poll = self.bot.engine.config.index.poll_seconds
        interval = poll if poll > 0 else RETRY_SECONDS
        while not self.bot.is_closed():
            await self.alert_round()
            await asyncio.sleep(interval)

    async def alert_round(self) -> None:
        try:
            await self.bot.run_engine(
                collect, self.bot.store, self.bot.engine, KINDS, bounded=False
            )  # a big batch takes its time: alerts are background work
            caps = self.bot.engine.config.alerts
            for delivery in await self.bot.run_engine(plan, self.bot.store, caps, KINDS):
                await self.deliver(delivery)
        except Exception:
            log.exception("alerts round failed; what is owed stays queued")

    async def deliver(self, delivery: Delivery) -> None:
        """Send one target's alerts, then one "N more on X" per topic over the cap."""
        store = self.bot.store
        channel = await self._destination(delivery.kind, delivery.target)
        if channel is None:
            return
        for pending in delivery.alerts:
            card = alert_embed(Alert.of(pending.payload))
            sent = await self._send(delivery, channel, embed=card, nonce=nonce_of([pending]))
            if sent is None:
                return
            await self.bot.run_engine(
                store.sent if sent else store.failed, [pending], bounded=False
            )
        for topic, folded in delivery.folded.items():
            notice_text = more_notice(topic, len(folded))
            sent = await self._send(delivery, channel, content=notice_text, nonce=nonce_of(folded))
            if sent is None:
                return
            if sent:
                await self.bot.run_engine(store.sent, folded, True, bounded=False)

    async def _destination(self, kind: str, target: int) -> discord.abc.Messageable | None:
        """Where a target's alerts go; None (and its subscriptions paused) if nowhere now."""
        try:
            if kind == "dm":
                person = self.bot.get_user(target) or await self.bot.fetch_user(target)
                return person.dm_channel or await person.create_dm()
            channel = self.bot.get_channel(target) or await self.bot.fetch_channel(target)
        except (discord.Forbidden, discord.NotFound) as exc:
            await self._pause(kind, target, exc)
            return None
        me = getattr(getattr(channel, "guild", None), "me", None)  # None: not cached yet
        if me is not None and not channel.permissions_for(me).send_messages:  # type: ignore[union-attr]
            await self._pause(kind, target, "no permission to send messages there")
            return None
        return channel  # type: ignore[return-value]

    async def _send(
        self, delivery: Delivery, channel: discord.abc.Messageable, **message: object
    ) -> bool | None:
        """True when Discord took it, False to retry later, None when never again."""
        try:
            await guarded(self.bot, channel.send)(**message)
        except (discord.Forbidden, discord.NotFound) as exc:
            await self._pause(delivery.kind, delivery.target, exc)
            return None
        except discord.HTTPException as exc:
            log.warning(
                "alert to %s %s not delivered, will retry: %s", delivery.kind, delivery.target, exc
            )
            return False
        return True

    async def _pause(self, kind: str, target: int, why: object) -> None:
        paused = await self.bot.run_engine(self.bot.store.pause, kind, target)
        if paused:  # reported once: a paused target is not tried again
            topics = ", ".join(s.topic for s in paused)
            log.warning(
                "cannot post to %s %s (%s): paused its subscriptions (%s)",
                kind,
                target,
                why,
                topics,
            )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Follow(bot))

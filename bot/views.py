"""Buttons under replies: paging answers and search results, showing passages."""

from __future__ import annotations

import contextlib

import discord

from bot.formatting import answer_embed, notice, passage_embed
from bot.outgoing import guarded
from retrieval.models import Hit, Reply

NOT_YOURS = "Only the person who asked can use these buttons. Ask your own with /ask or /search."


class OwnedView(discord.ui.View):
    """A view whose buttons only its owner may press; it disables itself on timeout."""

    def __init__(self, owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await guarded(interaction.client, interaction.response.send_message)(
            notice(NOT_YOURS), ephemeral=True
        )
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            # The message may be gone or too old to edit; then there is nothing to disable.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)


class AnswerView(OwnedView):
    """More answers (the next article's answer), Show passage (ephemeral) and Ask a
    follow-up (a thread on the card, where questions keep the card's context)."""

    def __init__(self, reply: Reply, owner_id: int, timeout: float, follow_up: bool = True) -> None:
        super().__init__(owner_id, timeout)
        self.reply = reply
        self.index = 0
        if not follow_up:  # already in a thread: Discord has no threads inside threads
            self.remove_item(self.follow_up)
        self._sync()

    def _sync(self) -> None:
        self.more.disabled = self.index + 1 >= len(self.reply.answers)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Anyone may read a passage or follow up; only the asker moves the shared card.
        pressed = interaction.data.get("custom_id") if interaction.data else None
        if pressed in (self.passage.custom_id, self.follow_up.custom_id):
            return True
        return await super().interaction_check(interaction)

    @discord.ui.button(label="More answers", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.index = min(self.index + 1, len(self.reply.answers) - 1)
        self._sync()
        edit = guarded(interaction.client, interaction.response.edit_message, edit=True)
        await edit(content=None, embed=answer_embed(self.reply, self.index), view=self)

    @discord.ui.button(label="Show passage", style=discord.ButtonStyle.secondary)
    async def passage(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        answer = self.reply.answers[self.index]
        send = guarded(interaction.client, interaction.response.send_message)
        await send(embed=passage_embed(answer.source, answer.passage), ephemeral=True)

    @discord.ui.button(label="Ask a follow-up", style=discord.ButtonStyle.secondary)
    async def follow_up(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        follow_ups = interaction.client.get_cog("FollowUps")  # type: ignore[attr-defined]
        await follow_ups.open_thread(interaction, self.reply.question)


class PagerView(OwnedView):
    """Previous / Next over a list of embeds."""

    def __init__(self, pages: list[discord.Embed], owner_id: int, timeout: float) -> None:
        super().__init__(owner_id, timeout)
        self.pages = pages
        self.page = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page + 1 >= len(self.pages)

    async def _show(self, interaction: discord.Interaction, page: int) -> None:
        self.page = max(0, min(page, len(self.pages) - 1))
        self._sync()
        edit = guarded(interaction.client, interaction.response.edit_message, edit=True)
        await edit(content=None, embed=self.pages[self.page], view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._show(interaction, self.page + 1)


class PassageButton(discord.ui.Button):
    """ "Passage N": the whole passage of search result N, sent only to whoever pressed."""

    def __init__(self, number: int, hit: Hit) -> None:
        super().__init__(
            label=f"Passage {number}",
            style=discord.ButtonStyle.secondary,
            custom_id=f"passage:{number}",
        )
        self.hit = hit

    async def callback(self, interaction: discord.Interaction) -> None:
        send = guarded(interaction.client, interaction.response.send_message)
        await send(embed=passage_embed(self.hit.source, self.hit.passage), ephemeral=True)


class SearchView(PagerView):
    """Search pages: Previous / Next (when there are several) and a button per result on
    the page showing its whole passage. Anyone may read a passage; only the asker pages."""

    def __init__(
        self, pages: list[discord.Embed], hits: list[Hit], owner_id: int, timeout: float
    ) -> None:
        self.hits = hits
        self.per_page = -(-len(hits) // len(pages))
        super().__init__(pages, owner_id, timeout)

    def _sync(self) -> None:
        super()._sync()
        self.clear_items()
        if len(self.pages) > 1:
            self.add_item(self.previous)
            self.add_item(self.next)
        first = self.page * self.per_page
        for n, hit in enumerate(self.hits[first : first + self.per_page], start=first + 1):
            self.add_item(PassageButton(n, hit))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        custom_id = (interaction.data or {}).get("custom_id", "")
        if str(custom_id).startswith("passage:"):
            return True
        return await super().interaction_check(interaction)


def paged(
    pages: list[discord.Embed], owner_id: int, timeout: float
) -> tuple[discord.Embed, PagerView | None]:
    """The first page, with Previous/Next buttons when there is more than one."""
    return pages[0], PagerView(pages, owner_id, timeout) if len(pages) > 1 else None

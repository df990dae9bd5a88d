"""Every reply leaves through `guarded`: never with the bot's token, and once more as plain
text when Discord refuses it as malformed, so corpus content can neither leak the token
nor cost a reader the answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from bot.formatting import notice, plain_version
from bot.token import shows_token

log = logging.getLogger("newsbot.bot")
T = TypeVar("T")
MISSING: Any = object()  # no content given (content=None, given, clears an edit's text)

INVALID_FORM_BODY = 50035  # Discord's code for a message it refuses as malformed
WITHHELD = (
    "I can't post this reply: it contained something that must never be posted. "
    "It has been logged."
)


def rejected_as_invalid(exc: discord.HTTPException) -> bool:
    return exc.status == 400 and exc.code == INVALID_FORM_BODY


def outgoing_text(content: object, embed: discord.Embed | None) -> str:
    """All the text a message would show."""
    shown = json.dumps(embed.to_dict(), ensure_ascii=False) if embed is not None else ""
    return f"{content if isinstance(content, str) else ''}\n{shown}"


def guarded(
    client: discord.Client, send: Callable[..., Awaitable[T]], edit: bool = False
) -> Callable[..., Awaitable[T]]:
    """`send` (any discord.py send or edit call), made safe to feed corpus text.

    A message showing the bot's token is replaced by a plain notice, and logged
    without it. A card Discord rejects as invalid (400, code 50035) is sent once more
    as plain text without embed or buttons (an edit keeps its buttons); if that fails
    too, the error goes to the caller's usual error report.
    """

    async def safe_send(
        content: str | None = MISSING, *, embed: discord.Embed | None = None, **kwargs: Any
    ) -> T:
        if shows_token(client.http.token or "", outgoing_text(content, embed)):
            log.error("withheld a reply that contained the bot's token (via %s)", _name(send))
            return await _plain(send, notice(WITHHELD), edit, kwargs)
        if content is not MISSING:  # None, given, clears an edited message's text
            kwargs["content"] = content
        if embed is None:
            return await send(**kwargs)
        try:
            return await send(embed=embed, **kwargs)
        except discord.HTTPException as exc:
            if not rejected_as_invalid(exc):
                raise
            log.warning("Discord refused a reply as invalid, sending it as plain text: %s", exc)
        return await _plain(send, plain_version(embed), edit, kwargs)

    return safe_send


async def _plain(
    send: Callable[..., Awaitable[T]],
    text: str,
    edit: bool,
    kwargs: dict[str, Any],
) -> T:
    """Send `text` alone: an edit drops the card's embed; a new message also its buttons."""
    rest = {**kwargs, "content": text}
    if edit:
        return await send(embed=None, **rest)
    view = rest.pop("view", None)
    if isinstance(view, discord.ui.View):
        view.stop()
    return await send(**rest)


def _name(send: Callable[..., Any]) -> str:
    return getattr(send, "__qualname__", type(send).__name__)

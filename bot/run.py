"""Run the bot: serve (log in and answer until stopped) and sync (register slash commands).

The command line (`cli.main`) imports this module only for those two commands.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import aiohttp
import discord

from bot.client import NewsBot
from bot.token import TokenError, read_token, redact_logs
from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.errors import UserError

log = logging.getLogger("newsbot.bot")


class DiscordUnreachable(UserError):
    """The network or Discord is down: worth a restart later (exit code 1)."""

    exit_code = 1


async def _run(bot: NewsBot, token: str, connect: bool) -> None:
    """Log in (and serve until closed or SIGTERM), mapping Discord's refusals to one line."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    try:
        async with bot:
            await bot.login(token)
            if connect:
                await bot.connect(reconnect=True)
    except (aiohttp.ClientError, OSError) as exc:
        raise DiscordUnreachable(f"cannot reach Discord: {exc}") from None
    except discord.LoginFailure:
        raise TokenError("Discord rejected the token in DISCORD_TOKEN (401); check it") from None
    except discord.PrivilegedIntentsRequired:
        raise TokenError(
            "bot.answer_channels needs the Message Content intent: enable it in the Developer "
            "Portal (Bot > Privileged Gateway Intents) or empty bot.answer_channels"
        ) from None
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _start(config: Config, connect: bool) -> int:
    token = read_token(os.environ)
    redact_logs(token)
    engine = Engine.from_config(config)
    # Logging in runs setup_hook, which loads the commands and syncs them.
    asyncio.run(_run(NewsBot(engine, config.bot), token, connect))
    return 0


def serve(config: Config) -> int:
    return _start(config, connect=True)


def sync(config: Config) -> int:
    return _start(config, connect=False)

"""`newsbot` with the bot's commands: serve (run the bot) and sync (register slash commands).

This is the console script: the engine's commands come from retrieval.cli.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence

import aiohttp
import discord

from bot import health
from bot.client import NewsBot
from bot.token import TokenError, read_token, redact_logs
from retrieval import cli
from retrieval.config import Config
from retrieval.engine import Engine

log = logging.getLogger("newsbot.bot")


class DiscordUnreachable(cli.CommandError):
    """The network or Discord is down: worth a restart later (exit code 1)."""

    exit_code = 1


def add_bot_commands(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the Discord bot (token from $DISCORD_TOKEN)")
    serve.set_defaults(run=cmd_serve)
    sync = sub.add_parser("sync", help="register the slash commands with Discord, then exit")
    sync.set_defaults(run=cmd_sync)
    check = sub.add_parser("health", help="exit 0 if the running bot is healthy (heartbeat)")
    check.set_defaults(run=cmd_health)


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


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    return _start(config, connect=True)


def cmd_sync(args: argparse.Namespace, config: Config) -> int:
    return _start(config, connect=False)


def cmd_health(args: argparse.Namespace, config: Config) -> int:
    healthy, why = health.check(config.index.path / health.HEARTBEAT_FILE, time.time())
    print(why)
    return 0 if healthy else 1


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, add_bot_commands)


if __name__ == "__main__":
    sys.exit(main())

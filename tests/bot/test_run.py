"""`newsbot serve` / `sync` / `python -m cli serve`: start-up failures are one line and exit 2."""

import subprocess
import sys
import tempfile

import discord
import pytest
import yarl
from fake_discord import FakeDiscord
from helpers import BUNDLED_CORPUS, ROOT

from bot.client import NewsBot
from bot.run import _run
from bot.token import TokenError
from cli.main import main
from retrieval.config import BotConfig


def test_serve_without_a_token_exits_2_with_one_line(monkeypatch, capsys):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_TOKEN_FILE", raising=False)
    assert main(["serve", "--corpus", str(BUNDLED_CORPUS)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "newsbot: error: no Discord token: set DISCORD_TOKEN "
        "(or DISCORD_TOKEN_FILE to a file holding it)"
    )


def test_python_dash_m_bot_is_serve():
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--corpus", str(BUNDLED_CORPUS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("newsbot: error: no Discord token")
    assert "Traceback" not in result.stderr


async def test_a_rejected_token_is_a_token_error_without_the_token(
    bundled_engine, monkeypatch, caplog
):
    fake = FakeDiscord()
    await fake.start()
    fake.faults[("GET", "/users/@me")] = [(401, {"message": "401: Unauthorized", "code": 0})]
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway))
    try:
        with pytest.raises(TokenError, match="rejected the token") as err:
            await _run(NewsBot(bundled_engine, BotConfig()), "secret-token-value", connect=True)
    finally:
        await fake.stop()
    assert "secret-token-value" not in str(err.value) + caplog.text


async def test_sync_registers_commands_globally_without_connecting(bundled_engine, monkeypatch):
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    try:
        await _run(NewsBot(bundled_engine, BotConfig()), "token", connect=False)
    finally:
        await fake.stop()
    (put,) = [c for c in fake.calls if c.method == "PUT"]
    assert put.path.endswith("/commands") and "/guilds/" not in put.path
    assert fake.ws is None  # never opened the gateway


async def test_unreachable_discord_is_one_line_exit_1(bundled_engine, monkeypatch):
    from bot.run import DiscordUnreachable

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")  # nothing there
    with pytest.raises(DiscordUnreachable, match="cannot reach Discord") as err:
        await _run(NewsBot(bundled_engine, BotConfig()), "token", connect=True)
    assert err.value.exit_code == 1


async def test_sigterm_shuts_the_bot_down_cleanly(shared_engine, monkeypatch):
    import asyncio
    import os
    import signal
    import time

    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway))
    monkeypatch.chdir(tempfile.mkdtemp())
    bot = NewsBot(shared_engine, BotConfig())
    task = asyncio.create_task(_run(bot, "token", connect=True))
    try:
        await asyncio.wait_for(fake.ready.wait(), 20)
        start = time.monotonic()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, 10)
        assert time.monotonic() - start < 5
        assert bot.is_closed()
    finally:
        await fake.stop()


def test_the_bot_starts_quietly_without_voice_warnings(bundled_engine, monkeypatch, caplog):
    # discord.py warns once per process; make this the first time, whatever ran before.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    with caplog.at_level("DEBUG"):
        NewsBot(bundled_engine, BotConfig())
    assert not [r for r in caplog.records if "voice" in r.getMessage()]

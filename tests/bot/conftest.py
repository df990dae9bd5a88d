"""Fixtures for the bot tests: a bot on the real corpus, connected to a fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from loopback import Harness, running_bot


@pytest.fixture
async def harness(shared_engine, monkeypatch) -> AsyncIterator[Harness]:
    async with running_bot(shared_engine, monkeypatch) as h:
        yield h

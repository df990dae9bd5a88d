"""A copy of the written news corpus that a test may add files to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import NEWS_CORPUS


@pytest.fixture
def news_copy(tmp_path: Path) -> Path:
    target = tmp_path / "news"
    shutil.copytree(NEWS_CORPUS, target)
    return target


@pytest.fixture
def shard_servers(tmp_path):
    """Real xapian-tcpsrv shards on loopback (as the backends' own tests start them)."""
    import sys

    from helpers import ROOT

    sys.path.insert(0, str(ROOT / "tests" / "retrieval" / "index" / "backends"))
    pytest.importorskip("xapian")
    from shard_servers import ShardServers

    servers = ShardServers(tmp_path / "shards")
    yield servers
    servers.close()

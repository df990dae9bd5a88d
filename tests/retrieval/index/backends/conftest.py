"""Fixtures for the backends: real shard servers, always stopped when the test ends."""

from __future__ import annotations

import os

import pytest
from shard_servers import ShardServers


@pytest.fixture
def xapian_module():
    """The xapian bindings (the `xapian` extra, which `make setup` installs)."""
    try:
        import xapian
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("the xapian extra is not installed (make setup installs it)")
        pytest.skip("xapian bindings not installed: pip install -e '.[xapian]'")
    return xapian


@pytest.fixture
def shard_servers(tmp_path, xapian_module):
    servers = ShardServers(tmp_path / "shards")
    yield servers
    servers.close()

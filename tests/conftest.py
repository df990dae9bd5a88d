"""Session fixtures: engines over the bundled and the real corpus, and a token counter.

Indexes are saved by default in the user's cache folder ($XDG_CACHE_HOME/newsbot); the
whole suite, and every process it starts, points that at a temporary folder, so no test
ever writes into the real home cache.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from helpers import BUNDLED_CORPUS, shared_path

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.text.chunking import token_counter

TEST_CACHE = tempfile.mkdtemp(prefix="newsbot-test-cache-")
os.environ["XDG_CACHE_HOME"] = TEST_CACHE  # before any Config() picks its default index path


@pytest.fixture(scope="session", autouse=True)
def _temporary_cache():
    """Removes the suite's cache folder when the session ends."""
    yield TEST_CACHE
    shutil.rmtree(TEST_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def count_tokens():
    return token_counter("cl100k_base")


@pytest.fixture(scope="session")
def shared_engine() -> Engine:
    return Engine.from_config(Config().with_corpus(shared_path("corpus")))


@pytest.fixture(scope="session")
def bundled_engine() -> Engine:
    return Engine.from_config(Config().with_corpus(BUNDLED_CORPUS))

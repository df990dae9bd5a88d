"""Session fixtures: engines over the bundled and the real corpus, and a token counter."""

from __future__ import annotations

import pytest
from helpers import BUNDLED_CORPUS, shared_path

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.text.chunking import token_counter


@pytest.fixture(scope="session")
def count_tokens():
    return token_counter("cl100k_base")


@pytest.fixture(scope="session")
def shared_engine() -> Engine:
    return Engine.from_config(Config().with_corpus(shared_path("corpus")))


@pytest.fixture(scope="session")
def bundled_engine() -> Engine:
    return Engine.from_config(Config().with_corpus(BUNDLED_CORPUS))

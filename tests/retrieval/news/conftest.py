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

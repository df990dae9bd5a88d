"""Paths the tests share: the bundled corpus and the real corpus beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; CI always has it, a laptop may not."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must have ../shared beside the checkout")
        pytest.skip(f"{path} is not here (it is beside the checkout in CI)")
    return path


# A corpus written for the news features: several stories, each told by two or three
# outlets in their own words, and which story each article tells.
NEWS = ROOT / "tests" / "data" / "news"
NEWS_CORPUS = NEWS / "corpus"


def gold_stories() -> dict[str, str]:
    import yaml

    return yaml.safe_load((NEWS / "stories.yaml").read_text(encoding="utf-8"))

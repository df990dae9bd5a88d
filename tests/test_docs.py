"""The docs a newcomer reads: a README that fits on a screen, links that lead somewhere,
figures that cite the results file they come from, every config key documented."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import ROOT

from retrieval.config import Config

README_LINES = 250
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_RESULTS = re.compile(r"results-[A-Za-z0-9_.-]+?\.json")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]+`")  # inline code: `[text](link)` there is an example
# A measured figure: a rate, a latency, a share. Limits and examples live in code blocks or
# are sizes (MiB), which this leaves alone.
_FIGURE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|ms\b|q/s\b)")
_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def _prose(page: Path) -> str:
    return _FENCE.sub("", page.read_text(encoding="utf-8"))


def test_the_readme_fits_on_a_screen_or_two():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LINES


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_and_cited_results_file_exists(page):
    text = page.read_text(encoding="utf-8")
    for target in _LINK.findall(_CODE.sub("", _prose(page))):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{page.name} links to {target}, which does not exist"
    for cited in set(_RESULTS.findall(text)):
        assert (ROOT / "benchmarks" / cited).is_file(), f"{page.name} cites {cited}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_with_measured_figures_cites_their_results_file_and_date(page):
    prose = _prose(page)
    if _FIGURE.search(prose):
        assert _RESULTS.search(prose), f"{page.name} gives figures without a results file"
        assert _DATE.search(prose), f"{page.name} gives figures without saying when"


def _keys(obj: object, prefix: str = "") -> Iterator[str]:
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            yield from _keys(value, f"{prefix}{f.name}.")
        else:
            yield prefix + f.name


def test_every_config_key_is_documented_and_in_config_yaml():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    for key in _keys(Config()):
        assert f"`{key}`" in documented, f"{key} is not in docs/configuration.md"
        node = shipped
        for part in key.split("."):
            assert isinstance(node, dict) and part in node, f"{key} is not in config.yaml"
            node = node[part]


def test_the_golden_question_counts_the_docs_give_are_the_files():
    cases = yaml.safe_load((ROOT / "tests/data/bundled_questions.yaml").read_text("utf-8"))
    answerable = sum(1 for c in cases if "expect" in c)
    said = re.findall(
        r"`tests/data/bundled_questions.yaml`: (\d+) and (\d+)",
        " ".join(_prose(p) for p in PAGES),
    )
    assert said and all((int(a), int(b)) == (answerable, len(cases) - answerable) for a, b in said)

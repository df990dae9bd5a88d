"""The digest groups one story told by several outlets in their own words into one entry."""

from __future__ import annotations

from datetime import UTC, datetime

from helpers import NEWS_CORPUS, gold_stories

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.news.digest import digest

SINCE, UNTIL = datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)


def _engine() -> Engine:
    return Engine.from_config(Config().with_corpus(NEWS_CORPUS))


def test_every_story_is_one_entry_and_no_two_stories_merge():
    gold = gold_stories()
    d = digest(_engine(), SINCE, UNTIL)
    groups = [{gold[s.file] for s in entry.sources} for entry in d.entries]
    assert all(len(g) == 1 for g in groups), groups  # no entry mixes stories
    assert sorted(g.pop() for g in groups) == sorted(set(gold.values()))  # none split
    assert d.articles == len(gold) and d.undated == 1


def test_entries_lead_with_the_most_reported_and_a_central_lede():
    d = digest(_engine(), SINCE, UNTIL)
    counts = [len(e.outlets) for e in d.entries]
    assert counts == sorted(counts, reverse=True) and counts[0] == 3
    ferry = next(e for e in d.entries if "erry" in e.headline)
    assert "£3" in ferry.lede  # the fact every outlet's version carries
    for entry in d.entries:  # a lede is a sentence of one of the story's articles
        assert entry.lede.endswith(".") and len(entry.lede.split()) >= 5


def test_the_period_bounds_the_digest():
    d = digest(_engine(), datetime(2026, 12, 1, tzinfo=UTC), UNTIL)
    gold = gold_stories()
    told = {gold[s.file] for e in d.entries for s in e.sources}
    assert "kelvin-bridge" not in told and "ferry-fares" in told
    assert (
        digest(
            _engine(), datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC)
        ).entries
        == ()
    )

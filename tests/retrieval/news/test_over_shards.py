"""Timelines, digests and alerts over Xapian shards: the same as over the embedded index."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from retrieval.answering.engine import Engine, write_shards
from retrieval.config import Config, XapianConfig
from retrieval.news.alerts import Alert, collect
from retrieval.news.digest import digest
from retrieval.news.store import Store
from retrieval.news.timeline import timeline

REOPEN = """---
title: Kelvin Bridge to reopen on Friday
publisher: Almer Gazette
published: 2026-12-04T09:00:00Z
---
# Kelvin Bridge to reopen on Friday

Kelvin Bridge will reopen to traffic on Friday after the cracked girder was replaced.
"""


def _sharded(corpus, servers) -> tuple[Engine, Config]:
    shards = tuple(s.address for s in servers)
    xapian = XapianConfig(
        shards, connect_timeout_seconds=1.0, timeout_seconds=1.0, retry_seconds=0.0
    )
    config = dataclasses.replace(Config(), backend="xapian", xapian=xapian).with_corpus(corpus)
    embedded, _ = write_shards(config)
    return embedded, config


def test_timeline_digest_and_alerts_over_shards(news_copy, shard_servers, tmp_path):
    embedded, config = _sharded(news_copy, shard_servers.start(2))
    sharded = Engine.from_config(config)
    line, want = timeline(sharded, "Kelvin Bridge"), timeline(embedded, "Kelvin Bridge")
    assert [e.source.file for e in line.events] == [e.source.file for e in want.events]
    assert [len(e.also) for e in line.events] == [len(e.also) for e in want.events]
    period = datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
    got, expected = digest(sharded, *period), digest(embedded, *period)
    assert [[s.file for s in e.sources] for e in got.entries] == [
        [s.file for s in e.sources] for e in expected.entries
    ]
    store = Store(tmp_path / "s.sqlite")
    store.follow("Kelvin Bridge", "channel", 1, 1)
    assert collect(store, sharded, ("channel",)) == 0  # the archive is not news
    (news_copy / "reopen.md").write_text(REOPEN, encoding="utf-8")
    write_shards(config)  # the indexer writes the new file to the shards
    sharded = sharded.refreshed() or sharded
    assert collect(store, sharded, ("channel",)) == 1
    (pending,) = store.pending()
    assert Alert.of(pending.payload).source.headline == "Kelvin Bridge to reopen on Friday"

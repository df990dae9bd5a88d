"""The subscription store: durable, never repeats, never silently emptied."""

from __future__ import annotations

import sqlite3

import pytest

from retrieval.news.store import MAX_FOLLOWS, SCHEMA_VERSION, FollowError, Store


def test_a_subscription_survives_reopening_and_is_not_duplicated(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    made, new = store.follow("Night  trams", "channel", 5, 7)
    assert new
    store.close()
    again = Store(tmp_path / "s.sqlite")
    same, new = again.follow("night trams", "channel", 5, 7)
    assert not new and same.id == made.id
    assert [s.topic for s in again.subscriptions("channel", 5)] == ["Night trams"]
    assert again.unfollow(made.id) and not again.unfollow(made.id)
    assert again.subscriptions() == []


def test_first_use_counts_the_archive_as_seen_then_only_new_keys(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    assert store.unseen(["a#0", "b#0"]) == []
    assert store.unseen(["a#0", "b#0", "c#0"]) == ["c#0"]
    store.queue(["c#0"], [])
    store.close()
    assert Store(tmp_path / "s.sqlite").unseen(["a#0", "c#0", "d#0"]) == ["d#0"]


def test_an_alert_stays_pending_until_sent_and_is_queued_once(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    sub, _ = store.follow("trams", "dm", 9, 9)
    store.unseen([])
    store.queue(["x#0"], [(sub.id, "x#0", {"headline": "Trams"})])
    store.queue(["x#0"], [(sub.id, "x#0", {"headline": "Trams again"})])  # ignored: owed once
    (pending,) = store.pending()
    assert pending.payload == {"headline": "Trams"}
    store.failed([pending])
    store.close()
    store = Store(tmp_path / "s.sqlite")  # a restart: still owed, attempt counted
    (pending,) = store.pending()
    assert pending.attempts == 1
    store.sent([pending])
    assert store.pending() == []
    assert store.delivered_since("dm", 9, 0) == 1


def test_paused_targets_owe_nothing_until_resumed(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    sub, _ = store.follow("trams", "channel", 4, 1)
    store.unseen([])
    store.queue(["x#0"], [(sub.id, "x#0", {})])
    assert [s.id for s in store.pause("channel", 4)] == [sub.id]
    assert store.pause("channel", 4) == []  # already paused: reported once
    assert store.pending() == []
    store.resume("channel", 4)
    assert len(store.pending()) == 1


def test_a_corrupt_store_is_moved_aside_not_emptied(tmp_path):
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    store = Store(path)
    assert store.moved_aside is not None
    assert store.moved_aside.read_bytes().startswith(b"this is not a database")
    assert store.subscriptions() == []  # a new, working store
    store.follow("trams", "dm", 1, 1)


def test_bad_topics_and_too_many_are_refused(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    with pytest.raises(FollowError, match="Name a topic"):
        store.follow("  ", "dm", 1, 1)
    with pytest.raises(FollowError, match="under"):
        store.follow("x" * 300, "dm", 1, 1)
    for i in range(MAX_FOLLOWS):
        store.follow(f"topic {i}", "dm", 1, 1)
    with pytest.raises(FollowError, match="unfollow one first"):
        store.follow("one more", "dm", 1, 1)


def test_a_version_1_store_opens_with_its_subscriptions_and_alerts_kept(tmp_path):
    path = tmp_path / "s.sqlite"
    store = Store(path)
    kept, _ = store.follow("night trams", "channel", 1, 1)
    store.unseen(["a"])  # first use: the archive seen
    store.queue(["b"], [(kept.id, "b", {"x": 1})])
    store.close()
    db = sqlite3.connect(path)  # as schema 1 left it: no table of covered copies
    db.execute("DROP TABLE covered")
    db.execute("UPDATE meta SET value='1' WHERE key='schema'")
    db.commit()
    db.close()
    store = Store(path)
    assert store.moved_aside is None
    assert [s.topic for s in store.subscriptions()] == ["night trams"]
    assert [p.article for p in store.pending()] == ["b"]
    store.queue(["c"], [], [(kept.id, "c", "b")])  # and it can record covered copies now
    assert store.covered(kept.id) == {"c": "b"}
    version = store._query("SELECT value FROM meta WHERE key='schema'")
    assert version == [(str(SCHEMA_VERSION),)]

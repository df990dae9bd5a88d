"""Subscriptions and the alerts owed to them, durable in SQLite (stdlib, WAL mode).

What a reader asked to follow is user data: it survives restarts, and an alert is
neither lost nor repeated. So every article a refresh added is queued, for each
subscription it matches, in the same transaction that records the article as seen;
an alert is marked sent only once the channel accepted it, and anything queued but
unsent is sent again after a restart. A store that SQLite cannot read is moved aside
(and reported by the caller), never silently replaced by an empty one.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.errors import UserError
from retrieval.text.normalize import fold_key

log = logging.getLogger("newsbot.news")

STORE_FILE = "subscriptions.sqlite"  # the bot's
CLI_STORE_FILE = "follow-cli.sqlite"  # `newsbot follow`'s: its own articles seen
# 2: `covered`, a later outlet's copy of a story already alerted (a version 1 store
# gains the table when opened, and nothing else changes).
SCHEMA_VERSION = 2
# Who receives a subscription's alerts: a channel, a member by direct message, or a
# terminal (`newsbot follow`, which keeps its own subscriptions apart from the bot's).
KINDS = ("channel", "dm", "cli")
# A topic is a short query, like a question: longer than this is a paste, not a topic.
MAX_TOPIC_CHARS = 200
# How many topics one member or channel may follow: enough for a newsroom desk, few
# enough that /following fits on one page.
MAX_FOLLOWS = 25

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    topic_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    target INTEGER NOT NULL,
    owner INTEGER NOT NULL,
    created REAL NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, target, topic_key)
);
CREATE TABLE IF NOT EXISTS seen (article TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS alerts (
    subscription INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    article TEXT NOT NULL,
    payload TEXT NOT NULL,
    queued REAL NOT NULL,
    sent REAL,
    summarised INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (subscription, article)
);
CREATE TABLE IF NOT EXISTS covered (
    subscription INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    article TEXT NOT NULL,
    story TEXT NOT NULL,
    PRIMARY KEY (subscription, article)
);
CREATE TABLE IF NOT EXISTS threads (thread INTEGER PRIMARY KEY, last TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS digests (channel INTEGER NOT NULL, day TEXT NOT NULL,
                                    PRIMARY KEY (channel, day));
CREATE INDEX IF NOT EXISTS alerts_unsent ON alerts (sent) WHERE sent IS NULL;
CREATE INDEX IF NOT EXISTS alerts_queued ON alerts (queued);  -- `alerted`: the recent ones
"""


class FollowError(UserError):
    """A follow request the store refuses; the message says why."""


@dataclass(frozen=True)
class Subscription:
    id: int
    topic: str
    kind: str  # one of KINDS
    target: int  # the channel's or the member's id (0 for the terminal)
    owner: int  # who subscribed
    paused: bool = False


@dataclass(frozen=True)
class Pending:
    """An alert queued for a subscription and not yet accepted by its channel."""

    subscription: Subscription
    article: str  # the article's key
    payload: dict[str, Any]  # everything needed to send it (the article may be gone by then)
    queued: float
    attempts: int


def topic_key(topic: str) -> str:
    """One key per topic however it is typed ("Night trams", "night  trams")."""
    return " ".join(fold_key(topic).split())


class Store:
    """The subscriptions database under index.path; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.moved_aside: Path | None = None  # where an unreadable store went, to report
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._seen: set[str] | None = None  # article keys already matched, once read
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            self.moved_aside = _move_aside(path)
            log.error(
                "subscription store %s is unreadable (%s); moved to %s and started anew",
                path,
                exc,
                self.moved_aside,
            )
            self._db = self._open()

    @classmethod
    def under(cls, index_path: Path, name: str = STORE_FILE) -> Store:
        return cls(index_path / name)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoint, never corrupt
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check}")
            db.executescript(_SCHEMA)
            version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if version is None:
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(version[0]) == 1:  # the schema script above added what 2 has more
                db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION),))
            elif int(version[0]) != SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"schema version {version[0]}, expected {SCHEMA_VERSION}"
                )
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _tx(self, sql: str, rows: Iterable[Sequence[Any]] = ()) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(sql, rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- subscriptions -----------------------------------------------------------------

    def follow(self, topic: str, kind: str, target: int, owner: int) -> tuple[Subscription, bool]:
        """The subscription (new, or the one that already existed) and whether it is new."""
        topic = " ".join(topic.split())
        if kind not in KINDS:
            raise ValueError(f"unknown subscription kind {kind!r}")
        if not topic_key(topic):
            raise FollowError("Name a topic to follow, for example: night trams")
        if len(topic) > MAX_TOPIC_CHARS:
            raise FollowError(f"Please keep a topic under {MAX_TOPIC_CHARS} characters.")
        existing = self.find(topic, kind, target)
        if existing is not None:
            return existing, False
        if len(self.subscriptions(kind, target)) >= MAX_FOLLOWS:
            raise FollowError(
                f"That's {MAX_FOLLOWS} topics already; unfollow one first (/following)."
            )
        self._tx(
            "INSERT INTO subscriptions (topic, topic_key, kind, target, owner, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(topic, topic_key(topic), kind, target, owner, time.time())],
        )
        made = self.find(topic, kind, target)
        assert made is not None
        return made, True

    def find(self, topic: str, kind: str, target: int) -> Subscription | None:
        rows = self._query(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE kind=? AND target=? AND topic_key=?",
            (kind, target, topic_key(topic)),
        )
        return _subscription(rows[0]) if rows else None

    def unfollow(self, subscription_id: int) -> bool:
        """Remove a subscription and what it still owed; False when there was none."""
        found = self._query("SELECT id FROM subscriptions WHERE id=?", (subscription_id,))
        self._tx("DELETE FROM subscriptions WHERE id=?", [(subscription_id,)])
        return bool(found)

    def subscriptions(
        self, kind: str | None = None, target: int | None = None
    ) -> list[Subscription]:
        where, args = [], []
        if kind is not None:
            where.append("kind=?")
            args.append(kind)
        if target is not None:
            where.append("target=?")
            args.append(target)
        sql = f"SELECT {_COLUMNS} FROM subscriptions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_subscription(r) for r in self._query(sql + " ORDER BY id", args)]

    def pause(self, kind: str, target: int) -> list[Subscription]:
        """Pause every subscription delivering to `target` (it can no longer be posted to)."""
        paused = [s for s in self.subscriptions(kind, target) if not s.paused]
        self._tx("UPDATE subscriptions SET paused=1 WHERE kind=? AND target=?", [(kind, target)])
        return paused

    def resume(self, kind: str, target: int) -> None:
        self._tx("UPDATE subscriptions SET paused=0 WHERE kind=? AND target=?", [(kind, target)])

    # -- articles seen and alerts queued -----------------------------------------------

    def unseen(self, keys: Iterable[str]) -> list[str]:
        """The keys never matched before, in the given order.

        On a store's first use every article present counts as seen: following a topic
        means what comes next, not the archive. The seen keys are read once and then
        kept in memory, so a refresh costs a set lookup per article.
        """
        keys = list(dict.fromkeys(keys))
        with self._lock:
            if self._seen is None:
                rows = self._db.execute("SELECT article FROM seen").fetchall()
                self._seen = {r[0] for r in rows}
            started = self._db.execute("SELECT 1 FROM meta WHERE key='started'").fetchone()
        if started is None:
            self.queue(keys, ())
            self._tx("INSERT INTO meta VALUES ('started', ?)", [(str(time.time()),)])
            return []
        return [k for k in keys if k not in self._seen]

    def queue(
        self,
        seen: Sequence[str],
        alerts: Iterable[tuple[int, str, dict[str, Any]]],
        covered: Iterable[tuple[int, str, str]] = (),
    ) -> None:
        """Record articles as seen, the alerts they owe and the copies of stories already
        alerted (subscription, article, the alerted article), in one transaction."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", ((k,) for k in seen))
                self._db.executemany(
                    "INSERT OR IGNORE INTO alerts (subscription, article, payload, queued) "
                    "VALUES (?, ?, ?, ?)",
                    ((s, a, json.dumps(p, ensure_ascii=False), now) for s, a, p in alerts),
                )
                self._db.executemany("INSERT OR IGNORE INTO covered VALUES (?, ?, ?)", covered)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            if self._seen is not None:
                self._seen.update(seen)

    def alerted(self, subscriptions: Iterable[int], since: float) -> dict[int, list[str]]:
        """The articles each subscription was alerted to (queued) since a time, oldest
        first: what a later copy of the same story is grouped against. One query: what
        was queued lately is bounded by the hourly caps."""
        wanted = set(subscriptions)
        found: dict[int, list[str]] = {}
        rows = self._query(
            "SELECT subscription, article FROM alerts WHERE queued >= ? ORDER BY queued, rowid",
            (since,),
        )
        for subscription, article in rows:
            if subscription in wanted:
                found.setdefault(subscription, []).append(article)
        return found

    def covered(self, subscription: int) -> dict[str, str]:
        """A subscription's later copies of stories it was alerted to: article -> the
        alerted article."""
        rows = self._query(
            "SELECT article, story FROM covered WHERE subscription=?", (subscription,)
        )
        return dict(rows)

    def pending(self) -> list[Pending]:
        """Alerts owed to active subscriptions, oldest first."""
        rows = self._query(
            f"SELECT {_COLUMNS_S}, a.article, a.payload, a.queued, a.attempts FROM alerts a "
            "JOIN subscriptions s ON s.id = a.subscription "
            "WHERE a.sent IS NULL AND s.paused = 0 ORDER BY a.queued, a.rowid"
        )
        return [Pending(_subscription(r[:7]), r[7], json.loads(r[8]), r[9], r[10]) for r in rows]

    def sent(self, pending: Sequence[Pending], summarised: bool = False) -> None:
        """Mark alerts as delivered (or folded into one "N more" message)."""
        now = time.time()
        self._tx(
            "UPDATE alerts SET sent=?, summarised=? WHERE subscription=? AND article=?",
            [(now, int(summarised), p.subscription.id, p.article) for p in pending],
        )

    def failed(self, pending: Sequence[Pending]) -> None:
        """Count a failed attempt; the alerts stay queued and are tried again."""
        self._tx(
            "UPDATE alerts SET attempts=attempts+1 WHERE subscription=? AND article=?",
            [(p.subscription.id, p.article) for p in pending],
        )

    def delivered_since(self, kind: str, target: int, since: float) -> int:
        """Alerts (not "N more" summaries) delivered to a target since a time: for caps."""
        rows = self._query(
            "SELECT COUNT(*) FROM alerts a JOIN subscriptions s ON s.id = a.subscription "
            "WHERE s.kind=? AND s.target=? AND a.sent >= ? AND a.summarised = 0",
            (kind, target, since),
        )
        return int(rows[0][0])

    # -- follow-up threads and daily digests ---------------------------------------------

    def conversation(self, thread: int) -> str | None:
        """The last question read in a follow-up thread the bot opened (None: not ours)."""
        rows = self._query("SELECT last FROM threads WHERE thread=?", (thread,))
        return rows[0][0] if rows else None

    def remember(self, thread: int, last: str) -> None:
        self._tx("INSERT OR REPLACE INTO threads VALUES (?, ?)", [(thread, last)])

    def digest_posted(self, channel: int, day: str) -> bool:
        return bool(self._query("SELECT 1 FROM digests WHERE channel=? AND day=?", (channel, day)))

    def mark_digest(self, channel: int, day: str) -> None:
        """A channel got its digest for `day` (a restart does not post it again)."""
        self._tx("INSERT OR IGNORE INTO digests VALUES (?, ?)", [(channel, day)])


_COLUMNS = "id, topic, kind, target, owner, created, paused"
_COLUMNS_S = "s.id, s.topic, s.kind, s.target, s.owner, s.created, s.paused"


def _subscription(row: Sequence[Any]) -> Subscription:
    return Subscription(row[0], row[1], row[2], int(row[3]), int(row[4]), bool(row[6]))


def _move_aside(path: Path) -> Path:
    """Rename an unreadable store (and its WAL files) so nothing in it is lost."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            part.rename(Path(f"{aside}{suffix}"))
    return aside

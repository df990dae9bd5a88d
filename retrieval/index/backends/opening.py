"""Which backend a config names, opened: the embedded index or the Xapian shards.

The one place that tells the two apart; everything above reads the Backend contract.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from retrieval.config import Config, ConfigError
from retrieval.index import store
from retrieval.index.backends.base import Backend, Progress
from retrieval.index.backends.embedded import EmbeddedBackend
from retrieval.index.backends.loading import params
from retrieval.models import Article

if TYPE_CHECKING:  # xapian is optional: imported only when shards are used
    from retrieval.index.backends.shards.writer import ShardReport

NO_SHARDS = "config key 'backend': xapian needs the xapian extra (pip install 'newsbot[xapian]')"


def open_backend(config: Config, progress: Progress | None = None) -> Backend:
    """The configured backend, ready to answer.

    Embedded: the saved index when it matches the corpus, re-reading only what
    changed. Xapian: the shards (no corpus is read here; the indexer writes them).
    """
    if config.backend == "xapian":
        return _open_shards(config)
    return EmbeddedBackend.open(config, progress)


def in_memory(articles: Sequence[Article], config: Config) -> Backend:
    """An index over articles given in memory (no corpus folder, nothing saved)."""
    return EmbeddedBackend.from_articles(articles, config)


def _open_shards(config: Config) -> Backend:
    """The Xapian backend over the configured shards (the optional `xapian` extra)."""
    try:
        from retrieval.index.backends.shards.search import ShardSet, XapianBackend
        from retrieval.index.backends.shards.writer import Timeouts
    except ImportError:
        raise ConfigError(NO_SHARDS) from None
    x = config.xapian
    timeouts = Timeouts(x.connect_timeout_seconds, x.timeout_seconds)
    backend = XapianBackend(ShardSet(x.addresses(), timeouts, x.retry_seconds), params(config))
    backend.refreshed()  # connects; a shard that is down is retried on later queries
    return backend


def write_shards(
    config: Config, progress: Progress | None = None
) -> tuple[EmbeddedBackend, list[ShardReport]]:
    """`newsbot index --backend xapian`: read the corpus (incrementally), then sync the shards.

    The embedded index over the corpus is this machine's record of what was read
    (saved under index.path when index.persist is on); the shards get its live chunks.
    """
    try:
        from retrieval.index.backends.shards.writer import Timeouts, sync
    except ImportError:
        raise ConfigError(NO_SHARDS) from None
    embedded = EmbeddedBackend.open(dataclasses.replace(config, backend="embedded"), progress)
    x = config.xapian
    settings = store.fingerprint({"chunking": dataclasses.asdict(config.chunking)})
    timeouts = Timeouts(x.connect_timeout_seconds, x.timeout_seconds)
    return embedded, sync(x.write_targets(), embedded.catalog, settings, timeouts)

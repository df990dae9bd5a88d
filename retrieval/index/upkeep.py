"""Keeping a live index in step with its corpus folder: open, refresh, save, merge, verify.

Start-up maps the saved segments (nothing is read whole) and checks their
checksums in a background thread once the index has answered a first query;
a failed check makes the next refresh rebuild. A refresh writes the change as
one segment and a new generation; when the merge policy asks for it, a
background thread merges neighbouring segments and commits the result only if
nothing else was committed meanwhile (else it is tried again after a later
change). The next refresh picks up a generation committed by a merge.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from retrieval.config import Config
from retrieval.index import store, updates
from retrieval.index.bm25 import BM25Params
from retrieval.index.catalog import FileState, Progress, analyze_articles
from retrieval.index.forward import Forward, Vocabulary
from retrieval.index.live import FileEntry, LiveIndex
from retrieval.models import Article, Chunk
from retrieval.reading.ingest import signature
from retrieval.text.tokens import token_counter

log = logging.getLogger("newsbot.upkeep")

_merges: list[threading.Thread] = []  # background merges of this process, for settle()


def params_of(config: Config) -> BM25Params:
    p = config.bm25
    return BM25Params(p.k1, p.b, p.epsilon)


def open_index(config: Config, progress: Progress | None = None) -> LiveIndex:
    """The saved live index when there is a sound one, brought up to date with the corpus."""
    live = None
    saved = store.location(config.index.path, config.corpus)
    if config.index.persist and store.exists(saved):
        try:
            live, verify = store.load(saved, config.index_settings(), verify=False)
            live.on_first_search = lambda: _verify_later(live, verify)
            # The chunker's tokenizer takes a moment to load: ready before the first change.
            threading.Thread(
                target=token_counter, args=(config.chunking.encoding,), daemon=True
            ).start()
        except store.StoreError as exc:
            log.warning("building the index anew: %s", exc)
    if live is None:
        live = updates.empty(params_of(config))
    return refresh(live, config, progress) or live


def _verify_later(live: LiveIndex, verify) -> None:
    def run() -> None:
        try:
            verify()
        except store.StoreError as exc:
            log.error("the saved index is damaged; rebuilding at the next refresh: %s", exc)
            live.health.damaged = str(exc)
        finally:
            live.health.checked.set()

    threading.Thread(target=run, name="newsbot-verify", daemon=True).start()


def refresh(live: LiveIndex, config: Config, progress: Progress | None = None) -> LiveIndex | None:
    """The live index after the corpus' changes (and any merge committed meanwhile);
    None when nothing changed."""
    saved = store.location(config.index.path, config.corpus)
    adopted = None
    health = live.health
    if health.damaged:
        live = adopted = updates.empty(params_of(config))
        health = live.health
    elif config.index.persist and live.generation and store.generation(saved) != live.generation:
        try:  # a merge (or another indexer) committed since: adopt it, reusing segments
            reuse = {s.name: s for s in live.segments}
            adopted, _ = store.load(saved, config.index_settings(), verify=True, reuse=reuse)
            adopted.health = health
            live = adopted
        except store.StoreError as exc:
            log.warning("ignoring the saved generation: %s", exc)
    changed = updates.refresh(
        live,
        config.corpus,
        config.chunking,
        config.index.workers,
        progress,
        config.corpus_allow_outside,
        config.index.memory_mb,
    )
    if changed is None:
        if config.index.persist:  # a merge a killed run never finished is started again
            _maybe_merge(adopted or live, config)
        return adopted
    fresh, segment = changed
    fresh.health = health
    if config.index.persist:
        try:
            store.commit(saved, fresh, config.index_settings(), [segment] if segment else [])
        except OSError as exc:
            log.warning("could not save the index to %s: %s", saved, exc)
    return _maybe_merge(fresh, config)


def _maybe_merge(live: LiveIndex, config: Config) -> LiveIndex:
    """Merge neighbours when the policy says so: in the background for a saved index
    (committed for the next refresh to adopt); at once in memory (nothing to save)."""
    run = updates.merge_due(live, config.index.merge_factor)
    if run is None:
        return live
    if not config.index.persist:
        merged, _ = updates.merge(live, *run, config.index.memory_mb)
        merged.health = live.health
        return merged
    _merges[:] = [t for t in _merges if t.is_alive()]
    if not live.generation or _merges:
        return live  # not saved, or a merge is running: the next refresh looks again
    thread = threading.Thread(
        target=_merge, args=(live, run, config), name="newsbot-merge", daemon=True
    )
    _merges.append(thread)
    thread.start()
    return live


def _merge(live: LiveIndex, run: tuple[int, int], config: Config) -> None:
    saved = store.location(config.index.path, config.corpus)
    try:
        merged, segment = updates.merge(live, *run, config.index.memory_mb)
        name = store.commit(
            saved,
            merged,
            config.index_settings(),
            [segment],
            check=lambda _: store.generation(saved) == live.generation,
        )
        if name is None:
            log.info("merge skipped: the index changed meanwhile")
        else:
            log.info("merged %d segments into %s", run[1] - run[0], segment.name)
    except Exception:
        log.exception("background merge failed; the index is unchanged")


def settle() -> None:
    """Wait for this process' background merges (before a command exits)."""
    while _merges:
        _merges.pop().join()


def in_memory(articles: Sequence[Article], config: Config) -> LiveIndex:
    """A one-segment live index over articles in memory (no corpus folder, no de-duplication)."""
    chunks, terms = analyze_articles(articles, config.chunking)
    vocabulary = Vocabulary()
    forward = Forward.from_docs(terms, vocabulary)
    return one_segment(
        articles, chunks, forward, list(vocabulary), params_of(config), config.index.memory_mb
    )


def one_segment(
    articles: Sequence[Article],
    chunks: Sequence[Chunk],
    forward: Forward,
    vocabulary: list[str],
    params: BM25Params,
    memory_mb: int,
) -> LiveIndex:
    """A live index of one segment over chunks already analysed (`forward` holds their
    terms, numbered by `vocabulary`)."""
    files = list(dict.fromkeys(a.file for a in articles))
    where = {f: i for i, f in enumerate(files)}
    table = np.array([(c.article, c.paragraph, c.start, c.end) for c in chunks], dtype=np.int64)
    segment = updates.make_segment(
        updates.segment_name(),
        files,
        np.array([where[a.file] for a in articles], dtype=np.int32),
        list(articles),
        [signature(a) for a in articles],
        table.reshape(-1, 4),
        forward,
        [],
        len(vocabulary),
        params,
        memory_mb,
    )
    entries = {f: FileEntry(FileState(0, 0, ""), segment.name) for f in files}
    slots = [np.arange(len(articles), dtype=np.int64)]  # no copies: each its own story
    return LiveIndex([segment], entries, list(vocabulary), slots, params, leads=slots)

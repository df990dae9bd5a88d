"""De-duplication of a live index, redone only where a change can reach.

`dedupe_order` is greedy and order-dependent, but an article's fate depends only on
the articles it shares a key with (a link, a feed item id, a folded headline and
publisher), and theirs on theirs: the articles fall into components of that
sharing, and each component's clusters come out the same whatever else the corpus
holds. A change (new articles at the end, deleted ones) can only alter the
components its articles' keys reach; those are run through `dedupe_order` again,
in corpus order, and every other cluster keeps its kept copy and its place.

Each segment keeps its articles' keys hashed (DedupeKeys, saved with it), and each
generation, per segment, two arrays over its articles: `slots` (the kept copy of a
cluster -> the cluster's place among kept articles) and `leads` (the first copy of
a cluster -> the same place). Clusters are numbered in the order of their first
copies, as `dedupe_order` lists them, so merging the re-run clusters back in is a
renumbering by position, in numpy, with no article or signature read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.reading.ingest import Signature, dedupe_clusters


def _hash(kind: str, *parts: str) -> int:
    """A key as a stable signed 64-bit hash (collisions only widen a re-run: still exact)."""
    data = "\0".join((kind, *parts)).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique would import numpy.ma on first use: 0.1 s)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def _not_in(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The values not in `known` (sorted, distinct)."""
    at = np.minimum(np.searchsorted(known, values), max(known.size - 1, 0))
    return values[known[at] != values] if known.size else values


def keys_of(signature: Signature) -> list[int]:
    """What an article can share with a copy: its identities and its headline key."""
    keys = [_hash(*identity) for identity in signature.identities]
    return keys + ([_hash("key", *signature.key)] if signature.key else [])


@dataclass(frozen=True)
class DedupeKeys:
    """A segment's articles' hashed keys, by article and sorted for look-up."""

    indptr: np.ndarray  # int64, articles + 1: article a's keys are hashes[indptr[a]:indptr[a+1]]
    hashes: np.ndarray  # int64
    sorted: np.ndarray  # int64, the hashes sorted
    owner: np.ndarray  # int64, the article of each sorted hash

    @classmethod
    def of(cls, signatures: Sequence[Signature]) -> DedupeKeys:
        per = [keys_of(s) for s in signatures]
        indptr = np.zeros(len(per) + 1, dtype=np.int64)
        np.cumsum([len(k) for k in per], out=indptr[1:])
        hashes = np.fromiter((h for k in per for h in k), dtype=np.int64, count=int(indptr[-1]))
        owner = np.repeat(np.arange(len(per), dtype=np.int64), np.diff(indptr))
        order = np.argsort(hashes, kind="stable")
        return cls(indptr, hashes, hashes[order], owner[order])

    def of_articles(self, rows: np.ndarray) -> np.ndarray:
        """The keys of some articles."""
        if not rows.size:
            return np.zeros(0, dtype=np.int64)
        starts, ends = np.asarray(self.indptr[rows]), np.asarray(self.indptr[rows + 1])
        take = np.repeat(starts - np.cumsum(np.r_[0, (ends - starts)[:-1]]), ends - starts)
        return np.asarray(self.hashes)[take + np.arange(take.size)]

    def holders(self, keys: np.ndarray) -> np.ndarray:
        """The articles holding any of `keys` (sorted, unique): a binary search per key."""
        found = np.asarray(self.sorted)
        lo = np.searchsorted(found, keys, "left")
        hi = np.searchsorted(found, keys, "right")
        hit = hi > lo
        if not hit.any():
            return np.zeros(0, dtype=np.int64)
        lo, hi = lo[hit], hi[hit]
        take = np.repeat(lo - np.cumsum(np.r_[0, (hi - lo)[:-1]]), hi - lo)
        return _unique(np.asarray(self.owner)[take + np.arange(take.size)])


def reached(
    keys: Sequence[DedupeKeys], present: Sequence[np.ndarray], seeds: np.ndarray
) -> list[np.ndarray]:
    """Per segment, the present articles connected to `seeds` by shared keys (booleans)."""
    hit = [np.zeros(p.size, dtype=bool) for p in present]
    known = np.zeros(0, dtype=np.int64)
    frontier = _unique(seeds)
    while frontier.size:
        known = _unique(np.concatenate((known, frontier)))
        grown = []
        for k, p, h in zip(keys, present, hit, strict=True):
            rows = k.holders(frontier)
            rows = rows[p[rows] & ~h[rows]]
            h[rows] = True
            grown.append(k.of_articles(rows))
        frontier = _not_in(_unique(np.concatenate(grown)), known) if grown else known[:0]
    return hit


def recluster(
    signatures: Sequence[Sequence[Signature]],
    keys: Sequence[DedupeKeys],
    present: Sequence[np.ndarray],
    previous: Sequence[tuple[np.ndarray, np.ndarray] | None],
    seeds: np.ndarray,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per segment, (slots, leads) after a change, as a whole `dedupe_order` would give.

    `previous[s]`: segment s's (slots, leads) before the change, None for a new segment
    (all of whose present articles are re-run); `seeds`: the keys of deleted articles.
    Only the articles those reach are re-clustered; only their signatures are read."""
    new_rows = [
        p if prev is None else np.zeros(p.size, bool)
        for p, prev in zip(present, previous, strict=True)
    ]
    seeds = np.concatenate(
        [seeds, *(k.of_articles(np.flatnonzero(r)) for k, r in zip(keys, new_rows, strict=True))]
    )
    affected = reached(keys, present, seeds)
    for a, r in zip(affected, new_rows, strict=True):
        a |= r
    sizes = np.array([p.size for p in present], dtype=np.int64)
    base = np.concatenate(([0], np.cumsum(sizes)))
    places = [base[s] + np.flatnonzero(a) for s, a in enumerate(affected)]
    where = np.concatenate(places) if places else np.zeros(0, dtype=np.int64)
    component = [
        signatures[s][i] for s, a in enumerate(affected) for i in np.flatnonzero(a).tolist()
    ]
    clusters = np.asarray(dedupe_clusters(component), dtype=np.int64).reshape(-1, 2)
    first, kept = where[clusters[:, 0]], where[clusters[:, 1]]

    # Clusters left alone keep their first and kept copies; all are renumbered by position.
    leads_at = np.zeros(int(base[-1]), dtype=bool)
    old_ids, old_places = [], []
    for s, prev in enumerate(previous):
        if prev is None:
            continue
        _, leads = prev
        stays = (np.asarray(leads) >= 0) & present[s] & ~affected[s]
        rows = np.flatnonzero(stays)
        old_ids.append(np.asarray(leads)[rows])
        old_places.append(base[s] + rows)
    old_place = np.concatenate(old_places) if old_places else np.zeros(0, np.int64)
    leads_at[old_place] = True
    leads_at[first] = True
    rank = np.cumsum(leads_at) - 1
    ids = np.concatenate(old_ids) if old_ids else np.zeros(0, np.int64)
    renumber = np.full(int(ids.max()) + 1 if ids.size else 0, -1, dtype=np.int64)
    renumber[ids] = rank[old_place]

    slots_all = np.full(int(base[-1]), -1, dtype=np.int64)
    leads_all = np.full(int(base[-1]), -1, dtype=np.int64)
    for s, prev in enumerate(previous):
        if prev is None:
            continue
        old_slots = np.asarray(prev[0])
        stays = (old_slots >= 0) & present[s] & ~affected[s]
        rows = np.flatnonzero(stays)
        slots_all[base[s] + rows] = renumber[old_slots[rows]]
    leads_all[old_place] = rank[old_place]
    slots_all[kept] = rank[first]
    leads_all[first] = rank[first]
    cut = [slice(int(base[s]), int(base[s + 1])) for s in range(len(present))]
    return [slots_all[c] for c in cut], [leads_all[c] for c in cut]

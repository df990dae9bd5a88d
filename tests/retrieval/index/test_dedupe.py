"""De-duplication redone only where a change reaches gives what a whole re-run gives."""

import numpy as np

from retrieval.index import dedupe
from retrieval.index.dedupe import DedupeKeys
from retrieval.reading.ingest import Signature, dedupe_clusters, dedupe_order


def _signature(rng: np.random.Generator) -> Signature:
    """A random article from a small pool of links, headlines and starts, so copies,
    chains of copies and same-headline columns are all common."""
    identities = []
    if rng.random() < 0.5:
        identities.append(("url", f"u{rng.integers(0, 12)}"))
    if rng.random() < 0.2:
        identities.append(("id", f"g{rng.integers(0, 6)}"))
    key = (f"headline {rng.integers(0, 10)}", "Herald") if rng.random() < 0.8 else None
    start = f"story {rng.integers(0, 3)} " * 20
    length = int(rng.integers(100, 400))
    return Signature(tuple(identities), key, start, length, length)


def _whole(signatures, present):
    """Per segment, the kept articles' places as one dedupe_order over the present ones."""
    where = [(s, a) for s, p in enumerate(present) for a in np.flatnonzero(p).tolist()]
    slots = [np.full(p.size, -1) for p in present]
    for place, i in enumerate(dedupe_order([signatures[s][a] for s, a in where])):
        s, a = where[i]
        slots[s][a] = place
    return slots


def test_clusters_list_first_copies_in_order_and_the_kept_one():
    rng = np.random.default_rng(0)
    signatures = [_signature(rng) for _ in range(200)]
    clusters = dedupe_clusters(signatures)
    assert [k for _, k in clusters] == dedupe_order(signatures)
    firsts = [f for f, _ in clusters]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)


def test_redone_where_the_change_reaches_equals_a_whole_rerun():
    for seed in range(40):
        rng = np.random.default_rng(seed)
        signatures, present, state = [], [], []
        for _ in range(6):  # a change: a new segment, and deletions in the old ones
            seeds = [np.zeros(0, dtype=np.int64)]
            for s, p in enumerate(present):
                gone = np.flatnonzero(p & (rng.random(p.size) < 0.15))
                p[gone] = False
                seeds.append(DedupeKeys.of(signatures[s]).of_articles(gone))
            signatures.append([_signature(rng) for _ in range(int(rng.integers(0, 30)))])
            present.append(np.ones(len(signatures[-1]), dtype=bool))
            previous = [*state, None]
            keys = [DedupeKeys.of(s) for s in signatures]
            slots, leads = dedupe.recluster(
                signatures, keys, present, previous, np.concatenate(seeds)
            )
            expected = _whole(signatures, present)
            for got, want in zip(slots, expected, strict=True):
                np.testing.assert_array_equal(got, want)
            state = list(zip(slots, leads, strict=True))


def test_a_change_reads_only_the_signatures_its_keys_reach():
    rng = np.random.default_rng(1)
    old = [_signature(rng) for _ in range(50)]
    lone = Signature((("url", "elsewhere"),), ("a new headline", "Herald"), "new " * 40, 99, 99)

    read = []

    class Counting(list):
        def __getitem__(self, i):
            read.append(i)
            return super().__getitem__(i)

    counted = Counting(old)
    present = [np.ones(50, dtype=bool)]
    whole = _whole([old], present)[0]
    leads = np.full(50, -1)
    for place, (first, _) in enumerate(dedupe_clusters(old)):
        leads[first] = place
    signatures = [counted, [lone]]
    keys = [DedupeKeys.of(old), DedupeKeys.of([lone])]
    slots, _ = dedupe.recluster(
        signatures, keys, [*present, np.ones(1, dtype=bool)], [(whole, leads), None], np.zeros(0)
    )
    assert read == []  # nothing of the old segment shares a key with it
    assert slots[1].tolist() == [whole.max() + 1]
    np.testing.assert_array_equal(slots[0], whole)

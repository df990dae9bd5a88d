"""Spelling candidates over a large vocabulary: symspellpy's dictionary vs a rapidfuzz scan.

    python benchmarks/bench_spelling.py --sizes 200000,1000000 [--json FILE]

The question corrector looks up, for a word the corpus never mentions, the vocabulary
terms within edit distance 2. SymSpell precomputes every deletion of every term (fast
lookups, but a dictionary to build and hold at every load); rapidfuzz scans the terms
in C at each lookup (nothing to build or keep). This measures both on the seeded
pseudo-word vocabulary of benchmarks/synthetic.py: build seconds and MB for SymSpell,
lookup latency (p50/p95 ms) for both and for the engine's own candidate search
(retrieval/answering/correction.py: the stem and the word's prefixes), over 200 typos
(one or two edits) of known terms.
Needs the bench extra (symspellpy).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import synthetic
from bench_retrieval import rss_mb
from rapidfuzz import process
from rapidfuzz.distance import OSA

from retrieval.answering.correction import candidates
from retrieval.index.backends.base import TermStats
from retrieval.text.analysis import word_term

LETTERS = "abcdefghijklmnopqrstuvwxyz"
MAX_EDITS = 2



class BareVocabulary:
    """The two Backend calls `candidates` makes, over a vocabulary alone (every term in one
    chunk): what is timed is the scan, not an index."""

    def __init__(self, terms: list[str]) -> None:
        self.terms = terms

    def vocabulary(self) -> list[str]:
        return self.terms

    def term_stats(self, terms: list[str]) -> TermStats:
        return TermStats(len(self.terms), dict.fromkeys(terms, 1.0), dict.fromkeys(terms, 1))

def typo(word: str, rng: random.Random) -> str:
    """One or two random edits (insert, delete, substitute, transpose)."""
    for _ in range(rng.choice((1, 2))):
        i = rng.randrange(len(word))
        kind = rng.choice("idst")
        if kind == "i":
            word = word[:i] + rng.choice(LETTERS) + word[i:]
        elif kind == "d" and len(word) > 3:
            word = word[:i] + word[i + 1 :]
        elif kind == "s":
            word = word[:i] + rng.choice(LETTERS) + word[i + 1 :]
        elif i < len(word) - 1:
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


def percentiles(times: list[float]) -> tuple[float, float]:
    ms = np.array(times) * 1000
    return round(float(np.percentile(ms, 50)), 2), round(float(np.percentile(ms, 95)), 2)


def bench(size: int) -> list[dict[str, object]]:
    terms = synthetic.vocabulary(size)
    rng = random.Random(5)
    counts = {t: rng.randint(1, 1000) for t in terms}
    queries = [typo(rng.choice(terms), rng) for _ in range(200)]
    rows = []

    times = []
    for q in queries:
        started = time.perf_counter()
        process.extract(q, terms, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None)
        times.append(time.perf_counter() - started)
    p50, p95 = percentiles(times)
    rows.append(
        {
            "impl": "rapidfuzz scan",
            "terms": size,
            "build_s": 0.0,
            "kept_mb": 0.0,
            "p50_ms": p50,
            "p95_ms": p95,
        }
    )

    # What the engine runs: the typed word's stem and its prefixes against the vocabulary.
    index = BareVocabulary(terms)
    times = []
    for q in queries:
        started = time.perf_counter()
        candidates(index, word_term(q) or q, q)
        times.append(time.perf_counter() - started)
    p50, p95 = percentiles(times)
    rows.append(
        {
            "impl": "newsbot candidates (stem + prefixes)",
            "terms": size,
            "build_s": 0.0,
            "kept_mb": 0.0,
            "p50_ms": p50,
            "p95_ms": p95,
        }
    )
    del index

    from symspellpy import SymSpell, Verbosity

    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    sym = SymSpell(max_dictionary_edit_distance=MAX_EDITS, prefix_length=7)
    for term, count in counts.items():
        sym.create_dictionary_entry(term, count)
    build = time.perf_counter() - started
    kept = rss_mb() - before
    times = []
    for q in queries:
        started = time.perf_counter()
        sym.lookup(q, Verbosity.ALL, max_edit_distance=MAX_EDITS)
        times.append(time.perf_counter() - started)
    p50, p95 = percentiles(times)
    rows.append(
        {
            "impl": "symspellpy",
            "terms": size,
            "build_s": round(build, 1),
            "kept_mb": round(kept),
            "p50_ms": p50,
            "p95_ms": p95,
        }
    )
    del sym
    gc.collect()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [row for size in args.sizes.split(",") for row in bench(int(size))]
    for row in rows:
        print(row, flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()

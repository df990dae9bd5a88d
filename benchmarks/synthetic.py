"""Seeded synthetic news-like text for the benchmarks: no download, same corpus every run.

Words follow Zipf's law (frequency ~ 1/rank, as in English text) over a vocabulary of
pronounceable pseudo-words; paragraphs are 40-120 words; queries are 3-8 words drawn
from the same distribution past its 20 most common words (the stop words a real query
loses in analysis), so some queries hold very common terms and most do not.
"""

from __future__ import annotations

import functools

import numpy as np

VOCABULARY = 200_000
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["th", "sh", "ch", "qu"]


@functools.cache  # the same words every call: built once per process
def vocabulary(size: int = VOCABULARY, seed: int = 7) -> tuple[str, ...]:
    rng = np.random.default_rng(seed)
    words, seen = [], set()
    while len(words) < size:
        n = int(rng.integers(1, 5))
        word = "".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), n))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return tuple(words)


def _zipf_ranks(rng: np.random.Generator, count: int, size: int, skip: int = 0) -> np.ndarray:
    """Ranks (0-based) with probability ~ 1/(rank+1), ranks below `skip` excluded."""
    weights = 1.0 / np.arange(1, size + 1)
    weights[:skip] = 0
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(count))


def corpus(chunks: int, seed: int = 42, size: int = VOCABULARY) -> list[list[str]]:
    """`chunks` token lists of 40-120 words each (from the `size` commonest words)."""
    words = np.array(vocabulary(size), dtype=object)
    rng = np.random.default_rng(seed)
    lengths = rng.integers(40, 121, chunks)
    flat = words[_zipf_ranks(rng, int(lengths.sum()), len(words))].tolist()
    out, start = [], 0
    for n in lengths.tolist():
        out.append(flat[start : start + n])
        start += n
    return out


def queries(count: int, seed: int = 99, size: int = VOCABULARY) -> list[list[str]]:
    words = vocabulary(size)
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 9, count)
    ranks = _zipf_ranks(rng, int(lengths.sum()), len(words), skip=20)
    out, start = [], 0
    for n in lengths.tolist():
        out.append([words[r] for r in ranks[start : start + n]])
        start += n
    return out

"""Generated corpora for the backend tests: Zipf-like words plus a few very common ones."""

from __future__ import annotations

import random
from pathlib import Path

from retrieval.config import ChunkingConfig
from retrieval.index.bm25 import BM25Index, BM25Params
from retrieval.index.catalog import Catalog, update

SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
# Words in about 90%, 65% and 40% of paragraphs: idf below zero, floored, and lifted by Xapian.
COMMON = {"valdoran": 0.9, "mirekosa": 0.65, "tavelun": 0.4}
PUBLISHERS = ["North Ledger", "Coast Times", "Valley Post"]


def words(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < count:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(out - set(COMMON))


def paragraph(rng: random.Random, vocab: list[str]) -> str:
    weights = [1 / (i + 1) for i in range(len(vocab))]
    body = rng.choices(vocab, weights, k=rng.randint(15, 70))
    body += [w for w, share in COMMON.items() if rng.random() < share]
    rng.shuffle(body)
    return " ".join(body).capitalize() + "."


def write_corpus(root: Path, files: int = 30, seed: int = 11) -> Path:
    """Markdown files (front matter gives the publisher) in two folders."""
    rng = random.Random(seed)
    vocab = words(600)
    for i in range(files):
        folder = root / ("desk" if i % 3 else "wire")
        folder.mkdir(parents=True, exist_ok=True)
        paragraphs = [paragraph(rng, vocab) for _ in range(rng.randint(2, 7))]
        headline = " ".join(rng.choices(vocab[:80], k=4)).title()
        date = f"2025-0{1 + i % 9}-1{i % 10}"
        front = f"---\npublisher: {PUBLISHERS[i % 3]}\npublished: {date}\n---\n"
        text = front + f"# {headline}\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"story-{i:03d}.md").write_text(text, encoding="utf-8")
    return root


def queries(count: int, seed: int = 5) -> list[list[str]]:
    """Word lists of 1-5 words; about half hold a very common word."""
    rng = random.Random(seed)
    vocab = words(600)
    out = []
    for _ in range(count):
        q = rng.choices(vocab[:300], k=rng.randint(1, 4))
        if rng.random() < 0.5:
            q.append(rng.choice(list(COMMON)))
        out.append(q)
    out += [list(COMMON), [next(iter(COMMON))], ["valdoran", "mirekosa", vocab[0]]]
    return out


def embedded(catalog: Catalog, params: BM25Params) -> tuple[list, list, BM25Index]:
    articles, chunks, rows = catalog.live()
    index = BM25Index.from_forward(catalog.forward.select(rows), catalog.vocabulary, params)
    return articles, chunks, index


def read(root: Path) -> Catalog:
    return update(root, ChunkingConfig())[0]

"""How close each backend's scores are to rank_bm25.BM25Okapi's: measured, not claimed.

For every query, each backend's top 10 is compared with BM25Okapi.get_scores over
the same chunks' terms: the largest relative difference of a returned score from
BM25Okapi's score of that chunk, how many returned scores have exactly its bits,
and whether the top 10 is BM25Okapi's (its scores, ties in any order). Queries:
the golden questions of each corpus plus seeded random word pairs and triples
from its vocabulary. Shards are written to local shard folders (the scores do not
depend on the transport); skipped when the xapian extra is missing.

    python benchmarks/bench_parity.py --json benchmarks/results-parity.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.answering.engine import Engine, write_shards  # noqa: E402
from retrieval.config import Config, XapianConfig  # noqa: E402
from retrieval.index.backends.base import NO_FILTERS  # noqa: E402
from retrieval.text.analysis import analyze, indexed_terms  # noqa: E402

CORPORA = {
    "bundled": (ROOT / "corpus", ROOT / "tests" / "data" / "bundled_questions.yaml"),
    "shared": (
        ROOT.parent / "shared" / "corpus",
        ROOT.parent / "shared" / "eval" / "questions.yaml",
    ),
}
TOP = 10
SHARDS = 2
# Generated corpus: words in about 90% and 65% of paragraphs have a negative raw idf, so
# their scores go through the epsilon floor and its mean idf (where the sums can differ).
COMMON = {"valdoran": 0.9, "mirekosa": 0.65, "tavelun": 0.4}


def write_generated(root: Path, files: int, seed: int) -> tuple[Path, Path]:
    """Markdown articles of Zipf-like pseudo-words plus COMMON; questions of their words."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    vocab = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(3000)})
    weights = [1 / (i + 1) for i in range(len(vocab))]
    for i in range(files):
        paragraphs = []
        for _ in range(rng.randint(2, 6)):
            words = rng.choices(vocab, weights, k=rng.randint(15, 70))
            words += [w for w, share in COMMON.items() if rng.random() < share]
            rng.shuffle(words)
            paragraphs.append(" ".join(words).capitalize() + ".")
        title = " ".join(rng.choices(vocab[:200], k=4)).title()
        text = f"---\npublished: 2025-0{1 + i % 9}-1{i % 10}\n---\n# {title}\n\n"
        (root / f"story-{i:04d}.md").write_text(text + "\n\n".join(paragraphs) + "\n")
    questions = root.parent / "generated-questions.yaml"
    cases = [{"question": " ".join([*rng.sample(vocab[:400], 2), w])} for w in COMMON]
    questions.write_text(yaml.safe_dump(cases), encoding="utf-8")
    return root, questions


def engines(corpus: Path, work: Path) -> dict[str, Engine]:
    """The embedded engine, and the sharded one when the xapian extra is installed."""
    out = {"embedded": Engine.from_config(Config().with_corpus(corpus))}
    try:
        import xapian  # noqa: F401
    except ImportError:
        return out
    folders = tuple(str(work / f"shard{i}") for i in range(SHARDS))
    sharded = dataclasses.replace(
        Config(), backend="xapian", xapian=XapianConfig(folders)
    ).with_corpus(corpus)
    write_shards(sharded)
    out["shards"] = Engine.from_config(sharded)
    return out


def queries(questions: Path, vocabulary: list[str], count: int, seed: int) -> list[list[str]]:
    cases = yaml.safe_load(questions.read_text(encoding="utf-8"))
    asked = [analyze(c["question"]) for c in cases]
    rng = random.Random(seed)
    asked += [rng.sample(vocabulary, rng.choice((2, 3))) for _ in range(count)]
    return [q for q in asked if q]


def measure(engine: Engine, reference: BM25Okapi, keys: dict, asked: list[list[str]]) -> dict:
    worst, exact, scores, same_top = 0.0, 0, 0, 0
    for query in asked:
        ranked = engine.backend.top_k(query, TOP, NO_FILTERS)
        dense = reference.get_scores(query)
        want = np.sort(dense[dense > 0])[::-1][:TOP]
        got = np.array([dense[keys[(r.source.file, r.text)]] for r in ranked.chunks])
        mine = np.array(ranked.scores)
        if got.size:
            worst = max(worst, float(np.max(np.abs(mine - got) / got)))
        exact += int(np.sum(mine == got))
        scores += got.size
        same_top += got.size == want.size and np.allclose(got, want, rtol=1e-9, atol=0)
    return {
        "queries": len(asked),
        "scores": scores,
        "max_rel_diff": worst,
        "bit_identical_share": exact / scores if scores else 1.0,
        "same_top10_share": same_top / len(asked) if asked else 1.0,
    }


def run(names: list[str], random_queries: int, seed: int, files: int) -> dict:
    results: dict = {}
    for name in names:
        with tempfile.TemporaryDirectory(prefix="newsbot-parity-") as work:
            if name == "generated":
                (Path(work) / "corpus").mkdir()
                corpus, questions = write_generated(Path(work) / "corpus", files, seed)
            else:
                corpus, questions = CORPORA[name]
            built = engines(corpus, Path(work))
            live = built["embedded"].backend
            docs, keys = [], {}
            for i, chunk in enumerate(live.chunks):
                article = live.articles[chunk.article]
                docs.append(
                    indexed_terms(chunk.text, article.headline, article.section(chunk.paragraph))
                )
                keys[(article.file, chunk.text)] = i
            reference = BM25Okapi(docs)
            asked = queries(questions, list(live.index.terms), random_queries, seed)
            results[name] = {
                "chunks": len(docs),
                **{b: measure(e, reference, keys, asked) for b, e in built.items()},
            }
            print(name, json.dumps(results[name]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [*CORPORA, "generated"]
    parser.add_argument("--corpora", nargs="+", choices=names, default=names)
    parser.add_argument("--files", type=int, default=400, help="articles in the generated corpus")
    parser.add_argument("--random-queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    started = time.time()
    results = run(args.corpora, args.random_queries, args.seed, args.files)
    if args.json:
        record = {
            "date": time.strftime("%Y-%m-%d", time.gmtime(started)),
            "machine": f"{platform.machine()}, {platform.python_version()}",
            "seed": args.seed,
            "random_queries": args.random_queries,
            "generated_files": args.files,
            "results": results,
        }
        args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

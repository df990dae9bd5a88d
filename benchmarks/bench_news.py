"""Followed topics, digests and follow-ups, measured: `python benchmarks/bench_news.py`.

1. Alert matching: `--subscriptions` stored topics (default 1,000) against a batch of
   `--batch` new articles (default 100) over a seeded synthetic archive (benchmarks/
   synthetic.py: Zipf pseudo-words; half the topics are drawn from the batch's own
   words so that some match). Timed: the percolator as `collect` runs it (index the
   topics, one term_stats call, match), p50/p95 over `--repeats`; the batch's analysis
   (chunking and stemming, which indexing the new files does anyway) separately.
   Also the refresh plus `collect` for one new file on the written news corpus: an
   alert's latency is one poll interval plus this plus Discord's reply.
2. Digest grouping on the written corpus (tests/data/news): pairwise precision and
   recall of "same story", and how many stories came out whole and unmerged.
3. Follow-up accuracy on written question pairs (tests/data/news/followups.yaml) over the
   bundled corpus: the follow-up's answer right with the carry-over, and asked alone.

Results go to benchmarks/results-news.json (`--out`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import synthetic  # noqa: E402

from retrieval.answering.engine import Engine  # noqa: E402
from retrieval.config import Config  # noqa: E402
from retrieval.errors import UserError  # noqa: E402
from retrieval.models import Article  # noqa: E402
from retrieval.news.alerts import collect  # noqa: E402
from retrieval.news.digest import digest  # noqa: E402
from retrieval.news.followup import Conversation, ask  # noqa: E402
from retrieval.news.matching import Batch, Percolator, percolate  # noqa: E402
from retrieval.news.store import Store  # noqa: E402
from retrieval.text.normalize import fold_key  # noqa: E402

NEWS = ROOT / "tests" / "data" / "news"
BUNDLED = ROOT / "corpus"
SEED = 5
# A topic names something specific ("Kelvin Bridge"), not the commonest words: topics
# drawn from a new article use words past this frequency rank.
TOPIC_RANK = 1000


def _articles(count: int, seed: int, prefix: str, size: int) -> list[Article]:
    chunks = synthetic.corpus(count * 3, seed=seed, size=size)
    return [
        Article(
            " ".join(chunks[3 * i][:6]),
            tuple(" ".join(c) + "." for c in chunks[3 * i : 3 * i + 3]),
            f"{prefix}{i}.txt",
            publisher=f"Outlet {i % 7}",
        )
        for i in range(count)
    ]


def bench_matching(
    subscriptions: int, batch_size: int, archive: int, repeats: int, size: int
) -> dict:
    config = Config()
    old = _articles(archive, SEED, "old", size)
    new = _articles(batch_size, SEED + 1, "new", size)
    engine = Engine.from_articles(old + new, config)
    started = time.perf_counter()
    batch = Batch.of(new, config.chunking)
    analysis_ms = (time.perf_counter() - started) * 1000
    rng = np.random.default_rng(SEED)
    queries = synthetic.queries(subscriptions, seed=SEED, size=size)
    rank = {w: r for r, w in enumerate(synthetic.vocabulary(size))}
    topics = []
    for i, words in enumerate(queries):
        if i % 2:  # two or three of a new article's less common words: a topic it matches
            article = new[int(rng.integers(len(new)))]
            pool = [
                w
                for w in " ".join(article.paragraphs).split()
                if rank.get(w.rstrip("."), 0) > TOPIC_RANK
            ]
            picks = rng.choice(
                len(pool), size=min(len(pool), int(rng.integers(2, 4))), replace=False
            )
            words = [pool[j].rstrip(".") for j in sorted(picks)]
        topics.append((i, " ".join(words[:3])))
    started = time.perf_counter()
    percolator = Percolator(topics)  # once while the subscriptions stay the same
    build_ms = (time.perf_counter() - started) * 1000
    stats_of = engine.backend.term_stats
    times, cpu, matches = [], [], 0
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        found = percolate(percolator, batch, stats_of, config.answers, config.bm25)
        cpu.append((time.process_time() - started_cpu) * 1000)
        times.append((time.perf_counter() - started) * 1000)
        matches = len(found)
    times.sort()
    cpu.sort()
    return {
        "subscriptions": subscriptions,
        "batch_articles": batch_size,
        "batch_chunks": len(batch.chunks),
        "archive_articles": archive + batch_size,
        "vocabulary": size,
        "match_p50_ms": round(statistics.median(times), 2),
        "match_p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
        # CPU time of the same runs: on a shared machine wall time counts other jobs' turns
        "match_cpu_p50_ms": round(statistics.median(cpu), 2),
        "match_cpu_p95_ms": round(cpu[min(len(cpu) - 1, int(0.95 * len(cpu)))], 2),
        "matches": matches,
        "batch_analysis_ms": round(analysis_ms, 1),
        "topics_analysis_ms": round(build_ms, 1),
        "repeats": repeats,
    }


def bench_refresh_to_alert() -> dict:
    """A new file in the written corpus: refresh, then collect (match and queue)."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "news"
        shutil.copytree(NEWS / "corpus", corpus)
        engine = Engine.from_config(Config().with_corpus(corpus))
        store = Store(Path(tmp) / "s.sqlite")
        store.follow("Kelvin Bridge", "channel", 1, 1)
        collect(store, engine, ("channel",))
        (corpus / "reopen.md").write_text(
            "---\ntitle: Kelvin Bridge to reopen\npublisher: Almer Gazette\n"
            "published: 2026-12-02T09:00:00Z\n---\n# Kelvin Bridge to reopen\n\n"
            "Kelvin Bridge will reopen on Friday, the council said.\n",
            encoding="utf-8",
        )
        started = time.perf_counter()
        engine = engine.refreshed() or engine
        refreshed = time.perf_counter()
        queued = collect(store, engine, ("channel",))
        done = time.perf_counter()
        store.close()
    return {
        "refresh_ms": round((refreshed - started) * 1000, 1),
        "collect_ms": round((done - refreshed) * 1000, 1),
        "alerts_queued": queued,
    }


def bench_grouping() -> dict:
    gold = yaml.safe_load((NEWS / "stories.yaml").read_text(encoding="utf-8"))
    engine = Engine.from_config(Config().with_corpus(NEWS / "corpus"))
    result = digest(engine, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    found = {s.file: n for n, e in enumerate(result.entries) for s in e.sources}
    pairs = list(combinations(sorted(gold), 2))
    same_gold = {p for p in pairs if gold[p[0]] == gold[p[1]]}
    same_found = {p for p in pairs if found.get(p[0]) == found.get(p[1]) is not None}
    true = len(same_gold & same_found)
    stories = set(gold.values())
    whole = sum(
        1
        for story in stories
        if len({found.get(f) for f, s in gold.items() if s == story}) == 1
        and all(
            gold.get(s.file) == story
            for e in result.entries
            for s in e.sources
            if any(gold.get(x.file) == story for x in e.sources)
        )
    )
    return {
        "articles": len(gold),
        "stories": len(stories),
        "entries": len(result.entries),
        "pair_precision": round(true / len(same_found), 3) if same_found else 1.0,
        "pair_recall": round(true / len(same_gold), 3) if same_gold else 1.0,
        "stories_whole_and_unmerged": whole,
    }


def _hit(reply, case) -> bool:
    if not reply.answered:
        return False
    top = reply.answers[0]
    return top.source.headline == case["article"] and fold_key(case["expect"]) in fold_key(top.text)


def bench_followups() -> dict:
    cases = yaml.safe_load((NEWS / "followups.yaml").read_text(encoding="utf-8"))
    engine = Engine.from_config(Config().with_corpus(BUNDLED))
    carried_ok = with_context = alone = 0
    failures = []
    for case in cases:
        conversation = Conversation()
        conversation.read(case["previous"])
        reading, reply = ask(engine, conversation, case["question"])
        want = set(case["carried"])
        carried_ok += want <= set(reading.carried) and bool(want) == reading.follows
        ok = _hit(reply, case)
        with_context += ok
        if not ok:
            failures.append({"question": case["question"], "read_as": reading.text})
        with contextlib.suppress(UserError):  # "when?" alone: only stop words, no answer
            alone += _hit(engine.ask(case["question"]), case)
    n = len(cases)
    return {
        "pairs": n,
        "reading_right": carried_ok,
        "answered_right_with_carry_over": with_context,
        "answered_right_alone": alone,
        "accuracy_with_carry_over": round(with_context / n, 3),
        "accuracy_alone": round(alone / n, 3),
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--archive", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--vocabulary", type=int, default=synthetic.VOCABULARY)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-news.json")
    args = parser.parse_args(argv)
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores "
        f"(shared with other jobs: load average {os.getloadavg()[0]:.1f} at the start)",
        "python": platform.python_version(),
        "matching": bench_matching(
            args.subscriptions, args.batch, args.archive, args.repeats, args.vocabulary
        ),
        "refresh_to_alert": bench_refresh_to_alert(),
        "grouping": bench_grouping(),
        "followups": bench_followups(),
    }
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

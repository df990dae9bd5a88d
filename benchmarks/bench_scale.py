"""The embedded index beyond one machine's comfort: a saved live index of 10M chunks.

    python benchmarks/bench_scale.py --chunks 10000000 --json benchmarks/results-scale.json

Writes a seeded synthetic corpus (benchmarks/synthetic.py: Zipf words, 40-120 per chunk,
10 chunks per article, 20 articles per file) straight into a saved live index the way
ingest leaves one: a segment of `--segment` chunks at a time, each inverted in bounded
memory (`index.memory_mb`) and committed (store.commit), with the size-tiered merge
policy applied after each commit as `newsbot index` does (merges run in line here, so
their cost is in the build). Terms are the synthetic words themselves (no analysis) and
chunk texts are short stand-ins: this measures the index, not the reading of pages.

Then a restart: the saved index opened as a new process opens it (arrays memory-mapped,
checksums left for later) and a first query answered; the checksums it leaves for the
background are timed apart, after the queries; then `--queries` top-10 queries,
each also checked against the index's exhaustive ranking (every chunk scored). Peak and
kept memory are this process's resident memory above its start (mapped pages it touched
count; the anonymous part, which no page cache gives back, is given apart). Prints and
writes one JSON row.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import synthetic

from retrieval.config import Config
from retrieval.index import store, updates
from retrieval.index.catalog import FileState
from retrieval.index.forward import Forward
from retrieval.index.live import FileEntry, LiveIndex
from retrieval.models import Article
from retrieval.reading.ingest import signature

CHUNKS_PER_ARTICLE = 10
ARTICLES_PER_FILE = 20
K = 10
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_MB


def anon_mb() -> float:
    """Resident memory that is not a mapped file (RssAnon): what no page cache gives back."""
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("RssAnon:"))
    return int(line.split()[1]) / 1024


class Peak:
    """This process's peak resident memory (all, and anonymous only) while the block runs,
    sampled every 20 ms."""

    def __enter__(self) -> Peak:
        self.peak, self.anon = rss_mb(), anon_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak, self.anon = max(self.peak, rss_mb()), max(self.anon, anon_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def segment_of(first_article: int, chunks: int, seed: int, params, memory_mb: float):
    """One segment of synthetic chunks: articles `first_article`.., term ids = word ranks."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(40, 121, chunks)
    ids = synthetic._zipf_ranks(rng, int(lengths.sum()), synthetic.VOCABULARY)
    forward = Forward.count(ids.astype(np.int32), lengths)
    del ids
    count = -(-chunks // CHUNKS_PER_ARTICLE)
    articles, files = [], []
    for a in range(first_article, first_article + count):
        n = min(CHUNKS_PER_ARTICLE, chunks - (a - first_article) * CHUNKS_PER_ARTICLE)
        file = f"f{a // ARTICLES_PER_FILE:07d}.jsonl"
        if not files or files[-1] != file:
            files.append(file)
        paragraphs = tuple(f"Chunk {p} of article {a}." for p in range(n))
        articles.append(Article(f"Article {a}", paragraphs, file, a % ARTICLES_PER_FILE, "Synth"))
    where = {f: i for i, f in enumerate(files)}
    table = []
    for local, article in enumerate(articles):
        start = 0
        for p, text in enumerate(article.paragraphs):
            table.append((local, p, start, start + len(text)))
            start += len(text) + 2
    segment = updates.make_segment(
        updates.segment_name(),
        files,
        np.array([where[a.file] for a in articles], dtype=np.int32),
        articles,
        [signature(a) for a in articles],
        np.array(table, dtype=np.int64),
        forward,
        [],
        synthetic.VOCABULARY,
        params,
        memory_mb,
    )
    return segment, files


def build(path: Path, total: int, per_segment: int, config: Config) -> dict[str, float | int]:
    """Segments committed one by one, merged by the product's policy; timings and counts."""
    params, settings = config.bm25, config.index_settings()
    vocabulary = list(synthetic.vocabulary())
    live = LiveIndex([], {}, vocabulary, [], params)
    merges, merge_s, article, s = 0, 0.0, 0, 0
    while s * per_segment < total:
        chunks = min(per_segment, total - s * per_segment)
        segment, files = segment_of(article, chunks, 42 + s, params, config.index.memory_mb)
        article += len(segment.articles)
        entries = dict(live.files)
        entries.update({f: FileEntry(FileState(0, 0, f), segment.name) for f in files})
        segments = [*live.segments, segment]
        live = LiveIndex(
            segments, entries, vocabulary, updates.dedupe_slots(segments, entries), params
        )
        store.commit(path, live, settings, [segment])
        live, _ = store.load(path, settings, verify=False)  # mapped, as the next poll holds it
        while (run := updates.merge_due(live, config.index.merge_factor)) is not None:
            t = time.perf_counter()
            live, merged = updates.merge(live, *run, config.index.memory_mb)
            store.commit(path, live, settings, [merged])
            live, _ = store.load(path, settings, verify=False)
            merge_s += time.perf_counter() - t
            merges += 1
        s += 1
        print(f"   {live.size:,} chunks in {len(live.segments)} segments", flush=True)
    return {"segments": len(live.segments), "merges": merges, "merge_s": round(merge_s, 1)}


def exhaustive(live: LiveIndex, query: list[str]) -> tuple[np.ndarray, np.ndarray]:
    scores = live.get_scores(query)
    top = np.lexsort((np.arange(scores.size), -scores))[:K]
    top = top[scores[top] > 0]
    return top, scores[top]


def same(got: tuple[np.ndarray, np.ndarray], want: tuple[np.ndarray, np.ndarray]) -> bool:
    """The same top k and scores up to the order of exactly tied chunks."""
    (ids, scores), (want_ids, want_scores) = got, want
    if len(ids) != len(want_ids) or not np.allclose(scores, want_scores, rtol=1e-12, atol=0):
        return False
    kth = want_scores[-1] if len(want_scores) else 0.0
    untied = {int(i) for i, s in zip(want_ids, want_scores, strict=True) if s != kth}
    return untied <= {int(i) for i in ids}


def run(total: int, per_segment: int, queries: int, memory_mb: int, folder: Path) -> dict:
    config = Config()
    config = dataclasses.replace(
        config, index=dataclasses.replace(config.index, memory_mb=memory_mb)
    )
    path = folder / "index"
    path.mkdir(parents=True)
    base, base_anon = rss_mb(), anon_mb()
    print(f"== {total:,} chunks, segments of {per_segment:,}", flush=True)
    with Peak() as memory:
        t = time.perf_counter()
        shape = build(path, total, per_segment, config)
        build_s = time.perf_counter() - t
    build_peak, build_anon = memory.peak - base, memory.anon - base_anon
    disk = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20
    qs = synthetic.queries(queries)
    gc.collect()
    base, base_anon = rss_mb(), anon_mb()
    with Peak() as memory:
        t = time.perf_counter()
        live, verify = store.load(path, config.index_settings(), verify=False)
        live.top_k(qs[0], K)
        restart_s = time.perf_counter() - t
        times, exact = [], 0
        for q in qs:
            t = time.perf_counter()
            found = live.top_k(q, K)
            times.append(time.perf_counter() - t)
            exact += same(found, exhaustive(live, q))
        kept, kept_anon = rss_mb() - base, anon_mb() - base_anon
    t = time.perf_counter()
    verify()  # the checksums a restart leaves for the background after its first answer
    verify_s = time.perf_counter() - t
    ms = np.array(times) * 1000
    return {
        "chunks": live.size,
        "segment_chunks": per_segment,
        **shape,
        "memory_mb": memory_mb,
        "build_s": round(build_s, 1),
        "build_peak_mb": round(build_peak),
        "build_peak_anon_mb": round(build_anon),
        "disk_mb": round(disk),
        "restart_first_answer_s": round(restart_s, 2),
        "checksums_s": round(verify_s, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "queries": len(qs),
        "top10_exact": exact / len(qs),
        "kept_mb_after_queries": round(kept),
        "kept_anon_mb_after_queries": round(kept_anon),
        "query_peak_mb": round(memory.peak - base),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}",
        "date": time.strftime("%Y-%m-%d"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000_000)
    parser.add_argument("--segment", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--memory-mb", type=int, default=Config().index.memory_mb)
    parser.add_argument("--folder", type=Path, help="where the index is written (default: temp)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="newsbot-scale-", dir=args.folder))
    try:
        row = run(args.chunks, args.segment, args.queries, args.memory_mb, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(row, indent=1))
    if args.json:
        args.json.write_text(json.dumps(row, indent=1) + "\n")


if __name__ == "__main__":
    main()

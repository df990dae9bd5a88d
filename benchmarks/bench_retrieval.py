"""Benchmark newsbot's BM25 index against rank_bm25, bm25s and tantivy on the same token lists.

    python benchmarks/bench_retrieval.py --sizes 10000,100000,1000000 --json results.json

newsbot builds in one process with its default RAM buffer (index.memory_mb, 256 MB; change
it with --memory-mb), spilling segments to the system's temporary folder; tantivy builds
with one indexing thread and a 512 MB heap.

For each size: generate a seeded synthetic corpus (benchmarks/synthetic.py); build every
installed implementation, each in its own forked process so that its build time, peak and
kept memory (RSS above the process's baseline) are its own; then time top-10 queries
single-threaded, interleaved across the processes (rank_bm25 on every 25th query: it takes
seconds per query at a million chunks). Scores and top-10 are compared with
rank_bm25.BM25Okapi, the reference, on the queries it timed; and every newsbot query is
checked too: its scores against rank_bm25's scores of the same chunks, its top 10 against
newsbot's exhaustive ranking (all_queries_* in the row). Prints a table; writes a JSON
list of rows.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import synthetic

from retrieval.index.bm25 import BM25Index
from retrieval.index.segments import DEFAULT_MEMORY_MB

K = 10
MEMORY_MB = [DEFAULT_MEMORY_MB]  # newsbot's RAM buffer, set from --memory-mb
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


class PeakSampler:
    """Samples RSS every 5 ms in a thread: the peak of a build, above a baseline."""

    def __enter__(self) -> PeakSampler:
        gc.collect()
        self.base = rss_mb()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        gc.collect()
        self.peak = max(self.peak, rss_mb()) - self.base
        self.kept = rss_mb() - self.base


@dataclass
class Impl:
    name: str
    build: Callable[[list[list[str]]], object]
    search: Callable[[object, list[str]], tuple[list[int], list[float]]]
    sample_every: int = 1  # time every n-th query only (rank_bm25 at large sizes)


def newsbot_impl() -> Impl:
    return Impl(
        "newsbot",
        lambda docs: BM25Index.build(docs, memory_mb=MEMORY_MB[0]),
        lambda index, q: tuple(a.tolist() for a in index.top_k(q, K)),  # type: ignore[union-attr]
    )


def rank_bm25_impl(size: int) -> Impl:
    from rank_bm25 import BM25Okapi

    def search(index, q):
        scores = index.get_scores(q)
        top = np.argsort(-scores, kind="stable")[:K]
        return top.tolist(), scores[top].tolist()

    return Impl("rank_bm25", BM25Okapi, search, sample_every=1 if size <= 10_000 else 25)


def bm25s_impl() -> Impl | None:
    try:
        import bm25s
    except ImportError:
        return None

    def build(docs):
        index = bm25s.BM25(method="robertson", k1=1.5, b=0.75)
        index.index(docs, show_progress=False)
        return index

    def search(index, q):
        ids, scores = index.retrieve([q], k=K, show_progress=False, n_threads=0)
        return ids[0].tolist(), scores[0].tolist()

    return Impl("bm25s", build, search)


def tantivy_impl() -> Impl | None:
    try:
        import tantivy
    except ImportError:
        return None

    def build(docs):
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
        builder.add_unsigned_field("id", stored=True, fast=True)
        index = tantivy.Index(builder.build())
        writer = index.writer(heap_size=512_000_000, num_threads=1)
        for i, doc in enumerate(docs):
            document = tantivy.Document()
            document.add_text("body", " ".join(doc))
            document.add_unsigned("id", i)
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return index

    def search(index, q):
        searcher = index.searcher()
        query = index.parse_query(" ".join(q), ["body"])
        hits = searcher.search(query, K).hits
        ids = [searcher.doc(addr)["id"][0] for _, addr in hits]
        return ids, [s for s, _ in hits]

    return Impl("tantivy", build, search)


DOCS: list[list[str]] = []  # set before the workers fork, shared copy-on-write


def serve(make: Callable[[], Impl], conn: Connection) -> None:
    """One implementation in its own process: build, report memory, then answer queries."""
    impl = make()
    with PeakSampler() as mem:
        start = time.perf_counter()
        index = impl.build(DOCS)
        build_s = time.perf_counter() - start
    conn.send({"build_s": build_s, "peak_mb": mem.peak, "kept_mb": mem.kept})
    while (request := conn.recv()) is not None:
        kind, q, extra = request
        if kind == "search":
            start = time.perf_counter()
            result = impl.search(index, q)
            conn.send((time.perf_counter() - start, result))
        elif kind == "scores":  # the reference's scores of some chunks
            conn.send([float(s) for s in index.get_batch_scores(q, extra)])  # type: ignore[union-attr]
        else:  # "exhaustive": newsbot's top k from every chunk's score, no pruning
            scores = index.get_scores(q)  # type: ignore[union-attr]
            top = np.lexsort((np.arange(scores.size), -scores))[:K]
            top = top[scores[top] > 0]
            conn.send((top.tolist(), scores[top].tolist()))


def run(size: int, queries: int, skip: frozenset[str] = frozenset()) -> list[dict]:
    print(f"\n== {size:,} chunks: generating…", flush=True)
    DOCS[:] = synthetic.corpus(size)
    qs = synthetic.queries(queries)
    makers = {"newsbot": newsbot_impl, "rank_bm25": lambda: rank_bm25_impl(size)}
    if bm25s_impl() is not None and "bm25s" not in skip:
        makers["bm25s"] = bm25s_impl
    if tantivy_impl() is not None and "tantivy" not in skip:
        makers["tantivy"] = tantivy_impl
    context = multiprocessing.get_context("fork")
    workers, rows = {}, []
    for name, make in makers.items():  # one at a time, so builds do not compete
        parent, child = context.Pipe()
        process = context.Process(target=serve, args=(make, child), daemon=True)
        process.start()
        stats = parent.recv()
        workers[name] = (parent, process, make().sample_every)
        rows.append(
            {
                "impl": name,
                "chunks": size,
                "build_s": round(stats["build_s"], 2),
                "peak_mb": round(stats["peak_mb"]),
                "kept_mb": round(stats["kept_mb"]),
            }
        )
        print(f"   built {name} in {stats['build_s']:.1f} s", flush=True)
    DOCS.clear()
    times: dict[str, list[float]] = {n: [] for n in workers}
    results: dict[str, dict[int, tuple[list[int], list[float]]]] = {n: {} for n in workers}
    for n, q in enumerate(qs):  # interleaved: each query on every implementation in turn
        for name, (conn, _, every) in workers.items():
            if n % every == 0:
                conn.send(("search", q, None))
                elapsed, result = conn.recv()
                times[name].append(elapsed)
                results[name][n] = result
    reference = workers["rank_bm25"][0]
    ref_p50 = float(np.percentile(times["rank_bm25"], 50))
    checks = check_newsbot(workers, results["newsbot"], qs)
    for row in rows:
        name = row["impl"]
        overlap, diff = [], 0.0
        for n, (ref_ids, ref_scores) in results["rank_bm25"].items():
            ids, scores = results[name][n]
            ref_top = [i for i, s in zip(ref_ids, ref_scores, strict=True) if s > 0]
            overlap.append(len(set(ids) & set(ref_top)) / max(len(ref_top), 1))
            if name == "newsbot" and ids:
                reference.send(("scores", qs[n], ids))
                full = np.array(reference.recv())
                diff = max(diff, float(np.max(np.abs(np.array(scores) - full) / full)))
        if name == "newsbot":
            row.update(checks)
        ms = np.array(times[name]) * 1000
        row.update(
            p50_ms=round(float(np.percentile(ms, 50)), 3),
            p95_ms=round(float(np.percentile(ms, 95)), 3),
            ratio_vs_rank_bm25=round(ref_p50 * 1000 / float(np.percentile(ms, 50)), 1),
            top10_overlap=round(float(np.mean(overlap)), 4),
            max_score_diff=diff if name in ("newsbot", "rank_bm25") else None,
            queries=len(times[name]),
        )
    for conn, process, _ in workers.values():
        conn.send(None)
        process.join()
    return rows


def same_ranking(got: tuple[list[int], list[float]], want: tuple[list[int], list[float]]) -> bool:
    """The same top k up to the order of exactly tied chunks (ties at the k-th may differ)."""
    (ids, scores), (want_ids, want_scores) = got, want
    if len(ids) != len(want_ids) or not np.allclose(scores, want_scores, rtol=1e-12, atol=0):
        return False
    kth = want_scores[-1] if want_scores else 0.0
    untied = {i for i, s in zip(want_ids, want_scores, strict=True) if s != kth}
    return untied <= set(ids)


def check_newsbot(workers: dict, found: dict, qs: list[list[str]]) -> dict:
    """Every timed newsbot query checked twice: its scores against rank_bm25's scores of
    the same chunks (get_batch_scores), its top k against newsbot's own exhaustive
    ranking (every chunk scored, no pruning; itself compared with rank_bm25's full
    ranking on the queries rank_bm25 timed)."""
    reference, own = workers["rank_bm25"][0], workers["newsbot"][0]
    diff, exact = 0.0, 0
    for n, (ids, scores) in found.items():
        if ids:
            reference.send(("scores", qs[n], ids))
            want = np.array(reference.recv())
            diff = max(diff, float(np.max(np.abs(np.array(scores) - want) / want)))
        own.send(("exhaustive", qs[n], None))
        exact += same_ranking((ids, scores), own.recv())
    return {"all_queries_max_score_diff": diff, "all_queries_top10_exact": exact / len(found)}


def table(rows: list[dict]) -> str:
    cols = [
        "impl",
        "chunks",
        "build_s",
        "peak_mb",
        "kept_mb",
        "p50_ms",
        "p95_ms",
        "ratio_vs_rank_bm25",
        "top10_overlap",
        "max_score_diff",
        "queries",
    ]
    lines = [" | ".join(cols), " | ".join("---" for _ in cols)]
    lines += [" | ".join(str(r[c]) for c in cols) for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--memory-mb", type=float, default=DEFAULT_MEMORY_MB)
    parser.add_argument("--skip", default="", help="comma-separated: bm25s, tantivy")
    args = parser.parse_args()
    MEMORY_MB[0] = args.memory_mb
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows += run(size, args.queries, frozenset(filter(None, args.skip.split(","))))
        print(table(rows), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

"""Benchmark the Xapian shard backend against the embedded index, in the same run.

    python benchmarks/bench_xapian.py --chunks 1000000 --json benchmarks/results-xapian.json

Generates the seeded synthetic corpus (benchmarks/synthetic.py) as analysed chunks (10
per article, 20 articles per file); builds the embedded BM25 index from it; starts two
xapian-tcpsrv shards on loopback (Debian's xapian-tools) and writes them as
`newsbot index --backend xapian` does with `xapian.folders` (each shard built in its own
process, then switched; `--write remote`: through the writable remote protocol). Then times `search`
(top 10) and `ask` (the engine's whole answer) on both backends, single-threaded and
interleaved, and compares every top 10: same chunks, scores within 1e-9. A last set of
queries holds the corpus' most common words (terms in most chunks). Servers are killed
on exit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import synthetic

from retrieval.answering.engine import Engine
from retrieval.config import Config, parse_shard
from retrieval.index import upkeep
from retrieval.index.backends.base import NO_FILTERS
from retrieval.index.backends.embedded import EmbeddedBackend
from retrieval.index.backends.loading import CorpusIndex
from retrieval.index.backends.shards.search import ShardSet, XapianBackend
from retrieval.index.backends.shards.writer import Timeouts, sync
from retrieval.index.bm25 import BM25Params, Forward
from retrieval.index.catalog import Catalog, FileState
from retrieval.index.live import LiveIndex
from retrieval.index.segments import DEFAULT_MEMORY_MB
from retrieval.models import Article, Chunk
from retrieval.text.analysis import analyze

CHUNKS_PER_ARTICLE = 10
ARTICLES_PER_FILE = 20
SHARDS = 2
K = 10

# Scores this close are the same score: the backends sum a chunk's term weights in
# different orders, so chunks with equal true scores may come out in either order.
TIE_REL = 1e-9


def _groups(ranked) -> list[tuple[float, set]]:
    """A ranking as its runs of tied scores, each with the set of chunks in it."""
    groups: list[tuple[float, set]] = []
    for record, score in zip(ranked.chunks, ranked.scores, strict=True):
        key = (record.source, record.text)
        if groups and abs(groups[-1][0] - score) <= TIE_REL * abs(score):
            groups[-1][1].add(key)
        else:
            groups.append((score, {key}))
    return groups


def same_ranking(a, b) -> bool:
    """The same top k up to the order of tied chunks; the last run of ties may be cut
    at k differently, so only its size must agree."""
    ga, gb = _groups(a), _groups(b)
    if len(ga) != len(gb):
        return False
    for n, ((_, sa), (_, sb)) in enumerate(zip(ga, gb, strict=True)):
        if (n < len(ga) - 1 and sa != sb) or len(sa) != len(sb):
            return False
    return True


def analysed_corpus(size: int, seed: int = 42) -> tuple[Forward, list[str], list[str]]:
    """synthetic.corpus(size) as analysed terms (a forward index), the chunks' texts (which
    analyse to the same terms) and the vocabulary, built from arrays: no token lists."""
    words = np.array(synthetic.vocabulary(), dtype=object)
    rng = np.random.default_rng(seed)  # the draws synthetic.corpus makes
    lengths = rng.integers(40, 121, size)
    ranks = synthetic._zipf_ranks(rng, int(lengths.sum()), len(words))
    vocabulary: dict[str, int] = {}
    term_id = np.full(len(words), -1, dtype=np.int64)
    for rank in np.unique(ranks).tolist():  # only the words drawn: small corpora start fast
        terms = analyze(words[rank])
        if len(terms) == 1:
            term_id[rank] = vocabulary.setdefault(terms[0], len(vocabulary))
    ids = term_id[ranks]
    keep = ids >= 0
    doc_of = np.repeat(np.arange(size, dtype=np.int32), lengths)[keep]
    forward = Forward.count(ids[keep], np.bincount(doc_of, minlength=size))
    kept = words[ranks[keep]]
    ends = np.cumsum(np.bincount(doc_of, minlength=size)).tolist()
    texts = [" ".join(kept[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    return forward, texts, list(vocabulary)


def catalog_of(forward: Forward, texts: list[str], vocabulary: list[str]) -> Catalog:
    articles, chunks = [], []
    for a, first in enumerate(range(0, len(texts), CHUNKS_PER_ARTICLE)):
        paragraphs = tuple(texts[first : first + CHUNKS_PER_ARTICLE])
        file = f"f{a // ARTICLES_PER_FILE:06d}.jsonl"
        article = Article(f"Article {a}", paragraphs, file, a % ARTICLES_PER_FILE, "Synthetic")
        start = 0
        for p, text in enumerate(paragraphs):
            chunks.append(Chunk(a, p, start, start + len(text), text))
            start += len(text) + 2
        articles.append(article)
    files = {a.file: FileState(0, 0, hashlib.sha256(a.file.encode()).hexdigest()) for a in articles}
    return Catalog(files, articles, chunks, forward, vocabulary)


def live_of(
    articles: list[Article],
    chunks: list[Chunk],
    forward: Forward,
    vocabulary: list[str],
    params: BM25Params,
) -> LiveIndex:
    """The embedded (live) index over analysed chunks, as upkeep.in_memory builds it, from
    the forward index instead of re-analysing the texts."""
    return upkeep.one_segment(articles, chunks, forward, vocabulary, params, DEFAULT_MEMORY_MB)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_shards(work: Path, write: str) -> list[tuple[subprocess.Popen, int]]:
    """SHARDS servers in their own sessions: over stub folders, or writable databases."""
    import xapian

    from retrieval.index.backends.shards import layout

    servers = []
    for i in range(SHARDS):
        path = work / f"shard{i}"
        if write == "remote":
            xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OVERWRITE).close()
        else:
            layout.initialise(path)
        port = free_port()
        proc = subprocess.Popen(
            [
                "xapian-tcpsrv",
                *(["--writable"] if write == "remote" else []),
                "--quiet",
                "--interface",
                "127.0.0.1",
                "--port",
                str(port),
                str(path),
            ],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append((proc, port))
    deadline = time.monotonic() + 10
    for _, port in servers:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("xapian-tcpsrv did not start") from None
                time.sleep(0.05)
    return servers


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the shard writers)."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def ms(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(samples, 50)) * 1000, 2),
        "p95_ms": round(float(np.percentile(samples, 95)) * 1000, 2),
    }


def run(size: int, queries: int, work: Path, write: str) -> dict:
    started = time.perf_counter()
    catalog = catalog_of(*analysed_corpus(size))
    print(f"corpus: {size} chunks in {time.perf_counter() - started:.0f} s", flush=True)
    params = BM25Params()
    articles, chunks, rows = catalog.live()

    t = time.perf_counter()
    index = live_of(articles, chunks, catalog.forward.select(rows), catalog.vocabulary, params)
    embedded_build = time.perf_counter() - t
    embedded = Engine(Config(), EmbeddedBackend(Config(), CorpusIndex(index, folder=False)))
    print(f"embedded index: {embedded_build:.1f} s", flush=True)

    servers = start_shards(work, write)
    try:
        addresses = [parse_shard(f"127.0.0.1:{port}") for _, port in servers]
        # --write folders: a new generation in each served folder, then the switch (as with
        # xapian.folders); --write remote: xapian-tcpsrv's writable protocol, a round trip
        # per chunk.
        targets = (
            addresses
            if write == "remote"
            else [parse_shard(str(work / f"shard{i}")) for i in range(SHARDS)]
        )
        t, cpu = time.perf_counter(), _cpu_seconds()
        reports = sync(targets, catalog, {"bench": 1}, Timeouts(5.0, 600.0))
        xapian_build = time.perf_counter() - t
        write_cpu = _cpu_seconds() - cpu
        print(f"xapian shards: {xapian_build:.1f} s {reports}", flush=True)
        backend = XapianBackend(ShardSet(addresses, Timeouts(1.0, 10.0), 5.0), params)
        backend.refresh()
        sharded = Engine(Config(), backend)
        disk = sum(f.stat().st_size for f in work.rglob("*") if f.is_file())

        words = synthetic.vocabulary()
        plain = [" ".join(q) for q in synthetic.queries(queries)]
        common = [f"{words[i]} {words[i + 1]} {q.split()[0]}" for i, q in enumerate(plain[:50])]
        results: dict = {}
        for name, qs in (("synthetic", plain), ("common", common)):
            times: dict[str, list[float]] = {
                k: [] for k in ("embedded_search", "xapian_search", "embedded_ask", "xapian_ask")
            }
            same, worst = 0, 0.0
            for q in qs:
                query = embedded.analyse(q)
                for label, engine in (("embedded", embedded), ("xapian", sharded)):
                    t = time.perf_counter()
                    engine.search(q, K)
                    times[f"{label}_search"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    engine.ask(q)
                    times[f"{label}_ask"].append(time.perf_counter() - t)
                a = embedded.backend.top_k(query.terms, K, NO_FILTERS)
                b = sharded.backend.top_k(query.terms, K, NO_FILTERS)
                same += same_ranking(a, b)
                if len(a.scores) != len(b.scores):
                    worst = 1.0
                elif a.scores:
                    rel = np.abs(np.array(a.scores) - np.array(b.scores)) / np.array(a.scores)
                    worst = max(worst, float(rel.max()))
            results[name] = {
                "queries": len(qs),
                "same_top10": same,
                "max_rel_score_diff": worst,
                **{k: ms(v) for k, v in times.items()},
            }
            print(name, json.dumps(results[name]), flush=True)
    finally:
        for proc, _ in servers:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return {
        "chunks": size,
        "shards": SHARDS,
        "embedded_index_s": round(embedded_build, 1),
        "xapian_index_s": round(xapian_build, 1),
        "xapian_write_chunks_per_s": round(size / xapian_build),
        # CPU seconds of the writer processes and this one: on a machine shared with other
        # jobs, chunks per CPU second says what the writer costs, apart from the contention.
        "xapian_write_cpu_s": round(write_cpu, 1),
        "xapian_write_chunks_per_cpu_s": round(size / write_cpu),
        "xapian_write": write,
        "xapian_disk_mb": round(disk / 2**20),
        **results,
        "machine": f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}",
        "load_average_at_end": [round(x, 1) for x in os.getloadavg()],  # shared with others
        "date": time.strftime("%Y-%m-%d"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsbot-bench-xapian"))
    parser.add_argument("--write", choices=("folders", "remote"), default="folders")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    try:
        row = run(args.chunks, args.queries, args.work, args.write)
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    print(json.dumps(row, indent=2))
    if args.json:
        args.json.write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()

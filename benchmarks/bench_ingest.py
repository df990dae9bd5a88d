"""Benchmark the whole ingest pipeline: read, clean, chunk (tiktoken), analyse, index, save.

    python benchmarks/bench_ingest.py --pages 2000 --html-pages 500 --workers 2 \
        [--memory-mb 256] [--json FILE]

Writes a seeded folder of aggregator pages (a main article with a glued publisher line,
furniture, and related entries, like the pages newsbot was built for) to a temporary
folder, then times `Engine.from_config` on it with the given number of worker processes,
a restart on the unchanged folder (in a fresh process: map the saved segments, answer a
first question; timed from opening the index, imports apart), and
one file added (the next refresh indexes it as a new segment; the next question finds
it). Then the same for a folder of saved web pages (.html as a browser saves them: head
with <meta> and JSON-LD,
scripts, cookie banner, navigation, the article, related links, comments, footer), so that
pages/s can be compared between the two readers. Peak memory is the whole pipeline's: the
resident memory of this process and of its worker processes together, sampled every 20 ms,
above this process's memory before.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import synthetic

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.index import upkeep

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    parents, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry.name}/statm") as f:
                resident = int(f.read().split()[1])
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat[stat.rindex(")") + 2 :].split()[1])
        rss[pid] = resident
    tree, frontier = {root}, {root}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - tree
        tree |= frontier
    return sum(rss.get(p, 0) for p in tree) * PAGE_MB


class TreePeak:
    """The peak of tree_rss_mb(this process) while the block runs, above its start."""

    def __enter__(self) -> TreePeak:
        self.base = self.peak = tree_rss_mb(os.getpid())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, tree_rss_mb(os.getpid()))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak -= self.base


# A page added to the indexed folder, with words no generated page uses.
LATE_PAGE = (
    "Zeppelin mooring mast reopens\n\nHarbour Herald\n\n"
    "The zeppelin mooring mast on the quay reopened on Monday after repairs to its winch.\n"
)
LATE_QUESTION = "When did the zeppelin mooring mast reopen?"
QUESTION = " ".join(synthetic.vocabulary(20_000)[100:104])  # the restart's first question

PUBLISHERS = ["Telegraph", "The Guardian", "Harbour Herald", "Axios", "The Hill", "Yahoo"]


def _sentence(words: list[str], rng: np.random.Generator) -> str:
    n = int(rng.integers(8, 25))
    picked = [words[i] for i in rng.integers(0, len(words), n)]
    return " ".join(picked).capitalize() + "."


def write_pages(folder: Path, pages: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    words = synthetic.vocabulary(20_000)
    for p in range(pages):
        headline = _sentence(words, rng)[:-1]
        body = [
            " ".join(_sentence(words, rng) for _ in range(int(rng.integers(1, 4))))
            for _ in range(int(rng.integers(12, 30)))
        ]
        related = []
        for _ in range(3):
            r_head = _sentence(words, rng)[:-1]
            publisher = PUBLISHERS[int(rng.integers(0, len(PUBLISHERS)))]
            teaser = " ".join(_sentence(words, rng) for _ in range(12))
            related.append(
                f"{r_head}\n{r_head}\n\n{publisher}\n\ntime2 hours ago\n\n"
                f"  • {publisher}\n\n{r_head}\n\n{teaser}\n"
            )
        publisher = PUBLISHERS[p % len(PUBLISHERS)]
        text = (
            f"logo\n{headline}\n\n{headline}\n\n{publisher}{p % 9 + 1} days ago\n"
            + "\n".join(body)
            + "\n\nTry Our AI Features\n\nComments\n\nNo comments yet...\n\nRelated Articles\n\n"
            + "\n".join(related)
            + "\nDOWNLOAD THE APP\n"
        )
        (folder / f"page_{p:06d}.txt").write_text(text, encoding="utf-8")


HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{headline} | {publisher}</title>
<meta property="og:site_name" content="{publisher}">
<meta property="article:published_time" content="2025-0{month}-{day:02d}T{hour:02d}:15:00Z">
<link rel="canonical" href="https://example.org/news/{p}">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{headline}", "datePublished": "2025-0{month}-{day:02d}T{hour:02d}:15:00Z"}}</script>
<script>window.dataLayer = []; function gtag() {{ dataLayer.push(arguments); }}</script>
<style>.cookie {{ position: fixed; bottom: 0; }}</style></head><body>
<div class="cookie" id="cookie-banner"><p>We use cookies to personalise content and ads.</p>
<button>Accept all</button></div>
<header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{headline}</h1><p class="byline">By <span class="author">Staff</span></p>
{body}</article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
<section id="comments"><h3>Comments</h3><p>{comment}</p></section></main>
<footer><p>© 2025 {publisher}</p></footer><script src="bundle.js"></script></body></html>
"""


def write_html_pages(folder: Path, pages: int, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    words = synthetic.vocabulary(20_000)
    nav = "".join(f'<li><a href="/{s}">{s}</a></li>' for s in ("News", "Sport", "Weather"))
    for p in range(pages):
        headline = _sentence(words, rng)[:-1]
        body = "\n".join(
            "<p>" + " ".join(_sentence(words, rng) for _ in range(int(rng.integers(1, 4)))) + "</p>"
            for _ in range(int(rng.integers(12, 30)))
        )
        related = "".join(
            f'<li><a href="/r{p}-{i}">{_sentence(words, rng)[:-1]}</a></li>' for i in range(5)
        )
        text = HTML_PAGE.format(
            headline=headline,
            publisher=PUBLISHERS[p % len(PUBLISHERS)],
            month=p % 9 + 1,
            day=p % 28 + 1,
            hour=p % 24,
            p=p,
            nav=nav,
            body=body,
            related=related,
            comment=_sentence(words, rng),
        )
        (folder / f"page_{p:06d}.html").write_text(text, encoding="utf-8")


def run(
    tmp: Path, name: str, pages: int, workers: int, memory_mb: int, write
) -> dict[str, float | int]:
    """Index a fresh folder of `pages` pages, restart on it, change one file: one reader's
    figures."""
    corpus = tmp / name
    corpus.mkdir()
    write(corpus, pages)
    config = Config().with_corpus(corpus)
    index = dataclasses.replace(
        config.index,
        persist=True,
        path=tmp / f"{name}-index",
        workers=workers,
        memory_mb=memory_mb,
    )
    config = dataclasses.replace(config, index=index)
    with TreePeak() as memory:
        start = time.perf_counter()
        engine = Engine.from_config(config)
        seconds = time.perf_counter() - start
    articles, chunks = len(engine.backend.articles), len(engine.backend.chunks)
    del engine  # the restarted engine replaces it
    upkeep.settle()
    # A restart on the unchanged corpus, in a fresh process as a restart is: load the saved
    # index, answer one question (timed from the engine's opening, imports apart).
    probe = [sys.executable, __file__, "--restart-probe", str(corpus), str(index.path)]
    done = subprocess.run(probe, capture_output=True, text=True, check=True)
    restart_s = float(done.stdout.split()[-1])
    restarted = Engine.from_config(config)
    restarted.ask(QUESTION)
    # One file added to the folder: the next refresh writes it as one small segment
    # (nothing else is re-read or re-indexed), and the next query finds it.
    (corpus / "late_breaking.txt").write_text(LATE_PAGE, encoding="utf-8")
    start = time.perf_counter()
    refreshed = restarted.refreshed()
    assert refreshed is not None
    reply = refreshed.ask(LATE_QUESTION)
    change_s = time.perf_counter() - start
    assert reply.answered and reply.answers[0].source.file == "late_breaking.txt", reply
    upkeep.settle()
    return {
        "pages": pages,
        "articles": articles,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "pages_per_s": round(pages / seconds, 1),
        "chunks_per_s": round(chunks / seconds),
        "peak_mb": round(memory.peak),
        "restart_first_answer_s": round(restart_s, 2),
        "one_file_changed_s": round(change_s, 2),
    }


def restart_probe(corpus: Path, path: Path) -> float:
    """Seconds from opening the saved index of `corpus` to the first answer."""
    config = Config().with_corpus(corpus)
    config = dataclasses.replace(
        config, index=dataclasses.replace(config.index, persist=True, path=path)
    )
    start = time.perf_counter()
    Engine.from_config(config).ask(QUESTION)
    return time.perf_counter() - start


def main() -> None:
    if sys.argv[1:2] == ["--restart-probe"]:
        print(restart_probe(Path(sys.argv[2]), Path(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--html-pages", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-mb", type=int, default=Config().index.memory_mb)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, workers, memory = Path(tmp), args.workers, args.memory_mb
        aggregator = run(folder, "aggregator", args.pages, workers, memory, write_pages)
        html = run(folder, "html", args.html_pages, workers, memory, write_html_pages)
    row = {"workers": workers, "memory_mb": memory, "aggregator": aggregator, "html": html}
    print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(row, indent=1))


if __name__ == "__main__":
    main()

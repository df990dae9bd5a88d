"""Load and soak the bot through the loopback Discord on a ~100k-chunk index.

    python benchmarks/bench_load.py --pages 3500 --minutes 10 [--json FILE]

Builds (or reuses) a saved index over generated aggregator pages, starts the real bot
against the fake Discord from tests/bot, then sends waves of 200 concurrent /ask from 50
users until the time is up. Per wave: reply latency p50/p95, event-loop lag max/p99, how
many were answered, told to wait by the cooldown, or lost; and the process's RSS, so a
leak shows as growth across waves.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests"), str(ROOT / "tests/bot")]

import bench_ingest  # noqa: E402
import pytest  # noqa: E402
import synthetic  # noqa: E402
from bench_retrieval import rss_mb  # noqa: E402
from load import ask_wave  # noqa: E402
from loopback import running_bot  # noqa: E402

from retrieval.answering.engine import Engine  # noqa: E402
from retrieval.config import Config  # noqa: E402


def engine_for(pages: int, folder: Path) -> Engine:
    corpus = folder / "corpus"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        bench_ingest.write_pages(corpus, pages)
    config = Config().with_corpus(corpus)
    index = dataclasses.replace(config.index, persist=True, path=folder / "index", poll_seconds=0)
    return Engine.from_config(dataclasses.replace(config, index=index))


async def soak(engine: Engine, minutes: float) -> list[dict]:
    words = synthetic.vocabulary(20_000)
    questions = [" ".join(words[50 + n : 54 + n]) + "?" for n in range(200)]
    rows = []
    with pytest.MonkeyPatch.context() as monkeypatch:
        # cooldown_uses=4: 50 users x 4 = 200 per wave, so a wave is answered in full; the
        # cooldown window is shorter than a wave so the next wave starts clean.
        async with running_bot(engine, monkeypatch, cooldown_uses=4, cooldown_seconds=1) as h:
            end = time.monotonic() + minutes * 60
            wave = 0
            while wave == 0 or time.monotonic() < end:
                result = await ask_wave(h.fake, questions, users=50)
                h.fake.calls.clear()
                h.fake.dispatched.clear()
                wave += 1
                row = {"wave": wave, **dataclasses.asdict(result), "rss_mb": round(rss_mb())}
                rows.append(row)
                print(json.dumps(row), flush=True)
                await asyncio.sleep(1.1)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3500)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--folder", type=Path, help="keep the corpus and index here")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="newsbot-load-"))
    engine = engine_for(args.pages, folder)
    print(f"{len(engine.backend.chunks)} chunks in {folder}", flush=True)
    rows = asyncio.run(soak(engine, args.minutes))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

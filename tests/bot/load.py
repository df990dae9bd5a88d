"""Concurrent /ask load through the loopback Discord: latencies, event-loop lag, losses.

Shared by the suite's short load test and benchmarks/bench_load.py.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

from fake_discord import FakeDiscord

FIRST_USER = 700000000000000100


@dataclass
class LoadResult:
    asked: int
    answered: int  # an answer card (or an abstention card)
    cooled: int  # told politely to wait
    lost: int
    p50_ms: float
    p95_ms: float
    lag_max_ms: float
    lag_p99_ms: float


async def ask_wave(fake: FakeDiscord, questions: list[str], users: int, timeout: float = 60):
    """Send every question at once from `users` users; wait for each reply."""
    loop = asyncio.get_running_loop()
    lags: list[float] = []

    async def probe() -> None:
        while True:
            t = loop.time()
            await asyncio.sleep(0.005)
            lags.append(loop.time() - t - 0.005)

    prober = asyncio.create_task(probe())
    sent: dict[str, float] = {}

    async def one(n: int, question: str) -> None:
        iid = await fake.slash("ask", FIRST_USER + n % users, question=question)
        sent[iid] = time.perf_counter()

    await asyncio.gather(*(one(n, q) for n, q in enumerate(questions)))
    latencies, answered, cooled = [], 0, 0
    deadline = time.perf_counter() + timeout
    for iid, start in sent.items():

        def done(c, iid=iid):
            return c.path.endswith(f"/token-{iid}") or (
                c.path == f"/interactions/{iid}/token-{iid}/callback" and c.body["type"] != 5
            )

        try:
            call = await fake.wait_for(done, max(0.1, deadline - time.perf_counter()))
        except TimeoutError:
            continue
        latencies.append(time.perf_counter() - start)
        data = call.body.get("data", call.body)
        if data.get("embeds"):
            answered += 1
        elif "asking quickly" in (data.get("content") or ""):
            cooled += 1
    prober.cancel()
    ms = sorted(x * 1000 for x in latencies) or [0.0]
    lag = sorted(x * 1000 for x in lags) or [0.0]
    return LoadResult(
        asked=len(questions),
        answered=answered,
        cooled=cooled,
        lost=len(questions) - answered - cooled,
        p50_ms=statistics.median(ms),
        p95_ms=ms[int(0.95 * (len(ms) - 1))],
        lag_max_ms=lag[-1],
        lag_p99_ms=lag[int(0.99 * (len(lag) - 1))],
    )

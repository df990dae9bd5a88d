"""Concurrent /ask load through the loopback Discord: latencies, event-loop lag, losses.

Shared by the suite's short load test and benchmarks/bench_load.py.
"""

from __future__ import annotations

import asyncio
import statistics
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
    ids = await asyncio.gather(
        *(fake.slash("ask", FIRST_USER + n % users, question=q) for n, q in enumerate(questions))
    )

    def final(c, iid: str) -> bool:
        """The reply the asker sees: an immediate answer, or the follow-up after "thinking"."""
        return c.path.endswith(f"/token-{iid}") or (
            c.path == f"/interactions/{iid}/token-{iid}/callback" and c.body["type"] != 5
        )

    async def reply(iid: str):
        try:
            return await fake.wait_for(lambda c: final(c, iid), timeout)
        except TimeoutError:
            return None

    # Every reply is awaited at once, and its latency is what the fake itself recorded:
    # from dispatching the interaction to receiving its reply.
    calls = await asyncio.gather(*(reply(iid) for iid in ids))
    latencies, answered, cooled = [], 0, 0
    for iid, call in zip(ids, calls, strict=True):
        if call is None:
            continue
        latencies.append(call.at - fake.dispatched[iid])
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

"""Per-user flood control: at most `uses` questions in any `per`-second window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class Cooldown:
    def __init__(self, uses: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.uses = uses
        self.per = per
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}

    def retry_after(self, user_id: int) -> float:
        """0 and the use is counted, or the seconds until this user may ask again."""
        if self.per <= 0:
            return 0.0
        now = self.clock()
        window = self._seen.setdefault(user_id, deque())
        while window and now - window[0] >= self.per:
            window.popleft()
        if len(window) >= self.uses:
            return self.per - (now - window[0])
        window.append(now)
        self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop users whose last use has expired, so memory follows active users only."""
        if len(self._seen) < 1024:
            return
        for user in [u for u, w in self._seen.items() if not w or now - w[-1] >= self.per]:
            del self._seen[user]

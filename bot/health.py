"""A heartbeat file the running bot refreshes, and the check `newsbot health` makes of it.

A container's HEALTHCHECK runs in a separate process, so the bot writes its state
(when it last wrote, whether the gateway is connected, since when it is not, how many
chunks it serves) to a small JSON file beside the index; the check reads it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

HEARTBEAT_FILE = "heartbeat.json"
HEARTBEAT_SECONDS = 15.0
STALE_AFTER = 90.0  # the bot stopped refreshing: hung or dead
DISCONNECTED_GRACE = 60.0  # a gateway reconnect may take a while


@dataclass(frozen=True)
class Heartbeat:
    written: float  # time.time() of this write
    connected: bool
    disconnected_since: float | None
    chunks: int


def write(path: Path, beat: Heartbeat) -> None:
    """Atomically replace the heartbeat file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        json.dump(asdict(beat), tmp)
    os.replace(tmp.name, path)


def check(path: Path, now: float) -> tuple[bool, str]:
    """(healthy, why) for the heartbeat at path."""
    try:
        beat = Heartbeat(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return False, f"no heartbeat at {path}: the bot has not loaded its index yet"
    except (OSError, ValueError, TypeError) as exc:
        return False, f"unreadable heartbeat at {path}: {exc}"
    if now - beat.written > STALE_AFTER:
        return False, f"heartbeat is {now - beat.written:.0f} s old: the bot is not running"
    if beat.chunks <= 0:
        return False, "the index is empty"
    if not beat.connected and beat.disconnected_since is not None:
        lost = now - beat.disconnected_since
        if lost > DISCONNECTED_GRACE:
            return False, f"gateway connection lost for {lost:.0f} s"
    state = "connected" if beat.connected else "reconnecting"
    return True, f"ok: {state}, serving {beat.chunks} chunks"

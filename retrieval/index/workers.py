"""Worker processes that never outlive the process that started them.

A pool worker blocks on its task queue; if its parent is killed (SIGKILL, the
OOM killer) nothing ever closes that queue, so the worker would wait forever.
Workers are therefore started with "spawn" (fork + exec: safe from a process
that already runs threads, like the bot, and every worker is a direct child of
the caller, with no forkserver in between) and ask the kernel to SIGKILL them
when their parent dies (Linux's PR_SET_PDEATHSIG). Elsewhere a watchdog thread
polls for the parent instead.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCHDOG_SECONDS = 0.5  # how often a worker without PDEATHSIG looks for its parent


def _die_with(parent: int) -> None:
    """Pool initializer: end this worker when `parent` (the pool's owner) ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent died before the request took effect
                os._exit(1)
            return
    threading.Thread(target=_watch, args=(parent,), daemon=True).start()


def _watch(parent: int) -> None:
    stop = threading.Event()
    while not stop.wait(WATCHDOG_SECONDS):
        if os.getppid() != parent:
            os._exit(1)


def pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process, however it ends."""
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_die_with,
        initargs=(os.getpid(),),
    )

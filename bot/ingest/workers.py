"""Where the CPU-bound stages run (parsing, extraction, cleaning, summarizing,
fingerprinting), so the event loop stays responsive.

Three kinds, same interface (``await workers.run(fn, *args)``):

* ``process`` (the service's default): a pool of worker processes, one per CPU. Parsing
  and summarizing are pure Python and hold the GIL, so threads cannot use a second
  core; processes can, and the event loop process is left with I/O and SQLite.
  bench/poll.py measures the three kinds (README "Figures"). Workers are started with
  ``spawn`` (forking a process that runs aiosqlite and PTB threads is unsafe), lazily on
  the first job, and ignore SIGINT (Ctrl-C is the parent's to handle). A worker that
  dies (a crash in a C extension, the OOM killer) breaks the pool: it is replaced and
  the job that was running fails, once. Workers run at a lower CPU priority
  (:data:`WORKER_NICENESS`), so a burst of articles that keeps every core busy never
  makes the event loop (Telegram updates, deliveries, fetches) wait for a core.
* ``thread``: a thread pool; no second core, but nothing to start (tests).
* ``inline``: run in the caller (``newsbot preview``, debugging).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar

__all__ = ["WORKER_NICENESS", "Kind", "Workers"]

log = logging.getLogger(__name__)
T = TypeVar("T")
Kind = Literal["process", "thread", "inline"]

#: How much a worker process raises its ``nice`` value (lowers its CPU priority) above the
#: service's. Throughput is unchanged (the work is the same); when the cores are saturated,
#: the event loop gets one first: bench/poll.py, 200 feeds x 50 new items, loop lag p99
#: 12-14 ms -> 7-8 ms and max 23-31 ms -> 15-16 ms (README "Figures").
WORKER_NICENESS = 10


ORPHAN_CHECK_SECONDS = 1.0


def _exit_when_orphaned(parent: int) -> None:
    """Exit once the service is gone. After a SIGKILL of the service nothing tells its
    workers: they stayed alive (measured: still there 100 s later), holding its stdout and
    stderr open, unless a supervisor kills the whole process group."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)


def _init_worker(parent: int) -> None:
    # ``parent`` comes from the service: a worker still importing when the service was
    # killed would read its new parent (init) here and wait for that one
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True,
                     name="orphan-watch").start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(WORKER_NICENESS)  # raising one's own nice value needs no privilege
    except OSError:
        log.warning("ingest: could not lower the worker's CPU priority", exc_info=True)
    # Import the heavy modules once per worker, before the first job.
    import bot.ingest.build
    import bot.parse  # noqa: F401


class Workers:
    """A lazily started executor of ``kind`` with ``size`` workers (default: CPUs)."""

    def __init__(self, kind: Kind = "process", size: int | None = None) -> None:
        if kind not in ("process", "thread", "inline"):
            raise ValueError(f"unknown worker kind {kind!r}")
        self.kind = kind
        self.size = max(1, size or os.cpu_count() or 1)
        self._executor: Executor | None = None
        self._closed = False

    def _get(self) -> Executor:
        if self._closed:
            raise RuntimeError("ingest: workers are closed")
        if self._executor is None:
            if self.kind == "process":
                self._executor = ProcessPoolExecutor(
                    max_workers=self.size, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker, initargs=(os.getpid(),))
            else:
                self._executor = ThreadPoolExecutor(max_workers=self.size,
                                                    thread_name_prefix="ingest")
        return self._executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a worker (``fn`` and the arguments must pickle for processes)."""
        if self.kind == "inline":
            if self._closed:
                raise RuntimeError("ingest: workers are closed")
            return fn(*args)
        executor = self._get()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            log.error("ingest: a worker process died; starting a new pool")
            if self._executor is executor:
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            raise RuntimeError("ingest: a worker process died while processing") from None

    def pids(self) -> list[int]:
        """Process ids of the running worker processes (none for threads or inline)."""
        executor = self._executor
        if not isinstance(executor, ProcessPoolExecutor):
            return []
        processes = getattr(executor, "_processes", None) or {}
        return list(processes)

    def warm_up(self) -> None:
        """Start the pool now instead of on the first job."""
        if self.kind != "inline":
            self._get()

    def close(self) -> None:
        """Stop the workers; running jobs are abandoned (their results never stored)."""
        self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

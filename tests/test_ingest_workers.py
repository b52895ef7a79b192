"""The worker processes of ingestion do not outlive the service."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.service import ROOT

SCRIPT = """
import asyncio, os, signal, sys
from bot.ingest.workers import Workers

async def main():
    workers = Workers("process", 2)
    await workers.run(os.getpid)  # starts the pool
    await asyncio.gather(*(workers.run(os.getpid) for _ in range(4)))
    print(" ".join(map(str, workers.pids())), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # as `kill -9` of the service

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_exit_when_the_service_is_killed() -> None:
    """After SIGKILL of the service its pool workers stayed alive (100 s and more), with
    its output pipes open; now they notice within about a second and exit."""
    child = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True)
    assert child.stdout is not None
    pids = [int(p) for p in child.stdout.readline().split()]
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"workers still alive: {pids}"
        time.sleep(0.1)
    assert child.stdout.read() == ""  # and the pipe is closed: no one holds it open

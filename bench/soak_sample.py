"""bench/soak.py's samples: what /proc, the database files and /metrics say about the
service at one moment, and the table's rows."""

from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Sample:
    t: float
    rss: float  # MiB, the service
    workers: dict[int, float]  # pid -> MiB
    fds: int
    threads: int
    db: float  # MB
    wal: float
    pending: float  # outbox rows to send, digest rows included
    sent: float  # newsbot_sends_total{result="sent"}
    articles: float
    fake_sent: int
    probes: list[float] = field(default_factory=list)  # ms
    load: float = 0.0  # the machine's 1-minute load average
    digest: float = 0.0  # of ``pending``, rows waiting for their chat's digest


def proc_status(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return found


def is_worker(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in cmd


def size_mb(file: str) -> float:
    try:
        return os.path.getsize(file) / 1e6
    except OSError:
        return 0.0


def metric(text: str, name: str, labels: str = "") -> float:
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def take(pid: int, db: str, metrics: str, t: float, fake_sent: int,
         probes: list[float]) -> Sample:
    """The service ``pid`` now; ``metrics``: its /metrics text; ``t``: seconds into the run."""
    status = proc_status(pid)
    workers = {c: proc_status(c).get("VmRSS", 0) / 1024 for c in children(pid) if is_worker(c)}
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = 0
    return Sample(
        t=t, rss=status.get("VmRSS", 0) / 1024, workers=workers, fds=fds,
        threads=status.get("Threads", 0), db=size_mb(db), wal=size_mb(db + "-wal"),
        pending=metric(metrics, "newsbot_outbox_pending"),
        sent=metric(metrics, "newsbot_sends_total", '{result="sent"}'),
        articles=metric(metrics, "newsbot_articles_stored_total"),
        fake_sent=fake_sent, probes=probes, load=os.getloadavg()[0],
        digest=metric(metrics, "newsbot_outbox_digest_waiting"))


# "to send": outbox rows the worker has to send; "digest": rows waiting for their chat's
# digest (they grow until its hour or day comes: not a backlog)
HEADER = ("   min    RSS  workers    fd  thr   db MB  wal MB to send  digest sent/mn  arts "
          "  p50ms   maxms  load")


def row(samples: list[Sample], s: Sample) -> str:
    """One line of the table: ``s``, with the messages sent over the minute before it."""
    before = [p for p in samples if p.t <= s.t - 60] or samples[:1]
    per_min = (s.sent - before[-1].sent) / max(1e-9, s.t - before[-1].t) * 60
    workers = "/".join(f"{w:.0f}" for _, w in sorted(s.workers.items())) or "-"
    probes = sorted(s.probes) or [0.0]
    return (f"{s.t / 60:6.1f} {s.rss:6.1f} {workers:>9} {s.fds:4d} {s.threads:4d} "
            f"{s.db:7.1f} {s.wal:6.1f} {s.pending - s.digest:7.0f} {s.digest:7.0f} "
            f"{per_min:7.0f} {s.articles:6.0f} "
            f"{statistics.median(probes):6.1f} {probes[-1]:7.1f} {s.load:5.1f}")

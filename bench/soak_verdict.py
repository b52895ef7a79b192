"""bench/soak.py's verdict: do memory, fds, threads and the WAL level off, did every
message go out once (bench/soak_check.py), and, with --tracemalloc, where the service's
Python allocations grew."""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import soak_world as people
from soak_check import check, message_kind
from soak_sample import Sample, metric

if TYPE_CHECKING:
    from soak import Run

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
AUTOCHECKPOINT_MB = 4.2  # the WAL SQLite restarts after: 1,000 pages of 4 KiB (and a header)


def halves(samples: list[Sample], value) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    """(growth over the first half, over the last half, max of the first half, max of the
    last half) of ``value(sample)``; start, middle and end are medians of a few samples."""
    values = [value(s) for s in samples]
    n = len(values)
    k = max(1, min(5, n // 6))
    mid = n // 2
    a = statistics.median(values[:k])
    m = statistics.median(values[max(0, mid - k // 2):max(0, mid - k // 2) + k])
    e = statistics.median(values[-k:])
    return m - a, e - m, max(values[:mid] or values), max(values[mid:])


def report(run: Run, world: people.World, stats: dict, messages: dict[int, list], code: int,
           drained: float, feed_number: dict[int, int]) -> int:
    """Print the verdict; 1 when a check failed."""
    args, samples = run.args, run.samples
    failed: list[str] = []
    print(f"\nend: service exit code {code}; drain after the run {drained:.0f} s; fake Bot API: "
          f"{stats['sent']} messages, {stats['edits']} edits, {stats['inline_answers']} inline "
          f"answers, {stats['rate_limited']} 429s; reader actions {world.actions}; "
          f"broadcasts {world.broadcasts}; blocked {len(world.blocked)} chats")
    text = run.last_metrics
    polls = {r: int(metric(text, "newsbot_polls_total", f'{{result="{r}"}}'))
             for r in ("ok", "not_modified", "unchanged", "error")}
    pruned = {t: int(metric(text, "newsbot_retention_deleted_total", f'{{table="{t}"}}'))
              for t in ("articles", "outbox", "broadcasts")}
    print(f"service: polls {polls}; articles stored {samples[-1].articles:.0f}; retention "
          f"pruned {pruned} (aged by the bench: {dict(run.ledger.aged)})")
    if code != 0:
        failed.append(f"service exit code {code}")
    if stats["rate_limited"]:
        failed.append(f"{stats['rate_limited']} 429s")
        sends = sorted([(m["time"], message_kind(m)) for ms in messages.values() for m in ms]
                       + [(t, "edit") for t in stats["edit_times"]])
        for hit in stats["hits"][:8]:
            kinds = Counter(k for t, k in sends if hit["time"] - 1.0 < t <= hit["time"])
            print(f"   429: {hit['method']} chat {hit['chat_id']} ({hit['scope']} limit) at "
                  f"{hit['time'] - run.fake_go:.1f} s; the second before it: {dict(kinds)}")
    errors = [line for line in (run.workdir / "service.log").read_text(
        encoding="utf-8", errors="replace").splitlines() if " ERROR " in line or
        "Traceback" in line]
    print(f"service log: {len(errors)} ERROR/Traceback line(s)")
    for line in dict.fromkeys(e[20:200] for e in errors[:50]):
        print(f"   {line}")

    warm = [s for s in samples if args.warmup <= s.t <= args.minutes * 60]
    short = len(warm) < 4
    if short:  # a smoke run: the trends are printed, not judged
        print("too few samples after the warm-up to judge whether memory, fds, threads and "
              "the WAL level off: shown as info over the whole run")
        warm = samples
    span = f"{warm[0].t / 60:.1f}-{warm[-1].t / 60:.1f} min"
    loads = sorted(s.load for s in warm)
    print(f"\nverdict ({span}; growth over the first half -> over the last half; load "
          f"average {loads[0]:.1f}-{loads[-1]:.1f}, median {statistics.median(loads):.1f}):")

    def judge(label: str, ok: bool, detail: str, trend: bool = True) -> None:
        """``trend``: a levelling-off check, only info in a short run."""
        if trend and short:
            print(f"  info {label:24s} {detail}")
            return
        print(f"  {'ok  ' if ok else 'FAIL'} {label:24s} {detail}")
        if not ok:
            failed.append(label)

    first, last, _, _ = halves(warm, lambda s: s.rss)
    judge("service RSS levels off", last <= max(2.0, 0.5 * first),
          f"{warm[0].rss:.1f} -> {warm[-1].rss:.1f} MiB: {first:+.1f} then {last:+.1f} MiB")
    if last > max(2.0, 0.5 * first) and not args.tracemalloc and not short:
        print("       (bounded caches still filling look like growth in a short run: "
              "--tracemalloc names the sites)")
    pids = set.intersection(*(set(s.workers) for s in warm)) if warm else set()
    if len(pids) < max(len(s.workers) for s in warm):
        failed.append("worker processes replaced")
        print("  FAIL worker processes were replaced during the run")
    for pid in sorted(pids):
        first, last, _, _ = halves(warm, lambda s, pid=pid: s.workers[pid])
        judge(f"worker {pid} RSS levels off", last <= max(2.0, 0.5 * first),
              f"{warm[0].workers[pid]:.1f} -> {warm[-1].workers[pid]:.1f} MiB: "
              f"{first:+.1f} then {last:+.1f} MiB")
    for label, value, slack in (("open fds flat", lambda s: s.fds, 2),
                                ("threads flat", lambda s: s.threads, 0)):
        half = len(warm) // 2
        med1 = statistics.median(value(s) for s in warm[:half])
        med2 = statistics.median(value(s) for s in warm[half:])
        judge(label, med2 <= med1 + slack, f"median {med1:.0f} in the first half, {med2:.0f} "
              f"in the last (range {min(map(value, warm))}-{max(map(value, warm))})")
    _, _, max1, max2 = halves(warm, lambda s: s.wal)
    judge("WAL bounded", max2 <= 1.25 * max(max1, AUTOCHECKPOINT_MB),
          f"max {max1:.1f} MB in the first half, {max2:.1f} MB in the last (SQLite's "
          f"auto-checkpoint: {AUTOCHECKPOINT_MB} MB)")
    first, last, _, _ = halves(warm, lambda s: s.db)
    print(f"  info database file          {warm[0].db:.1f} -> {warm[-1].db:.1f} MB: {first:+.1f} "
          f"then {last:+.1f} MB")
    minutes = (warm[-1].t - warm[0].t) / 60
    probes = sorted(p for s in warm for p in s.probes) or [0.0]
    print(f"  info messages sent          {(warm[-1].sent - warm[0].sent) / max(minutes, 1e-9):.0f}"
          f" a minute on average; HTTP answer on the event loop: p50 "
          f"{probes[len(probes) // 2]:.1f} ms, p99 {probes[int(len(probes) * 0.99)]:.1f} ms, "
          f"max {probes[-1]:.1f} ms ({len(probes)} probes)")

    verdict = check(run.ledger.final(), messages, world.blocked, run.go_time, feed_number,
                    admin=world.admin)
    counts = verdict.counts
    print("  info outbox rows            " + ", ".join(
        f"{k[5:]} {n}" for k, n in sorted(counts.items()) if k.startswith("rows ")))
    print("  info messages in the fake   " + ", ".join(
        f"{k[9:]} {n}" for k, n in sorted(counts.items()) if k.startswith("messages ")))
    print(f"  info expected (chat, article) pairs from feed/category subscriptions: "
          f"{counts['expected (chat, article)']}")
    problems = {k: n for k, n in counts.items() if k.split(":")[0] in
                ("lost", "duplicate", "stray", "missing")}
    judge("delivery: each once", not problems,
          ", ".join(f"{k} {n}" for k, n in problems.items()) or
          "no message lost, none twice, none unrecorded, none missing", trend=False)
    for what, examples in verdict.examples.items():
        for example in examples:
            print(f"       {what}: {example}")
    if args.tracemalloc:
        tracemalloc_report(run.workdir)
    print("\nRESULT: " + ("PASS" if not failed else "FAIL (" + "; ".join(failed) + ")"))
    return 1 if failed else 0


def tracemalloc_report(workdir: Path) -> None:
    """The allocation sites that grew most between the service's snapshots."""
    import tracemalloc

    files = sorted(workdir.glob("tracemalloc-*.snap"), key=lambda p: int(p.stem[12:]))
    if len(files) < 2:
        print(f"tracemalloc: {len(files)} snapshot(s) written, no comparison")
        return
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    snaps = [tracemalloc.Snapshot.load(str(f)).filter_traces(ignore) for f in files]
    for label, a, b in (("after the warm-up -> the end", snaps[0], snaps[-1]),
                        ("the last half", snaps[-2], snaps[-1])):
        stats = b.compare_to(a, "traceback")
        total = sum(st.size_diff for st in stats)
        print(f"\ntracemalloc, {label}: {total / 1024:+,.0f} KiB of Python allocations in the "
              f"service ({sum(st.size for st in stats) / MIB:.1f} MiB traced at the end); "
              "the sites that grew most:")
        for st in sorted(stats, key=lambda st: -st.size_diff)[:8]:
            ours = [f for f in st.traceback if str(ROOT) in f.filename]
            frames = [st.traceback[-1], *ours[-2:]] if ours else list(st.traceback)[-3:]
            where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in frames)
            print(f"  {st.size_diff / 1024:+8,.0f} KiB {st.count_diff:+7,d} blocks  {where}")

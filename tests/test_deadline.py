"""bot.deadline: a CPU-time limit around one call (real signals, real CPU time)."""

from __future__ import annotations

import signal
import sys
import threading
import time

import pytest

from bot import deadline
from bot.deadline import CpuLimitExceeded, within_cpu_seconds


def spin(seconds: float) -> str:
    """Burn ``seconds`` of CPU in Python code; "done" if it got to the end."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return "done"


def test_a_call_within_its_limit_returns_its_value() -> None:
    assert within_cpu_seconds(5.0, lambda: spin(0.01)) == "done"
    assert within_cpu_seconds(5.0, lambda: 42) == 42


def test_a_call_over_its_limit_is_interrupted() -> None:
    started = time.process_time()
    with pytest.raises(CpuLimitExceeded, match=r"gave up after 0.2 s of CPU"):
        within_cpu_seconds(0.2, lambda: spin(30))
    assert time.process_time() - started < 5
    assert not deadline._armed
    # and again: the handler stays installed, the limit works every time
    with pytest.raises(CpuLimitExceeded):
        within_cpu_seconds(0.1, lambda: spin(30))
    assert within_cpu_seconds(1.0, lambda: spin(0.01)) == "done"


def test_the_callees_except_exception_cannot_swallow_it() -> None:
    def stubborn() -> str:
        while True:
            try:
                spin(30)
            except Exception:  # what libraries do around their fallbacks
                continue

    with pytest.raises(CpuLimitExceeded):
        within_cpu_seconds(0.1, stubborn)


def test_no_signal_is_lost_in_a_finalizer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python drops an exception raised while __del__ runs (the regex module's parse trees
    # have finalizers that run during every extraction): the limit must not be raised
    # there, and must still come once the finalizer is done
    dropped: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", dropped.append)

    class Slow:
        def __del__(self) -> None:
            spin(0.3)

    def call() -> str:
        Slow()  # finalized at once, 0.3 s of CPU inside __del__, past the limit
        return spin(30)

    started = time.process_time()
    with pytest.raises(CpuLimitExceeded):
        within_cpu_seconds(0.1, call)
    assert time.process_time() - started < 5
    assert dropped == []


def test_errors_of_the_call_pass_through() -> None:
    def fail() -> None:
        raise ValueError("bad page")

    with pytest.raises(ValueError, match="bad page"):
        within_cpu_seconds(1.0, fail)
    assert not deadline._armed


def test_outside_the_main_thread_the_call_runs_to_its_end() -> None:
    out: list[str] = []

    def run() -> None:
        out.append(within_cpu_seconds(0.01, lambda: spin(0.2)))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert out == ["done"]


def test_someone_elses_sigprof_handler_is_left_alone() -> None:
    seen: list[int] = []

    def profiler(signum: int, frame: object) -> None:
        seen.append(signum)

    old = signal.signal(signal.SIGPROF, profiler)
    try:
        assert within_cpu_seconds(0.01, lambda: spin(0.1)) == "done"  # not limited
        assert signal.getsignal(signal.SIGPROF) is profiler and not seen
    finally:
        signal.signal(signal.SIGPROF, old)


def test_only_the_calling_threads_cpu_counts() -> None:
    """ITIMER_PROF counts every thread of the process: a thread busy beside the call (in
    the test process, work another test left running) used up the call's budget."""
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            pass

    def idle_call() -> str:
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            time.sleep(0.01)  # no CPU of its own
        return "done"

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    try:
        started = time.process_time()
        assert within_cpu_seconds(0.3, idle_call) == "done"
        assert time.process_time() - started > 0.5  # the process did burn past the limit
    finally:
        stop.set()
        thread.join()

"""A CPU-time limit around one call, for the page extractor and for feedparser.

trafilatura's time on some pages grows with the square of the page: measured here, a list
of 5,000 ``<li>`` items took 5.6 s, 10,000 took 26 s and 20,000 took 120 s (real article
pages take 20-430 ms). feedparser's loose parser spends 40-50 s on 5 MB of unclosed tags
(legitimate 5 MB feeds take it at most ~3 s). No size cap stops that without refusing real
input, so the call is interrupted instead: ``ITIMER_PROF`` counts the process's CPU time
and its ``SIGPROF`` raises :class:`_Expired` once the calling thread itself has used them
(``time.thread_time``: every thread's CPU counts in ``ITIMER_PROF``) (a
``BaseException``, so the library's ``except Exception`` blocks cannot swallow it) at the
next Python instruction, which
:func:`within_cpu_seconds` turns into :class:`CpuLimitExceeded`. An exception raised while
a finalizer (``__del__``) runs is dropped by Python (reported to ``sys.unraisablehook``),
and the ``regex`` module's parse trees have finalizers that run all the time during an
extraction: in the test suite a one-shot signal landed there and the call ran its full
105 s. So the handler does not raise inside a finalizer, and the signal repeats every
:data:`REPEAT` seconds until the call is over (a bare ``except:`` that swallowed one
signal meets the next).

Signals reach only the main thread: the limit applies where the call runs in a process's
main thread (the service's worker processes, ``newsbot preview``), not in a thread pool
(tests' thread workers), where the call simply runs to its end. A ``SIGPROF`` handler
already installed by something else (a profiler) is left alone, and then so is the call.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

__all__ = ["CpuLimitExceeded", "within_cpu_seconds"]

T = TypeVar("T")


class CpuLimitExceeded(Exception):
    """The call used up its CPU seconds and was interrupted."""


class _Expired(BaseException):
    pass


_armed = False
_until = 0.0  # time.thread_time() of the calling thread at which its limit is reached
REPEAT = 0.05
_STACK_LOOK = 64  # frames looked at for a finalizer


def _on_sigprof(signum: int, frame: FrameType | None) -> None:
    if not _armed:
        return
    if time.thread_time() < _until:
        return  # the process's CPU ran out, not this thread's: other threads' work
    # (a test process's threads, while this call runs); the next tick looks again
    for _ in range(_STACK_LOOK):
        if frame is None:
            break
        if frame.f_code.co_name == "__del__":
            return  # Python would drop it (see the module docstring): the next tick
        frame = frame.f_back
    raise _Expired


def _can_limit() -> bool:
    if threading.current_thread() is not threading.main_thread():
        return False
    current = signal.getsignal(signal.SIGPROF)
    if current is _on_sigprof:
        return True
    if current not in (signal.SIG_DFL, signal.SIG_IGN):
        return False  # someone else's handler
    signal.signal(signal.SIGPROF, _on_sigprof)  # stays: it does nothing unless armed
    return True


def within_cpu_seconds(seconds: float, fn: Callable[[], T]) -> T:
    """``fn()``, or :class:`CpuLimitExceeded` once it has used ``seconds`` of CPU time
    (where a limit can be set; see the module docstring)."""
    global _armed, _until
    if seconds <= 0 or _armed or not _can_limit():
        return fn()
    try:
        try:
            _until = time.thread_time() + seconds
            _armed = True
            signal.setitimer(signal.ITIMER_PROF, seconds, REPEAT)
            return fn()
        finally:
            _armed = False  # from here on the handler does nothing
            signal.setitimer(signal.ITIMER_PROF, 0)
    except _Expired:
        # (also when the signal landed just as fn returned: the call was at its limit)
        _armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        raise CpuLimitExceeded(f"gave up after {seconds:g} s of CPU") from None

"""Broadcast progress: the figures, the text bar, the ETA and the messages. Pure.

    p = Progress.from_counts(storage_counts, total=2000)
    meter.add(now, p.processed); meter.eta(p.pending)
    render_progress(12, p, eta_seconds)  ->  the HTML the progress message is edited to

The bar fills from the right in right-to-left text (its line starts with an RLM), and the
percentage uses the Arabic percent sign: «‏▓▓▓▓░░░░░░ 45٪». The bar counts the rows sent
or tried (sent, failed, blocked) out of all, so a stopped broadcast shows how far it got.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from bot.admin.arabic import count_phrase, duration, eta
from bot.render.bidi import RLM, rtl_text

BAR_WIDTH = 10
FULL, EMPTY = "▓", "░"
RATE_WINDOW = 30.0  # seconds of samples the ETA is computed from
#: Under the figures during a "database full" episode (writes refused for a full disk):
#: delivery claims nothing new until outcomes can be recorded, so the bar stands still
#: and the ETA is not known (bot.delivery.recorder).
STORAGE_FULL = "💾 قاعدة بيانات البوت ممتلئة: يُستأنف الإرسال وحده حين تتوفّر مساحة على القرص."


@dataclass(frozen=True, slots=True)
class Progress:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    pending: int = 0
    cancelled: int = 0
    left: int = 0  # rows of chats that ran /forget before they were sent
    total: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], total: int = 0) -> Progress:
        """From ``storage.outbox.broadcast_counts``; ``total`` is at least the rows counted."""
        fields = {k: int(counts.get(k, 0)) for k in
                  ("sent", "failed", "blocked", "pending", "cancelled", "left")}
        return cls(**fields, total=max(total, sum(fields.values())))

    @property
    def processed(self) -> int:
        """Rows with an outcome (sent, failed, blocked, cancelled, left): the ETA's pace."""
        return self.attempted + self.cancelled

    @property
    def attempted(self) -> int:
        """Rows sent or tried, or whose chat left (not those the stop cancelled): what the
        bar shows, out of ``total``."""
        return self.sent + self.failed + self.blocked + self.left


def percent(done: int, total: int) -> int:
    """Whole percent, rounded down: 100 only when everything is done (0 of 0 is 100)."""
    if total <= 0 or done >= total:
        return 100
    return max(0, done * 100 // total)


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """``width`` cells, full ones first (rounded down, like :func:`percent`)."""
    filled = width if total <= 0 or done >= total else max(0, done * width // total)
    return FULL * filled + EMPTY * (width - filled)


def bar_line(done: int, total: int) -> str:
    return f"{RLM}{bar(done, total)} {percent(done, total)}٪"


class RateMeter:
    """Rows processed per second over the last :data:`RATE_WINDOW` seconds."""

    def __init__(self, window: float = RATE_WINDOW) -> None:
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, at: float, processed: int) -> None:
        samples = self._samples
        if samples and at <= samples[-1][0]:
            return
        samples.append((at, processed))
        while len(samples) > 2 and samples[1][0] <= at - self.window:
            samples.popleft()

    def rate(self) -> float | None:
        """Rows a second, or None before two samples a second apart."""
        if len(self._samples) < 2:
            return None
        (t0, n0), (t1, n1) = self._samples[0], self._samples[-1]
        if t1 - t0 < 1.0:
            return None
        return max(0.0, (n1 - n0) / (t1 - t0))

    def eta(self, remaining: int) -> float | None:
        """Seconds to send ``remaining`` rows at the observed rate (None: not known yet)."""
        if remaining <= 0:
            return 0.0
        rate = self.rate()
        if not rate:
            return None
        return remaining / rate


def _count_lines(p: Progress) -> list[str]:
    lines = [f"✅ أُرسلت: {p.sent}",
             f"⚠️ تعذّر إرسالها: {p.failed}",
             f"🚫 محظورة أو غير متاحة: {p.blocked}"]
    if p.left:
        lines.append(f"👋 حذفت بياناتها قبل الإرسال: {p.left}")
    return lines


def render_progress(broadcast_id: int, p: Progress, eta_seconds: float | None, *,
                    stopping: bool = False, storage_full: bool = False) -> str:
    """The progress message while rows are left; ``storage_full``: the database refuses
    writes (:data:`STORAGE_FULL` says why nothing moves)."""
    head = (f"⏹ <b>جارٍ إيقاف البث #{broadcast_id}…</b>" if stopping
            else f"📣 <b>جارٍ إرسال البث #{broadcast_id}</b>")
    lines = [head, "", bar_line(p.attempted, p.total), *_count_lines(p)]
    if p.cancelled:
        lines.append(f"⏹ أُلغيت قبل إرسالها: {p.cancelled}")
    lines.append(f"⏳ المتبقي: {p.pending} من {p.total}")
    if not stopping:
        lines.append(f"⏱ الوقت المتبقي المتوقَّع: {eta(eta_seconds)}")
    if storage_full:
        lines.append(STORAGE_FULL)
    return rtl_text("\n".join(lines))


def render_final(broadcast_id: int, p: Progress, status: str, elapsed: float | None) -> str:
    """The final report (``status`` done or cancelled)."""
    if status == "cancelled":
        head = f"⏹ <b>أُوقف البث #{broadcast_id}</b>"
    elif p.total == 0:
        head = f"ℹ️ <b>البث #{broadcast_id}: لا توجد محادثات نشطة</b>؛ لم يُرسل شيء."
    else:
        head = f"✅ <b>اكتمل البث #{broadcast_id}</b>"
    lines = [head, "", bar_line(p.attempted, p.total), *_count_lines(p)]
    if p.cancelled or status == "cancelled":
        lines.append(f"⏹ لم تُرسل (أُلغيت): {p.cancelled}")
    lines.append(f"👥 المجموع: {p.total}")
    if elapsed is not None:
        lines.append(f"⏱ المدة: {duration(max(0.0, elapsed))}")
    return rtl_text("\n".join(lines))


def render_preview_footer(broadcast_id: int, chats: int, messages: int = 1) -> str:
    """The message under the preview, with the confirm / cancel buttons."""
    lines = [f"📣 <b>معاينة البث #{broadcast_id}</b>",
             "ما فوق هذه الرسالة هو ما سيصل بالضبط.",
             f"سيُرسل إلى كل المحادثات النشطة، وعددها الآن {chats}."]
    if messages > 1:
        lines.append(f"النص طويل، فسيُقسم إلى {count_phrase(messages, 'message')}"
                     " لكل محادثة.")
    lines.append("اضغط «✅ تأكيد الإرسال» للبدء، أو «❌ إلغاء» للتراجع.")
    return rtl_text("\n".join(lines))

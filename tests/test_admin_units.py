"""The pure parts of the admin commands (bot/admin) and the broadcast storage state
machine (bot/storage/_broadcasts.py), without Telegram."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.admin import AdminError
from bot.admin.arabic import ago, count_phrase, decimal, duration, eta
from bot.admin.args import body_html, feed_ref, find_feeds, parse_addfeed, parse_broadcast
from bot.admin.broadcast import MAX_MESSAGES, text_chunks
from bot.admin.buttons import confirm_keyboard, parse, stop_keyboard
from bot.admin.errors import UNKNOWN, explain_error
from bot.admin.feeds import feed_block, feeds_header, items_per_day, state_icon
from bot.admin.progress import (
    Progress,
    RateMeter,
    bar,
    bar_line,
    percent,
    render_final,
    render_preview_footer,
    render_progress,
)
from bot.admin.stats import day_start, render_stats
from bot.callbacks import CallbackCodec
from bot.errors import (
    BlockedAddressError,
    ExtractionError,
    FetchError,
    ParseError,
)
from bot.ingest.poller import GONE
from bot.models import Article
from bot.render.bidi import LRM, RLM
from bot.storage import AdminStats, Feed, FeedFigures, Storage
from bot.storage._broadcasts import DRAFT_TTL
from bot.storage._polling import failure_reason


# ------------------------------------------------------------------------- Arabic
@pytest.mark.parametrize(("n", "unit", "expected"), [
    (1, "minute", "دقيقة"), (2, "minute", "دقيقتين"), (3, "minute", "3 دقائق"),
    (10, "minute", "10 دقائق"), (11, "minute", "11 دقيقة"), (99, "minute", "99 دقيقة"),
    (100, "minute", "100 دقيقة"), (103, "minute", "103 دقائق"), (111, "day", "111 يومًا"),
    (15, "day", "15 يومًا"), (200, "day", "200 يوم"), (5, "second", "5 ثوانٍ"),
    (2, "hour", "ساعتين"), (3, "message", "3 رسائل"), (2, "message", "رسالتين"),
    (0, "minute", "0 دقيقة"),
])
def test_counted_nouns(n: int, unit: str, expected: str) -> None:
    assert count_phrase(n, unit) == expected


def test_durations_relative_times_and_eta() -> None:
    assert duration(0.3) == "أقل من ثانية"
    assert duration(45) == "45 ثانية"
    assert duration(61) == "دقيقة"
    assert duration(185) == "3 دقائق"
    assert duration(3599) == "ساعة"
    assert duration(2 * 3600 + 5 * 60) == "ساعتين و5 دقائق"
    assert duration(3 * 86400) == "3 أيام"
    now = 1_000_000.0
    assert ago(now - 3, now) == "قبل لحظات"
    assert ago(now - 30, now) == "قبل 30 ثانية"
    assert ago(now - 300, now) == "قبل 5 دقائق"
    assert ago(now - 120, now) == "قبل دقيقتين"
    assert ago(now - 7200, now) == "قبل ساعتين"
    assert ago(now - 86400 * 12, now) == "قبل 12 يومًا"
    assert ago(None, now) == "لم يحدث بعد"
    assert ago(now + 50, now) == "قبل لحظات"  # clock skew is not "in the future"
    assert eta(None) == eta(float("nan")) == "جارٍ الحساب…"
    assert eta(3) == "ثوانٍ معدودة"
    assert eta(130) == "نحو دقيقتين"
    assert [decimal(x) for x in (12, 2.5, 0.14, 0.0)] == ["12", "2.5", "0.1", "0"]


# ------------------------------------------------------------------------- progress
def test_percent_and_bar() -> None:
    assert [percent(d, 200) for d in (0, 1, 90, 199, 200)] == [0, 0, 45, 99, 100]
    assert percent(0, 0) == 100
    assert bar(0, 10) == "░" * 10 and bar(10, 10) == "▓" * 10
    assert bar(45, 100) == "▓▓▓▓░░░░░░"
    assert bar(99, 100) == "▓" * 9 + "░"  # never full before the end
    assert bar_line(45, 100) == f"{RLM}▓▓▓▓░░░░░░ 45٪"


def test_rate_meter_and_eta() -> None:
    meter = RateMeter(window=30)
    assert meter.eta(100) is None
    meter.add(0.0, 0)
    meter.add(0.5, 10)
    assert meter.rate() is None  # less than a second of samples
    meter.add(2.0, 100)
    assert meter.rate() == 50.0 and meter.eta(500) == 10.0
    meter.add(2.0, 500)  # same instant: ignored
    assert meter.rate() == 50.0
    for t in range(3, 60):
        meter.add(float(t), 100 + (t - 2) * 10)  # slows down to 10/s
    assert meter.rate() == pytest.approx(10.0)  # old samples left the window
    assert meter.eta(0) == 0.0
    stalled = RateMeter()
    stalled.add(0, 5)
    stalled.add(5, 5)
    assert stalled.eta(10) is None


def test_progress_messages() -> None:
    p = Progress.from_counts({"sent": 900, "failed": 3, "blocked": 10, "pending": 1087},
                             total=2000)
    assert (p.processed, p.attempted, p.total) == (913, 913, 2000)
    text = render_progress(12, p, 130)
    assert text.splitlines() == [
        "📣 <b>جارٍ إرسال البث #12</b>", "", f"{RLM}▓▓▓▓░░░░░░ 45٪", "✅ أُرسلت: 900",
        "⚠️ تعذّر إرسالها: 3", "🚫 محظورة أو غير متاحة: 10", "⏳ المتبقي: 1087 من 2000",
        "⏱ الوقت المتبقي المتوقَّع: نحو دقيقتين"]
    stopping = render_progress(12, Progress(sent=5, cancelled=90, pending=5, total=100), None,
                               stopping=True)
    assert "جارٍ إيقاف البث #12" in stopping and "⏹ أُلغيت قبل إرسالها: 90" in stopping
    assert "الوقت المتبقي" not in stopping
    assert Progress.from_counts({"sent": 5}, total=0).total == 5

    done = render_final(3, Progress(sent=1950, blocked=50, total=2000), "done", 185)
    assert done.splitlines()[0] == "✅ <b>اكتمل البث #3</b>"
    assert "100٪" in done and "⏱ المدة: 3 دقائق" in done and "أُلغيت" not in done
    stopped = render_final(3, Progress(sent=450, blocked=50, cancelled=500, total=1000),
                           "cancelled", 61)
    assert stopped.splitlines()[0] == "⏹ <b>أُوقف البث #3</b>"
    assert f"{RLM}▓▓▓▓▓░░░░░ 50٪" in stopped  # how far it got, not 100 %
    assert "⏹ لم تُرسل (أُلغيت): 500" in stopped and "👥 المجموع: 1000" in stopped
    nobody = render_final(4, Progress(), "done", 0)
    assert "لا توجد محادثات نشطة" in nobody

    footer = render_preview_footer(7, 2000, 3)
    assert "معاينة البث #7" in footer and "وعددها الآن 2000." in footer
    assert "فسيُقسم إلى 3 رسائل لكل محادثة" in footer
    assert "يُقسم" not in render_preview_footer(7, 5)


# ------------------------------------------------------------------------- arguments
def test_broadcast_arguments() -> None:
    assert body_html("/broadcast <b>مهم</b> جدًا") == "<b>مهم</b> جدًا"
    assert body_html("/broadcast@news_bot\n<i>سطر</i>\nسطر") == "<i>سطر</i>\nسطر"
    assert body_html("<b>/broadcast نص</b>") is None  # the command inside formatting
    assert body_html(None) is None
    assert parse_broadcast("", None, has_reply=False).kind == "empty"
    assert parse_broadcast("  ", "", has_reply=True).kind == "copy"
    url = parse_broadcast("https://news.example/a?b=1", None, has_reply=True)
    assert (url.kind, url.url) == ("url", "https://news.example/a?b=1")
    text = parse_broadcast("اقرأ https://news.example/a", "اقرأ https://news.example/a",
                           has_reply=False)
    assert (text.kind, text.html) == ("text", "اقرأ https://news.example/a")
    plain = parse_broadcast("<b>x</b> & y", None, has_reply=False)
    assert plain.html == "&lt;b&gt;x&lt;/b&gt; &amp; y"  # no formatting known: escaped
    assert parse_broadcast("javascript:alert(1)", None, has_reply=False).kind == "text"


def test_feed_arguments() -> None:
    assert parse_addfeed("") is None
    args = parse_addfeed("https://a.example/rss   أخبار   المثال ")
    assert args is not None and (args.url, args.name) == ("https://a.example/rss",
                                                          "أخبار المثال")
    assert parse_addfeed("https://a.example/rss").name == ""  # type: ignore[union-attr]
    assert [feed_ref(x) for x in ("12", "#12", "١٢", "۱۲", " الجزيرة ", "")] == [
        12, 12, 12, 12, "الجزيرة", None]
    feeds = [_feed(1, "الجزيرة نت"), _feed(2, "الجزيرة مباشر"), _feed(3, "BBC عربي")]
    assert find_feeds(feeds, 2) == ([feeds[1]], [])
    assert find_feeds(feeds, 9) == ([], [])
    assert find_feeds(feeds, "الجزيره نت") == ([feeds[0]], [])  # normalized
    assert find_feeds(feeds, "bbc عربي") == ([feeds[2]], [])  # case-insensitive
    assert find_feeds(feeds, "الجزيرة") == ([], feeds[:2])  # only suggestions
    assert find_feeds(feeds, "!!!") == ([], [])


def test_text_chunks() -> None:
    assert text_chunks("<b>مرحبًا</b>") == ["<b>مرحبًا</b>"]
    words = " ".join(["كلمة"] * 2000)  # 9,999 characters: 3 messages
    chunks = text_chunks(f"<i>{words}</i>")
    assert len(chunks) == 3 and all(c.startswith("<i>") and c.endswith("</i>") for c in chunks)
    with pytest.raises(AdminError, match="نص البث فارغ"):
        text_chunks("<b> </b>")
    with pytest.raises(AdminError) as refused:
        text_chunks(" ".join(["كلمة"] * 4000))
    assert str(refused.value).startswith("النص طويل جدًا (عدد حروفه 19999)، ويحتاج إلى 5 رسائل")
    assert f"والحد {MAX_MESSAGES} رسائل" in str(refused.value)


def test_buttons_are_signed_and_short() -> None:
    codec = CallbackCodec("k" * 64)
    other = CallbackCodec("z" * 64)
    [[yes, no]] = confirm_keyboard(codec, 123456789).inline_keyboard
    [[stop]] = stop_keyboard(codec, 123456789).inline_keyboard
    assert (yes.text, no.text, stop.text) == ("✅ تأكيد الإرسال", "❌ إلغاء", "⏹ إيقاف الإرسال")
    assert all(len(str(b.callback_data).encode()) <= 64 for b in (yes, no, stop))
    assert parse(codec, str(yes.callback_data)) == ("c", 123456789)
    assert parse(codec, str(stop.callback_data)) == ("x", 123456789)
    assert parse(other, str(yes.callback_data)) is None  # another installation's key
    assert parse(codec, codec.encode("bc", "z", 1)) is None
    assert parse(codec, codec.encode("src", "c", 1)) is None
    assert parse(codec, codec.encode("bc", "c", "x1")) is None
    assert parse(codec, None) is None


U = "https://ssl.example.com/timeout/rss"  # a URL's words are no diagnosis
NOT_FOUND = "الصفحة غير موجودة على الموقع (الرمز 404)."
UNAVAILABLE = "خطأ في خادم الموقع (الرمز 503)، وغالبًا ما يكون مؤقتًا."
TIMEOUT = "لم يردّ الخادم في الوقت المحدد."
BLOCKED = ("العنوان يشير إلى شبكة داخلية أو خاصة، والجلب منها ممنوع حمايةً للخادم"
           " (SSRF).")
MALFORMED = "الخلاصة ليست XML سليمًا (ملف تالف أو مقطوع)."
#: (a stored ``last_error`` as bot.fetch, bot.parse and the poller write it, its
#: ``last_error_kind``, what the admin reads)
STORED_ERRORS = [
    (f"fetch: {U}: HTTP 404 Not Found", "status", NOT_FOUND),
    (f"fetch: {U}: HTTP 503 Service Unavailable, retry after 120s", "status", UNAVAILABLE),
    (f"fetch: {U}: HTTP 403 Forbidden", "status", "الموقع يمنع البوت من الوصول (الرمز 403)."),
    (f"fetch: {U}: HTTP 401 Unauthorized", "status", "الموقع يطلب تسجيل الدخول (الرمز 401)."),
    (f"fetch: {U}: HTTP 410 Gone", "status", "أزال الموقع الصفحة نهائيًا (الرمز 410)."),
    (f"fetch: {U}: HTTP 429 Too Many Requests", "status",
     "الموقع يطلب التمهّل لكثرة الطلبات (الرمز 429)."),
    (f"fetch: {U}: HTTP 451", "status", "الموقع رفض الطلب (الرمز 451)."),
    (f"fetch: {U}: HTTP 599 Odd", "status", UNAVAILABLE.replace("503", "599")),
    (f"fetch: {U}: HTTP 304", "status", "أجاب الموقع بخطأ (الرمز 304)."),
    (GONE, None, "أزال الموقع الصفحة نهائيًا (الرمز 410)."),  # a disabled_reason
    (failure_reason(20, f"fetch: {U}: HTTP 503 Service Unavailable"), None, UNAVAILABLE),
    (f"fetch: {U}: read timeout (20s) at {U}", "timeout", TIMEOUT),
    (f"fetch: {U}: total deadline (60s) exceeded at {U}", "timeout", TIMEOUT),
    (f"poll: {U}: not done within 90s", "timeout", TIMEOUT),
    (f"fetch: {U}: DNS lookup of x.example failed: [Errno -2] Name or service not known",
     "dns", "لم يُعثر على الموقع (اسم النطاق غير موجود أو لا يُحلّ)."),
    (f"fetch: {U}: cannot connect to 127.0.0.1:1: [Errno 111] Connect call failed "
     "('127.0.0.1', 1)", "connect",
     "رفض الخادم الاتصال (لا خدمة على هذا المنفذ، أو الخادم متوقف)."),
    (f"fetch: {U}: cannot connect to x.example:443: [Errno 101] Network is unreachable",
     "connect", "تعذّر الاتصال بالخادم."),
    (f"fetch: {U}: TLS error at {U}: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
     "failed", "tls", "شهادة الأمان (TLS) للموقع غير صالحة."),
    (f"fetch: {U}: body of 9000000 bytes declared, over the 5000000-byte cap", "too_large",
     "الرد أكبر من الحد المسموح بجلبه."),
    (f"fetch: {U}: redirect loop at {U}", "redirect",
     "حلقة تحويل: يعيد الموقع توجيه الطلب إلى عنوان سبق زيارته."),
    (f"fetch: {U}: more than 10 redirects", "redirect", "تحويلات متتالية أكثر من الحد المسموح."),
    (f"fetch: {U}: redirect to 'ftp://x.example/': only http and https", "redirect",
     "حوّل الموقع الطلب إلى عنوان غير صالح."),
    (f"fetch: {U}: 10.0.0.1 is private (refused by the SSRF guard)", "blocked", BLOCKED),
    (f"fetch: {U}: x.example resolves only to refused addresses: 10.0.0.1 (private)",
     "blocked", BLOCKED),
    (f"fetch: {U}: server at {U} closed the connection", "protocol",
     "أغلق الخادم الاتصال قبل أن يكتمل الرد."),
    (f"fetch: {U}: unsupported Content-Encoding br2", "protocol", "ضغط الرد غير مدعوم أو تالف."),
    (f"fetch: {U}: bad HTTP response from {U}: Invalid header", "protocol", "ردّ الموقع غير صالح."),
    (f"parse: {U}: an HTML page, not a feed", "parse", "الرابط صفحة ويب (HTML) وليس خلاصة أخبار."),
    (f"parse: {U}: malformed XML, no feed found (mismatched tag: line 1, column 5)", "parse",
     MALFORMED),
    (f"parse: {U}: feedparser gave up after 5 s of CPU (broken markup?)", "parse", MALFORMED),
    (f"parse: {U}: not an RSS, RDF or Atom feed", "parse", "الملف ليس خلاصة أخبار (RSS أو Atom)."),
    (f"parse: {U}: empty body", "parse", "ردّ الموقع فارغ."),
    (f"poll: {U}: internal error: TimeoutError: ", "internal",
     "خطأ داخلي في البوت أثناء الجلب (التفاصيل في سجل البوت)."),
    (f"poll: {U}: storage: database is locked", "storage",
     "تعذّر الحفظ في قاعدة البيانات (التفاصيل في سجل البوت)."),
    ("Something nobody expected happened", None, UNKNOWN),
    ("", "weird", UNKNOWN),
    (None, None, UNKNOWN),
]


@pytest.mark.parametrize(("error", "kind", "expected"), STORED_ERRORS)
def test_stored_errors_in_arabic(error: str | None, kind: str | None, expected: str) -> None:
    assert explain_error(error, kind) == expected


def test_raised_errors_in_arabic() -> None:
    from telegram.error import BadRequest, TimedOut

    assert explain_error(FetchError("x", "status", 404)) == NOT_FOUND
    assert explain_error(FetchError("fetch: x: HTTP 404 Not Found", "status")) == NOT_FOUND
    assert explain_error(BlockedAddressError("fetch: 10.0.0.1 is private")) == BLOCKED
    assert explain_error(FetchError("x", "weird")) == UNKNOWN
    assert explain_error(ParseError("parse: x: garbage")) == "تعذّرت قراءة الخلاصة."
    assert explain_error(ExtractionError("extract: no main text found")) == \
        "لم أجد في الصفحة نص خبر صالحًا."
    assert explain_error(BadRequest("Message can't be copied")) == \
        "هذا النوع من الرسائل لا يمكن نسخه."
    assert explain_error(TimedOut()) == TIMEOUT
    assert explain_error(ValueError("boom")) == UNKNOWN


# ------------------------------------------------------------------------- /feeds, /stats
def _feed(feed_id: int, name: str, **changes: object) -> Feed:
    values: dict[str, object] = dict(
        id=feed_id, url=f"https://f{feed_id}.example/rss", name=name, category="",
        is_default=False, origin="admin", interval_seconds=None, paused=False,
        disabled_reason=None, etag=None, last_modified=None, body_hash=None, initialized=True,
        next_poll_at=0.0, last_polled_at=None, last_success_at=None, last_error=None,
        last_error_kind=None, last_error_at=None, consecutive_failures=0, created_at=0.0)
    values.update(changes)
    return Feed(**values)  # type: ignore[arg-type]


def test_feed_status_blocks() -> None:
    now = 30 * 86400.0
    ok = _feed(1, "مصدر <سليم>", last_success_at=now - 300)
    failing = _feed(2, "متعثر", last_success_at=now - 7200, consecutive_failures=3,
                    last_error="fetch: https://x.example: HTTP 503 <b>", last_error_at=now - 60)
    paused = _feed(3, "موقوف", paused=True)
    disabled = _feed(4, "معطل", disabled_reason="10 failed polls", consecutive_failures=10,
                     last_error="timeout", last_error_at=now - 10)
    new = _feed(5, "جديد", created_at=now - 3600)
    assert [state_icon(f) for f in (ok, failing, paused, disabled, new)] == [
        "✅", "⚠️", "⏸", "⛔", "🕓"]
    assert feed_block(ok, FeedFigures(70, 12), now) == (
        f"{RLM}✅ <b>#1 مصدر &lt;سليم&gt;</b>\n"
        "آخر نجاح: قبل 5 دقائق · الأخبار يوميًا: 10 · المشتركون: 12")
    text = feed_block(failing, FeedFigures(3, 0), now)
    assert "إخفاقات متتالية: 3" in text
    assert "آخر خطأ (قبل دقيقة): خطأ في خادم الموقع (الرمز 503)، وغالبًا ما يكون مؤقتًا." \
        in text  # the stored English stays for the logs and the CLI
    assert "آخر خطأ (قبل 10 ثوانٍ): لم يردّ الخادم في الوقت المحدد." in feed_block(
        replace(disabled, last_error_kind="timeout"), FeedFigures(), now)
    assert f"للاستئناف: {LRM}/resumefeed 3" in feed_block(paused, FeedFigures(), now)
    assert f"لإعادة تفعيله: {LRM}/resumefeed 4" in feed_block(disabled, FeedFigures(), now)
    assert items_per_day(new, 5, now) == 5.0  # younger than a day: counted as one day
    assert items_per_day(_feed(6, "x", created_at=now - 2.5 * 86400), 5, now) == 2.0
    assert feeds_header([ok, failing, paused, new, ok]) == (
        "<b>المصادر (5)</b>\n✅ 2 · ⚠️ 1 · 🕓 1 · ⏸ 1")


def test_stats_message() -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC).timestamp()
    assert day_start(now, "Asia/Riyadh") == datetime(2025, 2, 28, 21, 0, tzinfo=UTC).timestamp()
    stats = AdminStats(
        chats_active=120, chats_blocked=7, chats_stopped=3,
        chats_by_type={"private": 100, "supergroup": 15, "channel": 5}, subscriptions=400,
        articles_total=9000, articles_today=250, sent_today=30000, failed_today=2,
        outbox_pending=40, oldest_pending_at=now - 90, last_poll_at=now - 20, feeds=12,
        feeds_failing=1, feeds_paused=1, feeds_disabled=0, broadcasts_sending=1)
    lines = render_stats(stats, now, "Asia/Riyadh").splitlines()
    assert lines[0] == "📊 <b>إحصاءات البوت</b>"
    assert "👥 المحادثات النشطة: 120 (خاصة 100، مجموعات كبيرة 15، قنوات 5)" in lines
    assert f"🚫 محظورة أو غير متاحة: 7 · أوقفت الأخبار ({LRM}/stop): 3" in lines
    assert "📰 أخبار جديدة: 250 (في الأرشيف: 9000)" in lines
    assert "📤 رسائل أُرسلت: 30000 · تعذّر إرسالها: 2" in lines
    assert "📬 في طابور الإرسال: 40 · أقدمها: منذ دقيقة" in lines
    assert not any("الموجز" in line for line in lines)
    # headlines waiting for a digest are not a queue that is stuck: counted apart
    digests = render_stats(replace(stats, outbox_pending=740, digest_waiting=700), now,
                           "Asia/Riyadh").splitlines()
    assert "📬 في طابور الإرسال: 40 · أقدمها: منذ دقيقة" in digests
    assert "🗞 بانتظار موعد الموجز: 700" in digests
    assert "📣 بثّ جارٍ الآن: 1" in lines
    assert "🔄 آخر جلب للمصادر: قبل 20 ثانية" in lines
    assert not any("فهرس البحث" in line for line in lines)
    stale = render_stats(replace(stats, search_index_stale=True), now, "Asia/Riyadh")
    assert stale.splitlines()[-1] == ("🔎 فهرس البحث يُعاد بناؤه بعد التحديث؛ قد تغيب بعض"
                                      " الأخبار القديمة عن نتائج البحث حتى يكتمل.")


# ------------------------------------------------------------------------- storage
async def test_broadcast_state_machine(tmp_path: Path) -> None:
    storage = await Storage.open(str(tmp_path / "db.sqlite3"))
    try:
        for chat_id in (1, 2, 3):
            await storage.chats.register(chat_id, "private")
        await storage.chat_settings.deactivate(3, "blocked")
        b = storage.broadcasts
        draft = await b.create(7, "text", text="<b>مرحبًا</b>")
        assert (draft.id, draft.status, draft.admin_id) == (1, "draft", 7)
        assert await b.active_chat_count() == 2
        assert (await b.confirm(draft.id, 8)).result == "not_author"
        started = await b.confirm(draft.id, 7)
        assert (started.result, started.total) == ("started", 2)
        assert started.record is not None and started.record.status == "sending"
        assert (await b.confirm(draft.id, 7)).result == "sending"  # a second press
        assert await storage.outbox.broadcast_counts(draft.id) == {
            "sent": 0, "failed": 0, "blocked": 0, "pending": 2, "cancelled": 0, "left": 0}
        assert [r.id for r in await b.active()] == [draft.id]
        stop = await b.cancel(draft.id, 9)  # any admin may stop a running broadcast
        assert (stop.result, stop.cancelled) == ("stopping", 2)
        assert [r.id for r in await b.active()] == [draft.id]  # final report still due
        final = await b.finish(draft.id)
        assert final is not None and final.status == "cancelled" and final.finished_at
        assert await b.active() == []
        assert (await b.cancel(draft.id, 7)).result == "cancelled"
        assert (await b.confirm(draft.id, 7)).result == "cancelled"
        assert (await b.confirm(99, 7)).result == "missing"

        other = await b.create(7, "copy", from_chat_id=5, from_message_id=6)
        assert (await b.cancel(other.id, 8)).result == "not_author"  # a draft: author only
        assert (await b.cancel(other.id, 7)).result == "discarded"
        assert (await b.confirm(other.id, 7)).result == "cancelled"

        done = await b.create(7, "text", text="x")
        await b.confirm(done.id, 7)
        finished = await b.finish(done.id)
        assert finished is not None and finished.status == "done"
        assert (await b.cancel(done.id, 7)).result == "done"

        old = await b.create(7, "text", text="قديم")
        await storage.db.write(lambda c: c.execute(
            "UPDATE broadcasts SET created_at = ? WHERE id = ?",
            (time.time() - DRAFT_TTL - 1, old.id)))
        assert (await b.confirm(old.id, 7)).result == "expired"
        stale = await b.create(7, "text", text="قديمة أيضًا")
        await storage.db.write(lambda c: c.execute(
            "UPDATE broadcasts SET created_at = ? WHERE id = ?",
            (time.time() - DRAFT_TTL - 1, stale.id)))
        assert await b.expire_drafts() == 1

        await storage.chat_settings.deactivate(1, "blocked")
        await storage.chat_settings.deactivate(2, "stopped")
        empty = await b.create(7, "text", text="لا أحد")
        nobody = await b.confirm(empty.id, 7)
        assert (nobody.result, nobody.total) == ("started", 0)
        assert nobody.record is not None and nobody.record.status == "done"
    finally:
        await storage.close()


async def test_article_broadcast_stores_without_matching(tmp_path: Path) -> None:
    storage = await Storage.open(str(tmp_path / "db.sqlite3"))
    try:
        await storage.chats.register(1, "private")
        await storage.subscriptions.add(1, "keyword", "عاجل", "عاجل")
        article = Article(title="خبر عاجل", url="https://news.example/a", source="news.example",
                          published=datetime.now(UTC), summary="ملخص.", text="نص الخبر.")
        first = await storage.broadcasts.create_for_article(7, article, 12345)
        assert first.kind == "article" and first.article_id is not None
        assert (await storage.stats())["outbox_pending"] == 0  # no matching rows
        again = await storage.broadcasts.create_for_article(7, article, 12345)
        assert again.id != first.id and again.article_id == first.article_id
        stored = await storage.articles.get(first.article_id)
        assert stored is not None and stored.feed_id is None and stored.title == "خبر عاجل"
    finally:
        await storage.close()


class _Bot:
    """Stands in for PTB's Bot in tracker tests: records edits and sends."""

    def __init__(self, fail_edits: Exception | None = None) -> None:
        self.edits: list[tuple[int, str, object]] = []
        self.sent: list[tuple[int, str]] = []
        self.fail_edits = fail_edits

    async def edit_message_text(self, text: str, *, chat_id: int, message_id: int,
                                parse_mode: str, reply_markup: object) -> None:
        if self.fail_edits is not None:
            raise self.fail_edits
        self.edits.append((chat_id, text, reply_markup))

    async def send_message(self, chat_id: int, text: str, parse_mode: str) -> None:
        self.sent.append((chat_id, text))


async def test_tracker_paces_group_edits_and_reports_when_it_cannot_edit(
        tmp_path: Path) -> None:
    from telegram.error import BadRequest

    from bot.admin.tracker import GROUP_EDIT_SECONDS, BroadcastTracker

    storage = await Storage.open(str(tmp_path / "db.sqlite3"))
    clock = [1000.0]
    try:
        for chat_id in range(1, 6):
            await storage.chats.register(chat_id, "private")
        tracker = BroadcastTracker(storage, CallbackCodec("k" * 64), clock=lambda: clock[0])
        b = storage.broadcasts
        cast = await b.create(7, "text", text="نص")
        await b.set_progress_message(cast.id, -100123, 55)  # shown in a group
        await b.confirm(cast.id, 7)
        bot = _Bot()
        await tracker.tick(bot)  # type: ignore[arg-type]
        assert len(bot.edits) == 1 and "جارٍ إرسال البث #1" in bot.edits[0][1]

        async def send_one() -> None:
            await storage.db.write(lambda c: c.execute(
                "UPDATE outbox SET status = 'sent' WHERE id = (SELECT MIN(id) FROM outbox"
                " WHERE status = 'pending')"))

        await send_one()
        clock[0] += 3
        await tracker.tick(bot)  # type: ignore[arg-type]
        assert len(bot.edits) == 1  # a group: not before GROUP_EDIT_SECONDS
        clock[0] += GROUP_EDIT_SECONDS
        await tracker.tick(bot)  # type: ignore[arg-type]
        assert len(bot.edits) == 2 and "✅ أُرسلت: 1" in bot.edits[1][1]

        gone = _Bot(BadRequest("Message to edit not found"))
        await storage.db.write(lambda c: c.execute("UPDATE outbox SET status = 'sent'"))
        await tracker.tick(gone)  # type: ignore[arg-type]
        assert gone.sent and gone.sent[0][0] == -100123  # the report as a new message
        assert "اكتمل البث #1" in gone.sent[0][1]
        assert await b.active() == []

        same = _Bot(BadRequest("Message is not modified: specified new message content"))
        second = await b.create(7, "text", text="نص آخر")
        await b.set_progress_message(second.id, 5, 56)
        await b.confirm(second.id, 7)
        await tracker.refresh(same, second.id)  # type: ignore[arg-type]
        await storage.db.write(lambda c: c.execute("UPDATE outbox SET status = 'sent'"))
        await tracker.refresh(same, second.id)  # type: ignore[arg-type]
        assert same.sent == []  # "not modified" counts as shown
    finally:
        await storage.close()

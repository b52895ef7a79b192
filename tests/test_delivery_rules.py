"""Pure rules of delivery: error classes, backoff, quiet hours, digest windows, fairness,
pacing, digest rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.delivery.compose import Composer
from bot.delivery.digest_render import headline, render_digest, render_latest
from bot.delivery.errors import BACKOFF_CAP, backoff, classify, is_photo_problem
from bot.delivery.fairness import next_cursor, pick
from bot.delivery.pacing import Pacer
from bot.delivery.schedule import (
    digest_due,
    digest_due_since,
    is_quiet,
    last_digest_moment,
    parse_hhmm,
    parse_range,
    valid_timezone,
    zone,
)
from bot.models import Article
from bot.render import visible_length
from bot.storage import DigestItem, OutboxRow, Storage


# ---------------------------------------------------------------- error classification
@pytest.mark.parametrize(("exc", "kind", "reason"), [
    (Forbidden("Forbidden: bot was blocked by the user"), "gone", "blocked"),
    (Forbidden("Forbidden: user is deactivated"), "gone", "deactivated"),
    (Forbidden("Forbidden: bot was kicked from the supergroup chat"), "gone", "kicked"),
    (Forbidden("Forbidden: bot is not a member of the channel chat"), "gone", "not_a_member"),
    (BadRequest("Bad Request: chat not found"), "gone", "chat_not_found"),
    (BadRequest("Bad Request: can't parse entities"), "failed", "Can't parse entities"),
    (NetworkError("Internal Server Error"), "retry", "Internal Server Error"),
    (TimedOut(), "retry", "Timed out"),
    (ValueError("boom"), "failed", "internal error: ValueError('boom')"),
])
def test_classify(exc: Exception, kind: str, reason: str) -> None:
    outcome = classify(exc)
    assert (outcome.kind, outcome.reason) == (kind, reason)


def test_classify_rate_and_migration() -> None:
    assert classify(RetryAfter(7)).retry_after == 7
    outcome = classify(ChatMigrated(-1001234))
    assert outcome.kind == "migrated" and outcome.new_chat_id == -1001234
    assert classify(ChatMigrated(-1001234), -42).new_chat_id == -1001234
    # to the chat itself, or to no chat id at all: nowhere to move, the row fails
    for bad in (-1001234, "-1001234", "soon", True):
        outcome = classify(ChatMigrated(bad), -1001234)  # type: ignore[arg-type]
        assert outcome.kind == "failed" and "not another chat" in outcome.reason, bad


@pytest.mark.parametrize(("body", "wait"), [
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":"soon"}}', 5),
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":null}}', 5),
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":true}}', 5),
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":Infinity}}', 5),
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":NaN}}', 5),
    (b'{"ok":false,"error_code":429}', 5),
    (b'{"ok":false,"error_code":429,"parameters":[]}', 5),
    (b"<html>Too Many Requests</html>", 5),  # a proxy's page
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":0}}', 1),
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":-3}}', 1),
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":2.5}}', 2.5),
    (b'{"ok":false,"error_code":429,"parameters":{"retry_after":1e300}}', 86_400),
])
def test_every_429_becomes_a_retry_after(body: bytes, wait: float) -> None:
    """What PTB makes of the body our transport hands it for a 429."""
    from telegram.request import BaseRequest

    from bot.delivery.http import with_retry_after  # (new with the rule)

    answer = BaseRequest.parse_json_payload(with_retry_after(body))
    error = classify(RetryAfter(answer["parameters"]["retry_after"]))
    assert (error.kind, error.retry_after) == ("rate", wait)


def test_a_usable_429_is_passed_on_as_it_is() -> None:
    from bot.delivery.http import with_retry_after  # (new with the rule)

    body = '{"ok":false,"error_code":429,"description":"مهلاً","parameters":{"retry_after":7}}'
    assert with_retry_after(body.encode()) == body.encode()


def test_photo_problems_fall_back_but_chat_problems_do_not() -> None:
    assert is_photo_problem(BadRequest("Bad Request: wrong file identifier/HTTP URL specified"))
    assert is_photo_problem(BadRequest("Bad Request: failed to get HTTP URL content"))
    assert not is_photo_problem(BadRequest("Bad Request: chat not found"))
    assert not is_photo_problem(ChatMigrated(-100))
    assert not is_photo_problem(Forbidden("Forbidden: bot was blocked by the user"))


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (0, 1, 2, 3)] == [1, 2, 4, 8]
    assert backoff(40) == BACKOFF_CAP and backoff(3, 0.5) == 4


# ---------------------------------------------------------------- times of day
def test_parse_times() -> None:
    assert parse_hhmm("8:05") == "08:05" and parse_hhmm("٢٣:٣٠") == "23:30"
    assert parse_hhmm("24:00") is None and parse_hhmm("8") is None and parse_hhmm("x") is None
    assert parse_range("22:00-07:00") == ("22:00", "07:00")
    assert parse_range("٢٢:٠٠ إلى ٠٧:٠٠") == ("22:00", "07:00")
    assert parse_range("07:00-07:00") is None and parse_range("22:00") is None


def test_timezones() -> None:
    assert valid_timezone("Asia/Riyadh") and valid_timezone("UTC")
    for bad in ("Mars/Olympus", "../../etc/passwd", "/etc/localtime", "x" * 100, "",
                "localtime", "Factory", "posixrules", "posix/Asia/Riyadh", "right/Asia/Riyadh"):
        assert not valid_timezone(bad)
    # a chat whose stored zone is one of those (set before the rule) gets the default
    assert zone("localtime").key == zone("right/Asia/Tokyo").key == "Asia/Riyadh"


def utc(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_quiet_hours_wrap_midnight_in_the_chat_zone() -> None:
    # Riyadh is UTC+3: 20:00 UTC is 23:00 there.
    assert is_quiet(utc(20), "Asia/Riyadh", "23:00", "07:00")
    assert is_quiet(utc(3, 59), "Asia/Riyadh", "23:00", "07:00")  # 06:59 local
    assert not is_quiet(utc(4), "Asia/Riyadh", "23:00", "07:00")  # 07:00: end is outside
    assert not is_quiet(utc(12), "Asia/Riyadh", "23:00", "07:00")
    assert is_quiet(utc(12), "Asia/Riyadh", "13:00", "16:00")  # 15:00 local, same-day range
    assert not is_quiet(utc(12), "UTC", "13:00", "16:00")
    assert not is_quiet(utc(12), "Asia/Riyadh", None, None)
    assert is_quiet(utc(20), "Not/AZone", "23:00", "07:00")  # unknown zone: default zone


def test_digest_windows() -> None:
    now = utc(9, 30)  # 12:30 in Riyadh
    assert last_digest_moment("hourly", None, "Asia/Riyadh", now) == utc(9)
    assert last_digest_moment("daily", "08:00", "Asia/Riyadh", now) == utc(5)
    assert last_digest_moment("daily", "20:00", "Asia/Riyadh", now) == utc(17, day=9)
    assert last_digest_moment("off", None, "Asia/Riyadh", now) is None
    assert digest_due("hourly", None, "Asia/Riyadh", utc(8, 59).timestamp(), now)
    assert not digest_due("hourly", None, "Asia/Riyadh", utc(9, 1).timestamp(), now)
    assert digest_due("daily", "08:00", "Asia/Riyadh", utc(4).timestamp(), now)
    assert not digest_due("daily", "13:00", "Asia/Riyadh", utc(4).timestamp(), now)
    assert not digest_due("off", None, "Asia/Riyadh", None, now)


def test_when_digest_headlines_become_due() -> None:
    now = utc(9, 30)  # 12:30 in Riyadh; the 08:00 digest's moment was 05:00 UTC
    waiting = utc(3).timestamp()  # the oldest headline waiting
    # the digest went out at its moment: what is left waits for the next one
    assert digest_due_since("daily", "08:00", "Asia/Riyadh", utc(5, 1).timestamp(),
                            waiting, now) is None
    # it did not: due since its moment, or since the headline when it came later
    assert digest_due_since("daily", "08:00", "Asia/Riyadh", utc(4).timestamp(),
                            waiting, now) == utc(5).timestamp()
    assert digest_due_since("daily", "08:00", "Asia/Riyadh", utc(4).timestamp(),
                            utc(7).timestamp(), now) == utc(7).timestamp()
    assert digest_due_since("hourly", None, "Asia/Riyadh", utc(8).timestamp(),
                            waiting, now) == utc(9).timestamp()
    assert digest_due_since("hourly", None, "Asia/Riyadh", utc(9).timestamp() + 5,
                            waiting, now) is None
    assert digest_due_since("off", None, "Asia/Riyadh", None, waiting, now) is None


def test_daily_digest_across_a_dst_change() -> None:
    # Europe/Berlin moves to summer time on 2026-03-29: 08:00 local is 07:00 UTC before,
    # 06:00 UTC after.
    before = datetime(2026, 3, 28, 12, tzinfo=UTC)
    after = datetime(2026, 3, 29, 12, tzinfo=UTC)
    assert last_digest_moment("daily", "08:00", "Europe/Berlin", before) == before.replace(hour=7)
    assert last_digest_moment("daily", "08:00", "Europe/Berlin", after) == after.replace(hour=6)


# ---------------------------------------------------------------- fairness
def test_pick_takes_one_row_per_ready_chat_oldest_first() -> None:
    rows = [(1, 10), (2, 10), (3, 11), (4, 12), (5, 11), (6, 13), (7, 14)]
    chosen = pick(rows, busy={12}, ready_in=lambda chat: 2.0 if chat == 13 else 0.0, limit=10)
    assert chosen.ids == [1, 3, 7] and chosen.chats == [10, 11, 14]
    assert chosen.deferred == {13: 2.0} and chosen.exhausted


def test_pick_stops_at_limit_and_the_cursor_continues_there() -> None:
    rows = [(1, 10), (2, 10), (3, 11), (4, 12)]
    chosen = pick(rows, busy=set(), ready_in=lambda chat: 0.0, limit=2)
    assert chosen.ids == [1, 3] and not chosen.exhausted
    assert next_cursor(0, len(rows), 4, chosen) == (3, False)


def test_cursor_wraps_at_the_end_so_a_busy_head_never_starves_the_rest() -> None:
    head = [(i, 99) for i in range(1, 101)]  # one chat with 100 rows at the head
    window = 50
    cursor, seen = 0, []
    for _ in range(4):
        rows = [r for r in [*head, (101, 1), (102, 2)] if r[0] > cursor][:window]
        chosen = pick(rows, busy={99}, ready_in=lambda chat: 0.0, limit=5)
        seen += chosen.chats
        cursor, wrapped = next_cursor(cursor, len(rows), window, chosen)
        if wrapped:
            break
    assert seen == [1, 2] and cursor == 0


# ---------------------------------------------------------------- pacing
def test_pacer_spaces_sends_evenly_after_a_small_burst() -> None:
    now = [100.0]
    pacer = Pacer(100, burst=3, clock=lambda: now[0])
    waits = [pacer.reserve() for _ in range(6)]
    step = pacer.interval
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([step, 2 * step, 3 * step])  # evenly after the burst
    now[0] += 10  # idle: the burst is available again, not the backlog of 10 s
    assert [pacer.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------- composer
async def test_the_composer_keeps_a_bounded_number_of_broadcasts(tmp_path: Path) -> None:
    """The worker's composer kept every broadcast it ever sent (its text too) for the
    life of the process; it now keeps the latest ones and reads an older one again."""
    storage = await Storage.open(str(tmp_path / "db.sqlite3"))
    try:
        composer = Composer(storage)
        rows = []
        for n in range(100):
            cast = await storage.broadcasts.create(1, "text", text=f"بث رقم {n}")
            rows.append(OutboxRow(n + 1, 1, None, cast.id, 0, "private", "UTC", None, None))
            await composer.prepare(rows[-1:])
            assert composer.outgoing(rows[-1]).chunks == (f"بث رقم {n}",)
        assert len(composer._broadcasts) < 100
        await composer.prepare(rows[:1])  # the first one, forgotten: read again
        assert composer.outgoing(rows[0]).chunks == ("بث رقم 0",)
    finally:
        await storage.close()


# ---------------------------------------------------------------- digest rendering
def items(n: int, title: str = "عنوان خبر مهم عن الاقتصاد والسياسة") -> list[DigestItem]:
    return [DigestItem(i, i, f"{title} {i}", f"https://news.example/{i}", "المصدر", 0.0)
            for i in range(1, n + 1)]


def test_digest_is_split_between_headlines_and_every_row_is_in_one_chunk() -> None:
    chunks = render_digest("daily", items(300), "Asia/Riyadh", utc(5))
    assert len(chunks) > 1
    assert all(visible_length(html) <= 4096 for html, _ in chunks)
    assert [rid for _, ids in chunks for rid in ids] == list(range(1, 301))
    assert chunks[0][0].startswith("<b>📰 الموجز اليومي</b>")
    assert "عدد الأخبار: 300" in chunks[0][0]
    # older headlines left out: the header says how many of how many
    [(html, ids)] = render_digest("hourly", items(3), "Asia/Riyadh", utc(5), left_out=212)
    assert ids == [1, 2, 3]
    assert html.splitlines()[1] == (
        "عدد الأخبار: 3 من أصل 215 (لم يتّسع الموجز لأقدمها؛ تجدها عبر \u200e/search)")


def test_headline_escapes_hostile_text_and_links_only_http() -> None:
    line = headline('<script>"x"</script> & co', "javascript:alert(1)", "<b>src</b>")
    assert "<script>" not in line and "href" not in line and "&lt;b&gt;src" in line
    line = headline("عنوان", 'https://a.example/?q="1"', "")
    assert line == "• عنوان" or 'href="https://a.example' not in line
    assert headline("", "https://a.example/1", "مصدر").startswith("• <a href=")
    assert headline("CNN تقول", "https://a.example/1", "").startswith("\u200f•")


def test_latest_lists_newest_first() -> None:
    arts = [Article(title=f"خبر {i}", url=f"https://a.example/{i}", source="أ",
                    published=utc(i)) for i in (3, 2, 1)]
    [html] = render_latest(arts)
    assert html.index("خبر 3") < html.index("خبر 2") < html.index("خبر 1")

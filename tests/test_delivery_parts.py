"""A text sent as several messages (a broadcast longer than 4,096 characters) records
each part with its outbox row as it goes out (schema version 8): a restart, even after
a kill -9, resumes at the next part; a row whose text now splits differently is sent
whole again; a broadcast stopped between two parts sends no further part; on a full disk
the parts do not wait for their records; a database of the previous version is upgraded
and its rows go out whole."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bot.delivery.compose import parts_key
from bot.render import split_message
from bot.storage import Storage
from bot.storage._schema import MIGRATIONS
from tests.admin_helpers import admin_config, buttons, register_chats
from tests.diskfull import fill, free
from tests.fakes.telegram import FakeTelegram
from tests.news import eventually, fast_config
from tests.old_schema import database_at
from tests.service import running_service, spawn
from tests.test_delivery_crash import statuses

PREVIOUS = 7  # the schema version before the parts were recorded
ADMIN = 1
TEXT = "\n\n".join(f"<b>فقرة {i}</b> " + "نص طويل للبث " * 30 for i in range(30))
PARTS = split_message([TEXT])
CONFIRM, STOP = "✅ تأكيد الإرسال", "⏹ إيقاف الإرسال"


def test_the_text_goes_in_three_parts() -> None:
    assert len(PARTS) == 3


def rows(db: str, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return [tuple(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


async def broadcast_to(db: str, chat_ids: list[int]) -> int:
    """The long text, confirmed as a broadcast to ``chat_ids`` (registered here)."""
    storage = await Storage.open(db)
    try:
        for chat_id in chat_ids:
            await storage.chats.register(chat_id, "private")
        draft = await storage.broadcasts.create(ADMIN, "text", text=TEXT)
        assert (await storage.broadcasts.confirm(draft.id, ADMIN)).total == len(chat_ids)
        return draft.id
    finally:
        await storage.close()


async def all_sent(db: str, n: int) -> None:
    async def done() -> bool:
        return statuses(db) == Counter(sent=n)
    await eventually(done, timeout=5)


async def test_kill_9_between_parts_resumes_at_the_next_part(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """The first run (a ``newsbot run`` process) delivers part 1 and is killed while part
    2 is under way; the second run (here, in-process) sends parts 2 and 3, once each.
    The parts delivered were remembered in memory only, so it began again at part 1."""
    chat = fake_telegram.add_private_chat()
    path = fast_config(tmp_path, fake_telegram)  # parts 50 ms apart, not 1 s
    db = str(tmp_path / "newsbot.sqlite3")
    await broadcast_to(db, [chat.id])

    held = fake_telegram.hold_next("sendMessage", chat_id=chat.id, skip=1)
    child = await spawn("run", "--config", str(path))
    try:
        await asyncio.wait_for(held.arrived.wait(), 15)  # part 2 is under way
    finally:
        child.proc.send_signal(signal.SIGKILL)
        await child.wait()
    assert [m.text for m in fake_telegram.sent(chat.id)] == PARTS[:1]

    caplog.set_level(logging.INFO, logger="bot.delivery")
    async with running_service(path):
        await fake_telegram.wait_for(lambda f: len(f.sent(chat.id)) >= 3, timeout=15,
                                     what="the rest of the broadcast")
        await all_sent(db, 1)
    assert [m.text for m in fake_telegram.sent(chat.id)] == PARTS  # each part once
    assert any("resuming at part 2 of 3" in r.getMessage() for r in caplog.records)


async def test_progress_of_another_text_is_not_resumed(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """Two rows with a part delivered by an earlier run: one of this text goes on at
    part 2 (and keeps the first part's message id), one of a text that split otherwise
    (edited, or split by another version) is sent whole rather than from the middle."""
    a, b = fake_telegram.add_private_chat(), fake_telegram.add_private_chat()
    config = fast_config(tmp_path, fake_telegram)
    db = str(tmp_path / "newsbot.sqlite3")
    await broadcast_to(db, [a.id, b.id])
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE outbox SET parts_sent = '[77]', parts_key = ? WHERE chat_id = ?",
                     (parts_key(PARTS), a.id))
        conn.execute("UPDATE outbox SET parts_sent = '[78]', parts_key = ? WHERE chat_id = ?",
                     (parts_key(["نص قديم", "بقيته"]), b.id))
    conn.close()
    [(b_row,)] = rows(db, "SELECT id FROM outbox WHERE chat_id = ?", b.id)
    async with running_service(config):
        await fake_telegram.wait_for(
            lambda f: len(f.sent(a.id)) >= 2 and len(f.sent(b.id)) >= 3, timeout=10,
            what="the broadcast")
        await all_sent(db, 2)
    assert [m.text for m in fake_telegram.sent(a.id)] == PARTS[1:]
    assert [m.text for m in fake_telegram.sent(b.id)] == PARTS
    assert rows(db, "SELECT chat_id, message_id, parts_sent, parts_key FROM outbox"
                    " ORDER BY chat_id") == sorted([
        (a.id, 77, None, None), (b.id, fake_telegram.sent(b.id)[0].message_id, None, None)])
    changed = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
               and r.name == "bot.delivery.attempt"]
    assert changed == [f"delivery: chat {b.id} row {b_row}: 1 part(s) went out, but its text "
                       "has changed since; sending it whole again"]


async def test_a_broadcast_stopped_between_parts_sends_no_further_part(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """The admin stops the broadcast while part 2 of a chat's text is under way: part 2
    arrives (it was in flight), part 3 is not sent, and the row is cancelled with the
    ids of the two parts delivered. Before, the stop reached only rows not yet begun,
    and the chat got part 3 after the stop."""
    fake = fake_telegram
    admin, chat = fake.add_private_chat(first_name="المشرف"), fake.add_private_chat()
    words = " ".join(f"سطر{i}" for i in range(2000))[:10000].rsplit(" ", 1)[0]
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        storage = service.storage
        assert storage is not None
        await register_chats(service, [admin, chat])
        fake.inject_message(admin.id, "/broadcast " + words)
        footer = (await fake.wait_for_messages(admin.id, 4))[3]  # 3 parts and the footer
        held = fake.hold_next("sendMessage", chat_id=chat.id, skip=1)
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        await asyncio.wait_for(held.arrived.wait(), 10)
        progress = await fake.wait_for(
            lambda f: next((e for e in f.edits(admin.id) if e.reply_markup), None),
            what="the progress message with its stop button")
        stop = next(b["callback_data"] for row in progress.reply_markup["inline_keyboard"]
                    for b in row if b["text"] == STOP)
        fake.inject_callback(admin.id, footer.message_id, stop)
        await fake.wait_for_callback_answers(2)
        held.release()

        async def cancelled() -> list[tuple]:
            return await storage.db.read(lambda c: [tuple(r) for r in c.execute(
                "SELECT status, parts_sent FROM outbox WHERE chat_id = ?"
                " AND status = 'cancelled'", (chat.id,))])
        [(_, parts_sent)] = await eventually(cancelled)
        await asyncio.sleep(0.2)  # part 3 would be on its way by now
    got = fake.sent(chat.id)
    assert [m.plain_text for m in got] == [m.plain_text for m in
                                           fake.sent(admin.id)[:2]]  # the preview's parts
    assert json.loads(parts_sent) == [m.message_id for m in got]


async def test_on_a_full_disk_the_parts_go_on_and_are_recorded_later(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A guard for the wait between parts (it passes on the old code, which did not
    wait): when the disk fills while part 1 is under way, its record is refused, and
    parts 2 and 3 go out at once rather than waiting for space; the row is recorded
    sent once there is space."""
    chat = fake_telegram.add_private_chat()
    config = fast_config(tmp_path, fake_telegram)
    db = str(tmp_path / "newsbot.sqlite3")
    await broadcast_to(db, [chat.id])
    held = fake_telegram.hold_next("sendMessage", chat_id=chat.id)
    async with running_service(config) as service:
        assert service.storage is not None and service.services.delivery is not None
        delivery = service.services.delivery
        delivery.attempt.recorder.full_retry_max = delivery.full_retry_max = 1.0
        await asyncio.wait_for(held.arrived.wait(), 10)  # claimed, part 1 under way
        await fill(service.storage, every_write=True)
        held.release()
        await fake_telegram.wait_for(lambda f: len(f.sent(chat.id)) >= 3, timeout=5,
                                     what="all three parts on a full disk")
        assert statuses(db) == Counter(sending=1)  # nothing written meanwhile
        await free(service.storage)
        await all_sent(db, 1)
    assert [m.text for m in fake_telegram.sent(chat.id)] == PARTS


async def test_a_version_7_database_is_upgraded_and_its_rows_go_out_whole(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """Schema version 8 adds the two columns; rows of the previous version (one pending,
    one left ``sending`` by its last run) have no parts recorded and go out whole, once."""
    a, b = fake_telegram.add_private_chat(), fake_telegram.add_private_chat()
    config = fast_config(tmp_path, fake_telegram)
    db = str(tmp_path / "newsbot.sqlite3")
    conn = database_at(db, PREVIOUS)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO chats (id, type, created_at, updated_at)"
                     " VALUES (?, 'private', 0, 0)", [(a.id,), (b.id,)])
    conn.execute("INSERT INTO broadcasts (id, admin_id, kind, text, status, total, created_at,"
                 " confirmed_at) VALUES (1, ?, 'text', ?, 'sending', 2, 0, 0)", (ADMIN, TEXT))
    conn.execute("INSERT INTO outbox (chat_id, broadcast_id, created_at) VALUES (?, 1, 0)",
                 (a.id,))
    conn.execute("INSERT INTO outbox (chat_id, broadcast_id, status, lease_owner, lease_until,"
                 " created_at) VALUES (?, 1, 'sending', 'old-host:1:abc', 9e9, 0)", (b.id,))
    conn.execute("COMMIT")
    conn.close()
    async with running_service(config):
        await fake_telegram.wait_for(
            lambda f: len(f.sent(a.id)) >= 3 and len(f.sent(b.id)) >= 3, timeout=10,
            what="the broadcast")
        await all_sent(db, 2)
    assert [m.text for m in fake_telegram.sent(a.id)] == PARTS
    assert [m.text for m in fake_telegram.sent(b.id)] == PARTS
    assert rows(db, "SELECT version FROM schema_version") == [(len(MIGRATIONS),)]
    assert MIGRATIONS[PREVIOUS].__name__ == "_v8_split_progress"  # the upgrade under test
    assert rows(db, "SELECT parts_sent, parts_key FROM outbox") == [(None, None)] * 2

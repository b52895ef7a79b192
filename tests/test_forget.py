"""/forget and broadcasts, through the real service and the fake Bot API: no row of the
database names a forgotten chat afterwards (every column of every table is scanned, so
a table added later is covered too), other admins' broadcasts keep their counts, and a
broadcast's final report still adds up when recipients run /forget or /stop mid-way."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Service
from bot.render.bidi import rtl_text
from bot.storage._broadcasts import FORGOTTEN_ADMIN
from tests.admin_helpers import admin_config, buttons, figure, final_edit, register_chats
from tests.fakes.telegram import FakeTelegram, SentMessage
from tests.news import ask, eventually
from tests.service import chat_rows, running_service
from tests.test_races import FORGOTTEN, count, errors, gate_waiting, until

CONFIRM = "✅ تأكيد الإرسال"
BOT = "@newsbot_test_bot"


async def draft(fake: FakeTelegram, chat_id: int, text: str, **kwargs: object) -> SentMessage:
    """Send ``text`` (a /broadcast) in ``chat_id``; the message with its buttons."""
    before = len(fake.sent(chat_id))
    fake.inject_message(chat_id, text, **kwargs)  # type: ignore[arg-type]
    return (await fake.wait_for_messages(chat_id, before + 2))[before + 1]


async def sent_out(service: Service, broadcast_id: int) -> None:
    """Wait until the broadcast is confirmed and no row of it is left to send."""
    storage = service.storage
    assert storage is not None

    async def done() -> bool:
        record = await storage.broadcasts.get(broadcast_id)
        counts = await storage.outbox.broadcast_counts(broadcast_id)
        return record is not None and record.total > 0 and counts["pending"] == 0

    await eventually(done)


async def forgotten(fake: FakeTelegram, chat_id: int) -> None:
    await fake.wait_for(lambda f: any(e.plain_text == rtl_text(FORGOTTEN)
                                      for e in f.edits(chat_id)))


async def final_reports(service: Service, *broadcast_ids: int) -> None:
    """What the progress job does every 3 s: the final reports of finished broadcasts."""
    tracker, app = service.services.broadcasts, service.app
    assert tracker is not None and app is not None
    for broadcast_id in broadcast_ids:
        await tracker.refresh(app.bot, broadcast_id)


async def test_an_admin_who_forgets_leaves_no_row_with_their_chat_id(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    a, b, reader = (fake.add_private_chat() for _ in range(3))
    group = fake.add_supergroup("مجموعة الإدارة")
    async with running_service(admin_config(tmp_path, fake, [a.id, b.id], feeds=[])) as service:
        storage = service.storage
        assert storage is not None and a.user is not None
        await register_chats(service, [a, b, reader, group])
        await storage.search.save_query("غزة", a.id)  # a /search paging button
        # 1: another admin's broadcast, which reached A
        footer = await draft(fake, b.id, "/broadcast من المشرف الآخر")
        fake.inject_callback(b.id, footer.message_id, buttons(footer)[CONFIRM])
        await sent_out(service, 1)
        # 2: A's broadcast from a group: its report is there for the group's admins
        footer = await draft(fake, group.id, f"/broadcast{BOT} من المجموعة", from_user=a.user)
        fake.inject_callback(group.id, footer.message_id, buttons(footer)[CONFIRM],
                             from_user=a.user)
        await sent_out(service, 2)
        # 3: A's copy of a message of their chat, still going out (the reader's is held)
        original = fake.inject_message(a.id, "رسالة تُنسخ إلى الجميع")
        hold = fake.hold_next("copyMessage", chat_id=reader.id)
        footer = await draft(fake, a.id, "/broadcast", reply_to=original["message_id"])
        fake.inject_callback(a.id, footer.message_id, buttons(footer)[CONFIRM])
        await hold.arrived.wait()
        # 4: A's draft, never confirmed
        await draft(fake, a.id, "/broadcast مسودة لم تُؤكَّد")
        before = {i: await storage.outbox.broadcast_counts(i) for i in (1, 2)}

        prompt = await ask(fake, a.id, "/forget")
        fake.inject_callback(a.id, prompt.message_id, prompt.buttons[0]["callback_data"])
        await forgotten(fake, a.id)
        told = len(fake.sent(a.id))
        hold.release()
        await sent_out(service, 3)
        await final_reports(service, 1, 2, 3)

        assert chat_rows(service, a.id) == {}
        first, second, copy, drafted = [await storage.broadcasts.get(i) for i in (1, 2, 3, 4)]
        assert first is not None and (first.admin_id, first.progress_chat_id) == (b.id, b.id)
        assert second is not None and second.admin_id == FORGOTTEN_ADMIN
        assert second.progress_chat_id == group.id  # its report stays where it was
        assert copy is not None and copy.status == "cancelled"  # it cannot copy any more
        assert (copy.from_chat_id, copy.progress_chat_id) == (None, None)
        assert drafted is None
        after = {i: await storage.outbox.broadcast_counts(i) for i in (1, 2)}
        assert after == before  # A's rows still count as sent
        copied = await storage.outbox.broadcast_counts(3)
        assert copied["sent"] + copied["left"] == 4 == sum(copied.values())
        for chat_id, broadcast_id in ((b.id, 1), (group.id, 2)):
            report = await fake.wait_for(lambda f, c=chat_id, i=broadcast_id:
                                         final_edit(f, c, i))
            text = report.plain_text or ""
            assert figure(text, "أُرسلت") == 4 == figure(text, "المجموع")
        # nothing reached A's chat after the answer, its progress message not edited either
        assert len(fake.sent(a.id)) == told
        assert fake.edits(a.id)[-1].plain_text == rtl_text(FORGOTTEN)
    assert errors(caplog) == []


async def test_recipients_who_forget_or_stop_mid_broadcast_still_add_up(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    # 4 senders (at 16 messages a second), held by the broadcast's first 4 sends; the
    # other 4 rows are claimed and queued. One held chat and one queued chat run /forget,
    # another queued chat /stop
    fake = fake_telegram
    admin = fake.add_private_chat()
    chats = [fake.add_private_chat() for _ in range(8)]
    config = admin_config(tmp_path, fake, [admin.id], rate=16, feeds=[])
    fake.disable_rate_limits()  # the 4 held sends are answered at once
    async with running_service(config) as service:
        delivery = service.services.delivery
        assert delivery is not None and delivery.concurrency == 4
        await register_chats(service, chats)
        under_way, queued = chats[0], chats[4]
        prompts = {c.id: await ask(fake, c.id, "/forget") for c in (under_way, queued)}
        holds = [fake.hold_next("sendMessage", chat_id=c.id) for c in chats[:4]]
        footer = await draft(fake, admin.id, "/broadcast رسالة إلى الجميع")
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        for hold in holds:
            await hold.arrived.wait()
        await until(lambda: count(service, "SELECT COUNT(*) FROM outbox WHERE broadcast_id = 1"
                                           " AND status = 'sending'") == 8)
        yes = {chat_id: p.buttons[0]["callback_data"] for chat_id, p in prompts.items()}
        fake.inject_callback(queued.id, prompts[queued.id].message_id, yes[queued.id])
        await forgotten(fake, queued.id)
        await ask(fake, chats[5].id, "/stop")
        fake.inject_callback(under_way.id, prompts[under_way.id].message_id, yes[under_way.id])
        await until(lambda: gate_waiting(service, under_way.id))  # for its send to end
        for hold in holds:
            hold.release()
        await forgotten(fake, under_way.id)
        await until(lambda: delivery.in_flight == 0)
        await final_reports(service, 1)
        report = (await fake.wait_for(lambda f: final_edit(f, admin.id, 1))).plain_text or ""
    parts = {label: figure(report, label) for label in (
        "أُرسلت", "تعذّر إرسالها", "محظورة أو غير متاحة", "حذفت بياناتها قبل الإرسال")}
    assert parts == {"أُرسلت": 6, "تعذّر إرسالها": 0, "محظورة أو غير متاحة": 1,
                     "حذفت بياناتها قبل الإرسال": 1}
    assert sum(parts.values()) == figure(report, "المجموع") == 8
    assert "لم تُرسل" not in report and "100٪" in report
    got = [c for c in chats if any("رسالة إلى الجميع" in (m.plain_text or "")
                                   for m in fake.sent(c.id))]
    assert got == [c for c in chats if c not in (queued, chats[5])]
    assert errors(caplog) == []


async def test_an_admin_who_never_sent_start_can_forget_their_broadcasts(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    # the chat is not registered, but its id is in a broadcast (as in a saved search)
    fake = fake_telegram
    admin = fake.add_private_chat()
    async with running_service(admin_config(tmp_path, fake, [admin.id], feeds=[])) as service:
        await draft(fake, admin.id, "/broadcast مسودة")
        prompt = await ask(fake, admin.id, "/forget")
        assert prompt.buttons, prompt.plain_text  # not "send /start first"
        fake.inject_callback(admin.id, prompt.message_id, prompt.buttons[0]["callback_data"])
        await forgotten(fake, admin.id)
        assert chat_rows(service, admin.id) == {}
        said = (await ask(fake, admin.id, "/forget")).plain_text or ""
        assert "/start أولًا" in said  # nothing is stored any more

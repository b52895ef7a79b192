"""The broadcast-progress job (jobs/broadcast_progress.py) while the database is full
(tests/diskfull.py): the progress message goes on being edited from what can be read,
the final report waits for space (it marks the broadcast finished: a write), and the
sweep of stale drafts is tried again at the next tick instead of an hour later. No
traceback; everything resumes once there is space. The job runs when the test says
(its schedule is pushed back an hour), so each tick is known to fall while the disk is
full or after it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from telegram.ext import Job

import jobs.broadcast_progress
from bot.admin.progress import STORAGE_FULL
from bot.app import Service
from tests.admin_helpers import admin_config, buttons, figure, final_edit, register_chats
from tests.diskfull import fill, free
from tests.fakes.telegram import FakeTelegram
from tests.news import eventually
from tests.service import running_service

CONFIRM = "✅ تأكيد الإرسال"


@pytest.fixture(autouse=True)
def ticks_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs.broadcast_progress, "PROGRESS_SECONDS", 3600.0)
    monkeypatch.setattr(jobs.broadcast_progress, "FIRST_SECONDS", 3600.0)


async def tick(service: Service) -> None:
    """One run of the broadcast-progress job, through PTB (its errors go to the
    application's error handler, as on schedule)."""
    assert service.app is not None and service.app.job_queue is not None
    [job] = service.app.job_queue.get_jobs_by_name("broadcast-progress")
    assert isinstance(job, Job)
    await job.run(service.app)


async def statuses(service: Service) -> dict[str, int]:
    assert service.storage is not None
    return await service.storage.outbox.broadcast_counts(1)


async def test_progress_on_a_full_disk_goes_on_and_the_report_waits_for_space(
        tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """The tick that swept stale drafts while the disk was full raised StorageFull
    before looking at any broadcast: no progress edit at that tick, and the sweep was
    not tried again for an hour, so a draft past its 24 hours stayed a draft."""
    fake = fake_telegram
    admin = fake.add_private_chat(first_name="المشرف")
    subscribers = [fake.add_private_chat() for _ in range(3)]
    late = subscribers[-1]
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        storage = service.storage
        assert storage is not None and service.services.delivery is not None
        recorder = service.services.delivery.attempt.recorder
        recorder.full_retry_max = service.services.delivery.full_retry_max = 1.0
        await register_chats(service, [admin, *subscribers])
        fake.inject_message(admin.id, "/broadcast تنبيه: صيانة الليلة")
        _, footer = await fake.wait_for_messages(admin.id, 2)

        def stale_draft(conn: sqlite3.Connection) -> int:  # left by another admin
            return int(conn.execute(
                "INSERT INTO broadcasts (admin_id, kind, text, created_at)"
                " VALUES (2, 'text', 'مسودة قديمة', ?)", (time.time() - 2 * 86400,)
            ).lastrowid or 0)
        old = await storage.db.write(stale_draft)
        held = fake.hold_next("sendMessage", chat_id=late.id)
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        await fake.wait_for(lambda f: all(f.sent(c.id) for c in subscribers[:-1]),
                            what="the broadcast to the chats not held")
        await held.arrived.wait()

        async def recorded() -> bool:
            return (await statuses(service))["sent"] == 3  # the admin's chat too
        await eventually(recorded)
        edits = len(fake.edits(admin.id))

        await fill(storage, every_write=True)
        await tick(service)  # reads go on: the progress is edited
        assert len(fake.edits(admin.id)) == edits + 1
        progress = fake.edits(admin.id)[-1].plain_text or ""
        assert "جارٍ إرسال البث #1" in progress
        assert (figure(progress, "أُرسلت"), figure(progress, "المتبقي")) == (3, 1)

        held.release()  # the last send goes out; its outcome waits for space
        await fake.wait_for_messages(late.id, 1)
        await tick(service)
        assert (await statuses(service))["pending"] == 1
        assert final_edit(fake, admin.id, 1) is None

        await free(storage)
        await eventually(lambda: _all_sent(service), timeout=5)
        await fill(storage, every_write=True)  # full again before the next tick
        await tick(service)  # finishing is a write: the report waits
        assert final_edit(fake, admin.id, 1) is None
        assert (await storage.broadcasts.get(old)).status == "draft"  # type: ignore[union-attr]

        await free(storage)
        await tick(service)
        report = final_edit(fake, admin.id, 1)
        assert report is not None and figure(report.plain_text or "", "أُرسلت") == 4
        record = await storage.broadcasts.get(1)
        assert record is not None and record.status == "done" and record.finished_at
        expired = await storage.broadcasts.get(old)
        assert expired is not None and expired.status == "cancelled"
    assert not [r.getMessage() for r in caplog.records if r.exc_info]


async def _all_sent(service: Service) -> bool:
    return (await statuses(service))["sent"] == 4


async def test_the_progress_says_why_it_stands_still_while_the_disk_is_full(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """While writes are refused the bar stands still and the ETA is «جارٍ الحساب…»: a
    line says why (before, nothing did), and goes when the "database full" episode
    ends (writes work again; a minute later by default, at once here)."""
    fake = fake_telegram
    admin = fake.add_private_chat(first_name="المشرف")
    subscribers = [fake.add_private_chat() for _ in range(3)]
    first, second = subscribers[1:]
    async with running_service(admin_config(tmp_path, fake, [admin.id])) as service:
        storage = service.storage
        assert storage is not None and service.services.delivery is not None
        recorder = service.services.delivery.attempt.recorder
        recorder.full_retry_max = service.services.delivery.full_retry_max = 1.0
        await register_chats(service, [admin, *subscribers])
        fake.inject_message(admin.id, "/broadcast تنبيه: صيانة الليلة")
        _, footer = await fake.wait_for_messages(admin.id, 2)
        held = [fake.hold_next("sendMessage", chat_id=c.id) for c in (first, second)]
        fake.inject_callback(admin.id, footer.message_id, buttons(footer)[CONFIRM])
        for hold in held:
            await hold.arrived.wait()

        async def sent(n: int) -> bool:
            return (await statuses(service))["sent"] == n
        await eventually(lambda: sent(2))  # the admin's chat and the first subscriber's

        await fill(storage, every_write=True)
        held[0].release()  # goes out; its outcome is refused
        await fake.wait_for_messages(first.id, 1)
        await eventually(lambda: _refused(service, True))
        await tick(service)
        progress = fake.edits(admin.id)[-1].plain_text or ""
        assert "جارٍ إرسال البث #1" in progress and STORAGE_FULL in progress
        assert (figure(progress, "أُرسلت"), figure(progress, "المتبقي")) == (2, 2)

        storage.db.full_quiet = 0.0  # the episode ends at the next write that works
        await free(storage)
        await eventually(lambda: sent(3))  # the outcome is written: writes work again
        await eventually(lambda: _refused(service, False))
        await tick(service)
        progress = fake.edits(admin.id)[-1].plain_text or ""
        assert (figure(progress, "أُرسلت"), figure(progress, "المتبقي")) == (3, 1)
        assert STORAGE_FULL not in progress
        held[1].release()
        await eventually(lambda: _all_sent(service))


async def _refused(service: Service, refused: bool) -> bool:
    """Is a "database full" episode under way (/healthz's "database full")?"""
    assert service.storage is not None
    return (service.storage.db.full is not None) == refused

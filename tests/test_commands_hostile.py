"""Chat input that ended in the generic error (an unhandled exception) or was quietly
ignored, found by fuzzing the commands against the real Application and the fake Bot API.
Each case now gets its own Arabic answer."""

from __future__ import annotations

from pathlib import Path

from bot.app import GENERIC_ERROR
from bot.render.bidi import RLM
from tests.admin_helpers import admin_config
from tests.fakes.telegram import FakeTelegram
from tests.news import ask, fast_config, store
from tests.service import running_service


async def test_digits_that_are_not_decimal_get_the_usual_answers(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """"²".isdigit() is True but int("²") raises: /latest ² and /subscribe ② crashed."""
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)):
        await ask(fake_telegram, chat.id, "/start")
        latest = (await ask(fake_telegram, chat.id, "/latest ²")).plain_text or ""
        assert latest != GENERIC_ERROR and "/latest" in latest  # the usage
        for text in ("/subscribe ²", "/subscribe ①", "/unsubscribe ²"):
            answer = (await ask(fake_telegram, chat.id, text)).plain_text or ""
            assert answer != GENERIC_ERROR, answer
            assert answer.lstrip(RLM).startswith(("⚠️", "ℹ️", "✅")), answer
        # Arabic-Indic digits are decimal: still a count
        arabic = (await ask(fake_telegram, chat.id, "/latest ٣")).plain_text or ""
        assert arabic != GENERIC_ERROR


async def test_feed_references_in_other_digits_are_not_found(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    admin = fake_telegram.add_user("مشرف", user_id=555001)
    chat = fake_telegram.add_private_chat(admin)
    async with running_service(admin_config(tmp_path, fake_telegram, [555001])):
        for command in ("delfeed", "pausefeed", "resumefeed"):
            answer = (await ask(fake_telegram, chat.id, f"/{command} ①")).plain_text or ""
            assert answer.startswith("لا يوجد مصدر بالرقم أو الاسم «①»"), answer


async def test_an_inline_offset_in_other_digits_is_the_end(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A custom client can send any offset: "²" left the query unanswered."""
    async with running_service(fast_config(tmp_path, fake_telegram)):
        fake_telegram.inject_inline_query("غزة", offset="²")
        answers = await fake_telegram.wait_for_inline_answers(1)
        assert answers[0].results == []


async def test_a_time_zone_folder_is_an_unknown_zone(tmp_path: Path,
                                                     fake_telegram: FakeTelegram) -> None:
    """ZoneInfo("America") opens a folder: IsADirectoryError, not ZoneInfoNotFoundError."""
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)):
        await ask(fake_telegram, chat.id, "/start")
        for name in ("America", "Etc", "America/Argentina"):
            answer = (await ask(fake_telegram, chat.id, f"/timezone {name}")).plain_text or ""
            assert "منطقة زمنية غير معروفة" in answer, answer


async def test_zone_keys_that_name_no_place_are_unknown_zones(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """"localtime" was accepted and set the chat to the server's own zone; "Factory",
    "posixrules" and the posix/ and right/ copies of the database were accepted too."""
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        assert service.storage is not None
        await ask(fake_telegram, chat.id, "/start")
        for name in ("localtime", "Factory", "posixrules", "posix/Asia/Riyadh",
                     "right/Europe/London"):
            answer = (await ask(fake_telegram, chat.id, f"/timezone {name}")).plain_text or ""
            assert answer.startswith("⚠️ منطقة زمنية غير معروفة."), answer
        stored = await service.storage.chats.get(chat.id)
        assert stored is not None and stored.timezone == "Asia/Riyadh"
        answer = (await ask(fake_telegram, chat.id, "/timezone Etc/GMT-3")).plain_text or ""
        assert answer.startswith("🕰 المنطقة الزمنية الآن: Etc/GMT-3"), answer


async def test_search_for_a_word_that_unfolds_into_a_stopword_and_a_number(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """"م²" unfolds to "م" (a stopword) and "2": the term had no keys, an FTS5 syntax error
    shown as "try again later", and inside a phrase an IndexError (the generic error)."""
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        await store(service, "سعر المتر 2 في غزة يرتفع")
        answer = (await ask(fake_telegram, chat.id, "/search م²")).plain_text or ""
        assert "سعر المتر 2 في غزة يرتفع" in answer, answer  # found by its number
        answer = (await ask(fake_telegram, chat.id, '/search "سعر م²"')).plain_text or ""
        assert answer.startswith('لا توجد نتائج لـ «"سعر م²"»'), answer  # not side by side


async def test_targets_past_the_tenth_are_named_not_dropped(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    chat = fake_telegram.add_private_chat()
    async with running_service(fast_config(tmp_path, fake_telegram)) as service:
        await ask(fake_telegram, chat.id, "/start")
        words = [f"كلمة{letter}" for letter in "ابتثجحخدذرز"]  # 11
        answer = (await ask(fake_telegram, chat.id,
                            "/subscribe " + "، ".join(words))).plain_text or ""
        subscribed = {s.display for s in await service.storage.subscriptions.list(chat.id)}
        assert set(words[:10]) <= subscribed and words[10] not in subscribed
        assert answer.splitlines()[-1] == (
            "⚠️ يُنفَّذ الأمر الواحد على 10 أهداف على الأكثر؛ لم يُنظر في: «كلمةز». أرسلها في"
            " أمر آخر.")
        answer = (await ask(fake_telegram, chat.id,
                            "/unsubscribe " + "، ".join(words))).plain_text or ""
        assert "لم يُنظر في: «كلمةز»" in answer

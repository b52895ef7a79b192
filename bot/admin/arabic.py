"""Arabic wording of counts, durations and relative times for the admin messages. Pure.

Arabic counted nouns change form with the number: 1 دقيقة، 2 دقيقتين، 3–10 دقائق،
11–99 دقيقة (tamyiz; «يومًا» for days), 100 دقيقة … . The dual is given in the genitive
(«دقيقتين»), the case it takes after «قبل» and «نحو», the words these phrases follow.
Digits are Western (as in the rest of the bot's messages).
"""

from __future__ import annotations

import math

# unit -> (one, two, 3-10, 11-99, hundreds)
UNITS: dict[str, tuple[str, str, str, str, str]] = {
    "second": ("ثانية", "ثانيتين", "ثوانٍ", "ثانية", "ثانية"),
    "minute": ("دقيقة", "دقيقتين", "دقائق", "دقيقة", "دقيقة"),
    "hour": ("ساعة", "ساعتين", "ساعات", "ساعة", "ساعة"),
    "day": ("يوم", "يومين", "أيام", "يومًا", "يوم"),
    "message": ("رسالة", "رسالتين", "رسائل", "رسالة", "رسالة"),
    "char": ("حرف", "حرفين", "أحرف", "حرفًا", "حرف"),
    "word": ("كلمة", "كلمتين", "كلمات", "كلمة", "كلمة"),
}


def count_phrase(n: int, unit: str) -> str:
    """``n`` of ``unit`` in correct Arabic: «دقيقة»، «دقيقتين»، «3 دقائق»، «11 دقيقة»."""
    one, two, few, many, hundreds = UNITS[unit]
    if n == 1:
        return one
    if n == 2:
        return two
    rest = n % 100
    if 3 <= rest <= 10:
        return f"{n} {few}"
    if 11 <= rest <= 99:
        return f"{n} {many}"
    return f"{n} {hundreds}"  # 0, 100, 101, 102, 200 ...


def duration(seconds: float) -> str:
    """A span of time, rounded to what matters: «أقل من ثانية»، «45 ثانية»، «3 دقائق»،
    «ساعتين و5 دقائق»، «3 أيام»."""
    if seconds < 1:
        return "أقل من ثانية"
    s = round(seconds)
    if s < 60:
        return count_phrase(s, "second")
    if s < 3600:
        minutes = round(s / 60)
        return count_phrase(minutes, "minute") if minutes < 60 else count_phrase(1, "hour")
    if s < 86400:
        hours, minutes = divmod(round(s / 60), 60)
        text = count_phrase(hours, "hour")
        return f"{text} و{count_phrase(minutes, 'minute')}" if minutes else text
    return count_phrase(round(s / 86400), "day")


def ago(ts: float | None, now: float) -> str:
    """«قبل 5 دقائق»، «قبل لحظات»; «لم يحدث بعد» for None."""
    if ts is None:
        return "لم يحدث بعد"
    delta = now - ts
    if delta < 10:
        return "قبل لحظات"
    if delta < 60:
        return "قبل " + count_phrase(int(delta), "second")
    if delta < 3600:
        return "قبل " + count_phrase(int(delta // 60), "minute")
    if delta < 86400:
        return "قبل " + count_phrase(int(delta // 3600), "hour")
    return "قبل " + count_phrase(int(delta // 86400), "day")


def eta(seconds: float | None) -> str:
    """The expected time left: «نحو 3 دقائق»، «ثوانٍ معدودة»، «جارٍ الحساب…»."""
    if seconds is None or math.isnan(seconds) or math.isinf(seconds):
        return "جارٍ الحساب…"
    if seconds < 5:
        return "ثوانٍ معدودة"
    return "نحو " + duration(seconds)


def decimal(value: float) -> str:
    """A short figure: 12 -> «12»، 2.5 -> «2.5»، 0.14 -> «0.1»."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"

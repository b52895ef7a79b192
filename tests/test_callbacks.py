"""Signed callback data: fits 64 bytes, rejects forgeries."""

from __future__ import annotations

import pytest

from bot.callbacks import CallbackCodec, new_key


def test_round_trip_and_size() -> None:
    codec = CallbackCodec(new_key())
    data = codec.encode("src", 12345678, 1)
    assert len(data.encode()) <= 64
    assert codec.decode(data) == ("src", ["12345678", "1"])
    assert codec.decode(data, "src") == ("src", ["12345678", "1"])
    assert codec.decode(data, "s") is None


@pytest.mark.parametrize("forged", [
    "", "src:1:1", "src:1:1:AAAAAAAAAAA", "s:1:2:xyz", "x" * 65, ":", "src:2:1:{tag}",
    "غير:صالح",
])
def test_forged_or_edited_data_is_rejected(forged: str) -> None:
    codec = CallbackCodec(new_key())
    genuine = codec.encode("src", 1, 1)
    tag = genuine.rsplit(":", 1)[1]
    assert codec.decode(forged.replace("{tag}", tag)) is None


def test_other_key_rejects() -> None:
    data = CallbackCodec(new_key()).encode("s", "abc", 2)
    assert CallbackCodec(new_key()).decode(data) is None


def test_bad_fields_and_too_long_raise() -> None:
    codec = CallbackCodec(new_key())
    with pytest.raises(ValueError):
        codec.encode("src", "a:b")
    with pytest.raises(ValueError):
        codec.encode("src", "عربي")
    with pytest.raises(ValueError):
        codec.encode("s", "x" * 60)

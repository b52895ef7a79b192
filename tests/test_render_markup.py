"""to_reply_markup and format_for_terminal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import InlineKeyboardMarkup

from bot.models import Article, Button, RenderedMessage
from bot.render import format_for_terminal, render_article, share_buttons
from bot.render.markup import to_reply_markup


def test_share_row_becomes_an_inline_keyboard() -> None:
    rows = share_buttons("https://example.com/a?b=1&c=2", "عنوان & خبر")
    markup = to_reply_markup(rows)
    assert isinstance(markup, InlineKeyboardMarkup)
    assert len(markup.inline_keyboard) == 1
    got = [(b.text, b.url) for b in markup.inline_keyboard[0]]
    assert got == [(b.text, b.url) for b in rows[0]]
    assert markup.to_dict()["inline_keyboard"][0][0]["url"].startswith("https://wa.me/?text=")


def test_empty_keyboards_are_none() -> None:
    assert to_reply_markup(()) is None
    assert to_reply_markup(((),)) is None


def test_callback_buttons() -> None:
    markup = to_reply_markup(((Button("التالي", callback_data="page:2"),),))
    assert markup is not None
    assert markup.inline_keyboard[0][0].callback_data == "page:2"


@pytest.mark.parametrize(
    "button",
    [
        Button("x"),
        Button("x", url="https://e.com", callback_data="y"),
        Button("x", callback_data="ب" * 33),  # 66 bytes in UTF-8
    ],
)
def test_invalid_buttons_raise(button: Button) -> None:
    with pytest.raises(ValueError):
        to_reply_markup(((button,),))


def test_terminal_shows_text_photo_caption_and_full_button_urls() -> None:
    article = Article(
        title="عنوان",
        url="https://example.com/x",
        source="مصدر",
        published=datetime(2024, 3, 11, 12, tzinfo=UTC),
        summary="ملخص قصير.",
        image_url="https://example.com/p.jpg",
    )
    msg = render_article(article)
    out = format_for_terminal(msg)
    assert msg.text in out and msg.caption is not None and msg.caption in out
    assert "https://example.com/p.jpg" in out
    for button in msg.buttons[0]:
        assert f"{button.text}: {button.url}\n" in out
    assert "/4096)" in out and "/1024)" in out


def test_terminal_without_photo_or_buttons() -> None:
    out = format_for_terminal(RenderedMessage(text="<b>x</b>"))
    assert out == "── text (1/4096) " + "─" * 27 + "\n<b>x</b>\n"
    keyboard = ((Button("a", callback_data="b"),),)
    out = format_for_terminal(RenderedMessage(text="x", buttons=keyboard))
    assert "[1] a: callback:b" in out


def test_only_markup_imports_telegram() -> None:
    import ast
    from pathlib import Path

    import bot.render

    for path in Path(bot.render.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        uses_telegram = any(n == "telegram" or n.startswith("telegram.") for n in names)
        assert uses_telegram == (path.name == "markup.py"), path.name

"""Request parameters and Telegram's server-side checks (text, captions, keyboards, inline).

Every check raises `ApiError` with the Bot API's error code and description. Wordings
are Telegram's where known (``BUTTON_DATA_INVALID``, ``message is too long`` ...); the
few the fake had to invent are marked "fake wording" below.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.telegram_html import HtmlParseError, parse_html, strip_entities, utf16_len
from tests.fakes.telegram_model import JSON, ApiError, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
# Telegram keeps at most 100 formatting entities a message and shows the markup past them
# as plain text, without an error (telegram.constants.MessageLimit.MESSAGE_ENTITIES).
MAX_ENTITIES = 100
MAX_CALLBACK_DATA = 64
MAX_INLINE_RESULTS = 50
MAX_BUTTONS = 100
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_TRUE = {"true", "1", "True"}
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")


class Params:
    """Bot API parameters from a form, multipart or JSON body (form values are strings)."""

    def __init__(self, data: JSON) -> None:
        self.data = data

    def __contains__(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.data.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None or value == "":
            raise bad_request(f'parameter "{name}" is required')  # fake wording
        return value

    def number(self, name: str, default: int | None = None) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a valid Number') from None

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        return isinstance(value, str) and value in _TRUE

    def obj(self, name: str, what: str) -> Any:
        """A nested object: a JSON string in forms, already decoded in JSON bodies."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what} JSON object") from None
        return value


def format_text(
    text: str | None,
    parse_mode: str | None,
    entities: list[JSON] | None,
    *,
    caption: bool = False,
    strict: bool = True,
) -> tuple[str, list[JSON]]:
    """Parse ``text`` as Telegram would: (visible text, entities), limits checked.

    HTML is fully parsed; Markdown/MarkdownV2 are accepted without parsing (the text is
    taken as visible text). Lengths are UTF-16 code units after parsing and trimming.
    """
    text = text or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            plain, parsed = parse_html(text, strict=strict)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif mode in ("", "markdown", "markdownv2"):
        plain, parsed = text, [dict(e) for e in entities or []]
    else:
        raise bad_request("unsupported parse_mode")
    plain, parsed = strip_entities(plain, parsed)
    if len(parsed) > MAX_ENTITIES:  # the first 100 in text order stay; no error
        parsed = sorted(parsed, key=lambda e: (e["offset"], -e["length"]))[:MAX_ENTITIES]
    length = utf16_len(plain)
    if caption:
        if length > MAX_CAPTION:
            raise bad_request("message caption is too long")
    elif length == 0:
        raise bad_request("message text is empty")
    elif length > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, parsed


def validate_reply_markup(markup: Any) -> JSON | None:
    """Check a reply_markup object; return the inline keyboard to echo (None otherwise)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            return None  # reply keyboards are accepted but not echoed in the message
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "inline_keyboard" '
            "must be of type Array of Array"
        )  # fake wording
    count = 0
    for row in rows:
        for button in row:
            count += 1
            validate_button(button)
    if count > MAX_BUTTONS:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    return {"inline_keyboard": [[dict(b) for b in row] for row in rows if row]}


def validate_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )  # fake wording
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")  # fake wording (Telegram: varies)
    actions = [k for k in BUTTON_ACTIONS if k in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional "
            f"fields must be used, found {', '.join(actions)}"
        )  # fake wording
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not valid_button_url(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")


def valid_button_url(url: Any) -> bool:
    """http(s) with a host, or tg://; no whitespace or control characters (not encoded)."""
    if not isinstance(url, str) or not url or _URL_FORBIDDEN.search(url):
        return False
    lowered = url.lower()
    if lowered.startswith(("http://", "https://")):
        host = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        return bool(host.rsplit("@", 1)[-1].split(":", 1)[0])
    return lowered.startswith("tg://") and len(url) > 5


def validate_inline_results(results: Any, next_offset: str | None, *, strict: bool) -> list[JSON]:
    """answerInlineQuery checks: count, ids, next_offset, and each result's content."""
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    if next_offset is not None and len(next_offset.encode("utf-8")) > 64:
        raise bad_request("NEXT_OFFSET_INVALID")  # fake wording
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict) or not isinstance(result.get("type"), str):
            raise bad_request(
                'can\'t parse inline query result: field "type" must be of type String'
            )  # fake wording
        rid = result.get("id")
        if not isinstance(rid, str) or not 1 <= len(rid.encode("utf-8")) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if rid in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(rid)
        if result["type"] == "article" and not result.get("title"):
            raise bad_request("RESULT_TITLE_EMPTY")  # fake wording
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            format_text(
                content.get("message_text"),
                content.get("parse_mode"),
                content.get("entities"),
                strict=strict,
            )
        elif result["type"] == "article":
            raise bad_request(
                'can\'t parse inline query result: field "input_message_content" is required'
            )  # fake wording
        if "caption" in result:
            format_text(
                result.get("caption"),
                result.get("parse_mode"),
                result.get("caption_entities"),
                caption=True,
                strict=strict,
            )
        validate_reply_markup(result.get("reply_markup"))
    return results


def validate_commands(commands: Any) -> list[JSON]:
    """setMyCommands: up to 100 commands, ``[a-z0-9_]{1,32}``, description 1..256."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")  # fake wording
    result = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: object expected")  # fake wording
        command = item.get("command")
        description = item.get("description")
        if (
            not isinstance(command, str)
            or not 1 <= len(command) <= 32
            or not all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in command)
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")  # fake wording
        result.append({"command": command, "description": description})
    return result


def check_callback_answer_text(text: str | None) -> None:
    if text is not None and utf16_len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")


__all__ = [
    "MAX_CAPTION",
    "MAX_TEXT",
    "ApiError",
    "Params",
    "check_callback_answer_text",
    "format_text",
    "valid_button_url",
    "validate_button",
    "validate_commands",
    "validate_inline_results",
    "validate_reply_markup",
]

"""A small checker for Telegram HTML, used by every render test, and its own tests.

Telegram's HTML parse mode accepts a fixed set of tags and attributes, the entities
&lt; &gt; &amp; &quot; and numeric ones; everything else must be escaped. The checker is
strict where Telegram is lenient (a raw ">" is rejected here) so we never rely on it.
"""

from __future__ import annotations

import re

import pytest

# tag -> allowed attributes (name -> pattern the value must match; None: no value)
_ALLOWED: dict[str, dict[str, str | None]] = {
    "b": {}, "strong": {}, "i": {}, "em": {}, "u": {}, "ins": {}, "s": {}, "strike": {},
    "del": {}, "tg-spoiler": {}, "pre": {},
    "span": {"class": "tg-spoiler"},
    "a": {"href": r".+"},
    "code": {"class": r"language-[\w+-]+"},
    "blockquote": {"expandable": None},
    "tg-emoji": {"emoji-id": r"\d+"},
}
_REQUIRED = {"a": "href", "span": "class", "tg-emoji": "emoji-id"}
_ENTITY = r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
_TOKEN = re.compile(
    r"<(?P<close>/)?(?P<name>[a-z][a-z-]*)(?P<attrs>(?:\s+[a-z-]+(?:=\"[^\"<>]*\")?)*)\s*>"
    rf"|(?P<entity>{_ENTITY})"
    r"|(?P<text>[^<>&]+)"
)
_ATTR = re.compile(r"\s+(?P<key>[a-z-]+)(?:=\"(?P<value>[^\"<>]*)\")?")
_VALUE_OK = re.compile(rf"(?:[^&]|{_ENTITY})*")


def html_problems(html: str) -> list[str]:
    """Every reason ``html`` is not valid Telegram HTML (empty list: valid)."""
    problems: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(html):
        m = _TOKEN.match(html, pos)
        if m is None:
            problems.append(f"unexpected {html[pos:pos + 20]!r} at {pos}")
            pos += 1
            continue
        pos = m.end()
        name = m.group("name")
        if name is None:
            continue
        if name not in _ALLOWED:
            problems.append(f"tag <{name}> not allowed")
            continue
        if m.group("close"):
            if m.group("attrs").strip():
                problems.append(f"closing </{name}> has attributes")
            if not stack or stack[-1] != name:
                problems.append(f"</{name}> does not close {stack[-1:] or 'anything'}")
            else:
                stack.pop()
            continue
        seen: set[str] = set()
        for attr in _ATTR.finditer(m.group("attrs")):
            key, value = attr.group("key"), attr.group("value")
            allowed = _ALLOWED[name]
            if key not in allowed:
                problems.append(f"<{name}> has attribute {key}")
            elif allowed[key] is None and value is not None:
                problems.append(f"<{name} {key}> takes no value")
            elif allowed[key] is not None and (
                value is None
                or not re.fullmatch(allowed[key] or "", value)
                or not _VALUE_OK.fullmatch(value)
            ):
                problems.append(f"<{name} {key}={value!r}> bad value")
            seen.add(key)
        if name in _REQUIRED and _REQUIRED[name] not in seen:
            problems.append(f"<{name}> without {_REQUIRED[name]}")
        if name == "a" and "a" in stack:
            problems.append("nested <a>")
        stack.append(name)
    if stack:
        problems.append(f"unclosed {stack}")
    return problems


def assert_telegram_html(html: str) -> None:
    problems = html_problems(html)
    assert not problems, f"{problems}\n{html[:500]}"


@pytest.mark.parametrize(
    "html",
    [
        "plain",
        "<b>bold</b> &lt;x&gt; &amp; &quot;q&quot; &#1575; &#x627;",
        '<a href="https://e.com/?a=1&amp;b=2">ا</a>',
        "<b><i>x</i></b>\n<code class=\"language-python\">x</code>",
        "<blockquote expandable>x</blockquote>",
        "",
    ],
)
def test_checker_accepts_valid_html(html: str) -> None:
    assert html_problems(html) == []


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>",
        "a < b",
        "a > b",
        "A & B",
        "&nbsp;",
        "<b>unclosed",
        "</b>",
        "<b><i>x</b></i>",
        '<a href="x">a<a href="y">b</a></a>',
        "<a>no href</a>",
        '<b class="x">y</b>',
        '<a href="a&b">x</a>',
        "<a href='single'>x</a>",
    ],
)
def test_checker_rejects_invalid_html(html: str) -> None:
    assert html_problems(html) != []

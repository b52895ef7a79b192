"""Logging never writes the token."""

from __future__ import annotations

import io
import json
import logging

from bot.logs import setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_token_redacted_in_text_and_json_and_tracebacks() -> None:
    for fmt in ("text", "json"):
        out = io.StringIO()
        setup_logging("INFO", fmt, secrets=[TOKEN], stream=out)
        log = logging.getLogger("t")
        log.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise ValueError(f"bad {TOKEN}")
        except ValueError:
            log.exception("failed")
        # A token we were not told about still looks like a token.
        log.warning("other 987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
        text = out.getvalue()
        assert TOKEN not in text and "987654321:ZZ" not in text, text
        assert "***" in text
        if fmt == "json":
            lines = [json.loads(line) for line in text.splitlines()]
            assert lines[0]["level"] == "INFO" and "exc" in lines[1]
    assert logging.getLogger("httpx").level == logging.WARNING


def test_url_passwords_are_redacted_not_the_rest_of_the_url() -> None:
    out = io.StringIO()
    setup_logging("INFO", "text", stream=out)
    logging.getLogger("t").warning(
        "poll: x failed: fetch: https://reader:s3cr%3At@feeds.example.com/rss: HTTP 401; "
        "also http://a.example:8080/x and ftp://u:p@h/")
    text = out.getvalue()
    assert "s3cr" not in text and ":p@" not in text
    assert "https://reader:***@feeds.example.com/rss: HTTP 401" in text
    assert "http://a.example:8080/x" in text and "ftp://u:***@h/" in text

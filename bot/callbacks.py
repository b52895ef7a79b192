"""Signed callback data: short, tamper-proof button payloads (≤ 64 bytes, Telegram's cap).

    data = codec.encode("src", "12", "1")      # e.g. "src:12:1:Qm9vb2s"
    codec.decode(data)                          # -> ("src", ["12", "1"]) or None

A payload is ``kind:field:...:tag`` where ``tag`` is a truncated HMAC-SHA256 (8 bytes,
base64url) over the rest with a per-installation key (kept in the ``meta`` table), so a
forged or edited button decodes to None and the handler answers politely instead of
acting. Fields are plain ASCII without ``:``; anything that does not fit 64 bytes is a
programming error (ValueError), never silently truncated.

Kinds in use (one prefix per feature, so handlers never see each other's buttons):
``src`` sources toggles, ``s`` search paging, ``bc`` broadcast confirm/cancel, ``fg``
/forget's confirmation. A page button of any paged list is ``KIND:p:…:PAGE``
(``bot.render.pager``).

Every button refused for being stale, forged or unknown (data that does not decode, or
names something no longer there) is answered with :data:`STALE_BUTTON`, followed by what
to do next where there is something to do (``STALE_BUTTON + " أعد البحث …"``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

MAX_BYTES = 64
TAG_BYTES = 8

#: The answer to a stale, forged or unknown button (see the module docstring).
STALE_BUTTON = "هذا الزر قديم أو غير صالح."


def new_key() -> str:
    return secrets.token_hex(32)


class CallbackCodec:
    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("callbacks: empty key")
        self._key = key.encode()

    def _tag(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:TAG_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def encode(self, kind: str, *fields: str | int) -> str:
        parts = [kind, *map(str, fields)]
        for part in parts:
            if ":" in part or not part.isascii():
                raise ValueError(f"callbacks: field {part!r} must be ASCII without ':'")
        body = ":".join(parts)
        data = f"{body}:{self._tag(body)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callbacks: {data!r} is longer than {MAX_BYTES} bytes")
        return data

    def decode(self, data: str | None, kind: str | None = None) -> tuple[str, list[str]] | None:
        """(kind, fields) when ``data`` is genuine (and of ``kind`` if given), else None."""
        if not data or not data.isascii() or len(data) > MAX_BYTES:
            return None
        body, sep, tag = data.rpartition(":")
        if not sep or not hmac.compare_digest(tag, self._tag(body)):
            return None
        got_kind, *fields = body.split(":")
        if kind is not None and got_kind != kind:
            return None
        return got_kind, fields

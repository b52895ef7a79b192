"""Content-Encoding decoders that never produce more than they are allowed to.

The caller feeds raw chunks with the number of bytes still allowed; a decoder returns at
most one byte more than that, so a gzip bomb is detected after ``limit + 1`` bytes of
output, never after inflating the whole thing in memory.
"""

from __future__ import annotations

import zlib

__all__ = ["ACCEPT_ENCODING", "Decoder", "UnsupportedEncoding", "make_decoder"]

#: What the fetcher advertises. Brotli is left out on purpose: it is not installed here,
#: and the classic brotli API cannot bound the output of one call (a bomb risk).
ACCEPT_ENCODING = "gzip, deflate"

_MAX_MEMBERS = 64


class UnsupportedEncoding(ValueError):
    """The response used a Content-Encoding we did not ask for."""


class Decoder:
    """Identity decoder; subclasses inflate."""

    def feed(self, data: bytes, limit: int) -> bytes:
        return data

    def finish(self, limit: int) -> bytes:
        return b""


class _ZlibDecoder(Decoder):
    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = 31 if gzip else zlib.MAX_WBITS  # deflate: zlib-wrapped, per RFC 9110
        self._obj = zlib.decompressobj(self._wbits)
        self._started = False
        self._members = 1

    def feed(self, data: bytes, limit: int) -> bytes:
        out: list[bytes] = []
        produced = 0
        pending = data
        while pending and produced <= limit:
            try:
                chunk = self._obj.decompress(pending, limit + 1 - produced)
            except zlib.error:
                if self._gzip or self._started:
                    raise
                # Some servers send raw deflate without the zlib wrapper.
                self._wbits = -zlib.MAX_WBITS
                self._obj = zlib.decompressobj(self._wbits)
                chunk = self._obj.decompress(pending, limit + 1 - produced)
            self._started = True
            out.append(chunk)
            produced += len(chunk)
            if self._obj.eof:
                pending = self._obj.unused_data
                if pending and self._gzip and self._members < _MAX_MEMBERS:
                    self._members += 1  # concatenated gzip members
                    self._obj = zlib.decompressobj(self._wbits)
                    continue
                break
            pending = self._obj.unconsumed_tail
        return b"".join(out)

    def finish(self, limit: int) -> bytes:
        rest = self._obj.flush(max(limit + 1, 1))[: limit + 1]
        if self._started and not self._obj.eof and len(rest) <= limit:
            # the stream stopped before its end: a cut-off body, as a short plain one is
            raise zlib.error("incomplete compressed stream (the body was cut off)")
        return rest


def make_decoder(content_encoding: str | None) -> Decoder:
    """A decoder for a ``Content-Encoding`` header value (identity when absent)."""
    coding = (content_encoding or "").strip().lower()
    if coding in ("", "identity"):
        return Decoder()
    if coding in ("gzip", "x-gzip"):
        return _ZlibDecoder(gzip=True)
    if coding == "deflate":
        return _ZlibDecoder(gzip=False)
    raise UnsupportedEncoding(coding)

"""Telegram's size limits that rendering must respect (see DESIGN.md, NOTES.md).

PTB checks none of them client-side; the server rejects the message. Lengths of text and
captions are counted after entity parsing, in UTF-16 code units (an emoji outside the
Basic Multilingual Plane counts 2; an Arabic letter counts 1).
"""

from __future__ import annotations

TEXT_LIMIT = 4096
"""Maximum visible length of a text message."""

CAPTION_LIMIT = 1024
"""Maximum visible length of a photo caption."""

ENTITY_LIMIT = 100
"""Formatting entities (bold, links ...) Telegram shows in one message: past the 100th it
ignores the markup and shows plain text (``telegram.constants.MessageLimit
.MESSAGE_ENTITIES``; undocumented by the Bot API). A digest of 130 short headlines in one
message would end in 30 headlines that cannot be tapped."""

CALLBACK_DATA_LIMIT = 64
"""Maximum size of ``callback_data`` in bytes (UTF-8)."""

SHARE_URL_LIMIT = 2000
"""Our own cap on a share button URL. Telegram takes longer URLs, but some share
targets and browsers truncate or reject URLs past ~2 KB."""

HEADLINE_LIMIT = 300
"""Our own cap on a headline (UTF-16 units), applied before fitting. Real headlines are
under ~150 characters; a longer "title" is a feed putting its body in the title, and
letting it eat the whole message would push the summary out."""

SOURCE_LIMIT = 64
"""Our own cap on the source name shown on the date line."""

"""OPML: import and export the feed list.

**Export** (:func:`render_opml`) writes OPML 2.0, UTF-8: one folder outline per category
(``text`` = the category) holding the feeds of that category, feeds without one at the
top. Each feed outline has ``type="rss"``, ``text``/``title`` (the name), ``xmlUrl``, the
``category`` attribute (``/category``) and, in our own namespace ``urn:newsbot:opml``,
``newsbot:default="true"`` and ``newsbot:interval`` when set, so an export imported into
a fresh database gives the same feeds.

**Import** (:func:`parse_opml`) accepts what feed readers write: the category of a feed
is its ``category`` attribute (OPML 2.0: comma-separated slash paths; we take the last
segment of the first), else the ``text``/``title`` of the innermost enclosing outline;
the name is ``text``, else ``title``, else the host. Problems (not XML, not OPML, a feed
outline without ``xmlUrl``, a non-http(s) URL) are all collected and raised together in
:class:`OpmlError`: nothing is imported unless the whole file is good. Duplicate URLs in
the file (compared as :func:`bot.dedup.urls.canonical_feed_url` spells them, like the
database does) are a warning (the first wins).

**Safe parsing.** OPML comes from other programs and other people. The stdlib parser
expands internal entities, so a "billion laughs" file (nested entity definitions in a
DTD) can take gigabytes of memory on an expat older than 2.4.1, and what it does with
external entities depends on the expat build. We parse with ``defusedxml`` and forbid
any DTD at all (``forbid_dtd=True``; also entities and external references): an OPML
file has no business declaring one, so such a file is refused before anything is
expanded, whatever expat the system has. Files over :data:`MAX_BYTES` are refused
before parsing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bot.config import INTERVAL_MAX, INTERVAL_MIN
from bot.controls import clean_label
from bot.dedup.urls import canonical_feed_url
from bot.errors import NewsbotError
from bot.ops.feeds import NewFeed, default_name, feed_url_problem
from bot.storage._feeds import Feed

NS = "urn:newsbot:opml"
MAX_BYTES = 5_000_000
MAX_DEPTH = 50  # folders within folders; readers write 1 or 2
FEED_TYPES = {"rss", "atom", "feed"}


class OpmlError(NewsbotError):
    """An OPML file that cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], source: str = "OPML") -> None:
        self.problems = problems
        super().__init__(f"opml: {source}: " + "; ".join(problems))


@dataclass
class OpmlImport:
    feeds: list[NewFeed]
    warnings: list[str]


def _attr(elem: Element, name: str) -> str | None:
    """An attribute by name, case-insensitively (``xmlUrl`` vs ``xmlurl`` in the wild)."""
    value = elem.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, val in elem.attrib.items():
        if key.lower() == lower:
            return val
    return None


def _category_attr(value: str | None) -> str:
    """OPML 2.0 ``category``: "/a/b, /c" -> "b"."""
    if not value:
        return ""
    first = value.split(",")[0].strip().strip("/")
    return clean_label(first.rsplit("/", 1)[-1])


def _label(elem: Element) -> str:
    return clean_label(_attr(elem, "text") or _attr(elem, "title") or "")


def _describe(elem: Element, where: str) -> str:
    label = _label(elem)
    return f"{where} ({label!r})" if label else where


def parse_opml(data: bytes, source: str = "OPML") -> OpmlImport:
    """The feeds listed in an OPML document; raises :class:`OpmlError` on any problem."""
    if len(data) > MAX_BYTES:
        raise OpmlError([f"file is {len(data)} bytes; the limit is {MAX_BYTES}"], source)
    if not data.strip():
        raise OpmlError(["file is empty"], source)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as exc:
        raise OpmlError([f"refused: the file declares a DTD or entities ({exc}); OPML "
                         "needs neither and they can be used for entity-expansion attacks"],
                        source) from None
    except ET.ParseError as exc:
        raise OpmlError([f"not well-formed XML: {exc}"], source) from None
    if root.tag.lower() != "opml":
        raise OpmlError([f"not an OPML document: the root element is <{root.tag}>, "
                         "expected <opml>"], source)
    body = root.find("body")
    if body is None:
        raise OpmlError(["not an OPML document: no <body> element"], source)

    feeds: list[NewFeed] = []
    problems: list[str] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}

    def walk(parent: Element, folder: str, path: str, depth: int = 1) -> None:
        if depth > MAX_DEPTH:
            problems.append(f"{path}: outlines nested more than {MAX_DEPTH} levels deep")
            return
        for i, elem in enumerate(parent.findall("outline"), 1):
            where = f"{path}/outline[{i}]"
            url = _attr(elem, "xmlUrl")
            children = elem.findall("outline")
            if url is None or not url.strip():
                kind = (_attr(elem, "type") or "").lower()
                if kind in FEED_TYPES or _attr(elem, "htmlUrl") or url is not None:
                    problems.append(f"{_describe(elem, where)}: feed outline without xmlUrl")
                elif children:
                    walk(elem, _label(elem) or folder, where, depth + 1)
                else:
                    warnings.append(f"{_describe(elem, where)}: empty outline skipped")
                continue
            url = url.strip()
            problem = feed_url_problem(url)
            if problem:
                problems.append(f"{_describe(elem, where)}: {problem}")
                continue
            key = canonical_feed_url(url)
            if key in seen:
                warnings.append(f"{_describe(elem, where)}: duplicate of {seen[key]}, skipped")
                continue
            seen[key] = where
            interval: int | None = None
            raw_interval = elem.get(f"{{{NS}}}interval")
            if raw_interval:
                # isdecimal, not isdigit: int() refuses superscripts ("²"), takes "٦٠٠"
                if (raw_interval.strip().isdecimal()
                        and INTERVAL_MIN <= int(raw_interval) <= INTERVAL_MAX):
                    interval = int(raw_interval)
                else:
                    problems.append(f"{_describe(elem, where)}: newsbot:interval must be "
                                    f"an integer from {INTERVAL_MIN} to {INTERVAL_MAX:,} "
                                    f"(seconds), got {raw_interval!r}")
            feeds.append(NewFeed(
                url=url,
                name=_label(elem) or default_name(url),
                category=_category_attr(_attr(elem, "category")) or folder,
                is_default=(elem.get(f"{{{NS}}}default") or "").lower() == "true",
                interval_seconds=interval,
            ))
            if children:
                warnings.append(f"{_describe(elem, where)}: outlines inside a feed outline "
                                "ignored")

    walk(body, "", "body")
    if problems:
        raise OpmlError(problems, source)
    if not feeds:
        raise OpmlError(["no feed outlines (with an xmlUrl) found"], source)
    return OpmlImport(feeds, warnings)


def render_opml(feeds: Iterable[Feed], title: str = "newsbot feeds") -> str:
    """OPML 2.0 text for ``feeds`` (grouped by category, in id order)."""
    ET.register_namespace("newsbot", NS)
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[str, Element] = {}
    for feed in sorted(feeds, key=lambda f: f.id):
        parent = body
        # cleaned again: rows stored before names were cleaned may hold characters XML
        # cannot carry, and the export must import
        name, category = clean_label(feed.name), clean_label(feed.category)
        if category:
            parent = folders.get(category)  # type: ignore[assignment]
            if parent is None:
                parent = folders[category] = ET.SubElement(
                    body, "outline", {"text": category, "title": category})
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": feed.url}
        if category and not any(c in category for c in ",/"):
            attrs["category"] = "/" + category
        if feed.is_default:
            attrs[f"{{{NS}}}default"] = "true"
        if feed.interval_seconds:
            attrs[f"{{{NS}}}interval"] = str(feed.interval_seconds)
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode") + "\n")

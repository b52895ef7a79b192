"""A fast path for ordinary feeds: lxml builds the entry dicts feedparser would have built.

:func:`bot.parse.feed.parse_feed` maps feedparser's entry dicts through ``_entry()``;
feedparser costs ~0.9 ms an entry. :func:`parse_fast` builds those dicts from an lxml tree
instead, following feedparser's rules element by element (whitespace stripping, guid and
isPermaLink, which of summary/content a description fills, "email (Name)" authors,
category merging, relative URIs left alone, its own date parser). It returns None, and
feedparser parses the body as before, whenever it is not sure to get the same result:

* an encoding other than UTF-8 (declared, HTTP charset, BOM) or bytes that are not strict
  UTF-8; a Content-Type feedparser flags as not XML (``text/*`` without a charset ...);
* an XML error of any kind; ``<!DOCTYPE``, ``<!ENTITY`` or ``xml:base`` anywhere in the
  bytes (even inside CDATA); XML 1.1;
* a root other than ``rss`` with one ``channel``, ``rdf:RDF`` (RSS 1.0/0.90) starting with
  its ``channel``, or Atom 1.0 ``feed``; CDF ``lastmod``/``href`` on a channel or item;
* markup or comments inside a text element (feedparser would serialize or split them),
  Atom ``xhtml``/``src``/base64 content, any unusual ``type``;
* elements in namespaces feedparser does not know, elements feedparser gives special
  handling that is not reproduced here (``media:group``, ``media:title``, itunes keywords,
  georss ...), unknown elements that contain elements, a second description or summary
  before any content, a feed title after the first item.

tests/test_parse_fast.py checks the equality on fixtures, real and generated feeds.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feedparser.datetimes import _parse_date
from feedparser.encodings import RE_XML_PI_ENCODING, parse_content_type
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin
from lxml import etree

__all__ = ["FastFeed", "parse_fast"]


@dataclass(frozen=True, slots=True)
class FastFeed:
    feed: dict[str, Any]
    entries: list[dict[str, Any]]
    version: str
    encoding: str


class _Unsure(Exception):
    """The body has something the fast path does not reproduce exactly."""


_PREFIXES: dict[str, str] = {k.lower(): v for k, v in _FeedParserMixin.namespaces.items()}
_HANDLED = {n.split("_", 2)[2].lower() for n in dir(_FeedParserMixin)
            if n.startswith(("_start_", "_end_"))}
_RSS10, _RSS090 = "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"
_ATOM = "http://www.w3.org/2005/atom"
_RDF_ROOT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_ATOM_ROOT = "{http://www.w3.org/2005/Atom}feed"
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
# Keys parse_feed/_entry read, and names FeedParserDict maps onto them.
_RESERVED = frozenset({
    "title", "title_detail", "link", "links", "id", "guid", "guidislink", "summary",
    "description", "content", "published", "updated", "created", "published_parsed",
    "updated_parsed", "created_parsed",
    "issued_parsed", "modified_parsed", "date_parsed", "author", "author_detail", "authors",
    "tags", "media_content", "media_thumbnail", "enclosures", "language", "ttl", "channel",
    "items"})
_TEXT_TYPES = frozenset({"text/plain", "text/html"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PERSON = frozenset({"name", "email", "uri", "url", "homepage", "itunes:name", "itunes:email"})
_IMAGE = frozenset({"title", "link", "url", "width", "height", "description"})
_TEXTINPUT = frozenset({"title", "link", "description", "name"})


def _kinds(**groups: str) -> dict[str, str]:
    return {name: kind for kind, names in groups.items() for name in names.split()}


_SAFE = ("copyright rights dc:rights subtitle tagline info feedburner:browserfriendly "
         "generator cloud expirationdate dcterms:valid newlocation webmaster dc:publisher "
         "media:credit media:rating media:restriction media:license media:player cc:license "
         "creativecommons:license name email uri url homepage width height dc:contributor "
         "itunes:explicit itunes:block itunes:subtitle contributor itunes:image itunes:link")
_DATES = _kinds(published="published pubdate issued dcterms:issued",
                updated="updated modified lastbuilddate dc:date dcterms:modified",
                created="created dcterms:created")
_ITEM = _kinds(
    title="title dc:title", link="link", guid="guid id", summary="description "
    "dc:description summary", content="content:encoded fullitem content",
    category="category dc:subject keywords media:category",
    author="author dc:author dc:creator managingeditor", media="media:content",
    thumb="media:thumbnail", enclosure="enclosure", reset="image textinput source",
    safe=_SAFE + " language dc:language") | dict.fromkeys(_DATES, "date")
_FEED = _kinds(
    title="title dc:title", link="link", guid="guid id", language="language dc:language",
    ttl="ttl", item="item entry", image="image", textinput="textinput",
    safe=_SAFE + " description dc:description abstract category dc:subject keywords "
    "media:category author dc:author dc:creator managingeditor itunes:author itunes:owner "
    "media:thumbnail media:content enclosure docs " + " ".join(_DATES))
_AUTHOR_EMAIL = re.compile(r'''(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?''')  # noqa: E501 (feedparser's)
_ENTITY_LIKE = re.compile("&([A-Za-z0-9_]+);")
_C1 = re.compile("[\x80-\x9f]")
# U+0080..U+00FF in a UTF-8 body, literal or as a character reference: only then can
# feedparser's double-UTF-8 repair or cp1252 mapping change a text (see _fix).
_LATIN1 = re.compile(rb"[\xc2\xc3]|&#(?:[xX]0*[89a-fA-F][0-9a-fA-F]|0*1[2-9][0-9]|0*2[0-5][0-9]);")
_TYPES = {"text": "text/plain", "plain": "text/plain", "html": "text/html"}
_names: dict[str, str] = {}


class _Local(threading.local):
    parser: Any = None  # lxml parsers are not to be shared between threads
    latin1 = True  # the body being parsed has U+0080..U+00FF characters


_local = _Local()


def _parser() -> Any:
    if _local.parser is None:
        _local.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return _local.parser


def _name(tag: str) -> str:
    """feedparser's name for an element: ``prefix:local`` lower-cased, Atom/RSS unprefixed."""
    name = _names.get(tag)
    if name is None:
        if tag[0] == "{":
            uri, _, local = tag[1:].partition("}")
            low = uri.lower()
            prefix = "" if "backend.userland.com/rss" in low else _PREFIXES.get(low)
            if prefix is None:
                raise _Unsure(f"unknown namespace {uri}")
            name = f"{prefix}:{local.lower()}" if prefix else local.lower()
        else:
            name = tag.lower()
        if len(_names) < 4096:
            _names[tag] = name
    return name


def _attrs(el: Any) -> dict[str, str]:
    """Attributes as feedparser's SAX handler sees them: lower-case keys (known namespaces
    both prefixed and bare), ``rel``/``type`` values lower-cased."""
    out: dict[str, str] = {}
    for key, value in el.items():
        if key[0] == "{":
            uri, _, local = key[1:].partition("}")
            local = local.lower()
            prefix = _PREFIXES.get(uri.lower())
            if prefix:
                out[f"{prefix}:{local}"] = value
        else:
            local = key.lower()
        if local in out:
            raise _Unsure("attribute name clash")
        out[local] = value
    for key in ("rel", "type"):
        if key in out:
            out[key] = out[key].lower()
    return out


def _text(el: Any) -> str:
    if len(el):  # elements, comments or PIs inside
        raise _Unsure(f"markup inside <{el.tag}>")
    return el.text or ""


def _fix(value: str, resolve: bool = False) -> str:
    """What feedparser's pop() does to text: strip, join URIs, undo double UTF-8, cp1252."""
    value = value.strip()
    if resolve and value:
        value = _urljoin("", value)
    if _local.latin1 and not value.isascii():
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            value = value.encode("iso-8859-1").decode("utf-8")
        if _C1.search(value):
            value = value.translate(_cp1252)
    return value


def _content_type(attrs: dict[str, str]) -> None:
    kind = attrs.get("type", "text")
    kind = _TYPES.get(kind, kind)
    if "mode" in attrs or "src" in attrs or kind not in _TEXT_TYPES:
        raise _Unsure("unusual content type")


def _link(el: Any, context: dict[str, Any], links: list[dict[str, str]], item: bool) -> None:
    attrs = _attrs(el)
    rel = attrs.setdefault("rel", "alternate")
    kind = attrs.setdefault("type", "application/atom+xml" if rel == "self" else "text/html")
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href
    links.append(attrs)
    if "href" in attrs:
        if len(el):
            raise _Unsure("elements inside <link href>")
        attrs["href"] = _urljoin("", attrs["href"])
        if rel == "alternate" and {"html": "text/html", "xhtml": "application/xhtml+xml"}.get(
                kind, kind) in _HTML_TYPES:
            context["link"] = attrs["href"]
        return
    value = _fix(_text(el), resolve=True)
    if item:
        value = value.replace("&amp;", "&")
    if "&" in value:
        value = _ENTITY_LIKE.sub(r"&\g<1>", value)
    context["link"] = value
    if value:
        attrs["href"] = value


def _guid(el: Any, context: dict[str, Any]) -> None:
    is_link = _attrs(el).get("ispermalink", "true") == "true"
    context["id"] = value = _fix(_text(el), resolve=is_link)
    context.setdefault("guidislink", is_link and "link" not in context)
    if is_link:
        context.setdefault("link", value)


def _sync_author(e: dict[str, Any]) -> None:
    """feedparser's _sync_author_detail(), on a plain dict."""
    detail = e.get("authors", [{}])[-1]
    if detail:
        name, email = detail.get("name"), detail.get("email")
        if name or email:
            e["author"] = f"{name} ({email})" if name and email else name or email
        return
    author, email = e.get("author"), None
    if not author:
        return
    match = _AUTHOR_EMAIL.search(author)
    if match:
        email = match.group(0)
        author = author.replace(email, "").replace("()", "").replace("<>", "")
        author = author.replace("&lt;&gt;", "").strip()
        if author and author[0] == "(":
            author = author[1:]
        if author and author[-1] == ")":
            author = author[:-1]
        author = author.strip()
    if author or email:
        e.setdefault("author_detail", detail)
    if author:
        detail["name"] = author
    if email:
        detail["email"] = email


def _author(el: Any, e: dict[str, Any]) -> None:
    e.setdefault("authors", []).append({})
    pieces = [el.text or ""]
    for sub in el:
        pieces.append(sub.tail or "")
        if not isinstance(sub.tag, str):
            continue
        key = _name(sub.tag)
        if key not in _PERSON:
            raise _Unsure(f"<{key}> in an author")
        key = key.removeprefix("itunes:")
        value = _text(sub).strip() if key in ("name", "email") else _fix(_text(sub), True)
        key = key if key in ("name", "email") else "href"
        e.setdefault("author_detail", {})[key] = value
        _sync_author(e)
        e.setdefault("authors", [{}])[-1][key] = value
    e["author"] = _fix("".join(pieces))
    _sync_author(e)


def _add_tag(tags: list[dict[str, Any]], term: Any, scheme: Any, label: Any) -> None:
    if term or scheme or label:
        tag = {"term": term, "scheme": scheme, "label": label}
        if tag not in tags:
            tags.append(tag)


def _item(el: Any) -> dict[str, Any]:
    e: dict[str, Any] = {}
    attrs = _attrs(el)
    if "lastmod" in attrs or "href" in attrs:
        raise _Unsure("CDF attributes on an item")
    if attrs.get("rdf:about"):
        e["id"] = attrs["rdf:about"]
    title_set = has_content = False
    links: list[dict[str, str]] = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = _name(child.tag)
        kind = _ITEM.get(name)
        if kind == "title":
            _content_type(_attrs(child))
            value = _fix(_text(child))
            if not title_set:
                e["title"], title_set = value, bool(value)
        elif kind == "link":
            _link(child, e, links, item=True)
        elif kind == "guid":
            _guid(child, e)
        elif kind == "summary":
            _content_type(_attrs(child))
            if "summary" in e and not has_content:
                raise _Unsure("a second description")  # feedparser makes it content
            e["summary"] = _fix(_text(child))
        elif kind == "content":
            _content_type(_attrs(child))
            has_content = True
            value = _fix(_text(child))
            e.setdefault("content", []).append({"value": value})
            e.setdefault("summary", value)
        elif kind == "category":
            attrs = _attrs(child)
            if name == "media:category":
                attrs.setdefault("scheme", "http://search.yahoo.com/mrss/category_schema")
            tags = e.setdefault("tags", [])
            _add_tag(tags, attrs.get("term"), attrs.get("scheme", attrs.get("domain")),
                     attrs.get("label"))
            value = _fix(_text(child))
            if value and tags and not tags[-1]["term"]:
                tags[-1]["term"] = value
            elif value:
                _add_tag(tags, value, None, None)
        elif kind == "author":
            _author(child, e)
        elif kind == "date":
            raw = _fix(_text(child))
            e[_DATES[name]] = raw  # the text too, as feedparser keeps it: a day or a time
            e[_DATES[name] + "_parsed"] = _parse_date(raw)
        elif kind in ("media", "thumb"):
            attrs = _attrs(child)
            e.setdefault("media_content" if kind == "media" else "media_thumbnail", []).append(
                attrs)
            url = _fix(_text(child), resolve=True)
            if kind == "thumb" and url and "url" not in attrs:
                attrs["url"] = url
        elif kind == "enclosure":
            attrs = _attrs(child)
            href = attrs.get("url", attrs.get("uri", attrs.get("href")))
            if href:
                attrs.pop("url", None)
                attrs.pop("uri", None)
                attrs["href"] = href
            attrs["rel"] = "enclosure"
            links.append(attrs)
            _text(child)
        elif kind == "reset":  # feedparser forgets which title it kept
            _text(child)
            title_set = False
        elif kind == "safe":
            _check_safe(child, name)
        else:
            _check_unknown(child, name)
    if links:
        e["enclosures"] = [{k: v for k, v in link.items() if k != "rel"}
                           for link in links if link["rel"] == "enclosure"]
    return e


def _check_safe(el: Any, name: str) -> None:
    """A text element whose handler only stores keys we never read (or a person)."""
    if len(el):
        allowed = _PERSON if name in ("author", "contributor", "itunes:owner",
                                      "dc:author", "dc:creator", "managingeditor",
                                      "itunes:author") else frozenset()
        for sub in el:
            if isinstance(sub.tag, str) and (_name(sub.tag) not in allowed or len(sub)):
                raise _Unsure(f"elements inside <{name}>")


def _check_unknown(el: Any, name: str) -> None:
    if name.replace(":", "_") in _HANDLED or name.replace(":", "_") in _RESERVED:
        raise _Unsure(f"<{name}> has special handling")
    if len(el):
        raise _Unsure(f"elements inside <{name}>")


def _check_children(el: Any, allowed: frozenset[str]) -> None:
    for sub in el:
        if isinstance(sub.tag, str) and (_name(sub.tag) not in allowed or len(sub)):
            raise _Unsure(f"unusual <{el.tag}>")


def _lang(attrs: dict[str, str], inherited: str | None) -> str | None:
    """The xml:lang in scope (feedparser: ``xml:lang=""`` unsets it); CDF attributes bail."""
    if "lastmod" in attrs or "href" in attrs:
        raise _Unsure("CDF attributes")
    lang = attrs.get("xml:lang", attrs.get("lang"))
    return inherited if lang is None else lang or None


def _channel(el: Any, feed: dict[str, Any], entries: list[dict[str, Any]], lang: str | None,
             rdf: bool = False) -> None:
    title_set = seen_item = False
    links: list[dict[str, str]] = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = _name(child.tag)
        kind = _FEED.get(name)
        if kind == "item":
            entries.append(_item(child))
            seen_item = True
        elif kind == "title":
            attrs = _attrs(child)
            _content_type(attrs)
            title_lang = _lang(attrs, lang)
            value = _fix(_text(child))
            if seen_item:
                raise _Unsure("feed title after items")
            if not title_set:
                feed["title"], title_set = value, bool(value)
                feed["title_detail"] = {"language": title_lang and title_lang.replace("_", "-")}
        elif kind == "link":
            _link(child, feed, links, item=False)
        elif kind == "guid":
            _guid(child, feed)
        elif kind == "language":
            feed["language"] = _fix(_text(child))
        elif kind == "ttl":
            feed["ttl"] = _attrs(child) if child.attrib else _fix(_text(child))
            _text(child)
        elif kind in ("image", "textinput"):
            _check_children(child, _IMAGE if kind == "image" else _TEXTINPUT)
            title_set = False
        elif kind == "safe":
            _check_safe(child, name)
        elif name == "items" and rdf:  # RSS 1.0 <items><rdf:Seq><rdf:li resource=...>
            for sub in child.iterdescendants():
                if isinstance(sub.tag, str) and not _name(sub.tag).startswith("rdf:"):
                    raise _Unsure("unusual <items>")
        else:
            _check_unknown(child, name)


def _ns_version(root: Any) -> str | None:
    found = [v for p, v in ((p, u.lower()) for p, u in root.nsmap.items())
             if v in (_RSS10, _ATOM) or (v == _RSS090 and p is None)]
    if len(found) > 1:
        raise _Unsure("several feed namespaces")
    return {_RSS10: "rss10", _RSS090: "rss090", _ATOM: "atom10"}[found[0]] if found else None


def _encoding(body: bytes, headers: Mapping[str, str]) -> str | None:
    """The encoding feedparser would report without complaint, if it is UTF-8."""
    mime, charset = parse_content_type(headers.get("content-type") or "")
    match = RE_XML_PI_ENCODING.match(body)
    declared = match.group(1).decode("utf-8").lower() if match else ""
    if mime in ("application/xml", "application/xml-dtd",
                "application/xml-external-parsed-entity") or (
            mime.startswith("application/") and mime.endswith("+xml")):
        encoding = charset or declared or "utf-8"
    elif charset and (mime in ("text/xml", "text/xml-external-parsed-entity") or (
            mime.startswith("text/") and mime.endswith("+xml"))):
        encoding = charset
    else:
        return None
    for name in (encoding, declared or "utf-8"):
        try:
            if codecs.lookup(name).name != "utf-8":
                return None
        except LookupError:
            return None
    return encoding


def parse_fast(body: bytes, headers: Mapping[str, str]) -> FastFeed | None:
    """Feed and entry dicts as feedparser would build them from ``body``, or None.

    ``headers`` are the lower-case response headers parse_feed gives feedparser."""
    if "content-location" in headers or b"xml:base" in body:
        return None
    if body.startswith(codecs.BOM_UTF8):
        body = body[3:]
    if b"\x00" in body[:4] or b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return None
    try:
        encoding = _encoding(body, headers)
        if encoding is None:
            return None
        body.decode("utf-8")
        _local.latin1 = _LATIN1.search(body) is not None
        root = etree.fromstring(body, _parser())
        info = root.getroottree().docinfo
        if info.doctype or info.internalDTD is not None or info.xml_version != "1.0":
            return None
        lang = headers.get("content-language") or None
        feed: dict[str, Any] = {"language": lang.replace("_", "-")} if lang else {}
        lang = _lang(_attrs(root), lang)
        if lang and root.tag in ("rss", _ATOM_ROOT):  # feedparser misses rdf:RDF's
            feed["language"] = lang.replace("_", "-")
        entries: list[dict[str, Any]] = []
        version = _ns_version(root)
        children = [c for c in root if isinstance(c.tag, str)]
        if root.tag == "rss":
            if version not in ("rss10", "rss090"):
                number = _attrs(root).get("version", "")
                version = _RSS_VERSIONS.get(number) or (
                    "rss20" if number.startswith("2.") else "rss")
            if len(children) != 1 or _name(children[0].tag) != "channel":
                return None
            _channel(children[0], feed, entries, _lang(_attrs(children[0]), lang))
        elif root.tag == _RDF_ROOT and version in ("rss10", "rss090"):
            if not children or _name(children[0].tag) != "channel":
                return None
            _channel(children[0], feed, entries, _lang(_attrs(children[0]), lang), rdf=True)
            for child in children[1:]:
                name = _name(child.tag)
                if name == "item":
                    entries.append(_item(child))
                elif name in ("image", "textinput"):
                    _check_children(child, _IMAGE if name == "image" else _TEXTINPUT)
                else:
                    return None
        elif root.tag == _ATOM_ROOT and version == "atom10":
            _channel(root, feed, entries, lang)
        else:
            return None
    except (_Unsure, etree.XMLSyntaxError, UnicodeDecodeError, ValueError):
        return None
    return FastFeed(feed=feed, entries=entries, version=version or "", encoding=encoding)

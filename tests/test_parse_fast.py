"""The lxml fast path (bot.parse.fast) gives parse_feed() exactly feedparser's result.

Every case parses the body twice, with and without the fast path, and compares the whole
ParsedFeed (or the ParseError message). Where the fast path must be taken (ordinary UTF-8
feeds) or must not be (other encodings, DOCTYPEs, broken XML ...), that is asserted too.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import ParseError
from bot.parse.fast import parse_fast
from bot.parse.feed import ParsedFeed, _headers, _parse_feed
from tests.fakes.feed_server import generated_feed

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path("/work/shared/data")
NOW = datetime(2018, 3, 1, 12, 0, tzinfo=UTC)
FEED_URL = "https://feeds.example.com/news/rss.xml"
NS = ('xmlns:media="http://search.yahoo.com/mrss/" '
      'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
      'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
      'xmlns:slash="http://purl.org/rss/1.0/modules/slash/" '
      'xmlns:dcterms="http://purl.org/dc/terms/" '
      'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"')


def outcome(body: bytes, headers: dict[str, str] | None, url: str, fast: bool
            ) -> ParsedFeed | str:
    try:
        return _parse_feed(body, url=url, headers=headers, fetched_at=NOW, fast=fast)
    except ParseError as exc:
        return f"ParseError: {exc}"


def check(body: bytes | str, headers: dict[str, str] | None = None, url: str = FEED_URL
          ) -> bool:
    """Assert both paths agree; True when the fast path was taken."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    taken = parse_fast(data, _headers(headers, data, url)) is not None
    fast, slow = outcome(data, headers, url, True), outcome(data, headers, url, False)
    if isinstance(fast, ParsedFeed) and isinstance(slow, ParsedFeed):
        for one, two in zip(fast.entries, slow.entries, strict=False):
            assert one == two  # the first differing entry, readably
    assert fast == slow
    return taken


def rss(items: str, channel: str = "<title>T</title><link>https://example.com/</link>",
        version: str = "2.0", decl: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    return f'{decl}<rss version="{version}" {NS}><channel>{channel}{items}</channel></rss>'


def atom(entries: str, head: str = "<title>A</title><id>urn:feed</id>"
         "<link rel='alternate' href='https://example.com/'/>") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:media="http://search.yahoo.com/mrss/">{head}{entries}</feed>')


def item(body: str) -> str:
    return f"<item>{body}</item>"


# --- fixture files -----------------------------------------------------------------------

FIXTURE_FILES = sorted(
    p for d in ("feeds", "parse_fast") for p in (FIXTURES / d).glob("*.xml"))
# Ordinary UTF-8 RSS: the fast path must take them (a test that always fell back would
# prove nothing). The windows-1256 ones and the BBC Urdu Atom (nested markup) fall back.
FAST_FILES = {"bbc-arabic.xml", "cnn-arabic.xml", "bbc_urdu_rss2.utf8.xml", "alarabiya.xml",
              "france24-arabic.xml", "skynews-arabia.xml"}


def test_fixture_files_are_there() -> None:
    assert {p.name for p in FIXTURE_FILES} >= FAST_FILES | {"bbc_urdu_atom.utf8.xml"}


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("headers", [None, {"Content-Type": "application/rss+xml"},
                                     {"content-type": "text/xml; charset=utf-8"},
                                     {"content-type": "text/html"}])
def test_fixture_feed(path: Path, headers: dict[str, str] | None) -> None:
    taken = check(path.read_bytes(), headers)
    if headers and headers.get("content-type") == "text/html":
        assert not taken  # feedparser flags it (NonXMLContentType): its warning is kept
    else:
        assert taken == (path.name in FAST_FILES)


def shared_feeds() -> list[Path]:
    return sorted((SHARED / "feeds").rglob("*.xml")) if (SHARED / "feeds").is_dir() else []


@pytest.mark.skipif(not shared_feeds(), reason="no /work/shared/data/feeds")
def test_shared_data_feeds() -> None:
    taken = [path.name for path in shared_feeds() if check(path.read_bytes())]
    assert {"alarabiya.xml", "bbc-arabic.xml", "skynews-arabia.xml"} <= set(taken)


# --- generated feeds ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 7])
def test_generated_feeds(n: int) -> None:
    assert check(generated_feed(n, 30), {"content-type": "application/rss+xml"})


def test_corpus_feeds() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from corpus_feed import corpus_feed, load_corpus
    finally:
        sys.path.remove(str(ROOT / "bench"))
    corpus = load_corpus(SHARED) or [
        ("عنوان خبر عن الاقتصاد والسياسة اليوم", [
            "هذه جملة أولى طويلة بما يكفي لتكون في الخبر.",
            "وهذه جملة ثانية فيها <b>وسم</b> و &amp; رمز.",
            "جملة ثالثة تكمل النص وتزيد طوله قليلا."]),
        ("Title & more: a <mixed> headline", ["A sentence long enough to be kept here.",
                                               "Another sentence with an ampersand & co."]),
    ]
    for n in range(4):
        assert check(corpus_feed(n, 10, n % 2, corpus))


# --- hand-written tricky feeds -----------------------------------------------------------

FAST, FALLBACK, EITHER = True, False, None
L = "<link>https://e.com/1</link>"
CASES: list[tuple[str, str, dict[str, str] | None, bool | None]] = [
    ("cdata", rss(item("<title><![CDATA[<b>عاجل</b>:   خبر <a href='x'>مهم</a>]]></title>"
                       f"{L}<description><![CDATA[<p>نص</p><img src='/a.jpg'>]]>"
                       "</description>")), None, FAST),
    ("escaped-html", rss(item(f"<title>t</title>{L}<description>&lt;p&gt;فقرة&lt;/p&gt;"
                              "&lt;script&gt;x()&lt;/script&gt;&amp;nbsp;</description>")),
     None, FAST),
    ("content-encoded", rss(item(f"<title>t</title>{L}<description>قصير</description>"
                                 "<content:encoded><![CDATA[<p>النص الكامل</p>]]>"
                                 "</content:encoded>")), None, FAST),
    ("content-encoded-first", rss(item(f"<title>t</title>{L}<content:encoded>&lt;p&gt;long "
                                       "text here&lt;/p&gt;</content:encoded><description>"
                                       "short</description>")), None, FAST),
    ("content-encoded-only", rss(item(f"{L}<content:encoded>body only</content:encoded>")),
     None, FAST),
    ("two-encoded", rss(item(f"<title>t</title>{L}<content:encoded>a</content:encoded>"
                             "<content:encoded>bb</content:encoded><description>c"
                             "</description><description>dd</description>")), None, FAST),
    ("two-descriptions", rss(item(f"<title>t</title>{L}<description>a</description>"
                                  "<description>bbb</description>")), None, FALLBACK),
    ("atom-text", atom("<entry><title type='text'>a &amp; b</title><id>urn:1</id>"
                       "<link href='https://e.com/1'/><content type='text'>x &lt; y"
                       "</content><updated>2018-02-18T10:00:00Z</updated></entry>"),
     None, FAST),
    ("atom-html", atom("<entry><title type='html'>&lt;b&gt;a&lt;/b&gt;</title><id>urn:1</id>"
                       "<link href='/rel/1'/><summary type='html'>&lt;p&gt;s&lt;/p&gt;"
                       "</summary><content type='html'>&lt;p&gt;longer c&lt;/p&gt;</content>"
                       "<published>2018-02-18T10:00:00+03:00</published></entry>"),
     None, FAST),
    ("atom-xhtml", atom("<entry><title>a</title><id>urn:1</id><content type='xhtml'>"
                        "<div xmlns='http://www.w3.org/1999/xhtml'><p>x</p></div></content>"
                        "</entry>"), None, FALLBACK),
    ("atom-src", atom("<entry><title>a</title><id>urn:1</id><content src='https://e.com/c'"
                      "/></entry>"), None, FALLBACK),
    ("atom-base64", atom("<entry><title>a</title><id>urn:1</id><content type='image/png'>"
                         "aGVsbG8=</content></entry>"), None, FALLBACK),
    ("atom-links", atom("<entry><title>a</title><id>https://e.com/id/1</id>"
                        "<link rel='self' href='https://e.com/self'/>"
                        "<link rel='enclosure' type='image/jpeg' href='/img/1.jpg'/>"
                        "<link rel='enclosure' type='audio/mpeg' href='/a.mp3'/>"
                        "<link rel='alternate' type='text/html' href='https://e.com/alt'/>"
                        "<link rel='related' href='https://e.com/rel'/></entry>"
                        "<entry><title>b</title><id>https://e.com/id/2</id></entry>"
                        "<entry><title>c</title><id>urn:x</id><link href='https://e.com/c'"
                        " type='application/pdf'/></entry>"), None, FAST),
    ("atom-authors", atom("<entry><title>a</title><id>urn:1</id><author><name> نور </name>"
                          "<email>n@e.com</email><uri>https://e.com/n</uri></author>"
                          "<author><name>second</name></author>"
                          "<category term='politics' label='سياسة'/><category term='x'/>"
                          "<category term='x'/><category label='only label'/></entry>"
                          "<entry><title>b</title><id>urn:2</id><author><email>e@e.com"
                          "</email></author></entry>"), None, FAST),
    ("atom-updated-published", atom(
        "<entry><title>a</title><id>urn:1</id><updated>2018-02-18T10:00:00Z</updated>"
        "<published>2018-02-17T10:00:00Z</published></entry><entry><title>b</title>"
        "<id>urn:2</id><updated>2018-02-18T11:00:00+01:00</updated></entry>"), None, FAST),
    ("atom-feed-id-only", atom("<entry><title>a</title><id>urn:1</id></entry>",
                               head="<title>t</title><id>https://e.com/feed</id>"
                               "<link rel='self' href='https://e.com/atom'/>"
                               "<updated>2018-02-18T10:00:00Z</updated>"
                               "<author><name>n</name></author>"), None, FAST),
    ("atom-xml-lang", atom("<entry><title xml:lang='ar'>a</title><id>urn:1</id></entry>",
                           head="<title xml:lang='ar_EG'>t</title>"), None, FAST),
    ("atom-root-lang", atom("<entry><title>a</title><id>urn:1</id></entry>").replace(
        "<feed ", "<feed xml:lang='ur' "), {"content-language": "ar"}, FAST),
    ("atom-root-lang-empty", atom("<entry><title>a</title><id>urn:1</id></entry>").replace(
        "<feed ", "<feed xml:lang='' "), {"content-language": "ar"}, FAST),
    ("rdf-root-lang", '<rdf:RDF xml:lang="fa" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
                      'syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>t</title>'
                      '</channel><item><title>a</title></item></rdf:RDF>', None, FAST),
    ("rss-lang-attrs", rss(item(f"<title>a</title>{L}"), channel="<title lang='de'>T</title>"
                           ).replace("<rss ", "<rss xml:lang='fr' "), None, FAST),
    ("relative-links", rss(item("<title>a</title><link>/ar/news/خبر?utm_medium=rss#top</link>")
                           + item("<title>b</title><link>javascript:alert(1)</link>")
                           + item("<title>c</title><link>  \n https:///e.com//x \n</link>")
                           + item("<title>d</title><link>https://e.com/?a=1&amp;amp;b=2"
                                  "&amp;c;=3</link>")), None, FAST),
    ("enclosures", rss(item("<title>m</title><link>https://e.com/1</link>"
                            "<enclosure url='https://e.com/a.mp3' type='audio/mpeg' length='1'/>"
                            "<enclosure url='/img/b.png' type='IMAGE/PNG' length='1'/>")
                       + item("<title>audio</title><link>https://e.com/2</link>"
                              "<enclosure url='https://e.com/a.mp3' type='audio/mpeg'/>")
                       + item("<title>no type</title><link>https://e.com/3</link>"
                              "<enclosure url='https://e.com/p.jpg?x=1'/>")), None, FAST),
    ("media", rss(item(f"<title>m</title>{L}<media:thumbnail url='https://e.com/t.jpg'/>"
                       "<media:content url='https://e.com/big.jpg' medium='image'/>")
                  + item("<title>v</title><link>https://e.com/2</link><media:content url="
                         "'https://e.com/v.mp4' type='Video/MP4'/><media:content url='https:"
                         "//e.com/p' type='image/jpeg'/>")
                  + item("<title>t</title><link>https://e.com/3</link><media:thumbnail>"
                         " https://e.com/text.jpg </media:thumbnail>")), None, FAST),
    ("media-group", rss(item(f"<title>m</title>{L}<media:group><media:content url='https://"
                             "e.com/a.jpg' medium='image'/></media:group>")), None, FALLBACK),
    ("media-content-children", rss(item(f"<title>m</title>{L}<media:content url='https://e."
                                        "com/a.jpg'><media:title>x</media:title>"
                                        "</media:content>")), None, FALLBACK),
    ("img-in-description", rss(item(f"<title>i</title>{L}<description>&lt;img src=\"/i/4.webp"
                                    "\"&gt; نص</description>")), None, FAST),
    ("authors", rss(item(f"<title>a</title>{L}<dc:creator>دبي - العربية نت</dc:creator>")
                    + item("<title>b</title><link>https://e.com/2</link>"
                           "<author>a@b.c (Name Here)</author>")
                    + item("<title>c</title><link>https://e.com/3</link><author>x@y.org"
                           "</author><dc:creator>Second</dc:creator>")
                    + item("<title>d</title><link>https://e.com/4</link>"
                           "<author>Name &lt;n@e.com&gt;</author>")), None, FAST),
    ("categories", rss(item(f"<title>a</title>{L}<category domain='https://e.com/c'>سياسة"
                            "</category><category>سياسة</category><category>اقتصاد</category>"
                            "<category domain='d'></category><category>late</category>"
                            "<dc:subject>رياضة</dc:subject><category> </category>"))
     , None, FAST),
    ("guids", rss(item("<title>a</title><guid>https://e.com/p/1?utm_source=rss</guid>")
                  + item("<title>b</title><guid isPermaLink='false'>https://e.com/p/2</guid>")
                  + item("<title>c</title><guid isPermaLink='true'>https://e.com/p/3</guid>"
                         "<link>https://e.com/link/3</link>")
                  + item("<title>d</title><link>https://e.com/4</link><guid>abc-4</guid>")
                  + item("<title>e</title><guid isPermaLink='True'>https://e.com/5</guid>")
                  + item("<title>f</title><guid>  </guid>")
                  + item("<title>g</title><guid>" + "x" * 1200 + "</guid>")), None, FAST),
    ("no-link-no-guid", rss(item("<title>خبر بلا رابط</title><description>نص</description>")
                            + item("<title>خبر آخر</title>")), None, FAST),
    ("no-title", rss(item("<description>خبر بلا عنوان. تفاصيل أكثر.</description>"
                          f"{L}") + item("<description>&lt;p&gt;" + "كلمة " * 60
                                         + "&lt;/p&gt;</description>")), None, FAST),
    ("empty-items", rss(f"<item>{L}</item><item></item><item>  </item>"
                        f"<item><title>ok</title>{L}</item><item><title></title>"
                        "<title>second</title></item><item><title>first</title><title>x"
                        "</title></item>"), None, FAST),
    ("dates", rss("".join(item(f"<title>{d}</title><link>https://e.com/{i}</link>"
                               f"<pubDate>{d}</pubDate>") for i, d in enumerate([
        "Mon, 01 Jan 2035 00:00:00 GMT", "Thu, 01 Mar 2018 12:10:00 GMT", "الأحد الماضي",
        "Thu, 01 Mar 2018 10:00:00 +0400", "Wed, 28 Feb 2018 10:00:00 EST",
        "Wed, 28 Feb 2018 10:00 +0300", "28 Feb 2018 09:30:00 GMT", "2018-02-27T10:00:00Z",
        "2018-02-27", "Sun, 18 Feb 2018 20:50:44", "", "Feb 30 2018", "Tue, 27 Feb 18 1:2:3 PST",
        "2018-02-27T10:00:00.123+02:00", "Wed, 28 Feb 2018 10:00:00 +03:30"]))
        + item("<title>dc</title><link>https://e.com/dc</link><dc:date>2018-02-20T10:00:00+02"
               ":00</dc:date>") + item("<title>both</title><link>https://e.com/b</link>"
                                       "<dc:date>2018-02-20T10:00:00Z</dc:date><pubDate>"
                                       "Tue, 27 Feb 2018 10:00:00 GMT</pubDate>")
        + item("<title>terms</title><link>https://e.com/t</link><dcterms:modified>2018-02-21"
               "</dcterms:modified><dcterms:created>2018-02-19</dcterms:created>")
        + item("<title>missing</title><link>https://e.com/m</link>")), None, FAST),
    ("titles", rss(item("<title>AT&amp;T &lt;script&gt;alert('x')&lt;/script&gt;يعلن &lt;b&gt;"
                        f"نتائج &lt;i&gt;قوية &amp;amp; مفاجئة</title>{L}")
                   + item("<title>\n   عنوان\n\t مع   مسافات  \n</title>"
                          "<link>https://e.com/2</link>")
                   + item("<title>" + ("كلمة طويلة جدا " * 800)[:10_000] + "</title>"
                          "<link>https://e.com/3</link>")
                   + item("<title>" + "ا" * 10_000 + "</title><link>https://e.com/4</link>")
                   + item("<title>&lt;b&gt;unbalanced &lt;i&gt;tags</title>"
                          "<link>https://e.com/5</link>")), None, FAST),
    ("c1-references", rss(item("<title>&#147;refs&#148; &#x85; &#195;&#169;t&#xC3;&#xA9;"
                               "</title><link>https://e.com/1</link>")), None, FAST),
    ("c1-and-mojibake", rss(item("<title>smart \u0093quotes\u0094 \u0085</title>"
                                 "<link>https://e.com/1</link><description>Ã©tÃ© cafÃ©"
                                 "</description>") + item("<title>cafÃ©</title>"
                                                          "<link>https://e.com/2</link>")),
     None, FAST),
    ("rss091", "<?xml version='1.0'?><rss version='0.91'><channel><title>old</title>"
               "<link>http://e.com/</link><language>ar</language><item><title>قديم</title>"
               "<link>http://e.com/1</link><description>نص</description></item></channel>"
               "</rss>", None, FAST),
    ("rss-no-version", "<rss><channel><title>x</title><item><title>a</title><link>http://e"
                       ".com/1</link></item></channel></rss>", None, FAST),
    ("rss10", """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://e.com/"><title>قناة</title><link>https://e.com/</link>
    <dc:language>ar</dc:language><items><rdf:Seq><rdf:li resource="https://e.com/1"/>
    </rdf:Seq></items></channel>
  <item rdf:about="https://e.com/1"><title>أول</title><link>https://e.com/1</link>
    <dc:date>2018-02-18T10:00:00+02:00</dc:date><dc:creator>كاتب</dc:creator>
    <dc:subject>اقتصاد</dc:subject></item>
  <item rdf:about="https://e.com/2"><title>ثان</title></item>
</rdf:RDF>""", None, FAST),
    ("rss090", """<?xml version="1.0"?><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>n</title>
<link>http://e.com/</link></channel><image><title>i</title><url>http://e.com/i.gif</url>
<link>http://e.com/</link></image><item><title>a</title><link>http://e.com/a</link></item>
</rdf:RDF>""", None, FAST),
    ("channel-extras", rss(item(f"<title>a</title>{L}<comments>https://e.com/c</comments>"
                                "<wfw:commentRss>https://e.com/c/feed</wfw:commentRss>"
                                "<slash:comments>3</slash:comments><source url='https://s."
                                "com/'>S</source><title>after source</title>"
                                "<itunes:duration>1:00</itunes:duration><foo>bar</foo>"
                                "<!-- a comment --><?pi x?>"),
                           channel="<image><url>https://e.com/i.png</url><title>img</title>"
                           "<link>https://e.com/</link></image><title>  القناة  </title>"
                           "<title>ignored</title><link>https://e.com/</link>"
                           "<atom:link rel='self' href='https://e.com/feed'/>"
                           "<language> AR-eg </language><ttl>15</ttl><generator>g"
                           "</generator><lastBuildDate>Thu, 01 Mar 2018 10:00:00 GMT"
                           "</lastBuildDate><managingEditor>e@e.com (Ed)</managingEditor>"
                           "<sy:updatePeriod xmlns:sy='http://purl.org/rss/1.0/modules/"
                           "syndication/'>hourly</sy:updatePeriod>"), None, FAST),
    ("atom-link-in-channel", rss(item(f"<title>a</title>{L}"),
                                 channel="<title>T</title><atom:link href='https://e.com/"
                                 "alt'/><link>https://e.com/later</link>"), None, FAST),
    ("ttl-garbage", rss(item(f"<title>a</title>{L}"), channel="<title>T</title><ttl>soon"
                        "</ttl><language></language>"), {"Content-Language": "ar_SA"}, FAST),
    ("ttl-attrs", rss(item(f"<title>a</title>{L}"), channel="<title>T</title><ttl unit='m'>"
                      "15</ttl>"), None, FAST),
    ("content-language", rss(item(f"<title>a</title>{L}"), channel="<title>T</title>"),
     {"content-language": "ar"}, FAST),
    ("no-channel-title", rss(item(f"<title>a</title>{L}"), channel="<link>https://e.com/"
                             "</link>"), {"content-language": "ar"}, FAST),
    ("channel-xml-lang", rss(item(f"<title>a</title>{L}")).replace("<channel>",
                                                                   "<channel xml:lang='ar'>"),
     None, FAST),
    ("channel-lastmod", rss(item(f"<title>a</title>{L}")).replace(
        "<channel>", "<channel lastmod='2018-01-01'>"), None, FALLBACK),
    ("bom", "\ufeff" + rss(item(f"<title>a</title>{L}")), None, FAST),
    ("no-declaration", rss(item(f"<title>عربي</title>{L}"), decl=""), None, FAST),
    ("windows-1256-declared", "", None, FALLBACK),  # bytes built below
    ("non-utf8-undeclared", "", None, FALLBACK),
    ("charset-latin1", rss(item(f"<title>a</title>{L}")),
     {"content-type": "application/xml; charset=iso-8859-1"}, FALLBACK),
    ("text-xml-no-charset", rss(item(f"<title>a</title>{L}")),
     {"content-type": "text/xml"}, FALLBACK),
    ("doctype-entities", '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "expanded">]>'
                         f'<rss version="2.0"><channel><title>&x;</title><item><title>&x;'
                         f'</title>{L}</item></channel></rss>', None, FALLBACK),
    ("doctype-netscape", '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape '
                         'Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/'
                         'formats/rss-0.91.dtd"><rss version="0.91"><channel><title>t</title>'
                         f'<item><title>a</title>{L}</item></channel></rss>', None, FALLBACK),
    ("truncated", rss(item(f"<title>one</title>{L}") + item("<title>two</title><link>htt"))
     [:-30], None, FALLBACK),
    ("bare-ampersand", rss(item(f"<title>two & three</title>{L}")), None, FALLBACK),
    ("undefined-entity", rss(item(f"<title>a&nbsp;b</title>{L}")), None, FALLBACK),
    ("xml-base", atom("<entry xml:base='https://e.com/x/'><title>a</title><id>urn:1</id>"
                      "<link href='a.html'/></entry>"), None, FALLBACK),
    ("unknown-namespace", rss(item(f"<title>a</title>{L}<x:y xmlns:x='urn:x'>z</x:y>")),
     None, FALLBACK),
    ("markup-in-title", rss(item(f"<title>a <b>bold</b></title>{L}")), None, FALLBACK),
    ("comment-in-title", rss(item(f"<title>a <!-- c --> b</title>{L}")), None, FALLBACK),
    ("unknown-root", "<?xml version='1.0'?><sitemap><url>x</url></sitemap>", None, FALLBACK),
    ("html", "<!DOCTYPE html><html><body><p>x</p></body></html>", None, FALLBACK),
    ("atom03", '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title>'
               '<entry><title>a</title></entry></feed>', None, FALLBACK),
    ("xml11", '<?xml version="1.1"?>' + rss(item(f"<title>a</title>{L}"), decl=""),
     None, FALLBACK),
    ("itunes-summary", rss(item(f"<title>a</title>{L}<itunes:summary>s</itunes:summary>")),
     None, FALLBACK),
    ("atom-category-text", atom("<entry><title>a</title><id>urn:1</id><category label='L'>"
                                "text</category><category term='t'>more</category>"
                                "<category>plain</category></entry>"), None, FAST),
    ("odd-hrefs", atom("<entry><title>a</title><id>urn:1</id><link href='https:////e.com/x'/>"
                       "<link rel='enclosure' href='http:///e.com/i.jpg' type='image/jpeg'/>"
                       "</entry>"), None, FAST),
    ("enclosure-url-and-href", rss(item(f"<title>a</title>{L}<enclosure url='https://e.com/"
                                        "u.jpg' href='https://e.com/h.jpg' type='image/jpeg'"
                                        "/>")), None, FAST),
    ("channel-link-entities", rss(item(f"<title>a</title>{L}"), channel="<title>T</title>"
                                  "<link>https://e.com/?a=1&amp;amp;b=2&amp;c;=3</link>"
                                  "<language>Ã©n</language>"), None, FAST),
    ("rdf-prefixed-netscape", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-'
                              'ns#" xmlns:n="http://my.netscape.com/rdf/simple/0.9/"><n:channel>'
                              '<n:title>t</n:title></n:channel><n:item><n:title>a</n:title>'
                              '<n:link>http://e.com/a</n:link></n:item></rdf:RDF>', None,
     FALLBACK),
    ("empty-feed", rss(""), None, FAST),
]
CASE_BYTES = {
    "windows-1256-declared": rss(item(f"<title>خبر عربي</title>{L}")).replace(
        'encoding="UTF-8"', 'encoding="windows-1256"').encode("cp1256"),
    "non-utf8-undeclared": rss(item(f"<title>خبر عربي</title>{L}"), decl="").encode("cp1256"),
}


@pytest.mark.parametrize("name, body, headers, expected", CASES, ids=[c[0] for c in CASES])
def test_tricky_feed(name: str, body: str, headers: dict[str, str] | None,
                     expected: bool | None) -> None:
    taken = check(CASE_BYTES.get(name, body), headers)
    if expected is not None:
        assert taken == expected


# --- random combinations -----------------------------------------------------------------

ITEM_PARTS = [
    "<title>عنوان &amp; خبر</title>", "<title>  </title>", "<title><![CDATA[<b>x</b> y]]></title>",
    "<link>https://e.com/{i}?utm_source=rss</link>", "<link>/rel/{i}</link>", "<link></link>",
    "<guid>https://e.com/g/{i}</guid>", "<guid isPermaLink='false'>id-{i}</guid>",
    "<guid isPermaLink='false'>id-{i}</guid>",
    "<description>&lt;p&gt;نص &lt;img src='/i{i}.jpg'&gt;&lt;/p&gt;</description>",
    "<description>plain text {i}</description>",
    "<content:encoded><![CDATA[<p>full text {i} with more words</p>]]></content:encoded>",
    "<pubDate>Thu, 01 Mar 2018 0{d}:00:00 GMT</pubDate>", "<pubDate>garbage</pubDate>",
    "<pubDate>Wed, 28 Feb 2018 1{d}:00 +0300</pubDate>", "<dc:date>2018-02-2{d}T10:00Z</dc:date>",
    "<category>سياسة</category>", "<category domain='x'>اقتصاد</category>",
    "<category domain='y'/>", "<dc:subject>s{d}</dc:subject>",
    "<dc:creator>كاتب {d}</dc:creator>", "<author>a{d}@b.com (Name {d})</author>",
    "<enclosure url='https://e.com/{i}.jpg' type='image/jpeg'/>",
    "<enclosure url='https://e.com/{i}.mp3' type='audio/mpeg'/>",
    "<media:content url='https://e.com/m{i}.png' medium='image'/>",
    "<media:content url='https://e.com/v{i}.mp4' type='video/mp4'/>",
    "<media:thumbnail url='https://e.com/t{i}.jpg'/>", "<comments>https://e.com/c</comments>",
    "<source url='https://s.com/'>S</source>", "<image>https://e.com/x.jpg</image>",
    "<atom:link rel='enclosure' type='image/png' href='https://e.com/al{i}.png'/>",
    "<atom:link href='https://e.com/alt/{i}'/>", "<!-- c -->",
]
CHANNEL_PARTS = ["<title>قناة</title>", "<title></title>", "<link>https://e.com/</link>",
                 "<language>ar</language>", "<ttl>30</ttl>", "<description>d</description>",
                 "<atom:link rel='self' href='https://e.com/f'/>",
                 "<image><url>https://e.com/i.png</url><title>i</title></image>"]
ENTRY_PARTS = [
    "<title>a &amp; b</title>", "<title type='html'>&lt;b&gt;c&lt;/b&gt;</title>",
    "<id>urn:e:{i}</id>", "<id>https://e.com/id/{i}</id>", "<link href='https://e.com/{i}'/>",
    "<link rel='enclosure' type='image/jpeg' href='/e{i}.jpg'/>", "<link rel='self' href='x'/>",
    "<summary>s {i}</summary>", "<summary type='html'>&lt;p&gt;s&lt;/p&gt;</summary>",
    "<content type='html'>&lt;p&gt;long content {i}&lt;/p&gt;</content>",
    "<updated>2018-02-2{d}T10:00:00Z</updated>", "<published>2018-02-1{d}T10:00:00+03:00"
    "</published>", "<author><name>n{d}</name><email>e@e.com</email></author>",
    "<category term='t{d}' label='l{d}'/>", "<category term='t{d}'/>",
    "<media:thumbnail url='https://e.com/t{i}.jpg'/>",
]


def random_feed(rng: random.Random) -> str:
    atom_feed = rng.random() < 0.3
    parts = ENTRY_PARTS if atom_feed else ITEM_PARTS
    items = []
    for i in range(rng.randrange(0, 6)):
        chosen = rng.sample(parts, rng.randrange(0, 8))
        body = "".join(p.format(i=i, d=rng.randrange(10)) for p in chosen)
        items.append(f"<entry>{body}</entry>" if atom_feed else item(body))
    if atom_feed:
        return atom("".join(items))
    channel = "".join(rng.sample(CHANNEL_PARTS, rng.randrange(0, len(CHANNEL_PARTS))))
    return rss("".join(items), channel=channel, version=rng.choice(["2.0", "0.91", "0.92"]))


def test_random_feeds() -> None:
    rng = random.Random(20180301)
    taken = 0
    for _ in range(300):
        taken += check(random_feed(rng))
    assert taken > 200  # most combinations are ordinary enough for the fast path

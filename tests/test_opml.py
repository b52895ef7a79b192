"""OPML import/export: parsing what readers write, refusing what is unsafe or broken
(all or nothing), and a round trip export -> fresh database -> import."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import FeedConfig
from bot.ops.feeds import NewFeed, add_all
from bot.ops.opml import OpmlError, parse_opml, render_opml
from bot.storage import Feed, Storage

FIXTURES = Path(__file__).parent / "fixtures" / "ops"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_parse_reader_export_categories_and_names() -> None:
    parsed = parse_opml(fixture("readers.opml"))
    got = [(f.name, f.url, f.category) for f in parsed.feeds]
    assert got == [
        ("بي بي سي عربي", "https://feeds.bbci.co.uk/arabic/rss.xml", "أخبار عربية"),
        ("فرانس 24", "https://www.france24.com/ar/rss", "أخبار عربية"),
        ("الاقتصادية", "https://www.aleqt.com/rss", "اقتصاد"),  # innermost folder, title=
        ("سكاي نيوز عربية", "https://www.skynewsarabia.com/rss", "رياضة"),  # category attr
        ("example.org", "http://example.org/feed.xml", ""),  # no name: the host
    ]
    assert not any(f.is_default for f in parsed.feeds)
    assert len(parsed.warnings) == 2
    assert "duplicate of body/outline[1]/outline[2]" in parsed.warnings[0]
    assert "'مجلد فارغ'" in parsed.warnings[1] and "empty outline" in parsed.warnings[1]


@pytest.mark.parametrize(("name", "message"), [
    ("billion-laughs.opml", "refused: the file declares a DTD"),
    ("external-entity.opml", "refused: the file declares a DTD"),
    ("not-xml.opml", "not well-formed XML"),
    ("rss-not-opml.xml", "not an OPML document: the root element is <rss>"),
])
def test_unsafe_or_broken_files_are_refused(name: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(OpmlError) as err:
        parse_opml(fixture(name), name)
    assert time.perf_counter() - started < 1  # nothing was expanded
    assert len(err.value.problems) == 1 and message in err.value.problems[0]
    assert str(err.value).startswith(f"opml: {name}: ")


def test_every_problem_is_reported() -> None:
    with pytest.raises(OpmlError) as err:
        parse_opml(fixture("half-bad.opml"))
    problems = err.value.problems
    assert len(problems) == 3
    assert problems[0] == "body/outline[3] ('بلا رابط'): feed outline without xmlUrl"
    assert "only http(s) feed URLs are allowed, got 'file:///etc/passwd'" in problems[1]
    assert "'javascript:alert(1)'" in problems[2]
    for bad in (b"", b"<opml><head/></opml>", b"<opml><body/></opml>", b"x" * 5_000_001):
        with pytest.raises(OpmlError):
            parse_opml(bad)


# --- the CLI, in-process, on real databases --------------------------------------------

def _config(home: Path, feeds: str = "") -> Path:
    path = home / "config.toml"
    path.write_text(f'[storage]\ndatabase = "{home / "db.sqlite3"}"\n{feeds}', encoding="utf-8")
    return path


def _db(home: Path, config_feeds: tuple[FeedConfig, ...] = (),
        extra: list[NewFeed] | None = None) -> None:
    async def go() -> None:
        storage = await Storage.open(str(home / "db.sqlite3"))
        try:
            await storage.feeds.sync_config(config_feeds)
            if extra:
                await storage.db.write(lambda c: add_all(c, extra, "cli"))
        finally:
            await storage.close()

    asyncio.run(go())


def _feeds(home: Path) -> list[Feed]:
    async def go() -> list[Feed]:
        storage = await Storage.open(str(home / "db.sqlite3"))
        try:
            return await storage.feeds.list()
        finally:
            await storage.close()

    return asyncio.run(go())


def _shape(feeds: list[Feed]) -> set[tuple]:
    return {(f.url, f.name, f.category, f.is_default, f.interval_seconds) for f in feeds}


def test_round_trip_export_import(tmp_path: Path, capsysbinary: pytest.CaptureFixture) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    _db(a, (FeedConfig("https://feeds.bbci.co.uk/arabic/rss.xml", "بي بي سي عربي", "عام",
                       True),
            FeedConfig("https://www.france24.com/ar/rss", "فرانس 24", "عام", True, 600)),
        [NewFeed("https://www.aleqt.com/rss", "الاقتصادية", "اقتصاد/أعمال"),
         NewFeed("https://x.example/feed?a=1&b=2", "بلا تصنيف <&>")])
    config_a = _config(a)

    assert main(["export-opml", "--config", str(config_a)]) == 0
    stdout = capsysbinary.readouterr().out
    text = stdout.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml')
    assert "بي بي سي عربي" in text and 'newsbot:default="true"' in text
    assert "&amp;b=2" in text and "&lt;&amp;&gt;" in text

    assert main(["export-opml", "--config", str(config_a), "-o", str(tmp_path / "x.opml")]) == 0
    capsysbinary.readouterr()
    assert (tmp_path / "x.opml").read_bytes().split(b"<dateCreated>")[0] == \
        stdout.split(b"<dateCreated>")[0]

    _db(b)  # a fresh database
    assert main(["import-opml", "--config", str(_config(b)), str(tmp_path / "x.opml")]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert "4 feed(s) added, 0 already present" in out
    assert _shape(_feeds(b)) == _shape(_feeds(a))
    assert {f.origin for f in _feeds(b)} == {"opml"}

    # importing again changes nothing
    assert main(["import-opml", "--config", str(_config(b)), str(tmp_path / "x.opml")]) == 0
    assert "0 feed(s) added, 4 already present" in capsysbinary.readouterr().out.decode()
    assert len(_feeds(b)) == 4


def test_bad_files_import_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _db(tmp_path, extra=[NewFeed("https://good.example/one.xml", "موجود")])
    config = str(_config(tmp_path))
    before = _shape(_feeds(tmp_path))
    for name in ("half-bad.opml", "billion-laughs.opml", "not-xml.opml"):
        assert main(["import-opml", "--config", config, str(FIXTURES / name)]) == 1
        err = capsys.readouterr().err
        assert f"newsbot: opml: {FIXTURES / name}:" in err and "nothing imported" in err
        assert "Traceback" not in err
        assert _shape(_feeds(tmp_path)) == before
    assert main(["import-opml", "--config", config, str(tmp_path / "missing.opml")]) == 1
    assert "cannot read" in capsys.readouterr().err

    # --dry-run shows, changes nothing; a real run adds only the new ones
    assert main(["import-opml", "--dry-run", "--config", config,
                 str(FIXTURES / "readers.opml")]) == 0
    assert "dry run: 5 feed(s) would add" in capsys.readouterr().out
    assert _shape(_feeds(tmp_path)) == before
    assert main(["import-opml", "--config", config, str(FIXTURES / "readers.opml")]) == 0
    captured = capsys.readouterr()
    assert "5 feed(s) added" in captured.out and "warning: " in captured.err
    assert len(_feeds(tmp_path)) == 6


SPELLINGS = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>t</title></head><body>
  <outline type="rss" text="one" xmlUrl="HTTPS://ONE.EXAMPLE:443/rss"/>
  <outline type="rss" text="two" xmlUrl="https://two.example./Feed?Id=A"/>
  <outline type="rss" text="two again" xmlUrl="https://Two.Example/Feed?Id=A#x"/>
  <outline type="rss" text="three" xmlUrl="https://xn--mgbh0fb.xn--wgbh1c/rss"/>
  <outline type="rss" text="new" xmlUrl="https://two.example/Feed?Id=a"/>
</body></opml>"""


def test_import_counts_another_spelling_of_a_feed_as_present(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _db(tmp_path, (FeedConfig("https://one.example/rss", "واحد"),),
        [NewFeed("https://two.example/Feed?Id=A", "اثنان"),
         NewFeed("https://مثال.مصر/rss", "ثلاثة")])
    config = str(_config(tmp_path))
    opml = tmp_path / "spellings.opml"
    opml.write_bytes(SPELLINGS)
    before = _shape(_feeds(tmp_path))
    for dry in (["--dry-run"], []):
        assert main(["import-opml", *dry, "--config", config, str(opml)]) == 0
        captured = capsys.readouterr()
        assert "body/outline[3] ('two again'): duplicate of body/outline[2]" in captured.err
        assert captured.out.splitlines()[-1] == (
            "dry run: 1 feed(s) would add, 3 already present" if dry
            else "1 feed(s) added, 3 already present")
    after = {f.url: f.name for f in _feeds(tmp_path)}
    assert set(after) == {f[0] for f in before} | {"https://two.example/Feed?Id=a"}
    assert after["https://two.example/Feed?Id=a"] == "new"


def test_render_groups_by_category_and_escapes() -> None:
    def feed(i: int, name: str, category: str, default: bool = False) -> Feed:
        return Feed(id=i, url=f"https://e.example/{i}", name=name, category=category,
                    is_default=default, origin="cli", interval_seconds=None, paused=False,
                    disabled_reason=None, etag=None, last_modified=None, body_hash=None,
                    initialized=False, next_poll_at=0, last_polled_at=None,
                    last_success_at=None, last_error=None, last_error_kind=None,
                    last_error_at=None, consecutive_failures=0, created_at=0)

    text = render_opml([feed(2, "ب", "عام"), feed(1, "أ", "عام", True), feed(3, "ج", "")])
    parsed = parse_opml(text.encode())
    assert [(f.name, f.category, f.is_default) for f in parsed.feeds] == [
        ("أ", "عام", True), ("ب", "عام", False), ("ج", "", False)]
    assert text.count('text="عام"') == 1  # one folder per category

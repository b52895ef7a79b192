"""``newsbot feeds list|add|remove`` on a real database (in-process CLI)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import FeedConfig
from bot.ops.feeds import NewFeed, feed_url_problem
from tests.test_opml import _config, _db, _feeds


def test_add_list_remove(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _db(tmp_path, (FeedConfig("https://a.example/rss", "المصدر أ", "عام", True),))
    config = str(_config(tmp_path))

    assert main(["feeds", "add", "--config", config, "https://b.example/feed.xml",
                 "--name", "  المصدر   ب ", "--category", "اقتصاد", "--default"]) == 0
    assert "added #2 المصدر ب <https://b.example/feed.xml>" in capsys.readouterr().out
    assert main(["feeds", "add", "--config", config, "https://c.example/rss"]) == 0
    capsys.readouterr()
    assert main(["feeds", "add", "--config", config, "https://c.example/rss"]) == 0
    assert "already present: #3 c.example (cli); nothing changed" in capsys.readouterr().out
    feeds = {f.id: f for f in _feeds(tmp_path)}
    assert (feeds[2].origin, feeds[2].name, feeds[2].category, feeds[2].is_default) == (
        "cli", "المصدر ب", "اقتصاد", True)
    assert feeds[3].name == "c.example"  # no --name: the host

    # status columns: one failing, one healthy, one never polled
    now = time.time()
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    with conn:
        conn.execute("UPDATE feeds SET last_success_at = ? WHERE id = 1", (now - 300,))
        conn.execute("UPDATE feeds SET consecutive_failures = 3, last_error = 'HTTP 503',"
                     " last_error_kind = 'status', last_error_at = ? WHERE id = 2", (now - 60,))
    conn.close()
    assert main(["feeds", "list", "--config", config]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "#1  المصدر أ  [config, default, category عام]"
    assert lines[1] == "    https://a.example/rss"
    assert lines[2].startswith("    ok, last success ") and "(5m ago)" in lines[2]
    assert lines[3] == "#2  المصدر ب  [cli, default, category اقتصاد]"
    assert lines[5].startswith("    failing (3 in a row), last error status ")
    assert lines[5].endswith("(60s ago): HTTP 503")
    assert lines[8] == "    never polled"
    assert lines[-1] == "3 feed(s)"

    assert main(["feeds", "remove", "--config", config, "2"]) == 0
    assert "removed #2 المصدر ب" in capsys.readouterr().out
    assert [f.id for f in _feeds(tmp_path)] == [1, 3]


def test_adding_another_spelling_of_a_feed_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _db(tmp_path, (FeedConfig("https://a.example/rss", "المصدر أ"),),
        [NewFeed("https://مثال.مصر/rss?Section=World", "مثال")])
    config = str(_config(tmp_path))
    for spelling in ("HTTPS://A.EXAMPLE/rss", "https://a.example:443/rss",
                     "https://a.example./rss#top"):
        assert main(["feeds", "add", "--config", config, spelling]) == 0
        assert capsys.readouterr().out == (
            "already present: #1 المصدر أ (config); nothing changed\n")
    for spelling in ("https://xn--mgbh0fb.xn--wgbh1c/rss?Section=World",
                     "https://مثال.مصر:443/rss?Section=World"):
        assert main(["feeds", "add", "--config", config, spelling]) == 0
        assert capsys.readouterr().out == "already present: #2 مثال (cli); nothing changed\n"
    assert len(_feeds(tmp_path)) == 2
    # the path and the query keep their case: these are other feeds
    assert main(["feeds", "add", "--config", config, "https://A.example/RSS"]) == 0
    assert capsys.readouterr().out == "added #3 a.example <https://a.example/RSS>\n"
    assert main(["feeds", "add", "--config", config,
                 "https://xn--mgbh0fb.xn--wgbh1c/rss?section=world"]) == 0
    assert "added #4 " in capsys.readouterr().out
    assert len(_feeds(tmp_path)) == 4


def test_refusals_are_one_line_and_exit_1(tmp_path: Path,
                                          capsys: pytest.CaptureFixture) -> None:
    _db(tmp_path, (FeedConfig("https://a.example/rss", "المصدر أ"),))
    config = str(_config(tmp_path))
    assert main(["feeds", "remove", "--config", config, "1"]) == 1
    err = capsys.readouterr().err
    assert "comes from the config file; remove it there" in err
    assert main(["feeds", "remove", "--config", config, "42"]) == 1
    assert "no feed #42" in capsys.readouterr().err
    for bad in ("ftp://a.example/x", "not a url", "https:///nohost", "file:///etc/passwd"):
        assert main(["feeds", "add", "--config", config, bad]) == 1
        assert capsys.readouterr().err.startswith("newsbot: feeds: ")
    assert len(_feeds(tmp_path)) == 1
    missing = tmp_path / "none"
    missing.mkdir()
    assert main(["feeds", "list", "--config", str(_config(missing))]) == 1
    assert "does not exist (start the bot first)" in capsys.readouterr().err


def test_feed_url_problem() -> None:
    assert feed_url_problem("https://a.example/rss?x=1") is None
    assert feed_url_problem("HTTP://A.example") is None
    assert "http(s)" in (feed_url_problem("gopher://a.example") or "")
    assert "whitespace" in (feed_url_problem("https://a.example/a b") or "")
    assert "no host" in (feed_url_problem("https://") or "")
    assert "not a valid URL" in (feed_url_problem("https://a.example:99999/") or "")

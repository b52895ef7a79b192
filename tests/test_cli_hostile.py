"""Operator input that used to end in "unexpected error", a traceback or a broken file:
config values past any sane range, deep nesting, control characters in names, OPML
oddities, out-of-range ids, an unknown time zone, a closed pipe. Each case gets a clear
one-line error (exit 1) or a usage/config error (exit 2), and nothing is half-written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import FeedConfig, load_config
from bot.errors import ConfigError
from bot.ops.feeds import NewFeed, feed_url_problem
from bot.ops.opml import MAX_DEPTH, OpmlError, parse_opml, render_opml
from tests.service import ROOT
from tests.test_opml import _config, _db, _feeds

TOKEN = "123456:ABCdefGhIJKlmnOPQrstuVWxyz0123456789"


def _problems(text: str | bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "c.toml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    with pytest.raises(ConfigError) as info:
        load_config(str(path), env={"NEWSBOT_TOKEN": TOKEN})
    return info.value.problems


# --- config ---------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "problem"), [
    ("[polling]\ninterval_seconds = 1000000000000000000000000000000",
     "polling.interval_seconds: 1000000000000000000000000000000 is out of range"),
    ("[polling]\ninterval_seconds = 9000000", "polling.interval_seconds: must be at most"
     " 2,592,000, got 9000000"),
    ("[polling]\nmax_body_bytes = 9223372036854775807",
     "polling.max_body_bytes: must be at most 1,000,000,000, got 9223372036854775807"),
    ("[polling]\ntimeout_seconds = inf", "polling.timeout_seconds: expected a finite number,"
     " got inf"),
    ("[polling]\npush_max_age_hours = nan", "polling.push_max_age_hours: expected a finite"
     " number, got nan"),
    ("[delivery]\nper_chat_interval_seconds = inf",
     "delivery.per_chat_interval_seconds: expected a finite number, got inf"),
    ("[retention]\narticles_days = 99999999", "retention.articles_days: must be at most"
     " 36,500, got 99999999"),
    ("[telegram]\nadmins = [1, 100000000000000000000]",
     "telegram.admins: 100000000000000000000 is out of range"),
    ('[[feeds]]\nurl = "https://a.example/rss"\ninterval_seconds = 10000000000000000000000',
     "feeds[0].interval_seconds: 10000000000000000000000 is out of range"),
])
def test_values_past_any_sane_setting_are_config_problems(
        line: str, problem: str, tmp_path: Path) -> None:
    """Before, these passed ``check-config`` and crashed the service later (OverflowError
    once the lease was taken)."""
    problems = _problems(line + "\n", tmp_path)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_deeply_nested_toml_is_a_config_problem(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    """tomllib recurses: 5,000 nested arrays raised RecursionError, exit 1 ("unexpected
    error"), where systemd is told by exit 2 not to restart on a bad config."""
    path = tmp_path / "c.toml"
    path.write_text("[polling]\nconcurrency = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "invalid TOML: arrays or tables nested too deeply" in err
    assert "unexpected error" not in err


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbf[polling]\ninterval_seconds = 600\n")
    assert load_config(str(path), env={"NEWSBOT_TOKEN": TOKEN}).polling.interval_seconds == 600


def test_control_characters_are_cleaned_from_feed_names(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[feeds]]\nurl = "https://a.example/rss"\nname = "\\u0000"\n'
                    'category = "ع\\u202eام\\t"\n\n[[feeds]]\nurl = "https://b.example/rss"\n'
                    'name = "مصدر\\u0001 ب"\n')
    feeds = load_config(str(path), env={"NEWSBOT_TOKEN": TOKEN}).feeds
    assert [(f.name, f.category) for f in feeds] == [("a.example", "عام"), ("مصدر ب", "")]


# --- feeds and OPML -------------------------------------------------------------------

def test_names_with_control_characters_export_an_opml_that_imports(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """``feeds add --name`` with a control character: the export was not well-formed XML,
    so newsbot could not import its own file."""
    _db(tmp_path)
    config = str(_config(tmp_path))
    assert main(["feeds", "add", "--config", config, "https://ctl.example/rss",
                 "--name", "bad\x01name\u202e", "--category", "c\x02at"]) == 0
    assert "added #1 badname <https://ctl.example/rss>" in capsys.readouterr().out
    assert [(f.name, f.category) for f in _feeds(tmp_path)] == [("badname", "cat")]

    # rows stored before names were cleaned are cleaned again on export
    stored = _feeds(tmp_path)[0]
    old_row = type(stored)(**{**{k: getattr(stored, k) for k in stored.__slots__},
                              "name": "old\x0bname", "category": "x\x00y"})
    parsed = parse_opml(render_opml([old_row]).encode("utf-8"))
    assert [(f.name, f.category) for f in parsed.feeds] == [("oldname", "xy")]

    assert main(["export-opml", "--config", config, "-o", str(tmp_path / "e.opml")]) == 0
    home = tmp_path / "again"
    home.mkdir()
    _db(home)
    assert main(["import-opml", "--config", str(_config(home)), str(tmp_path / "e.opml")]) == 0
    assert [(f.name, f.category) for f in _feeds(home)] == [("badname", "cat")]


@pytest.mark.parametrize(("interval", "problem"), [
    ("²²", "newsbot:interval must be an integer from 10 to 2,592,000 (seconds), got '²²'"),
    ("1000000000000000000000000000000", "got '1000000000000000000000000000000'"),
    ("5", "got '5'"),
])
def test_opml_intervals_out_of_range_are_problems(interval: str, problem: str) -> None:
    """"²" is a digit to str.isdigit but not to int(): a ValueError ended the import."""
    data = ('<opml version="2.0" xmlns:newsbot="urn:newsbot:opml"><body>'
            f'<outline xmlUrl="https://a.example/rss" newsbot:interval="{interval}"/>'
            '</body></opml>').encode()
    with pytest.raises(OpmlError) as info:
        parse_opml(data)
    assert len(info.value.problems) == 1 and problem in info.value.problems[0]


def test_opml_interval_in_arabic_indic_digits_imports() -> None:
    data = ('<opml version="2.0" xmlns:newsbot="urn:newsbot:opml"><body>'
            '<outline xmlUrl="https://a.example/rss" newsbot:interval="٦٠٠"/>'
            '</body></opml>').encode()
    assert parse_opml(data).feeds[0].interval_seconds == 600


def test_deeply_nested_opml_is_a_problem_not_a_crash() -> None:
    """990 nested folders (a 28 KB file) raised RecursionError."""
    depth = 990
    data = ("<opml><body>" + '<outline text="f">' * depth
            + '<outline xmlUrl="https://a.example/rss"/>' + "</outline>" * depth
            + "</body></opml>").encode()
    with pytest.raises(OpmlError) as info:
        parse_opml(data)
    assert info.value.problems == [
        "body" + "/outline[1]" * MAX_DEPTH + f": outlines nested more than {MAX_DEPTH} levels"
        " deep"]
    shallow = ("<opml><body>" + '<outline text="f">' * (MAX_DEPTH - 1)
               + '<outline xmlUrl="https://a.example/rss"/>' + "</outline>" * (MAX_DEPTH - 1)
               + "</body></opml>").encode()
    assert [f.category for f in parse_opml(shallow).feeds] == ["f"]


@pytest.mark.parametrize("url", ["https://a.example/\x7frss", "https://a.example/\u202erss",
                                 "https://a.example/r\u200fss"])
def test_feed_urls_with_invisible_characters_are_refused(url: str) -> None:
    assert "whitespace or control characters" in (feed_url_problem(url) or "")


# --- command-line arguments -----------------------------------------------------------

def test_an_id_past_sqlite_integers_is_a_usage_error(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    _db(tmp_path, (FeedConfig("https://a.example/rss", "أ"),))
    with pytest.raises(SystemExit) as info:
        main(["feeds", "remove", "--config", str(_config(tmp_path)), "9223372036854775808"])
    assert info.value.code == 2
    assert "must be from 1 to 9,223,372,036,854,775,807" in capsys.readouterr().err


def test_an_unknown_time_zone_is_refused_before_anything_is_fetched(
        capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        main(["preview", "--tz", "Bogus/Zone", "http://127.0.0.1:9/never-fetched"])
    assert info.value.code == 2
    assert "unknown time zone 'Bogus/Zone'" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["localtime", "Factory", "posix/Asia/Riyadh"])
def test_a_zone_key_that_names_no_place_is_refused(name: str,
                                                   capsys: pytest.CaptureFixture) -> None:
    """`--tz localtime` dated the preview in the machine's own zone."""
    with pytest.raises(SystemExit) as info:
        main(["preview", "--tz", name, "http://127.0.0.1:9/never-fetched"])
    assert info.value.code == 2
    assert f"unknown time zone {name!r}" in capsys.readouterr().err


def test_read_commands_refuse_an_empty_file(tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "db.sqlite3").write_bytes(b"")
    assert main(["stats", "--config", str(_config(tmp_path))]) == 1
    assert "is an empty file (start the bot first)" in capsys.readouterr().err
    assert (tmp_path / "db.sqlite3").read_bytes() == b""


def test_output_into_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    """`newsbot feeds list | head -1`: "unexpected error: BrokenPipeError" before."""
    _db(tmp_path, extra=[NewFeed(f"https://f{i}.example/rss", f"مصدر {i}")
                         for i in range(3000)])
    config = _config(tmp_path)
    done = subprocess.run(
        f"{sys.executable} -m bot feeds list --config {config} | head -1",
        shell=True, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.startswith("#1  مصدر 0"), done.stdout
    assert done.stderr == ""


def test_export_replaces_a_file_keeping_its_mode_and_writes_through_links(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The export was always mode 0600, replaced a symbolic link by a file (its target
    left stale) and replaced a device such as /dev/full by a regular file."""
    _db(tmp_path, (FeedConfig("https://a.example/rss", "أ"),))
    config = str(_config(tmp_path))
    shared = tmp_path / "shared.opml"
    shared.write_text("old")
    shared.chmod(0o644)
    link = tmp_path / "link.opml"
    link.symlink_to(shared)
    assert main(["export-opml", "--config", config, "-o", str(link)]) == 0
    assert link.is_symlink() and b"https://a.example/rss" in shared.read_bytes()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    old = os.umask(0o027)
    try:
        assert main(["export-opml", "--config", config, "-o", str(tmp_path / "new.opml")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.opml").stat().st_mode) == 0o640
    os.mkfifo(tmp_path / "pipe")
    reader = subprocess.Popen(["cat", str(tmp_path / "pipe")], stdout=subprocess.PIPE)
    assert main(["export-opml", "--config", config, "-o", str(tmp_path / "pipe")]) == 0
    assert b"https://a.example/rss" in reader.communicate(timeout=10)[0]
    assert stat.S_ISFIFO((tmp_path / "pipe").stat().st_mode)  # still a pipe, not a file
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

"""Config: every problem named with its key path; the token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Secret, load_config, parse_config, resolve_path
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGhIJKlmnOPQrstuVWxyz0123456789"


def problems_of(text: str, tmp_path: Path, env: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(str(path), env=env or {})
    return info.value.problems


def test_example_config_is_valid_with_a_token() -> None:
    config = load_config(str(ROOT / "config.example.toml"), env={"NEWSBOT_TOKEN": TOKEN})
    assert config.telegram.token.reveal() == TOKEN
    assert config.telegram.api_url == "https://api.telegram.org/bot"
    assert config.polling.interval_seconds == 300
    assert config.delivery.messages_per_second == 30
    assert any(f.default for f in config.feeds)
    assert "feed(s)" in config.summary()


def test_example_config_without_token_names_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(str(ROOT / "config.example.toml"), env={})
    assert info.value.problems == [
        "telegram.token: missing (set it in the file or in $NEWSBOT_TOKEN)"]


def test_env_token_wins_over_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[telegram]\ntoken = "1:file"\n', encoding="utf-8")
    config = load_config(str(path), env={"NEWSBOT_TOKEN": "2:env"})
    assert config.telegram.token.reveal() == "2:env"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """
[telegram]
token = "1:x"
admins = [1, "two"]
colour = "red"
api_url = "https://api.telegram.org/bot/"

[polling]
interval_seconds = "five"
allow_private_addresses = 1
push_max_age_hours = -1

[delivery]
messages_per_second = 0

[[feeds]]
url = "https://a.example/rss"

[[feeds]]
url = "https://A.example/rss"

[[feeds]]
url = "file:///etc/passwd"
nam = "typo"

[extra]
x = 1
"""
    problems = problems_of(text, tmp_path)
    joined = "\n".join(problems)
    for expected in [
        "telegram.admins: user ids must be integers, got 'two'",
        "telegram.colour: unknown key",
        "telegram.api_url: must not end with '/'",
        "polling.interval_seconds: expected an integer, got a string 'five'",
        "polling.allow_private_addresses: expected true or false",
        "polling.push_max_age_hours: must be >= 0",
        "delivery.messages_per_second: must be greater than 0",
        "feeds[1].url: duplicate of feeds[0].url",
        "feeds[2].url: expected an http(s) URL",
        "feeds[2].nam: unknown key",
        "extra: unknown key",
    ]:
        assert expected in joined, f"{expected!r} not in:\n{joined}"


def test_broken_toml_is_one_clear_problem(tmp_path: Path) -> None:
    problems = problems_of("[telegram\ntoken = 1", tmp_path)
    assert len(problems) == 1 and problems[0].startswith("invalid TOML:")


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(str(tmp_path / "nope.toml"), env={})
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(str(tmp_path / "bin.toml"), env={})


def test_wrong_section_types(tmp_path: Path) -> None:
    problems = problems_of('telegram = "x"\nfeeds = {url = "x"}\n', tmp_path)
    assert "telegram: expected a table, got a string" in problems
    assert any(p.startswith("feeds: expected [[feeds]] tables") for p in problems)


def test_token_never_in_repr_or_errors(tmp_path: Path) -> None:
    config = parse_config({"telegram": {"token": TOKEN}}, env={})
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config.telegram)
    assert repr(Secret(TOKEN)) == "Secret('***')"
    path = tmp_path / "c.toml"
    path.write_text(f'[telegram]\ntoken = "{TOKEN}"\nadmins = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(str(path), env={})
    assert TOKEN not in str(info.value)


def test_webhook_mode_needs_url() -> None:
    with pytest.raises(ConfigError, match="webhook_url"):
        parse_config({"telegram": {"token": "1:x", "mode": "webhook"}}, env={})


def test_defaults_and_frozen() -> None:
    config = parse_config({"telegram": {"token": "1:x"}}, env={})
    assert config.storage.database == "newsbot.sqlite3"
    assert config.polling.allow_private_addresses is False
    assert config.polling.push_max_age_hours == 72.0
    off = parse_config({"telegram": {"token": "1:x"}, "polling": {"push_max_age_hours": 0}},
                       env={})
    assert off.polling.push_max_age_hours == 0.0
    with pytest.raises(AttributeError):
        config.polling.concurrency = 3  # type: ignore[misc]


def test_resolve_path_order() -> None:
    assert resolve_path("a.toml", {"NEWSBOT_CONFIG": "b.toml"}) == "a.toml"
    assert resolve_path(None, {"NEWSBOT_CONFIG": "b.toml"}) == "b.toml"
    assert resolve_path(None, {}) == "config.toml"


def test_feed_name_defaults_to_host() -> None:
    config = parse_config({"telegram": {"token": "1:x"},
                           "feeds": [{"url": "https://news.example/rss"}]}, env={})
    assert config.feeds[0].name == "news.example"


def test_feed_urls_that_name_one_resource_are_duplicates(tmp_path: Path) -> None:
    spellings = ["https://a.example/rss", "HTTPS://A.EXAMPLE/rss", "https://a.example:443/rss",
                 "https://a.example./rss", "https://xn--mgbh0fb.xn--wgbh1c/rss",
                 "https://مثال.مصر/rss"]
    text = "".join(f'[[feeds]]\nurl = "{url}"\n' for url in spellings)
    problems = problems_of(text, tmp_path, env={"NEWSBOT_TOKEN": TOKEN})
    assert problems == [
        "feeds[1].url: duplicate of feeds[0].url (HTTPS://A.EXAMPLE/rss)",
        "feeds[2].url: duplicate of feeds[0].url (https://a.example:443/rss)",
        "feeds[3].url: duplicate of feeds[0].url (https://a.example./rss)",
        "feeds[5].url: duplicate of feeds[4].url (https://مثال.مصر/rss)",
    ]
    # the path and the query are not the same in another case
    text = ('[[feeds]]\nurl = "https://a.example/rss?s=A"\n'
            '[[feeds]]\nurl = "https://a.example/rss?s=a"\n'
            '[[feeds]]\nurl = "https://a.example/RSS?s=a"\n')
    path = tmp_path / "ok.toml"
    path.write_text(text, encoding="utf-8")
    assert len(load_config(str(path), env={"NEWSBOT_TOKEN": TOKEN}).feeds) == 3

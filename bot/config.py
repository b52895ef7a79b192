"""Configuration: one TOML file, loaded once into frozen, typed objects.

Every problem in a file is reported at once, each with its key path
(``polling.interval_seconds: expected an integer, got "five"``). Unknown keys are errors.
The token comes from ``telegram.token`` or the ``NEWSBOT_TOKEN`` environment variable,
which wins when set. The token never appears in ``repr``, logs or error messages.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.controls import clean_label
from bot.dedup.urls import canonical_feed_url
from bot.errors import ConfigError

DEFAULT_PATH = "config.toml"
ENV_CONFIG = "NEWSBOT_CONFIG"
ENV_TOKEN = "NEWSBOT_TOKEN"
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Secret(str):
    """A string that never shows itself in ``repr`` or formatting by mistake."""

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"

    def reveal(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: Secret = field(default_factory=lambda: Secret(""), repr=False)
    api_url: str = "https://api.telegram.org/bot"
    admins: tuple[int, ...] = ()
    mode: str = "polling"  # polling | webhook
    webhook_url: str = ""  # public https URL Telegram posts updates to
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    secret_token: Secret = field(default_factory=lambda: Secret(""), repr=False)


@dataclass(frozen=True, slots=True)
class StorageConfig:
    database: str = "newsbot.sqlite3"


@dataclass(frozen=True, slots=True)
class PollingConfig:
    interval_seconds: int = 300
    concurrency: int = 16
    allow_private_addresses: bool = False
    per_host_concurrency: int = 2
    timeout_seconds: float = 20.0
    max_body_bytes: int = 5_000_000
    max_consecutive_failures: int = 100  # then the feed is disabled until an admin resumes it
    push_max_age_hours: float = 72.0  # older new articles are stored, not pushed; 0: no limit


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    messages_per_second: int = 30
    per_chat_interval_seconds: float = 1.0
    group_messages_per_minute: int = 20


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    level: str = "INFO"
    format: str = "text"  # text | json


@dataclass(frozen=True, slots=True)
class HttpConfig:
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 9108


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    articles_days: int = 180
    outbox_days: int = 14


@dataclass(frozen=True, slots=True)
class FeedConfig:
    url: str
    name: str = ""
    category: str = ""
    default: bool = False
    interval_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    polling: PollingConfig = field(default_factory=PollingConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    feeds: tuple[FeedConfig, ...] = ()
    path: str | None = None

    def summary(self) -> str:
        """One line describing what this config does (for ``check-config``)."""
        defaults = sum(1 for f in self.feeds if f.default)
        return (
            f"{len(self.feeds)} feed(s) ({defaults} default), {len(self.telegram.admins)} "
            f"admin(s), database {self.storage.database}, mode {self.telegram.mode}, "
            f"poll every {self.polling.interval_seconds}s, "
            f"{self.delivery.messages_per_second} msg/s"
        )


# --- validation ------------------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns a problem description or None


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _http_url(v: str) -> str | None:
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"expected an http(s) URL, got {v!r}"
    return None


def _positive(v: float) -> str | None:
    return None if v > 0 else f"must be greater than 0, got {v}"


def _upto(most: float, least: float | None = None) -> Check:
    """Greater than 0 (or at least ``least``) and at most ``most``: a value past any sane
    setting (a 10**30-second interval) would overflow later, in the running service."""
    def check(v: float) -> str | None:
        if least is None:
            problem = _positive(v)
        else:
            problem = None if v >= least else f"must be >= {least:g}, got {v}"
        if problem is None and v > most:
            problem = f"must be at most {most:,}, got {v}"
        return problem

    return check


#: A feed's polling interval, in seconds: 10 s to 30 days.
INTERVAL_MIN, INTERVAL_MAX = 10, 30 * 86400
_INTERVAL = _upto(INTERVAL_MAX, least=INTERVAL_MIN)
# Any integer must fit SQLite's INTEGER (and datetime arithmetic); the keys set tighter
# limits of their own.
_INT_MAX = 2**63 - 1


def _port(v: int) -> str | None:
    return None if 0 < v < 65536 else f"must be a port number 1-65535, got {v}"


def _one_of(*options: str) -> Check:
    def check(v: str) -> str | None:
        return None if v in options else f"must be one of {', '.join(options)}; got {v!r}"

    return check


def _api_url(v: str) -> str | None:
    problem = _http_url(v)
    if problem:
        return problem
    if v.endswith("/"):
        return "must not end with '/' (the token is appended directly, e.g. .../bot)"
    return None


def _log_level(v: str) -> str | None:
    return _one_of("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")(v.upper())


# section -> key -> (type, extra check)
_SCHEMA: dict[str, dict[str, tuple[str, Check | None]]] = {
    "telegram": {
        "token": ("str", None),
        "api_url": ("str", _api_url),
        "admins": ("int_list", None),
        "mode": ("str", _one_of("polling", "webhook")),
        "webhook_url": ("str", lambda v: _http_url(v) if v else None),
        "webhook_listen": ("str", None),
        "webhook_port": ("int", _port),
        "secret_token": ("str", None),
    },
    "storage": {"database": ("str", lambda v: None if v.strip() else "must not be empty")},
    "polling": {
        "interval_seconds": ("int", _INTERVAL),
        "concurrency": ("int", _upto(1000)),
        "allow_private_addresses": ("bool", None),
        "per_host_concurrency": ("int", _upto(100)),
        "timeout_seconds": ("number", _upto(3600)),
        "max_body_bytes": ("int", _upto(1_000_000_000)),
        "max_consecutive_failures": ("int", _upto(1_000_000)),
        "push_max_age_hours": ("number", _upto(100 * 365 * 24, least=0)),
    },
    "delivery": {
        "messages_per_second": ("int", _upto(1000)),
        "per_chat_interval_seconds": ("number", _upto(3600, least=0)),
        "group_messages_per_minute": ("int", _upto(1000)),
    },
    "logging": {"level": ("str", _log_level), "format": ("str", _one_of("text", "json"))},
    "http": {"enabled": ("bool", None), "host": ("str", None), "port": ("int", _port)},
    "retention": {"articles_days": ("int", _upto(100 * 365)),
                  "outbox_days": ("int", _upto(100 * 365))},
}
_FEED_SCHEMA: dict[str, tuple[str, Check | None]] = {
    "url": ("str", _http_url),
    "name": ("str", None),
    "category": ("str", None),
    "default": ("bool", None),
    "interval_seconds": ("int", _INTERVAL),
}


def _check_value(path: str, kind: str, value: Any, problems: list[str]) -> Any:
    """Type-check one value; record a problem and return None when it is wrong."""
    ok = {
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
        "int": _is_int(value),
        "number": (_is_int(value) or isinstance(value, float)),
        "int_list": isinstance(value, list) and all(_is_int(x) for x in value),
    }[kind]
    if ok and kind == "number" and not math.isfinite(value):
        problems.append(f"{path}: expected a finite number, got {value!r}")
        return None
    out_of_range = [x for x in (value if kind == "int_list" else [value])
                    if _is_int(x) and not -_INT_MAX <= x <= _INT_MAX]
    if ok and out_of_range:
        problems.append(f"{path}: {out_of_range[0]} is out of range")
        return None
    if ok:
        return float(value) if kind == "number" else value
    if kind == "int_list":
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list of integer user ids, got {_type_name(value)}")
        else:
            bad = [x for x in value if not _is_int(x)]
            problems.append(f"{path}: user ids must be integers, got {bad[0]!r}")
        return None
    want = {"str": "a string", "bool": "true or false", "int": "an integer", "number": "a number"}
    problems.append(f"{path}: expected {want[kind]}, got {_type_name(value)} {value!r}")
    return None


def _section(
    name: str,
    raw: Any,
    schema: Mapping[str, tuple[str, Check | None]],
    problems: list[str],
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if not isinstance(raw, dict):
        problems.append(f"{name}: expected a table, got {_type_name(raw)}")
        return values
    for key, value in raw.items():
        path = f"{name}.{key}"
        if key not in schema:
            problems.append(f"{path}: unknown key")
            continue
        kind, check = schema[key]
        checked = _check_value(path, kind, value, problems)
        if checked is None:
            continue
        problem = check(checked) if check else None
        if problem:
            problems.append(f"{path}: {problem}")
            continue
        values[key] = tuple(checked) if kind == "int_list" else checked
    return values


def parse_config(data: Mapping[str, Any], env: Mapping[str, str] | None = None,
                 path: str | None = None, require_token: bool = True) -> Config:
    """Build a :class:`Config` from parsed TOML; raise :class:`ConfigError` listing every
    problem. ``env`` defaults to ``os.environ`` (for ``NEWSBOT_TOKEN``)."""
    env = os.environ if env is None else env
    problems: list[str] = []
    sections: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if key == "feeds":
            continue
        if key not in _SCHEMA:
            problems.append(f"{key}: unknown key")
            continue
        sections[key] = _section(key, value, _SCHEMA[key], problems)

    feeds: list[FeedConfig] = []
    raw_feeds = data.get("feeds", [])
    if not isinstance(raw_feeds, list):
        problems.append(f"feeds: expected [[feeds]] tables, got {_type_name(raw_feeds)}")
        raw_feeds = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_feeds):
        where = f"feeds[{i}]"
        values = _section(where, raw, _FEED_SCHEMA, problems)
        if isinstance(raw, dict) and "url" not in raw:
            problems.append(f"{where}.url: missing")
            continue
        if "url" not in values:
            continue
        key = canonical_feed_url(values["url"])
        if key in seen:
            problems.append(f"{where}.url: duplicate of feeds[{seen[key]}].url ({values['url']})")
            continue
        seen[key] = i
        for label in ("name", "category"):
            if label in values:
                values[label] = clean_label(values[label])
        if not values.get("name"):
            values["name"] = urlsplit(values["url"]).hostname or values["url"]
        feeds.append(FeedConfig(**values))

    tg = sections.get("telegram", {})
    token = env.get(ENV_TOKEN) or tg.get("token", "")
    tg["token"] = Secret(token.strip())
    tg["secret_token"] = Secret(tg.get("secret_token", ""))
    if require_token and not tg["token"]:
        problems.append(f"telegram.token: missing (set it in the file or in ${ENV_TOKEN})")
    elif tg["token"] and (":" not in tg["token"] or any(c.isspace() for c in tg["token"])):
        problems.append("telegram.token: does not look like a bot token (expected <id>:<secret>)")
    if tg.get("mode") == "webhook" and not tg.get("webhook_url"):
        problems.append("telegram.webhook_url: required when telegram.mode = \"webhook\"")
    if tg.get("mode") == "webhook" and not _SECRET_TOKEN_RE.fullmatch(tg["secret_token"]):
        problems.append(
            "telegram.secret_token: " + ("required" if not tg["secret_token"] else "invalid")
            + " when telegram.mode = \"webhook\": 1-256 characters A-Z a-z 0-9 _ - "
            "(Telegram sends it with every update; requests without it are refused)")
    if problems:
        raise ConfigError(problems, path)

    def build(cls: type, name: str) -> Any:
        allowed = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in sections.get(name, {}).items() if k in allowed})

    return Config(
        telegram=TelegramConfig(**tg),
        storage=build(StorageConfig, "storage"),
        polling=build(PollingConfig, "polling"),
        delivery=build(DeliveryConfig, "delivery"),
        logging=build(LoggingConfig, "logging"),
        http=build(HttpConfig, "http"),
        retention=build(RetentionConfig, "retention"),
        feeds=tuple(feeds),
        path=path,
    )


def resolve_path(path: str | None, env: Mapping[str, str] | None = None) -> str:
    """The config path to use: the argument, else ``$NEWSBOT_CONFIG``, else ./config.toml."""
    env = os.environ if env is None else env
    return path or env.get(ENV_CONFIG) or DEFAULT_PATH


def load_config(path: str | None = None, env: Mapping[str, str] | None = None,
                require_token: bool = True) -> Config:
    """Read, parse and validate the config file; raise :class:`ConfigError` on any problem."""
    resolved = resolve_path(path, env)
    try:
        raw = Path(resolved).read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"file not found: {resolved}"], resolved) from None
    except OSError as exc:
        raise ConfigError([f"cannot read {resolved}: {exc.strerror or exc}"], resolved) from None
    try:
        text = raw.decode("utf-8-sig")  # the BOM some Windows editors write is no error
    except UnicodeDecodeError as exc:
        raise ConfigError([f"not UTF-8 text (byte {exc.start})"], resolved) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"invalid TOML: {exc}"], resolved) from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ConfigError(["invalid TOML: arrays or tables nested too deeply"],
                          resolved) from None
    return parse_config(data, env=env, path=resolved, require_token=require_token)

"""``python -m bot.ops.healthcheck [--config PATH]``: probe the running service's /healthz.

For container health checks (the Dockerfile's HEALTHCHECK) and monitoring scripts. Reads
the config (no token needed): when ``[http] enabled`` is false there is no endpoint to
ask, so it says so and exits 0 (the check is then meaningless: enable [http] to get a
real one). Otherwise it GETs ``http://HOST:PORT/healthz`` (0.0.0.0 / :: are probed on
loopback) and exits 0 on 200 (healthy or a standby), 1 on anything else, printing the
reasons. Standard library only, no event loop: cheap enough to run every 30 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

from bot.config import load_config
from bot.errors import ConfigError

TIMEOUT = 5.0


def url_for(host: str, port: int) -> str:
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.healthcheck",
                                     description="probe newsbot's /healthz")
    parser.add_argument("--config", metavar="PATH")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config, require_token=False)
    except ConfigError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1
    if not config.http.enabled:
        print("healthcheck: [http] is disabled in the config; nothing to probe (exit 0)")
        return 0
    url = url_for(config.http.host, config.http.port)
    try:
        # no proxies: the endpoint is local, and an http_proxy variable must not divert it
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=TIMEOUT) as resp:
            body = resp.read().decode("utf-8", "replace")
            status = resp.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode("utf-8", "replace"), exc.code
    except (OSError, urllib.error.URLError) as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    if status == 200:
        print(f"healthcheck: {data.get('status', 'ok')} ({data.get('role', '?')})")
        return 0
    reasons = "; ".join(data.get("reasons") or []) or body[:200]
    print(f"healthcheck: HTTP {status}: {reasons}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())

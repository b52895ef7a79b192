"""Operations: the /healthz and /metrics endpoint, the single-instance lease, OPML.

- ``bot.ops.lease.InstanceLease``: only the lease holder talks to Telegram and sends;
- ``bot.ops.http.OpsServer`` + ``bot.ops.health.judge``: the ``[http]`` endpoint;
- ``bot.ops.opml``: OPML import/export of the feed list (safe XML parsing).

Retention (pruning old rows) is ``bot.storage._maintenance``, run by ``jobs.maintenance``.
"""

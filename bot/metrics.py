"""Process metrics (Prometheus) and liveness heartbeats.

Every stage increments its counters here; the ``[http]`` endpoint serves ``REGISTRY``
at /metrics and judges /healthz from the heartbeats. A private registry keeps tests and
embedded uses from colliding with anything else in the process.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter("newsbot_polls", "Feed polls by result (ok, not_modified, error)",
                ["result"], registry=REGISTRY)
FETCH_ERRORS = Counter("newsbot_fetch_errors", "Feed and article fetch errors by kind",
                       ["kind"], registry=REGISTRY)
ARTICLES_STORED = Counter("newsbot_articles_stored", "New articles stored",
                          registry=REGISTRY)
OUTBOX_PENDING = Gauge("newsbot_outbox_pending", "Outbox rows waiting to be sent (digest "
                       "rows included)", registry=REGISTRY)
OUTBOX_DIGEST_WAITING = Gauge("newsbot_outbox_digest_waiting",
                              "Outbox rows of digest-mode chats waiting for their digest",
                              registry=REGISTRY)
SENDS = Counter("newsbot_sends", "Messages sent by result (sent, failed, blocked, retried, "
                "migrated)", ["result"], registry=REGISTRY)
SEND_SECONDS = Histogram("newsbot_send_seconds", "Bot API send latency", registry=REGISTRY,
                         buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
LAST_POLL = Gauge("newsbot_last_poll_timestamp_seconds", "When the poller last ran",
                  registry=REGISTRY)
LAST_DELIVERY = Gauge("newsbot_last_delivery_timestamp_seconds",
                      "When the delivery worker last completed a cycle", registry=REGISTRY)
OUTBOX_OLDEST_DUE_AGE = Gauge("newsbot_outbox_oldest_due_age_seconds",
                              "Age of the oldest outbox row that is due and still pending "
                              "(0 when none; a digest's rows are due once its moment has "
                              "passed without it)", registry=REGISTRY)
LAST_DIGEST = Gauge("newsbot_last_digest_run_timestamp_seconds",
                    "When the digest job last completed a run", registry=REGISTRY)
INSTANCE_ACTIVE = Gauge("newsbot_instance_active",
                        "1 while this process holds the single-instance lease (sends), "
                        "0 while it waits as a standby or after losing it", registry=REGISTRY)
DATABASE_FULL = Gauge("newsbot_database_full",
                      "1 while writes to the database are refused because its disk is full",
                      registry=REGISTRY)
RETENTION_DELETED = Counter("newsbot_retention_deleted", "Rows deleted by retention by table",
                            ["table"], registry=REGISTRY)
UPDATES_DROPPED = Counter("newsbot_updates_dropped", "Incoming updates dropped because their "
                          "chat already had a full backlog (a flood)", registry=REGISTRY)
WEBHOOK_REJECTED = Counter("newsbot_webhook_rejected", "Webhook requests refused, by reason "
                           "(secret, content_type, too_large, malformed)", ["reason"],
                           registry=REGISTRY)

_heartbeats: dict[str, float] = {}
_GAUGES = {"poll": LAST_POLL, "delivery": LAST_DELIVERY, "digest": LAST_DIGEST}


def heartbeat(name: str) -> None:
    """Record that the loop called ``name`` (poll, delivery, digest) is alive right now."""
    now = time.time()
    _heartbeats[name] = now
    gauge = _GAUGES.get(name)
    if gauge is not None:
        gauge.set(now)


def last_heartbeat(name: str) -> float | None:
    return _heartbeats.get(name)


def reset_heartbeats() -> None:
    """Forget every heartbeat (a new service in the same process; tests)."""
    _heartbeats.clear()

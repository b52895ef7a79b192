"""/healthz: is the service doing its job? A pure judgement over a few figures.

The rules (README "Health and metrics" repeats them):

- **poll** stalls when there is at least one enabled feed and the poll loop's heartbeat
  (``bot.metrics.heartbeat("poll")``, marked after every poll cycle, including cycles
  with nothing due) is older than ``3 × polling.interval_seconds`` (at least
  :data:`MIN_POLL_STALL` seconds). Before the first heartbeat the clock starts when the
  service became active. With no enabled feed there is nothing to poll: healthy.
- **delivery** stalls when an outbox row has been due (``max(created_at, not_before)``)
  for more than :data:`DELIVERY_BACKLOG` seconds *and* the delivery heartbeat
  (``heartbeat("delivery")``, marked after every delivery cycle) is older than
  :data:`DELIVERY_HEARTBEAT` seconds (or missing that long since the service became
  active). A long queue that is moving (a big broadcast) is healthy; an idle worker with
  nothing due is healthy. Headlines waiting for a digest are not the worker's.
- **digests** stall when a digest-mode chat's headlines have been due (its digest moment
  passed without the digest: ``bot.delivery.schedule.digest_due_since``; not while they
  wait for it, up to a day) for more than :data:`DELIVERY_BACKLOG` seconds *and* the
  digest job's heartbeat (``heartbeat("digest")``, marked after every run, every minute)
  is older than :data:`DIGEST_HEARTBEAT` seconds (or missing that long since the
  service became active).
- **instance**: a standby (waiting for the single-instance lease) is healthy and says so
  (``"status": "standby"``); a process that lost its lease is not, nor one whose lease
  cannot be renewed because the database is full (``"role": "suspended"``: it sends
  nothing until the renewal works again), nor one still waiting to open its database
  (``"role": "starting"``).
- **database**: the figures could not be read, or writes are being refused because the
  disk is full (a "database full" episode, ``bot.storage._db``: from the first refused
  write until writes work again for a minute): not healthy.

Healthy answers 200, anything else 503; the JSON body always has ``status``, ``role``,
``reasons`` (empty when healthy) and the figures each rule used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIN_POLL_STALL = 60.0
POLL_STALL_FACTOR = 3
DELIVERY_BACKLOG = 300.0
DELIVERY_HEARTBEAT = 120.0
DIGEST_HEARTBEAT = 180.0  # the digest job runs every minute


@dataclass(frozen=True, slots=True)
class HealthInput:
    now: float
    role: str  # active | standby | suspended | lost | starting
    active_since: float | None  # when this process started serving (lease + Telegram)
    poll_interval: float
    enabled_feeds: int | None
    last_poll: float | None
    last_delivery: float | None
    outbox_pending: int | None
    #: since when the oldest row the worker sends has been due (not digest headlines)
    oldest_due_at: float | None
    database_error: str | None = None
    #: a "database full" episode under way (``FullEpisode.describe``), else None
    database_full: str | None = None
    #: of ``outbox_pending``, the rows waiting for their chat's digest
    digest_waiting: int | None = None
    #: since when the oldest digest headline has been due (``bot.ops.http.digest_due_at``)
    digest_due_at: float | None = None
    last_digest_run: float | None = None


def poll_threshold(poll_interval: float) -> float:
    return max(MIN_POLL_STALL, POLL_STALL_FACTOR * poll_interval)


def _age(now: float, ts: float | None) -> float | None:
    return None if ts is None else round(max(0.0, now - ts), 1)


def _backlog(h: HealthInput, active_since: float, due_at: float | None, beat: float | None,
             beat_limit: float) -> tuple[dict[str, Any], float, float]:
    """A queue's check: stalled ("ok" false) when its oldest due row has waited over
    :data:`DELIVERY_BACKLOG` seconds and the heartbeat of what sends it is older than
    ``beat_limit`` (counted from becoming active when missing or older). Also returns how
    long that row has waited and how old the heartbeat is."""
    seen = max(beat or 0.0, active_since)
    due_for = None if due_at is None else max(0.0, h.now - due_at)
    check: dict[str, Any] = {
        "oldest_due_age_seconds": None if due_for is None else round(due_for, 1),
        "last_heartbeat_age_seconds": _age(h.now, beat),
        "backlog_threshold_seconds": DELIVERY_BACKLOG,
        "heartbeat_threshold_seconds": beat_limit,
    }
    check["ok"] = not (due_for is not None and due_for > DELIVERY_BACKLOG
                       and h.now - seen > beat_limit)
    return check, due_for or 0.0, h.now - seen


def judge(h: HealthInput) -> tuple[bool, dict[str, Any]]:
    """(healthy, JSON body) for the figures in ``h``."""
    reasons: list[str] = []
    body: dict[str, Any] = {"role": h.role}
    if h.role == "lost":
        reasons.append("instance: this process lost the single-instance lease and stopped "
                       "sending")
    if h.role == "suspended":
        reasons.append("instance: the single-instance lease cannot be renewed (the database "
                       "is full): nothing is sent until it can be")
    if h.database_error:
        reasons.append(f"database: {h.database_error}")
    if h.database_full:
        reasons.append(h.database_full)
    if h.role != "active" or h.active_since is None:
        body["status"] = "standby" if h.role == "standby" and not reasons else "unhealthy"
        body["reasons"] = reasons
        return not reasons, body

    # The baseline is the later of the heartbeat and the moment we became active: a
    # heartbeat from before (another service in this process) says nothing about now.
    poll_limit = poll_threshold(h.poll_interval)
    poll_seen = max(h.last_poll or 0.0, h.active_since)
    poll: dict[str, Any] = {
        "enabled_feeds": h.enabled_feeds,
        "last_heartbeat_age_seconds": _age(h.now, h.last_poll),
        "threshold_seconds": poll_limit,
    }
    poll["ok"] = not (h.enabled_feeds and h.now - poll_seen > poll_limit)
    if not poll["ok"]:
        what = ("no poll heartbeat since start" if h.last_poll is None
                or h.last_poll < h.active_since else "last poll heartbeat")
        reasons.append(f"poll: stalled: {what} {h.now - poll_seen:.0f}s ago "
                       f"(threshold {poll_limit:.0f}s, {h.enabled_feeds} enabled feed(s))")

    delivery, due_for, beat_age = _backlog(h, h.active_since, h.oldest_due_at, h.last_delivery,
                                           DELIVERY_HEARTBEAT)
    delivery = {"outbox_pending": h.outbox_pending, **delivery}
    if not delivery["ok"]:
        reasons.append(
            f"delivery: stalled: an outbox row has been due for {due_for:.0f}s "
            f"(threshold {DELIVERY_BACKLOG:.0f}s) and the delivery worker's last heartbeat "
            f"was {beat_age:.0f}s ago (threshold {DELIVERY_HEARTBEAT:.0f}s)")

    digests, due_for, beat_age = _backlog(h, h.active_since, h.digest_due_at, h.last_digest_run,
                                          DIGEST_HEARTBEAT)
    digests = {"waiting": h.digest_waiting, **digests}
    if not digests["ok"]:
        reasons.append(
            f"digests: stalled: headlines have been due for a digest for {due_for:.0f}s "
            f"(threshold {DELIVERY_BACKLOG:.0f}s) and the digest job last ran "
            f"{beat_age:.0f}s ago (threshold {DIGEST_HEARTBEAT:.0f}s)")

    body["status"] = "unhealthy" if reasons else "ok"
    body["reasons"] = reasons
    body["uptime_seconds"] = round(h.now - h.active_since, 1)
    body["checks"] = {"poll": poll, "delivery": delivery, "digests": digests}
    return not reasons, body

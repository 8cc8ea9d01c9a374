"""Prometheus metrics of one process: what it handled and sent, and the outbox as stored.

Counters and histograms live in the process (``updates``, ``sent``, ``failed_sends``,
``delivery_lag``); the outbox gauges are read from the database when ``/metrics`` is scraped
(``refresh``), so every worker reports the same, current queue. Each ``Metrics`` has its own
registry: nothing is global, and tests may build as many applications as they like.

    coopbot_updates_total{channel, outcome}       handled, duplicate, busy, unavailable, error,
                                                  ignored (nothing a person sent), limited
                                                  (refused by the rate limit per person)
    coopbot_outbox_sent_total{channel}            messages delivered by this process
    coopbot_outbox_failed_sends_total{channel, reason}
                                                  failed attempts: retry_later, transient,
                                                  unreachable, refused, permanent
    coopbot_outbox_delivery_lag_seconds{channel}  from when a message was due to its delivery
    coopbot_outbox_messages{status}               the outbox by status (from the database)
    coopbot_outbox_oldest_due_seconds             how long the longest-waiting due message has
                                                  waited (0 when none): the reminder lag
    coopbot_database_up                           1 when the database answered the last scrape
"""

from __future__ import annotations

import datetime as dt
import logging

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from storage.db import Database
from storage.models import OutboxStatus, utcnow
from storage.outbox_admin import oldest_due, status_counts

logger = logging.getLogger(__name__)

__all__ = ["CONTENT_TYPE", "Metrics"]

# Seconds; a reminder a few seconds late is normal, one an hour late is an incident.
_LAG_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0)


class Metrics:
    """The metrics of one process, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            "coopbot_updates",
            "Incoming updates by channel and outcome.",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.sent = Counter(
            "coopbot_outbox_sent",
            "Outbox messages this process delivered.",
            ["channel"],
            registry=self.registry,
        )
        self.failed_sends = Counter(
            "coopbot_outbox_failed_sends",
            "Outbox delivery attempts that failed, by channel and kind of failure.",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.delivery_lag = Histogram(
            "coopbot_outbox_delivery_lag_seconds",
            "Seconds from when an outbox message was due to its delivery.",
            ["channel"],
            buckets=_LAG_BUCKETS,
            registry=self.registry,
        )
        self.outbox_messages = Gauge(
            "coopbot_outbox_messages",
            "Outbox messages by delivery status, read from the database at scrape time.",
            ["status"],
            registry=self.registry,
        )
        self.oldest_due = Gauge(
            "coopbot_outbox_oldest_due_seconds",
            "How long the longest-waiting due, undelivered outbox message has waited.",
            registry=self.registry,
        )
        self.database_up = Gauge(
            "coopbot_database_up",
            "1 when the database answered the last scrape, else 0.",
            registry=self.registry,
        )

    def count_update(self, channel: str, outcome: str) -> None:
        """Count one incoming update and how it ended."""
        self.updates.labels(channel=channel, outcome=outcome).inc()

    def message_sent(self, channel: str, due_at: dt.datetime, now: dt.datetime) -> None:
        """Count a delivery and how long after it was due it happened."""
        self.sent.labels(channel=channel).inc()
        lag = max((now - due_at).total_seconds(), 0.0)
        self.delivery_lag.labels(channel=channel).observe(lag)

    def send_failed(self, channel: str, reason: str) -> None:
        """Count a failed delivery attempt."""
        self.failed_sends.labels(channel=channel, reason=reason).inc()

    async def refresh(self, database: Database, now: dt.datetime | None = None) -> None:
        """Read the outbox gauges from the database; a database that does not answer is down."""
        now = now or utcnow()
        try:
            async with database.session() as session:
                counts = await status_counts(session)
                oldest = await oldest_due(session, now)
        except Exception as error:
            logger.warning("metrics: the database did not answer: %s", error)
            self.database_up.set(0)
            return
        self.database_up.set(1)
        for status in OutboxStatus:
            self.outbox_messages.labels(status=status.value).set(counts.get(status.value, 0))
        self.oldest_due.set(max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)

    def exposition(self) -> bytes:
        """Return the metrics in Prometheus' text format."""
        return generate_latest(self.registry)

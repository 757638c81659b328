"""Prometheus metrics of the app, served at /metrics in the text exposition format.

Under gunicorn every worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR set (gunicorn_conf.py
sets it in the master before the workers fork), prometheus_client keeps each worker's values in files
there and a scrape sums them over workers, whichever worker answers it. Without it (tests, a single
process) the instruments' registry is scraped directly.

Each app has a registry of its own rather than prometheus_client's process-wide default: a process that
builds several apps (the tests build one per test) would otherwise register the same names twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import redis
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
VERDICTS = ("duplicate", "near_duplicate", "rewrite", "partial", "none")
# Seconds: a health check takes a millisecond, a provenance query tens to hundreds, a batch up to the
# worker timeout (30 s).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def redis_error_kind(err: BaseException) -> str:
    """A short, bounded label for a Redis error: connection, timeout, readonly, busyloading, ..."""
    return type(err).__name__.removesuffix("Error").lower() or "redis"


class ArticlesIndexed(Collector):
    """provenance_articles_indexed, read from Redis (the partitions' counters) when scraped: one value
    whatever the number of workers, and never stale."""

    def __init__(self, count: Any, on_redis_error: Any):
        self.count, self.on_redis_error = count, on_redis_error

    def describe(self) -> Iterable[Metric]:
        return []  # nothing to read at registration

    def collect(self) -> Iterator[Metric]:
        try:
            value = self.count()
        except redis.RedisError as err:
            self.on_redis_error(err)
            return
        yield GaugeMetricFamily(
            "provenance_articles_indexed", "Articles in the index, read from Redis at scrape time", value
        )


DELIVERY_OUTCOMES = ("delivered", "retried", "failed", "dropped")


class WebhookDeliveries(Collector):
    """Copy alerts (service/alerts/), read from Redis when scraped: the delivery workers count outcomes
    there (they may run apart from the app, on other hosts), so every replica shows the same totals, as
    provenance_articles_indexed does."""

    def __init__(self, stats: Any, on_redis_error: Any):
        self.stats, self.on_redis_error = stats, on_redis_error

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            outcomes, depths = self.stats()
        except redis.RedisError as err:
            self.on_redis_error(err)
            return
        deliveries = CounterMetricFamily(
            "provenance_webhook_deliveries",
            "Webhook delivery attempts by outcome: delivered, retried (failed, tried again later), failed "
            "(given up), dropped (the watch was removed or disabled)",
            labels=["outcome"],
        )
        for outcome in DELIVERY_OUTCOMES:
            deliveries.add_metric([outcome], outcomes.get(outcome, 0))
        yield deliveries
        queue = GaugeMetricFamily(
            "provenance_webhook_queue_depth",
            "Events waiting for delivery: new (first attempt not done) and retrying (waiting for the next)",
            labels=["state"],
        )
        for state in ("new", "retrying"):
            queue.add_metric([state], depths.get(state, 0))
        yield queue


class Metrics:
    """The app's instruments, and the registry a scrape reads."""

    def __init__(self, count_articles: Any, alert_stats: Any = None):
        if multiprocess_dir() is not None:
            # prometheus_client picks its value store once, when first imported: if something imported
            # it before PROMETHEUS_MULTIPROC_DIR was set, each worker would count alone.
            values.ValueClass = values.get_value_class()
        self.registry = CollectorRegistry()
        # Collected first, so a Redis error it meets is in the same scrape's provenance_redis_errors_total.
        self.articles = ArticlesIndexed(count_articles, self.count_redis_error)
        self.webhooks = WebhookDeliveries(alert_stats, self.count_redis_error) if alert_stats else None
        if multiprocess_dir() is None:
            self.registry.register(self.articles)
            if self.webhooks is not None:
                self.registry.register(self.webhooks)
        self.requests = Counter(
            "provenance_http_requests",
            "HTTP requests answered, by Flask URL rule (not raw path), method and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "provenance_http_request_duration_seconds",
            "Time to answer an HTTP request, by Flask URL rule",
            ["endpoint"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.verdicts = Counter(
            "provenance_verdicts",
            "Provenance verdicts answered (submissions, batch items, provenance queries)",
            ["verdict"],
            registry=self.registry,
        )
        self.redis_errors = Counter(
            "provenance_redis_errors",
            "Redis errors that made a request answer 503 or a scrape skip a Redis-backed metric",
            ["kind"],
            registry=self.registry,
        )
        if multiprocess_dir() is None:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, method, str(status)).inc()
        self.duration.labels(endpoint).observe(seconds)

    def count_verdicts(self, verdicts: Iterable[str]) -> None:
        for verdict in verdicts:
            if verdict in VERDICTS:  # never a label value the service did not make
                self.verdicts.labels(verdict).inc()

    def count_redis_error(self, err: BaseException) -> None:
        self.redis_errors.labels(redis_error_kind(err)).inc()

    def exposition(self) -> bytes:
        """The text exposition: of every worker (summed) in multiprocess mode, else of this process."""
        path = multiprocess_dir()
        if path is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        registry.register(self.articles)
        if self.webhooks is not None:
            registry.register(self.webhooks)
        MultiProcessCollector(registry, path=path)
        return generate_latest(registry)


def verdicts_in(endpoint: str | None, body: Any) -> list[Any]:
    """The verdicts a JSON answer of `endpoint` carries: a submission's provenance, each stored batch
    item's, a provenance query's. Anything that is not a verdict is dropped by count_verdicts."""
    if not isinstance(body, dict):
        return []
    if endpoint == "articles.submit":
        return [body.get("provenance", {}).get("verdict")]
    if endpoint in ("provenance.trace", "articles.provenance"):
        return [body.get("verdict")]
    if endpoint == "batch.submit_batch":
        return [
            item["provenance"].get("verdict")
            for item in body.get("items", [])
            if isinstance(item, dict) and isinstance(item.get("provenance"), dict)
        ]
    return []

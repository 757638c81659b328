"""The application factory: config, Redis client, service layer, blueprints and error handlers."""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask
from redis.backoff import NoBackoff
from redis.retry import Retry

from service import errors
from service.api import access, articles, batch, health, listing, observability, pages, provenance, watches
from service.config import Config
from service.core import ProvenanceService
from service.store import migrate

log = logging.getLogger(__name__)
EXTENSION = "provenance"


CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")


def redis_client(config: Config) -> redis.Redis | redis.RedisCluster:
    """A client for REDIS_URL that fails fast when Redis is away: redis://, rediss://, unix:// for one
    server; redis+cluster:// or rediss+cluster:// (any node of the cluster) for Redis Cluster."""
    if not config.redis_url:
        raise RuntimeError(
            "REDIS_URL is not set: run `provenance serve` (it starts an embedded Redis) or set REDIS_URL"
        )
    if config.redis_url.startswith(CLUSTER_SCHEMES):
        return redis.RedisCluster.from_url(
            config.redis_url.replace("+cluster", "", 1),
            socket_timeout=config.redis_socket_timeout,
            socket_connect_timeout=config.redis_socket_timeout,
            # No retry: redis-py's default of 10 kept a request on a hung master for 11 timeouts. A failed
            # command still makes the client re-read the cluster's layout, so after a failover the
            # next request goes to the new master.
            retry=Retry(NoBackoff(), 0),
        )
    return redis.Redis.from_url(
        config.redis_url,
        socket_timeout=config.redis_socket_timeout,
        socket_connect_timeout=config.redis_socket_timeout,
        health_check_interval=30,
        retry_on_timeout=False,
    )


def create_app(
    config: dict[str, Any] | Config | None = None, client: redis.Redis | redis.RedisCluster | None = None
) -> Flask:
    """Build the app. `config` overrides settings read from the environment; `client` injects a Redis."""
    settings = config if isinstance(config, Config) else Config.from_env().with_overrides(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    service = ProvenanceService(client or redis_client(settings), settings)
    _refuse_previous_layout(service)
    app.extensions[EXTENSION] = service
    observability.init_app(app, hsts=settings.hsts)  # first: the request id and the clock start first
    errors.init_app(app, on_store_error=observability.count_redis_error)
    access.init_app(app, settings)  # before the blueprints: keys and rate limits are checked first
    for blueprint in (articles.bp, batch.bp, listing.bp, provenance.bp, watches.bp, health.bp, pages.bp):
        app.register_blueprint(blueprint)
    return app


def _refuse_previous_layout(service: ProvenanceService) -> None:
    """Articles stored under the previous key layout would be invisible to this version, and new ones
    would mix with them after a migration: refuse to start, and say how to move them. A Redis that is
    away at start is not checked (the service starts unready, as it always has)."""
    try:
        old = migrate.pending(service.redis, service.keys)
    except (redis.ConnectionError, redis.TimeoutError, redis.exceptions.RedisClusterException) as err:
        log.warning("key layout not checked, Redis unreachable: %s", err)
        return
    if old:
        raise RuntimeError(
            f"Redis holds articles in key layout {migrate.PREVIOUS_VERSION} "
            f"({service.keys.prefix}:{migrate.PREVIOUS_VERSION}:*) and this version reads "
            f"{service.keys.root}:*: stop the service and run `provenance migrate` (same REDIS_URL)"
        )

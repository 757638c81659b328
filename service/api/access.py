"""Who may call /v1, and how often.

API keys (PROVENANCE_API_KEYS, `<key>:<scope>`): a `read` key may read, a `write` key may also store and
delete. Rate limits (PROVENANCE_RATE_LIMIT) count each key's requests, or each client address's when keys
are off, in the service's own Redis through flask-limiter, so every gunicorn worker and every replica
shares one count. Only /v1 is guarded: health, readiness, the OpenAPI document and the pages stay open.

The client address is the peer's, unless PROVENANCE_TRUSTED_PROXIES says how many proxies stand in front
(a load balancer: 1): then it is the address those proxies put in X-Forwarded-For, read by werkzeug's
ProxyFix, for requests whose peer is one of PROVENANCE_TRUSTED_PROXY_ADDRESSES. Behind a proxy without
that setting every client counts as the proxy, one budget shared by all; with it, a client that reaches
the service past the proxies (a peer not among those addresses) still counts as itself, whatever
X-Forwarded-For it sends.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import time
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import Limiter, RateLimitExceeded
from redis.backoff import NoBackoff
from redis.retry import Retry
from werkzeug.middleware.proxy_fix import ProxyFix

from service.config import Config, Networks, parse_api_keys, parse_proxy_addresses, parse_rate_limit
from service.errors import problem

log = logging.getLogger(__name__)

REALM = 'Bearer realm="provenance"'
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_POSTS = frozenset({"/v1/provenance"})  # traces a text without storing it
# The counters are flask-limiter's keys, LIMITS:LIMITER/<prefix>/<who>/global/<limit>, where <prefix> is
# PROVENANCE_KEY_PREFIX and <who> is `key:<digest>` (never the key itself) or `addr:<client address>`;
# each expires with its window.


def init_app(app: Flask, settings: Config) -> None:
    """Guard /v1 with the configured keys (or warn that it is open) and rate-limit it when configured,
    counting the client address behind the trusted proxies."""
    if settings.trusted_proxies:
        networks = parse_proxy_addresses(settings.trusted_proxy_addresses)
        app.wsgi_app = TrustedProxies(app.wsgi_app, settings.trusted_proxies, networks)  # type: ignore[method-assign]
    keys = parse_api_keys(settings.api_keys)
    if keys:
        digests = tuple((_digest(key), scope) for key, scope in keys.items())
        app.before_request(lambda: _authorize(digests))
        log.info("access control on: %d API keys", len(digests))
    else:
        log.warning("PROVENANCE_API_KEYS is unset: /v1 is open to anyone who can reach the service")
    if parse_rate_limit(settings.rate_limit):
        limiter = _limiter(settings)
        limiter.init_app(app)
        app.register_error_handler(RateLimitExceeded, lambda err: _too_many_requests(limiter, err))


def describe_access(settings: Config) -> str:
    """Access, rate limit and trusted proxies, for the line the service logs at start."""
    keys = parse_api_keys(settings.api_keys)
    if keys:
        scopes = list(keys.values())
        access = (
            f"access keyed ({len(keys)} keys: {scopes.count('read')} read, {scopes.count('write')} write)"
        )
    else:
        access = "access open (PROVENANCE_API_KEYS unset: anyone who can reach it may read and write)"
    limits = parse_rate_limit(settings.rate_limit)
    who = "API key" if keys else "client address"
    rate = f"rate limit {'; '.join(str(item) for item in limits)} per {who}" if limits else "rate limit off"
    if not settings.trusted_proxies:
        proxies = "trusted proxies 0 (the peer address is the client; X-Forwarded-For ignored)"
    else:
        proxies = (
            f"trusted proxies {settings.trusted_proxies} (X-Forwarded-For from peers "
            f"{settings.trusted_proxy_addresses})"
        )
    return f"{access}, {rate}, {proxies}"


class TrustedProxies:
    """WSGI middleware: werkzeug's ProxyFix (X-Forwarded-For and -Proto, `hops` proxies deep) for the
    requests whose peer is one of `networks` (None: any peer); the others pass as they came, so a client
    that reaches the service past its proxies cannot name another address."""

    def __init__(self, app: Any, hops: int, networks: Networks | None):
        self.app, self.networks = app, networks
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self._trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)

    def _trusted(self, peer: str | None) -> bool:
        """Whether the peer may be the nearest proxy. A peer without an address is on a unix socket, which
        only whom its file permissions let in can reach: trusted, as gunicorn trusts it for
        X-Forwarded-Proto."""
        if self.networks is None or not peer:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def guarded() -> bool:
    """Whether this request is one of the API's (/v1), which keys and rate limits apply to."""
    return request.path == "/v1" or request.path.startswith("/v1/")


def is_write() -> bool:
    """Whether this request changes the index: anything but a read, and POST /v1/provenance reads."""
    if request.method in READ_METHODS:
        return False
    return not (request.method == "POST" and request.path in READ_ONLY_POSTS)


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def _scope_of(presented: bytes, digests: tuple[tuple[bytes, str], ...]) -> str | None:
    """The presented key's scope, from its digest: compared with every configured key's, in constant time
    (equal-length digests, no early exit), so timing tells nothing about which key or how much matched."""
    scope = None
    for digest, its_scope in digests:
        if hmac.compare_digest(presented, digest):
            scope = its_scope
    return scope


def _authorize(digests: tuple[tuple[bytes, str], ...]) -> Response | None:
    """None to let a request through; else its 401 or 403 problem."""
    if not guarded():
        return None
    header = request.headers.get("Authorization")
    if header is None:
        return _unauthorized("send an API key: Authorization: Bearer <key>", REALM)
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return _unauthorized(
            "the Authorization header must be 'Bearer <key>'", f'{REALM}, error="invalid_request"'
        )
    presented = _digest(token)
    scope = _scope_of(presented, digests)
    if scope is None:
        return _unauthorized("unknown API key", f'{REALM}, error="invalid_token"')
    if scope != "write" and is_write():
        return problem(
            403,
            "Forbidden",
            "this API key may only read; storing and deleting need a write key",
            "forbidden",
            headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="write"'},
        )
    g.api_key_id = presented.hex()[:16]
    g.api_key_scope = scope  # for routes that need a write key to read (service/api/watches.py)
    return None


def _unauthorized(detail: str, challenge: str) -> Response:
    return problem(401, "Unauthorized", detail, "unauthorized", headers={"WWW-Authenticate": challenge})


def _client() -> str:
    """Whom a request is counted against: its API key (by digest), else its client address."""
    key_id = g.get("api_key_id")
    return f"key:{key_id}" if key_id else f"addr:{request.remote_addr or 'unknown'}"


def storage_uri(redis_url: str) -> tuple[str, dict[str, Any]]:
    """limits' name for the service's Redis URL, and the options it needs: unix:// is `redis+unix://`,
    rediss+cluster:// is `redis+cluster://` with TLS on; redis://, rediss:// and redis+cluster:// are
    the same."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://"), {}
    if redis_url.startswith("rediss+cluster://"):
        return "redis+cluster://" + redis_url.removeprefix("rediss+cluster://"), {"ssl": True}
    return redis_url, {}


def _limiter(settings: Config) -> Limiter:
    if not settings.redis_url:
        raise ValueError("PROVENANCE_RATE_LIMIT counts in Redis: set REDIS_URL, or turn it off")
    uri, options = storage_uri(settings.redis_url)
    options["socket_timeout"] = options["socket_connect_timeout"] = settings.redis_socket_timeout
    # As the service's own client (service/app.py): no retries, so a hung Redis or cluster master costs a
    # request one timeout, not redis-py's default of 10 on a cluster.
    options["retry"] = Retry(NoBackoff(), 0)
    limiter = Limiter(
        _client,
        application_limits=[settings.rate_limit],  # one count per key across every /v1 route
        storage_uri=uri,
        storage_options=options,
        strategy="fixed-window",  # one INCR per request, in one Lua call
        key_prefix=settings.key_prefix,
        headers_enabled=False,  # Retry-After on 429 only; X-RateLimit-* would cost a read per request
    )
    limiter.request_filter(lambda: not guarded())
    return limiter


def _too_many_requests(limiter: Limiter, err: RateLimitExceeded) -> Response:
    current = limiter.current_limit
    wait = math.ceil(current.reset_at - time.time()) if current else 1
    return problem(
        429,
        "Too Many Requests",
        f"rate limit of {err.description} exceeded; retry after the given number of seconds",
        "rate-limited",
        headers={"Retry-After": str(max(wait, 1))},
    )

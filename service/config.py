"""Every setting, read from the environment in one place (and overridable by create_app for tests)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from limits import RateLimitItem, parse_many

from service.detect import thresholds

Number = TypeVar("Number", int, float)


class BadSetting(ValueError):
    """A setting the service cannot start with: `name` is the environment variable, `why` says what is
    wrong with it in words an operator can act on (never its value when that may hold a secret).
    `provenance serve` prints it as one line, `provenance: bad setting NAME: why`, and exits with 2."""

    def __init__(self, name: str, why: str):
        super().__init__(f"{name} {why}")
        self.name, self.why = name, why


def env_number(name: str, default: Number, minimum: Number | None = None) -> Number:
    """A number from the environment, of the default's type; unset or empty means the default."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = type(default)(raw)
    except ValueError:
        raise BadSetting(name, f"must be a number like {default!r}, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise BadSetting(name, f"must be at least {minimum}, got {raw!r}")
    return value


def env_flag(name: str, default: bool = False) -> bool:
    """An on/off setting: 1, true, yes or on (any case) is on; 0, false, no or off is off; unset or
    empty is the default."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise BadSetting(name, f"must be on or off (1/0, true/false, yes/no), got {raw!r}")


API_KEY_SCOPES = ("read", "write")
DEFAULT_RATE_LIMIT = "600 per minute"
# Hops of proxies in front of the service whose X-Forwarded-For is believed. 0: none, the peer address is
# the client (safe for an open service on a laptop: a forged header changes nothing); behind a load
# balancer, 1. Only peers in PROVENANCE_TRUSTED_PROXY_ADDRESSES count as the first hop: by default the
# loopback addresses (gunicorn's own default for forwarded headers), so a proxy on the same host works as
# it is and one elsewhere is named (`10.0.0.0/8`, or `*` when nothing but the proxy can reach the service).
MAX_TRUSTED_PROXIES = 10
DEFAULT_TRUSTED_PROXY_ADDRESSES = "127.0.0.1,::1"


def parse_api_keys(raw: str) -> dict[str, str]:
    """PROVENANCE_API_KEYS (`<key>:<scope>,...`) as {key: scope}; blank means no keys. An error names the
    entry by its position, never by its text: that holds a key."""
    if not raw.strip():
        return {}
    keys: dict[str, str] = {}
    for number, entry in enumerate(raw.split(","), start=1):
        key, colon, scope = (part.strip() for part in entry.rpartition(":"))
        where = f"entry {number}"
        if not colon:
            raise BadSetting("PROVENANCE_API_KEYS", f"{where} is not <key>:<scope>")
        if not key:
            raise BadSetting("PROVENANCE_API_KEYS", f"{where} has an empty key")
        if scope not in API_KEY_SCOPES:
            raise BadSetting("PROVENANCE_API_KEYS", f"{where} has an unknown scope: use read or write")
        if not all("!" <= c <= "~" for c in key):
            raise BadSetting(
                "PROVENANCE_API_KEYS", f"{where} has a key that is not printable ASCII without spaces"
            )
        if key in keys:
            raise BadSetting("PROVENANCE_API_KEYS", f"{where} repeats the key of an earlier entry")
        keys[key] = scope
    return keys


def parse_rate_limit(raw: str) -> list[RateLimitItem]:
    """PROVENANCE_RATE_LIMIT as limits' items ("600 per minute", "10/second;600/hour"); none when off."""
    if raw.strip().lower() in ("", "off"):
        return []
    try:
        items = parse_many(raw)
    except ValueError:
        items = []
    if not items or any(item.amount < 1 for item in items):
        raise BadSetting("PROVENANCE_RATE_LIMIT", f"must be like '600 per minute' or 'off', got {raw!r}")
    return items


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def parse_proxy_addresses(raw: str) -> Networks | None:
    """PROVENANCE_TRUSTED_PROXY_ADDRESSES (addresses or networks, comma-separated) as networks; None for
    `*`, any peer."""
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    if entries == ["*"]:
        return None
    if not entries:
        raise BadSetting("PROVENANCE_TRUSTED_PROXY_ADDRESSES", "must name at least one address, or be *")
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise BadSetting(
                "PROVENANCE_TRUSTED_PROXY_ADDRESSES",
                f"must be addresses or networks like 10.0.0.0/8, comma-separated, or *; got {entry!r}",
            ) from None
    return tuple(networks)


# ---------------------------------------------------------------- copy alerts (service/alerts/)


@dataclass(frozen=True)
class AlertSettings:
    """Webhook delivery of copy alerts (docs/webhooks.md). Times are in seconds."""

    # Deliver to loopback, private, link-local and other non-public addresses (tests, a private network
    # of your own). Off: such a URL is refused when a watch is created and when an event is delivered.
    allow_private: bool = False
    timeout: float = 15.0  # one delivery, all of it: DNS, connect, TLS, request, the answer
    connect_timeout: float = 5.0
    retry_base: float = 30.0  # the wait after the first failed attempt; it doubles each time
    retry_max: float = 4 * 3600.0  # the longest wait between two attempts
    retry_for: float = 24 * 3600.0  # an event is given up, and a watch failing this long disabled
    # A delivery a worker started this long ago without finishing is taken over by another worker (the
    # first one died): more than `timeout`, so that a slow live delivery is never sent twice.
    claim_after: float = 60.0
    concurrency: int = 16  # deliveries in flight per worker process
    # Whether `provenance serve` starts a delivery worker beside gunicorn (off: run `provenance worker`)
    serve_worker: bool = True

    @classmethod
    def from_env(cls) -> AlertSettings:
        return cls(
            allow_private=env_flag("PROVENANCE_WEBHOOK_ALLOW_PRIVATE"),
            timeout=env_number("PROVENANCE_WEBHOOK_TIMEOUT", 15.0),
            connect_timeout=env_number("PROVENANCE_WEBHOOK_CONNECT_TIMEOUT", 5.0),
            retry_base=env_number("PROVENANCE_WEBHOOK_RETRY_BASE", 30.0),
            retry_max=env_number("PROVENANCE_WEBHOOK_RETRY_MAX", 4 * 3600.0),
            retry_for=env_number("PROVENANCE_WEBHOOK_RETRY_FOR", 24 * 3600.0),
            claim_after=env_number("PROVENANCE_WEBHOOK_CLAIM_AFTER", 60.0),
            concurrency=env_number("PROVENANCE_WEBHOOK_CONCURRENCY", 16),
            serve_worker=env_flag("PROVENANCE_SERVE_WORKER", default=True),
        ).validated()

    def validated(self) -> AlertSettings:
        if not 0 < self.connect_timeout <= self.timeout:
            raise BadSetting("PROVENANCE_WEBHOOK_CONNECT_TIMEOUT", "must be positive and at most the timeout")
        if not 0 < self.retry_base <= self.retry_max:
            raise BadSetting("PROVENANCE_WEBHOOK_RETRY_BASE", "must be positive and at most RETRY_MAX")
        if self.retry_for <= 0:
            raise BadSetting("PROVENANCE_WEBHOOK_RETRY_FOR", "must be positive")
        if self.claim_after <= self.timeout:
            raise BadSetting(
                "PROVENANCE_WEBHOOK_CLAIM_AFTER", "must be longer than PROVENANCE_WEBHOOK_TIMEOUT"
            )
        if not 1 <= self.concurrency <= 1000:
            raise BadSetting("PROVENANCE_WEBHOOK_CONCURRENCY", "must be between 1 and 1000")
        return self


@dataclass(frozen=True)
class Config:
    """The service's settings. `from_env()` reads them; tests build one with overrides."""

    redis_url: str | None = None
    key_prefix: str = "prov"
    data_dir: Path = Path("data")
    partitions: int = 1
    max_request_bytes: int = 2 * 1024 * 1024
    max_text_chars: int = 200_000
    max_batch_items: int = 500
    max_batch_bytes: int = 32 * 1024 * 1024
    redis_socket_timeout: float = 2.0
    fingerprint_cache_ttl: int = 3600
    api_keys: str = field(default="", repr=False)  # `<key>:<scope>,...`; never printed
    rate_limit: str = DEFAULT_RATE_LIMIT
    # Send Strict-Transport-Security on every answer, for a service behind a TLS-terminating proxy (it
    # is always sent on requests that arrive over https).
    hsts: bool = False
    trusted_proxies: int = 0  # hops of X-Forwarded-For believed (DEFAULT_TRUSTED_PROXY_ADDRESSES says why 0)
    trusted_proxy_addresses: str = DEFAULT_TRUSTED_PROXY_ADDRESSES
    limits: thresholds.Thresholds = field(default_factory=thresholds.Thresholds)
    alerts: AlertSettings = field(default_factory=AlertSettings)

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            redis_url=os.environ.get("REDIS_URL") or None,
            key_prefix=os.environ.get("PROVENANCE_KEY_PREFIX", "prov"),
            data_dir=Path(os.environ.get("PROVENANCE_DATA_DIR", "data")),
            partitions=env_number("PROVENANCE_PARTITIONS", 1),
            max_request_bytes=env_number("PROVENANCE_MAX_REQUEST_BYTES", 2 * 1024 * 1024),
            max_text_chars=env_number("PROVENANCE_MAX_TEXT_CHARS", 200_000),
            max_batch_items=env_number("PROVENANCE_MAX_BATCH_ITEMS", 500),
            max_batch_bytes=env_number("PROVENANCE_MAX_BATCH_BYTES", 32 * 1024 * 1024),
            redis_socket_timeout=env_number("PROVENANCE_REDIS_TIMEOUT", 2.0),
            fingerprint_cache_ttl=env_number("PROVENANCE_FINGERPRINT_CACHE_TTL", 3600),
            api_keys=os.environ.get("PROVENANCE_API_KEYS", ""),
            rate_limit=os.environ.get("PROVENANCE_RATE_LIMIT", DEFAULT_RATE_LIMIT),
            hsts=env_flag("PROVENANCE_HSTS"),
            trusted_proxies=env_number("PROVENANCE_TRUSTED_PROXIES", 0),
            trusted_proxy_addresses=os.environ.get(
                "PROVENANCE_TRUSTED_PROXY_ADDRESSES", DEFAULT_TRUSTED_PROXY_ADDRESSES
            ),
            alerts=AlertSettings.from_env(),
        ).validated()

    def with_overrides(self, overrides: dict[str, Any] | None) -> Config:
        if not overrides:
            return self.validated()
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        return replace(self, **overrides).validated()

    def validated(self) -> Config:
        """This Config, when every setting is one the service can start with; else BadSetting."""
        if not 1 <= self.partitions <= 1024:
            raise BadSetting("PROVENANCE_PARTITIONS", "must be between 1 and 1024")
        if self.max_request_bytes < 1024:
            raise BadSetting("PROVENANCE_MAX_REQUEST_BYTES", "must be at least 1024")
        if not 1 <= self.max_batch_items <= 10_000:
            raise BadSetting("PROVENANCE_MAX_BATCH_ITEMS", "must be between 1 and 10000")
        if self.max_batch_bytes < self.max_request_bytes:
            raise BadSetting("PROVENANCE_MAX_BATCH_BYTES", "must be at least PROVENANCE_MAX_REQUEST_BYTES")
        if self.max_text_chars < 100:
            raise BadSetting("PROVENANCE_MAX_TEXT_CHARS", "must be at least 100")
        if self.redis_socket_timeout <= 0:
            raise BadSetting("PROVENANCE_REDIS_TIMEOUT", "must be positive")
        if self.fingerprint_cache_ttl < 1:
            raise BadSetting("PROVENANCE_FINGERPRINT_CACHE_TTL", "must be at least 1 (seconds)")
        if not self.key_prefix or any(c in self.key_prefix for c in "{}: "):
            raise BadSetting("PROVENANCE_KEY_PREFIX", "must be non-empty, without braces, colons or spaces")
        if not 0 <= self.trusted_proxies <= MAX_TRUSTED_PROXIES:
            raise BadSetting(
                "PROVENANCE_TRUSTED_PROXIES", f"must be a number of hops from 0 to {MAX_TRUSTED_PROXIES}"
            )
        parse_api_keys(self.api_keys)
        parse_rate_limit(self.rate_limit)
        parse_proxy_addresses(self.trusted_proxy_addresses)
        self.alerts.validated()
        return self

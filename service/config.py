"""Every setting, read from the environment in one place (and overridable by create_app for tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from limits import RateLimitItem, parse_many

from service.detect import thresholds

Number = TypeVar("Number", int, float)


def _env_number(name: str, default: Number) -> Number:
    """A number from the environment, of the default's type; unset or empty means the default."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return type(default)(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number like {default!r}, got {raw!r}") from None


def _env_flag(name: str) -> bool:
    """An on/off setting: 1, true, yes or on (any case) is on; unset, empty, 0, false, no or off is off."""
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be on or off (1/0, true/false, yes/no), got {raw!r}")


API_KEY_SCOPES = ("read", "write")
DEFAULT_RATE_LIMIT = "600 per minute"


def parse_api_keys(raw: str) -> dict[str, str]:
    """PROVENANCE_API_KEYS (`<key>:<scope>,...`) as {key: scope}; blank means no keys. An error names the
    entry by its position, never by its text: that holds a key."""
    if not raw.strip():
        return {}
    keys: dict[str, str] = {}
    for number, entry in enumerate(raw.split(","), start=1):
        key, colon, scope = (part.strip() for part in entry.rpartition(":"))
        where = f"PROVENANCE_API_KEYS entry {number}"
        if not colon:
            raise ValueError(f"{where} is not <key>:<scope>")
        if not key:
            raise ValueError(f"{where} has an empty key")
        if scope not in API_KEY_SCOPES:
            raise ValueError(f"{where} has an unknown scope: use read or write")
        if not all("!" <= c <= "~" for c in key):
            raise ValueError(f"{where} has a key that is not printable ASCII without spaces")
        if key in keys:
            raise ValueError(f"{where} repeats the key of an earlier entry")
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
        raise ValueError(f"PROVENANCE_RATE_LIMIT must be like '600 per minute' or 'off', got {raw!r}")
    return items


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
    limits: thresholds.Thresholds = field(default_factory=thresholds.Thresholds)

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            redis_url=os.environ.get("REDIS_URL") or None,
            key_prefix=os.environ.get("PROVENANCE_KEY_PREFIX", "prov"),
            data_dir=Path(os.environ.get("PROVENANCE_DATA_DIR", "data")),
            partitions=_env_number("PROVENANCE_PARTITIONS", 1),
            max_request_bytes=_env_number("PROVENANCE_MAX_REQUEST_BYTES", 2 * 1024 * 1024),
            max_text_chars=_env_number("PROVENANCE_MAX_TEXT_CHARS", 200_000),
            max_batch_items=_env_number("PROVENANCE_MAX_BATCH_ITEMS", 500),
            max_batch_bytes=_env_number("PROVENANCE_MAX_BATCH_BYTES", 32 * 1024 * 1024),
            redis_socket_timeout=_env_number("PROVENANCE_REDIS_TIMEOUT", 2.0),
            fingerprint_cache_ttl=_env_number("PROVENANCE_FINGERPRINT_CACHE_TTL", 3600),
            api_keys=os.environ.get("PROVENANCE_API_KEYS", ""),
            rate_limit=os.environ.get("PROVENANCE_RATE_LIMIT", DEFAULT_RATE_LIMIT),
            hsts=_env_flag("PROVENANCE_HSTS"),
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
        if not 1 <= self.partitions <= 1024:
            raise ValueError("PROVENANCE_PARTITIONS must be between 1 and 1024")
        if self.max_request_bytes < 1024:
            raise ValueError("PROVENANCE_MAX_REQUEST_BYTES must be at least 1024")
        if not 1 <= self.max_batch_items <= 10_000:
            raise ValueError("PROVENANCE_MAX_BATCH_ITEMS must be between 1 and 10000")
        if self.max_batch_bytes < self.max_request_bytes:
            raise ValueError("PROVENANCE_MAX_BATCH_BYTES must be at least PROVENANCE_MAX_REQUEST_BYTES")
        if self.max_text_chars < 100:
            raise ValueError("PROVENANCE_MAX_TEXT_CHARS must be at least 100")
        if self.redis_socket_timeout <= 0:
            raise ValueError("PROVENANCE_REDIS_TIMEOUT must be positive")
        if not self.key_prefix or any(c in self.key_prefix for c in "{}: "):
            raise ValueError("PROVENANCE_KEY_PREFIX must be non-empty, without braces, colons or spaces")
        parse_api_keys(self.api_keys)
        parse_rate_limit(self.rate_limit)
        return self

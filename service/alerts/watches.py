"""Watches: which stored articles a newsroom watches (by id, id prefix or source), the URL to tell, and
the secret its deliveries are signed with; and the index that matches an article to its watches.

A watch is a hash of its own (service/store/keys.py), listed in one set; every change raises a version
counter. A process keeps the active watches in memory (`Watched`) and reads them again only when the
version moved, so an ingest that derives from a stored article costs one GET of the version, whatever
the number of watches, and matching costs a dictionary lookup per id, id prefix length and source.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import redis

from service.store.index import VERDICTS
from service.store.keys import Keys

ACTIVE, DISABLED = "active", "disabled"
# The delivery log keeps this many deliveries per watch, the latest.
LOG_SIZE = 1000


@dataclass
class Watch:
    """A watch as stored. `secret` signs its deliveries (Standard Webhooks `whsec_...`); it is shown once,
    when the watch is created."""

    id: str
    url: str
    secret: str
    sources: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    id_prefixes: tuple[str, ...] = ()
    relations: tuple[str, ...] = VERDICTS
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: str = ACTIVE
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    failing_since: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def fields(self) -> dict[str, str]:
        """The watch's hash fields (times as epoch seconds, lists as JSON)."""
        out = {
            "url": self.url,
            "secret": self.secret,
            "sources": json.dumps(list(self.sources), ensure_ascii=False),
            "ids": json.dumps(list(self.ids), ensure_ascii=False),
            "id_prefixes": json.dumps(list(self.id_prefixes), ensure_ascii=False),
            "relations": json.dumps(list(self.relations)),
            "created_at": repr(self.created_at.timestamp()),
            "status": self.status,
        }
        return out

    @classmethod
    def from_fields(cls, watch_id: str, raw: Mapping[bytes, bytes]) -> Watch:
        text = {k.decode(): v.decode("utf-8") for k, v in raw.items()}
        return cls(
            id=watch_id,
            url=text["url"],
            secret=text["secret"],
            sources=tuple(json.loads(text.get("sources", "[]"))),
            ids=tuple(json.loads(text.get("ids", "[]"))),
            id_prefixes=tuple(json.loads(text.get("id_prefixes", "[]"))),
            relations=tuple(json.loads(text.get("relations", "[]"))) or VERDICTS,
            created_at=_time(text.get("created_at")) or datetime.fromtimestamp(0, UTC),
            status=text.get("status", ACTIVE),
            disabled_at=_time(text.get("disabled_at")),
            disabled_reason=text.get("disabled_reason"),
            failing_since=_time(text.get("failing_since")),
        )


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64 (the spec asks for 24 to 64)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def normal_source(source: str) -> str:
    """Sources compare without case and surrounding space: "Harbour Herald" watches "harbour herald "."""
    return " ".join(source.split()).casefold()


class Watched:
    """The active watches, indexed by what they watch. Immutable once built: a process swaps a new one in
    when the version moves."""

    def __init__(self, watches: Iterable[Watch] = ()):
        self.by_id: dict[str, list[Watch]] = defaultdict(list)
        self.by_prefix: dict[str, list[Watch]] = defaultdict(list)
        self.by_source: dict[str, list[Watch]] = defaultdict(list)
        for watch in watches:
            if not watch.active:
                continue
            for article_id in watch.ids:
                self.by_id[article_id].append(watch)
            for prefix in watch.id_prefixes:
                self.by_prefix[prefix].append(watch)
            for source in watch.sources:
                self.by_source[normal_source(source)].append(watch)
        self.prefix_lengths = sorted({len(p) for p in self.by_prefix})

    def __bool__(self) -> bool:
        return bool(self.by_id or self.by_prefix or self.by_source)

    def of(self, article_id: str, source: str | None) -> list[Watch]:
        """The watches an article with this id and source falls under, each once."""
        found = {w.id: w for w in self.by_id.get(article_id, ())}
        for length in self.prefix_lengths:
            if length > len(article_id):
                break
            found.update((w.id, w) for w in self.by_prefix.get(article_id[:length], ()))
        if source:
            found.update((w.id, w) for w in self.by_source.get(normal_source(source), ()))
        return list(found.values())


class WatchStore:
    """Watches in Redis, and this process's cached index of the active ones."""

    def __init__(self, client: redis.Redis | redis.RedisCluster, keys: Keys):
        self.redis = client
        self.keys = keys
        self._cached: tuple[bytes | None, Watched] = (b"-", Watched())  # never a version Redis holds
        self._lock = threading.Lock()

    # ------------------------------------------------------------ writing

    def create(
        self,
        url: str,
        sources: Sequence[str] = (),
        ids: Sequence[str] = (),
        id_prefixes: Sequence[str] = (),
        relations: Sequence[str] = VERDICTS,
    ) -> Watch:
        watch = Watch(
            id=uuid.uuid4().hex,
            url=url,
            secret=new_secret(),
            sources=tuple(dict.fromkeys(sources)),
            ids=tuple(dict.fromkeys(ids)),
            id_prefixes=tuple(dict.fromkeys(id_prefixes)),
            relations=tuple(r for r in VERDICTS if r in set(relations)),
        )
        # The hash first: a process that dies before the set and the version leaves a watch no one lists.
        self.redis.hset(self.keys.watch(watch.id), mapping=watch.fields())  # type: ignore[arg-type]
        self._changed(("SADD", self.keys.watches(), watch.id))
        return watch

    def delete(self, watch_id: str) -> bool:
        """Remove a watch and its delivery log. False if there is no such watch. Events of it still
        queued are dropped by the worker, which finds no watch."""
        if not self.redis.exists(self.keys.watch(watch_id)):
            return False
        self._changed(("SREM", self.keys.watches(), watch_id))
        logged = cast(list[bytes], self.redis.zrange(self.keys.deliveries(watch_id), 0, -1))
        doomed = [self.keys.watch(watch_id), self.keys.deliveries(watch_id)]
        doomed += [self.keys.delivery(watch_id, e.decode()) for e in logged]
        for start in range(0, len(doomed), 500):
            self.redis.delete(*doomed[start : start + 500])
        return True

    def _changed(self, command: tuple[Any, ...]) -> None:
        """Change the set of watches and raise the version, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.execute_command(*command)
        pipe.incr(self.keys.watches_version())
        pipe.execute()

    def raise_version(self) -> None:
        """Tell every process to read the watches again (a watch was disabled)."""
        self.redis.incr(self.keys.watches_version())

    # ------------------------------------------------------------ reading

    def get(self, watch_id: str) -> Watch | None:
        raw = cast(dict[bytes, bytes], self.redis.hgetall(self.keys.watch(watch_id)))
        return Watch.from_fields(watch_id, raw) if raw else None

    def all(self) -> list[Watch]:
        """Every watch, oldest first. For the listing and the cache, never per ingest."""
        ids = sorted(m.decode() for m in cast(set[bytes], self.redis.smembers(self.keys.watches())))
        pipe = self.redis.pipeline(transaction=False)
        for watch_id in ids:
            pipe.hgetall(self.keys.watch(watch_id))
        watches = [Watch.from_fields(i, raw) for i, raw in zip(ids, pipe.execute(), strict=True) if raw]
        return sorted(watches, key=lambda w: (w.created_at, w.id))

    def watched(self) -> Watched:
        """The active watches, as cached; read again when the version moved (one GET otherwise)."""
        version = cast(bytes | None, self.redis.get(self.keys.watches_version()))
        cached_version, index = self._cached
        if version == cached_version:
            return index
        index = Watched(self.all())
        with self._lock:
            self._cached = (version, index)
        return index

    def deliveries(self, watch_id: str, limit: int) -> list[dict[str, str]]:
        """The watch's latest deliveries, newest first, as stored (service/alerts/worker.py writes them)."""
        logged = cast(list[bytes], self.redis.zrevrange(self.keys.deliveries(watch_id), 0, limit - 1))
        pipe = self.redis.pipeline(transaction=False)
        for event_id in logged:
            pipe.hgetall(self.keys.delivery(watch_id, event_id.decode()))
        return [
            {k.decode(): v.decode("utf-8") for k, v in raw.items()} | {"event_id": e.decode()}
            for e, raw in zip(logged, pipe.execute(), strict=True)
            if raw
        ]


def _time(value: str | None) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if value else None

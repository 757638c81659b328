"""Moving stored data from the previous key layout to this one (service/store/keys.py LAYOUT_VERSION).

v3 -> v4: every key under `<prefix>:v3:` moves to `<prefix>:v4:` (the same hash tag, so the same Redis
Cluster slot: RENAME works there too), and the members of the index buckets (`x:` sorted sets) are
rewritten from decimal text (slot * 2^32 + number) to 5 bytes (number, slot; service/store/scripts.py), one
bucket at a time in a Lua script, atomic per bucket. Cached fingerprints (`fpc`) are dropped, not moved:
they are a cache. What has moved is no longer under v3, so a migration that stops part way goes on where
it stopped when run again.

Run it with the service stopped (`provenance migrate`): a service of this version refuses to start while
keys of v3 remain (`pending`), and one of the old version would not see what has moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast

import redis

from service.store.keys import Keys

PREVIOUS_VERSION = "v3"

# KEYS[1] = a v3 bucket, KEYS[2] = its v4 name. Returns how many members moved.
MOVE_BUCKET = """
local items = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local batch = {}
for i = 1, #items, 2 do
  local n = tonumber(items[i])
  local slot = math.floor(n / 4294967296)
  batch[#batch + 1] = items[i + 1]
  batch[#batch + 1] = struct.pack('>I4B', n - slot * 4294967296, slot)
  if #batch >= 1000 then
    redis.call('ZADD', KEYS[2], unpack(batch))
    batch = {}
  end
end
if #batch > 0 then
  redis.call('ZADD', KEYS[2], unpack(batch))
end
redis.call('DEL', KEYS[1])
return #items / 2
"""


@dataclass
class Moved:
    keys: int = 0  # renamed as they were
    buckets: int = 0  # index buckets rewritten
    entries: int = 0  # index entries (members) in them
    dropped: int = 0  # cached fingerprints


def pending(client: redis.Redis | redis.RedisCluster, keys: Keys) -> bool:
    """Whether articles of the previous layout are stored (a partition's article count under v3)."""
    old = _previous(keys)
    return any(client.exists(old.count(p)) for p in range(keys.partitions))


def migrate(
    client: redis.Redis | redis.RedisCluster, keys: Keys, progress: Callable[[Moved], None] | None = None
) -> Moved:
    """Move every key of the previous layout to this one (see the module's docstring)."""
    old, new_root = _previous(keys), keys.root
    move_bucket = client.register_script(MOVE_BUCKET)
    moved = Moved()
    # The partitions' article counts move last: while one is under v3, `pending` says so, and a service
    # of this version does not start on a store half moved.
    counts = {old.count(p) for p in range(keys.partitions)}
    for raw in client.scan_iter(match=f"{_glob_escape(old.root)}:*", count=1000):
        key = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        rest = key[len(old.root) + 1 :]
        target = f"{new_root}:{rest}"
        if key in counts:
            continue
        if rest.startswith("fpc:"):
            moved.dropped += int(cast(int, client.delete(key)))
        elif rest.split(":", 2)[1:2] == ["x"]:  # "{pN}:x:<view><bucket>"
            moved.buckets += 1
            moved.entries += int(move_bucket(keys=[key, target]))
        else:
            try:
                client.rename(key, target)
            except redis.ResponseError as err:  # SCAN may name a key twice: the second time it is gone
                if "no such key" not in str(err).lower():
                    raise
                continue
            moved.keys += 1
        if progress is not None and (moved.keys + moved.buckets) % 50_000 == 0:
            progress(moved)  # every 50,000 keys: a million articles take minutes
    for key in sorted(counts):
        if client.exists(key):
            client.rename(key, f"{new_root}:{key[len(old.root) + 1 :]}")
            moved.keys += 1
    return moved


def _previous(keys: Keys) -> Keys:
    return replace(keys, version=PREVIOUS_VERSION)


def _glob_escape(text: str) -> str:
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in text)

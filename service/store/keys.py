"""Every Redis key the service uses, and nothing else formats keys.

Layout (`prov` is the configurable prefix, `v4` the layout version, N the partition):
    prov:v4:{pN}:seq              counter of article numbers in the partition
    prov:v4:{pN}:count            how many articles the partition holds
    prov:v4:{pN}:newest           8 bytes (a double): no article stored in the partition was published
                                  after this time; absent when unknown (service/store/scripts.py)
    prov:v4:{pN}:newest:scan      the same, while `Index.bound_publications` computes it for a store
                                  written without it
    prov:v4:{pN}:ids:<bucket>     hash: article id -> "<number> <content hash>" (65,536 buckets by id hash)
    prov:v4:{pN}:doc:<number>     string: the article's record (word signature, fingerprints, compressed
                                  metadata and text)
    prov:v4:{pN}:meta:<number/64> hash: "<number>" -> publication time and SimHash (16 bytes);
                                  "<number>:l" -> lineage (root original's ref, verdict, score)
    prov:v4:{pN}:x:<view><bucket> sorted set, member the article number and slot (5 bytes), score the rest
                                  of the fingerprint: the index entries of one view (h SimHash block, p
                                  passage, a anchor pair, q quote, w term) whose fingerprint falls in
                                  the bucket (service/store/scripts.py)
    prov:v4:{pN}:df:<bucket>      hash: a term's field -> how many of the partition's articles hold it (4,096
                                  buckets by term hash; service/store/scripts.py)
    prov:v4:{pN}:drv:<number>     set of refs (partition * 2^32 + number) of the articles whose root
                                  original is this article
    prov:v4:fpc:<algorithm>:<sha> fingerprints of a text asked about, cached by content hash and algorithm
Copy alerts (service/alerts/, docs/webhooks.md):
    prov:v4:{pN}:events           stream: the alerts of the partition's articles, appended by the script
                                  that stores an article or its lineage; read by the delivery workers'
                                  consumer group, each entry deleted once its first attempt is done
    prov:v4:{pN}:retry            sorted set: event id -> when its next attempt is due (epoch seconds);
                                  a worker delivering it moves the score past the time it may take
    prov:v4:{pN}:outbox           hash: event id -> the event waiting in `retry` (JSON)
    prov:v4:watches               set of every watch id
    prov:v4:watches:version       counter, raised by every change of a watch: processes cache the
                                  watches and read them again when it moves
    prov:v4:{w<id>}:watch         hash: a watch (url, secret, what it watches, status)
    prov:v4:{w<id>}:deliveries    sorted set: event id -> time of its first attempt (the delivery log)
    prov:v4:{w<id>}:delivery:<e>  hash: the delivery of event e (status, attempts, last error, ...)
    prov:v4:alerts:stats          hash: deliveries by outcome, counted by the workers (/metrics)
v3 differed only in the members of `x` (decimal text): `provenance migrate` (service/store/migrate.py) moves
it. Small hashes and sorted sets are what Redis stores compactly (listpacks), so records of many articles
share a key and one index entry costs about 10 bytes instead of a key of its own; an entry is found by
ZRANGEBYSCORE, a scan of the bucket in Redis's C (layout v2 kept integer sets, scanned in Lua: 15-50
times slower at the same size).
An article lives wholly in one partition (chosen from its id), so writing or deleting it touches keys of
one hash tag `{pN}`: one Lua script does it atomically, on a single Redis or on one Redis Cluster slot.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

LAYOUT_VERSION = "v4"  # v4: index members as 5 bytes (service/store/scripts.py); `provenance migrate`
ID_BUCKETS = 1 << 16
META_BUCKET_SHIFT = 6  # 64 articles (128 fields) per meta hash: within Redis's listpack default


@dataclass(frozen=True)
class Keys:
    prefix: str = "prov"
    partitions: int = 1
    version: str = LAYOUT_VERSION  # another only to name an older layout's keys (service/store/migrate.py)

    @property
    def root(self) -> str:
        return f"{self.prefix}:{self.version}"

    def partition_of(self, article_id: str) -> int:
        return zlib.crc32(article_id.encode("utf-8")) % self.partitions

    def tagged(self, partition: int) -> str:
        return f"{self.root}:{{p{partition}}}"

    def seq(self, partition: int) -> str:
        return f"{self.tagged(partition)}:seq"

    def count(self, partition: int) -> str:
        return f"{self.tagged(partition)}:count"

    def newest(self, partition: int) -> str:
        return f"{self.tagged(partition)}:newest"

    def newest_scan(self, partition: int) -> str:
        return f"{self.tagged(partition)}:newest:scan"

    def ids(self, article_id: str) -> str:
        bucket = zlib.adler32(article_id.encode("utf-8")) % ID_BUCKETS
        return f"{self.tagged(self.partition_of(article_id))}:ids:{bucket:04x}"

    def id_buckets(self, partition: int) -> list[str]:
        """Every id bucket of a partition: for maintenance walks, never a request path."""
        return [f"{self.tagged(partition)}:ids:{b:04x}" for b in range(ID_BUCKETS)]

    def doc(self, partition: int, number: int) -> str:
        return f"{self.doc_prefix(partition)}{number}"

    def doc_prefix(self, partition: int) -> str:
        """What the record keys of a partition start with (the lookup script completes them)."""
        return f"{self.tagged(partition)}:doc:"

    def meta(self, partition: int, number: int) -> str:
        return f"{self.meta_prefix(partition)}{number >> META_BUCKET_SHIFT:x}"

    def meta_prefix(self, partition: int) -> str:
        """What the meta keys of a partition start with (the lookup script completes them)."""
        return f"{self.tagged(partition)}:meta:"

    def entries(self, partition: int, view: str, bucket: int) -> str:
        return f"{self.entries_prefix(partition)}{view}{bucket:x}"

    def entries_prefix(self, partition: int) -> str:
        """What the bucket keys of a partition start with (the add and lookup scripts complete them with
        the view's code and the bucket in hexadecimal, as `entries` does)."""
        return f"{self.tagged(partition)}:x:"

    def df_prefix(self, partition: int) -> str:
        """What the document-frequency hashes of a partition start with (the scripts complete them with
        the bucket in hexadecimal)."""
        return f"{self.tagged(partition)}:df:"

    def derivatives(self, partition: int, number: int) -> str:
        return f"{self.tagged(partition)}:drv:{number}"

    # ------------------------------------------------------------ copy alerts

    def events(self, partition: int) -> str:
        return f"{self.tagged(partition)}:events"

    def retries(self, partition: int) -> str:
        return f"{self.tagged(partition)}:retry"

    def outbox(self, partition: int) -> str:
        return f"{self.tagged(partition)}:outbox"

    def watches(self) -> str:
        return f"{self.root}:watches"

    def watches_version(self) -> str:
        return f"{self.root}:watches:version"

    def watch_tagged(self, watch_id: str) -> str:
        """A watch's keys share a hash tag: its delivery log is written with it in one script."""
        return f"{self.root}:{{w{watch_id}}}"

    def watch(self, watch_id: str) -> str:
        return f"{self.watch_tagged(watch_id)}:watch"

    def deliveries(self, watch_id: str) -> str:
        return f"{self.watch_tagged(watch_id)}:deliveries"

    def delivery(self, watch_id: str, event_id: str) -> str:
        return f"{self.delivery_prefix(watch_id)}{event_id}"

    def delivery_prefix(self, watch_id: str) -> str:
        """What a watch's delivery keys start with (the delivery log script completes them)."""
        return f"{self.watch_tagged(watch_id)}:delivery:"

    def alert_stats(self) -> str:
        return f"{self.root}:alerts:stats"

    def fingerprint_cache(self, algorithm: str, content_sha: str) -> str:
        return f"{self.root}:fpc:{algorithm}:{content_sha}"

    def pattern(self) -> str:
        """Glob of every key of this prefix: for tests and maintenance tools, never a request path."""
        return f"{self.root}:*"

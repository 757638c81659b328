"""The fingerprint index over Redis: add, get, delete articles and look up candidates by fingerprint.

An article is a record string, 16 bytes of metadata in a shared hash and its entries in bucket sets
(service/store/keys.py), written and removed by one Lua script each (service/store/scripts.py), so no reader
ever sees half an article. Candidates come from set lookups only, filtered inside Redis and batched in one
script call per partition: the cost of a query depends on the text asked about, not on the number of
articles indexed.
"""

from __future__ import annotations

import json
import logging
import math
import struct
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, cast

import redis
from zlib_ng import zlib_ng

from service.detect.fingerprint import ALGORITHM, BITS, VIEW_BITS, Fingerprints
from service.store import scripts
from service.store.keys import META_BUCKET_SHIFT, Keys

log = logging.getLogger(__name__)

# A Redis command as redis-py's execute_command takes it: its name, then its arguments.
Command = tuple[Any, ...]

SIMHASH_BLOCKS = 4
BLOCK_BITS = BITS // SIMHASH_BLOCKS
BUCKET_BITS = 16
REST_BITS = VIEW_BITS - BUCKET_BITS
ENTRY_SHIFT = 1 << 32
# An index entry's member in its bucket: the article number, then the slot (service/store/scripts.py). Members
# of one entry sort as bytes, so by article number: the earliest stored come first.
MEMBER = struct.Struct(">IB")
RECORD_VERSION = 5  # 5: fingerprints with the term view; 4: the word signature first (read alone with
# GETRANGE); 3: without it
SIGNATURE_READ = 2048  # bytes of a record read for its signature: enough for 1,000 stems
# A preset dictionary of common words (en, fr, es, de) for zlib: short texts compress 16% better.
# Records depend on it byte for byte: never edit the file; a new one needs a new RECORD_VERSION.
ZDICT = (Path(__file__).parent / "zdict.txt").read_bytes()
META = struct.Struct(">dQ")  # publication time (epoch seconds), SimHash
NEWEST = struct.Struct(">d")  # a partition's publication bound (service/store/scripts.py)
LINEAGE = struct.Struct(">HIBH")  # root's partition, root's number, verdict code, score * 10,000
VERDICTS = ("duplicate", "near_duplicate", "rewrite", "partial")
VIEWS = ("simhash", "passages", "anchors", "quotes", "terms")
UNCAPPED = 1 << 30
NO_CUTOFF = 1e300  # a publication time after every other: no article is later
# Article numbers are taken from the partition's counter this many at a time per process: one INCRBY per
# NUMBER_BLOCK articles instead of a round trip each. Numbers a process never used leave gaps (readers
# skip them, as they skip deleted articles); they order articles by storage only roughly across processes,
# which nothing needs exactly (publication order uses the dates).
NUMBER_BLOCK = 32
VIEW_CODES = {"simhash": "h", "passages": "p", "anchors": "a", "quotes": "q", "terms": "w"}
VIEW_NUMBERS = {view: i + 1 for i, view in enumerate(VIEWS)}  # as the lookup script counts them
# What the lookup counts per candidate: the views, and passages of entries so common they are stock
# phrases ("a spokesman said"), not evidence of a copied sentence.
COUNTED = (*VIEWS, "stock")


class Ref(NamedTuple):
    """Where an article lives: its partition and its number there. A named tuple, not a dataclass: a
    lookup hashes and compares a couple of thousand of them, and a tuple does both in C."""

    partition: int
    number: int

    def pack(self) -> int:
        return self.partition * ENTRY_SHIFT + self.number

    @classmethod
    def unpack(cls, value: int) -> Ref:
        return cls(value // ENTRY_SHIFT, value % ENTRY_SHIFT)


@dataclass
class Article:
    """A stored article: metadata, clean text, fingerprints and lineage."""

    id: str
    text: str
    fingerprints: Fingerprints
    content_hash: str
    published_at: datetime
    received_at: datetime
    title: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    format: str = "text"
    original: str | None = None  # the root original's id
    original_ref: Ref | None = None
    verdict: str | None = None
    score: float | None = None
    ref: Ref | None = None
    algorithm: str = ALGORITHM
    signature: bytes = b""  # service/detect/align.py: the stems it has, for a cheap bound before verification

    @property
    def fingerprint(self) -> str:
        return f"{self.fingerprints.simhash:016x}"

    def record(self) -> bytes:
        """The word signature, the fingerprints, then the metadata and text as compressed JSON."""
        fps = self.fingerprints.pack()
        fields = {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "author": self.author,
            "format": self.format,
            "published_at": _iso(self.published_at),
            "received_at": _iso(self.received_at),
            "content": self.content_hash,
            "algo": self.algorithm,
            "text": self.text,
        }
        compressor = zlib_ng.compressobj(6, zdict=ZDICT)
        payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        body = compressor.compress(payload) + compressor.flush()
        sig = self.signature
        return struct.pack(">BH", RECORD_VERSION, len(sig)) + sig + struct.pack(">H", len(fps)) + fps + body

    def meta(self) -> bytes:
        return META.pack(self.published_at.timestamp(), self.fingerprints.simhash)

    @classmethod
    def from_record(cls, raw: bytes, ref: Ref | None = None, lineage: bytes | None = None) -> Article:
        signature, fps, body = _split(raw)
        fingerprints = _fingerprints(raw, fps)
        decompressor = zlib_ng.decompressobj(zdict=ZDICT)
        fields: dict[str, Any] = json.loads(decompressor.decompress(body) + decompressor.flush())
        article = cls(
            id=fields["id"],
            text=fields["text"],
            fingerprints=fingerprints,
            content_hash=fields["content"],
            published_at=_parse(fields["published_at"]),
            received_at=_parse(fields["received_at"]),
            title=fields.get("title"),
            source=fields.get("source"),
            url=fields.get("url"),
            author=fields.get("author"),
            format=fields.get("format") or "text",
            ref=ref,
            algorithm=fields.get("algo") or ALGORITHM,
            signature=signature,
        )
        if lineage:
            article.original_ref, article.original, article.verdict, article.score = unpack_lineage(lineage)
        return article


def pack_lineage(
    original: Ref | None, original_id: str | None, verdict: str | None, score: float | None
) -> bytes:
    if original is None or original_id is None or verdict not in VERDICTS:
        return b""
    code = VERDICTS.index(verdict) + 1
    head = LINEAGE.pack(original.partition, original.number, code, round((score or 0.0) * 10_000))
    return head + original_id.encode("utf-8")


def unpack_lineage(raw: bytes) -> tuple[Ref, str, str, float]:
    partition, number, code, score = LINEAGE.unpack_from(raw)
    return Ref(partition, number), raw[LINEAGE.size :].decode("utf-8"), VERDICTS[code - 1], score / 10_000


@dataclass
class Candidates:
    """Articles that share fingerprints with a text: per view, how many each shares, and the publication
    time (epoch seconds) and SimHash of each."""

    shared: dict[str, Counter[Ref]] = field(default_factory=lambda: {v: Counter() for v in COUNTED})
    published: dict[Ref, tuple[float, int]] = field(default_factory=dict)
    # The word signatures read with the lookup (None: the record has none), of the candidates that are
    # not near, share no quote and fewer than `sure_passages` passages.
    signatures: dict[Ref, bytes | None] = field(default_factory=dict)
    # How many articles each of the text's passage fingerprints was found in (up to what the lookup read):
    # the sentences it shares with many articles are boilerplate of its site (service/trace.py).
    passage_counts: dict[int, int] = field(default_factory=dict)

    @property
    def simhash(self) -> Counter[Ref]:
        return self.shared["simhash"]

    @property
    def passages(self) -> Counter[Ref]:
        return self.shared["passages"]

    def refs(self) -> set[Ref]:
        return set().union(*self.shared.values())


class Event(NamedTuple):
    """A copy alert queued with the write that stores an article or its lineage (service/alerts/): its id
    (the same at every delivery attempt), its watch, when it happened (epoch seconds) and the JSON body."""

    id: str
    watch: str
    at: float
    payload: bytes

    def arguments(self) -> list[str | bytes]:
        return [self.id, self.watch, repr(self.at), self.payload]


class Conflict(Exception):
    """The id names an article with other content."""

    def __init__(self, existing: Article):
        super().__init__(f"article {existing.id!r} exists with different content")
        self.existing = existing


# How many articles one index entry keeps (the earliest stored): twice what a query reads of it
# (thresholds.max_anchor_postings, max_revised), so that deletions leave enough. An anchor pair shared by
# more articles is two names often in the news together, no evidence of reuse; a passage or SimHash block
# shared by more is a story copied a thousand times, whose original and first copies are kept.
KEEP = {"simhash": 1000, "passages": 1000, "quotes": 1000, "anchors": 64, "terms": 200}


@dataclass(frozen=True)
class Entry:
    """One index entry of a text: the bucket it goes in, the rest of its fingerprint (the score) and
    which of the text's entries in that bucket it is (members of one bucket must differ)."""

    view: str
    key: str
    rest: int
    slot: int = 0

    @property
    def keep(self) -> int:
        return KEEP[self.view]

    def member(self, number: int) -> bytes:
        return MEMBER.pack(number, self.slot)

    def stored(self, number: int) -> list[int | bytes]:
        """The arguments REINDEX_ARTICLE takes for this entry: rest, member, keep."""
        return [self.rest, self.member(number), self.keep]


# An entry as the add and lookup scripts take it: all of an article's entries in one binary argument, each
# its view (1..4), bucket, rest and slot, and the scripts complete each bucket's key from the partition's
# prefix. As ~70 keys and ~210 arguments, redis-py encoded every one in Python (0.3 ms a call, twice per
# ingest) and the scripts converted each in Lua.
PACKED_ENTRY = struct.Struct(">BIIB")
PASSAGE_COUNT = struct.Struct(">IIH")  # a passage entry's bucket and rest, and its articles (LOOKUP)


@lru_cache(maxsize=256)
def entry_values(fingerprints: Fingerprints) -> tuple[tuple[str, int, int, int], ...]:
    """Every index entry of a text as (view, bucket, rest, slot), duplicates removed; the same in every
    partition. Cached: an ingest asks for them for its lookup and again for its write."""
    found = [
        ("simhash", i << BLOCK_BITS | value, 0)
        for i, value in enumerate(simhash_blocks(fingerprints.simhash))
    ]
    for view in ("passages", "anchors", "quotes", "terms"):
        for value in getattr(fingerprints, view):
            found.append((view, value >> REST_BITS, value & ((1 << REST_BITS) - 1)))
    slots: Counter[tuple[str, int]] = Counter()
    out = []
    for view, bucket, rest in dict.fromkeys(found):
        out.append((view, bucket, rest, slots[view, bucket]))
        slots[view, bucket] += 1
    return tuple(out)


@lru_cache(maxsize=256)
def packed_entries(fingerprints: Fingerprints) -> bytes:
    """The entries of a text as the scripts take them (PACKED_ENTRY each)."""
    return b"".join(
        PACKED_ENTRY.pack(VIEW_NUMBERS[view], bucket, rest, slot)
        for view, bucket, rest, slot in entry_values(fingerprints)
    )


class Index:
    """Articles and their fingerprints in Redis."""

    def __init__(self, client: redis.Redis | redis.RedisCluster, keys: Keys):
        self.redis = client
        self.keys = keys
        self._add = client.register_script(scripts.ADD_ARTICLE)
        self._delete = client.register_script(scripts.DELETE_ARTICLE)
        self._set_lineage = client.register_script(scripts.SET_LINEAGE)
        self._reindex = client.register_script(scripts.REINDEX_ARTICLE)
        self._lookup = client.register_script(scripts.LOOKUP)
        self._set_bound = client.register_script(scripts.SET_BOUND)
        self._df_read = client.register_script(scripts.DF_READ)
        self._numbers: dict[int, tuple[int, int]] = {}  # partition -> next number, end of the block
        self._numbers_lock = threading.Lock()

    # ------------------------------------------------------------ entries

    def entries(self, partition: int, fingerprints: Fingerprints) -> list[Entry]:
        """Every index entry of a text in a partition (duplicates removed)."""
        return [
            Entry(view, self.keys.entries(partition, VIEW_CODES[view], bucket), rest, slot)
            for view, bucket, rest, slot in entry_values(fingerprints)
        ]

    # ------------------------------------------------------------ writing

    def add(
        self, article: Article, counted: bytes = b"", events: Sequence[Event] = ()
    ) -> tuple[bool, Article]:
        """Store the article unless its id exists. Returns (created, the stored article). `counted`: the
        terms whose document frequency it raises (service/detect/terms.py `df_entry` of each). `events` are
        queued in the same script, when (and only when) the article is stored.

        Raises Conflict when the id exists with other content."""
        partition = self.keys.partition_of(article.id)
        lineage = pack_lineage(article.original_ref, article.original, article.verdict, article.score)
        record, meta = article.record(), article.meta()
        entries = packed_entries(article.fingerprints)
        while True:
            number = self._number(partition)
            keys = [
                self.keys.ids(article.id),
                self.keys.doc(partition, number),
                self.keys.meta(partition, number),
                self.keys.count(partition),
                self.keys.newest(partition),
                self.keys.newest_scan(partition),
                self.keys.events(partition),
            ]
            args: list[bytes | str | int] = [
                article.id,
                number,
                article.content_hash,
                record,
                meta,
                lineage,
                self.keys.entries_prefix(partition),
                entries,
                *(KEEP[view] for view in VIEWS),
                self.keys.df_prefix(partition),
                counted,
                *(value for event in events for value in event.arguments()),
            ]
            existing = self._add(keys=keys, args=args)
            if existing is None:
                article.ref = Ref(partition, number)
                return True, article
            if existing == b"taken":  # the counter went back: the rest of this block is taken too
                with self._numbers_lock:
                    self._numbers.pop(partition, None)
                continue
            stored = self.get(article.id)
            if stored is None:  # deleted between the script and this read: try again
                continue
            if stored.content_hash != article.content_hash:
                raise Conflict(stored)
            return False, stored

    def _number(self, partition: int) -> int:
        """A new article number in the partition (see NUMBER_BLOCK)."""
        with self._numbers_lock:
            number, end = self._numbers.get(partition, (0, 0))
            if number >= end:
                end = int(cast(int, self.redis.incrby(self.keys.seq(partition), NUMBER_BLOCK))) + 1
                number = end - NUMBER_BLOCK
            self._numbers[partition] = (number + 1, end)
            return number

    def set_lineage(
        self,
        ref: Ref,
        original: Ref | None,
        original_id: str | None,
        verdict: str | None,
        score: float | None,
        events: Sequence[Event] = (),
    ) -> bool:
        """Set a stored article's lineage, and queue `events` with it; False when the article is gone."""
        lineage = pack_lineage(original, original_id, verdict, score)
        keys = [self.keys.meta(ref.partition, ref.number), self.keys.events(ref.partition)]
        args = [ref.number, lineage, *(value for event in events for value in event.arguments())]
        return bool(self._set_lineage(keys=keys, args=args))

    def reindex(
        self, article: Article, fingerprints: Fingerprints, lower: bytes = b"", raise_: bytes = b""
    ) -> bool:
        """Move a stored article's index entries to new fingerprints (after an algorithm change), lowering
        and raising document frequencies of terms (`add`'s `counted`) in the same write."""
        if article.ref is None:
            raise ValueError("reindex needs an article read from the index")
        partition, number = article.ref.partition, article.ref.number
        raw = cast(bytes | None, self.redis.get(self.keys.doc(partition, number)))
        if raw is None:
            return False
        leaving, joining = (
            self.entries(partition, record_fingerprints(raw)),
            self.entries(partition, fingerprints),
        )
        article.fingerprints, article.algorithm = fingerprints, ALGORITHM
        keys = [
            self.keys.doc(partition, number),
            self.keys.meta(partition, number),
            *(e.key for e in leaving),
            *(e.key for e in joining),
        ]
        args: list[bytes | str | int] = [
            number,
            len(leaving),
            raw,
            article.record(),
            article.meta(),
            self.keys.df_prefix(partition),
            lower,
            raise_,
            *(e.member(number) for e in leaving),
            *(n for e in joining for n in e.stored(number)),
        ]
        return bool(self._reindex(keys=keys, args=args))

    def delete(self, article_id: str, counted: bytes = b"") -> bool:
        """Remove the article and its index entries, and lower the document frequencies of the terms it
        raised (`counted`, as `add` took them). False if the id is unknown."""
        partition = self.keys.partition_of(article_id)
        for _ in range(3):
            entry = cast(bytes | None, self.redis.hget(self.keys.ids(article_id), article_id))
            if entry is None:
                return False
            number = int(entry.split()[0])
            raw = cast(bytes | None, self.redis.get(self.keys.doc(partition, number)))
            entries = self.entries(partition, record_fingerprints(raw)) if raw else []
            keys = [
                self.keys.ids(article_id),
                self.keys.doc(partition, number),
                self.keys.meta(partition, number),
                self.keys.count(partition),
                *(e.key for e in entries),
            ]
            if self._delete(
                keys=keys,
                args=[
                    article_id,
                    entry,
                    number,
                    self.keys.df_prefix(partition),
                    counted,
                    *(e.member(number) for e in entries),
                ],
            ):
                return True
        return False

    # ------------------------------------------------------------ reading

    def ref_of(self, article_id: str) -> Ref | None:
        entry = cast(bytes | None, self.redis.hget(self.keys.ids(article_id), article_id))
        return Ref(self.keys.partition_of(article_id), int(entry.split()[0])) if entry is not None else None

    def get(self, article_id: str) -> Article | None:
        ref = self.ref_of(article_id)
        return self.articles([ref]).get(ref) if ref is not None else None

    def articles(self, refs: Iterable[Ref]) -> dict[Ref, Article]:
        """Whole records of many articles, with their lineage, in one round trip."""
        refs = list(refs)
        pipe = self.redis.pipeline(transaction=False)
        for ref in refs:
            pipe.get(self.keys.doc(ref.partition, ref.number))
            pipe.hget(self.keys.meta(ref.partition, ref.number), f"{ref.number}:l")
        replies = pipe.execute()
        out = {}
        for i, ref in enumerate(refs):
            raw, lineage = replies[2 * i], replies[2 * i + 1]
            if raw:
                out[ref] = Article.from_record(raw, ref, lineage)
        return out

    def signatures(self, refs: Iterable[Ref]) -> dict[Ref, bytes | None]:
        """The word signatures of many articles (None where a record has none), in one round trip: the
        head of each record only (GETRANGE), not the text. Deleted articles are left out."""
        refs = list(refs)
        pipe = self.redis.pipeline(transaction=False)
        for ref in refs:
            pipe.getrange(self.keys.doc(ref.partition, ref.number), 0, SIGNATURE_READ - 1)
        return {ref: _signature(raw) for ref, raw in zip(refs, pipe.execute(), strict=True) if raw}

    def _per_partition(
        self, script: Any, calls: list[tuple[list[str], list[Any]]], along: Sequence[Command] = ()
    ) -> list[Any]:
        """Run a registered script once per partition (keys of one hash tag each), all in one round
        trip: EVAL in a pipeline, so that a cluster node that never saw the script still runs it.
        `along`: other commands sent in the same round trip (see `candidates`)."""
        if len(calls) == 1 and not along:
            keys, args = calls[0]
            return [script(keys=keys, args=args)]
        pipe = self.redis.pipeline(transaction=False)
        for keys, args in calls:
            if len(calls) == 1:  # one Redis: the script is loaded there, and reloaded below if it was not
                pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
            else:
                pipe.execute_command("EVAL", script.script, len(keys), *keys, *args)
        for command in along:
            pipe.execute_command(*command)
        replies = pipe.execute(raise_on_error=False)
        for command, reply in zip(along, replies[len(calls) :], strict=True):
            if isinstance(reply, Exception):
                log.warning("%s sent with a lookup was refused: %s", command[0], reply)
        answers = []
        for (keys, args), reply in zip(calls, replies, strict=False):
            if isinstance(reply, redis.exceptions.NoScriptError):  # flushed, or a Redis restarted empty
                reply = script(keys=keys, args=args)
            elif isinstance(reply, Exception):
                raise reply
            answers.append(reply)
        return answers

    def candidates(
        self,
        fingerprints: Fingerprints,
        caps: dict[str, int] | None = None,
        most: int = UNCAPPED,
        weights: dict[str, int] | None = None,
        stock: int = UNCAPPED,
        cutoff: float | None = None,
        later: int = 0,
        near_bits: int = -1,
        least: int = 0,
        sure_passages: int = 0,
        along: Sequence[Command] = (),
    ) -> Candidates:
        """The articles sharing most with the text, with their metadata: one lookup script per partition,
        all in one round trip. Ranked as service/trace.py ranks them: a SimHash within `near_bits`
        first, then the most evidence (shared entries weighted per counted view by `weights`, 1 each by
        default), then the earliest stored; an article neither near nor of `least` evidence is left out.
        Of those, the best `most` published at or before `cutoff` (every one without a cutoff) and the
        best `later` published after it. `caps` bounds, per view, how many articles one entry yields (the
        earliest stored); a passage entry of more than `stock` articles counts as "stock", and yields
        caps["stock"] articles at most. The word signatures of the candidates neither near nor sharing a
        quote or `sure_passages` passages come with them.

        `along`: Redis commands the caller would otherwise send in a round trip of its own (a query's
        fingerprint cache write), sent with the lookup; one that Redis refuses is logged, not raised."""
        caps, weights = caps or {}, weights or dict.fromkeys(COUNTED, 1)
        weighted = [weights[view] for view in COUNTED]
        stock_here = -(-stock // self.keys.partitions)  # a partition holds its share of the articles
        limit = cutoff if cutoff is not None else NO_CUTOFF
        text = fingerprints.simhash
        entries = packed_entries(fingerprints)
        view_caps = [caps.get(view, UNCAPPED) for view in VIEWS]
        calls = []
        for partition in range(self.keys.partitions):
            args = [
                most,
                self.keys.meta_prefix(partition),
                stock_here,
                *weighted,
                caps.get("stock", UNCAPPED),
            ]
            args += [repr(limit), later, near_bits, text >> 32, text & 0xFFFF_FFFF, least]
            args += [self.keys.doc_prefix(partition), sure_passages, SIGNATURE_READ]
            args += [self.keys.entries_prefix(partition), entries, *view_caps]
            calls.append(([self.keys.count(partition), self.keys.newest(partition)], args))
        answers = self._per_partition(self._lookup, calls, along)
        rows = [(Ref(p, int(row[0])), row) for p, answer in enumerate(answers) for row in answer[:-1]]
        if len(answers) > 1:  # each partition sent its best of both quotas: keep the best of all
            rows = _best_rows(rows, weighted, text, near_bits, limit, most, later)
        found = Candidates()
        for answer in answers:
            tail = answer[-1]
            for at in range(0, len(tail), 10):
                bucket, rest, n = PASSAGE_COUNT.unpack_from(tail, at)
                value = bucket << REST_BITS | rest
                found.passage_counts[value] = found.passage_counts.get(value, 0) + n
        shared = [found.shared[view] for view in COUNTED]
        for ref, row in rows:
            for counter, n in zip(shared, row[1:7], strict=True):
                if n:
                    counter[ref] = n
            found.published[ref] = cast(tuple[float, int], META.unpack(row[7]))
            if row[8] is not None:
                found.signatures[ref] = _signature(row[8])
        return found

    def document_frequencies(self, counted: Sequence[bytes]) -> tuple[int, list[int]]:
        """How many articles the index holds, and how many of them hold each term (`df_entry` of each),
        summed over partitions: one script call per partition, in one round trip."""
        if not counted:
            return self.count(), []
        terms = b"".join(counted)
        calls = [
            ([self.keys.count(partition)], [self.keys.df_prefix(partition), terms])
            for partition in range(self.keys.partitions)
        ]
        articles, df = 0, [0] * len(counted)
        for answer in self._per_partition(self._df_read, calls):
            articles += int(answer[0])
            values = struct.unpack(f">{len(counted)}I", answer[1])
            df = [a + b for a, b in zip(df, values, strict=True)]
        return articles, df

    def count(self) -> int:
        pipe = self.redis.pipeline(transaction=False)
        for partition in range(self.keys.partitions):
            pipe.get(self.keys.count(partition))  # one GET each: the counters live on different slots
        return sum(int(v) for v in pipe.execute() if v is not None)

    def bound_publications(self) -> int:
        """Give each partition that lacks one its publication bound (the latest publication time of its
        articles; service/store/scripts.py), for a store written before bounds were kept. Safe while the
        service runs: the bound is computed under another key that every add raises too, then set in one
        script. Returns how many partitions got one. A maintenance walk of every meta hash, never a request
        path."""
        done = 0
        for partition in range(self.keys.partitions):
            if self.redis.exists(self.keys.newest(partition)):
                continue
            scan = self.keys.newest_scan(partition)
            self.redis.set(scan, NEWEST.pack(-math.inf))  # from here on, every add raises it
            latest = -math.inf
            last = int(cast(bytes | None, self.redis.get(self.keys.seq(partition))) or 0)
            for start in range(0, (last >> META_BUCKET_SHIFT) + 1, 256):
                pipe = self.redis.pipeline(transaction=False)
                for bucket in range(start, min(start + 256, (last >> META_BUCKET_SHIFT) + 1)):
                    pipe.hgetall(self.keys.meta(partition, bucket << META_BUCKET_SHIFT))
                for fields in pipe.execute():
                    for name, value in fields.items():
                        if not name.endswith(b":l"):
                            latest = max(latest, META.unpack(value)[0])
            self._set_bound(keys=[scan, self.keys.newest(partition)], args=[NEWEST.pack(latest)])
            done += 1
        return done

    def iter_ids(self) -> Iterator[str]:
        """Every stored id, for maintenance tools (export, reindex): walks every id bucket, never on a
        request path."""
        for partition in range(self.keys.partitions):
            buckets = self.keys.id_buckets(partition)
            for start in range(0, len(buckets), 1024):
                pipe = self.redis.pipeline(transaction=False)
                for key in buckets[start : start + 1024]:
                    pipe.hkeys(key)
                for ids in pipe.execute():
                    for article_id in ids:
                        yield article_id.decode("utf-8")


def _best_rows(
    rows: list[tuple[Ref, list[Any]]],
    weighted: list[int],
    text: int,
    near_bits: int,
    cutoff: float,
    most: int,
    later: int,
) -> list[tuple[Ref, list[Any]]]:
    """The rows of several partitions ranked as the lookup script ranks them in one, and cut to the two
    quotas: `most` published at or before the cutoff, `later` after it."""

    def rank(item: tuple[Ref, list[Any]]) -> tuple[bool, int, Ref]:
        ref, row = item
        simhash = META.unpack(row[7])[1]
        near = near_bits >= 0 and int(row[1]) > 0 and (simhash ^ text).bit_count() <= near_bits
        return not near, -sum(w * int(n) for w, n in zip(weighted, row[1:7], strict=True)), ref

    out, before, after = [], 0, 0
    for ref, row in sorted(rows, key=rank):
        if META.unpack(row[7])[0] <= cutoff:
            if before < most:
                before += 1
                out.append((ref, row))
        elif after < later:
            after += 1
            out.append((ref, row))
    return out


def simhash_blocks(fingerprint: int) -> list[int]:
    """The SimHash cut into SIMHASH_BLOCKS blocks, most significant first. Two fingerprints within
    SIMHASH_BLOCKS - 1 bits of each other agree on at least one block (pigeonhole), so one set lookup per
    block finds every near-duplicate at that distance."""
    mask = (1 << BLOCK_BITS) - 1
    return [(fingerprint >> (BITS - BLOCK_BITS * (i + 1))) & mask for i in range(SIMHASH_BLOCKS)]


def _split(record: bytes) -> tuple[bytes, bytes, bytes]:
    """(signature, fingerprints, compressed body) of a record of version 4 or 3 (no signature)."""
    version, size = struct.unpack_from(">BH", record)
    if version == 3:
        return b"", record[3 : 3 + size], record[3 + size :]
    if version not in (4, RECORD_VERSION):
        raise ValueError(f"record version {version} is not {RECORD_VERSION}: re-index with this version")
    signature, offset = record[3 : 3 + size], 3 + size
    (fps_size,) = struct.unpack_from(">H", record, offset)
    return signature, record[offset + 2 : offset + 2 + fps_size], record[offset + 2 + fps_size :]


def _signature(prefix: bytes) -> bytes | None:
    """The signature at the head of a record, from its first SIGNATURE_READ bytes; None when the record
    has none (version 3, or too many stems) or it is longer than the prefix read."""
    if len(prefix) < 3:
        return None
    version, size = struct.unpack_from(">BH", prefix)
    if version not in (4, RECORD_VERSION) or size == 0 or 3 + size > len(prefix):
        return None
    return prefix[3 : 3 + size]


def _fingerprint_bytes(record: bytes) -> bytes:
    return _split(record)[1]


def _fingerprints(record: bytes, packed: bytes) -> Fingerprints:
    """The fingerprints packed in a record: without the term view before record version 5."""
    return Fingerprints.unpack(packed, 4 if record[0] >= 5 else 3)


def record_fingerprints(record: bytes) -> Fingerprints:
    return _fingerprints(record, _fingerprint_bytes(record))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: str | None) -> datetime:
    if not value:
        return datetime.fromtimestamp(0, UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))

"""The fingerprint index over Redis: add, get, delete articles and look up candidates by fingerprint.

An article is a record hash plus its entries in the index sets, written and removed by one Lua script
each (service/scripts.py), so no reader ever sees half an article. Candidates come from set lookups only
(SimHash block tables and passage fingerprints), batched in one pipeline: the cost of a query depends on
the text asked about, not on the number of articles indexed.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import redis

from service import scripts
from service.fingerprint import ALGORITHM, BITS, Fingerprints
from service.keys import Keys

SIMHASH_BLOCKS = 4
BLOCK_BITS = BITS // SIMHASH_BLOCKS

META_FIELDS = ("id", "title", "source", "url", "author", "published_at", "received_at", "fingerprint")
LINEAGE_FIELDS = ("original", "verdict", "score")


@dataclass(frozen=True, order=True)
class Ref:
    """Where an article lives: its partition and its number there."""

    partition: int
    number: int


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
    original: str | None = None
    verdict: str | None = None
    score: float | None = None
    ref: Ref | None = None
    algorithm: str = ALGORITHM

    @property
    def fingerprint(self) -> str:
        return f"{self.fingerprints.simhash:016x}"

    def to_record(self) -> dict[str, bytes | str]:
        record: dict[str, bytes | str] = {
            "id": self.id,
            "text": zlib.compress(self.text.encode("utf-8"), 6),
            "fps": self.fingerprints.pack(),
            "algo": self.algorithm,
            "fingerprint": self.fingerprint,
            "content": self.content_hash,
            "published_at": _iso(self.published_at),
            "published_ts": repr(self.published_at.timestamp()),
            "received_at": _iso(self.received_at),
            "format": self.format,
        }
        for name in ("title", "source", "url", "author"):
            value = getattr(self, name)
            if value is not None:
                record[name] = value
        record.update(lineage_record(self.original, self.verdict, self.score))
        return record

    @classmethod
    def from_record(cls, raw: dict[bytes, bytes], ref: Ref | None = None) -> Article:
        get = {k.decode(): v for k, v in raw.items()}

        def text(name: str) -> str | None:
            value = get.get(name)
            return value.decode("utf-8") if value is not None else None

        score = text("score")
        return cls(
            id=text("id") or "",
            text=zlib.decompress(get["text"]).decode("utf-8"),
            fingerprints=Fingerprints.unpack(get["fps"]),
            content_hash=text("content") or "",
            published_at=_parse(text("published_at")),
            received_at=_parse(text("received_at")),
            title=text("title"),
            source=text("source"),
            url=text("url"),
            author=text("author"),
            format=text("format") or "text",
            original=text("original") or None,
            verdict=text("verdict") or None,
            score=float(score) if score else None,
            ref=ref,
            algorithm=text("algo") or "fp1",
        )


def lineage_record(original: str | None, verdict: str | None, score: float | None) -> dict[str, str]:
    return {
        "original": original or "",
        "verdict": verdict or "",
        "score": "" if score is None else f"{score:.4f}",
    }


VIEWS = ("simhash", "passages", "anchors", "quotes")


@dataclass
class Candidates:
    """Articles that share fingerprints with a text: per view, how many each shares."""

    shared: dict[str, Counter[Ref]] = field(default_factory=lambda: {v: Counter() for v in VIEWS})

    @property
    def simhash(self) -> Counter[Ref]:
        return self.shared["simhash"]

    @property
    def passages(self) -> Counter[Ref]:
        return self.shared["passages"]

    def refs(self) -> set[Ref]:
        return set().union(*self.shared.values())


class Conflict(Exception):
    """The id names an article with other content."""

    def __init__(self, existing: Article):
        super().__init__(f"article {existing.id!r} exists with different content")
        self.existing = existing


class Index:
    """Articles and their fingerprints in Redis."""

    def __init__(self, client: redis.Redis, keys: Keys):
        self.redis = client
        self.keys = keys
        self._add = client.register_script(scripts.ADD_ARTICLE)
        self._delete = client.register_script(scripts.DELETE_ARTICLE)
        self._set_lineage = client.register_script(scripts.SET_LINEAGE)
        self._reindex = client.register_script(scripts.REINDEX_ARTICLE)

    # ------------------------------------------------------------ writing

    def view_keys(self, partition: int, fingerprints: Fingerprints) -> list[tuple[str, str]]:
        """(view, index key) of every index entry of a text."""
        keys = [
            ("simhash", self.keys.simhash_block(partition, i, v))
            for i, v in enumerate(simhash_blocks(fingerprints.simhash))
        ]
        keys += [("passages", self.keys.passage(partition, h)) for h in fingerprints.passages]
        keys += [("anchors", self.keys.anchor(partition, h)) for h in fingerprints.anchors]
        keys += [("quotes", self.keys.quote(partition, h)) for h in fingerprints.quotes]
        return keys

    def index_keys(self, partition: int, fingerprints: Fingerprints) -> list[str]:
        return list(dict.fromkeys(key for _, key in self.view_keys(partition, fingerprints)))

    def add(self, article: Article) -> tuple[bool, Article]:
        """Store the article unless its id exists. Returns (created, the stored article).

        Raises Conflict when the id exists with other content."""
        partition = self.keys.partition_of(article.id)
        number = int(self.redis.incr(self.keys.seq(partition)))
        keys = [
            self.keys.ids(partition),
            self.keys.doc(partition, number),
            *self.index_keys(partition, article.fingerprints),
        ]
        args: list[bytes | str | int] = [article.id, number, article.content_hash]
        for name, value in article.to_record().items():
            args += [name, value]
        existing = self._add(keys=keys, args=args)
        if existing is None:
            article.ref = Ref(partition, number)
            return True, article
        stored = self.get(article.id)
        if stored is None:  # deleted between the script and this read: try once more
            return self.add(article)
        if stored.content_hash != article.content_hash:
            raise Conflict(stored)
        return False, stored

    def set_lineage(self, ref: Ref, original: str | None, verdict: str | None, score: float | None) -> bool:
        args: list[str] = []
        for name, value in lineage_record(original, verdict, score).items():
            args += [name, value]
        return bool(self._set_lineage(keys=[self.keys.doc(ref.partition, ref.number)], args=args))

    def reindex(self, article: Article, fingerprints: Fingerprints) -> bool:
        """Move a stored article's index entries to new fingerprints (after an algorithm change)."""
        if article.ref is None:
            raise ValueError("reindex needs an article read from the index")
        partition, number = article.ref.partition, article.ref.number
        leaving = self.index_keys(partition, article.fingerprints)
        joining = self.index_keys(partition, fingerprints)
        keys = [self.keys.doc(partition, number), *leaving, *joining]
        args: list[bytes | str | int] = [
            number,
            len(leaving),
            article.fingerprints.pack(),
            fingerprints.pack(),
            ALGORITHM,
            f"{fingerprints.simhash:016x}",
        ]
        return bool(self._reindex(keys=keys, args=args))

    def delete(self, article_id: str) -> bool:
        """Remove the article and its index entries. False if the id is unknown."""
        partition = self.keys.partition_of(article_id)
        for _ in range(3):
            entry = self.redis.hget(self.keys.ids(partition), article_id)
            if entry is None:
                return False
            number = int(entry.split()[0])
            raw = cast(bytes | None, self.redis.hget(self.keys.doc(partition, number), "fps"))
            fingerprints = Fingerprints.unpack(raw) if raw else Fingerprints(0)
            keys = [
                self.keys.ids(partition),
                self.keys.doc(partition, number),
                *self.index_keys(partition, fingerprints),
            ]
            if self._delete(keys=keys, args=[article_id, entry, number]):
                return True
        return False

    # ------------------------------------------------------------ reading

    def ref_of(self, article_id: str) -> Ref | None:
        partition = self.keys.partition_of(article_id)
        entry = self.redis.hget(self.keys.ids(partition), article_id)
        return Ref(partition, int(entry.split()[0])) if entry is not None else None

    def get(self, article_id: str) -> Article | None:
        ref = self.ref_of(article_id)
        if ref is None:
            return None
        raw = cast(dict[bytes, bytes], self.redis.hgetall(self.keys.doc(ref.partition, ref.number)))
        return Article.from_record(raw, ref) if raw else None

    def get_many_by_id(self, article_ids: Iterable[str]) -> dict[str, Article]:
        refs = {i: self.ref_of(i) for i in dict.fromkeys(article_ids)}
        found = self.articles([r for r in refs.values() if r is not None])
        return {a.id: a for a in found.values()}

    def articles(self, refs: Iterable[Ref]) -> dict[Ref, Article]:
        """Whole records of many articles, in one round trip."""
        refs = list(refs)
        pipe = self.redis.pipeline(transaction=False)
        for ref in refs:
            pipe.hgetall(self.keys.doc(ref.partition, ref.number))
        return {
            ref: Article.from_record(raw, ref) for ref, raw in zip(refs, pipe.execute(), strict=True) if raw
        }

    def published(self, refs: Iterable[Ref]) -> dict[Ref, tuple[float, int]]:
        """Publication time (epoch seconds) and SimHash of many articles, in one round trip."""
        refs = list(refs)
        pipe = self.redis.pipeline(transaction=False)
        for ref in refs:
            pipe.hmget(self.keys.doc(ref.partition, ref.number), "published_ts", "fingerprint")
        out = {}
        for ref, (ts, fp) in zip(refs, pipe.execute(), strict=True):
            if ts is not None:
                out[ref] = (float(ts), int(fp, 16))
        return out

    def candidates(self, fingerprints: Fingerprints) -> Candidates:
        """Articles sharing an entry of any view with the text, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        layout: list[tuple[str, int]] = []
        for partition in range(self.keys.partitions):
            for view, key in self.view_keys(partition, fingerprints):
                pipe.smembers(key)
                layout.append((view, partition))
        found = Candidates()
        for (view, partition), members in zip(layout, pipe.execute(), strict=True):
            counter = found.shared[view]
            for member in members:
                counter[Ref(partition, int(member))] += 1
        return found

    def count(self) -> int:
        pipe = self.redis.pipeline(transaction=False)
        for partition in range(self.keys.partitions):
            pipe.hlen(self.keys.ids(partition))
        return sum(pipe.execute())

    def iter_ids(self) -> Iterator[str]:
        """Every stored id, for maintenance tools (export, reindex): an HSCAN, never on a request path."""
        for partition in range(self.keys.partitions):
            for article_id, _ in self.redis.hscan_iter(self.keys.ids(partition)):
                yield article_id.decode("utf-8")


def simhash_blocks(fingerprint: int) -> list[int]:
    """The SimHash cut into SIMHASH_BLOCKS blocks, most significant first. Two fingerprints within
    SIMHASH_BLOCKS - 1 bits of each other agree on at least one block (pigeonhole), so one set lookup per
    block finds every near-duplicate at that distance."""
    mask = (1 << BLOCK_BITS) - 1
    return [(fingerprint >> (BITS - BLOCK_BITS * (i + 1))) & mask for i in range(SIMHASH_BLOCKS)]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: str | None) -> datetime:
    if not value:
        return datetime.fromtimestamp(0, UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))

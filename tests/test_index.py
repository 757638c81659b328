"""The Redis index: add, find, delete, SimHash block boundaries, atomic records."""

from __future__ import annotations

import math
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
import redis as redis_lib

from service.detect.fingerprint import Fingerprints
from service.store.index import MEMBER, NEWEST, ZDICT, Article, Conflict, Index, _split, simhash_blocks
from service.store.keys import Keys


@pytest.fixture
def index(redis: redis_lib.Redis, key_prefix: str) -> Index:
    return Index(redis, Keys(key_prefix, partitions=2))


def article(
    article_id: str,
    simhash: int,
    passages: tuple[int, ...] = (),
    content: str = "c1",
    when: datetime = datetime(2025, 1, 1, tzinfo=UTC),
) -> Article:
    return Article(
        id=article_id,
        text=f"text of {article_id}",
        fingerprints=Fingerprints(simhash, passages),
        content_hash=content,
        published_at=when,
        received_at=when,
    )


def test_blocks_split_the_fingerprint_most_significant_first() -> None:
    assert simhash_blocks(0x1111_2222_3333_4444) == [0x1111, 0x2222, 0x3333, 0x4444]


def test_a_fingerprint_three_bits_away_in_three_blocks_is_found(index: Index) -> None:
    base = 0x0F0F_F0F0_1234_ABCD
    index.add(article("a", base))
    near = base ^ (1 << 63) ^ (1 << 40) ^ (1 << 20)  # one bit in each of blocks 0, 1 and 2
    found = index.candidates(Fingerprints(near, ()))
    assert [ref.number for ref in found.simhash] == [index.ref_of("a").number]


def test_a_fingerprint_differing_in_every_block_is_not_a_block_candidate(index: Index) -> None:
    base = 0x0F0F_F0F0_1234_ABCD
    index.add(article("a", base))
    far = base ^ (1 << 63) ^ (1 << 47) ^ (1 << 31) ^ (1 << 15)  # block boundaries: the top bit of each block
    assert not index.candidates(Fingerprints(far, ())).simhash


def test_passage_fingerprints_find_articles_in_every_partition(index: Index) -> None:
    ids = [f"p{i}" for i in range(8)]
    for i, article_id in enumerate(ids):
        index.add(article(article_id, simhash=i * 0x1111, passages=(42, 1000 + i)))
    found = index.candidates(Fingerprints(0xFFFF_FFFF_FFFF_FFFF, (42,)))
    assert len(found.passages) == 8
    assert {a.id for a in index.articles(found.passages).values()} == set(ids)


def test_adding_stores_the_record_and_reads_it_back(index: Index) -> None:
    created, stored = index.add(article("bbc/x/1", 7, (1, 2)))
    assert created and stored.ref is not None
    again = index.get("bbc/x/1")
    assert again is not None
    assert (again.text, again.fingerprints, again.published_at) == (
        "text of bbc/x/1",
        Fingerprints(7, (1, 2)),
        stored.published_at,
    )


def test_adding_the_same_id_twice_keeps_the_first(index: Index) -> None:
    index.add(article("a", 1))
    created, stored = index.add(article("a", 1))
    assert not created and stored.ref == index.ref_of("a")


def test_adding_an_id_with_other_content_is_a_conflict(index: Index) -> None:
    index.add(article("a", 1))
    with pytest.raises(Conflict):
        index.add(article("a", 2, content="c2"))


def test_delete_removes_the_record_and_every_index_entry(
    index: Index, redis: redis_lib.Redis, key_prefix: str
) -> None:
    index.add(article("a", 0xABCD_0000_0000_0001, (5, 6)))
    before = set(redis.scan_iter(match=f"{key_prefix}:*"))
    assert index.delete("a")
    assert index.get("a") is None
    assert not index.candidates(Fingerprints(0xABCD_0000_0000_0001, (5, 6))).refs()
    left = {k.decode() for k in redis.scan_iter(match=f"{key_prefix}:*")}
    assert len(before) > 2
    # Counters and the publication bound (still a bound) only: no entry, record or id.
    assert {k.rsplit(":", 1)[1] for k in left} == {"seq", "count", "newest"}
    assert not index.delete("a")


def test_count_sums_every_partition(index: Index) -> None:
    for i in range(5):
        index.add(article(f"n{i}", i))
    assert index.count() == 5


def test_a_passage_shared_by_more_than_stock_articles_counts_as_a_stock_phrase(
    redis: redis_lib.Redis, key_prefix: str
) -> None:
    index = Index(redis, Keys(key_prefix, partitions=1))
    for i in range(5):
        index.add(article(f"s{i}", simhash=i * 0x1111, passages=(42, 1000 + i)))
    common = index.candidates(Fingerprints(0xFFFF_FFFF_FFFF_FFFF, (42, 1000)), stock=3)
    assert len(common.shared["stock"]) == 5 and set(common.shared["passages"]) == {index.ref_of("s0")}
    rare = index.candidates(Fingerprints(0xFFFF_FFFF_FFFF_FFFF, (42, 1000)), stock=10)
    assert len(rare.shared["passages"]) == 5 and not rare.shared["stock"]
    # A stock phrase yields its caps["stock"] earliest stored articles only: their number grows with
    # the index, and a stock phrase is the weakest evidence there is.
    capped = index.candidates(Fingerprints(0xFFFF_FFFF_FFFF_FFFF, (42, 1000)), {"stock": 2}, stock=3)
    assert set(capped.shared["stock"]) == {index.ref_of("s0"), index.ref_of("s1")}


def test_the_lookup_returns_the_best_shortlist_with_metadata(index: Index) -> None:
    for i in range(6):
        index.add(article(f"m{i}", simhash=i * 0x1111, passages=tuple(range(100, 101 + i))))
    found = index.candidates(Fingerprints(0xFFFF_FFFF_FFFF_FFFF, tuple(range(100, 106))), most=2)
    best = {index.ref_of("m5"), index.ref_of("m4")}
    assert set(found.published) == best == set(found.shared["passages"])
    assert found.published[index.ref_of("m5")][1] == 5 * 0x1111


@pytest.mark.parametrize("partitions", [1, 2])
def test_commands_sent_with_a_lookup_are_run_and_one_redis_refuses_is_only_logged(
    redis: redis_lib.Redis, key_prefix: str, partitions: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A query's cache write rides in its lookup's round trip (`along`): it is run, and Redis refusing
    it (here: INCR of a list) leaves the lookup's answer whole."""
    index = Index(redis, Keys(key_prefix, partitions=partitions))
    index.add(article("a", 0x0F0F_F0F0_1234_ABCD, passages=(42,)))
    kept, wrong_type = f"{key_prefix}:along:kept", f"{key_prefix}:along:list"
    redis.rpush(wrong_type, "x")
    found = index.candidates(
        Fingerprints(0x0F0F_F0F0_1234_ABCD, (42,)),
        along=[("SET", kept, b"value", "EX", 60), ("INCR", wrong_type)],
    )
    assert set(found.published) == set(found.passages) == {index.ref_of("a")}
    assert redis.get(kept) == b"value" and 0 < redis.ttl(kept) <= 60
    assert "INCR sent with a lookup was refused" in caplog.text


def test_a_lookup_with_commands_along_loads_its_script_where_redis_lacks_it(
    redis: redis_lib.Redis, key_prefix: str
) -> None:
    """With one partition the lookup goes as EVALSHA; a Redis that lost its scripts (SCRIPT FLUSH, a
    restart) answers NOSCRIPT, and the script is loaded and run again rather than the query failing."""
    index = Index(redis, Keys(key_prefix, partitions=1))
    index.add(article("a", 0x0F0F_F0F0_1234_ABCD, passages=(42,)))
    index._lookup.sha = "0" * 40  # what Redis does not hold, as after a flush (not done here: shared)
    kept = f"{key_prefix}:along:kept"
    found = index.candidates(Fingerprints(0x0F0F_F0F0_1234_ABCD, (42,)), along=[("SET", kept, b"value")])
    assert set(found.published) == {index.ref_of("a")}
    assert redis.get(kept) == b"value"


@pytest.mark.parametrize("partitions", [1, 3])
def test_the_lookup_ranks_near_simhashes_first_then_evidence_and_fills_both_quotas(
    redis: redis_lib.Redis, key_prefix: str, partitions: int
) -> None:
    index = Index(redis, Keys(key_prefix, partitions=partitions))
    text = 0x0F0F_F0F0_1234_ABCD
    early, late = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
    index.add(article("near", text ^ 0b101, (), when=early))  # 2 bits away: shares three blocks
    index.add(article("chance", text ^ 0xFFFF_FFFF_FFFF_0000, (), when=early))  # one block, 48 bits away
    for i in range(4):  # earlier articles sharing 1..4 passages with the text
        index.add(article(f"e{i}", 0, tuple(range(10, 11 + i)), when=early))
    for i in range(3):  # later ones sharing 1..3
        index.add(article(f"l{i}", 0, tuple(range(10, 11 + i)), when=late))
    weights = {"simhash": 0, "passages": 2, "quotes": 2, "anchors": 1, "terms": 1, "stock": 1}

    def lookup(most: int, later: int) -> list[str]:
        found = index.candidates(
            Fingerprints(text, tuple(range(10, 14))),
            most=most,
            weights=weights,
            cutoff=datetime(2025, 3, 1, tzinfo=UTC).timestamp(),
            later=later,
            near_bits=3,
            least=1,
        )
        rank = {ref: (ref not in found.simhash, -found.passages[ref], ref) for ref in found.published}
        ids = {ref: a.id for ref, a in index.articles(found.published).items()}
        return [ids[ref] for ref in sorted(found.published, key=rank.__getitem__)]

    # The near SimHash first, then the most passages; the chance block match (no evidence) never.
    assert lookup(3, 0) == ["near", "e3", "e2"]
    assert lookup(2, 2) == ["near", "e3", "l2", "l1"]
    assert lookup(0, 5) == ["l2", "l1", "l0"]
    assert "chance" not in lookup(100, 100)


JAN, MAR, JUN = (datetime(2025, month, 1, tzinfo=UTC) for month in (1, 3, 6))


def bound(redis: redis_lib.Redis, index: Index, partition: int = 0) -> float | None:
    raw = redis.get(index.keys.newest(partition))
    return NEWEST.unpack(raw)[0] if raw is not None else None


def test_the_publication_bound_is_the_latest_publication_and_outlives_deletes(
    redis: redis_lib.Redis, key_prefix: str
) -> None:
    index = Index(redis, Keys(key_prefix, partitions=1))
    index.add(article("a", 1, when=MAR))
    assert bound(redis, index) == MAR.timestamp()
    index.add(article("b", 2, when=JAN))
    assert bound(redis, index) == MAR.timestamp()  # never lowered by an earlier article
    index.add(article("c", 3, when=JUN))
    assert bound(redis, index) == JUN.timestamp()
    index.delete("c")
    assert bound(redis, index) == JUN.timestamp()  # still a bound, if a loose one
    index.delete("a")
    index.delete("b")
    index.add(article("d", 4, when=JAN))
    assert bound(redis, index) == JAN.timestamp()  # the partition's only article


def test_later_articles_are_found_with_the_bound_past_the_cutoff_or_without_one(
    redis: redis_lib.Redis, key_prefix: str
) -> None:
    """At or before the cutoff, the bound says no article can be later and the lookup stops at the first
    quota; past it, or absent (a store written before bounds were kept), the lookup looks for later
    articles as it always did. The answers are the same either way."""
    index = Index(redis, Keys(key_prefix, partitions=1))
    index.add(article("e", 1, (10,), when=JAN))
    index.add(article("l", 2, (10, 11), when=JUN))

    def found(cutoff: datetime) -> tuple[set[str], set[str]]:
        got = index.candidates(Fingerprints(0, (10, 11)), most=5, cutoff=cutoff.timestamp(), later=5, least=1)
        ids = {ref: a.id for ref, a in index.articles(got.published).items()}
        times = {ids[ref]: when for ref, (when, _) in got.published.items()}
        limit = cutoff.timestamp()
        return {i for i, t in times.items() if t <= limit}, {i for i, t in times.items() if t > limit}

    with_bound = found(MAR), found(JUN)
    assert with_bound == (({"e"}, {"l"}), ({"e", "l"}, set()))
    redis.delete(index.keys.newest(0))
    assert (found(MAR), found(JUN)) == with_bound


def test_bounds_are_computed_for_a_store_without_them_counting_what_is_added_meanwhile(
    redis: redis_lib.Redis, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = Keys(key_prefix, partitions=2)
    index = Index(redis, keys)
    stored = {"a0": JAN, "a1": JUN, "a2": MAR, "a3": JAN, "a4": MAR}
    for i, (article_id, when) in enumerate(stored.items()):
        index.add(article(article_id, i, when=when))
    expected = [
        max((w.timestamp() for a, w in stored.items() if keys.partition_of(a) == p), default=-math.inf)
        for p in range(2)
    ]
    for p in range(2):
        redis.delete(keys.newest(p))
    # While partition 0's metadata is read, an article published later than any is stored there.
    late_id = next(f"late{i}" for i in range(100) if keys.partition_of(f"late{i}") == 0)
    real_execute = redis_lib.client.Pipeline.execute

    def execute(pipe: Any, *args: Any, **kwargs: Any) -> Any:
        reading = any(command[0][0] == "HGETALL" for command in pipe.command_stack)
        if reading and index.ref_of(late_id) is None:
            Index(redis, keys).add(article(late_id, 99, when=datetime(2025, 9, 1, tzinfo=UTC)))
        return real_execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis_lib.client.Pipeline, "execute", execute)
    assert index.bound_publications() == 2
    monkeypatch.undo()
    assert bound(redis, index, 0) == datetime(2025, 9, 1, tzinfo=UTC).timestamp()
    assert bound(redis, index, 1) == expected[1]
    assert not list(redis.scan_iter(match=f"{key_prefix}:*:newest:scan"))
    assert index.bound_publications() == 0  # every partition has one


def test_two_computations_of_a_bound_never_lower_it(redis: redis_lib.Redis, key_prefix: str) -> None:
    """Two `provenance migrate` at once: the one finishing last must not set a bound below an article
    stored after it read that article's metadata but once the other had ended the computation."""
    keys = Keys(key_prefix, partitions=1)
    index = Index(redis, keys)
    index.add(article("a", 1, when=JAN))
    redis.set(keys.newest(0), NEWEST.pack(JUN.timestamp()))  # the first computation's result, meanwhile
    index._set_bound(keys=[keys.newest_scan(0), keys.newest(0)], args=[NEWEST.pack(MAR.timestamp())])
    assert bound(redis, index) == JUN.timestamp()


def test_an_entry_keeps_its_earliest_articles_up_to_its_cap_whatever_else_its_bucket_holds(
    redis: redis_lib.Redis, key_prefix: str
) -> None:
    index = Index(redis, Keys(key_prefix, partitions=1))
    when = datetime(2025, 1, 1, tzinfo=UTC)

    def with_anchor(article_id: str, anchor: int) -> Article:
        return Article(article_id, article_id, Fingerprints(0, (), (anchor,)), "c", when, when)

    # Anchor pairs keep 64 articles. 78 and 77 share a bucket (the same top bits): 78's 64 articles fill
    # it first, and 77 still gets its own 64, not one more.
    for i in range(64):
        index.add(with_anchor(f"b{i}", 78))
    for i in range(66):
        index.add(with_anchor(f"a{i}", 77))
    (entry,) = [e for e in index.entries(0, Fingerprints(0, (), (77,))) if e.view == "anchors"]
    assert redis.zcount(entry.key, entry.rest, entry.rest) == 64
    kept = {MEMBER.unpack(m)[0] for m in redis.zrangebyscore(entry.key, entry.rest, entry.rest)}
    assert kept == {ref.number for i in range(64) if (ref := index.ref_of(f"a{i}")) is not None}
    assert len(kept) == 64


def test_a_record_reads_back_whichever_zlib_wrote_it() -> None:
    """Records are compressed by zlib-ng; stores written with the standard library's zlib read the same,
    and the standard library reads what zlib-ng writes (one format, one preset dictionary)."""
    stored = article("wire/1", 0x1234, (5, 6))
    stored.text = "The bridge closed on Monday, the council said. \u201cIt is unsafe,\u201d she said. " * 20
    record = stored.record()
    *_, body = _split(record)
    plain = zlib.decompressobj(zdict=ZDICT)
    payload = plain.decompress(body) + plain.flush()
    standard = zlib.compressobj(6, zdict=ZDICT)
    written_before = record[: len(record) - len(body)] + standard.compress(payload) + standard.flush()
    for raw in (record, written_before):
        read = Article.from_record(raw)
        assert (read.id, read.text, read.fingerprints) == (stored.id, stored.text, stored.fingerprints)
        assert read.published_at == stored.published_at

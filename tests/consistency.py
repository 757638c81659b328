"""Whole articles or none: a check of the index in Redis against what ADD_ARTICLE writes
(service/store/scripts.py).

An article is whole when its id bucket names its number, its record string exists and names the same id,
its meta hash holds its publication time and SimHash, and every index entry of its fingerprints is in
its bucket sorted set, with its rest as score (unless that fingerprint already keeps as many articles as
it may). Nothing else may be there: no record, meta field or index entry of a number that no id names
(what a half-written or half-deleted article would leave), and each partition's count is the number of
its ids. A test reads keys with SCAN here, as maintenance tools do; the service never does.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from typing import Any

import redis

from service.store.index import MEMBER, Article, Index, Ref
from service.store.keys import Keys

# Syllables of made-up words: texts that share no passage, anchor or quote with each other.
SYLLABLES = (
    "ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu "
    "ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu"
).split()
_KEY = re.compile(r"\{p(\d+)\}:(ids|doc|meta|x|count|seq|drv):?(.*)$")


def stored_articles(client: redis.Redis, keys: Keys) -> dict[str, Ref]:
    """Every stored article's id and ref, after checking that the index holds whole articles only."""
    by_family: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for raw in client.scan_iter(match=keys.pattern(), count=1000):
        key = raw.decode()
        found = _KEY.search(key)
        if found:
            by_family[found.group(2)].append((int(found.group(1)), found.group(3), key))

    ids: dict[str, Ref] = {}
    for partition, _, key in by_family["ids"]:
        for article_id, value in client.hgetall(key).items():
            ids[article_id.decode()] = Ref(partition, int(value.split()[0]))
    numbers = {ref: article_id for article_id, ref in ids.items()}
    assert len(numbers) == len(ids), "two ids name the same article number"

    docs = {Ref(partition, int(n)) for partition, n, _ in by_family["doc"]}
    assert docs == set(numbers), (
        f"records without an id: {sorted(docs - set(numbers))}; ids without a record: "
        f"{sorted(numbers[r] for r in set(numbers) - docs)}"
    )

    metas: set[Ref] = set()
    for partition, _, key in by_family["meta"]:
        for field in client.hkeys(key):
            metas.add(Ref(partition, int(field.decode().split(":")[0])))
    assert metas == set(numbers), f"meta fields out of step with ids: {sorted(metas ^ set(numbers))}"

    index = Index(client, keys)
    expected: dict[tuple[str, bytes], tuple[int, int]] = {}  # (bucket, member) -> (rest, keep)
    for ref, article_id in numbers.items():
        record = client.get(keys.doc(ref.partition, ref.number))
        article = Article.from_record(_bytes(record), ref)
        assert article.id == article_id, f"record {ref} holds {article.id!r}, its id bucket {article_id!r}"
        for entry in index.entries(ref.partition, article.fingerprints):
            expected[entry.key, entry.member(ref.number)] = (entry.rest, entry.keep)
    actual: dict[tuple[str, bytes], int] = {}  # (bucket, member) -> score (the rest)
    for _, _, key in by_family["x"]:
        actual |= {(key, member): int(score) for member, score in client.zrange(key, 0, -1, withscores=True)}
    stray = {entry for entry, score in actual.items() if expected.get(entry, (None,))[0] != score}
    assert not stray, (
        f"{len(stray)} index entries name no stored article (or another rest), e.g. numbers "
        f"{sorted({MEMBER.unpack(m)[0] for _, m in stray})[:10]}"
    )
    # An entry is left out only when its fingerprint already has `keep` articles (the earliest stored).
    missing = {
        (key, member)
        for (key, member), (rest, keep) in expected.items()
        if (key, member) not in actual and client.zcount(key, rest, rest) < keep
    }
    assert not missing, f"{len(missing)} index entries of stored articles are missing, e.g. {_some(missing)}"

    per_partition: dict[int, int] = defaultdict(int)
    for ref in numbers:
        per_partition[ref.partition] += 1
    for partition, _, key in by_family["count"]:
        assert int(_bytes(client.get(key))) == per_partition[partition], f"{key} is not the number of ids"
    return ids


def _bytes(value: Any) -> bytes:
    assert isinstance(value, bytes), value
    return value


def _some(entries: set[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    return sorted(entries)[:3]


def distinct_body(n: int) -> str:
    """Text n of a family of texts unrelated to each other (4 paragraphs of made-up words), so that
    each is stored with verdict `none` and found by its own text."""
    rng = random.Random(n)
    paragraphs = []
    for _ in range(4):
        sentences = []
        for _ in range(3):
            words = ["".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(rng.randint(10, 18))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)

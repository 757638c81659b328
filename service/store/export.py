"""Every stored article, page by page: the listing behind `GET /v1/articles` and `provenance export`.

Articles are numbered in their partition in the order they were stored (`seq`, service/store/keys.py), and a
record is read by its number, so a page walks numbers from a cursor: one pipeline of GETs per window of
numbers, skipping the numbers of deleted articles, and never a KEYS or SCAN. The cursor is opaque to
callers: it encodes the partition and the next number to read there.

Articles stored while a caller pages through may or may not appear (those stored in a partition the
cursor has passed do not); an article appears at most once. A page may hold fewer than `limit` articles,
even none, when a long run of deleted numbers used up its reading budget: a caller follows `next_cursor`
until it is null.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import cast

from service.store.index import Article, Index, Ref

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SCAN_BUDGET = 10_000  # article numbers one page may read at most (deleted ones included)
CURSOR_VERSION = "a1"


class BadCursor(ValueError):
    """The cursor was not made by this service."""


@dataclass(frozen=True)
class Position:
    """Where a page starts: a partition and the next article number to read there."""

    partition: int = 0
    number: int = 1

    def encode(self) -> str:
        raw = f"{CURSOR_VERSION}:{self.partition}:{self.number}".encode("ascii")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
            version, partition, number = raw.split(":")
            position = cls(int(partition), int(number))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise BadCursor("not a cursor of this listing: pass back a next_cursor as it was") from None
        if version != CURSOR_VERSION or position.partition < 0 or position.number < 1:
            raise BadCursor("not a cursor of this listing: pass back a next_cursor as it was")
        return position


@dataclass
class Page:
    articles: list[Article]
    next_cursor: str | None


def list_articles(index: Index, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page:
    """Up to `limit` stored articles from `cursor` (the start when None), in partition and storage
    order, and the cursor of the next page (None after the last article)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    position = Position.decode(cursor) if cursor else Position()
    last = _last_numbers(index)
    found: list[Article] = []
    budget = SCAN_BUDGET
    partition, number = position.partition, position.number
    while partition < len(last) and len(found) < limit and budget > 0:
        if number > last[partition]:
            partition, number = partition + 1, 1
            continue
        window = min(limit - len(found), last[partition] - number + 1, budget)
        refs = [Ref(partition, n) for n in range(number, number + window)]
        records = index.articles(refs)
        found += [records[ref] for ref in refs if ref in records]
        number += window
        budget -= window
    while partition < len(last) and number > last[partition]:
        partition, number = partition + 1, 1
    more = partition < len(last)
    return Page(found, Position(partition, number).encode() if more else None)


def _last_numbers(index: Index) -> list[int]:
    """The highest article number given out in each partition, in one round trip."""
    pipe = index.redis.pipeline(transaction=False)
    for partition in range(index.keys.partitions):
        pipe.get(index.keys.seq(partition))
    return [int(cast(bytes, value)) if value else 0 for value in pipe.execute()]

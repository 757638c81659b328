"""Per-word memos: a function of one word, computed once per process.

A text's thousands of word lookups (token, stem, weight, stem hash) go through these. They are plain dicts
filled on a miss (`__missing__`), so a hit is one dict subscript in C, and they are emptied when they hold
`size` words, which bounds their memory. Not functools.lru_cache: it keeps a linked list node per entry,
which the garbage collector walks; ~100k of them (with the stored texts' shingle lists) made one full
collection take 100 ms in the middle of a request, while strings and floats are never walked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V")


class Memo(dict[str, V]):
    """`memo[word]` is `func(word)`, computed on first use."""

    __slots__ = ("func", "size")

    def __init__(self, func: Callable[[str], V], size: int = 262_144):
        super().__init__()
        self.func = func
        self.size = size

    def __missing__(self, word: str) -> V:
        if len(self) >= self.size:
            self.clear()
        value = self[word] = self.func(word)
        return value

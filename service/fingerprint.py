"""Text -> fingerprints: the article's 64-bit SimHash (the `simhash` package) and passage fingerprints.

Views, each indexed in Redis (service/index.py):
- `simhash`: SimHash over word 3-shingles of the whole text; near-duplicates lie within a few bits
  (Manku et al. 2007), found through block tables.
- `passages`: per sentence of 6 or more tokens, the two smallest 64-bit hashes of its word 3-shingles (a
  bottom-2 MinHash): a sentence copied word for word, or with a word changed, shares at least one with its
  source, so excerpts and partial reuse are found however little of the article they take.
ALGORITHM names this recipe; fingerprints are cached under it, so changing the recipe means re-indexing.
"""

from __future__ import annotations

import hashlib
import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from simhash import Simhash

from service.text import Text

ALGORITHM = "fp1"
BITS = 64
SHINGLE = 3
PASSAGE_MIN_TOKENS = 6
PASSAGE_BOTTOM = 2
PASSAGE_BITS = 48


def hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


def shingles(tokens: Sequence[str], size: int = SHINGLE) -> list[str]:
    """Word n-grams; a text shorter than n is one shingle."""
    if len(tokens) <= size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def simhash(tokens: Sequence[str]) -> int:
    """64-bit SimHash of a token sequence over weighted word 3-shingles."""
    features = Counter(shingles(tokens))
    if not features:
        return 0
    return int(Simhash(features, f=BITS).value)


def passage_hashes(sentence_tokens: Sequence[str]) -> list[int]:
    """The sentence's bottom-2 shingle hashes, cut to PASSAGE_BITS; none for short sentences."""
    if len(sentence_tokens) < PASSAGE_MIN_TOKENS:
        return []
    hashes = sorted({hash64(s) for s in shingles(sentence_tokens)})
    return [h >> (BITS - PASSAGE_BITS) for h in hashes[:PASSAGE_BOTTOM]]


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_hex(fingerprint: int) -> str:
    return f"{fingerprint:016x}"


@dataclass(frozen=True)
class Fingerprints:
    """All views of one text. `pack`/`unpack` give the compact form cached and stored in Redis."""

    simhash: int
    passages: tuple[int, ...]

    @classmethod
    def of(cls, text: Text) -> Fingerprints:
        return cls(simhash=simhash(text.tokens), passages=_unique(h for s in text.sentences for h in passage_hashes(s.tokens)))

    def pack(self) -> bytes:
        return struct.pack(f">Q{len(self.passages)}Q", self.simhash, *self.passages)

    @classmethod
    def unpack(cls, raw: bytes) -> Fingerprints:
        values = struct.unpack(f">{len(raw) // 8}Q", raw)
        return cls(simhash=values[0], passages=tuple(values[1:]))


def _unique(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(values))

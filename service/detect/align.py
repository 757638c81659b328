"""Rewording: how far a text follows another sentence by sentence, in other words.

Each text gets a Profile (language, per-sentence weighted stems and content-word skip-bigrams). Two
measures then say whether the query re-expresses the match:
- `containment`: the weighted share of the query's words (stems) found anywhere in the match. A rewrite
  or summary keeps most of the content words; independent coverage of the same event shares the names and
  figures but brings words, facts and phrasing of its own.
- `alignment`: a monotonic alignment of query sentences to match sentences (dynamic programming over
  sentence similarity: weighted Dice of stems plus Dice of skip-bigrams), divided by the number of
  query sentences. A rewrite follows its original in order, sentence by sentence; an independent report
  orders its facts its own way.
Their sum is the rewording score; service/detect/thresholds.py holds the cut-offs and why.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from service.detect import lexicon
from service.detect.memo import Memo
from service.detect.text import KeySet, Text

MIN_SENTENCE_TOKENS = 4


@dataclass(frozen=True)
class SentenceProfile:
    index: int  # position in Text.sentences
    terms: dict[str, float]
    bigrams: KeySet
    mass: float


class Profile:
    """What the rewording measures need of a text, computed once."""

    def __init__(self, text: Text):
        self.text = text
        self.language = text.language
        self._sentences: dict[int, SentenceProfile] = {}

    @cached_property
    def indexes(self) -> tuple[int, ...]:
        """Positions (in Text.sentences) of the sentences profiled: those of MIN_SENTENCE_TOKENS or more."""
        return tuple(i for i, s in enumerate(self.text.sentences) if len(s.tokens) >= MIN_SENTENCE_TOKENS)

    @cached_property
    def sentences(self) -> tuple[SentenceProfile, ...]:
        """The profile of every sentence in `indexes`: what a match needs (it is aligned whole)."""
        return tuple(self.sentence(i) for i in self.indexes)

    def sentence(self, i: int) -> SentenceProfile:
        """The profile of sentence i (one of `indexes`), made when first asked for: a query needs only
        those its word-for-word alignment left, often two or three of twenty."""
        found = self._sentences.get(i)
        if found is None:
            tokens = self.text.sentences[i].tokens
            terms = lexicon.terms(tokens, self.language)
            bigrams = lexicon.skip_bigrams(tokens, self.language)
            found = self._sentences[i] = SentenceProfile(i, terms, bigrams, sum(terms.values()))
        return found

    @cached_property
    def terms(self) -> dict[str, float]:
        return lexicon.terms_of(self.text.lexemes)

    @cached_property
    def hashed_terms(self) -> dict[int, float]:
        """Weights by stem hash (stems sharing a hash add up): what `containment_bound` needs."""
        out: dict[int, float] = {}
        hashes = _STEM_HASHES
        for t, w in self.terms.items():
            h = hashes[t]
            out[h] = out.get(h, 0.0) + w
        return out

    @cached_property
    def hashed_mass(self) -> float:
        return sum(self.hashed_terms.values())

    @cached_property
    def gate(self) -> tuple[np.ndarray, np.ndarray]:
        """The stem hashes and their weights as arrays: what `containment_bounds` needs."""
        return np.fromiter(self.hashed_terms, dtype=np.intp), np.fromiter(self.hashed_terms.values(), float)


@dataclass(frozen=True)
class Rewording:
    containment: float  # of the query sentences not skipped
    alignment: float  # of the query sentences not skipped
    symmetric: float  # alignment total over the mean sentence count of both texts: a 0-1 similarity
    strength: float  # containment of the whole query + alignment with skipped sentences counted as 1: 0..2
    pairs: list[tuple[int, int, float]]  # (query sentence, match sentence, similarity), in order

    @property
    def score(self) -> float:
        return self.containment + self.alignment


def sentence_similarity(a: SentenceProfile, b: SentenceProfile) -> float:
    shared = sum(w for t, w in a.terms.items() if t in b.terms)
    terms = 2 * shared / (a.mass + b.mass) if a.mass + b.mass else 0.0
    n = len(a.bigrams) + len(b.bigrams)
    bigrams = 2 * len(a.bigrams.keys() & b.bigrams.keys()) / n if n else 0.0
    return 0.5 * terms + 0.5 * bigrams


def align(
    query: Sequence[SentenceProfile], match: Sequence[SentenceProfile]
) -> tuple[float, list[tuple[int, int, float]]]:
    """Best monotonic one-to-one alignment (sum of similarities) and its pairs."""
    nq, nm = len(query), len(match)
    if not nq or not nm:
        return 0.0, []
    sim = [
        [sentence_similarity(q, m) if q.terms.keys() & m.terms.keys() else 0.0 for m in match] for q in query
    ]
    best = [[0.0] * (nm + 1) for _ in range(nq + 1)]
    for i in range(1, nq + 1):
        row, prev, s = best[i], best[i - 1], sim[i - 1]
        for j in range(1, nm + 1):
            row[j] = max(prev[j], row[j - 1], prev[j - 1] + s[j - 1])
    pairs = []
    i, j = nq, nm
    while i and j:
        if best[i][j] == best[i - 1][j]:
            i -= 1
        elif best[i][j] == best[i][j - 1]:
            j -= 1
        else:
            pairs.append((query[i - 1].index, match[j - 1].index, sim[i - 1][j - 1]))
            i, j = i - 1, j - 1
    return best[nq][nm], pairs[::-1]


def reworded(query: Profile, match: Profile, skip: set[int] | None = None) -> Rewording:
    """The rewording measures of `query` against `match`, leaving out query sentences in `skip` (those
    already aligned word for word) so that what is measured is how the rest of the text was written."""
    skip = skip or set()
    left = sum(i not in skip for i in query.indexes)
    total, containment = 0.0, 0.0
    pairs: list[tuple[int, int, float]] = []
    # A copy aligned word for word throughout leaves nothing to align: its sentences are not profiled.
    if left:
        rest = [query.sentence(i) for i in query.indexes if i not in skip]
        total, pairs = align(rest, match.sentences)
        rest_terms: dict[str, float] = {}
        for s in rest:
            for t, w in s.terms.items():
                rest_terms[t] = max(w, rest_terms.get(t, 0.0))
        containment = _contained(rest_terms, match.terms)
    alignment = total / left if left else 0.0
    counted = len(query.indexes)
    full_total = total + counted - left  # skipped sentences are verbatim: similarity 1
    mean_count = (counted + len(match.indexes)) / 2
    symmetric = min(1.0, full_total / mean_count) if mean_count else 0.0
    strength = _contained(query.terms, match.terms) + (full_total / counted if counted else 0.0)
    return Rewording(containment, alignment, symmetric, strength, pairs)


def containment(query: Profile, match: Profile) -> float:
    """The weighted share of the query's words found in the match."""
    return _contained(query.terms, match.terms)


# A stored article's word signature: the 16-bit hashes of its stems, sorted (2 bytes a stem, about 400
# bytes an article). It answers "which of the query's stems does the article have?" without parsing the
# article, so `containment` is bounded from above for every candidate at the cost of a short read: a
# hash collision only adds a word, so the bound never drops below the true containment. Texts with more
# stems than SIGNATURE_MAX_STEMS get none (and are always verified in full).
SIGNATURE_MAX_STEMS = 2048


def _crc16(stem: str) -> int:
    return zlib.crc32(stem.encode("utf-8")) & 0xFFFF


_STEM_HASHES = Memo(_crc16)


def signature(profile: Profile) -> bytes:
    """The word signature of a text (see SIGNATURE_MAX_STEMS); empty when it has too many stems."""
    hashes = sorted(profile.hashed_terms)  # its keys: the stem hashes, which the gate needs too
    if len(hashes) > SIGNATURE_MAX_STEMS:
        return b""
    return struct.pack(f">{len(hashes)}H", *hashes)


def containment_bound(query: Profile, signature: bytes) -> float:
    """An upper bound of `containment(query, match)` from the match's signature alone."""
    return containment_bounds(query, [signature])[0]


def containment_bounds(query: Profile, signatures: Sequence[bytes]) -> list[float]:
    """`containment_bound` of each signature, in one pass of numpy over all of them: a table of the
    query's weight by stem hash (0 for hashes it lacks), read at every hash of every signature. One at a
    time, a set of ~200 hashes was made per candidate (30 µs each, ~15 candidates a submission)."""
    mass = query.hashed_mass
    sizes = [len(s) // 2 for s in signatures]
    if not mass or not any(sizes):
        return [0.0] * len(signatures)
    hashes, weights = query.gate
    table = np.zeros(1 << 16)  # 512 KB, made afresh (8 µs) rather than kept with the profile
    table[hashes] = weights
    found = table.take(np.frombuffer(b"".join(signatures), dtype=">u2"))
    # Each signature's sum over its run of `found` (reduceat wants the starts of the non-empty runs).
    starts = np.cumsum([0, *sizes[:-1]])
    filled = [i for i, n in enumerate(sizes) if n]
    sums = [0.0] * len(signatures)
    for i, total in zip(filled, np.add.reduceat(found, starts[filled]).tolist(), strict=True):
        sums[i] = total
    return [v / mass for v in sums]


def _contained(terms: dict[str, float], other: dict[str, float]) -> float:
    mass = sum(terms.values())
    return sum(w for t, w in terms.items() if t in other) / mass if mass else 0.0

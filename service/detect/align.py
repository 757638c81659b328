"""Rewording: which sentences of a text say what sentences of another say, in other words.

Each text gets a Profile: its units (service/detect/text.py sentences, long ones cut) as content stems,
its words' stems and weights, and, for the side matched against, an index from each stem to the windows
that hold it (a unit alone, or a unit and the next: a rewrite joins two sentences into one as often as
it cuts one in two). A query unit is reworded from a window when the window holds `least` of the
unit's content words, weighed (by their lexicon weights; in a language the lexicon cannot weigh, where
every word has lexicon.UNKNOWN_WEIGHT, each capped by the index's document frequencies, scaled to the
lexicon's range, once the index holds terms.IDF_MIN_ARTICLES articles: terms.weights): a paraphrase
swaps some words for synonyms but keeps most of what a sentence is about, while a sentence of
independent coverage of the same event shares its names and figures and little else. `match_units`
finds, for every unit of a text, its best windows of the other, in time linear in the texts' lengths
(only windows sharing a stem are scored; stems found in very many windows are no evidence and are
skipped), and `best_chain` keeps the pairs that follow both texts' order.
service/detect/thresholds.py holds the cut-offs and why.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from service.detect import kernels, lexicon
from service.detect.memo import Memo
from service.detect.text import Text

MIN_SENTENCE_TOKENS = 4
# A word below this weight (lexicon.CONTENT_WEIGHT) is a function word: no evidence of rewording.
CONTENT_WEIGHT = lexicon.CONTENT_WEIGHT
# A stem in more than 2 * WINDOW_POSTINGS = 48 windows of the matched text, singles and pairs counted
# together (LONGEST bytes, 4 a window), is what the text is about (its subject's name), not evidence of
# which of its sentences a unit rewords: skipped, so that a long text costs linear time. A stem in k units
# is in 2k - 1 to 3k windows, so it is skipped from 17 units on at the earliest, from 25 on always.
WINDOW_POSTINGS = 24
LONGEST = WINDOW_POSTINGS * 2 * 4  # in bytes of packed windows (4 each; a stem may be in singles and pairs)


@dataclass(frozen=True)
class Unit:
    """A unit of a text as rewording reads it: its position in Text.sentences, its content stems with
    their lexicon weights (each stem once, at its highest weight), and its tokens' count."""

    index: int
    stems: dict[str, float]
    size: int


class Profile:
    """What verification needs of a text, computed once (and kept for stored texts: Tracer.profile_of)."""

    def __init__(self, text: Text):
        self.text = text
        self.language = text.language

    @cached_property
    def units(self) -> tuple[Unit, ...]:
        """Every unit of the text, with its content stems (a unit without any has none)."""
        out = []
        lexemes, at = self.text.lexemes, 0
        for i, sentence in enumerate(self.text.sentences):
            own = lexemes[at : at + len(sentence.tokens)]
            at += len(sentence.tokens)
            out.append(Unit(i, lexicon.terms_of((k, v) for k, v in own if v >= CONTENT_WEIGHT), len(own)))
        return tuple(out)

    @cached_property
    def windows(self) -> dict[str, bytes]:
        """Stem -> the windows holding it, window w being unit w alone for w < n, and units w - n and
        w - n + 1 together from n on (n units): the lookup table of `match_units` on the matched side.
        Each stem's windows are packed as 4-byte integers (text.KeySet says why: bytes are never walked by
        the garbage collector, tuples are)."""
        return kernels.windows([unit.stems for unit in self.units], len(self.units))

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
class UnitMatch:
    query: int  # unit of the query (position in its Text.sentences)
    match: int  # first unit of the matched window
    last: int  # last unit of the matched window (the same, or the next)
    similarity: float  # weighted share of the query unit's content words the window holds


def match_units(
    query: Profile,
    match: Profile,
    least: float,
    skip: set[int] | None = None,
    weights: Mapping[str, float] | None = None,
    most_units: int = 0,
    per_unit: int = 1,
) -> list[UnitMatch]:
    """For each query unit not in `skip` with content words, its `per_unit` best windows of `match` that
    hold at least `least` of them, weighed by their lexicon weights, each capped by its weight in `weights`
    where that has one (kernels.match_scores_python), best first. With `most_units`, only that many query
    units, spread evenly over the text, are read (the budget of a very long text)."""
    skip = skip or set()
    units = [u for u in query.units if u.stems and u.index not in skip]
    if not units:
        return []
    if most_units and len(units) > most_units:
        step = len(units) / most_units
        units = [units[int(k * step)] for k in range(most_units)]
    n = len(match.units)
    given = (weights if isinstance(weights, dict) else dict(weights)) if weights else None
    scores = kernels.match_scores(
        [(u.index, u.stems) for u in units], given, match.windows, 2 * n, least, per_unit, LONGEST
    )
    found: list[UnitMatch] = []
    # A pair wins over its first unit alone only by holding more (ties go to the lower window number).
    for index, w, score, mass in scores:
        first = w if w < n else w - n
        last = first if w < n else first + 1
        found.append(UnitMatch(index, first, last, round(score / mass, 4)))
    return found


def best_chain(items: Sequence[tuple[int, int, float]]) -> list[int]:
    """Of (query unit, matched unit, weight) items, several per query unit allowed, the positions of a chain
    increasing in both units with the largest total weight (each query unit once): a monotonic alignment,
    in O(n log n) with a Fenwick tree of the best chain ending before each matched unit."""
    if not items:
        return []
    order = sorted(range(len(items)), key=lambda k: (items[k][0], items[k][1]))
    size = max(item[1] for item in items) + 2
    tree: list[tuple[float, int]] = [(0.0, -1)] * (size + 1)

    def best_before(j: int) -> tuple[float, int]:  # the best chain ending at a matched unit < j
        out, j = (0.0, -1), j  # positions in the tree are matched units + 1
        while j > 0:
            out = max(out, tree[j])
            j -= j & -j
        return out

    def update(j: int, value: tuple[float, int]) -> None:
        j += 1
        while j <= size:
            tree[j] = max(tree[j], value)
            j += j & -j

    total = [0.0] * len(items)
    back = [-1] * len(items)
    k = 0
    while k < len(order):  # the items of one query unit read the tree before any of them joins it
        same = [order[k]]
        while k + len(same) < len(order) and items[order[k + len(same)]][0] == items[order[k]][0]:
            same.append(order[k + len(same)])
        for at in same:
            before, back[at] = best_before(items[at][1])
            total[at] = before + items[at][2]
        for at in same:
            update(items[at][1], (total[at], at))
        k += len(same)
    at = max(range(len(items)), key=lambda a: total[a])
    out: list[int] = []
    while at != -1:
        out.append(at)
        at = back[at]
    return out[::-1]


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


def unit_bounds(
    query: Profile,
    signatures: Sequence[bytes],
    least: float,
    weights: Mapping[str, float] | None = None,
    left_out: frozenset[int] = frozenset(),
) -> list[tuple[float, float]]:
    """For each stored word signature, two upper measures from it alone, without reading the article:
    - the share of the query's tokens (units in `left_out` not counted) in units that could be reworded
      from it, or copied: units whose content words, weighed as `match_units` weighs them (capped by
      `weights`), the article has at least `least` of, and units without content words (which only a
      verbatim match can cover). A window of the article holds no more of a unit than the article does,
      and a hash collision only adds a word, so compare()'s coverage from reworded and verbatim units
      never exceeds it (up to the `most_units` budget, which extrapolates: callers skip it then).
    - the share of the article's stems that the query has (by hash): how much of the article the query
      could hold, which an expansion (compare._expansion) needs most of.
    Empty signatures (articles with too many stems) give (1.0, 1.0): they are always verified."""
    sizes = [0 if i in left_out else len(s.tokens) for i, s in enumerate(query.text.sentences)]
    total = sum(sizes)
    hashes: list[int] = []
    masses: list[float] = []
    owners: list[int] = []
    bare = 0
    units: list[tuple[int, float]] = []
    for unit in query.units:
        size = sizes[unit.index]
        if not size:
            continue
        stems = kernels.capped(unit.stems, weights)
        mass = sum(stems.values())
        if not mass:
            bare += size  # no content word: coverable only word for word
            continue
        k = len(units)
        units.append((size, least * mass))
        for stem, weight in stems.items():
            hashes.append(_STEM_HASHES[stem])
            masses.append(weight)
            owners.append(k)
    own = np.fromiter(query.hashed_terms, dtype=np.intp)
    unit_hashes = np.array(hashes, dtype=np.intp)
    unit_weights = np.array(masses, dtype=float)
    unit_owner = np.array(owners, dtype=np.intp)
    # The floors a little lower than match_scores' own: these sums add the same weights in another order.
    floors = np.array([f for _, f in units], dtype=float) * (1 - 1e-9) - 1e-12
    unit_sizes = np.array([n for n, _ in units], dtype=float)
    mine = np.zeros(1 << 16, dtype=bool)
    mine[own] = True
    present = np.zeros(1 << 16, dtype=bool)
    out = []
    for sig in signatures:
        if not sig or not total:
            out.append((1.0, 1.0))
            continue
        theirs = np.frombuffer(sig, dtype=">u2").astype(np.intp)
        present[theirs] = True
        held = np.bincount(unit_owner, weights=unit_weights * present[unit_hashes], minlength=len(units))
        present[theirs] = False
        coverable = bare + float(unit_sizes[held >= floors].sum())
        out.append((coverable / total, float(mine[theirs].mean())))
    return out


def _contained(terms: dict[str, float], other: dict[str, float]) -> float:
    mass = sum(terms.values())
    return sum(w for t, w in terms.items() if t in other) / mass if mass else 0.0

"""Text -> fingerprints: the article's 64-bit SimHash (the `simhash` package) and passage fingerprints.

Views, each indexed in Redis (service/store/index.py):
- `simhash`: SimHash over word 3-shingles of the whole text; near-duplicates lie within a few bits
  (Manku et al. 2007), found through block tables.
- `passages`: per sentence of 6 or more tokens, the two smallest 64-bit hashes of its word 3-shingles that
  hold a telling word (a bottom-2 MinHash; PASSAGE_MIN_WEIGHT): a sentence copied word for word, or with a
  word changed, shares at least one with its source, so excerpts and partial reuse are found however
  little of the article they take.
- `anchors`: pairs of the text's most telling rare words (names, figures, rare terms;
  service/detect/lexicon.py). A rewrite or a summary rewords every sentence but keeps who and what: it
  shares several pairs with its original. Pairs, not single words, keep each posting list short however
  many articles name one person.
- `quotes`: quoted speech of four words or more, which rewrites keep word for word.
- `terms`: the content words a stored article is found by (service/detect/terms.py): unlike the other views,
  chosen by the index's document frequencies, so the store sets them when it adds the article.
ALGORITHM names this recipe; fingerprints are cached under it, so changing the recipe means re-indexing.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import xxhash
from simhash import Simhash

from service.detect import kernels, lexicon
from service.detect.text import Text, names, shingles

ALGORITHM = "fp6"  # fp6: tokens of the comparison form (service/detect/form.py), words of every script,
# long sentences cut into units, languages by py3langid; fp5: SimHash features hashed by xxHash64, not
# MD5 (half the time); fp4: xxHash64
# view hashes (fp3: BLAKE2b, 5x slower), passages of telling shingles only
BITS = 64
PASSAGE_MIN_TOKENS = 6
PASSAGE_BOTTOM = 2
# A passage hash comes from a shingle with at least one word this telling (lexicon.weight, 0-6): shingles
# of common words only ("it is a", "a lot of", "he told the") are in thousands of sentences, and one
# that hashes low is the smallest hash of every sentence it is in, so two unrelated articles shared it
# (measured: the 25 most shared passage values of synthetic news were all such phrases).
PASSAGE_MIN_WEIGHT = 2.5
# Passage, anchor and quote fingerprints keep 36 bits: 16 name an index bucket, 20 are checked inside it.
# At a million articles a partition's bucket holds a few hundred entries, so a chance match of the 20
# bits is about 1 in 3,000 lookups, and verification drops it.
VIEW_BITS = 36
ANCHORS = 8  # 28 pairs


def hash64(value: str) -> int:
    """A stable 64-bit hash (not Python's hash(), which changes with every process)."""
    return xxhash.xxh64_intdigest(value)


def simhash(tokens: Sequence[str]) -> int:
    """64-bit SimHash of a token sequence over weighted word 3-shingles (a shingle weighs as often as it
    occurs, up to the package's cut-off)."""
    return simhash_of(shingles(tokens))


def simhash_of(features: Sequence[str]) -> int:
    """64-bit SimHash of a text's word 3-shingles, in order (`shingles`; Text.shingles)."""
    if not features:
        return 0
    # Each shingle is hashed by xxHash64 (8 bytes, C), not the package's default MD5: half the time of
    # the whole SimHash, with hash bits as uniform (a SimHash needs no cryptographic hash). The compiled
    # kernel computes the package's sum (kernels.simhash_python is the package itself, the reference).
    most = Simhash.large_weight_cutoff
    counts = Counter(features)
    if max(counts.values()) <= most:
        # The shingles as they come, repeats and all: the package adds a repeated feature's hash once per
        # occurrence, which is the sum it makes of {feature: count}, without a tuple per feature (a
        # quarter of the SimHash's time).
        return kernels.simhash(features, None)
    # simhash 2.1 multiplies a uint8 bit array by weights above its cut-off of 50, which numpy 2 refuses
    # from 256 on (a table of zeros repeats "0 0 0" hundreds of times): weights stop there.
    return kernels.simhash(list(counts), [min(n, most) for n in counts.values()])


def passage_hashes(sentence_tokens: Sequence[str], language: str = lexicon.DEFAULT_LANGUAGE) -> list[int]:
    """The sentence's bottom-2 hashes of its telling word 3-shingles (see PASSAGE_MIN_WEIGHT), cut to
    VIEW_BITS; none for short sentences."""
    if len(sentence_tokens) < PASSAGE_MIN_TOKENS:
        return []
    return _bottom_of(shingles(sentence_tokens), _telling_of(lexicon.lexemes(sentence_tokens, language)))


def _telling_of(lexemes: Iterable[tuple[str, float]]) -> list[bool]:
    return [value >= PASSAGE_MIN_WEIGHT for _, value in lexemes]


def _bottom_of(sentence_shingles: Sequence[str], telling: Sequence[bool]) -> list[int]:
    """The passage hashes of a sentence of PASSAGE_MIN_TOKENS or more from its word 3-shingles, in
    order: shingle i (tokens i, i+1, i+2) is kept when one of its three words is telling."""
    digest = xxhash.xxh64_intdigest
    hashes = sorted(
        {
            digest(shingle)
            for i, shingle in enumerate(sentence_shingles)
            if telling[i] or telling[i + 1] or telling[i + 2]
        }
    )
    return [_cut(h) for h in hashes[:PASSAGE_BOTTOM]]


def text_passage_hashes(text: Text) -> list[int]:
    """passage_hashes of every sentence of the text, in order."""
    return [h for own in sentence_passage_hashes(text) for h in own]


def sentence_passage_hashes(text: Text) -> list[list[int]]:
    """passage_hashes of each sentence of the text: the words weighed once (Text.lexemes), the shingles
    joined once (Text.sentence_shingle_lists)."""
    telling = _telling_of(text.lexemes)
    out: list[list[int]] = []
    for sentence, start, own in zip(
        text.sentences, text.sentence_starts, text.sentence_shingle_lists, strict=True
    ):
        if len(sentence.tokens) >= PASSAGE_MIN_TOKENS:
            out.append(_bottom_of(own, telling[start : start + len(sentence.tokens)]))
        else:
            out.append([])
    return out


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_hex(fingerprint: int) -> str:
    return f"{fingerprint:016x}"


def anchor_pairs(text: Text, language: str) -> list[int]:
    ranked = sorted(lexicon.anchors(text.tokens, language, ANCHORS, names(text)))
    return [_cut(hash64(f"{a} {b}")) for i, a in enumerate(ranked) for b in ranked[i + 1 :]]


def quote_hashes(text: Text) -> list[int]:
    return [_cut(hash64(" ".join(quote.tokens))) for quote in text.quotes]


def _cut(value: int) -> int:
    return value >> (BITS - VIEW_BITS)


@dataclass(frozen=True)
class Fingerprints:
    """All views of one text. `pack`/`unpack` give the compact form cached and stored in Redis."""

    simhash: int
    passages: tuple[int, ...] = ()
    anchors: tuple[int, ...] = ()
    quotes: tuple[int, ...] = ()
    terms: tuple[int, ...] = ()

    @classmethod
    def of(cls, text: Text) -> Fingerprints:
        language = text.language
        return cls(
            simhash=simhash_of(text.shingles),
            passages=_unique(text_passage_hashes(text)),
            anchors=_unique(anchor_pairs(text, language)),
            quotes=_unique(quote_hashes(text)),
        )

    def pack(self) -> bytes:
        """8 bytes of SimHash, four counts, then 5 bytes per view fingerprint."""
        views = (self.passages, self.anchors, self.quotes, self.terms)
        head = struct.pack(">QHHHH", self.simhash, *(len(v) for v in views))
        return head + b"".join(value.to_bytes(5, "big") for view in views for value in view)

    @classmethod
    def unpack(cls, raw: bytes, views: int = 4) -> Fingerprints:
        """From `pack`; `views=3`: the form of records before the term view (record versions 3 and 4)."""
        simhash_value, *counts = struct.unpack_from(">Q" + "H" * views, raw)
        offset, found = 8 + 2 * views, []
        for n in counts:
            found.append(
                tuple(int.from_bytes(raw[offset + 5 * i : offset + 5 * i + 5], "big") for i in range(n))
            )
            offset += 5 * n
        return cls(simhash_value, *found)


def _unique(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(values))

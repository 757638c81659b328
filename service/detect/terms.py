"""The term view: a text's content words, weighed by how rare they are in the index itself.

A rewrite rewords every sentence, so its passages, its SimHash and often its pairs of names no longer
match its original; but it keeps most of what the original is about: its names, places, figures and the
rare words of its subject. Bag-of-words retrieval ranks such an original first (BM25 did for 1.00 of F3's
GPT-3.5 paraphrases), where the phrase views found half. So each stored article also indexes its
INDEXED_TERMS rarest content words, rarest by the index's document frequencies (kept in Redis by the
store, raised by every article added and lowered by every one deleted); a text asked about looks up its
QUERY_TERMS rarest content words among those the index holds, and every article sharing one is a
candidate, ranked by how many it shares. A word in more than `max_df` articles (per partition) is what
many stories are about: its postings stop growing (the store keeps the earliest), it is never looked up,
and a lookup reads a bounded number of articles however large the index grows.

Everything here is a pure function of a text and of the frequencies passed in.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import xxhash

from service.detect import lexicon
from service.detect.text import Text

TERM_BITS = 36
# Content words of a text whose document frequency is counted (and read): its rarest by the lexicon's
# weight, then in the order they appear. A long text's other words are common ones, or repeats.
COUNTED_TERMS = 300
INDEXED_TERMS = 24  # postings a stored article adds
QUERY_TERMS = 32  # postings a text asked about reads


def term_hash(stem: str) -> int:
    """A term's 36-bit hash: its bucket of postings, and its document frequency's key."""
    return int(xxhash.xxh64_intdigest(stem) >> (64 - TERM_BITS))


def df_entry(term: int) -> bytes:
    """A term as the store's scripts take it: its frequency's bucket (12 bits, 2 bytes), then its field
    (the other 24 bits, 3 bytes)."""
    return (term >> 24).to_bytes(2, "big") + (term & 0xFFFFFF).to_bytes(3, "big")


def counted_terms(text: Text) -> tuple[tuple[str, int, int], ...]:
    """(stem, its hash, how often it occurs) of the text's counted content words (see COUNTED_TERMS):
    words of at least lexicon.CONTENT_WEIGHT, figures included, words of one letter left out."""
    tf: Counter[str] = Counter()
    weight: dict[str, float] = {}
    for (stem, w), token in zip(text.lexemes, text.tokens, strict=True):
        if w < lexicon.CONTENT_WEIGHT or len(token) < 2:
            continue
        tf[stem] += 1
        weight[stem] = max(w, weight.get(stem, 0.0))
    ranked = sorted(tf, key=lambda stem: -weight[stem])  # stable: first appearance breaks ties
    return tuple((stem, term_hash(stem), tf[stem]) for stem in ranked[:COUNTED_TERMS])


def idf(df: int, articles: int) -> float:
    """BM25's inverse document frequency, floored at a small positive value."""
    return max(0.01, math.log((articles - df + 0.5) / (df + 0.5) + 1.0))


def select(
    terms: Sequence[tuple[str, int, int]],
    df: Mapping[int, int],
    articles: int,
    most: int,
    max_df: int,
    known_only: bool,
) -> tuple[int, ...]:
    """The hashes of the `most` terms most telling of the text (idf times 1 + log tf), among those in at
    most `max_df` articles; with `known_only`, only terms some article holds (a lookup: a term no article
    has finds nothing)."""
    scored = []
    for position, (_, term, tf) in enumerate(terms):
        n = df.get(term, 0)
        if n > max_df or (known_only and n == 0):
            continue
        scored.append((-idf(n, articles) * (1.0 + math.log(tf)), position, term))
    scored.sort()
    return tuple(sorted({term for *_, term in scored[:most]}))


def weights(
    text: Text, df: Mapping[int, int], articles: int, terms: Sequence[tuple[str, int, int]] | None = None
) -> dict[str, float]:
    """The query's content words weighed for verification. The lexicon's weights (general use of the
    language) where it has them; in a language it cannot weigh (lexicon.UNKNOWN_WEIGHT for every word),
    the index's idf scaled to the lexicon's range, once the index holds enough articles to tell
    (IDF_MIN_ARTICLES)."""
    if text.language in lexicon.WORDFREQ or articles < IDF_MIN_ARTICLES:
        return {}
    top = math.log(articles + 1.0)
    return {
        stem: min(lexicon.MAX_WEIGHT, lexicon.MAX_WEIGHT * idf(df.get(term, 0), articles) / top)
        for stem, term, _ in (terms if terms is not None else counted_terms(text))
    }


IDF_MIN_ARTICLES = 100

"""Verification: how one text relates to one candidate article, and the evidence for it.

Sentences of the query are aligned to sentences of the candidate by shared word 3-shingles, keeping the
order of the candidate (a longest chain of increasing positions), so the evidence is a list of passages:
character spans in both texts, verbatim or not. The relation follows from how much of each text the
aligned passages cover (service/thresholds.py says why each threshold has its value).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from service.fingerprint import shingles
from service.text import Sentence, Text
from service.thresholds import Thresholds

WHOLE = ("duplicate", "near_duplicate", "rewrite")
RELATIONS = (*WHOLE, "partial", "none")


@dataclass(frozen=True)
class Passage:
    """An aligned pair of sentences: spans in the query and in the matched article."""

    query_start: int
    query_end: int
    match_start: int
    match_end: int
    kind: str  # "verbatim" or "reworded"
    similarity: float


@dataclass
class Comparison:
    relation: str
    score: float
    containment_query: float
    containment_match: float
    reused_share: float
    passages: list[Passage] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)


def _sentence_shingles(sentence: Sentence) -> set[str]:
    return set(shingles(sentence.tokens))


def align_verbatim(query: Text, match: Text, limits: Thresholds) -> list[Passage]:
    """Query sentences that occur, word for word or nearly, in the match; in the match's order."""
    where: dict[str, set[int]] = defaultdict(set)
    match_shingles = [_sentence_shingles(s) for s in match.sentences]
    for j, sh in enumerate(match_shingles):
        for s in sh:
            where[s].add(j)
    pairs: list[tuple[int, int, float]] = []
    for i, sentence in enumerate(query.sentences):
        own = _sentence_shingles(sentence)
        if not own:
            continue
        counts: dict[int, int] = defaultdict(int)
        for s in own:
            for j in where.get(s, ()):
                counts[j] += 1
        if not counts:
            continue
        j, shared = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
        similarity = shared / max(len(own), 1)
        if similarity >= limits.verbatim_sentence:
            pairs.append((i, j, similarity))
    chain = _longest_increasing(pairs)
    return [
        Passage(
            query.sentences[i].start, query.sentences[i].end, match.sentences[j].start, match.sentences[j].end,
            "verbatim", round(sim, 3),
        )
        for i, j, sim in chain
    ]


def _longest_increasing(pairs: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The longest subsequence of (query, match) pairs increasing in both positions (O(n^2), n sentences).
    Repeated sentences keep one alignment each, in order."""
    if not pairs:
        return []
    best = [1] * len(pairs)
    back = [-1] * len(pairs)
    for b in range(len(pairs)):
        for a in range(b):
            if pairs[a][1] < pairs[b][1] and pairs[a][0] < pairs[b][0] and best[a] + 1 > best[b]:
                best[b], back[b] = best[a] + 1, a
    end = max(range(len(pairs)), key=lambda k: best[k])
    chain = []
    while end != -1:
        chain.append(pairs[end])
        end = back[end]
    return chain[::-1]


def compare(query: Text, match: Text, limits: Thresholds) -> Comparison:
    """The relation of `query` to `match` (duplicate, near_duplicate, partial, none) with its evidence."""
    q_shingles, m_shingles = set(shingles(query.tokens)), set(shingles(match.tokens))
    shared = len(q_shingles & m_shingles)
    containment_query = shared / max(len(q_shingles), 1)
    containment_match = shared / max(len(m_shingles), 1)
    dice = 2 * shared / max(len(q_shingles) + len(m_shingles), 1)

    passages = align_verbatim(query, match, limits)
    aligned_query = {p.query_start for p in passages}
    reused_tokens = sum(len(s.tokens) for s in query.sentences if s.start in aligned_query)
    reused_share = reused_tokens / max(len(query.tokens), 1)

    if containment_query >= limits.duplicate_containment and containment_match >= limits.duplicate_containment:
        relation = "duplicate"
    elif reused_share >= limits.near_duplicate_share:
        relation = "near_duplicate"
    elif reused_tokens >= limits.partial_min_tokens and reused_share >= limits.partial_min_share:
        relation = "partial"
    else:
        relation = "none"
    return Comparison(
        relation=relation,
        score=round(dice, 4) if relation != "none" else 0.0,
        containment_query=containment_query,
        containment_match=containment_match,
        reused_share=reused_share,
        passages=passages,
    )

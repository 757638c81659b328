"""Verification: how one text relates to one candidate article, and the evidence for it.

Two alignments of sentences, both keeping the order of the candidate:
- verbatim: query sentences found word for word or nearly (shared word 3-shingles) in a candidate
  sentence: copies, excerpts, light edits and reused paragraphs;
- reworded (service/detect/align.py): the remaining query sentences against the candidate's, by weighted stems
  and phrasing: paraphrases, language-model rewrites, summaries.
The relation follows from how much of the text each covers; service/detect/thresholds.py says why each
threshold has its value. Quoted speech shared by both texts is reported, but a shared quote alone never
makes a text derived: independent reports of one event quote the same people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from service.detect.align import Profile, Rewording, containment, reworded
from service.detect.text import Text, tokens
from service.detect.thresholds import Thresholds

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
    strength: float = 0.0
    reused_share: float = 0.0
    fallback: str = "none"  # the relation if this match is not the text's source as a whole
    passages: list[Passage] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)


def verbatim_pairs(query: Text, match: Text, limits: Thresholds) -> list[tuple[int, int, float]]:
    """(query sentence, match sentence, share of shingles) for query sentences the match has word for
    word or nearly, as the longest chain in the match's order."""
    where = match.shingle_sentences
    pairs: list[tuple[int, int, float]] = []
    for i, own in enumerate(query.sentence_shingles):
        counts: dict[int, int] = defaultdict(int)
        for s in own:
            for j in where.get(s, ()):
                counts[j] += 1
        if counts:
            j, shared = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
            if shared / len(own) >= limits.verbatim_sentence:
                pairs.append((i, j, shared / len(own)))
    return _longest_increasing(pairs)


def _longest_increasing(pairs: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The longest subsequence of pairs increasing in both positions (O(n^2) in sentences)."""
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


def shared_quotes(query: Text, match: Text) -> list[str]:
    """Quoted speech of the query that the match has word for word."""
    haystack = f" {' '.join(match.tokens)} "
    found = []
    for quote in query.quotes:
        if f" {' '.join(quote.tokens)} " in haystack:
            found.append(query.text[quote.start : quote.end])
    return found


def _quoted_tokens(text: Text) -> list[int]:
    """Per sentence, how many of its tokens lie inside quoted speech."""
    spans = [(quote.start, quote.end) for quote in text.quotes]
    return [
        sum(
            len(tokens(text.text[max(s.start, a) : min(s.end, b)]))
            for a, b in spans
            if a < s.end and b > s.start
        )
        for s in text.sentences
    ]


@dataclass(frozen=True)
class Reuse:
    """How much of the query the verbatim alignment covers, in tokens, with quoted speech told apart."""

    share: float  # of all tokens
    unquoted_tokens: int  # reused tokens outside quotes
    unquoted_share: float  # reused tokens outside quotes, of all tokens
    narrative_share: float  # reused tokens outside quotes, of all tokens outside quotes

    @classmethod
    def of(cls, text: Text, reused: set[int]) -> Reuse:
        quoted = _quoted_tokens(text) if reused else [0] * len(text.sentences)
        total = max(len(text.tokens), 1)
        narrative = sum(len(s.tokens) - q for s, q in zip(text.sentences, quoted, strict=True))
        reused_all = sum(len(text.sentences[i].tokens) for i in reused)
        reused_narrative = sum(len(text.sentences[i].tokens) - quoted[i] for i in reused)
        return cls(
            reused_all / total,
            reused_narrative,
            reused_narrative / total,
            reused_narrative / narrative if narrative else 1.0,
        )


def compare(query: Profile, match: Profile, limits: Thresholds) -> Comparison:
    """The relation of `query` to `match`, with a 0-1 similarity and the evidence."""
    q, m = query.text, match.text
    verbatim = verbatim_pairs(q, m, limits)
    if not verbatim and containment(query, match) < limits.rewrite_min_containment:
        return Comparison(relation="none", score=0.0)  # neither copied nor reworded: skip the alignment
    q_shingles, m_shingles = q.shingle_set, m.shingle_set
    shared = len(q_shingles.keys() & m_shingles.keys())
    containment_query = shared / max(len(q_shingles), 1)
    containment_match = shared / max(len(m_shingles), 1)
    dice = 2 * shared / max(len(q_shingles) + len(m_shingles), 1)
    reuse = Reuse.of(q, {i for i, _, _ in verbatim})
    rewording = reworded(query, match, skip={i for i, _, _ in verbatim})

    relation = decide(limits, containment_query, containment_match, reuse, rewording)
    fallback = "partial" if _is_partial(limits, reuse) else "none"
    passages = [_passage(q, m, i, j, sim, "verbatim") for i, j, sim in verbatim]
    passages += [
        _passage(q, m, i, j, sim, "reworded")
        for i, j, sim in rewording.pairs
        if sim >= limits.reworded_sentence
    ]
    passages.sort(key=lambda p: p.query_start)
    score = max(dice, rewording.symmetric) if relation != "none" else 0.0
    return Comparison(
        relation=relation,
        score=round(min(score, 1.0), 4),
        strength=rewording.strength,
        reused_share=reuse.share,
        fallback=fallback,
        passages=passages,
        quotes=shared_quotes(q, m),
    )


def decide(
    limits: Thresholds, containment_query: float, containment_match: float, reuse: Reuse, rewording: Rewording
) -> str:
    if (
        containment_query >= limits.duplicate_containment
        and containment_match >= limits.duplicate_containment
    ):
        return "duplicate"
    if (
        reuse.share >= limits.near_duplicate_share
        and reuse.narrative_share >= limits.near_duplicate_narrative
    ):
        return "near_duplicate"
    if (
        rewording.alignment >= limits.rewrite_alignment
        and rewording.score + reuse.share >= limits.rewrite_score
        and (
            reuse.unquoted_share < limits.rewrite_max_unquoted_reuse
            or rewording.alignment >= limits.rewrite_strong_alignment
        )
    ):
        return "rewrite"
    return "partial" if _is_partial(limits, reuse) else "none"


def _is_partial(limits: Thresholds, reuse: Reuse) -> bool:
    """Reused passages beyond a shared quote: enough narrative text, and a fair share of the query."""
    return reuse.unquoted_tokens >= limits.partial_min_tokens and reuse.share >= limits.partial_min_share


def _passage(q: Text, m: Text, i: int, j: int, similarity: float, kind: str) -> Passage:
    a, b = q.sentences[i], m.sentences[j]
    return Passage(a.start, a.end, b.start, b.end, kind, round(similarity, 3))

"""Verification: how one text relates to one candidate article, and the evidence for it.

Two matchings of units (sentences), kept together in the order of both texts:
- verbatim: query units found word for word or nearly (shared word 3-shingles) in a candidate unit:
  copies, excerpts, light edits and reused paragraphs;
- reworded (service/detect/align.py): the remaining query units whose content words a window of the
  candidate holds: paraphrases, language-model rewrites, summaries.
`coverage`, the share of the query's tokens in units of that chain, is how much of the text comes from
the candidate; it is the score, and the relation follows from it (service/detect/thresholds.py says why
each threshold has its value). Quoted speech shared by both texts is reported, but a shared quote alone
never makes a text derived: independent reports of one event quote the same people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from service.detect.align import Profile, best_chain, containment, match_units
from service.detect.text import Text
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
            found = where.get(s, ())
            if len(found) > STOCK_SHINGLE_UNITS:  # a stock phrase of the text: no evidence, and costly
                continue
            for j in found:
                counts[j] += 1
        if counts:
            j, shared = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
            if shared / len(own) >= limits.verbatim_sentence:
                pairs.append((i, j, shared / len(own)))
    return _longest_increasing(pairs)


# A word 3-shingle in more units of the matched text than this is one of its stock phrases.
STOCK_SHINGLE_UNITS = 24


def _longest_increasing(pairs: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The longest subsequence of pairs increasing in both positions (pairs come in query order)."""
    return [pairs[k] for k in best_chain([(i, j, 1.0) for i, j, _ in pairs])]


def shared_quotes(query: Text, match: Text) -> list[str]:
    """Quoted speech of the query that the match has word for word."""
    haystack = f" {' '.join(match.tokens)} "
    found = []
    for quote in query.quotes:
        if f" {' '.join(quote.tokens)} " in haystack:
            found.append(query.text[quote.start : quote.end])
    return found


def _quoted_tokens(text: Text) -> tuple[int, ...]:
    return text.quoted_tokens


@dataclass(frozen=True)
class Reuse:
    """How much of the query the verbatim alignment covers, in tokens, with quoted speech told apart."""

    share: float  # of all tokens
    unquoted_tokens: int  # reused tokens outside quotes
    unquoted_share: float  # reused tokens outside quotes, of all tokens
    narrative_share: float  # reused tokens outside quotes, of all tokens outside quotes

    @classmethod
    def of(cls, text: Text, reused: set[int], left_out: frozenset[int] = frozenset()) -> Reuse:
        """`left_out`: sentences not counted at all (boilerplate)."""
        quoted = _quoted_tokens(text) if reused else [0] * len(text.sentences)
        total = max(len(text.tokens) - sum(len(text.sentences[i].tokens) for i in left_out), 1)
        narrative = sum(
            len(s.tokens) - q
            for i, (s, q) in enumerate(zip(text.sentences, quoted, strict=True))
            if i not in left_out
        )
        reused_all = sum(len(text.sentences[i].tokens) for i in reused)
        reused_narrative = sum(len(text.sentences[i].tokens) - quoted[i] for i in reused)
        return cls(
            reused_all / total,
            reused_narrative,
            reused_narrative / total,
            reused_narrative / narrative if narrative else 1.0,
        )


def compare(
    query: Profile,
    match: Profile,
    limits: Thresholds,
    weights: Mapping[str, float] | None = None,
    boilerplate: frozenset[int] = frozenset(),
) -> Comparison:
    """The relation of `query` to `match`, how much of the query comes from it (the score), and the
    evidence. `weights`: the query's stems weighed by the index (Tracer), else by the lexicon.
    `boilerplate`: units of the query that many stored articles share (its site's standing sentences):
    no evidence of reuse, and no part of what is measured, unless the query is only that."""
    forward = _compare(query, match, limits, weights, boilerplate)
    if forward.relation != "none" or not limits.expansion_strength:
        return forward
    return _expansion(query, match, limits, weights, boilerplate, forward) or forward


def _expansion(
    query: Profile,
    match: Profile,
    limits: Thresholds,
    weights: Mapping[str, float] | None,
    boilerplate: frozenset[int],
    forward: Comparison,
) -> Comparison | None:
    """The query as an expansion of `match`: the whole of the match reworded, in its order, inside a text
    that adds material of its own (a language model asked for a longer article, a story built around a
    brief). Measured the other way round: how much of the match comes from the query. None unless the
    match as a whole derives from the query's text, with strength (each unit counted by its similarity) of
    at least `expansion_strength`, and holds `rewrite_min_containment` of the match's words (first: the
    cheap test); the score is then the match's reworded share counted in the query's
    tokens (how much of the query comes from the match), and the relation is `rewrite` when that reaches
    `whole_coverage`, else `partial` (and none below `partial_min_share`)."""
    if containment(match, query) < limits.rewrite_min_containment:
        return None  # the candidate's words are not in the text: nothing of it is (before the verbatim pass)
    backward = _compare(match, query, limits, weights, frozenset(), left_out_of_match=boilerplate)
    if backward.relation not in WHOLE or backward.strength < limits.expansion_strength:
        return None
    share = min(1.0, backward.score * len(match.text.tokens) / max(len(query.text.tokens), 1))
    if share < limits.partial_min_share:  # a brief lost in a long text is no fair share of it
        return None
    passages = [
        Passage(p.match_start, p.match_end, p.query_start, p.query_end, p.kind, p.similarity)
        for p in backward.passages
    ]
    passages.sort(key=lambda p: p.query_start)
    return Comparison(
        relation="rewrite" if share >= limits.whole_coverage else "partial",
        score=round(share, 4),
        strength=share * backward.strength / backward.score if backward.score else 0.0,
        reused_share=max(forward.reused_share, share),
        fallback="partial",
        passages=passages,
        quotes=shared_quotes(query.text, match.text),
    )


def _compare(
    query: Profile,
    match: Profile,
    limits: Thresholds,
    weights: Mapping[str, float] | None,
    boilerplate: frozenset[int],
    left_out_of_match: frozenset[int] = frozenset(),
) -> Comparison:
    """compare() in one direction: how much of `query` comes from `match`. `left_out_of_match`: units of
    the match that are no evidence (the query's boilerplate, when _expansion compares the other way)."""
    q, m = query.text, match.text
    verbatim = [
        pair
        for pair in verbatim_pairs(q, m, limits)
        if pair[0] not in boilerplate and pair[1] not in left_out_of_match
    ]
    if not verbatim and containment(query, match) < limits.rewrite_min_containment:
        return Comparison(relation="none", score=0.0)  # neither copied nor reworded: skip the matching
    q_shingles, m_shingles = q.shingle_set, m.shingle_set
    shared = len(q_shingles.keys() & m_shingles.keys())
    containment_query = shared / max(len(q_shingles), 1)
    containment_match = shared / max(len(m_shingles), 1)
    copied = {i for i, _, _ in verbatim}
    reworded = match_units(
        query,
        match,
        limits.reworded_unit,
        skip=copied | boilerplate,
        weights=weights,
        most_units=limits.most_units,
        per_unit=limits.windows_per_unit,
    )
    if left_out_of_match:
        reworded = [r for r in reworded if not {r.match, r.last} & left_out_of_match]
    sizes = [0 if i in boilerplate else len(s.tokens) for i, s in enumerate(q.sentences)]
    total = max(sum(sizes), 1)
    read = _share_read(query, copied | boilerplate, limits.most_units)
    # The verbatim pairs and reworded windows that follow both texts' order, as many tokens as can be:
    # a rewrite follows its original sentence by sentence; independent coverage of the same event shares
    # facts here and there, each told in its own order.
    items = [(i, j, float(sizes[i])) for i, j, _ in verbatim]
    items += [(r.query, r.match, sizes[r.query] * (1 + r.similarity / 100) / read) for r in reworded]
    kept = [k for k in best_chain(items) if k >= len(verbatim)]
    in_order = [reworded[k - len(verbatim)] for k in kept]
    copied_tokens = sum(sizes[i] for i in copied)
    coverage = min(1.0, (copied_tokens + sum(sizes[r.query] for r in in_order) / read) / total)
    # The same, each reworded unit counted by how close it is: what tells the source of a rewrite from
    # another story on its subject that it also follows (Tracer._demote_weak_rewrites).
    strength = min(1.0, (copied_tokens + sum(sizes[r.query] * r.similarity for r in in_order) / read) / total)
    reuse = Reuse.of(q, copied, boilerplate)
    rest = (coverage * total - copied_tokens) / max(total - copied_tokens, 1)
    relation = decide(limits, containment_query, containment_match, reuse, coverage, rest)
    fallback = "partial" if _is_partial(limits, reuse) else "none"
    passages = [_passage(q, m, i, j, j, sim, "verbatim") for i, j, sim in verbatim]
    passages += [_passage(q, m, r.query, r.match, r.last, r.similarity, "reworded") for r in in_order]
    passages.sort(key=lambda p: p.query_start)
    if relation == "duplicate":
        coverage = max(coverage, containment_query)
    return Comparison(
        relation=relation,
        score=round(coverage, 4) if relation != "none" else 0.0,
        strength=strength,
        reused_share=reuse.share,
        fallback=fallback,
        passages=passages,
        quotes=shared_quotes(q, m),
    )


def _share_read(query: Profile, copied: set[int], most_units: int) -> float:
    """The share of the query's units left to reword that `match_units` reads (1 unless a budget cut it)."""
    left = sum(1 for u in query.units if u.stems and u.index not in copied)
    return min(1.0, most_units / left) if most_units and left > most_units else 1.0


def decide(
    limits: Thresholds,
    containment_query: float,
    containment_match: float,
    reuse: Reuse,
    coverage: float,
    rest: float,
) -> str:
    """`coverage`: the share of the query from the candidate; `rest`: the share of what is not verbatim
    that is reworded from it."""
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
    if coverage >= limits.whole_coverage and (
        reuse.unquoted_share < limits.rewrite_max_unquoted_reuse or rest >= limits.rewrite_strong_rest
    ):
        return "rewrite"
    return "partial" if _is_partial(limits, reuse) else "none"


def _is_partial(limits: Thresholds, reuse: Reuse) -> bool:
    """Reused passages beyond a shared quote: enough narrative text, and a fair share of the query."""
    return reuse.unquoted_tokens >= limits.partial_min_tokens and reuse.share >= limits.partial_min_share


def _passage(q: Text, m: Text, i: int, j: int, last: int, similarity: float, kind: str) -> Passage:
    a = q.sentences[i]
    return Passage(a.start, a.end, m.sentences[j].start, m.sentences[last].end, kind, round(similarity, 3))

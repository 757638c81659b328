"""Provenance: candidates from the index, verification, then the `original` rule of API.md.

The rule: among the matches from which the text derives as a whole (duplicate, near_duplicate, rewrite),
directly or through a chain of such reuse, the earliest-published is the original; failing that, the
earliest article the text reuses a part of; never an article published after the query's `published_at`.
Chains are resolved through the lineage stored at ingest: each article keeps its own root original.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime

from service.detect import terms as term_view
from service.detect.align import Profile, containment_bounds, unit_bounds
from service.detect.compare import WHOLE, Comparison, Passage, compare
from service.detect.fingerprint import Fingerprints, hamming, sentence_passage_hashes
from service.detect.form import Signals
from service.detect.text import Text
from service.detect.thresholds import Thresholds
from service.store.index import Article, Candidates, Command, Index, Ref

# What a candidate's shared entries weigh as evidence: a passage or a quote 2, an anchor pair, a rare term
# or a stock phrase 1. A shared SimHash block is no evidence by itself (16 bits match by chance); a
# SimHash within simhash_max_bits ranks a candidate first.
EVIDENCE_WEIGHTS = {"simhash": 0, "passages": 2, "quotes": 2, "anchors": 1, "terms": 1, "stock": 1}


COPIES = ("duplicate", "near_duplicate")


@dataclass
class Match:
    article: Article
    relation: str
    score: float
    passages: list[Passage] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    via: str | None = None  # the article through which a chain reached this original
    strength: float = 0.0
    reused_share: float = 0.0
    fallback: str = "none"


@dataclass
class Provenance:
    verdict: str
    original: Match | None
    score: float
    matches: list[Match]
    signals: Signals = field(default_factory=Signals)  # what the comparison form undid in the text


@dataclass
class Query:
    """A text to trace, prepared once: its Profile (the text and what verification needs of it, made
    once per request and passed down) and its fingerprints."""

    profile: Profile
    fingerprints: Fingerprints
    published_before: datetime | None = None
    exclude: str | None = None
    limit: int = 10
    # Redis commands to send in the round trip of the text's first lookup (its fingerprint cache write)
    along: tuple[Command, ...] = ()
    # Set by the tracer: the text's counted terms, the index's article count and their document
    # frequencies (what a submission's stored terms are chosen by), and its words' weights.
    counted: tuple[tuple[str, int, int], ...] = ()
    articles: int = 0
    frequencies: dict[int, int] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    # Set by the tracer from its lookup: the text's units that many stored articles share (boilerplate).
    boilerplate: frozenset[int] = frozenset()

    @property
    def text(self) -> Text:
        return self.profile.text

    def stored_terms(self, max_df: int) -> tuple[int, ...]:
        """The terms the text is indexed by when stored (service/detect/terms.py), once it was traced."""
        return term_view.select(
            self.counted, self.frequencies, self.articles, term_view.INDEXED_TERMS, max_df, known_only=False
        )

    def counted_entries(self) -> bytes:
        """The terms whose document frequency the text raises when stored, as the store takes them."""
        return b"".join(term_view.df_entry(term) for _, term, _ in self.counted)


class Tracer:
    """Answers provenance queries against the index."""

    def __init__(self, index: Index, limits: Thresholds):
        self.index = index
        self.limits = limits
        self._profiles: dict[tuple[str, str], Profile] = {}  # least recently used first
        self._profiles_lock = threading.Lock()

    def trace(self, query: Query) -> Provenance:
        return self.trace_with_later(query, None)[0]

    def trace_with_later(self, query: Query, later_than: datetime | None) -> tuple[Provenance, list[Ref]]:
        """The text's provenance and, from the same index lookup, the stored articles published after
        `later_than` that share fingerprints with it (those it may be the original of)."""
        cutoff = query.published_before.timestamp() if query.published_before else None
        self._weigh(query)
        # For a submission, the best later candidates too: they tell whether a backfill lookup is needed.
        found = self._candidates(
            query, cutoff, later=0 if later_than is None else self.limits.max_verified, along=query.along
        )
        query.boilerplate = self._boilerplate(query, found)
        earlier = {r: v for r, v in found.published.items() if cutoff is None or v[0] <= cutoff}
        candidates = self._rank(query.fingerprints, found, earlier, self.limits.max_verified)
        later: list[Ref] = []
        if later_than is not None and self._may_be_original_of_later(query, found, later_than):
            # A backfill: articles stored before this one were published after it. Look wider for them.
            wide = self._candidates(query, later_than.timestamp(), later=self.limits.max_revised, wide=True)
            after = {r: v for r, v in wide.published.items() if v[0] > later_than.timestamp()}
            ranked = self._rank(query.fingerprints, wide, after, self.limits.max_revised)
            # Each later article kept is traced again in full: only those that may derive from this one.
            later = self._worth_verifying(query, wide, ranked, self.limits.revise_min_containment)
        answer = self._worth_verifying(
            query, found, candidates, self.limits.rewrite_min_containment, by_units=True
        )
        return self._answer(query, answer), later

    def max_term_df(self) -> int:
        """The most articles a term may be in to be looked up or indexed (thresholds.max_term_postings per
        partition)."""
        return self.limits.max_term_postings * self.index.keys.partitions

    def _weigh(self, query: Query) -> None:
        """The text's terms, their document frequencies (one round trip), the terms its lookup reads, and
        its words' weights for verification."""
        query.counted = term_view.counted_terms(query.text)
        hashes = [term for _, term, _ in query.counted]
        articles, df = self.index.document_frequencies([term_view.df_entry(h) for h in hashes])
        query.articles, query.frequencies = articles, {h: n for h, n in zip(hashes, df, strict=True) if n}
        looked_up = term_view.select(
            query.counted, query.frequencies, articles, term_view.QUERY_TERMS, self.max_term_df(), True
        )
        query.fingerprints = replace(query.fingerprints, terms=looked_up)
        query.weights = term_view.weights(query.text, query.frequencies, articles, query.counted)

    def _boilerplate(self, query: Query, found: Candidates) -> frozenset[int]:
        """The query's units whose every passage fingerprint is in `boilerplate_postings` stored articles
        or more: a site's standing sentences ("All data and statistics are based on publicly available
        data…", a newsletter prompt), which link unrelated articles of one site. Unless they are most of
        the text (then the text is a story copied that often, and they are its evidence)."""
        counts, least = found.passage_counts, self.limits.boilerplate_postings
        if not counts:
            return frozenset()
        units = frozenset(
            i
            for i, own in enumerate(sentence_passage_hashes(query.text))
            if own and all(counts.get(h, 0) >= least for h in own)
        )
        sentences = query.text.sentences
        flagged = sum(len(sentences[i].tokens) for i in units)
        return units if flagged <= self.limits.boilerplate_most * len(query.text.tokens) else frozenset()

    def _may_be_original_of_later(self, query: Query, found: Candidates, later_than: datetime) -> bool:
        """Whether the best candidates published after `later_than` include one that may derive from the
        text: only then is the wider lookup of a backfill worth it. Concurrent clients store articles a
        little out of order, so later candidates sharing a pair of names are common and mean nothing."""
        after = {r: v for r, v in found.published.items() if v[0] > later_than.timestamp()}
        if not after:
            return False
        ranked = self._rank(query.fingerprints, found, after, self.limits.max_verified)
        return bool(self._worth_verifying(query, found, ranked, self.limits.revise_min_containment))

    def _worth_verifying(
        self, query: Query, found: Candidates, refs: list[Ref], least: float, by_units: bool = False
    ) -> list[Ref]:
        """The candidates that may be copied or reworded. Verifying one that shares no SimHash block or
        quote and fewer than `verify_min_passages` passages with the text can only find a verbatim
        sentence or two; if, by its stored word signature, it also has less than `least` of the text's
        words (weighted, bounded from above), it would answer "none" (with `rewrite_min_containment`,
        compare's own prefilter). Most candidates of a fresh text are such: they share a pair of names, or
        a stock phrase that is the smallest hash of one sentence. A SimHash block shared by chance (16
        bits: at a million articles, some 60 articles share one of a text's four blocks) is no evidence;
        a SimHash within `simhash_max_bits` is. `by_units`: the unit gate too
        (_neither_reworded_nor_expanded), for the text's own answer only."""
        shared = found.shared
        unsure = [
            r
            for r in refs
            if not (
                shared["passages"][r] >= self.limits.verify_min_passages
                or shared["quotes"][r]
                or (r in found.published and self._near(found.published[r][1], query.fingerprints.simhash))
            )
        ]
        if not unsure:
            return refs
        signatures = {r: found.signatures[r] for r in unsure if r in found.signatures}
        if missing := [r for r in unsure if r not in signatures]:
            signatures |= self.index.signatures(missing)
        dropped = {ref for ref in unsure if ref not in signatures}  # deleted meanwhile
        gated = [(ref, sig) for ref in unsure if (sig := signatures.get(ref)) is not None]
        bounds = containment_bounds(query.profile, [sig for _, sig in gated])
        dropped.update(ref for (ref, _), bound in zip(gated, bounds, strict=True) if bound < least)
        if by_units:
            dropped.update(
                self._neither_reworded_nor_expanded(query, [g for g in gated if g[0] not in dropped])
            )
        return [r for r in refs if r not in dropped]

    def _neither_reworded_nor_expanded(self, query: Query, gated: list[tuple[Ref, bytes]]) -> list[Ref]:
        """Of candidates that share too few passages to be copied from, those whose signature shows they
        can be neither a source of the text nor the short text it expands (align.unit_bounds): the units
        that could be reworded or copied from one cover less than `partial_min_share` of the text (the
        least any derivation takes: a rewrite `whole_coverage`, a partial reuse `partial_min_share`), and
        the text has less than `expansion_min_shared` of its stems. On synthetic news, 94% of the
        candidates of a fresh article that pass the containment gate are such, and their stored profiles
        would be built for nothing. Not for a text past the `most_units` budget (coverage is extrapolated
        there)."""
        limits = self.limits
        if not gated or sum(1 for u in query.profile.units if u.stems) > limits.most_units:
            return []
        bounds = unit_bounds(
            query.profile,
            [sig for _, sig in gated],
            limits.reworded_unit,
            query.weights or None,
            query.boilerplate,
        )
        shared = limits.expansion_min_shared if limits.expansion_strength else 2.0
        least = min(limits.whole_coverage, limits.partial_min_share)
        return [
            ref
            for (ref, _), (coverable, held) in zip(gated, bounds, strict=True)
            if coverable < least and held < shared
        ]

    def _answer(self, query: Query, candidates: list[Ref]) -> Provenance:
        profile = query.profile
        verified = self._verify(query, profile, candidates)
        related = [m for m in verified if m.relation != "none"]
        related.sort(key=lambda m: (-m.score, m.article.published_at, m.article.id))
        original = self._original(query, profile, related)
        signals = query.text.signals
        if original is None:
            return Provenance("none", None, 0.0, related[: query.limit], signals)
        shown = related[: query.limit]
        if original.via is not None and all(m.article.id != original.via for m in shown):
            # The match a chain went through is shown with its own score and evidence, however many rank
            # above it.
            through = [m for m in related if m.article.id == original.via]
            shown = [*shown[: query.limit - len(through)], *through]
        return Provenance(original.relation, original, original.score, shown, signals)

    # ------------------------------------------------------------ candidates

    def _candidates(
        self,
        query: Query,
        cutoff: float | None,
        later: int,
        wide: bool = False,
        along: tuple[Command, ...] = (),
    ) -> Candidates:
        """The candidates the ranking puts first: `max_verified` published at or before `cutoff` (none
        with `wide`) and `later` published after it; an anchor pair or a stock phrase yields only a few
        articles, unless `wide` (looking for the later articles a newcomer may be the original of)."""
        return self.index.candidates(
            query.fingerprints,
            self._caps(wide),
            0 if wide else self.limits.max_verified,
            EVIDENCE_WEIGHTS,
            self.limits.stock_passage_postings,
            cutoff=cutoff,
            later=later,
            near_bits=self.limits.simhash_max_bits,
            least=self.limits.min_candidate_evidence,
            sure_passages=self.limits.verify_min_passages,
            along=along,
        )

    def _caps(self, wide: bool) -> dict[str, int]:
        """Articles one index entry may yield: few for an anchor pair or a stock phrase (a common pair of
        names or phrase is no evidence, and their articles grow with the index), many for passages,
        quotes and SimHash blocks (a much-copied story has many copies, and its original must stay in
        sight whenever it was stored)."""
        most = self.limits.max_revised
        if wide:
            return dict.fromkeys(("anchors", "terms", "stock", "passages", "quotes", "simhash"), most)
        return {
            "anchors": min(self.limits.max_anchor_postings, most),
            "terms": min(self.limits.max_term_postings, most),
            "stock": min(self.limits.stock_passage_postings, most),
            "passages": most,
            "quotes": most,
            "simhash": most,
        }

    def _near(self, simhash: int, other: int) -> bool:
        """Whether two SimHashes are within `simhash_max_bits` of each other."""
        return hamming(simhash, other) <= self.limits.simhash_max_bits

    def _rank(
        self,
        fingerprints: Fingerprints,
        found: Candidates,
        published: dict[Ref, tuple[float, int]],
        most: int,
    ) -> list[Ref]:
        """Candidates best first: SimHash near, then most shared entries (a passage or quote counts 2, a
        stock phrase or an anchor pair 1); those sharing too little are dropped."""
        ranked = []
        for ref, (_, fingerprint) in published.items():
            near = self._near(fingerprint, fingerprints.simhash)
            evidence = sum(found.shared[view][ref] * weight for view, weight in EVIDENCE_WEIGHTS.items())
            if not near and evidence < self.limits.min_candidate_evidence:
                continue
            ranked.append((-int(near), -evidence, ref))
        ranked.sort()
        return [ref for *_, ref in ranked[:most]]

    # ------------------------------------------------------------ verification

    def _verify(self, query: Query, profile: Profile, refs: list[Ref]) -> list[Match]:
        matches = []
        for article in self.index.articles(refs).values():
            if article.id == query.exclude:
                continue
            matches.append(
                self._match(article, self.compare(profile, article, query.weights, query.boilerplate))
            )
        self._demote_weak_rewrites(matches)
        return matches

    def _demote_weak_rewrites(self, matches: list[Match]) -> None:
        """A text derives as a whole from one story, not from every story on the same subject: a
        rewrite-level match far weaker than the strongest match is only related (partial at most)."""
        strongest = max((m.strength for m in matches if m.relation in WHOLE), default=0.0)
        for m in matches:
            if m.relation == "rewrite" and m.strength < self.limits.rewrite_relative * strongest:
                m.relation = m.fallback

    def compare(
        self,
        profile: Profile,
        article: Article,
        weights: dict[str, float] | None = None,
        boilerplate: frozenset[int] = frozenset(),
    ) -> Comparison:
        return compare(profile, self.profile_of(article), self.limits, weights or None, boilerplate)

    def profile_of(self, article: Article) -> Profile:
        """Profiles of stored articles, kept for the articles most often verified (wire originals)."""
        key = (article.id, article.content_hash)
        with self._profiles_lock:
            profile = self._profiles.pop(key, None)
        profile = profile or Profile(Text(article.text))
        with self._profiles_lock:
            self._profiles[key] = profile
            while len(self._profiles) > self.limits.profile_cache_size:
                del self._profiles[next(iter(self._profiles))]
        return profile

    @staticmethod
    def _match(article: Article, result: Comparison) -> Match:
        return Match(
            article=article,
            relation=result.relation,
            score=result.score,
            passages=result.passages,
            quotes=result.quotes,
            strength=result.strength,
            reused_share=result.reused_share,
            fallback=result.fallback,
        )

    # ------------------------------------------------------------ the original

    def _original(self, query: Query, profile: Profile, related: list[Match]) -> Match | None:
        whole = [m for m in related if m.relation in WHOLE]
        if whole:
            return self._earliest_root(query, profile, whole)
        partial = [m for m in related if m.relation == "partial"]
        if not partial:
            return None
        # The earliest article that has the reused text, not one that merely shares a passage of it.
        most = max(m.reused_share for m in partial)
        covering = [m for m in partial if m.reused_share >= self.limits.partial_cover * most]
        return min(covering, key=_publication_order)

    def _earliest_root(self, query: Query, profile: Profile, whole: list[Match]) -> Match:
        """The earliest of the whole-derivation matches and the roots of their chains."""
        best = min(whole, key=_publication_order)
        root_refs = {
            m.article.original_ref for m in whole if m.article.original_ref and m.article.verdict in WHOLE
        }
        root_refs -= {m.article.ref for m in whole}
        roots = self.index.articles(r for r in root_refs if r is not None) if root_refs else {}
        for m in whole:
            root = roots.get(m.article.original_ref) if m.article.original_ref else None
            if root is None or root.id == query.exclude or not _in_time(root, query.published_before):
                continue
            if _publication_order_article(root) < _publication_order(best):
                best = self._through_chain(profile, root, m, query.weights, query.boilerplate) or best
        if best.via is None and best.relation == "rewrite":
            # The text rewords the original, and copies a stored article that derives from it as a whole:
            # it is that copy it was taken from ("a copy of B, which rewrites A"), and the answer says so.
            copied = [
                m
                for m in whole
                if m.relation in COPIES and m.article.original_ref == best.article.ref and m is not best
            ]
            if copied:
                best.via = min(copied, key=_publication_order).article.id
        return best

    def _through_chain(
        self,
        profile: Profile,
        root: Article,
        via: Match,
        weights: dict[str, float],
        boilerplate: frozenset[int],
    ) -> Match | None:
        """The root reached through `via`: compared directly, but a chain of whole reuse stays whole. None
        when the text shares nothing with the root itself: the stored link is then not followed, for a
        lineage decided when the index knew less (before a site's boilerplate was known as such) must not
        make an answer less strict than a direct one."""
        match = self._match(root, self.compare(profile, root, weights, boilerplate))
        if match.relation == "none":
            return None
        if match.relation not in WHOLE:
            match.relation = via.article.verdict or via.relation
            match.score = round(min(via.score, via.article.score or via.score), 4)
        match.via = via.article.id
        return match


def _in_time(article: Article, before: datetime | None) -> bool:
    return before is None or article.published_at <= before


def _publication_order_article(article: Article) -> tuple[datetime, datetime, str]:
    """Earliest published first; ties go to the article received first."""
    return article.published_at, article.received_at, article.id


def _publication_order(match: Match) -> tuple[datetime, datetime, str]:
    return _publication_order_article(match.article)

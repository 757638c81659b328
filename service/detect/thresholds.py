"""Every detection threshold, in one place, with the reason for its value.

Shares are of the text asked about (the query) unless named otherwise. Values were set on kinds of reuse
(copies, excerpts, light edits, partial reuse), never on individual benchmark files.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    # A query sentence is the candidate's "verbatim" when this share of its word 3-shingles occurs in one
    # sentence of the candidate: a light edit (a word swapped, a clause added) keeps well above 0.5,
    # while two different sentences about the same event share almost no 3-shingles.
    verbatim_sentence: float = 0.5

    # duplicate: "the original, apart from formatting, markup, boilerplate and headline". Copies with a
    # republisher's byline, ad slot and footer measure 1.0 of the word 3-shingles each way once those
    # lines are dropped, HTML copies 0.98 or more (the page's headline joins the text); light edits
    # (words changed, a sentence cut or added) 0.91 at most. 0.95 sits between.
    duplicate_containment: float = 0.95

    # near_duplicate: "most of its sentences are the original's". Counted in tokens so that a long
    # sentence weighs more than a one-word line; 0.6 leaves room for a light edit that rewrites a third.
    near_duplicate_share: float = 0.6
    # ... and the narrative too, not only the quotes: a rewrite keeps every quote word for word, so a
    # quote-heavy sports report rewritten by a language model can be 70% verbatim by quotes alone. Light
    # edits keep 0.64 or more of their narrative (quotes left out) word for word, rewrites 0.19 at most:
    # 0.4 sits between.
    near_duplicate_narrative: float = 0.4

    # partial: reused passages must amount to at least this many tokens outside quoted speech *and* this
    # share of the query. 40 tokens is two ordinary sentences: more than the public quote that independent
    # coverage of the same event may share, less than the two or three paragraphs a partial reuse takes.
    partial_min_tokens: int = 40
    partial_min_share: float = 0.1
    # The original of a partial reuse is the earliest article that has the reused text: among partial
    # matches, those reusing at least this share of what the best one reuses. An earlier story that shares
    # one paragraph with the source is not the source.
    partial_cover: float = 0.8

    # rewrite: units (sentences) of the query not found word for word are matched to a window of the
    # candidate (service/detect/align.py) holding at least `reworded_unit` of their content words, weighed;
    # the verbatim and reworded units that follow both texts' order together (service/detect/align.py
    # `best_chain`) make `coverage`, the share of the query's tokens that comes from the candidate, which is
    # the score (for a duplicate, at least its share of shared word 3-shingles). Set on every labelled
    # pair of the development data at once (each query against its source, and against the closest other
    # article of its suite; tests/regression_texts.py; the BBC benchmark's cases; F3's GPT-3.5
    # paraphrases; COUNTER's Urdu agency reuse). The figures that follow were written for a cut-off of
    # 0.45, not the 0.4 this has been since it was set (543721e), and were not measured again at 0.4: at
    # 0.45, 0.93 of F3's paraphrases and every rewrite and summary written here cover half their text, and
    # no independent report of the same event written here does (their facts are shared, not in one
    # order), against 0.02 of F3's closest other articles.
    reworded_unit: float = 0.4
    # ... and of each query unit, its best windows this many: the order of the two texts decides which
    # of them the unit is matched to.
    windows_per_unit: int = 4
    # A text derives from the candidate as a whole ("most of it comes from the article", the API contract's
    # Relation in openapi.yaml) when coverage reaches this. Below it a text is partial only through passages
    # found word for word (partial_min_tokens): reworded units alone never make a partial reuse, because one
    # independent report of the same event in two (COUNTER, and this project's own cases) had three or more of
    # its sentences reworded-alike in order, as often as language-model rewrites that invent most of their
    # text around one (F3's perturbed rewrites) did.
    whole_coverage: float = 0.5
    # ... but a text that keeps whole paragraphs of the candidate outside quotes (this share of its tokens or
    # more) and is no near-duplicate is a follow-up or a story that reuses background (partial if its verbatim
    # passages make one, else none), unless it rewords this share of the rest too (a light revision that keeps
    # some sentences): the BBC reuses background paragraphs in later stories of a subject, and a wire's day-2
    # story reuses day 1's.
    rewrite_max_unquoted_reuse: float = 0.2
    rewrite_strong_rest: float = 0.7
    # Of a very long query, at most this many units not found word for word are matched (spread evenly
    # over the text; coverage is scaled up by the share read): the budget that keeps a 200,000-character
    # text's verification within its second.
    most_units: int = 300
    # A candidate with no verbatim sentence whose vocabulary covers less than this weighted share of the
    # query's (align.containment, lexicon weights) is neither copied nor reworded: compare() answers
    # "none" with score 0 and its units are not matched. A candidate with a verbatim sentence is never cut
    # here, and only verbatim passages make a partial reuse (whole_coverage); a rewrite by reworded units
    # alone covers at least whole_coverage of the query's tokens with units that each hold at least
    # reworded_unit of their content words, about their product (0.5 * 0.4 = 0.2) of the query's words
    # (an estimate, not a bound: coverage counts tokens, containment weighs distinct stems); 0.15 sits
    # below it and only saves time.
    rewrite_min_containment: float = 0.15
    # A query that holds the whole candidate reworded in order (compared the other way round, the candidate
    # is a rewrite of the query) at this strength or more, each reworded unit counted by its similarity, is
    # an expansion of it (compare._expansion): the candidate's text, padded with material of its own (a
    # language model asked for a longer article, F3's perturbed rewrites of short items). 0 turns it off.
    # Independent reports of one event that reword a short brief alike stay below it: of COUNTER's
    # non-derived stories, none reached 0.5 where 8 did at 0.25-0.45 (measured in process).
    expansion_strength: float = 0.5
    # ... and holds at least this share of the candidate's stems (by the stored word signature, before the
    # candidate is read: Tracer._neither_reworded_nor_expanded). A cost gate, not a rule of the answer: of
    # the expansions found on the development suites the fewest shared 0.48; unrelated candidates of
    # synthetic news that pass the containment gate share 0.17-0.40 (measured in process).
    expansion_min_shared: float = 0.35
    # ... and the same prefilter runs before a candidate is read, on an upper bound of that share from the
    # candidate's stored word signature, for candidates that share fewer passage fingerprints than this (and
    # no quote, and no SimHash within simhash_max_bits). A sentence copied word for word shares both of its
    # passage fingerprints; a partial reuse (two sentences at least, partial_min_tokens) shares several. One
    # shared passage is most often a stock phrase ("said in a statement") that happens to be a sentence's
    # smallest hash: on synthetic news, 15 of the 16 candidates of a fresh article.
    verify_min_passages: int = 2

    # SimHash block tables find fingerprints within this many bits (blocks = max_bits + 1). Copies with a
    # byline and an ad slot added stay within 3 bits of the 64; unrelated texts lie near 32.
    simhash_max_bits: int = 3

    # A candidate is verified when its SimHash is near, or when it shares entries of the other views: a
    # passage or a quote counts 2, a pair of rare anchor words, a rare term or a stock phrase 1, a shared
    # SimHash block 0 (service/trace.py EVIDENCE_WEIGHTS). Summaries of the development cases share as little
    # as 3 with their original (one pair and one passage), so any shared entry but a SimHash block qualifies;
    # the ranking (most evidence first, max_verified of them) and the containment prefilter keep weak
    # candidates cheap.
    min_candidate_evidence: int = 1

    # A rewrite-level match whose strength (its coverage with each reworded unit counted by its
    # similarity: compare.Comparison.strength) is below this share of the strongest whole match's is a
    # story on the same subject (the BBC reuses background paragraphs), not the text's source: it falls
    # back to partial or none (Tracer._demote_weak_rewrites).
    rewrite_relative: float = 0.8

    # How many candidates are verified in full, best-first by shared fingerprints. Verification is the
    # expensive step; a text rarely derives from more than a handful of articles.
    max_verified: int = 16
    # Of an anchor pair shared by very many articles (two names often in the news together), only the earliest
    # stored this many in each partition are candidates: such a pair is no evidence of reuse, and the cost of
    # a query must not grow with the index. Passages, quotes and SimHash blocks are bounded by max_revised
    # only: their long lists are copies of one story, whose original must stay in sight.
    max_anchor_postings: int = 32
    # A passage fingerprint found in more stored articles than this (in each partition, more than its share of
    # this: service/store/index.py `candidates`) is a stock phrase ("a spokesman said", "mr blair has") that
    # happens to be a sentence's smallest hash, not a copied sentence: it counts 1 as evidence, like an anchor
    # pair, not 2, and never spares a candidate the word-signature check. A sentence copied by 32 articles is
    # still found (it is evidence, only weaker); a much-copied story's copies also share its SimHash or enough
    # of its words to be verified.
    stock_passage_postings: int = 32
    # A unit of the query whose passage fingerprints are each in this many stored articles or more is its
    # site's boilerplate (service/trace.py): left out of verification, unless such units are more than
    # `boilerplate_most` of the text (then the text is a story copied that often: its copies share it
    # whole). CoAID's health pages repeat three sentences in 162 of F3's articles, half or more of each
    # page, and linked unrelated articles of the site as rewrites of one another. A story copied a dozen
    # times is still found whole; reusing a fifth of one is what is lost.
    boilerplate_postings: int = 12
    boilerplate_most: float = 0.8
    # A term (service/detect/terms.py) in more articles than this times the number of partitions, counted
    # over all partitions (Tracer.max_term_df: the document frequencies summed over partitions, so this
    # many a partition on average, not in each), is what many stories are about, not what finds one: it
    # is never looked up nor indexed. A term entry keeps twice this many articles in each partition
    # (index.KEEP) and yields at most this many of them there to a text's own lookup (Tracer._caps; the
    # wider lookup of a backfill takes up to max_revised), so that lookup reads at most QUERY_TERMS * this
    # many postings a partition.
    max_term_postings: int = 100
    # When an original arrives after articles that derive from it (a backfill), this many of the later
    # articles sharing fingerprints with it are traced again: a wire story can have hundreds of copies.
    max_revised: int = 500
    # ... of which those sharing no quote, no SimHash within simhash_max_bits and fewer than
    # verify_min_passages passages are traced again only if they hold at least this weighted share of the new
    # article's words (an upper bound from their word signature). A later summary, rewrite or partial reuse of
    # an article holds 0.38-0.96 of its words (tests/regression_texts.py), unrelated synthetic news at most
    # 0.19: without this, articles stored out of order (concurrent batches) re-traced every later article that
    # shared a pair of names, and a batch ran at a quarter of the rate of single submissions.
    revise_min_containment: float = 0.25

    # Parsed texts of stored articles kept per worker process (about 60 KB each): the originals that
    # many copies and rewrites point at are verified again and again.
    profile_cache_size: int = 512

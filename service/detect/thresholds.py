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

    # rewrite: the query sentences not aligned verbatim re-express the candidate's, in order. Measured
    # (service/detect/align.py) on the development cases and on Clough & Stevenson's answers:
    # - rewrite_alignment, the mean aligned similarity of those sentences: rewrites 0.21-0.46, summaries
    #   0.21-0.43; the new material of a partial reuse 0.04-0.10. 0.15 sits between.
    rewrite_alignment: float = 0.15
    # - rewrite_score, containment + alignment of those sentences + the verbatim share (a rewrite keeps its
    #   quotes): independent coverage of the same event 0.40-0.68 and answers written without the source
    #   0.25-0.67 (they share names and figures, never phrasing and order); rewrites 0.92-1.56, summaries
    #   0.86-1.33, heavy revisions of short answers from 0.62. 0.78 leaves 0.1 above independent work.
    rewrite_score: float = 0.78
    # - a rewrite rewords the narrative; reused narrative paragraphs (outside quotes) make a partial reuse
    #   or a follow-up story. Rewrites keep at most 0.15 of their tokens as unquoted verbatim text, partial
    #   reuses at least 0.16, follow-ups that reuse background paragraphs 0.28.
    rewrite_max_unquoted_reuse: float = 0.2
    # ... unless the rest follows the source closely: a light revision that keeps a fifth of its text and
    # rewords the rest sentence by sentence aligns at 0.7, follow-up stories at most 0.29.
    rewrite_strong_alignment: float = 0.4
    # A candidate with no verbatim sentence whose vocabulary covers less than this weighted share of the
    # query's is neither copied nor reworded: its alignment is not computed. Rewrites and summaries cover
    # 0.48 or more, independent reports 0.33 and more; 0.3 only saves time, it decides nothing.
    rewrite_min_containment: float = 0.3
    # ... and the same prefilter runs before a candidate is read, on an upper bound of that share from
    # the candidate's stored word signature, for candidates that share fewer passage fingerprints than
    # this (and no quote or SimHash block). A sentence copied word for word shares both of its passage
    # fingerprints; a partial reuse (two sentences at least, partial_min_tokens) shares several. One
    # shared passage is most often a stock phrase ("said in a statement") that happens to be a sentence's
    # smallest hash: on synthetic news, 15 of the 16 candidates of a fresh article.
    verify_min_passages: int = 2

    # A reworded pair of sentences is shown as evidence from this similarity on (0.5 * weighted Dice of
    # stems + 0.5 * Dice of content-word skip-bigrams): below it the pair shares little more than names.
    reworded_sentence: float = 0.25

    # SimHash block tables find fingerprints within this many bits (blocks = max_bits + 1). Copies with a
    # byline and an ad slot added stay within 3 bits of the 64; unrelated texts lie near 32.
    simhash_max_bits: int = 3

    # A candidate is verified when its SimHash is near, or when it shares entries of the other views: a
    # passage or a quote counts 2, a pair of rare anchor words 1. Summaries of the development cases share
    # as little as 3 with their original (one pair and one passage), so any shared entry qualifies; the
    # ranking (most evidence first, max_verified of them) and the containment prefilter keep weak
    # candidates cheap.
    min_candidate_evidence: int = 1

    # A rewrite-level match whose strength (containment + alignment of the whole text, verbatim sentences
    # counted as aligned; 2 for a copy) is below this share of the strongest whole match's is a story on
    # the same subject (the BBC reuses background paragraphs), not the text's source.
    rewrite_relative: float = 0.8

    # How many candidates are verified in full, best-first by shared fingerprints. Verification is the
    # expensive step; a text rarely derives from more than a handful of articles.
    max_verified: int = 16
    # Of an anchor pair shared by very many articles (two names often in the news together), only the
    # earliest stored this many are candidates: such a pair is no evidence of reuse, and the cost of a
    # query must not grow with the index. Passages, quotes and SimHash blocks are bounded by
    # max_revised only: their long lists are copies of one story, whose original must stay in sight.
    max_anchor_postings: int = 32
    # A passage fingerprint found in more stored articles than this is a stock phrase ("a spokesman
    # said", "mr blair has") that happens to be a sentence's smallest hash, not a copied sentence: it
    # counts 1 as evidence, like an anchor pair, not 2, and never spares a candidate the word-signature
    # check. A sentence copied by 32 articles is still found (it is evidence, only weaker); a much-copied
    # story's copies also share its SimHash or enough of its words to be verified.
    stock_passage_postings: int = 32
    # When an original arrives after articles that derive from it (a backfill), this many of the later
    # articles sharing fingerprints with it are traced again: a wire story can have hundreds of copies.
    max_revised: int = 500
    # ... of which those sharing no SimHash block or quote and fewer than verify_min_passages passages are
    # traced again only if they hold at least this weighted share of the new article's words (an upper
    # bound from their word signature). A later summary, rewrite or partial reuse of an article holds
    # 0.38-0.96 of its words (tests/regression_texts.py), unrelated synthetic news at most 0.19: without
    # this, articles stored out of order (concurrent batches) re-traced every later article that shared
    # a pair of names, and a batch ran at a quarter of the rate of single submissions.
    revise_min_containment: float = 0.25

    # Parsed texts of stored articles kept per worker process (about 60 KB each): the originals that
    # many copies and rewrites point at are verified again and again.
    profile_cache_size: int = 512

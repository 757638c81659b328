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

    # duplicate: both texts are each other's, bar headline and boilerplate. 0.9 of the word 3-shingles
    # each way tolerates a rewrapped dateline or a dropped caption but not a cut paragraph.
    duplicate_containment: float = 0.9

    # near_duplicate: "most of its sentences are the original's". Counted in tokens so that a long
    # sentence weighs more than a one-word line; 0.6 leaves room for a light edit that rewrites a third.
    near_duplicate_share: float = 0.6

    # partial: reused passages must amount to at least this many tokens *and* this share of the query.
    # 40 tokens is two ordinary sentences: more than the one public quote that independent coverage of
    # the same event may share, less than the two or three paragraphs a partial reuse takes.
    partial_min_tokens: int = 40
    partial_min_share: float = 0.1

    # SimHash block tables find fingerprints within this many bits (blocks = max_bits + 1). Copies with a
    # byline and an ad slot added stay within 3 bits of the 64; unrelated texts lie near 32.
    simhash_max_bits: int = 3

    # How many candidates are verified in full, best-first by shared fingerprints. Verification is the
    # expensive step; a text rarely derives from more than a handful of articles.
    max_verified: int = 16

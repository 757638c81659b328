"""The word signature: an upper bound of containment read from a record's head, and the candidates it
spares from verification."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any

import pytest
import redis as redis_lib

from service.config import Config
from service.core import ProvenanceService
from service.detect.align import (
    Profile,
    containment,
    containment_bound,
    containment_bounds,
    signature,
    unit_bounds,
)
from service.detect.compare import WHOLE, _compare, compare
from service.detect.fingerprint import Fingerprints
from service.detect.text import Text
from service.detect.thresholds import Thresholds
from service.store.index import Article, Index
from service.store.keys import Keys
from service.trace import Query
from tests import regression_texts as rt
from tests.factories import HARBOUR, ORCHESTRA, with_boilerplate

TEXTS = [HARBOUR, ORCHESTRA, rt.HOSPITAL, rt.HOSPITAL_REWRITE, rt.HOSPITAL_SUMMARY, rt.SATELLITE, rt.TRANSFER]


@pytest.mark.parametrize("query", TEXTS)
@pytest.mark.parametrize("match", TEXTS)
def test_the_bound_is_never_below_the_true_containment(query: str, match: str) -> None:
    q, m = Profile(Text(query)), Profile(Text(match))
    assert containment_bound(q, signature(m)) >= containment(q, m) - 1e-9


def test_the_bound_stays_near_the_true_containment_of_unrelated_texts() -> None:
    q, m = Profile(Text(rt.HOSPITAL)), Profile(Text(rt.SATELLITE))
    assert containment_bound(q, signature(m)) - containment(q, m) < 0.05


def test_the_bounds_of_many_signatures_are_each_signature_s_own() -> None:
    q = Profile(Text(rt.HOSPITAL))
    signatures = [signature(Profile(Text(t))) for t in TEXTS]
    signatures.insert(2, b"")  # an empty run between others shares nothing
    hashed = q.hashed_terms
    expected = [
        sum(w for h, w in hashed.items() if h in set(struct.unpack(f">{len(s) // 2}H", s))) / q.hashed_mass
        for s in signatures
    ]
    assert containment_bounds(q, signatures) == pytest.approx(expected, abs=1e-12)
    assert containment_bounds(q, signatures)[2] == 0.0
    assert containment_bounds(q, []) == []
    assert containment_bound(q, signature(q)) == pytest.approx(1.0)


def _pairs_for_unit_bounds(shared: Any = None) -> list[tuple[str, str]]:
    pairs = [(q, m) for q in TEXTS for m in TEXTS]
    for name in ("HOSPITAL", "SATELLITE", "TRANSFER"):
        original = getattr(rt, name)
        pairs += [
            (getattr(rt, f"{name}_{kind}"), original) for kind in ("LIGHT", "REWRITE", "SUMMARY", "PARTIAL")
        ]
        pairs += [(original, getattr(rt, f"{name}_{kind}")) for kind in ("SUMMARY", "PARTIAL")]
    return pairs


def test_the_unit_bound_is_never_below_the_coverage_a_comparison_finds() -> None:
    limits = Thresholds()
    for query, match in _pairs_for_unit_bounds():
        q, m = Profile(Text(query)), Profile(Text(match))
        weights = {stem: 1.0 + k % 3 for k, stem in enumerate(q.terms) if k % 4 == 0}
        for capped in (None, weights):
            ((coverable, held),) = unit_bounds(q, [signature(m)], limits.reworded_unit, capped)
            forward = _compare(q, m, limits, capped, frozenset())
            if forward.relation != "none" and forward.relation != "duplicate":
                assert coverable >= forward.score - 5e-5, (forward.relation, forward.score, coverable)
            if forward.strength:
                assert coverable >= forward.strength - 1e-9
            assert 0.0 <= held <= 1.0


def test_what_the_unit_gate_would_drop_compares_as_none() -> None:
    # The tracer drops a candidate sharing few passages when both bounds are low (Tracer.
    # _neither_reworded_nor_expanded): every such pair of these texts must compare as none both ways.
    limits = Thresholds()
    least = min(limits.whole_coverage, limits.partial_min_share)
    dropped = 0
    for query, match in _pairs_for_unit_bounds():
        q, m = Profile(Text(query)), Profile(Text(match))
        ((coverable, held),) = unit_bounds(q, [signature(m)], limits.reworded_unit)
        if coverable < least and held < limits.expansion_min_shared:
            dropped += 1
            assert compare(q, m, limits).relation == "none"
    assert dropped > 0
    # Related pairs are never dropped.
    related = Profile(Text(rt.HOSPITAL_REWRITE)), Profile(Text(rt.HOSPITAL))
    ((coverable, held),) = unit_bounds(*related[:1], [signature(related[1])], limits.reworded_unit)
    assert coverable >= limits.whole_coverage and compare(*related, limits).relation in WHOLE


@pytest.mark.shared
def test_the_unit_bound_holds_on_the_corpora_and_their_rewrites(
    shared: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "bench"))
    from kernels import text_pairs  # bench/kernels.py: BBC derived cases and unrelated pairs

    limits = Thresholds()
    least = min(limits.whole_coverage, limits.partial_min_share)
    for query, match in text_pairs(shared, unrelated=60):
        q, m = Profile(Text(query.read_text())), Profile(Text(match.read_text()))
        ((coverable, held),) = unit_bounds(q, [signature(m)], limits.reworded_unit)
        forward = _compare(q, m, limits, None, frozenset())
        if forward.relation not in ("none", "duplicate"):
            assert coverable >= forward.score - 5e-5, (query.name, forward.relation, forward.score)
        if coverable < least and held < limits.expansion_min_shared:
            assert compare(q, m, limits).relation == "none", query.name


def test_the_unit_bound_of_an_empty_signature_keeps_the_candidate() -> None:
    q = Profile(Text(rt.HOSPITAL))
    assert unit_bounds(q, [b"", signature(Profile(Text(rt.SATELLITE)))], 0.4)[0] == (1.0, 1.0)
    assert unit_bounds(q, [], 0.4) == []


def test_a_text_with_too_many_stems_gets_no_signature() -> None:
    words = " ".join(
        f"word{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676)}" for i in range(3000)
    )
    assert signature(Profile(Text(words))) == b""


def _article(article_id: str, text: str, sig: bytes) -> Article:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    return Article(
        id=article_id,
        text=text,
        fingerprints=Fingerprints(7, (1, 2)),
        content_hash="c",
        published_at=when,
        received_at=when,
        signature=sig,
    )


@pytest.fixture
def index(redis: redis_lib.Redis, key_prefix: str) -> Index:
    return Index(redis, Keys(key_prefix))


def test_the_signature_is_read_alone_from_the_head_of_the_record(index: Index) -> None:
    sig = signature(Profile(Text(HARBOUR)))
    index.add(_article("a", HARBOUR, sig))
    ref = index.ref_of("a")
    assert ref is not None
    assert index.signatures([ref]) == {ref: sig}
    assert index.articles([ref])[ref].signature == sig


def test_records_without_a_signature_are_read_and_always_verified(index: Index) -> None:
    index.add(_article("a", HARBOUR, b""))
    ref = index.ref_of("a")
    assert ref is not None
    assert index.signatures([ref]) == {ref: None}


def test_a_version_3_record_is_still_read(index: Index) -> None:
    """Records written before the signature (version 3) read as articles without one."""
    article = _article("a", HARBOUR, b"")
    index.add(article)
    ref = index.ref_of("a")
    assert ref is not None
    fps = article.fingerprints.pack()
    current = index.redis.get(index.keys.doc(ref.partition, ref.number))
    assert isinstance(current, bytes)
    body = current[3 + 0 + 2 + len(fps) :]
    # Version 3 packed three views (no terms): 8 bytes of SimHash, three counts, 5 bytes a fingerprint.
    views = (article.fingerprints.passages, article.fingerprints.anchors, article.fingerprints.quotes)
    old = struct.pack(">QHHH", article.fingerprints.simhash, *map(len, views))
    old += b"".join(value.to_bytes(5, "big") for view in views for value in view)
    index.redis.set(index.keys.doc(ref.partition, ref.number), struct.pack(">BH", 3, len(old)) + old + body)
    assert index.signatures([ref]) == {ref: None}
    stored = index.articles([ref])[ref]
    assert (stored.text, stored.fingerprints, stored.signature) == (HARBOUR, article.fingerprints, b"")


def test_the_lookup_brings_the_signatures_of_the_candidates_the_gate_checks(index: Index) -> None:
    one, two = signature(Profile(Text(HARBOUR))), signature(Profile(Text(ORCHESTRA)))
    one_article, two_article = _article("one", HARBOUR, one), _article("two", ORCHESTRA, two)
    one_article.fingerprints, two_article.fingerprints = Fingerprints(7, (1,)), Fingerprints(7, (1, 2))
    index.add(one_article)
    index.add(two_article)
    found = index.candidates(Fingerprints(0, (1, 2)), sure_passages=2)
    # One passage: checked by signature, which came with the lookup; two passages: verified, none read.
    assert found.signatures == {index.ref_of("one"): one}
    assert not index.candidates(Fingerprints(0, (1, 2))).signatures


@pytest.fixture
def service(redis_url: str, key_prefix: str, redis: redis_lib.Redis) -> ProvenanceService:
    config = Config(redis_url=redis_url, key_prefix=key_prefix)
    return ProvenanceService(redis_lib.Redis.from_url(redis_url), config)


def _submit(service: ProvenanceService, article_id: str, body: str, day: int) -> Any:
    return service.submit(
        {"id": article_id, "body": body, "format": "text", "published_at": datetime(2025, 1, day, tzinfo=UTC)}
    )


# Shares the names of the hospital story, and nothing else.
NAMESAKE = (
    "Helen Marsh and David Okonjo ran the Northbrook half marathon on Sunday, raising 1,100 pounds for the "
    "town's lifeboat station. Marsh finished in under two hours. Okonjo, who took up running last spring, "
    "said the hills on the coastal path were harder than he had expected. Organisers thanked the volunteers "
    "who handed out water along the route and said next year's race would start from the harbour."
)


def test_candidates_sharing_only_names_are_not_verified_and_rewrites_are(service: ProvenanceService) -> None:
    _submit(service, "hospital", rt.HOSPITAL, 1)
    _submit(service, "namesake", NAMESAKE, 2)
    verified: list[str] = []
    compare = service.tracer.compare

    def counting(profile: Profile, article: Article, *rest: Any) -> Any:
        verified.append(article.id)
        return compare(profile, article, *rest)

    service.tracer.compare = counting  # type: ignore[method-assign]
    text = Text(rt.HOSPITAL_REWRITE)
    fingerprints = Fingerprints.of(text)
    found = service.index.candidates(fingerprints)
    namesake = service.index.ref_of("namesake")
    assert found.shared["anchors"][namesake] and not found.shared["passages"][namesake]
    answer = service.tracer.trace(Query(Profile(text), fingerprints))
    assert answer.original is not None and answer.original.article.id == "hospital"
    assert verified == ["hospital"]


def test_a_backfilled_original_retraces_its_copies_not_later_namesakes(service: ProvenanceService) -> None:
    _submit(service, "copy", with_boilerplate(rt.HOSPITAL), 5)
    _submit(service, "namesake", NAMESAKE, 6)
    revised: list[str] = []
    revise = service.lineage.revise

    def counting(article: Article, forget: bool = False) -> bool:
        revised.append(article.id)
        return revise(article, forget)

    service.lineage.revise = counting  # type: ignore[method-assign]
    _submit(service, "original", rt.HOSPITAL, 1)
    assert revised == ["copy"]
    copy = service.get("copy")
    assert (copy.original, copy.verdict) == ("original", "duplicate")


def test_a_copy_aligned_word_for_word_throughout_is_decided_without_profiling_its_sentences() -> None:
    """Only the sentences left after the verbatim alignment are matched as rewording: a copy leaves none,
    so the matched text's windows are never built (the costly part of verifying the commonest match)."""
    query, match = Profile(Text(HARBOUR.replace("Tuesday", "Wednesday"))), Profile(Text(HARBOUR))
    result = compare(query, match, Thresholds())
    assert result.relation in ("duplicate", "near_duplicate")
    assert "windows" not in vars(match)
    assert result.score > 0.9 and all(p.kind == "verbatim" for p in result.passages)


def test_a_partly_reworded_copy_matches_as_rewording_only_the_sentences_not_copied() -> None:
    """The sentences copied word for word are verbatim evidence and are not matched again as rewording;
    only those left are (against every window of the match)."""
    original = Text(rt.HOSPITAL)
    sentences = [original.text[s.start : s.end] for s in original.sentences]
    mixed = " ".join(sentences[:-2]) + " " + rt.HOSPITAL_REWRITE
    query, match = Profile(Text(mixed)), Profile(original)
    result = compare(query, match, Thresholds())
    copied = [p for p in result.passages if p.kind == "verbatim"]
    reworded = [p for p in result.passages if p.kind == "reworded"]
    assert copied and reworded
    assert {p.query_start for p in copied}.isdisjoint(p.query_start for p in reworded)

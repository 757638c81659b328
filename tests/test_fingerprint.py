"""SimHash and passage fingerprints."""

from __future__ import annotations

from service.detect.fingerprint import Fingerprints, hamming, passage_hashes, simhash, to_hex
from service.detect.text import Text, clean_text, tokens
from tests.factories import HARBOUR, ORCHESTRA


def test_simhash_is_64_bits_and_deterministic() -> None:
    a, b = simhash(tokens(HARBOUR)), simhash(tokens(HARBOUR))
    assert a == b
    assert 0 <= a < 2**64
    assert len(to_hex(a)) == 16 and to_hex(a) == to_hex(a).lower()


def test_a_copy_with_republisher_boilerplate_stays_within_three_bits() -> None:
    copy = (
        "By Staff Reporter | Metro Wire\n\n"
        + HARBOUR.replace("\n\n", "\n")
        + "\nAdvertisement\n(c) 2025 all rights reserved"
    )
    assert hamming(simhash(Text(clean_text(copy)).tokens), simhash(Text(clean_text(HARBOUR)).tokens)) <= 3


def test_unrelated_texts_are_far_apart() -> None:
    assert hamming(simhash(tokens(HARBOUR)), simhash(tokens(ORCHESTRA))) > 10


def test_a_sentence_with_one_word_changed_keeps_a_passage_fingerprint() -> None:
    original = tokens("Engineers told councillors that the bridge could no longer carry heavy traffic safely")
    edited = tokens("Engineers told councillors that the bridge could no longer carry heavy lorries safely")
    assert set(passage_hashes(original)) & set(passage_hashes(edited))


def test_short_sentences_get_no_passage_fingerprint() -> None:
    assert passage_hashes(tokens("The trial continues.")) == []


def test_fingerprints_pack_and_unpack() -> None:
    fingerprints = Fingerprints.of(Text(HARBOUR))
    assert fingerprints.passages
    assert Fingerprints.unpack(fingerprints.pack()) == fingerprints

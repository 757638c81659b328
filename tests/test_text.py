"""Normalisation, HTML extraction, boilerplate, sentences and tokens."""

from __future__ import annotations

import gc
import random

import pytest

from service.detect.align import Profile, match_units
from service.detect.compare import compare
from service.detect.text import (
    WORD_BEFORE_STOP,
    EmptyTextError,
    Text,
    clean_text,
    normalise,
    sentences,
    shingles,
    tokens,
    word_before_stop,
)
from service.detect.thresholds import Thresholds
from tests.factories import HARBOUR

PAGE = """<!doctype html><html><head><title>Bridge | Gazette</title>
<script>var tracking = "SECRET_SCRIPT";</script><style>.x{color:red}</style></head><body>
<nav><a href="/">Home</a> <a href="/news">NAVIGATION_LINK</a></nav>
<article><h1>Harbour bridge to close to cars</h1>
<p>The city council voted on Tuesday to close the old harbour bridge to cars from next spring, ending a
decade of argument over the crumbling structure.</p>
<p>Engineers told councillors that the bridge, built in 1921, could no longer carry heavy traffic safely
and that repairs would cost at least 14 million pounds.</p></article>
<aside><h3>Most read</h3><ul><li>ASIDE_HEADLINE about the weather</li></ul></aside>
<footer>FOOTER_TEXT Copyright 2025. Terms. Privacy.</footer></body></html>"""


def test_html_extraction_keeps_the_article_and_drops_page_furniture() -> None:
    text = clean_text(PAGE, "html")
    assert "close the old harbour bridge" in text
    assert "14 million pounds" in text
    for furniture in ("SECRET_SCRIPT", "NAVIGATION_LINK", "ASIDE_HEADLINE", "FOOTER_TEXT", "color:red"):
        assert furniture not in text


def test_html_with_no_text_is_rejected() -> None:
    with pytest.raises(EmptyTextError):
        clean_text("<html><body><script>var a = 1;</script><div> </div></body></html>", "html")


def test_normalise_keeps_what_the_comparison_form_undoes() -> None:
    """The stored text keeps compatibility forms and invisible characters as sent; detection reads the
    comparison form, where they are undone."""
    sent = "ﬁnal\u200b re\u00adport\u2060 \u2460 \uff37ide"
    assert normalise(sent) == sent
    assert Text(normalise(sent)).form.text == "final report 1 Wide"
    assert tokens(sent) == ["final", "report", "1", "wide"]


def test_normalise_keeps_paragraph_breaks_and_tidies_spaces() -> None:
    assert normalise("  one   two \r\n\r\nthree\tfour  ") == "one two\n\nthree four"


def test_normalise_replaces_invalid_surrogates() -> None:
    assert "?" in normalise("broken \ud800 surrogate")


def test_republisher_boilerplate_lines_are_dropped() -> None:
    body = (
        "By Staff Reporter | Metro Wire\n\nFirst paragraph.\nAdvertisement\nSecond paragraph.\n\n"
        "Read more stories like this at Metro Wire.\n(c) 2006 all rights reserved"
    )
    assert clean_text(body) == "First paragraph.\nSecond paragraph."


@pytest.mark.parametrize(
    "line",
    [
        "All rights reserved",
        "ALL RIGHTS RESERVED.",
        "\u00a9 2006 Metro Wire. All rights reserved.",
        "Metro Wire, all rights reserved",
        "Metro Wire \u2014 All Rights Reserved",
        "Photo: Metro Wire/all rights reserved.",
    ],
)
def test_a_line_ending_all_rights_reserved_is_dropped(line: str) -> None:
    assert clean_text(f"First paragraph.\n{line}\nSecond paragraph.") == "First paragraph.\nSecond paragraph."


@pytest.mark.parametrize(
    "line",
    [
        "The court reserved judgement, saying all rights reserved by the treaty stood.",
        "Overall rights reserved",  # no word boundary before "all"
        "All rights reserved for members.",
        "All rights reserved..",
    ],
)
def test_a_line_that_only_mentions_rights_reserved_is_kept(line: str) -> None:
    assert line in clean_text(f"First paragraph.\n{line}")


def test_zero_width_characters_go_from_the_comparison_form_of_text_ascii_or_not() -> None:
    assert Text("co\u200bop").form.text == "coop"
    assert Text("caf\u00e9 co\u00adop \u201cyes\u201d").form.text == "caf\u00e9 coop \u201cyes\u201d"
    assert Text("caf\u00e9 \u201cno zero width\u201d").form.text == "caf\u00e9 \u201cno zero width\u201d"


def test_runs_of_blank_lines_shrink_to_one() -> None:
    assert clean_text("One.\n\n\n\nAdvertisement\n\nTwo.") == "One.\n\nTwo."


def test_whitespace_only_text_is_rejected() -> None:
    with pytest.raises(EmptyTextError):
        clean_text(" \n\t \u200b ")


def test_tokens_are_case_folded_and_accent_free() -> None:
    assert tokens("Mélanie JOLY, Straße") == ["melanie", "joly", "strasse"]


def test_french_elisions_and_guillemets() -> None:
    assert tokens("« L'article d'Étienne qu'il jusqu'à lu » aujourd'hui") == [
        "article",
        "etienne",
        "il",
        "a",
        "lu",
        "aujourdhui",
    ]


def test_spanish_and_german_text_tokenise_into_words() -> None:
    assert tokens("¿Qué pasó? ¡El niño llegó!") == ["que", "paso", "el", "nino", "llego"]
    assert tokens("Die Bürgermeisterin erklärte: „Wir bauen.“") == [
        "die",
        "burgermeisterin",
        "erklarte",
        "wir",
        "bauen",
    ]


def test_english_possessives_and_numbers_stay_whole() -> None:
    assert tokens("WorldCom's $11bn (£8.5bn) loss in 2,000 towns") == [
        "worldcom",
        "11bn",
        "8.5bn",
        "loss",
        "in",
        "2,000",
        "towns",
    ]


def test_sentences_split_at_terminal_punctuation_but_not_after_abbreviations() -> None:
    text = 'Mr. Smith met U.S. officials at 3 p.m. on Monday. "Why?" he asked. They left!'
    assert [" ".join(s.tokens) for s in sentences(text)] == [
        "mr smith met u s officials at 3 p m on monday",
        "why he asked",
        "they left",
    ]


def test_a_line_break_inside_a_sentence_does_not_split_it() -> None:
    found = sentences("The council voted to close\nthe bridge on Tuesday.\nTraders were angry.")
    assert [" ".join(s.tokens) for s in found] == [
        "the council voted to close the bridge on tuesday",
        "traders were angry",
    ]


def test_sentence_spans_point_into_the_text() -> None:
    for s in sentences(HARBOUR):
        assert HARBOUR[s.start : s.end].strip() == HARBOUR[s.start : s.end]
        assert tokens(HARBOUR[s.start : s.end]) == list(s.tokens)


def test_the_word_before_a_stop_is_what_its_pattern_finds() -> None:
    """word_before_stop finds from the end what WORD_BEFORE_STOP's search finds from the start."""
    written = [
        "He met Mr. Smith at 5 p.m.",
        'It was "over."',
        "Ask the U.S.",
        "See fig. (3).",
        "It ends...",
        "Wow! ..",
        "She said: \u201cNo.\u201d",
        "Caf\u00e9 n\u00b0 2.",
        "what_ever.",
        "",
        "...",
    ]
    rng = random.Random(7)
    alphabet = "ab1.!?\u2026 \"')]:,-_\u00e9\u0301\u00b2"
    texts = written + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(20_000)
    ]
    for text in texts:
        match = WORD_BEFORE_STOP.search(text)
        assert word_before_stop(text) == (match.group(1) if match else None), text


def test_a_texts_shingles_are_its_sentences_shingles_and_those_across_them() -> None:
    body = "Stop. Two words. The harbour bridge closed on Monday. Rain fell hard. Fog rolled in again."
    text = Text(clean_text(body))
    assert text.shingles == tuple(shingles(text.tokens))
    assert text.shingle_set == dict.fromkeys(shingles(text.tokens))
    assert text.sentence_shingles == tuple(dict.fromkeys(shingles(s.tokens)) for s in text.sentences)
    assert text.sentence_shingle_lists == tuple(tuple(shingles(s.tokens)) for s in text.sentences)
    assert [len(s.tokens) for s in text.sentences] == [1, 2, 6, 3, 4]
    assert text.sentence_starts == (0, 1, 3, 9, 12)


def test_what_a_text_keeps_is_left_alone_by_the_garbage_collector() -> None:
    """Stored texts' profiles stay in memory (Tracer._profiles): once a collection has seen them, their
    shingles, tokens and word sets must not be walked by every later one (text.KeySet)."""
    original = Profile(Text(clean_text(HARBOUR)))
    rewrite = Profile(Text(clean_text(HARBOUR.replace("harbour", "port").replace("closed", "shut"))))
    assert compare(rewrite, original, Thresholds()).relation != "none"
    match_units(original, rewrite, 0.0)  # the units and windows of both sides
    match_units(rewrite, original, 0.0)
    # A collection untracks a tuple whose items it has untracked already: a tuple of new (stem, weight)
    # pairs goes at the next one.
    gc.collect()
    gc.collect()
    for profile in (original, rewrite):
        text = profile.text
        kept = {
            name: value
            for name, value in vars(text).items()
            if name not in ("text", "form", "language", "sentences", "_split", "quotes")
        }
        assert {"shingles", "shingle_set", "sentence_shingles", "lexemes"} <= set(kept)
        assert profile is rewrite or "shingle_sentences" in kept  # the matched side's lookup table
        # A tuple of dicts stays tracked (CPython untracks only tuples of objects that cannot be), so the
        # collector reads its ~20 slots, not the dicts' shingles.
        assert [name for name, value in kept.items() if gc.is_tracked(value)] == ["sentence_shingles"]
        assert not any(gc.is_tracked(own) for own in text.sentence_shingles)
        assert not gc.is_tracked(text.sentence_words)
        units = profile.units
        assert units
        assert not any(gc.is_tracked(u.stems) for u in units)
        assert not gc.is_tracked(profile.windows)
        assert not gc.is_tracked(profile.terms)

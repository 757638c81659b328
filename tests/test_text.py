"""Normalisation, HTML extraction, boilerplate, sentences and tokens."""

from __future__ import annotations

import pytest

from service.text import EmptyTextError, clean_text, normalise, sentences, tokens
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


def test_normalise_applies_nfkc_and_removes_zero_width_characters() -> None:
    assert normalise("ﬁnal\u200b re\u00adport\u2060 \u2460 \uff37ide") == "final report 1 Wide"


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

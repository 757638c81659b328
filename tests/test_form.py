"""The comparison form and words of every script: disguised, damaged and non-Latin texts read alike."""

from __future__ import annotations

import pytest

from service.detect.form import comparison_form, dominant_script
from service.detect.text import Text, clean_text, tokens
from tests.factories import HARBOUR

LOOKALIKES = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"})


def test_lookalike_letters_are_folded_and_counted() -> None:
    disguised = HARBOUR.translate(LOOKALIKES)
    assert disguised != HARBOUR
    text = Text(clean_text(disguised))
    assert text.tokens == Text(clean_text(HARBOUR)).tokens
    assert text.signals.lookalike_letters == sum(1 for a, b in zip(disguised, HARBOUR, strict=True) if a != b)
    assert not Text(clean_text(HARBOUR)).signals.any


def test_invisible_characters_inside_words_are_dropped_and_counted() -> None:
    words = HARBOUR.split(" ")
    disguised = " ".join(w[:2] + "\u200b" + w[2:] if len(w) > 4 else w for w in words)
    text = Text(clean_text(disguised))
    assert text.tokens == Text(clean_text(HARBOUR)).tokens
    assert text.signals.invisible_characters == sum(len(w) > 4 and w[1:3].isalpha() for w in words)
    # The stored text keeps what was sent, and the evidence spans point into it.
    assert "\u200b" in text.text
    first = text.sentences[0]
    assert (
        text.text[first.start : first.end].replace("\u200b", "")
        == Text(HARBOUR).text[Text(HARBOUR).sentences[0].start : Text(HARBOUR).sentences[0].end]
    )


def test_joiners_of_persian_words_are_not_a_disguise() -> None:
    assert (
        Text(
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u0628\u0631\u0648\u0645"
        ).signals.invisible_characters
        == 0
    )


def test_encoding_damage_is_repaired_in_the_form_only() -> None:
    damaged = "The mayor said she didnâ€™t know. â€œWeâ€™re not closing the cafÃ©,â€\x9d she said."
    text = Text(clean_text(damaged))
    assert text.text == clean_text(damaged)  # stored as sent
    assert tokens(damaged) == tokens(
        "The mayor said she didn’t know. “We’re not closing the café,” she said."
    )
    assert text.signals.encoding_repairs >= 3


def test_compatibility_forms_and_digits_of_other_scripts_compare_as_ascii() -> None:
    assert tokens("ＦＵＬＬ width ١٢٣ ۴۵ ﬁnal") == ["full", "width", "123", "45", "final"]


def test_a_cyrillic_text_keeps_its_latin_names_and_folds_latin_lookalikes_inside_its_words() -> None:
    assert dominant_script("Правительство сообщило в понедельник") == "Cyrillic"
    assert comparison_form("сообщило BBC").text == "сообщило BBC"
    disguised = comparison_form("Пpaвительство")  # Latin p and a inside a Cyrillic word
    assert disguised.text == "Правительство" and disguised.signals.lookalike_letters == 2


def test_a_word_of_another_script_without_twins_is_left_alone() -> None:
    assert comparison_form("The word λόγος means reason").text == "The word λόγος means reason"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("东京都政府", ["东京", "京都", "都政", "政府"]),
        ("我 去", ["我", "去"]),
        ("iPhone手机", ["iphone", "手机"]),
    ],
)
def test_scripts_without_spaces_tokenise_into_pairs_of_characters(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_chinese_sentences_end_at_their_stops() -> None:
    text = Text("国家主席周一在北京会见了法国总统。双方讨论了贸易问题！会谈持续了两个小时？")
    assert len(text.sentences) == 3
    assert text.text[text.sentences[1].start : text.sentences[1].end] == "双方讨论了贸易问题！"


def test_urdu_sentences_end_at_the_urdu_full_stop_even_without_a_space() -> None:
    urdu = "عراقی فوج نے کارروائیاں جاری رکھی ہیں۔رپورٹ کے مطابق تنظیم نے اعلان کیا۔ امریکا نے فوجی بھیجے۔"
    text = Text(urdu)
    assert len(text.sentences) == 3
    assert text.language == "ur"


def test_combining_marks_stay_inside_their_word() -> None:
    # Urdu written with a kasra (U+0650): one word, not two.
    assert tokens("اسٹیٹ اِن عراق") == ["اسٹیٹ", "ان", "عراق"]


def test_a_long_sentence_is_cut_into_units_at_the_same_places_in_a_copy() -> None:
    words = " ".join(f"word{i} and some more text" if i % 7 else f"clause{i}, then" for i in range(40))
    long = Text(words + ".")
    assert len(long.tokens) > 60 and len(long.sentences) > 1
    assert all(15 <= len(s.tokens) <= 40 for s in long.sentences[:-1])
    copy = Text("A new opening sentence. " + words + ".")
    assert [s.tokens for s in copy.sentences[1:]] == [s.tokens for s in long.sentences]


def test_a_lowercased_text_without_capitals_still_splits_into_sentences() -> None:
    text = Text(
        "the ferry made its first crossing. islanders had campaigned since 2019. the operator expects savings."
    )
    assert len(text.sentences) == 3


@pytest.mark.parametrize(
    "body",
    [
        "SHARE this story with your friends! The ferry between Tarrow Quay and the island made its first crossing on battery power on Monday, cutting the diesel bill of the trip to nothing.",
        "© Provided by Harbour Herald The ferry between Tarrow Quay and the island made its first crossing on battery power on Monday, cutting the diesel bill of the trip to nothing.",
    ],
)
def test_a_one_paragraph_article_that_starts_like_boilerplate_is_kept(body: str) -> None:
    assert clean_text(body) == body


def test_boilerplate_that_would_leave_nothing_is_kept() -> None:
    assert clean_text("Advertisement") == "Advertisement"

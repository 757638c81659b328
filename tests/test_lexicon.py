"""Word weights and stems."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from service.detect import lexicon
from service.detect.text import tokens
from tests.factories import HARBOUR, ORCHESTRA
from tests.regression_texts import TEMPETE


def test_stems_meet_across_word_forms() -> None:
    assert {lexicon.stem(w) for w in ("lied", "lies", "lying")} == {"lie"}
    assert lexicon.stem("tarifs", "fr") == lexicon.stem("tarif", "fr")


def test_weights_rank_names_above_common_words() -> None:
    assert lexicon.weight("the") == 0.0
    assert lexicon.weight("ebbers") > lexicon.weight("court") > lexicon.weight("said")


def test_languages_are_told_apart() -> None:
    assert lexicon.detect_language(HARBOUR, tokens(HARBOUR)) == "en"
    assert lexicon.detect_language(TEMPETE, tokens(TEMPETE)) == "fr"


def test_a_short_text_the_model_is_unsure_of_goes_by_its_function_words() -> None:
    assert lexicon.detect_language("Ministers met on Monday.", tokens("Ministers met on Monday.")) == "en"


def test_stemming_from_many_threads_gives_the_same_stems() -> None:
    """gunicorn's gthread workers stem on several threads at once."""
    words = sorted(set(tokens(HARBOUR + ORCHESTRA)))
    expected = [lexicon._stemmer("en").stemWord(w) for w in words]

    def stem_all(_: int) -> list[str]:
        return [lexicon._stemmer("en").stemWord(w) for w in words * 20][: len(words)]

    with ThreadPoolExecutor(8) as pool:
        assert all(result == expected for result in pool.map(stem_all, range(32)))


def test_the_c_stemmers_stem_as_the_python_ones_the_fingerprints_were_made_with() -> None:
    """snowballstemmer picks PyStemmer (C) when installed; a stem is part of the anchor fingerprints that
    are stored, so a stemmer release that stems otherwise must be caught before it reaches an index."""
    from snowballstemmer import english_stemmer, french_stemmer, german_stemmer, spanish_stemmer

    pure = {
        "en": english_stemmer.EnglishStemmer(),
        "fr": french_stemmer.FrenchStemmer(),
        "es": spanish_stemmer.SpanishStemmer(),
        "de": german_stemmer.GermanStemmer(),
    }
    assert type(lexicon._stemmer("en")).__module__ == "Stemmer"
    # Without its own cache, which the per-word memo makes redundant (lexicon._stemmer).
    assert lexicon._stemmer("en").maxCacheSize == 0
    words = sorted(set(tokens(HARBOUR + ORCHESTRA + TEMPETE)))
    for language, python_stemmer in pure.items():
        c_stemmer = lexicon._stemmer(language)
        assert [c_stemmer.stemWord(w) for w in words] == [python_stemmer.stemWord(w) for w in words]


def test_warming_fills_the_memo_with_the_common_words_as_a_lookup_would_have() -> None:
    from wordfreq import top_n_list

    lexicon.warm(500)
    memo = lexicon._memo("en")
    words = top_n_list("en", 500)
    assert all(word in memo for word in words)
    for word in words[::50]:
        assert memo[word] == (lexicon._stem(word, "en"), lexicon._weight(word, "en"))

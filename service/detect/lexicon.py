"""Words as evidence: which language a text is in, how telling each word is, and its stem.

A word's weight is how rare it is in general use of the text's language (wordfreq's Zipf frequency:
7 - zipf, between 0 and 6): "the" weighs nothing, "court" about 2, a name such as "Ebbers" 6. This stands
in for corpus statistics, so the service needs no shared document-frequency table and weighs a word the
same way on its first article as on its millionth. Stems (Snowball) let "lied", "lies" and "lying" meet.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import snowballstemmer
from wordfreq import top_n_list, zipf_frequency

from service.detect.memo import Memo

LANGUAGES = {"en": "english", "fr": "french", "es": "spanish", "de": "german"}
DEFAULT_LANGUAGE = "en"
MAX_WEIGHT = 6.0
# Words at or above this weight are names, figures and rare terms: what identifies a story.
ANCHOR_WEIGHT = 4.0
# Capitalised words below this weight are ordinary words at the head of a quote or a title ("What",
# "Minister"), not names.
NAME_WEIGHT = 2.0
# Words below this weight are function words; they do not make a phrase.
CONTENT_WEIGHT = 1.0

# A handful of the most frequent function words of each language: enough to tell them apart.
MARKERS = {
    "en": frozenset(
        "the of and to in is that for was with on as by at from his her has have said it".split()
    ),
    "fr": frozenset(
        "le la les des du et en un une est dans que qui pour pas sur au aux par il elle ont".split()
    ),
    "es": frozenset("el la los las del y en un una es que por con para se su al lo como pero fue".split()),
    "de": frozenset("der die das und ist nicht ein eine den dem des zu mit sich auf fur von im auch".split()),
}


# Whether a token holds a digit (a figure): a regex search in C, not a generator over its characters.
has_digit = re.compile(r"\d").search


def detect_language(tokens: Sequence[str]) -> str:
    """The language among LANGUAGES whose function words are most frequent in the tokens."""
    counts = Counter(tokens[:400])
    scores = {lang: sum(counts[w] for w in words) for lang, words in MARKERS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else DEFAULT_LANGUAGE


def _lexeme_of(language: str) -> Callable[[str], tuple[str, float]]:
    return lambda token: (_stem(token, language), _weight(token, language))


# Each word's stem and weight, computed once per process and language.
_lexemes: dict[str, Memo[tuple[str, float]]] = {}


def _memo(language: str) -> Memo[tuple[str, float]]:
    memo = _lexemes.get(language)
    if memo is None:
        memo = _lexemes.setdefault(language, Memo(_lexeme_of(language)))
    return memo


def lexemes(tokens: Iterable[str], language: str) -> list[tuple[str, float]]:
    """The (stem, weight) of each token."""
    memo = _memo(language)
    return [memo[t] for t in tokens]


def warm(count: int, language: str = DEFAULT_LANGUAGE) -> None:
    """Fill the language's per-word memo with its `count` most common words (wordfreq's list): a fresh
    process then finds most words of its first texts already stemmed and weighed, where it spent ~20% of
    a query looking them up (docs/scaling.md)."""
    lexemes(top_n_list(language, count), language)


def weight(token: str, language: str = DEFAULT_LANGUAGE) -> float:
    """How telling a token is, 0 (the) to MAX_WEIGHT (a name, a figure)."""
    return _memo(language)[token][1]


def stem(token: str, language: str = DEFAULT_LANGUAGE) -> str:
    return _memo(language)[token][0]


def _weight(token: str, language: str) -> float:
    if has_digit(token):
        # Figures identify a story as names do, but bare small numbers (a date, "2") less so.
        return MAX_WEIGHT if len(token) > 2 else 3.0
    return max(0.0, min(MAX_WEIGHT, 7.0 - zipf_frequency(token, language)))


_local = threading.local()


def _stemmer(language: str) -> snowballstemmer.stemmer:
    """A stemmer of this thread's own: Snowball stemmers keep the word being stemmed in the object, so
    threads sharing one (gunicorn's gthread workers) corrupt each other's words."""
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        stemmer = snowballstemmer.stemmer(LANGUAGES.get(language, LANGUAGES[DEFAULT_LANGUAGE]))
        if hasattr(stemmer, "maxCacheSize"):
            # PyStemmer keeps its own cache of 10,000 words, a [stem, counter] list each, which the garbage
            # collector walks and which churns as it is pruned; the per-word memo (_memo) already keeps
            # every stem.
            stemmer.maxCacheSize = 0
        stemmers[language] = stemmer
    return stemmers[language]


def _stem(token: str, language: str) -> str:
    if has_digit(token):
        return token
    return str(_stemmer(language).stemWord(token))


def terms(tokens: Iterable[str], language: str) -> dict[str, float]:
    """Stem -> weight of the tokens (a stem weighs as its rarest form)."""
    return terms_of(lexemes(tokens, language))


def terms_of(pairs: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Stem -> weight of (stem, weight) pairs (see `lexemes`), a stem weighing as its rarest form."""
    out: dict[str, float] = {}
    for key, value in pairs:
        if value > out.get(key, -1.0):
            out[key] = value
    return out


def skip_bigrams(tokens: Sequence[str], language: str, gap: int = 2) -> dict[str, None]:
    """Ordered pairs of content words at most `gap` content words apart: the phrasing of a sentence,
    which a rewrite keeps in part and an independent report of the same facts rarely does. A set kept
    as a dict (text.KeySet), which the garbage collector does not walk."""
    content = [key for key, value in lexemes(tokens, language) if value > CONTENT_WEIGHT]
    return dict.fromkeys(
        f"{a} {content[j]}"
        for i, a in enumerate(content)
        for j in range(i + 1, min(len(content), i + gap + 1))
    )


def anchors(tokens: Sequence[str], language: str, count: int, names: Iterable[str] = ()) -> list[str]:
    """The text's most telling words: names and figures first (a rewrite keeps who, where and how much
    while it swaps ordinary words for synonyms), then rare words; repeated ones before others."""
    proper = set(names)
    tf = Counter(tokens)
    memo = _memo(language)
    scored: dict[str, tuple[int, float]] = {}
    for token, n in tf.items():
        if len(token) < 3:
            continue
        key, w = memo[token]
        if w < NAME_WEIGHT:  # neither a name nor a rare word; nor a figure, which weighs MAX_WEIGHT
            continue
        figure = has_digit(token) is not None
        if figure or token in proper:
            rank = (0, w * (1 + 0.5 * (n - 1)))
        elif w >= ANCHOR_WEIGHT:
            rank = (1, w * (1 + 0.5 * (n - 1)))
        else:
            continue
        if (
            key not in scored
            or rank < scored[key]
            or (rank[0] == scored[key][0] and rank[1] > scored[key][1])
        ):
            scored[key] = rank
    ranked = sorted(scored, key=lambda k: (scored[k][0], -scored[k][1], k))
    return ranked[:count]

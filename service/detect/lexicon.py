"""Words as evidence: which language a text is in, how telling each word is, and its stem.

The language is found by py3langid (langid.py's model of 97 languages, maintained by trafilatura's author),
with the function words of English, French, Spanish and German to decide when a short text leaves the
model unsure. A word's weight is how rare it is in general use of the text's language (wordfreq's Zipf
frequency: 7 - zipf, between 0 and 6): "the" weighs nothing, "court" about 2, a name such as "Ebbers" 6.
This weighs a word the same way on an index's first article as on its millionth, and is a pure function of
the text, as fingerprints must be. A language wordfreq lacks, or can only read with a segmenter it does not
ship (Chinese, Japanese, Korean), weighs every word alike (UNKNOWN_WEIGHT); in such a language only, the
index's own document frequencies (service/detect/terms.py `weights`, kept by service/store/index.py) cap
the weights of a comparison's words. Stems (Snowball, in the 33 languages of LANGUAGES: 34 codes, Norwegian
being both "no" and "nb") let "lied", "lies" and "lying" meet.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import snowballstemmer
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from wordfreq import available_languages, top_n_list, zipf_frequency

from service.detect.memo import Memo

# Snowball's stemmers by the ISO 639-1 codes py3langid names languages with.
LANGUAGES = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
# wordfreq's languages it reads without a segmenter of its own (jieba, MeCab), which it does not ship.
WORDFREQ = frozenset(available_languages()) - {"zh", "ja", "ko"}
DEFAULT_LANGUAGE = "en"
# py3langid's probability from which its answer is taken; below it, a text in Latin script is taken to be
# in the language among MARKERS whose function words it has most (a short text: "Ministers met on
# Monday." is English at 0.2), a text in another script in the language the model ranks first.
LANGID_SURE = 0.6
LANGID_CHARACTERS = 1000
# The share of a text's first tokens that must be function words of one MARKERS language for that to be
# its language without asking py3langid: English news runs at 20-30%, a text in another language that
# shares a few of them (Dutch, Italian) well below.
MARKERS_SURE = 0.12
MAX_WEIGHT = 6.0
# Every word of a language wordfreq cannot weigh: between a function word and a name. Figures still weigh
# MAX_WEIGHT; the index's document frequencies tell the rest apart.
UNKNOWN_WEIGHT = 3.0
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


def detect_language(text: str, tokens: Sequence[str]) -> str:
    """The language of a text (its comparison form) and its tokens, as ISO 639-1. A text in Latin script
    whose function words say it is in English, French, Spanish or German plainly (MARKERS_SURE of its
    first tokens) is taken to be: py3langid costs 1 ms a 1,000 characters, and would say the same. Any
    other goes to py3langid, whose answer is taken from LANGID_SURE on; below it, a text in Latin script
    is taken to be in the language of MARKERS it has most function words of."""
    latin = _latin(text)
    if latin:
        marked = marker_language(tokens, MARKERS_SURE)
        if marked is not None:
            return marked
    language, probability = _identifier().classify(text[:LANGID_CHARACTERS])
    if probability >= LANGID_SURE or not latin:
        return str(language)
    return marker_language(tokens) or DEFAULT_LANGUAGE


def marker_language(tokens: Sequence[str], least: float = 0.0) -> str | None:
    """The language among MARKERS whose function words are most frequent in the first 400 tokens, if
    they are more than `least` of them and more than twice the next language's; None otherwise."""
    first = tokens[:400]
    counts = Counter(first)
    scores = {lang: sum(counts[w] for w in words) for lang, words in MARKERS.items()}
    best, second = sorted(scores.values(), reverse=True)[:2]
    language = max(scores, key=lambda lang: scores[lang])
    if best > 0 and best >= least * len(first) and (least == 0 or best > 2 * second):
        return language
    return None


LETTER = re.compile(r"[^\W\d_]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def _latin(text: str) -> bool:
    """Whether most of the text's first letters are Latin ones."""
    sample = text[:LANGID_CHARACTERS]
    return len(LATIN_LETTER.findall(sample)) * 2 >= len(LETTER.findall(sample))


_langid: list[LanguageIdentifier] = []
_langid_lock = threading.Lock()


def _identifier() -> LanguageIdentifier:
    """py3langid's model, loaded once per process (0.7 s: the gunicorn master loads it before forking)."""
    if not _langid:
        with _langid_lock:
            if not _langid:
                _langid.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
    return _langid[0]


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
    a query looking them up (docs/scaling.md). The language model is loaded too."""
    lexemes(top_n_list(language, count), language)
    _identifier()


def weight(token: str, language: str = DEFAULT_LANGUAGE) -> float:
    """How telling a token is, 0 (the) to MAX_WEIGHT (a name, a figure)."""
    return _memo(language)[token][1]


def stem(token: str, language: str = DEFAULT_LANGUAGE) -> str:
    return _memo(language)[token][0]


def _weight(token: str, language: str) -> float:
    if has_digit(token):
        # Figures identify a story as names do, but bare small numbers (a date, "2") less so.
        return MAX_WEIGHT if len(token) > 2 else 3.0
    if language not in WORDFREQ:
        return UNKNOWN_WEIGHT
    return max(0.0, min(MAX_WEIGHT, 7.0 - zipf_frequency(token, language)))


_local = threading.local()


def _stemmer(language: str) -> snowballstemmer.stemmer:
    """A stemmer of this thread's own: Snowball stemmers keep the word being stemmed in the object, so
    threads sharing one (gunicorn's gthread workers) corrupt each other's words."""
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        stemmer = snowballstemmer.stemmer(LANGUAGES[language])
        if hasattr(stemmer, "maxCacheSize"):
            # PyStemmer keeps its own cache of 10,000 words, a [stem, counter] list each, which the garbage
            # collector walks and which churns as it is pruned; the per-word memo (_memo) already keeps
            # every stem.
            stemmer.maxCacheSize = 0
        stemmers[language] = stemmer
    return stemmers[language]


def _stem(token: str, language: str) -> str:
    if has_digit(token) or language not in LANGUAGES:
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

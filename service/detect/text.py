"""Text in, comparable units out: HTML -> text, normalisation, boilerplate, sentences and tokens.

`clean_text` gives the text that is stored and shown (Unicode NFKC, markup and boilerplate removed, white
space tidied, case kept). `tokens` gives the comparison units: case-folded, accents removed, elisions
(l'article, dell'anno) and possessives ('s) split off, numbers such as 8.5bn kept whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from service.detect import lexicon
from service.detect.memo import Memo

ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS), None)

# Lines a republisher adds around a story: bylines, ad slots, "read more", copyright and share prompts.
# They are matched on whole lines of plain text only (HTML goes through trafilatura first).
BOILERPLATE_LINE = re.compile(
    r"""^(?:
        advertisement|advertising|sponsored(?:\ content)?|anzeige|publicit[eé]|publicidad
      | (?:by|par|por|von)\ [^.!?]{0,80}\|[^.!?]*          # "By Staff Reporter | Daily Courier"
      | (?:read|see)\ (?:more|also)\b.*                      # "Read more stories like this at ..."
      | (?:lire|voir)\ aussi\b.* | lea\ tambi[eé]n\b.* | mehr\ zum\ thema\b.*
      | (?:\(c\)|©|copyright)\ .*
      | share\ (?:this|on)\b.* | click\ here\b.* | sign\ up\b.*newsletter.*
      | related(?:\ (?:articles|stories))?:?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Also boilerplate: a line that ends so. Apart, because a pattern that starts with .* is tried at length on
# every line; `drop_boilerplate` tries it only on lines whose last six characters hold "erved" (no letter of
# which has another case-insensitive form, so no line it matches is missed).
RIGHTS_RESERVED_LINE = re.compile(r".*\ball\ rights\ reserved\.?$", re.IGNORECASE)

WORD = re.compile(r"\d+(?:[.,]\d+)*[^\W\d_]*|[^\W\d_][\w]*(?:['\u2019][\w]+)*")
ELISION = re.compile(
    r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|dell|dall|nell|sull|all|un)['\u2019]"
)
POSSESSIVE = re.compile(r"['\u2019]s$")
SENTENCE_END = re.compile(
    r"""[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*(?=\s+[\"'\u201c\u2018\u00ab(\[]?[\w\u00bf\u00a1])"""
)
WORD_BEFORE_STOP = re.compile(r"([\w.]+)[.!?\u2026]+\W*$")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st mt jr sr inc ltd co corp gov gen col sgt lt capt rep sen rev vs etc no nos fig jan "
    "feb mar apr jun jul aug sep sept oct nov dec u.s u.k e.g i.e m mme mlle sra dra hr fr nr bzw ca".split()
)


class EmptyTextError(ValueError):
    """The body holds no text once markup and boilerplate are removed."""


@dataclass(frozen=True)
class Sentence:
    """A sentence of the clean text: its character span and its tokens."""

    start: int
    end: int
    tokens: tuple[str, ...]


# Elements that are never the article: navigation, asides, footers, forms and code. Dropped before
# extraction, so that a page with nothing else (a menu) is empty, not an article made of its links.
NON_CONTENT = ("nav", "aside", "footer", "menu", "form", "button", "script", "style", "noscript", "template")


def extract_html(html: str) -> str:
    """The article's text from an HTML page: navigation, scripts, asides and footers left out."""
    page = _without_chrome(html)
    text = trafilatura.extract(page, include_comments=False, include_tables=True, favor_recall=True)
    if not text:
        # Pages too small for the extractor's heuristics: its baseline still keeps only visible text.
        _, text, _ = trafilatura.baseline(page)
    return text or ""


def _without_chrome(html: str) -> Any:
    """The page's tree without NON_CONTENT elements (their tail text kept), or the string as it came
    if it does not parse."""
    try:
        tree = lxml_html.document_fromstring(html)
    except (ValueError, etree.ParserError):
        return html
    for element in tree.xpath(" | ".join(f"//{tag}" for tag in NON_CONTENT)):
        element.drop_tree()
    return tree


def normalise(text: str) -> str:
    """NFKC, no zero-width characters or invalid surrogates, tidy white space, paragraph breaks kept."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFKC", text)
    # str.translate looks every character up in the table once the text is not all ASCII (a third of
    # the time of cleaning a text): only a text holding one of them needs it.
    if not text.isascii() and any(ch in text for ch in ZERO_WIDTH_CHARS):
        text = text.translate(ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines).strip()


def drop_boilerplate(text: str) -> str:
    kept = "\n".join([line for line in text.split("\n") if not _is_boilerplate(line.strip())])
    return (re.sub(r"\n{3,}", "\n\n", kept) if "\n\n\n" in kept else kept).strip()


def _is_boilerplate(line: str) -> bool:
    return bool(
        BOILERPLATE_LINE.match(line) or ("erved" in line[-6:].lower() and RIGHTS_RESERVED_LINE.match(line))
    )


def clean_text(body: str, fmt: str = "text") -> str:
    """The text to store and compare. Raises EmptyTextError when nothing is left."""
    raw = extract_html(body) if fmt == "html" else body
    text = drop_boilerplate(normalise(raw))
    if not any(ch.isalnum() for ch in text):
        raise EmptyTextError("the text is empty once markup and boilerplate are removed")
    return text


def fold(word: str) -> str:
    """Case-fold and strip accents: Mélanie, MELANIE and melanie compare equal; ß becomes ss."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _token(word: str) -> str:
    """The comparison token of one word (a WORD match): folded, its elision and possessive cut off;
    empty for a word that is only those ("'s")."""
    token = fold(word)
    if "'" in token or "\u2019" in token:
        token = POSSESSIVE.sub("", ELISION.sub("", token)).replace("'", "").replace("\u2019", "")
    return token


_TOKENS = Memo(_token)


def tokens(text: str) -> list[str]:
    """Comparison tokens of a text."""
    return _folded(WORD.findall(text))


def _folded(words: list[str]) -> list[str]:
    """Comparison tokens of a text's words (WORD matches)."""
    memo = _TOKENS
    out = [memo[word] for word in words]
    return [word for word in out if word] if "" in out else out


def _tokens_of_word(word: str) -> tuple[str, ...]:
    """The tokens of one word (a WORD match): one, none ("'s") or two (an elision)."""
    return tuple(tokens(word))


_WORD_TOKENS = Memo(_tokens_of_word, 65_536)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences: split at terminal punctuation (not after an abbreviation) and at line
    breaks, except a break inside a sentence (the next line starts in lower case)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for line_match in re.finditer(r"[^\n]+", text):
        line_start, line_end = line_match.span()
        continues = bool(spans) and text[line_start].islower() and text[spans[-1][1] - 1] not in ".!?"
        start = spans.pop()[0] if continues else line_start
        for end_match in SENTENCE_END.finditer(text, line_start, line_end):
            end = end_match.end()
            # The word before the stop: the last 100 characters are enough (a sentence that keeps going
            # past single letters, "a b c d. e f g.", must not make this quadratic).
            if end_match.group().startswith("."):
                word_before = word_before_stop(text[max(start, end - 100) : end])
                if word_before is not None and _is_abbreviation(word_before):
                    continue
            if _next_letter_is_lower(text, end, line_end):
                continue
            spans.append((start, end))
            start = end
            while start < line_end and text[start].isspace():
                start += 1
        if start < line_end:
            spans.append((start, line_end))
        start = line_end
    return spans


STOPS = ".!?\u2026"


def word_before_stop(text: str) -> str | None:
    """WORD_BEFORE_STOP.search(text).group(1), or None: the word before a sentence's last stop.

    The search tries the pattern at each of the text's characters (8 µs a sentence, most of the time of
    splitting a text); the match it finds is the run of word characters and dots that holds the text's
    last word character, up to the last stop directly after that character, and that run is found here
    from the end. A text where the stop does not follow that run directly goes to the pattern.
    """
    last = len(text) - 1
    while last >= 0 and not (text[last].isalnum() or text[last] == "_"):  # \w is isalnum() or "_"
        last -= 1
    if last >= 0:
        first = last
        while first > 0 and (text[first - 1].isalnum() or text[first - 1] in "._"):
            first -= 1
        after = last + 1
        while after < len(text) and text[after] == ".":
            after += 1
        if after < len(text) and text[after] in STOPS:
            return text[first:after]
        if after > last + 1:  # dots after the last word character: the last of them is the stop
            return text[first : after - 1]
    match = WORD_BEFORE_STOP.search(text)
    return match.group(1) if match else None


def _is_abbreviation(word: str) -> bool:
    word = word.casefold().rstrip(".")
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or "." in word


def _next_letter_is_lower(text: str, pos: int, limit: int) -> bool:
    """'"Why?" he asked' goes on after the question mark."""
    for ch in text[pos:limit]:
        if ch.isalnum():
            return ch.islower()
    return False


def sentences(text: str) -> list[Sentence]:
    """The sentences of a clean text, each with its span and tokens; empty sentences left out."""
    return [sentence for sentence, _ in _sentences_and_words(text)]


def _sentences_and_words(text: str) -> list[tuple[Sentence, tuple[str, ...]]]:
    """The sentences of a clean text, each with its words as written (WORD matches, case kept)."""
    out = []
    for start, end in _sentence_spans(text):
        # WORD has no anchors or look-arounds: matching within (start, end) is matching the slice.
        words = WORD.findall(text, start, end)
        toks = tuple(_folded(words))
        if toks:
            out.append((Sentence(start, end, toks), tuple(words)))
    return out


SHINGLE = 3


def shingles(words: Sequence[str], size: int = SHINGLE) -> list[str]:
    """Word n-grams; a text shorter than n is one shingle."""
    if len(words) <= size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


# A set of strings kept as a dict of them to None: CPython's garbage collector never walks a dict that holds
# only strings (it is left untracked), where it walks every member of a set, and of a list, at each of its
# passes. Stored texts' profiles are kept (Tracer._profiles): with 512 of them as sets and lists, one full
# collection took 95 ms or more and paused a worker in the middle of a request (docs/scaling.md, "Garbage").
KeySet = dict[str, None]


@dataclass(frozen=True)
class Text:
    """A clean text and what is derived from it, computed once. What is derived is kept in tuples and
    KeySets, never lists or sets: see KeySet."""

    text: str

    @cached_property
    def shingles(self) -> tuple[str, ...]:
        """Word 3-shingles of the whole text, in order: shingle i is tokens i, i+1 and i+2."""
        return tuple(shingles(self.tokens))

    @cached_property
    def shingle_set(self) -> KeySet:
        """Word 3-shingles of the whole text."""
        return dict.fromkeys(self.shingles)

    @cached_property
    def sentence_starts(self) -> tuple[int, ...]:
        """The position in `tokens` of each sentence's first token."""
        starts, at = [], 0
        for sentence in self.sentences:
            starts.append(at)
            at += len(sentence.tokens)
        return tuple(starts)

    @cached_property
    def sentence_shingle_lists(self) -> tuple[tuple[str, ...], ...]:
        """Word 3-shingles of each sentence, in order: of the whole text's, those inside it (a sentence of
        three tokens or fewer is one shingle, as `shingles` makes it)."""
        whole, out = self.shingles, []
        for sentence, start in zip(self.sentences, self.sentence_starts, strict=True):
            words = sentence.tokens
            inside = whole[start : start + len(words) - SHINGLE + 1]
            out.append(inside if len(words) > SHINGLE else tuple(shingles(words)))
        return tuple(out)

    @cached_property
    def sentence_shingles(self) -> tuple[KeySet, ...]:
        """Word 3-shingles of each sentence."""
        return tuple(dict.fromkeys(own) for own in self.sentence_shingle_lists)

    @cached_property
    def shingle_sentences(self) -> dict[str, tuple[int, ...]]:
        """Shingle -> the sentences that have it: the lookup table of verbatim alignment."""
        where: dict[str, tuple[int, ...]] = {}
        for j, own in enumerate(self.sentence_shingles):
            for s in own:
                where[s] = (*where[s], j) if s in where else (j,)
        return where

    @cached_property
    def _split(self) -> tuple[tuple[Sentence, ...], tuple[tuple[str, ...], ...]]:
        """The sentences, and each one's words as written: one pass over the text for both."""
        pairs = _sentences_and_words(self.text)
        return tuple(sentence for sentence, _ in pairs), tuple(words for _, words in pairs)

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        return self._split[0]

    @property
    def sentence_words(self) -> tuple[tuple[str, ...], ...]:
        """Each sentence's words as written (case kept), in the order of `sentences`: what `names` reads."""
        return self._split[1]

    @cached_property
    def tokens(self) -> tuple[str, ...]:
        return tuple(chain.from_iterable([s.tokens for s in self.sentences]))

    @cached_property
    def quotes(self) -> tuple[Quote, ...]:
        """Its quoted speech of four words or more: the quote fingerprints and verification read it."""
        return tuple(quotes(self.text))

    @cached_property
    def language(self) -> str:
        """The text's language (lexicon.detect_language): fingerprints and profiles both need it."""
        return lexicon.detect_language(self.tokens)

    @cached_property
    def lexemes(self) -> tuple[tuple[str, float], ...]:
        """The (stem, weight) of each token in the text's language: the passage fingerprints and the
        rewording profile both read them."""
        return tuple(lexicon.lexemes(self.tokens, self.language))


QUOTE = re.compile(
    r"\u201c[^\u201d\n]{8,}?\u201d|\u00ab[^\u00bb\n]{8,}?\u00bb|\u201e[^\u201c\u201d\n]{8,}?[\u201c\u201d]|\"[^\"\n]{8,}?\""
)
QUOTE_MIN_TOKENS = 4


@dataclass(frozen=True)
class Quote:
    """Quoted speech in a text: its character span and its tokens."""

    start: int
    end: int
    tokens: tuple[str, ...]


def quotes(text: str) -> list[Quote]:
    """Quoted speech ("...", “...”, « ... », „...“) of four words or more."""
    found = []
    for m in QUOTE.finditer(text):
        words = tuple(tokens(m.group()))
        if len(words) >= QUOTE_MIN_TOKENS:
            found.append(Quote(*m.span(), words))
    return found


def names(text: Text) -> set[str]:
    """Folded tokens of words written with a capital inside a sentence: names of people, places and
    organisations, which a rewrite keeps while it swaps the ordinary words around them."""
    found: set[str] = set()
    for words in text.sentence_words:
        for word in words[1:]:
            if word[:1].isupper() and not word.isupper():
                found.update(_WORD_TOKENS[word])
    return found

"""Text in, comparable units out: HTML -> text, normalisation, boilerplate, sentences and tokens.

`clean_text` gives the text that is stored and shown (Unicode NFC, markup and boilerplate removed, white
space tidied, case and every character kept). Detection reads its comparison form (service/detect/form.py:
encoding damage repaired, compatibility forms, invisible characters and look-alike letters undone), and
positions found there map back to the clean text. `tokens` gives the comparison units: case-folded, accents
removed, elisions (l'article, dell'anno) and possessives ('s) split off, numbers such as 8.5bn kept whole;
words of scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) as
overlapping pairs of characters, as Lucene's CJK analyser indexes them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any

import regex
import trafilatura
from lxml import etree
from lxml import html as lxml_html

from service.detect import lexicon
from service.detect.form import Form, Signals, comparison_form
from service.detect.memo import Memo

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

ASCII_SPACES = " \t\f\v"
ASCII_SPACE = re.compile(r"[ \t\f\v]+")
# A boilerplate line is short: a long line that starts like one ("SHARE this story with your friends! The
# ferry…", "© Provided by …" followed by the story) is a one-paragraph article, kept whole.
BOILERPLATE_MAX_CHARS = 160

# Words of ASCII text (the common case: `re`, twice as fast as `regex`), and of any other text: letters
# with their combining marks (Arabic vowel signs, Devanagari matras), and runs of letters of scripts
# written without spaces, which `_word_tokens` cuts into pairs of characters.
WORD = re.compile(r"\d+(?:[.,]\d+)*[^\W\d_]*|[^\W\d_][\w]*(?:['\u2019][\w]+)*")
NO_SPACE = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
WORD_ANY = regex.compile(
    rf"(?V1)[{NO_SPACE}][\p{{M}}{NO_SPACE}]*"
    rf"|\d+(?:[.,]\d+)*[\p{{L}}\p{{M}}--[{NO_SPACE}]]*"
    rf"|[\p{{L}}--[{NO_SPACE}]][[\p{{L}}\p{{M}}\p{{N}}_]--[{NO_SPACE}]]*"
    rf"(?:['\u2019][[\p{{L}}\p{{M}}\p{{N}}_]--[{NO_SPACE}]]+)*"
)
NO_SPACE_RUN = regex.compile(rf"[{NO_SPACE}]")
# What only WORD_ANY reads right: combining marks (which `re` does not take as word characters) and
# scripts written without spaces. A text with neither is read by WORD, the same words faster.
NEEDS_WORD_ANY = regex.compile(rf"[\p{{M}}{NO_SPACE}]")
ELISION = re.compile(
    r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|dell|dall|nell|sull|all|un)['\u2019]"
)
POSSESSIVE = re.compile(r"['\u2019]s$")
# A sentence ends at a stop followed by space and the next sentence's first word; or, in scripts whose
# stops need no space after them (Chinese and Japanese 。！？, the Urdu full stop ۔, the Arabic question
# mark ؟, the Devanagari danda ।), at the stop.
SENTENCE_END = re.compile(
    r"""[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*"""
    r"""(?=\s+[\"'\u201c\u2018\u00ab(\[]?[\w\u00bf\u00a1]|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff])"""
    r"""|[\u3002\uff01\uff1f\uff61\u06d4\u061f\u0964\u0965]+[\"'\u201d\u2019\u00bb)\]\u300d\u300f]*"""
)
LATIN_STOPS = ".!?\u2026"
# A sentence longer than this many tokens is cut into units of UNIT_MIN to UNIT_MAX tokens: after a comma
# or a semicolon where there is one, else where a word's hash says (so that a copy and its original, or
# two copies, cut the same stretch of words at the same places). Some texts have no stops to speak of
# (transcripts, texts lowercased and stripped of punctuation, agency copy in one paragraph): their
# "sentence" would be the whole text, and an excerpt of it would share one unit with its original.
SENTENCE_MAX_TOKENS = 60
UNIT_MIN, UNIT_MAX = 15, 40
CLAUSE_BREAK = re.compile(r"[,;:\u060c\u061b\uff0c\u3001\uff1b]")
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
    """NFC, no invalid surrogates, tidy white space, paragraph breaks kept. Every other character is kept
    as sent (compatibility forms, invisible characters, look-alike letters): the comparison form
    (service/detect/form.py) undoes those for detection, and counts what it undid."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Runs of ASCII white space become one space; other spaces (a no-break space) are kept as sent: inside
    # mojibake they are bytes of a damaged character ("â€\xa0" is U+2020 read as Windows-1252), which
    # the comparison form can repair only if they are still there. The form reads them as spaces.
    lines = [ASCII_SPACE.sub(" ", line).strip(ASCII_SPACES) for line in text.split("\n")]
    return "\n".join(lines).strip(ASCII_SPACES + "\n")


def drop_boilerplate(text: str) -> str:
    """The text without its boilerplate lines; the text as it was when that would leave nothing of it
    (removing boilerplate never deletes the article itself)."""
    kept = "\n".join([line for line in text.split("\n") if not _is_boilerplate(line.strip())])
    kept = (re.sub(r"\n{3,}", "\n\n", kept) if "\n\n\n" in kept else kept).strip()
    return kept if _has_text(kept) else text.strip()


def _is_boilerplate(line: str) -> bool:
    if len(line) > BOILERPLATE_MAX_CHARS:
        return False
    return bool(
        BOILERPLATE_LINE.match(line) or ("erved" in line[-6:].lower() and RIGHTS_RESERVED_LINE.match(line))
    )


def _has_text(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def clean_text(body: str, fmt: str = "text") -> str:
    """The text to store and compare. Raises EmptyTextError when nothing is left."""
    raw = extract_html(body) if fmt == "html" else body
    text = drop_boilerplate(normalise(raw))
    if not _has_text(text):
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


def _pairs(word: str) -> tuple[str, ...]:
    """A run of letters of a script written without spaces as its overlapping pairs of characters (one
    character alone stays itself): 東京都 -> 東京, 京都."""
    token = fold(word)
    if len(token) <= 2:
        return (token,) if token else ()
    return tuple(token[i : i + 2] for i in range(len(token) - 1))


_PAIRS = Memo(_pairs, 65_536)


def _word_tokens(word: str) -> tuple[str, ...]:
    """The tokens of one word as `words_of` finds it: one, none ("'s"), or a run's pairs of characters."""
    if NO_SPACE_RUN.match(word):
        return _PAIRS[word]
    token = _TOKENS[word]
    return (token,) if token else ()


def word_pattern(text: str) -> Any:
    """The pattern that finds a text's words (a comparison form's): WORD where it reads them right."""
    return WORD if _reads_plainly(text)[0] else WORD_ANY


def _reads_plainly(text: str) -> tuple[bool, bool]:
    """(no combining mark and no letter of a script written without spaces, no such letter): what
    `word_pattern` and `_folded` need to know, from the text's distinct characters (a set is made in C)."""
    if text.isascii():
        return True, True
    odd = [ch for ch in set(text) if not ch.isascii() and NEEDS_WORD_ANY.match(ch)]
    return not odd, not any(NO_SPACE_RUN.match(ch) for ch in odd)


def words_of(text: str, start: int = 0, end: int | None = None, pattern: Any = None) -> list[str]:
    """The words of text[start:end] (of a comparison form), as written."""
    end = len(text) if end is None else end
    return list((pattern or word_pattern(text)).findall(text, start, end))


def tokens(text: str) -> list[str]:
    """Comparison tokens of a text (read through its comparison form)."""
    form = comparison_form(text).text
    return _folded(words_of(form), spaced=_reads_plainly(form)[1])


def _folded(words: Sequence[str], spaced: bool = False) -> list[str]:
    """Comparison tokens of a text's words (`words_of`); `spaced`: none is of a script written without
    spaces (each word is one token at most)."""
    if not spaced and any(NO_SPACE_RUN.match(word) for word in words):
        return list(chain.from_iterable([_word_tokens(word) for word in words]))
    memo = _TOKENS
    out = [memo[word] for word in words]
    return [word for word in out if word] if "" in out else out


def _tokens_of_word(word: str) -> tuple[str, ...]:
    """The tokens of one word (a WORD match): one, none ("'s") or two (an elision)."""
    return tuple(tokens(word))


_WORD_TOKENS = Memo(_tokens_of_word, 65_536)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences: split at terminal punctuation (not after an abbreviation) and at line
    breaks, except a break inside a sentence (the next line starts in lower case). In a text without
    capitals (lowercased, or a script without case), a lower-case letter after a stop starts a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    cased = _Cased(text)
    for line_match in re.finditer(r"[^\n]+", text):
        line_start, line_end = line_match.span()
        continues = (
            cased and bool(spans) and text[line_start].islower() and text[spans[-1][1] - 1] not in ".!?"
        )
        start = spans.pop()[0] if continues else line_start
        for end_match in SENTENCE_END.finditer(text, line_start, line_end):
            end = end_match.end()
            stop = end_match.group()[0]
            # The word before the stop: the last 100 characters are enough (a sentence that keeps going
            # past single letters, "a b c d. e f g.", must not make this quadratic).
            if stop == ".":
                word_before = word_before_stop(text[max(start, end - 100) : end])
                if word_before is not None and _is_abbreviation(word_before):
                    continue
            if cased and stop in LATIN_STOPS and _next_letter_is_lower(text, end, line_end):
                continue
            if end <= start:
                continue
            spans.append((start, end))
            start = end
            while start < line_end and text[start].isspace():
                start += 1
        if start < line_end:
            spans.append((start, line_end))
        start = line_end
    return spans


class _Cased:
    """Whether the text writes capitals: not a text lowercased throughout (scraped, or transcribed), nor one
    in a script without case. Such a text's sentences cannot be told by the case of their first letter.
    Found when first asked (most texts never reach a stop followed by a lower-case letter)."""

    def __init__(self, text: str):
        self.text = text
        self.known: bool | None = None

    def __bool__(self) -> bool:
        if self.known is None:
            sample = self.text[:3000]
            upper = sum(map(str.isupper, sample))
            self.known = upper >= 3 and upper >= 0.005 * sum(map(str.islower, sample))
        return self.known


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
    return list(Text(text).sentences)


def _sentences_and_words(form: Form) -> list[tuple[Sentence, tuple[str, ...]]]:
    """The sentences of a comparison form (long ones cut into units), each with its words as written;
    spans point into the clean text the form was made from."""
    text = form.text
    plain, spaced = _reads_plainly(text)
    pattern = WORD if plain else WORD_ANY
    out = []
    for start, end in _sentence_spans(text):
        words = words_of(text, start, end, pattern)
        toks = tuple(_folded(words, spaced))
        if not toks:
            continue
        if len(toks) <= SENTENCE_MAX_TOKENS:
            out.append((Sentence(form.source(start), form.source(end), toks), tuple(words)))
            continue
        for unit_start, unit_end, unit_words in _units(text, start, end, pattern):
            unit_tokens = tuple(_folded(unit_words, spaced))
            if unit_tokens:
                span = (form.source(unit_start), form.source(unit_end))
                out.append((Sentence(*span, unit_tokens), tuple(unit_words)))
    return out


def _units(text: str, start: int, end: int, pattern: Any) -> list[tuple[int, int, list[str]]]:
    """A long sentence text[start:end] cut into units of UNIT_MIN to UNIT_MAX words (see
    SENTENCE_MAX_TOKENS): once a unit has UNIT_MIN words, after a word followed by a comma, semicolon or
    colon, or a word whose hash is a multiple of 8 (UNIT_MIN words or more before the end); else at
    UNIT_MAX."""
    matches = list(pattern.finditer(text, start, end))
    units: list[tuple[int, int, list[str]]] = []
    first = 0
    for i, match in enumerate(matches):
        size = i - first + 1
        after = text[match.end() : matches[i + 1].start()] if i + 1 < len(matches) else ""
        last = i + 1 == len(matches)
        cut = (
            last
            or size >= UNIT_MAX
            or (size >= UNIT_MIN and CLAUSE_BREAK.search(after) is not None)
            or (size >= UNIT_MIN and _WORD_HASH[match.group()] % 8 == 0 and len(matches) - i > UNIT_MIN)
        )
        if cut:
            unit_start = matches[first].start() if units else start
            unit_end = end if last else match.end()
            units.append((unit_start, unit_end, [m.group() for m in matches[first : i + 1]]))
            first = i + 1
    return units


_WORD_HASH = Memo(lambda word: zlib.crc32(word.casefold().encode("utf-8")))


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
    def form(self) -> Form:
        """The comparison form detection reads (service/detect/form.py)."""
        return comparison_form(self.text)

    @property
    def signals(self) -> Signals:
        """What the comparison form undid (look-alike letters, invisible characters, encoding damage)."""
        return self.form.signals

    @cached_property
    def _split(self) -> tuple[tuple[Sentence, ...], tuple[tuple[str, ...], ...]]:
        """The sentences, and each one's words as written: one pass over the text for both."""
        pairs = _sentences_and_words(self.form)
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
        return tuple(quotes(self.form))

    @cached_property
    def quoted_tokens(self) -> tuple[int, ...]:
        """Per sentence, how many of its tokens lie inside quoted speech: quotes and sentences both come in
        the order of the text, so one pass over each."""
        spans = sorted((quote.start, quote.end) for quote in self.quotes)
        out, first = [], 0
        for s in self.sentences:
            while first < len(spans) and spans[first][1] <= s.start:
                first += 1
            count, k = 0, first
            while k < len(spans) and spans[k][0] < s.end:
                a, b = spans[k]
                if b > s.start:
                    count += len(tokens(self.text[max(s.start, a) : min(s.end, b)]))
                k += 1
            out.append(count)
        return tuple(out)

    @cached_property
    def language(self) -> str:
        """The text's language (lexicon.detect_language): fingerprints and profiles both need it."""
        return lexicon.detect_language(self.form.text, self.tokens)

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


def quotes(text: str | Form) -> list[Quote]:
    """Quoted speech ("...", “...”, « ... », „...“) of four words or more; spans in the clean text."""
    form = text if isinstance(text, Form) else comparison_form(text)
    plain, spaced = _reads_plainly(form.text)
    pattern = WORD if plain else WORD_ANY
    found = []
    for m in QUOTE.finditer(form.text):
        words = tuple(_folded(words_of(form.text, *m.span(), pattern), spaced))
        if len(words) >= QUOTE_MIN_TOKENS:
            found.append(Quote(form.source(m.start()), form.source(m.end()), words))
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

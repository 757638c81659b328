"""The comparison form of a text: what detection reads, separate from the text stored and shown.

A copy can be disguised or damaged so that it no longer looks like its original to a machine while it
reads the same to a person: Cyrillic а for Latin a, zero-width spaces inside words, "donâ€™t" for "don’t"
after a scraper decoded UTF-8 as Windows-1252, fullwidth letters, Arabic-Indic digits. The form undoes
these, so both texts of a comparison are read alike:
- encoding damage repaired by ftfy (`fix_encoding`: mojibake only, nothing else rewritten);
- Unicode NFKC (compatibility forms: ﬁ, ｆｕｌｌｗｉｄｔｈ, superscripts);
- every invisible or format character dropped (Unicode category Cf: zero-width spaces and joiners, the
  soft hyphen, bidirectional controls, tag characters; variation selectors and the grapheme joiner);
- decimal digits of every script as ASCII digits;
- look-alike letters folded into the text's own script, from the Unicode confusables data of UTS #39
  (through the confusable_homoglyphs package): a letter of another script with a twin in the text's
  script is replaced by it, inside a word that mixes scripts, or throughout a word whose letters all have
  twins (a whole word typed in look-alikes).
Positions in the form map back to the clean text (`Form.source`), so evidence points into the text as
indexed. A text of ASCII only has itself as its form. What was undone is counted in `Signals`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import pairwise

import ftfy
import ftfy.bad_codecs
import regex

from service.detect.memo import Memo

# Format characters (Cf), the combining grapheme joiner, variation selectors: nothing a reader sees.
INVISIBLE = regex.compile(r"[\p{Cf}\u034f\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# Joiners that belong inside words of some scripts (Persian, Urdu, Indic): dropped, but not counted as
# a disguise next to letters of those scripts.
JOINERS = "\u200c\u200d"
JOINING_SCRIPTS = regex.compile(
    r"[\p{Arabic}\p{Devanagari}\p{Bengali}\p{Gurmukhi}\p{Gujarati}\p{Oriya}"
    r"\p{Tamil}\p{Telugu}\p{Kannada}\p{Malayalam}\p{Sinhala}\p{Syriac}]"
)
# UTF-8 read as Windows-1252 or Latin-1: a lead byte's character, then a continuation byte's. Only a
# chunk holding such a pair goes to ftfy (which is 60 ms a 200,000-character text just to look).
MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# A chunk ends at ASCII white space only: a no-break space inside mojibake is one of its bytes.
NON_ASCII_CHUNK = re.compile(r"[^ \t\n\r\f\v]*[^\x00-\x7f][^ \t\n\r\f\v]*")
OTHER_DIGIT = regex.compile(r"[^\P{Nd}0-9]")
WORD_LETTERS = regex.compile(r"[\p{L}\p{M}]+")
# Scripts whose look-alikes are folded (the confusables data maps letters of many scripts to Latin ones;
# Cyrillic and Greek texts are folded through the same pairs, the other way).
FOLDED_SCRIPTS = ("Latin", "Cyrillic", "Greek")
SCRIPT_PATTERNS = {
    name: regex.compile(rf"\p{{{name}}}")
    for name in (
        "Latin",
        "Cyrillic",
        "Greek",
        "Arabic",
        "Hebrew",
        "Han",
        "Hiragana",
        "Katakana",
        "Hangul",
        "Thai",
        "Devanagari",
    )
}
SCRIPT_SAMPLE = 20_000  # characters read to find the text's script


@dataclass(frozen=True)
class Signals:
    """What the form undid: look-alike letters folded, invisible characters inside words, chunks (runs of
    non-space characters) whose encoding damage was repaired."""

    lookalike_letters: int = 0
    invisible_characters: int = 0
    encoding_repairs: int = 0

    @property
    def any(self) -> bool:
        return bool(self.lookalike_letters or self.invisible_characters or self.encoding_repairs)


@dataclass(frozen=True)
class Form:
    """The comparison form of a clean text, and how its positions map back to it."""

    text: str
    source_length: int
    # (form position, source position, form length, source length) of each chunk that changed, in order
    edits: tuple[tuple[int, int, int, int], ...] = ()
    signals: Signals = field(default_factory=Signals)
    starts: tuple[int, ...] = ()  # the form position of each edit, for bisection

    def source(self, position: int) -> int:
        """The position in the clean text of a position of the form (a changed chunk maps in proportion)."""
        if not self.edits:
            return position
        i = bisect_right(self.starts, position) - 1
        if i < 0:
            return position
        form_at, source_at, form_len, source_len = self.edits[i]
        if position >= form_at + form_len:  # after the chunk: shifted by what the chunks so far changed
            return min(position - form_at - form_len + source_at + source_len, self.source_length)
        if form_len == 0:
            return source_at
        return source_at + round((position - form_at) * source_len / form_len)


def comparison_form(text: str) -> Form:
    """The comparison form of a clean text (see the module's docstring)."""
    if text.isascii():
        return Form(text, len(text))
    script = dominant_script(text)
    memo = _chunk_memo(script)
    pieces: list[str] = []
    edits: list[tuple[int, int, int, int]] = []
    counts = [0, 0, 0]
    at = form_at = 0
    for match in NON_ASCII_CHUNK.finditer(text):
        start, end = match.span()
        new, *found = memo[match.group()]
        if new == match.group():
            continue
        pieces.append(text[at:start])
        form_at += start - at
        edits.append((form_at, start, len(new), end - start))
        pieces.append(new)
        form_at += len(new)
        at = end
        counts = [a + b for a, b in zip(counts, found, strict=True)]
    if not edits:
        return Form(text, len(text))
    pieces.append(text[at:])
    starts = tuple(e[0] for e in edits)
    return Form("".join(pieces), len(text), tuple(edits), Signals(*counts), starts)


ASCII_LETTER = re.compile(r"[A-Za-z]")


def dominant_script(text: str) -> str:
    """The script most of the text's letters are in (ASCII letters count as Latin). Each distinct letter
    of the sample is classified once, and counted in C."""
    sample = text[:SCRIPT_SAMPLE]
    counts = dict.fromkeys(SCRIPT_PATTERNS, 0)
    counts["Latin"] = len(ASCII_LETTER.findall(sample))
    for char in set(sample):
        if char.isascii() or not char.isalpha():
            continue
        for name, pattern in SCRIPT_PATTERNS.items():
            if pattern.match(char):
                counts[name] += sample.count(char)
                break
    return max(counts, key=lambda name: counts[name])


# A chunk's form and its counts (look-alikes, invisibles, repairs), per script: a tuple of a string and
# ints, which the garbage collector does not walk.
ChunkForm = tuple[str, int, int, int]
_memos: dict[str, Memo[ChunkForm]] = {}


def _chunk_memo(script: str) -> Memo[ChunkForm]:
    memo = _memos.get(script)
    if memo is None:
        memo = _memos.setdefault(script, Memo(lambda chunk: _chunk_form(chunk, script), 65_536))
    return memo


def _chunk_form(chunk: str, script: str) -> ChunkForm:
    """The form of one chunk of non-space characters holding a non-ASCII one, and what it undid."""
    repairs = invisible = folded = 0
    if MOJIBAKE.search(chunk):
        repaired = ftfy.fix_encoding(chunk)
        if repaired == chunk:
            repaired = _round_trip(chunk)
        if repaired != chunk:
            repairs, chunk = 1, repaired
    if not unicodedata.is_normalized("NFKC", chunk):
        chunk = unicodedata.normalize("NFKC", chunk)
    if INVISIBLE.search(chunk):
        invisible = _invisible_inside_words(chunk)
        chunk = INVISIBLE.sub("", chunk)
    if OTHER_DIGIT.search(chunk):
        chunk = OTHER_DIGIT.sub(lambda m: str(unicodedata.digit(m.group())), chunk)
    if script in FOLDED_SCRIPTS and not chunk.isascii():
        chunk, folded = _fold_lookalikes(chunk, script)
    return chunk, folded, invisible, repairs


def _round_trip(chunk: str) -> str:
    """The chunk read back as the UTF-8 it was before it was decoded as Windows-1252, where ftfy judged
    it plausible as it is (a Cyrillic і read as "Ñ–" looks like an Ñ and a dash): taken only when the
    bytes are valid UTF-8 and the result looks damaged no more."""
    try:
        repaired = chunk.encode("sloppy-windows-1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return chunk
    return repaired if not MOJIBAKE.search(repaired) else chunk


def _invisible_inside_words(chunk: str) -> int:
    """Invisible characters between two letters, but for joiners inside words of scripts that use them."""
    visible = [(i, ch) for i, ch in enumerate(chunk) if not INVISIBLE.match(ch)]
    count = 0
    for (i, before), (j, after) in pairwise(visible):
        hidden = chunk[i + 1 : j]
        if not hidden or not (before.isalpha() and after.isalpha()):
            continue
        if all(ch in JOINERS for ch in hidden) and JOINING_SCRIPTS.match(before):
            continue
        count += len(hidden)
    return count


def _fold_lookalikes(chunk: str, script: str) -> tuple[str, int]:
    """Letters of other scripts with a twin in `script`, folded (see the module's docstring)."""
    twins = twins_in(script)
    own = SCRIPT_PATTERNS[script]
    folded = 0

    def word(match: regex.Match[str]) -> str:
        nonlocal folded
        letters = match.group()
        foreign = {ch for ch in letters if ch.isalpha() and not own.match(ch)}
        if not foreign:
            return letters
        mixed = any(own.match(ch) for ch in letters)
        if not mixed and not all(ch in twins for ch in foreign):
            return letters  # a word of another script, typed as such
        out = []
        for ch in letters:
            twin = twins.get(ch) if ch in foreign else None
            if twin is not None:
                folded += 1
                out.append(twin)
            else:
                out.append(ch)
        return "".join(out)

    return WORD_LETTERS.sub(word, chunk), folded


@cache
def twins_in(script: str) -> dict[str, str]:
    """Letter -> its look-alike letter of `script`, from the UTS #39 confusables data: for Latin, a letter's
    prototype when it is one ASCII letter (Cyrillic а -> a, Greek ο -> o); for Cyrillic and Greek, the
    letter of that script sharing a Latin letter's prototype (Latin a -> Cyrillic а)."""
    data = _confusables()
    to_latin: dict[str, str] = {}
    for char, homoglyphs in data.items():
        if len(char) != 1 or char.isascii() or not char.isalpha():
            continue
        for glyph in homoglyphs:
            target = glyph["c"]
            if len(target) == 1 and target.isascii() and target.isalpha():
                to_latin[char] = target
                break
    if script == "Latin":
        return to_latin
    own = SCRIPT_PATTERNS[script]
    from_latin: dict[str, str] = {}
    for char, latin in to_latin.items():
        if own.match(char) and latin not in from_latin:
            from_latin[latin] = char
    twins = {latin: char for latin, char in from_latin.items()}
    for char, latin in to_latin.items():  # letters of a third script, through their Latin prototype
        if not own.match(char) and latin in from_latin:
            twins[char] = from_latin[latin]
    return twins


@cache
def _confusables() -> dict[str, list[dict[str, str]]]:
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8")
    data: dict[str, list[dict[str, str]]] = json.loads(raw)
    return data

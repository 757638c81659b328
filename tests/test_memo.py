"""The per-word memos behind tokens, stems, weights and the stem hashes."""

from __future__ import annotations

import gc

from service.detect import lexicon
from service.detect.memo import Memo


def test_a_word_is_computed_once_and_answered_from_the_memo() -> None:
    calls: list[str] = []
    memo = Memo(lambda word: calls.append(word) or word.upper(), size=10)
    assert [memo[w] for w in ("court", "judge", "court")] == ["COURT", "JUDGE", "COURT"]
    assert calls == ["court", "judge"]


def test_the_memo_is_emptied_at_its_size_and_keeps_answering() -> None:
    memo = Memo(len, size=3)
    for word in ("a", "bb", "ccc", "dddd", "eeeee"):
        assert memo[word] == len(word)
        assert len(memo) <= 3
    assert memo["bb"] == 2


def test_memos_of_strings_and_numbers_leave_nothing_for_the_garbage_collector() -> None:
    """The reason they replaced lru_cache: its per-entry nodes were walked by every full collection."""
    memo = Memo(lexicon.weight)
    for i in range(5_000):
        memo[f"word{i}"]
    gc.collect()
    assert not any(gc.is_tracked(v) for v in memo.values())
    assert not any(gc.is_tracked(k) for k in memo)


def test_weights_and_stems_are_the_same_after_the_lexicon_memo_is_emptied() -> None:
    before = (lexicon.weight("ebbers"), lexicon.stem("lying"), lexicon.lexemes(["court", "lies"], "en"))
    lexicon._memo("en").clear()
    assert (
        lexicon.weight("ebbers"),
        lexicon.stem("lying"),
        lexicon.lexemes(["court", "lies"], "en"),
    ) == before

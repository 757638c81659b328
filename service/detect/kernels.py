"""Detection's hot loops, compiled where the machine could build them, in Python otherwise.

`service/detect/_kernels.c` is built by `pip install .` when a C compiler is there (setup.py). The Python
functions below are the reference: the compiled ones must give the same answers, and tests/test_kernels.py
runs both on the corpora and the regression texts. `PROVENANCE_PURE_PYTHON=1` runs the reference even
where the compiled module is built; `IMPLEMENTATION` says which one runs (the service logs it at start)."""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import xxhash

Scores = list[tuple[int, int, float, float]]


def capped(stems: dict[str, float], weights: Mapping[str, float] | None) -> dict[str, float]:
    """A unit's stems with each weight capped by its weight in `weights` where that has one: how
    match_scores weighs a unit, and what align.unit_bounds must weigh alike to bound it."""
    return {s: min(w, weights.get(s, w)) for s, w in stems.items()} if weights else stems


def match_scores_python(
    units: list[tuple[int, dict[str, float]]],
    weights: Mapping[str, float] | None,
    windows: dict[str, bytes],
    size: int,
    least: float,
    per_unit: int,
    longest: int,
) -> Scores:
    """For each (index, stems) unit, its stems' weights capped by `weights`, the windows of the matched text
    (numbered below `size`) holding at least `least` of that weight, best first (ties to the lower window),
    at most `per_unit`: (unit, window, score, the unit's weight). A stem in more than `longest` bytes of
    windows is skipped (align.WINDOW_POSTINGS says why)."""
    found: Scores = []
    for index, stems in units:
        stems = capped(stems, weights)
        mass = sum(stems.values())
        if not mass:
            continue
        score: dict[int, float] = {}
        for stem, weight in stems.items():
            where = windows.get(stem)
            if where is None or len(where) > longest:
                continue
            for w in memoryview(where).cast("I"):
                if w >= size:
                    raise ValueError("a window beyond the matched text's windows")
                score[w] = score.get(w, 0.0) + weight
        floor = least * mass
        best = sorted((w for w, v in score.items() if v >= floor), key=lambda w: (-score[w], w))
        found += [(index, w, score[w], mass) for w in best[:per_unit]]
    return found


def windows_python(unit_stems: Sequence[Iterable[str]], n: int) -> dict[str, bytes]:
    """Stem -> the windows holding it (align.Profile.windows): window w is unit w alone for w < n, and units
    w - n and w - n + 1 together from n on, n being the number of units; each stem's windows packed as
    4-byte integers, its units first, then its pairs, each in order."""
    if len(unit_stems) != n:
        raise ValueError("windows: n is not the number of units")
    where: dict[str, list[int]] = {}
    for index, stems in enumerate(unit_stems):
        for stem in stems:
            where.setdefault(stem, []).append(index)
    out: dict[str, bytes] = {}
    for stem, found in where.items():
        pairs = {u - 1 for u in found if u > 0} | {u for u in found if u + 1 < n}
        out[stem] = array("I", [*found, *(n + u for u in sorted(pairs))]).tobytes()
    return out


def simhash_python(features: Sequence[str], weights: Sequence[int] | None) -> int:
    """The simhash package's 64-bit SimHash of `features` (each weighing 1, or its weight), each hashed by
    xxHash64: the reference fingerprint.simhash_of runs without the compiled module."""
    from simhash import Simhash

    given: Iterable[str] | list[tuple[str, int]] = (
        features if weights is None else list(zip(features, weights, strict=True))
    )
    return int(Simhash(given, f=64, hashfunc=xxhash.xxh64_digest).value)


def _compiled() -> Any:
    if os.environ.get("PROVENANCE_PURE_PYTHON", "").strip().lower() in ("1", "true", "yes", "on"):
        return None
    try:
        from service.detect import _kernels  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _kernels


# The compiled module, or None where it is not built or not wanted.
COMPILED = _compiled()
match_scores: Callable[..., Scores] = COMPILED.match_scores if COMPILED is not None else match_scores_python
windows: Callable[[Sequence[Iterable[str]], int], dict[str, bytes]] = (
    COMPILED.windows if COMPILED is not None else windows_python
)
simhash: Callable[[Sequence[str], Sequence[int] | None], int] = (
    COMPILED.simhash if COMPILED is not None else simhash_python
)
# "compiled" or "python": what runs in this process.
IMPLEMENTATION = "compiled" if COMPILED is not None else "python"

#!/usr/bin/env python3
"""The compiled kernels against their Python reference, in one run, on real text.

    .venv/bin/python bench/kernels.py            # BBC derived cases against their originals + unrelated pairs
    .venv/bin/python bench/kernels.py --repeat 5

For each pair, verification (`compare`, which runs `match_units` and its kernel) is timed with the compiled
kernel and with the Python reference, alternating, on the same profiles; the table gives the totals and
their ratio. Profiles are built once before timing (their cost is the same for both). `windows` (the
matched side's lookup table, built once for every stored article verified) and `simhash` (the SimHash of a
text's shingles, once an ingest) are timed the same way on every text of the pairs. Needs ../shared."""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.detect import fingerprint, kernels
from service.detect.align import Profile, match_units
from service.detect.compare import compare
from service.detect.text import Text
from service.detect.thresholds import Thresholds

SHARED = Path(__file__).resolve().parents[2] / "shared"


def text_pairs(shared: Path = SHARED, unrelated: int = 200) -> list[tuple[Path, Path]]:
    """Each BBC case of ../shared/bench/derived with its original, then `unrelated` pairs of corpus
    articles drawn at random (seeded): real text, related and not. tests/test_kernels.py reads them too."""
    corpus = shared / "corpora" / "bbc-news"
    out = []
    for path in sorted((shared / "bench" / "derived").glob("*.txt")):
        category, _, number = path.stem.partition("__")[2].partition("-")
        original = corpus / category / f"{number}.txt"
        if original.exists():
            out.append((path, original))
    others = sorted(corpus.glob("*/*.txt"))
    drawn = zip(
        random.Random(21).sample(others, unrelated), random.Random(12).sample(others, unrelated), strict=True
    )
    return out + list(drawn)


def pairs() -> list[tuple[Profile, Profile]]:
    return [(Profile(Text(q.read_text())), Profile(Text(m.read_text()))) for q, m in text_pairs()]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if kernels.COMPILED is None:
        print("the compiled kernels are not built (or PROVENANCE_PURE_PYTHON is set): nothing to compare")
        return 1
    work = pairs()
    limits = Thresholds()
    for q, m in work:  # build every cached view once, outside the clock
        compare(q, m, limits)
    implementations = {
        "compiled": (kernels.COMPILED.match_scores, kernels.COMPILED.windows, kernels.COMPILED.simhash),
        "python": (kernels.match_scores_python, kernels.windows_python, kernels.simhash_python),
    }
    steps = ("match_units", "compare", "windows", "simhash")
    totals = {name: dict.fromkeys(steps, 0.0) for name in implementations}
    profiles = [p for pair in work for p in pair]
    stems = [[u.stems for u in p.units] for p in profiles]
    shingles = [p.text.shingles for p in profiles]
    for _ in range(args.repeat):
        for name, (match_scores, windows, simhash) in implementations.items():
            kernels.match_scores, kernels.windows, kernels.simhash = match_scores, windows, simhash
            start = time.perf_counter()
            for q, m in work:
                match_units(q, m, limits.reworded_unit, per_unit=limits.windows_per_unit)
            middle = time.perf_counter()
            for q, m in work:
                compare(q, m, limits)
            tables = time.perf_counter()
            for own in stems:
                windows(own, len(own))
            hashes = time.perf_counter()
            for features in shingles:
                fingerprint.simhash_of(features)
            end = time.perf_counter()
            totals[name]["match_units"] += middle - start
            totals[name]["compare"] += tables - middle
            totals[name]["windows"] += hashes - tables
            totals[name]["simhash"] += end - hashes
    print(f"{len(work)} pairs of real text ({len(profiles)} texts) x {args.repeat}: ms per pair or per text")
    print(f"{'step':<12} {'python':>8} {'compiled':>9} {'ratio':>6}")
    for step in steps:
        calls = (len(work) if step in ("match_units", "compare") else len(profiles)) * args.repeat
        py, c = totals["python"][step] / calls * 1000, totals["compiled"][step] / calls * 1000
        print(f"{step:<12} {py:8.3f} {c:9.3f} {py / c:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

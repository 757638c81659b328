"""The compiled kernels (service/detect/_kernels.c) give the answers of their Python reference
(service/detect/kernels.py), on the corpora, the regression texts and generated input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from array import array
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.detect import align, kernels
from service.detect.align import Profile
from service.detect.compare import compare
from service.detect.text import Text
from service.detect.thresholds import Thresholds
from tests import regression_texts

compiled = pytest.mark.skipif(kernels.COMPILED is None, reason="the compiled kernels are not built here")


def test_the_compiled_kernels_are_built_wherever_a_compiler_is() -> None:
    # CI installs with gcc and the Python headers present: there the service must run compiled, so that
    # a broken build cannot pass unseen as the fallback.
    headers = Path(sysconfig.get_paths()["include"], "Python.h").exists()
    if os.environ.get("PROVENANCE_PURE_PYTHON") or not (shutil.which("gcc") and headers):
        pytest.skip("no compiler or Python headers, or the pure-Python path was asked for")
    assert kernels.IMPLEMENTATION == "compiled"


def test_the_pure_python_path_is_chosen_by_its_setting() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from service.detect import kernels; print(kernels.IMPLEMENTATION)"],
        env={**os.environ, "PROVENANCE_PURE_PYTHON": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "python"


def _pairs() -> list[tuple[str, str]]:
    r = regression_texts
    out = []
    for name in ("HOSPITAL", "SATELLITE", "TRANSFER"):
        original = getattr(r, name)
        for kind in ("LIGHT", "REWRITE", "SUMMARY", "PARTIAL", "INDEPENDENT"):
            out.append((getattr(r, f"{name}_{kind}"), original))
    out += [(r.TEMPETE_REWRITE, r.TEMPETE), (r.TEMPETE_INDEPENDENT, r.TEMPETE), (r.SEQUIA_LIGHT, r.SEQUIA)]
    out += [(r.BRUECKE_LIGHT, r.BRUECKE), (r.HOSPITAL_REWRITE, r.SATELLITE)]
    return out


def _both_ways(query: Profile, match: Profile) -> None:
    """Every unit of `query` against `match`, through both kernels, at several floors and widths, with and
    without the index's weights."""
    units = [(u.index, u.stems) for u in query.units if u.stems]
    weights = {stem: (3.0 + k % 5) / 2 for k, stem in enumerate(query.terms) if k % 3 == 0}
    for least, per_unit in ((0.0, 1), (0.4, 4), (0.7, 2)):
        for capped in (None, weights):
            args = (units, capped, match.windows, 2 * len(match.units), least, per_unit, align.LONGEST)
            assert kernels.COMPILED.match_scores(*args) == kernels.match_scores_python(*args)


@compiled
def test_the_kernels_agree_on_the_regression_texts() -> None:
    for query, original in _pairs():
        _both_ways(Profile(Text(query)), Profile(Text(original)))


@compiled
@pytest.mark.shared
def test_the_kernels_agree_on_the_corpora_and_their_rewrites(
    shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "bench"))
    from kernels import text_pairs  # bench/kernels.py: the pairs its timings run on

    pairs = text_pairs(shared, unrelated=60)
    assert len(pairs) > 100
    for query, original in pairs:
        _both_ways(Profile(Text(query.read_text())), Profile(Text(original.read_text())))


@compiled
def test_the_answers_are_the_same_byte_for_byte_with_either_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    def answers() -> list[Any]:
        out = []
        for query, original in _pairs():
            result = compare(Profile(Text(query)), Profile(Text(original)), Thresholds())
            out.append(repr(result))
        return out

    compiled_answers = answers()
    monkeypatch.setattr(kernels, "match_scores", kernels.match_scores_python)
    assert answers() == compiled_answers


@compiled
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.dictionaries(st.sampled_from("abcdefgh"), st.floats(0.0, 20.0))),
        max_size=6,
    ),
    st.none() | st.dictionaries(st.sampled_from("abcdefgh"), st.floats(0.0, 20.0)),
    st.dictionaries(
        st.sampled_from("abcdefghij"), st.lists(st.integers(0, 39), min_size=1, max_size=12), max_size=10
    ),
    st.floats(0.0, 1.5),
    st.integers(0, 5),
    st.sampled_from([8, 24, 4096]),
)
def test_the_kernels_agree_on_generated_input(
    units: list[tuple[int, dict[str, float]]],
    weights: dict[str, float] | None,
    where: dict[str, list[int]],
    least: float,
    per_unit: int,
    longest: int,
) -> None:
    windows = {stem: array("I", found).tobytes() for stem, found in where.items()}
    args = (units, weights, windows, 40, least, per_unit, longest)
    assert kernels.COMPILED.match_scores(*args) == kernels.match_scores_python(*args)


@compiled
def test_both_kernels_refuse_a_window_beyond_the_text() -> None:
    windows = {"a": array("I", [3, 9]).tobytes()}
    for match_scores in (kernels.match_scores_python, kernels.COMPILED.match_scores):
        with pytest.raises(ValueError, match="beyond"):
            match_scores([(0, {"a": 1.0})], None, windows, 5, 0.0, 1, 4096)

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
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from service.detect import align, kernels
from service.detect.align import Profile
from service.detect.compare import compare
from service.detect.fingerprint import Fingerprints
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
        q, m = Profile(Text(query)), Profile(Text(original))
        _both_ways(q, m)
        _same_tables_and_fingerprints(q)
        _same_tables_and_fingerprints(m)


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
        q, m = Profile(Text(query.read_text())), Profile(Text(original.read_text()))
        _both_ways(q, m)
        for profile in (q, m):
            _same_tables_and_fingerprints(profile)


def _same_tables_and_fingerprints(profile: Profile) -> None:
    """The matched side's windows and the text's SimHash, through both kernels."""
    stems = [u.stems for u in profile.units]
    compiled_windows = kernels.COMPILED.windows(stems, len(stems))
    assert compiled_windows == kernels.windows_python(stems, len(stems))
    assert list(compiled_windows) == list(kernels.windows_python(stems, len(stems)))
    features = profile.text.shingles
    if features:
        assert kernels.COMPILED.simhash(features, None) == kernels.simhash_python(features, None)


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
    monkeypatch.setattr(kernels, "windows", kernels.windows_python)
    monkeypatch.setattr(kernels, "simhash", kernels.simhash_python)
    assert answers() == compiled_answers


@compiled
def test_the_fingerprints_are_the_same_with_either_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [text for pair in _pairs() for text in pair]
    texts += ["", "one", "Tiny text.", "zero " * 400, "Ünïcödé 漢字 текст " * 30, "a b c d e f g h"]
    compiled_prints = [Fingerprints.of(Text(t)).pack() for t in texts]
    monkeypatch.setattr(kernels, "simhash", kernels.simhash_python)
    assert [Fingerprints.of(Text(t)).pack() for t in texts] == compiled_prints


@compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=80), st.booleans(), st.integers(1, 60))
def test_the_simhash_kernel_is_the_package_on_generated_features(
    features: list[str], weighted: bool, most: int
) -> None:
    # The package encodes features as UTF-8, which a lone surrogate cannot be: neither takes one.
    features = [f.encode("utf-8", "replace").decode("utf-8") for f in features]
    weights = [1 + (k * 7) % most for k in range(len(features))] if weighted else None
    assert kernels.COMPILED.simhash(features, weights) == kernels.simhash_python(features, weights)
    for feature in features[:10]:
        assert kernels.COMPILED.xxh64(feature) == xxhash.xxh64_intdigest(feature)


@compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sets(st.sampled_from("abcdefghijk")), max_size=12))
def test_the_windows_kernel_agrees_on_generated_units(units: list[set[str]]) -> None:
    stems = [sorted(unit, key=lambda s: (hash(s) % 7, s)) for unit in units]
    compiled_windows = kernels.COMPILED.windows(stems, len(stems))
    assert compiled_windows == kernels.windows_python(stems, len(stems))
    assert list(compiled_windows) == list(kernels.windows_python(stems, len(stems)))


@compiled
def test_both_windows_kernels_refuse_a_wrong_count() -> None:
    for windows in (kernels.windows_python, kernels.COMPILED.windows):
        with pytest.raises(ValueError, match="number of units"):
            windows([["a"], ["b"]], 3)


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

"""docs/integration.md stays true: its bash and python blocks run, in order, in one working directory,
against a fresh `provenance serve` that requires an API key (tools/docs_answers.py), each exiting 0 and
printing exactly the `text` block that follows it."""

from __future__ import annotations

from tools.docs_answers import ROOT, blocks, failures, run_document

GUIDE = "docs/integration.md"


def test_the_guide_has_examples_of_every_kind() -> None:
    found = blocks((ROOT / GUIDE).read_text(encoding="utf-8"), GUIDE)
    assert {block.language for block in found} == {"bash", "python"}
    assert sum("curl" in block.code for block in found) >= 4
    assert all(block.answer is not None for block in found)


def test_every_example_of_the_guide_runs_against_a_real_service() -> None:
    results = run_document(GUIDE)
    wrong = failures(GUIDE, results)
    assert not wrong, wrong

"""The docs stay true: every answer README.md and docs/ show is what the real service prints (each
document's examples run on a fresh `provenance serve` through tools/docs_answers.py), every command they
show runs from the checkout as shown, and the README's file map and the docs' links point at what exists.

docs/integration.md's examples run in tests/test_integration_guide.py, the same way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.docs_answers import DOCUMENTS, FENCE, ROOT, blocks, failures, run_document

MARKDOWN = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
# docs/scaling.md is a record of measurements, run as they were (`python bench/...`), and owned apart.
COMMANDS_CHECKED = [path for path in MARKDOWN if path.name != "scaling.md"]
# These two run in tests/test_integration_guide.py and tests/test_alerts_guide.py (a receiver and a worker).
CHECKED_HERE = [path for path in DOCUMENTS if path not in ("docs/integration.md", "docs/webhooks.md")]
# A program of the project's virtualenv where a shell would look a command up: at the start of a line
# (after any VAR=value), or after a pipe, `&&`, `||`, `;`, `(` or `$(`.
BARE_COMMAND = re.compile(
    r"(?:^|[|;(]|&&|\$\()\s*(?:[A-Z_]+=\S+\s+)*(provenance|python3?|pytest|pip3?|ruff|mypy|gunicorn)(?=\s|$)",
    re.M,
)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose(text: str) -> str:
    """The text without its fenced blocks."""
    return FENCE.sub("", text)


@pytest.mark.parametrize("path", CHECKED_HERE)
def test_every_answer_the_document_shows_is_what_the_service_prints(path: str) -> None:
    results = run_document(path)
    assert results, f"{path} has no runnable block"
    wrong = failures(path, results)
    assert not wrong, wrong


@pytest.mark.parametrize("path", MARKDOWN, ids=relative)
def test_every_document_with_examples_is_run_and_shows_no_answer_unchecked(path: Path) -> None:
    found = blocks(path.read_text(encoding="utf-8"), relative(path))  # ValueError: an answer of no block
    if found:
        assert relative(path) in DOCUMENTS, f"{relative(path)} has runnable blocks: add it to DOCUMENTS"


@pytest.mark.parametrize("path", COMMANDS_CHECKED, ids=relative)
def test_commands_shown_run_from_the_virtualenv_as_the_setup_leaves_it(path: Path) -> None:
    bare = []
    for fence in FENCE.finditer(path.read_text(encoding="utf-8")):
        if fence.group(1) not in ("bash", "sh"):
            continue
        code = re.sub(r"(^|\s)#.*$", "", fence.group(2), flags=re.M)  # comments say what a line does
        bare += [match.group(0).strip() for match in BARE_COMMAND.finditer(code)]
    assert not bare, f"{relative(path)}: commands that fail after the README's setup (use .venv/bin/): {bare}"


def test_the_readme_shows_the_test_command_the_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r'^TEST_COMMAND="(.*)"$', ci, re.M)
    assert command is not None
    assert command.group(1) in (ROOT / "README.md").read_text(encoding="utf-8")


def file_map() -> list[str]:
    """The paths the README's file map names: top-level entries, and the entries indented under a folder."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Files\n") :]
    block = next(f.group(2) for f in FENCE.finditer(section))
    paths, folder = [], ""
    for line in block.splitlines():
        names = line.strip().split("  ")[0]
        if not names:
            continue
        top = not line.startswith(" ")
        if top:
            folder = names if names.endswith("/") else ""
        elif not line.startswith("  ") or line.startswith("   "):
            continue  # a continuation of the line above
        for name in names.split(", "):
            paths.append(name if top else folder + name)
    return paths


def test_the_readme_file_map_names_files_that_exist_and_every_module_of_the_service() -> None:
    named = file_map()
    assert [path for path in named if not (ROOT / path).exists()] == []
    modules = [
        relative(p) + ("/" if p.is_dir() else "")
        for p in sorted((ROOT / "service").iterdir())
        if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").exists()
    ]
    assert [module for module in modules if module not in named] == []


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("path", MARKDOWN, ids=relative)
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(path: Path) -> None:
    broken = []
    for target in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists():
            broken.append(target)
        elif anchor:
            headings = re.findall(r"^#+ (.*)$", prose(linked.read_text(encoding="utf-8")), re.M)
            if anchor not in {slug(h) for h in headings}:
                broken.append(target)
    assert broken == [], f"{relative(path)}: links to nothing: {broken}"

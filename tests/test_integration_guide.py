"""docs/integration.md stays true: its bash and python blocks run, in order, in one working directory,
against a real service (werkzeug in a thread over the test's Redis), each exiting 0 and printing the
lines of the `text` block that follows it."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis as redis_lib

from service.app import create_app
from service.config import Config
from tests.live import serving

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "integration.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n(?:\s*^```text\n(.*?)^```\n)?", re.M | re.S)
API_KEY = "guide-test-key"


@dataclasses.dataclass
class Example:
    language: str
    code: str
    expected: list[str]
    line: int


def examples() -> list[Example]:
    text = GUIDE.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        language, code, expected = match.group(1), match.group(2), match.group(3) or ""
        if language in ("bash", "python"):
            lines = [line.strip() for line in expected.splitlines() if line.strip()]
            found.append(Example(language, code, lines, text.count("\n", 0, match.start()) + 1))
    return found


def assert_printed_in_order(output: str, expected: list[str], where: str) -> None:
    rest = output
    for line in expected:
        position = rest.find(line)
        assert position >= 0, f"{where}: {line!r} not printed in order; the output was:\n{output}"
        rest = rest[position + len(line) :]


def test_the_guide_has_examples_of_every_kind() -> None:
    found = examples()
    assert {e.language for e in found} == {"bash", "python"}
    assert sum("curl" in e.code for e in found) >= 4
    assert all(e.expected for e in found)


def test_every_example_of_the_guide_runs_against_a_real_service(
    app_config: dict[str, Any], redis: redis_lib.Redis, tmp_path: Path
) -> None:
    overrides = dict(app_config)
    if "api_keys" in {f.name for f in dataclasses.fields(Config)}:
        overrides["api_keys"] = f"{API_KEY}:write"  # the guide's examples send the key
    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PROVENANCE_API_KEY": API_KEY,
        "PYTHONPATH": str(GUIDE.parents[1]),
    }
    with serving(create_app(overrides)) as url:
        env["PROVENANCE_URL"] = url
        for example in examples():
            command = (
                ["bash", "-e", "-o", "pipefail", "-c", example.code]
                if example.language == "bash"
                else [sys.executable, "-c", example.code]
            )
            done = subprocess.run(
                command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
            )
            where = f"docs/integration.md line {example.line} ({example.language})"
            assert done.returncode == 0, f"{where} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            assert_printed_in_order(done.stdout, example.expected, where)
    assert os.path.exists(tmp_path / "all.ndjson")

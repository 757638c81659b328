#!/usr/bin/env python3
"""The answers the docs show come from the real service: check them, or write them anew from a run.

    .venv/bin/python tools/docs_answers.py                 # check every document; exit 1 on a difference
    .venv/bin/python tools/docs_answers.py --write         # rewrite the answers that differ (`make docs`)
    .venv/bin/python tools/docs_answers.py docs/cli.md     # one document (check or --write)

Each document of DOCUMENTS runs on a fresh `provenance serve` of its own, as a reader runs it after the
README's two setup commands: one gunicorn worker on a free port, the embedded Redis with its data in
`./data` of a new temporary directory, which is also the working directory of every block. `.venv` there is
this checkout's virtualenv, and PATH holds only the system's directories (/usr/local/bin:/usr/bin:/bin), so
a bare `provenance`, or `python3 -c 'import service'`, fails here as it would for the reader.

The blocks of a document run in order, in that one directory:
- a ```bash block runs in `bash -e -o pipefail`; a ```python block runs in `.venv/bin/python`;
- the ```text, ```json or ```http block that follows one of them (only blank lines between) is its answer:
  what it printed (stdout and stderr, merged as a terminal shows them), compared exactly once VOLATILE
  values are masked on both sides, `\\r\\n` read as `\\n` and trailing white space dropped. A block with no
  answer block must print nothing, and must exit 0 (show a failure with `|| echo "exit $?"`).
- every other block (```sh, untagged, ```ndjson ...) is shown, never run; an answer block that follows no
  runnable block is an error, so that no answer is shown unchecked.
`http://127.0.0.1:8080` in a block is the service's real address (and PROVENANCE_URL is set to it, which the
client commands read); in what a block prints, the real address is written back as http://127.0.0.1:8080 and
the working directory as /path/to/provenance (the reader's checkout).

`--write` replaces each answer block that differs with what the block printed in this run (values and all;
an answer that still matches is left as it is, so a rewrite touches only what changed), adds a ```text
block after a block that printed something and had none, and removes one from a block that printed nothing.
A document whose block failed (non-zero exit) is not written.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOWN_URL = "http://127.0.0.1:8080"
SHOWN_DIRECTORY = "/path/to/provenance"  # the reader's working directory: their checkout
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
RUNNABLE = ("bash", "python")
ANSWERS = ("text", "json", "http")
FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```[ \t]*\n", re.M | re.S)


@dataclasses.dataclass(frozen=True)
class Document:
    """How a document's service runs (`service`: environment of `provenance serve`) and what its blocks
    see besides PROVENANCE_URL (`blocks`)."""

    service: dict[str, str] = dataclasses.field(default_factory=dict)
    blocks: dict[str, str] = dataclasses.field(default_factory=dict)


# Every document with runnable blocks, and the settings it is written for. The keys are fixed so that the
# answers are: a reader makes their own with `openssl rand -hex 24` (docs/access-control.md says so).
GUIDE_KEY = "guide-test-key"
WRITE_KEY = "write-key-for-the-cms"
READ_KEY = "read-key-for-the-newsroom"
DOCUMENTS = {
    "README.md": Document(),
    "docs/api-tour.md": Document(),
    "docs/cli.md": Document(),
    "docs/operations.md": Document(),
    "docs/access-control.md": Document(
        service={"PROVENANCE_API_KEYS": f"{WRITE_KEY}:write,{READ_KEY}:read"},
        blocks={"WRITE_KEY": WRITE_KEY, "READ_KEY": READ_KEY},
    ),
    "docs/integration.md": Document(
        service={"PROVENANCE_API_KEYS": f"{GUIDE_KEY}:write"}, blocks={"PROVENANCE_API_KEY": GUIDE_KEY}
    ),
    # Run by tests/test_alerts_guide.py, with a delivery worker and the guide's receiver.
    "docs/webhooks.md": Document(service={"PROVENANCE_WEBHOOK_ALLOW_PRIVATE": "true"}),
}

# Values that differ from run to run, masked in both the shown and the printed answer before they are
# compared. Nothing else is: fingerprints, verdicts, scores, ids, cursors and error bodies count exactly.
VOLATILE = [
    (re.compile(r"\b[0-9a-f]{32}\b"), "<request-id>"),  # request ids the service makes: uuid4 in hex
    (re.compile(r"^Date: .*$", re.M), "Date: <date>"),  # the HTTP header
    (re.compile(r'("received_at": ?)"[^"]*"'), r'\1"<now>"'),  # an article's time of receipt
    (re.compile(r'("time": ?)"[^"]*"'), r'\1"<now>"'),  # a log line's time
    (re.compile(r'("pid": ?)\d+'), r"\1<pid>"),  # a log line's process
    (re.compile(r'("duration_ms": ?)[0-9.]+'), r"\1<ms>"),  # an access line's duration, as a field
    (re.compile(r' [0-9.]+ms"'), ' <ms>ms"'),  # and at the end of its message
]


@dataclasses.dataclass
class Block:
    language: str
    code: str
    line: int  # of the opening fence, 1-based
    answer: re.Match[str] | None  # the answer block after it
    end: int  # where the block (and its answer, if any) ends in the text


@dataclasses.dataclass
class Result:
    block: Block
    printed: str
    status: int

    @property
    def shown(self) -> str:
        return self.block.answer.group(2) if self.block.answer else ""

    @property
    def matches(self) -> bool:
        return self.status == 0 and masked(self.shown) == masked(self.printed)


def blocks(text: str, where: str = "") -> list[Block]:
    """The runnable blocks of a document, each with its answer block; raises ValueError for an answer
    block that follows no runnable block."""
    found: list[Block] = []
    fences = list(FENCE.finditer(text))
    answered: set[int] = set()
    for i, fence in enumerate(fences):
        if fence.group(1) not in RUNNABLE:
            continue
        after = fences[i + 1] if i + 1 < len(fences) else None
        is_answer = (
            after is not None and after.group(1) in ANSWERS and not text[fence.end() : after.start()].strip()
        )
        if is_answer:
            answered.add(i + 1)
        answer = after if is_answer else None
        line = text.count("\n", 0, fence.start()) + 1
        found.append(Block(fence.group(1), fence.group(2), line, answer, (answer or fence).end()))
    for i, fence in enumerate(fences):
        if fence.group(1) in ANSWERS and i not in answered:
            line = text.count("\n", 0, fence.start()) + 1
            raise ValueError(
                f"{where} line {line}: a ```{fence.group(1)} answer that no runnable block makes"
            )
    return found


def tidy(output: str) -> str:
    """`\\r\\n` as `\\n`, no trailing white space on a line, no blank lines at the end."""
    lines = output.replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def masked(output: str) -> str:
    output = tidy(output)
    for pattern, replacement in VOLATILE:
        output = pattern.sub(replacement, output)
    return output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def virtualenv() -> Path:
    """This checkout's virtualenv: the reader's `.venv`."""
    prefix = Path(sys.prefix)
    if not (prefix / "bin" / "provenance").exists():
        raise SystemExit(
            f"run this with the project's virtualenv (.venv/bin/python): {prefix} has no provenance"
        )
    return prefix


@contextlib.contextmanager
def fresh_service(document: Document) -> Iterator[tuple[Path, str]]:
    """`provenance serve` on an empty ./data of a new directory: (that directory, the service's URL).
    /tmp when it exists, so that the embedded Redis's socket path stays short enough to be a socket."""
    with tempfile.TemporaryDirectory(prefix="docs-", dir="/tmp" if os.path.isdir("/tmp") else None) as name:
        work = Path(name)
        (work / ".venv").symlink_to(virtualenv(), target_is_directory=True)
        port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PROVENANCE_", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"))
        }
        env.update(document.service)
        command = [str(work / ".venv/bin/provenance"), "serve", "--port", str(port), "--workers", "1"]
        with (work / "serve.log").open("ab") as log:
            server = subprocess.Popen(
                command,
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, server, work / "serve.log")
            yield work, url
        finally:
            stop(server)


def wait_ready(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"provenance serve exited:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/readyz", timeout=2) as answer:
            if answer.status == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"provenance serve not ready after {timeout} s")
        time.sleep(0.1)


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn stops its worker and its embedded Redis), SIGKILL to the group after 30 s."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_block(block: Block, work: Path, url: str, document: Document) -> Result:
    env = {
        "PATH": SYSTEM_PATH,
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",  # printed in the order a terminal shows, stdout and stderr merged
        "PROVENANCE_URL": url,
        **document.blocks,
    }
    code = block.code.replace(SHOWN_URL, url)
    command = (
        ["bash", "-e", "-o", "pipefail", "-c", code]
        if block.language == "bash"
        else [str(work / ".venv/bin/python"), "-c", code]
    )
    done = subprocess.run(
        command,
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=120,
        check=False,
    )
    printed = done.stdout.decode("utf-8", errors="replace").replace(url, SHOWN_URL)
    printed = printed.replace(str(work.resolve()), SHOWN_DIRECTORY).replace(str(work), SHOWN_DIRECTORY)
    return Result(block, printed, done.returncode)


def run_document(path: str) -> list[Result]:
    """Every runnable block of the document at `path` (relative to the checkout), run in order on a fresh
    service."""
    document = DOCUMENTS[path]
    text = (ROOT / path).read_text(encoding="utf-8")
    found = blocks(text, path)
    with fresh_service(document) as (work, url):
        return [run_block(block, work, url, document) for block in found]


def difference(path: str, result: Result) -> str:
    """What a block printed against what the document shows, for a reader of a test failure."""
    where = f"{path} line {result.block.line} ({result.block.language})"
    if result.status != 0:
        return f"{where} exited {result.status}; it printed:\n{result.printed}"
    diff = difflib.unified_diff(
        masked(result.shown).splitlines(),
        masked(result.printed).splitlines(),
        "shown",
        "printed",
        lineterm="",
    )
    return f"{where} printed another answer (volatile values masked):\n" + "\n".join(diff)


def failures(path: str, results: list[Result]) -> str:
    """Every difference of a document's run, and the command that refreshes it; empty when none."""
    wrong = [difference(path, result) for result in results if not result.matches]
    if not wrong:
        return ""
    return "\n\n".join(wrong) + f"\n\nrefresh: .venv/bin/python tools/docs_answers.py --write {path}"


def rewritten(text: str, results: list[Result]) -> str:
    """The document with each differing answer replaced by what its block printed."""
    for result in reversed(results):
        if result.matches:
            continue
        block, printed = result.block, tidy(result.printed)
        if block.answer is not None:
            start, end = block.answer.span()
            language = block.answer.group(1)
            new = f"```{language}\n{printed}\n```\n" if printed else ""
            if not printed:  # drop the answer and the blank lines before it
                start = len(text[: block.answer.start()].rstrip("\n")) + 1
            text = text[:start] + new + text[end:]
        elif printed:
            text = text[: block.end] + f"```text\n{printed}\n```\n" + text[block.end :]
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "documents", nargs="*", help=f"paths relative to the checkout (default: {', '.join(DOCUMENTS)})"
    )
    parser.add_argument("--write", action="store_true", help="rewrite the answers that differ from this run")
    args = parser.parse_args()
    unknown = [path for path in args.documents if path not in DOCUMENTS]
    if unknown:
        parser.error(f"not a document with runnable blocks: {', '.join(unknown)} (see DOCUMENTS)")
    failed = False
    for path in args.documents or DOCUMENTS:
        results = run_document(path)
        differing = [r for r in results if not r.matches]
        broken = [r for r in results if r.status != 0]
        for result in differing:
            print(difference(path, result), file=sys.stderr)
        if args.write and differing and not broken:
            text = (ROOT / path).read_text(encoding="utf-8")
            (ROOT / path).write_text(rewritten(text, results), encoding="utf-8")
            print(f"{path}: {len(differing)} of {len(results)} answers rewritten")
        elif args.write and broken:
            print(f"{path}: not written: {len(broken)} blocks failed", file=sys.stderr)
            failed = True
        else:
            print(f"{path}: {len(results) - len(differing)} of {len(results)} answers as shown")
            failed = failed or bool(differing)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""`provenance import`: many articles through the batch endpoint, resumable after an interruption.

The source is a directory of .txt/.html files (each file's id is its relative path, after an optional
prefix) or an NDJSON file (one `POST /v1/articles` object a line, as `provenance export` writes them).
Articles go in order, in chunks of `batch_size`. Once the service has answered a chunk (every article
stored, already stored, or refused for good), a line is appended to the state file: the NDJSON file's
byte offset after the chunk, or the directory's relative paths in it. A re-run reads the state file and
starts after what was answered, so an import stopped by Ctrl-C, a crash or the service going away
resumes where it stopped; a chunk sent but not answered is sent again, which is safe for articles with
ids (the same id with the same content answers 200).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from service.client.client import Client, ClientError

TEXT_EXTENSIONS = {".txt", ".text", ".md"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
HTML_START = re.compile(
    r"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|article|main|div|p|section)\b", re.I | re.S
)
MAX_CHUNK_BYTES = 8 * 1024 * 1024  # well under the service's batch limit (32 MiB by default)
STATE_VERSION = 1


class UsageError(Exception):
    """A mistake of the caller's (bad arguments, unreadable input, a state file of another import)."""


def detect_format(path: str, text: str, given: str = "auto") -> str:
    """html when given, or for .html/.htm/.xhtml files, or for text that starts like an HTML page."""
    if given != "auto":
        return given
    if Path(path).suffix.lower() in HTML_EXTENSIONS or HTML_START.match(text[:2000]):
        return "html"
    return "text"


@dataclass
class Pending:
    """One article to send: `key` names it in messages and the state (`line N` or a relative path)."""

    key: str
    article: dict[str, Any] | None
    error: str | None = None
    end: int = 0  # NDJSON: the byte offset after its line
    line: int = 0


@dataclass
class Failure:
    item: str
    id: str | None
    status: int
    detail: str
    errors: dict[str, list[str]] = field(default_factory=dict)

    def describe(self) -> str:
        name = f"{self.item} (id {self.id})" if self.id and self.id not in self.item else self.item
        more = "".join(f"\n  {k}: {'; '.join(v)}" for k, v in self.errors.items())
        return f"refused {name}: {self.status} {self.detail}{more}"


@dataclass
class Summary:
    source: str
    state: str
    created: int = 0
    existing: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        return (
            f"{self.source}: {self.created} stored, {self.existing} already stored, {self.failed} refused, "
            f"{self.skipped} skipped (imported before); state: {self.state}"
        )


class State:
    """The state file: a header line naming the import, then one JSON line per answered chunk,
    appended and flushed to disk (a line cut short by a crash is ignored on reading)."""

    def __init__(self, path: Path, header: dict[str, Any]):
        self.path, self.header = path, {"version": STATE_VERSION, **header}

    def load(self, restart: bool) -> tuple[int, int, set[str]]:
        """(byte offset, line number, relative paths) already answered; starts the file if needed."""
        lines = [] if restart or not self.path.exists() else self.path.read_text("utf-8").splitlines()
        records = [r for r in map(_json_or_none, lines) if isinstance(r, dict)]
        if not records:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.header) + "\n", encoding="utf-8")
            return 0, 0, set()
        if records[0] != self.header:
            raise UsageError(
                f"{self.path} records another import ({records[0].get('source')} into "
                f"{records[0].get('url')}): pass --restart to start over, or --state for another file"
            )
        offset = max((r.get("offset", 0) for r in records[1:]), default=0)
        line = max((r.get("line", 0) for r in records[1:]), default=0)
        done = {key for r in records[1:] for key in r.get("done", [])}
        return offset, line, done

    def append(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())


def _json_or_none(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


class Importer:
    def __init__(
        self,
        client: Client,
        source: Path,
        state: Path | None = None,
        batch_size: int = 100,
        id_prefix: str = "",
        source_name: str | None = None,
        progress: bool = True,
    ):
        if not source.exists():
            raise UsageError(f"{source} does not exist")
        self.client, self.source = client, source.resolve()
        self.is_dir = self.source.is_dir()
        self.batch_size, self.id_prefix, self.source_name = batch_size, id_prefix, source_name
        self.progress = progress
        default = self.source.with_name(self.source.name + ".import-state")
        header = {"source": str(self.source), "url": client.base_url, "id_prefix": id_prefix}
        self.state = State((state or default).resolve(), header)

    def run(self, restart: bool = False) -> Summary:
        offset, line, done = self.state.load(restart)
        summary = Summary(str(self.source), str(self.state.path))
        items, remaining = self._files(done, summary) if self.is_dir else self._lines(offset, line, summary)
        bar = tqdm(
            total=remaining, unit="article", file=sys.stderr, disable=True if not self.progress else None
        )
        try:
            for chunk in self._chunks(items):
                self._send(chunk, summary)
                bar.update(len(chunk))
        except (ClientError, KeyboardInterrupt):
            answered = summary.created + summary.existing + summary.failed
            print(
                f"stopped after {answered} articles of this run; run the same command again to resume "
                f"(state: {self.state.path})",
                file=sys.stderr,
            )
            raise
        finally:
            bar.close()
        return summary

    # ------------------------------------------------------------ reading the source

    def _lines(self, offset: int, line: int, summary: Summary) -> tuple[Iterator[Pending], int]:
        summary.skipped = line
        with self.source.open("rb") as counting:
            counting.seek(offset)
            remaining = sum(1 for raw in counting if raw.strip())

        def read() -> Iterator[Pending]:
            number, position = line, offset
            with self.source.open("rb") as lines:
                lines.seek(offset)
                for raw in lines:
                    number, position = number + 1, position + len(raw)
                    if not raw.strip():
                        continue
                    yield self._parse_line(raw, number, position)

        return read(), remaining

    def _parse_line(self, raw: bytes, number: int, end: int) -> Pending:
        key = f"line {number}"
        try:
            article = json.loads(raw)
        except ValueError:
            return Pending(key, None, "not valid JSON", end, number)
        if not isinstance(article, dict):
            return Pending(key, None, "not a JSON object", end, number)
        return Pending(key, article, None, end, number)

    def _files(self, done: set[str], summary: Summary) -> tuple[Iterator[Pending], int]:
        paths = sorted(
            path
            for path in self.source.rglob("*")
            if path.is_file()
            and path.suffix.lower() in TEXT_EXTENSIONS | HTML_EXTENSIONS
            and not any(part.startswith(".") for part in path.relative_to(self.source).parts)
        )
        keys = [path.relative_to(self.source).as_posix() for path in paths]
        summary.skipped = sum(key in done for key in keys)

        def read() -> Iterator[Pending]:
            for path, key in zip(paths, keys, strict=True):
                if key in done:
                    continue
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as err:
                    yield Pending(key, None, f"unreadable: {err}")
                    continue
                article = {"id": self.id_prefix + key, "body": text, "format": detect_format(key, text)}
                if self.source_name:
                    article["source"] = self.source_name
                yield Pending(key, article)

        return read(), len(keys) - summary.skipped

    def _chunks(self, items: Iterator[Pending]) -> Iterator[list[Pending]]:
        chunk: list[Pending] = []
        size = 0
        for item in items:
            length = len(json.dumps(item.article, ensure_ascii=False)) if item.article else 0
            if chunk and (len(chunk) >= self.batch_size or size + length > MAX_CHUNK_BYTES):
                yield chunk
                chunk, size = [], 0
            chunk.append(item)
            size += length
        if chunk:
            yield chunk

    # ------------------------------------------------------------ sending

    def _send(self, chunk: list[Pending], summary: Summary) -> None:
        sendable = [item for item in chunk if item.article is not None]
        failures = [Failure(i.key, None, 400, i.error or "unreadable") for i in chunk if i.article is None]
        if sendable:
            result = self.client.batch([item.article for item in sendable if item.article is not None])
            for item, outcome in zip(sendable, result.items, strict=True):
                if outcome.ok:
                    summary.created += outcome.status == 201
                    summary.existing += outcome.status == 200
                else:
                    problem = outcome.problem
                    failures.append(
                        Failure(
                            item.key,
                            outcome.id,
                            outcome.status,
                            problem.detail if problem else "",
                            problem.errors if problem else {},
                        )
                    )
        for failure in failures:
            print(failure.describe(), file=sys.stderr)
        summary.failed += len(failures)
        summary.failures += failures
        if self.is_dir:
            self.state.append({"done": [item.key for item in chunk]})
        else:
            self.state.append({"offset": chunk[-1].end, "line": chunk[-1].line})

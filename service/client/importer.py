"""`provenance import`: many articles through the batch endpoint, resumable after an interruption.

The source is a directory of text and HTML files (TEXT_EXTENSIONS, HTML_EXTENSIONS; each file's id is its
relative path, after an optional prefix; files of other kinds are counted as ignored) or an NDJSON file
(.ndjson or .jsonl: one `POST /v1/articles` object a line, as `provenance export` writes them).

A file's metadata comes from a YAML front-matter block at its start (`---` lines around `title:`,
`published_at:` or `date:`, `source:`, `author:`, `url:`), as static site generators write them, and
from an HTML page's `<meta property="article:published_time">` and `og:title` (else `<title>`);
`published_at` (the `--published-at` option) is the date of the articles that have none, NDJSON lines
included, and `first_line_title` takes a text file's first line as its title.

Articles go in order, in chunks of `batch_size`. Once the service has answered a chunk (every article
stored, already stored, or refused for good), a line is appended to the state file: the NDJSON file's
byte offset after the chunk, or the directory's relative paths in it. A re-run reads the state file and
starts after what was answered, so an import stopped by Ctrl-C, a crash or the service going away
resumes where it stopped; a chunk sent but not answered is sent again, which is safe for articles with
ids (the same id with the same content answers 200). The state file is written when the first chunk is
answered: a run that never reached the service leaves none (and leaves an earlier one as it was).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from service.client.client import Client, ClientError

# The only files a directory import takes (`provenance import --help` lists them): others are ignored.
TEXT_EXTENSIONS = (".txt", ".text", ".md")
HTML_EXTENSIONS = (".html", ".htm", ".xhtml")
NDJSON_EXTENSIONS = (".ndjson", ".jsonl")
# A YAML front-matter block: `---` on the first line, `---` (or `...`) on a line of its own to close it.
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
# Front-matter keys an article takes, and the field each fills (`date` is Jekyll's and Hugo's name).
FRONT_MATTER_FIELDS = {
    "title": "title",
    "published_at": "published_at",
    "date": "published_at",
    "source": "source",
    "author": "author",
    "url": "url",
}
HTML_START = re.compile(
    r"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|article|main|div|p|section)\b", re.I | re.S
)
MAX_CHUNK_BYTES = 8 * 1024 * 1024  # well under the service's batch limit (32 MiB by default)
STATE_VERSION = 1


class UsageError(Exception):
    """A mistake of the caller's (bad arguments, unreadable input, a state file of another import)."""


def rfc3339_with_zone(value: str) -> bool:
    """Whether a string is a date-time with a time zone, as the service takes published_at."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return False
    return moment.tzinfo is not None


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """The article fields of a YAML front-matter block at the start of `text`, and the text after it.
    Read with YAML's base loader, so every value stays the string written (a date is not turned into a
    datetime, a title of digits is not a number). Not a mapping, or not YAML: no front matter."""
    found = FRONT_MATTER.match(text)
    if not found:
        return {}, text
    try:
        # BaseLoader: scalars stay strings, and it builds no objects of any class.
        block = yaml.load(found.group(1), Loader=yaml.BaseLoader)
    except yaml.YAMLError as err:
        raise FrontMatterError(f"front matter is not YAML: {str(err).splitlines()[0]}") from None
    if not isinstance(block, dict):
        return {}, text
    fields: dict[str, str] = {}
    for key, name in FRONT_MATTER_FIELDS.items():
        value = block.get(key)
        if value is None or name in fields:
            continue
        if not isinstance(value, str):
            raise FrontMatterError(f"front matter {key} must be a single value")
        if value.strip():
            fields[name] = value.strip()
    return fields, text[found.end() :]


class FrontMatterError(ValueError):
    """A front-matter block that cannot give an article's fields."""


class _HtmlMeta(HTMLParser):
    """An HTML page's title and publication time, from its head: og:title, else <title>; the
    article:published_time meta (Open Graph's article properties, which news sites publish)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta":
            name = values.get("property") or values.get("name") or ""
            if name.lower() in ("og:title", "article:published_time") and values.get("content"):
                self.meta.setdefault(name.lower(), values["content"].strip())
        self._in_title = tag == "title" and not self.title
        if tag == "body":
            raise _HeadRead

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)


class _HeadRead(Exception):
    """The page's head has been read: the rest is the article."""


def html_metadata(page: str) -> dict[str, str]:
    """title and published_at of an HTML page, where its head has them."""
    parser = _HtmlMeta()
    try:
        parser.feed(page[:200_000])
        parser.close()
    except _HeadRead:
        pass
    found: dict[str, str] = {}
    title = parser.meta.get("og:title") or " ".join("".join(parser.title).split())
    if title:
        found["title"] = title
    if parser.meta.get("article:published_time"):
        found["published_at"] = parser.meta["article:published_time"]
    return found


def first_line_title(text: str) -> tuple[str | None, str]:
    """A plain text's first non-empty line as its title, and the text after it."""
    lines = text.lstrip().split("\n", 1)
    title = lines[0].strip()
    return (title or None), (lines[1] if len(lines) > 1 else "")


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
    ignored: int = 0  # a directory's files of other kinds than TEXT_EXTENSIONS and HTML_EXTENSIONS
    failures: list[Failure] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        ignored = f", {self.ignored} ignored (not {', '.join(TEXT_EXTENSIONS + HTML_EXTENSIONS)})"
        return (
            f"{self.source}: {self.created} stored, {self.existing} already stored, {self.failed} refused, "
            f"{self.skipped} skipped (imported before){ignored if self.ignored else ''}; state: {self.state}"
        )


class State:
    """The state file: a header line naming the import, then one JSON line per answered chunk,
    appended and flushed to disk (a line cut short by a crash is ignored on reading). It is (re)started
    with the first answered chunk of a run that has nothing to resume, never before."""

    def __init__(self, path: Path, header: dict[str, Any]):
        self.path, self.header = path, {"version": STATE_VERSION, **header}
        self.started = False

    def load(self, restart: bool) -> tuple[int, int, set[str]]:
        """(byte offset, line number, relative paths) already answered."""
        lines = [] if restart or not self.path.exists() else self.path.read_text("utf-8").splitlines()
        records = [r for r in map(_json_or_none, lines) if isinstance(r, dict)]
        if not records:
            return 0, 0, set()
        if records[0] != self.header:
            raise UsageError(
                f"{self.path} records another import ({records[0].get('source')} into "
                f"{records[0].get('url')}): pass --restart to start over, or --state for another file"
            )
        self.started = True
        offset = max((r.get("offset", 0) for r in records[1:]), default=0)
        line = max((r.get("line", 0) for r in records[1:]), default=0)
        done = {key for r in records[1:] for key in r.get("done", [])}
        return offset, line, done

    def append(self, record: dict[str, Any]) -> None:
        if not self.started:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.header) + "\n", encoding="utf-8")
            self.started = True
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
        published_at: str | None = None,
        first_line_title: bool = False,
    ):
        if not source.exists():
            raise UsageError(f"{source} does not exist")
        self.client, self.source = client, source.resolve()
        self.is_dir = self.source.is_dir()
        if not self.is_dir and self.source.suffix.lower() not in NDJSON_EXTENSIONS:
            raise UsageError(
                f"{source} is neither a directory nor an NDJSON file ({' or '.join(NDJSON_EXTENSIONS)}, one "
                "article a line); a single article goes with `provenance submit`"
            )
        if published_at is not None and not rfc3339_with_zone(published_at):
            raise UsageError(
                f"--published-at must be an RFC 3339 date-time with a time zone, like 2025-10-06T10:00:00Z; "
                f"got {published_at!r}"
            )
        self.batch_size, self.id_prefix, self.source_name = batch_size, id_prefix, source_name
        self.progress = progress
        self.published_at, self.first_line_title = published_at, first_line_title
        default = self.source.with_name(self.source.name + ".import-state")
        header: dict[str, Any] = {"source": str(self.source), "url": client.base_url, "id_prefix": id_prefix}
        # Options that change what is sent are part of what the state file names (only when given, so
        # that state files written before them still match).
        if published_at is not None:
            header["published_at"] = published_at
        if first_line_title:
            header["first_line_title"] = True
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
        if self.published_at is not None and article.get("published_at") is None:
            article["published_at"] = self.published_at
        return Pending(key, article, None, end, number)

    def _files(self, done: set[str], summary: Summary) -> tuple[Iterator[Pending], int]:
        visible = [
            path
            for path in self.source.rglob("*")
            if path.is_file()
            and not any(part.startswith(".") for part in path.relative_to(self.source).parts)
        ]
        paths = sorted(p for p in visible if p.suffix.lower() in TEXT_EXTENSIONS + HTML_EXTENSIONS)
        summary.ignored = len(visible) - len(paths)
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
                try:
                    yield Pending(key, self._article_of_file(key, text))
                except FrontMatterError as err:
                    yield Pending(key, None, str(err))

        return read(), len(keys) - summary.skipped

    def _article_of_file(self, key: str, text: str) -> dict[str, Any]:
        """The submission of one file: its front matter's fields (or its HTML head's), then the options'
        defaults for what it lacks."""
        fields, body = front_matter(text)
        fmt = detect_format(key, body)
        if fmt == "html":
            fields = {**html_metadata(body), **fields}
        elif self.first_line_title and "title" not in fields:
            title, body = first_line_title(body)
            if title:
                fields["title"] = title
        article: dict[str, Any] = {"id": self.id_prefix + key, "body": body, "format": fmt, **fields}
        if self.source_name and "source" not in article:
            article["source"] = self.source_name
        if self.published_at is not None and "published_at" not in article:
            article["published_at"] = self.published_at
        return article

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

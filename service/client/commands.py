"""The client commands of `provenance`: submit, check, import, export (over HTTP, through Client).

Exit codes, for scripts: see EXIT_CODES (also in `provenance --help` and docs/cli.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from service.client.client import Client, ProblemError, Provenance, Submitted, Unreachable, rfc3339
from service.client.importer import (
    HTML_EXTENSIONS,
    NDJSON_EXTENSIONS,
    TEXT_EXTENSIONS,
    Importer,
    UsageError,
    detect_format,
)

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_REJECTED = 4
EXIT_UNAUTHORIZED = 5
EXIT_MATCH = 10
EXIT_INTERRUPTED = 130
EXIT_CODES = """exit codes (submit, check, import, export):
  0    success (for check and submit also when an original was found, unless --fail-on-match)
  2    usage error: bad arguments, unreadable file, a state file of another import
  3    the service is unreachable or failing (connection refused, timeout, 5xx after the retries)
  4    the service refused the input (400, 404, 409, 413, 422, ...); for import: some articles refused
  5    the service refused the credentials (401, 403): see --api-key
  10   check/submit with --fail-on-match: an original was found
  130  interrupted (Ctrl-C); an import resumes where it stopped when run again"""
DEFAULT_URL = "http://127.0.0.1:8080"
IMPORT_NOTES = """a file's title, date, source, author and url come from a YAML front-matter block at its
start:
  ---
  title: Harbour bridge to close to cars
  published_at: 2025-10-06T10:00:00Z     (or date:; RFC 3339 with a time zone)
  source: Harbour Gazette
  ---
and, for an HTML page without front matter, from its og:title (else <title>) and its
article:published_time meta. --published-at and --source-name fill in what a file lacks."""


def add_commands(parser: argparse.ArgumentParser, commands: Any) -> None:
    """Add submit, check, import and export to the `provenance` parser."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "submit, check, import and export talk to a running service (--url); serve and reindex are\n"
        "operator commands that run on the machine holding the index.\n\n" + EXIT_CODES
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        default=os.environ.get("PROVENANCE_URL") or DEFAULT_URL,
        help=f"the service's base URL (default: $PROVENANCE_URL or {DEFAULT_URL})",
    )
    common.add_argument(
        "--api-key",
        default=os.environ.get("PROVENANCE_API_KEY") or None,
        help="sent as 'Authorization: Bearer KEY' (default: $PROVENANCE_API_KEY)",
    )
    common.add_argument("--json", action="store_true", help="print the service's answer as JSON")
    common.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    common.add_argument("--retries", type=int, default=3, help="retries of a failed request (default 3)")

    def command(name: str, help: str, func: Callable[[Client, argparse.Namespace], int], *more: Any) -> Any:
        p = commands.add_parser(
            name,
            help=help,
            description=help,
            parents=[common, *more],
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=lambda args: run(func, args))
        return p

    article_options = argparse.ArgumentParser(add_help=False)
    article_options.add_argument("file", help="the text or HTML to read, or - for standard input")
    article_options.add_argument(
        "--format",
        choices=("auto", "text", "html"),
        default="auto",
        help="auto (default): html for .html/.htm files or text that starts like HTML, else text",
    )
    article_options.add_argument("--title", help="the headline")
    article_options.add_argument("--published-at", help="RFC 3339 time, e.g. 2026-03-09T07:00:00Z")
    article_options.add_argument(
        "--fail-on-match", action="store_true", help="exit with 10 when an original is found"
    )

    p = command("submit", "store an article and print its verdict and original", submit, article_options)
    p.add_argument("--id", help="the article's id (makes retries safe); the service makes one without")
    p.add_argument("--source", help="the publisher")
    p.add_argument("--article-url", dest="article_url", metavar="URL", help="where it was published")
    p.add_argument("--author", help="the author")

    p = command("check", "trace a text to its original without storing it", check, article_options)
    p.add_argument("--limit", type=int, default=10, help="how many matches to list (1-50, default 10)")

    p = command("import", "store a directory of text and HTML files or an NDJSON file, resumably", import_)
    p.description = (
        f"Store a directory of text ({', '.join(TEXT_EXTENSIONS)}) and HTML ({', '.join(HTML_EXTENSIONS)}) "
        f"files, or an NDJSON file ({', '.join(NDJSON_EXTENSIONS)}), resumably."
    )
    p.epilog = IMPORT_NOTES + "\n\n" + EXIT_CODES
    p.add_argument(
        "source",
        help="a directory (ids: relative paths; files of other kinds are ignored) or an NDJSON file "
        "(one POST /v1/articles object a line)",
    )
    p.add_argument("--batch-size", type=int, default=100, help="articles per request (default 100)")
    p.add_argument("--state", help="the state file (default: SOURCE.import-state next to SOURCE)")
    p.add_argument("--restart", action="store_true", help="forget the state file and import everything")
    p.add_argument("--id-prefix", default="", help="put before each file's relative path to make its id")
    p.add_argument("--source-name", dest="source_name", help="the publisher of a directory's files")
    p.add_argument(
        "--published-at",
        help="RFC 3339 time (e.g. 2026-03-09T07:00:00Z) of the articles that carry none of their own",
    )
    p.add_argument(
        "--first-line-title",
        action="store_true",
        help="a text file's first line is its title (unless its front matter has one), not its body",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar (off anyway when not a tty)")

    p = command("export", "write every stored article as NDJSON that import reads back", export)
    p.add_argument("-o", "--output", help="the file to write (default: standard output)")
    p.add_argument("--page-size", type=int, default=500, help="articles per request (1-1000, default 500)")


def run(func: Callable[[Client, argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a client command: errors become a message on stderr and an exit code."""
    try:
        with Client(args.url, args.api_key, timeout=args.timeout, retries=args.retries) as client:
            return func(client, args)
    except UsageError as err:
        return _fail(args, EXIT_USAGE, str(err))
    except Unreachable as err:
        return _fail(args, EXIT_UNAVAILABLE, f"the service is unreachable: {err}")
    except ProblemError as err:
        code = (
            EXIT_UNAVAILABLE
            if err.status >= 500
            else EXIT_UNAUTHORIZED
            if err.status in (401, 403)
            else EXIT_REJECTED
        )
        return _fail(args, code, _describe(err), err)
    except KeyboardInterrupt:
        return _fail(args, EXIT_INTERRUPTED, "interrupted")


def _fail(args: argparse.Namespace, code: int, message: str, err: ProblemError | None = None) -> int:
    print(f"provenance {args.command}: {message}", file=sys.stderr)
    if args.json:
        problem = err.body if err is not None and isinstance(err.body, dict) else {"detail": message}
        print(json.dumps({"error": problem, "exit": code}))
    return code


def _describe(err: ProblemError) -> str:
    parts = [f"{err.status} {err.title}: {err.detail}"]
    parts += [f"  {name}: {'; '.join(messages)}" for name, messages in err.errors.items()]
    if err.request_id:
        parts.append(f"  request id: {err.request_id}")
    return "\n".join(parts)


# ------------------------------------------------------------ submit and check


def read_input(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read {path}: {err}") from None


def submit(client: Client, args: argparse.Namespace) -> int:
    text = read_input(args.file)
    submitted = client.submit(
        text,
        id=args.id,
        title=args.title,
        format=detect_format(args.file, text, args.format),
        url=args.article_url,
        source=args.source,
        author=args.author,
        published_at=args.published_at,
    )
    if args.json:
        print(json.dumps({"status": 201 if submitted.created else 200, **submitted.raw}, ensure_ascii=False))
    else:
        _print_submitted(submitted, sys.stdout)
    return _verdict_exit(submitted.provenance, args)


def check(client: Client, args: argparse.Namespace) -> int:
    text = read_input(args.file)
    provenance = client.check(
        text,
        title=args.title,
        format=detect_format(args.file, text, args.format),
        published_at=args.published_at,
        limit=args.limit,
    )
    if args.json:
        print(json.dumps(provenance.raw, ensure_ascii=False))
    else:
        _print_provenance(provenance, sys.stdout, matches=True)
    return _verdict_exit(provenance, args)


def _verdict_exit(provenance: Provenance, args: argparse.Namespace) -> int:
    return EXIT_MATCH if args.fail_on_match and provenance.original is not None else EXIT_OK


def _print_submitted(submitted: Submitted, out: TextIO) -> None:
    what = "stored" if submitted.created else "already stored (same content)"
    print(f"{what}: {submitted.article.id}", file=out)
    _print_provenance(submitted.provenance, out, matches=False)


def _print_provenance(provenance: Provenance, out: TextIO, matches: bool) -> None:
    original = provenance.original
    print(f"verdict: {provenance.verdict}  score: {provenance.score:.4f}", file=out)
    if original is None:
        print("original: none found", file=out)
    else:
        published = original.published_at and f"published {rfc3339(original.published_at)}"
        details = ", ".join(x for x in (original.source, published) if x)
        title = f' "{original.title}"' if original.title else ""
        print(f"original: {original.id}{title}" + (f" ({details})" if details else ""), file=out)
        if original.via:
            print(f"  reached via: {original.via}", file=out)
        evidence = provenance.evidence
        if evidence is not None:
            kinds = [p.kind for p in evidence.passages]
            print(
                f"evidence: {kinds.count('verbatim')} verbatim and {kinds.count('reworded')} reworded "
                f"passages, {len(evidence.quotes)} shared quotes",
                file=out,
            )
    if matches and provenance.matches:
        print("matches:", file=out)
        for match in provenance.matches:
            print(f"  {match.score:.4f}  {match.relation:<15} {match.id}", file=out)


# ------------------------------------------------------------ import and export


def import_(client: Client, args: argparse.Namespace) -> int:
    if not 1 <= args.batch_size <= 10_000:
        raise UsageError("--batch-size must be between 1 and 10000")
    importer = Importer(
        client,
        Path(args.source),
        state=Path(args.state) if args.state else None,
        batch_size=args.batch_size,
        id_prefix=args.id_prefix,
        source_name=args.source_name,
        progress=not args.no_progress,
        published_at=args.published_at,
        first_line_title=args.first_line_title,
    )
    summary = importer.run(restart=args.restart)
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        print(summary.describe())
    return EXIT_REJECTED if summary.failed else EXIT_OK


def export(client: Client, args: argparse.Namespace) -> int:
    if not 1 <= args.page_size <= 1000:
        raise UsageError("--page-size must be between 1 and 1000")
    target = Path(args.output) if args.output else None
    partial = target.with_name(target.name + ".partial") if target else None
    out = partial.open("w", encoding="utf-8") if partial else sys.stdout
    count = 0
    try:
        for article in client.export(page_size=args.page_size):
            fields = {k: v for k, v in article.as_submission().items() if v is not None}
            out.write(json.dumps(fields, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if partial:
            out.close()
    if target and partial:
        partial.replace(target)  # a complete file or none: an interrupted export leaves only .partial
    where = str(target) if target else "standard output"
    if args.json and target:
        print(json.dumps({"exported": count, "output": str(target)}))
    else:
        print(f"exported {count} articles to {where}", file=sys.stderr)
    return EXIT_OK

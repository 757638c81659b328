"""The client commands of `provenance` (submit, check, import, export) against a real server in a thread."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from werkzeug.wsgi import get_input_stream

from service.app import create_app
from service.cli import main
from tests.factories import HARBOUR, ORCHESTRA, with_boilerplate
from tests.live import Scripted, serving
from tests.processes import wait_for
from tests.test_client import free_port

HTML_COPY = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in HARBOUR.split("\n\n")) + "</article>"


@pytest.fixture
def url(scripted_url: str) -> str:
    return scripted_url


@pytest.fixture
def other_url(app_config: dict[str, Any], redis: redis_lib.Redis) -> Iterator[str]:
    """A second service on the same Redis under a prefix of its own (removed afterwards)."""
    prefix = app_config["key_prefix"] + "b"
    with serving(create_app({**app_config, "key_prefix": prefix})) as base_url:
        yield base_url
    for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        redis.delete(key)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def export_lines(capsys: pytest.CaptureFixture[str], url: str) -> list[dict[str, Any]]:
    code, out, _ = run(capsys, "export", "--url", url)
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def test_submit_prints_the_verdict_and_original_and_fail_on_match_exits_10(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    original = write(tmp_path / "bridge.txt", HARBOUR)
    code, out, _ = run(
        capsys, "submit", str(original), "--url", url, "--id", "herald/bridge", "--title", "Bridge",
        "--source", "Herald", "--published-at", "2025-03-01T09:00:00Z",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[:3] == [
        "stored: herald/bridge",
        "verdict: none  score: 0.0000",
        "original: none found",
    ]

    copy = write(tmp_path / "copy.txt", with_boilerplate(HARBOUR))
    code, out, _ = run(
        capsys, "submit", str(copy), "--url", url, "--id", "wire/bridge", "--published-at",
        "2025-03-02T09:00:00Z", "--fail-on-match",
    )  # fmt: skip
    assert code == 10
    assert 'original: herald/bridge "Bridge" (Herald, published 2025-03-01T09:00:00Z)' in out
    assert "verdict: duplicate" in out

    code, out, _ = run(capsys, "submit", str(copy), "--url", url, "--id", "wire/bridge", "--json")
    assert code == 4  # the same id with other content (no published_at this time): a conflict


def test_check_detects_html_reads_standard_input_and_prints_json(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "submit", str(write(tmp_path / "a.txt", HARBOUR)), "--url", url, "--id", "herald/bridge")
    code, out, _ = run(capsys, "check", str(write(tmp_path / "page.html", HTML_COPY)), "--url", url)
    assert code == 0
    assert "original: herald/bridge" in out and "matches:" in out

    monkeypatch.setattr(sys, "stdin", io.StringIO(HTML_COPY))
    code, out, _ = run(capsys, "check", "-", "--url", url, "--json", "--fail-on-match")
    assert code == 10
    answer = json.loads(out)
    assert answer["original"]["id"] == "herald/bridge" and answer["matches"][0]["evidence"]["passages"]

    monkeypatch.setattr(sys, "stdin", io.StringIO(ORCHESTRA))
    code, out, _ = run(capsys, "check", "-", "--url", url, "--json", "--fail-on-match")
    assert code == 0 and json.loads(out)["original"] is None


def test_exit_codes_scripts_can_rely_on(
    capsys: pytest.CaptureFixture[str], url: str, scripted: Scripted, tmp_path: Path
) -> None:
    text = str(write(tmp_path / "a.txt", ORCHESTRA))
    assert run(capsys, "check", text, "--url", url)[0] == 0
    code, out, err = run(capsys, "check", text, "--url", url, "--published-at", "yesterday", "--json")
    assert code == 4 and "published_at" in err
    assert json.loads(out)["error"]["errors"]["published_at"]
    assert run(capsys, "check", str(tmp_path / "missing.txt"), "--url", url)[0] == 2
    unreachable = f"http://127.0.0.1:{free_port()}"
    assert run(capsys, "check", text, "--url", unreachable, "--retries", "0")[0] == 3
    scripted.fail_next((401, {}))
    assert run(capsys, "check", text, "--url", url)[0] == 5
    scripted.fail_next((500, {}))
    assert run(capsys, "check", text, "--url", url)[0] == 3
    with pytest.raises(SystemExit) as usage:
        main(["check", text, "--limit", "many"])
    assert usage.value.code == 2


def test_import_of_a_directory_then_export_round_trips_into_another_service(
    capsys: pytest.CaptureFixture[str], url: str, other_url: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "business" / "bridge.txt", HARBOUR)
    write(corpus / "arts" / "orchestra.html", f"<html><body><p>{ORCHESTRA}</p></body></html>")
    write(corpus / "notes.pdf", "not an article")
    write(corpus / ".hidden" / "x.txt", "hidden")
    code, out, _ = run(capsys, "import", str(corpus), "--url", url, "--id-prefix", "site/", "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["created"], summary["failed"], summary["skipped"]) == (2, 0, 0)
    exported = export_lines(capsys, url)
    assert [a["id"] for a in exported] == ["site/arts/orchestra.html", "site/business/bridge.txt"]
    assert exported[1]["body"] == HARBOUR and exported[1]["format"] == "text"

    dump = tmp_path / "export.ndjson"
    code, _, err = run(capsys, "export", "--url", url, "-o", str(dump))
    assert code == 0 and "exported 2 articles" in err
    code, out, _ = run(capsys, "import", str(dump), "--url", other_url)
    assert code == 0 and "2 stored" in out
    assert export_lines(capsys, other_url) == exported


class Outage:
    """The app, except that batch requests after the first `after` answer 503 while `down`."""

    def __init__(self, app: Any, after: int):
        self.app, self.after, self.batches, self.down = app, after, 0, True

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/v1/articles:batch":
            self.batches += 1
            if self.down and self.batches > self.after:
                get_input_stream(environ).read()
                body = json.dumps({"type": "about:blank", "title": "Service Unavailable", "status": 503})
                start_response(
                    "503 Service Unavailable",
                    [("Content-Type", "application/problem+json"), ("Retry-After", "0")],
                )
                return [body.encode()]
        return self.app(environ, start_response)


def test_an_interrupted_import_resumes_after_what_was_answered(
    capsys: pytest.CaptureFixture[str], app: Any, tmp_path: Path
) -> None:
    lines = [
        {
            "id": f"wire/{n}",
            "body": f"Bulletin {n}. {ORCHESTRA}",
            "published_at": f"2025-03-0{n + 1}T09:00:00Z",
        }
        for n in range(6)
    ]
    source = write(tmp_path / "wire.ndjson", "".join(json.dumps(a) + "\n" for a in lines))
    outage = Outage(app, after=1)
    with serving(outage) as url:
        importing = ("import", str(source), "--url", url, "--batch-size", "2", "--retries", "0")
        code, _, err = run(capsys, *importing)
        assert code == 3 and "run the same command again to resume" in err
        state = (tmp_path / "wire.ndjson.import-state").read_text().splitlines()
        assert len(state) == 2 and json.loads(state[1])["line"] == 2

        outage.down, outage.batches = False, 0
        code, out, _ = run(capsys, *importing, "--json")
        summary = json.loads(out)
        assert code == 0 and (summary["skipped"], summary["created"], summary["existing"]) == (2, 4, 0)
        assert outage.batches == 2  # the first chunk was not sent again

        code, out, _ = run(capsys, *importing, "--json")
        assert code == 0 and json.loads(out)["skipped"] == 6 and outage.batches == 2
        assert [a["id"] for a in export_lines(capsys, url)] == [a["id"] for a in lines]


def test_a_directory_import_skips_the_files_a_state_file_records_and_ignores_a_cut_line(
    capsys: pytest.CaptureFixture[str], url: str, scripted: Scripted, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    for n in range(4):
        write(corpus / f"{n}.txt", f"Item {n}. {ORCHESTRA}")
    state = tmp_path / "state"
    header = {"version": 1, "source": str(corpus.resolve()), "url": url, "id_prefix": ""}
    state.write_text(
        json.dumps(header) + "\n" + json.dumps({"done": ["0.txt", "1.txt"]}) + '\n{"done": ["2.t'
    )
    code, out, _ = run(capsys, "import", str(corpus), "--url", url, "--state", str(state), "--json")
    assert code == 0 and (json.loads(out)["skipped"], json.loads(out)["created"]) == (2, 2)
    assert [a["id"] for a in export_lines(capsys, url)] == ["2.txt", "3.txt"]

    code, _, err = run(capsys, "import", str(corpus), "--url", url + "/", "--state", str(state))
    assert code == 0  # the same service (a trailing slash does not matter)
    other = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(capsys, "import", str(corpus), "--url", other, "--state", str(state))
    assert code == 2 and "--restart" in err


def test_refused_articles_are_reported_exit_4_and_are_not_sent_again(
    capsys: pytest.CaptureFixture[str], url: str, scripted: Scripted, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "mixed.ndjson",
        json.dumps({"id": "ok/1", "body": ORCHESTRA}) + "\n\n"
        + json.dumps({"id": "bad id", "body": HARBOUR}) + "\n{not json\n",
    )  # fmt: skip
    code, out, err = run(capsys, "import", str(source), "--url", url, "--json")
    summary = json.loads(out)
    assert code == 4 and (summary["created"], summary["failed"]) == (1, 2)
    assert "refused line 3 (id bad id): 422" in err and "refused line 4: 400 not valid JSON" in err
    scripted.seen.clear()
    code, out, _ = run(capsys, "import", str(source), "--url", url, "--json")
    assert code == 0 and json.loads(out)["failed"] == 0 and scripted.seen == []


def test_the_installed_command_runs_as_a_process(url: str, tmp_path: Path) -> None:
    text = write(tmp_path / "a.txt", ORCHESTRA)
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "check", str(text), "--json"],
        env={"PATH": "/usr/bin:/bin", "PROVENANCE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "none"


class SlowBatches:
    """The app, with every batch request held for `seconds` first (time to interrupt an import)."""

    def __init__(self, app: Any, seconds: float):
        self.app, self.seconds = app, seconds

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/v1/articles:batch":
            time.sleep(self.seconds)
        return self.app(environ, start_response)


def test_an_import_interrupted_by_ctrl_c_exits_130_and_the_next_run_finishes_it(
    capsys: pytest.CaptureFixture[str], app: Any, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    for n in range(8):
        write(corpus / f"{n}.txt", f"Item {n}. {ORCHESTRA}")
    state = tmp_path / "corpus.import-state"
    with serving(SlowBatches(app, 0.3)) as url:
        command = ["import", str(corpus), "--url", url, "--batch-size", "1", "--no-progress"]
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(
            "two chunks answered and recorded",
            lambda: state.exists() and len(state.read_text().splitlines()) >= 3,
            60,
        )
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "run the same command again to resume" in err
        answered = len(state.read_text().splitlines()) - 1
        assert 2 <= answered < 8

        code, out, _ = run(capsys, *command, "--json")
    summary = json.loads(out)
    assert code == 0 and summary["skipped"] == answered
    assert summary["created"] + summary["existing"] == 8 - answered  # a chunk cut mid-request answers 200


# ------------------------------------------------------------ import: what it takes, metadata, state


def test_a_directory_import_takes_only_the_extensions_it_documents(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    taken = ["a.txt", "b.text", "c.md", "d.html", "e.htm", "f.xhtml", "G.TXT"]
    for n, name in enumerate(taken):
        write(corpus / name, f"Item {n}. {ORCHESTRA}")
    for name in ("notes.pdf", "data.json", "README", "page.php"):
        write(corpus / name, f"Not an article. {HARBOUR}")
    code, out, _ = run(capsys, "import", str(corpus), "--url", url, "--json")
    summary = json.loads(out)
    assert code == 0 and (summary["created"], summary["ignored"]) == (7, 4)
    assert sorted(a["id"] for a in export_lines(capsys, url)) == sorted(taken)
    code, out, _ = run(capsys, "import", str(corpus), "--url", url)
    assert code == 0 and "4 ignored (not .txt, .text, .md, .html, .htm, .xhtml)" in out

    code, _, err = run(capsys, "import", str(corpus / "a.txt"), "--url", url)
    assert code == 2 and "neither a directory nor an NDJSON file (.ndjson or .jsonl" in err
    assert not (corpus / "a.txt.import-state").exists()


def test_import_takes_titles_and_dates_from_front_matter_html_heads_and_options(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write(
        corpus / "bridge.md",
        "---\ntitle: 'Harbour bridge: to close'\ndate: 2025-10-06T12:00:00+02:00\nsource: Harbour Gazette\n"
        f"tags: [council, roads]\n---\n{HARBOUR}",
    )
    head = (
        '<head><title>Orchestra tour | Site</title><meta property="og:title" content="Youth orchestra to '
        'tour"><meta property="article:published_time" content="2025-09-01T08:30:00Z"></head>'
    )
    write(corpus / "orchestra.html", f"<html>{head}<body><article><p>{ORCHESTRA}</p></article></body></html>")
    write(corpus / "plain.txt", f"Bulletin of the day\n{ORCHESTRA}")
    command = ("import", str(corpus), "--url", url, "--published-at", "2025-01-02T03:04:05Z")
    code, out, _ = run(capsys, *command, "--first-line-title", "--source-name", "Wire", "--json")
    assert code == 0 and json.loads(out)["created"] == 3

    by_id = {a["id"]: a for a in export_lines(capsys, url)}
    bridge, orchestra, plain = by_id["bridge.md"], by_id["orchestra.html"], by_id["plain.txt"]
    assert (bridge["title"], bridge["published_at"], bridge["source"]) == (
        "Harbour bridge: to close",
        "2025-10-06T10:00:00Z",
        "Harbour Gazette",  # the file's own, not --source-name
    )
    assert bridge["body"] == HARBOUR  # the front matter is not part of the article
    assert (orchestra["title"], orchestra["published_at"], orchestra["source"]) == (
        "Youth orchestra to tour",
        "2025-09-01T08:30:00Z",
        "Wire",
    )
    assert (plain["title"], plain["published_at"]) == ("Bulletin of the day", "2025-01-02T03:04:05Z")
    assert plain["body"] == ORCHESTRA


def test_an_ndjson_import_dates_the_lines_that_have_no_date(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    lines = [
        {"id": "wire/dated", "body": HARBOUR, "published_at": "2025-05-05T05:05:05Z"},
        {"id": "wire/undated", "body": ORCHESTRA},
    ]
    source = write(tmp_path / "wire.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    code, _, _ = run(
        capsys, "import", str(source), "--url", url, "--published-at", "2025-06-01T00:00:00+00:00"
    )
    assert code == 0
    dates = {a["id"]: a["published_at"] for a in export_lines(capsys, url)}
    assert dates == {"wire/dated": "2025-05-05T05:05:05Z", "wire/undated": "2025-06-01T00:00:00Z"}


def test_a_file_whose_metadata_cannot_be_used_is_refused_and_says_why(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "no-zone.md", f"---\ndate: 2025-10-06 10:00\n---\n{HARBOUR}")
    write(corpus / "list-title.md", f"---\ntitle: [one, two]\n---\n{ORCHESTRA}")
    write(corpus / "broken.md", f"---\ntitle: 'unclosed\n---\n{ORCHESTRA}")
    code, _, err = run(capsys, "import", str(corpus), "--url", url)
    assert code == 4
    assert "refused list-title.md: 400 front matter title must be a single value" in err
    assert "refused broken.md: 400 front matter is not YAML" in err
    assert "refused no-zone.md: 422 invalid fields: published_at" in err
    assert "published_at: has no time zone: must be an RFC 3339 date-time with a time zone" in err


def test_a_bad_published_at_option_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", ORCHESTRA)
    for bad in ("2025-10-06", "2025-10-06T10:00:00", "yesterday"):
        code, _, err = run(capsys, "import", str(corpus), "--url", url, "--published-at", bad)
        assert code == 2 and "--published-at must be an RFC 3339 date-time with a time zone" in err
    assert not (tmp_path / "corpus.import-state").exists()


def test_a_run_that_cannot_reach_the_service_writes_no_state_file_and_keeps_an_earlier_one(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    for n in range(3):
        write(corpus / f"{n}.txt", f"Item {n}. {ORCHESTRA}")
    state = tmp_path / "corpus.import-state"
    away = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(capsys, "import", str(corpus), "--url", away, "--retries", "0")
    assert code == 3 and "unreachable" in err
    assert not state.exists()

    code, _, _ = run(capsys, "import", str(corpus), "--url", url, "--batch-size", "2")
    assert code == 0
    recorded = state.read_text()
    assert len(recorded.splitlines()) == 3  # the header and two chunks

    # The same import elsewhere, with --restart, to a service that is away: the state stays as it was.
    copied = write(tmp_path / "copied.state", recorded.replace(url, away))
    command = ("import", str(corpus), "--url", away, "--retries", "0", "--state", str(copied))
    code, _, _ = run(capsys, *command, "--restart")
    assert code == 3 and copied.read_text() == recorded.replace(url, away)
    # --restart to a service that answers: the file starts anew with the first answered chunk.
    code, out, _ = run(capsys, "import", str(corpus), "--url", url, "--restart", "--json")
    assert code == 0 and (json.loads(out)["skipped"], json.loads(out)["existing"]) == (0, 3)
    assert len(state.read_text().splitlines()) == 2

"""The HTTP checks tools/image-check.sh makes against a running container: standard library only, so it
runs with any python3 on the host, outside the project's virtualenv.

    image_smoke.py wait URL             /healthz answers 200 (polled, with a deadline)
    image_smoke.py fresh URL ID         pages, spec, static files; submit article ID; a query names it
    image_smoke.py kept URL ID FP       article ID is still stored with fingerprint FP; a query names it

Each prints what it checked and exits non-zero at the first thing that is not as the contract
(../shared/API.md) says. `fresh` prints the stored fingerprint last, alone on its line.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
import urllib.request
from typing import Any

TIMEOUT = 30.0  # per request: the first submission of a worker loads word tables

TITLE = "Harbour authority approves night-time dredging to clear the silted channel"
PARAGRAPHS = [
    "The harbour authority voted on Tuesday to allow dredging crews to work through the night for six "
    "weeks, after silt carried down by the spring floods left the main shipping channel too shallow for "
    "the largest ferries at low tide.",
    "Residents of the waterfront streets had asked the board to keep the machines idle after ten in the "
    "evening. The chair, Miriam Okafor, said the ferry operator had already cancelled eleven sailings and "
    "that a daytime-only schedule would stretch the work into the summer season.",
    "Under the plan approved by seven votes to two, the dredger will stay at least two hundred metres from "
    "the nearest houses between midnight and six, and noise will be measured at three points along the "
    "promenade. Readings above the agreed limit will halt the night shift until the board meets again.",
    "The spoil will be taken by barge to a licensed site offshore rather than spread on the northern beach, "
    "a change the board made after fishermen warned that the sediment could smother the mussel beds.",
]


def request(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request; HTTP errors are answers here, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def expect(what: str, condition: bool, detail: object = "") -> None:
    if not condition:
        sys.exit(f"image-smoke: FAILED: {what} {detail}".rstrip())
    print(f"image-smoke: ok: {what}")


def wait(base: str, timeout: float = 120.0) -> None:
    """/healthz answers 200: the master started, forked its workers and one of them serves."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            status, _, _ = request("GET", f"{base}/healthz")
            if status == 200:
                print(f"image-smoke: ok: {base}/healthz answers 200")
                return
            last = status
        except OSError as error:  # refused or reset while gunicorn starts
            last = error
        time.sleep(0.25)
    sys.exit(f"image-smoke: FAILED: {base}/healthz did not answer 200 within {timeout:.0f} s (last: {last})")


def pages_and_spec(base: str) -> None:
    """What the wheel must carry besides code: openapi.yaml (data-files), templates and static files."""
    status, _, body = request("GET", f"{base}/readyz")
    expect("/readyz answers 200 (Redis answers)", status == 200, (status, body[:200]))
    status, headers, body = request("GET", f"{base}/openapi.yaml")
    expect(
        "/openapi.yaml is served from the installed package",
        status == 200 and body.startswith(b"openapi:") and "yaml" in headers.get("Content-Type", ""),
        (status, body[:80]),
    )
    for page in ("/", "/docs"):
        status, _, body = request("GET", f"{base}{page}")
        expect(f"{page} renders its template", status == 200 and b"<html" in body.lower(), status)
        for asset in re.findall(rb'(?:href|src)="(/static/[^"]+)"', body):
            status, _, content = request("GET", f"{base}{asset.decode()}")
            expect(f"{asset.decode()} is served", status == 200 and len(content) > 0, status)


def names_it(base: str, article_id: str) -> None:
    """A rewrite-free copy with a new headline and its last paragraph cut is traced to the article."""
    query = {"title": "Night dredging approved", "body": "\n\n".join(PARAGRAPHS[:3])}
    status, _, body = request("POST", f"{base}/v1/provenance", query)
    expect("POST /v1/provenance answers 200", status == 200, (status, body[:300]))
    answer = json.loads(body)
    original = answer.get("original") or {}
    expect(
        f"the query names {article_id} as its original",
        original.get("id") == article_id and answer.get("verdict") in ("duplicate", "near_duplicate"),
        {key: answer.get(key) for key in ("verdict", "score", "original")},
    )


def fresh(base: str, article_id: str) -> str:
    pages_and_spec(base)
    article = {
        "id": article_id,
        "title": TITLE,
        "body": "\n\n".join(PARAGRAPHS),
        "source": "image-check",
        "published_at": "2025-10-06T10:00:00Z",
    }
    status, headers, body = request("POST", f"{base}/v1/articles", article)
    expect("POST /v1/articles answers 201 Created", status == 201, (status, body[:300]))
    stored = json.loads(body)
    location, fingerprint = headers.get("Location", ""), str(stored.get("fingerprint"))
    expect(
        "the answer has its Location and a 16-hex-digit fingerprint",
        location.endswith(article_id) and re.fullmatch(r"[0-9a-f]{16}", fingerprint) is not None,
        (location, fingerprint),
    )
    names_it(base, article_id)
    return fingerprint


def kept(base: str, article_id: str, fingerprint: str) -> None:
    status, _, body = request("GET", f"{base}/v1/articles/{article_id}")
    expect("the article is still stored", status == 200, (status, body[:300]))
    expect(
        "with the fingerprint it was stored with",
        json.loads(body).get("fingerprint") == fingerprint,
        (json.loads(body).get("fingerprint"), fingerprint),
    )
    names_it(base, article_id)


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "wait":
        wait(argv[1].rstrip("/"))
    elif len(argv) == 3 and argv[0] == "fresh":
        print(fresh(argv[1].rstrip("/"), argv[2]))
    elif len(argv) == 4 and argv[0] == "kept":
        kept(argv[1].rstrip("/"), argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

"""The HTTP checks tools/image-check.sh makes against a running container: standard library only, so it
runs with any python3 on the host, outside the project's virtualenv.

    image_smoke.py wait URL             /healthz answers 200 (polled, with a deadline)
    image_smoke.py fresh URL ID         pages, spec, static files; submit article ID; a query names it
    image_smoke.py kept URL ID FP       article ID is still stored with fingerprint FP; a query names it
    image_smoke.py alert URL HOOK FILE  a watch on HOOK; a copy of a watched article is submitted; the
                                        delivery worker's signed event arrives in FILE (webhook_receiver.py)

Each prints what it checked and exits non-zero at the first thing that is not as the contract
(../shared/API.md) says. `fresh` prints the stored fingerprint last, alone on its line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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


def alert(base: str, hook: str, received: str, timeout: float = 90.0) -> None:
    """A copy alert end to end: the API stores the watch and queues the event with the copy, the delivery
    worker (another container) signs it and POSTs it to the receiver, which appends it to `received`."""
    status, _, body = request("POST", f"{base}/v1/watches", {"url": hook, "sources": ["Image Check Wire"]})
    expect("POST /v1/watches answers 201 with the secret", status == 201, (status, body[:300]))
    watch = json.loads(body)
    original = {
        "id": "image-check/alert-original",
        "title": TITLE,
        "body": "\n\n".join(PARAGRAPHS),
        "source": "Image Check Wire",
        "published_at": "2025-10-07T08:00:00Z",
    }
    copy = {
        "id": "image-check/alert-copy",
        "title": "Dredgers to work at night",
        "body": "\n\n".join(PARAGRAPHS[:3]),
        "source": "Elsewhere Daily",
        "published_at": "2025-10-07T12:00:00Z",
    }
    for article in (original, copy):
        status, _, body = request("POST", f"{base}/v1/articles", article)
        expect(f"{article['id']} is stored", status == 201, (status, body[:300]))
    deadline, events = time.monotonic() + timeout, []
    while time.monotonic() < deadline and not events:
        try:
            with open(received, encoding="utf-8") as lines:
                events = [json.loads(line) for line in lines if line.strip()]
        except FileNotFoundError:
            pass
        time.sleep(0.5)
    expect(f"the delivery worker's event arrived within {timeout:.0f} s", bool(events), received)
    event = events[0]
    headers, raw = event["headers"], base64.b64decode(event["body"])
    key = base64.b64decode(watch["secret"].removeprefix("whsec_"))
    signed = f"{headers.get('webhook-id')}.{headers.get('webhook-timestamp')}.".encode() + raw
    signature = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    expect(
        "it carries a valid Standard Webhooks signature",
        signature in headers.get("webhook-signature", "").split(),
        {k: v for k, v in headers.items() if k.startswith("webhook-")},
    )
    data = json.loads(raw).get("data", {})
    expect(
        "it names the copy and the watched original",
        (data.get("article") or {}).get("id") == copy["id"]
        and (data.get("original") or {}).get("id") == original["id"]
        and data.get("watch_id") == watch["id"],
        {k: data.get(k) for k in ("watch_id", "relation", "article", "original")},
    )
    # The receiver writes the event down before it answers: the log says `delivered` a moment later.
    deadline = time.monotonic() + 15
    while True:
        status, _, body = request("GET", f"{base}/v1/watches/{watch['id']}/deliveries")
        if (status == 200 and b'"delivered"' in body) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect("the delivery log says delivered", status == 200 and b'"delivered"' in body, (status, body[:300]))


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "wait":
        wait(argv[1].rstrip("/"))
    elif len(argv) == 3 and argv[0] == "fresh":
        print(fresh(argv[1].rstrip("/"), argv[2]))
    elif len(argv) == 4 and argv[0] == "kept":
        kept(argv[1].rstrip("/"), argv[2], argv[3])
    elif len(argv) == 4 and argv[0] == "alert":
        alert(argv[1].rstrip("/"), argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

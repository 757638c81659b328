"""A Python client of the Provenance API, with typed results, retries and problem+json errors.

    from service.client.client import Client

    with Client("http://127.0.0.1:8080", api_key=None) as provenance:
        submitted = provenance.submit("The ferry between ...", id="herald/ferry", source="Herald")
        print(submitted.provenance.verdict, submitted.provenance.original)

Retries: a request is sent again, after an exponential backoff with jitter (or the `Retry-After` the
service asks for, capped at `max_wait`), when the service answers 429 (nothing was done) and, for requests
that are safe to repeat, 502, 503 or 504 or a broken connection. Safe to repeat are reads, deletes, queries
(`check`: nothing is stored) and submissions that carry an id (the same id with the same content answers
200). A submission without an id is only sent again when it certainly never reached the service (the
connection was refused) or on 429: repeating it after a 503 could store the article twice.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

USER_AGENT = "provenance-client/1"
RETRY_STATUSES = frozenset({502, 503, 504})
ID_SAFE = "/:~._-"


class ClientError(Exception):
    """Any failure of a call to the service."""


class Unreachable(ClientError):
    """The service could not be reached (after the retries allowed)."""


class ProblemError(ClientError):
    """The service answered an error: a problem document (RFC 9457), or a bare error of a proxy."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: dict[str, list[str]] | None = None,
        request_id: str | None = None,
        type: str = "about:blank",
        body: Any = None,
    ):
        super().__init__(f"{status} {title}: {detail}" if detail else f"{status} {title}")
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors or {}
        self.request_id = request_id
        self.type = type
        self.body = body

    @classmethod
    def from_problem(cls, problem: Mapping[str, Any], request_id: str | None = None) -> ProblemError:
        """From a problem document (also a batch item's `problem`)."""
        return cls(
            int(problem.get("status") or 0),
            str(problem.get("title") or ""),
            str(problem.get("detail") or ""),
            errors=problem.get("errors") if isinstance(problem.get("errors"), dict) else None,
            request_id=problem.get("request_id") or request_id,
            type=str(problem.get("type") or "about:blank"),
            body=dict(problem),
        )

    @classmethod
    def from_response(cls, response: httpx.Response) -> ProblemError:
        request_id = response.headers.get("X-Request-ID")
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "status" in body:
            return cls.from_problem(body, request_id)
        title = response.reason_phrase or "Error"
        return cls(response.status_code, title, response.text[:500], request_id=request_id, body=body)


# ------------------------------------------------------------ typed results


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def rfc3339(moment: datetime | str | None) -> str | None:
    """An RFC 3339 string the service takes: datetimes without a zone are taken as UTC."""
    if moment is None or isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Lineage:
    original: str | None
    verdict: str
    score: float | None


@dataclass
class Article:
    """A stored article (`GET /v1/articles/{id}`); `text` only from the listing."""

    id: str
    title: str | None
    source: str | None
    url: str | None
    author: str | None
    format: str
    published_at: datetime | None
    received_at: datetime | None
    fingerprint: str
    text_length: int
    lineage: Lineage
    text: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Article:
        lineage = data.get("lineage") or {}
        return cls(
            id=data["id"],
            title=data.get("title"),
            source=data.get("source"),
            url=data.get("url"),
            author=data.get("author"),
            format=data.get("format") or "text",
            published_at=_time(data.get("published_at")),
            received_at=_time(data.get("received_at")),
            fingerprint=data.get("fingerprint") or "",
            text_length=int(data.get("text_length") or 0),
            lineage=Lineage(lineage.get("original"), lineage.get("verdict") or "none", lineage.get("score")),
            text=data.get("text"),
            raw=dict(data),
        )

    def as_submission(self) -> dict[str, Any]:
        """What `POST /v1/articles` takes to store this article elsewhere (needs `text`: the listing's)."""
        if self.text is None:
            raise ValueError("only articles of the listing (export) carry their text")
        return {
            "id": self.id,
            "title": self.title,
            "body": self.text,
            "format": "text",
            "url": self.url,
            "source": self.source,
            "author": self.author,
            "published_at": rfc3339(self.published_at),
        }


@dataclass
class Passage:
    query_start: int
    query_end: int
    match_start: int
    match_end: int
    kind: str
    similarity: float


@dataclass
class Evidence:
    passages: list[Passage]
    quotes: list[str]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evidence:
        return cls([Passage(**p) for p in data.get("passages", [])], list(data.get("quotes", [])))


@dataclass
class Match:
    id: str
    score: float
    relation: str
    title: str | None
    source: str | None
    url: str | None
    published_at: datetime | None
    evidence: Evidence

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Match:
        return cls(
            id=data["id"],
            score=data["score"],
            relation=data["relation"],
            title=data.get("title"),
            source=data.get("source"),
            url=data.get("url"),
            published_at=_time(data.get("published_at")),
            evidence=Evidence.from_json(data.get("evidence") or {}),
        )


@dataclass
class Original:
    id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: datetime | None
    score: float
    relation: str
    via: str | None
    evidence: Evidence | None = None  # the passages and quotes shared with the original itself

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Original:
        fields = {k: v for k, v in data.items() if k in ORIGINAL_FIELDS}
        fields["published_at"] = _time(data.get("published_at"))
        evidence = data.get("evidence")
        return cls(**fields, evidence=Evidence.from_json(evidence) if evidence is not None else None)


ORIGINAL_FIELDS = ("id", "title", "source", "url", "published_at", "score", "relation", "via")


@dataclass
class Signals:
    """What the service undid in the text before comparing it (API: Signals)."""

    lookalike_letters: int = 0
    invisible_characters: int = 0
    encoding_repairs: int = 0
    disguised: bool = False


@dataclass
class Derivative:
    id: str
    relation: str
    score: float | None
    title: str | None
    source: str | None
    url: str | None
    published_at: datetime | None


@dataclass
class Provenance:
    """Where a text came from: `original` (None when nothing indexed), `verdict`, `score`, `matches`;
    for a stored article (`Client.provenance`) also its `id` and `derivatives`."""

    verdict: str
    score: float
    original: Original | None
    matches: list[Match]
    id: str | None = None
    derivatives: list[Derivative] = field(default_factory=list)
    signals: Signals = field(default_factory=Signals)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def evidence(self) -> Evidence | None:
        """The evidence for the original (of the match that is the original, or reaches it)."""
        if self.original is None:
            return None
        if self.original.evidence is not None and self.original.via is None:
            return self.original.evidence
        for wanted in (self.original.id, self.original.via):
            for match in self.matches:
                if match.id == wanted:
                    return match.evidence
        return None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Provenance:
        original = data.get("original")
        return cls(
            verdict=data["verdict"],
            score=data["score"],
            original=Original.from_json(original) if original else None,
            matches=[Match.from_json(m) for m in data.get("matches", [])],
            id=data.get("id"),
            derivatives=[
                Derivative(**{**d, "published_at": _time(d.get("published_at"))})
                for d in data.get("derivatives", [])
            ],
            signals=Signals(**data["signals"]) if data.get("signals") else Signals(),
            raw=dict(data),
        )


@dataclass
class Submitted:
    """The answer to a submission: `created` is False when the same id and content were stored before."""

    created: bool
    article: Article
    provenance: Provenance
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], created: bool) -> Submitted:
        return cls(created, Article.from_json(data), Provenance.from_json(data["provenance"]), dict(data))


@dataclass
class BatchItem:
    """One article's outcome in a batch: `status` 201 or 200 with `article` and `provenance`, or an error
    status with `problem`."""

    index: int
    status: int
    id: str | None
    article: Article | None = None
    provenance: Provenance | None = None
    problem: ProblemError | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.status in (200, 201)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchItem:
        if "problem" in data:
            problem = ProblemError.from_problem(data["problem"])
            return cls(data["index"], data["status"], data.get("id"), problem=problem, raw=dict(data))
        return cls(
            data["index"],
            data["status"],
            data["id"],
            article=Article.from_json(data),
            provenance=Provenance.from_json(data["provenance"]),
            raw=dict(data),
        )


@dataclass
class BatchResult:
    items: list[BatchItem]
    created: int
    existing: int
    failed: int


@dataclass
class Page:
    items: list[Article]
    next_cursor: str | None


# ------------------------------------------------------------ the client


class Client:
    """The Provenance API over HTTP. `timeout` is in seconds per request (`batch_timeout` for batches,
    which trace every article); `retries` is how many times a request may be sent again."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 10,
        retries: int = 3,
        *,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        batch_timeout: float = 300,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.base_url = base_url.rstrip("/")
        self.retries, self.backoff, self.max_wait = retries, backoff, max_wait
        self.timeout, self.batch_timeout = timeout, batch_timeout
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ articles

    def submit(
        self,
        text: str,
        *,
        id: str | None = None,
        title: str | None = None,
        format: str = "text",
        url: str | None = None,
        source: str | None = None,
        author: str | None = None,
        published_at: datetime | str | None = None,
    ) -> Submitted:
        """Store an article and get its provenance against the articles published before it.
        Give an `id` to make it safe to retry (idempotent: 200 for the same content, 409 for other)."""
        payload = _without_none(
            id=id,
            title=title,
            body=text,
            format=format,
            url=url,
            source=source,
            author=author,
            published_at=rfc3339(published_at),
        )
        response = self._request("POST", "/v1/articles", json=payload, idempotent=id is not None)
        return Submitted.from_json(response.json(), created=response.status_code == 201)

    def get(self, article_id: str) -> Article:
        return Article.from_json(self._request("GET", _article_path(article_id)).json())

    def delete(self, article_id: str) -> None:
        """Remove the article. A retried delete whose first attempt got through raises 404."""
        self._request("DELETE", _article_path(article_id))

    def provenance(self, article_id: str) -> Provenance:
        """A stored article's provenance (traced afresh) and its known derivatives."""
        return Provenance.from_json(self._request("GET", _article_path(article_id) + "/provenance").json())

    def check(
        self,
        text: str,
        *,
        title: str | None = None,
        format: str = "text",
        published_at: datetime | str | None = None,
        limit: int = 10,
    ) -> Provenance:
        """Where a text came from, without storing it (`POST /v1/provenance`)."""
        payload = _without_none(
            body=text, title=title, format=format, published_at=rfc3339(published_at), limit=limit
        )
        return Provenance.from_json(self._request("POST", "/v1/provenance", json=payload).json())

    def batch(self, articles: Iterable[Mapping[str, Any]]) -> BatchResult:
        """Store many articles in one request (at most the service's batch limit, 500 by default), in
        order; each gets its own status. Retried like a submission: only when every article has an id."""
        items = [_without_none(**{**a, "published_at": rfc3339(a.get("published_at"))}) for a in articles]
        body = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in items).encode("utf-8")
        response = self._request(
            "POST",
            "/v1/articles:batch",
            content=body,
            headers={"Content-Type": "application/x-ndjson"},
            idempotent=all(a.get("id") for a in items),
            timeout=self.batch_timeout,
        )
        data = response.json()
        return BatchResult(
            [BatchItem.from_json(i) for i in data["items"]], data["created"], data["existing"], data["failed"]
        )

    def list_articles(self, cursor: str | None = None, limit: int = 100) -> Page:
        """One page of the stored articles, with their text (`GET /v1/articles`)."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        data = self._request("GET", "/v1/articles", params=params).json()
        return Page([Article.from_json(a) for a in data["items"]], data["next_cursor"])

    def export(self, page_size: int = 500, cursor: str | None = None) -> Iterator[Article]:
        """Every stored article, with its text, following the listing's cursors to the end."""
        while True:
            page = self.list_articles(cursor, page_size)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    # ------------------------------------------------------------ watches (copy alerts)

    def create_watch(
        self,
        url: str,
        *,
        sources: Iterable[str] = (),
        ids: Iterable[str] = (),
        id_prefixes: Iterable[str] = (),
        relations: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Watch articles and be told at `url` when a new one derives from them. The answer holds the
        watch's `secret` (shown this once): verify each delivery's signature with it. Not retried."""
        payload: dict[str, Any] = {"url": url, "sources": list(sources), "ids": list(ids)}
        payload["id_prefixes"] = list(id_prefixes)
        if relations is not None:
            payload["relations"] = list(relations)
        return dict(self._request("POST", "/v1/watches", json=payload, idempotent=False).json())

    def watches(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/v1/watches").json()["items"])

    def watch(self, watch_id: str) -> dict[str, Any]:
        return dict(self._request("GET", "/v1/watches/" + quote(watch_id, safe="")).json())

    def delete_watch(self, watch_id: str) -> None:
        self._request("DELETE", "/v1/watches/" + quote(watch_id, safe=""))

    def deliveries(self, watch_id: str, limit: int = 50) -> dict[str, Any]:
        """The watch and its latest deliveries, newest first."""
        path = "/v1/watches/" + quote(watch_id, safe="") + "/deliveries"
        return dict(self._request("GET", path, params={"limit": limit}).json())

    # ------------------------------------------------------------ operations

    def health(self) -> bool:
        """True while the service process answers (`/healthz`); no retries."""
        return self._probe("/healthz")

    def ready(self) -> bool:
        """True when the service and its Redis answer (`/readyz`); no retries."""
        return self._probe("/readyz")

    def _probe(self, path: str) -> bool:
        try:
            return self._http.get(path).status_code == 200
        except httpx.HTTPError:
            return False

    # ------------------------------------------------------------ sending

    def _request(
        self, method: str, path: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send, retrying as the module docstring says; raise ProblemError for an error answer."""
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "DELETE", "PUT") or path == "/v1/provenance"
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as err:
                never_sent = isinstance(err, httpx.ConnectError | httpx.ConnectTimeout)
                if attempt < self.retries and (idempotent or never_sent):
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise Unreachable(f"{method} {self.base_url}{path}: {err or type(err).__name__}") from err
            retryable = response.status_code == 429 or (idempotent and response.status_code in RETRY_STATUSES)
            if retryable and attempt < self.retries:
                self._sleep(self._wait(response, attempt))
                attempt += 1
                continue
            if response.is_error:
                raise ProblemError.from_response(response)
            return response

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: a random wait up to backoff * 2^attempt (capped)."""
        return random.uniform(0, min(self.max_wait, self.backoff * 2**attempt))

    def _wait(self, response: httpx.Response, attempt: int) -> float:
        """The Retry-After the service asks for (seconds or an HTTP date), capped; else the backoff."""
        value = response.headers.get("Retry-After", "").strip()
        if value.isdigit():
            return min(float(value), self.max_wait)
        if value:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                when = when if when.tzinfo else when.replace(tzinfo=UTC)
                return max(0.0, min((when - datetime.now(UTC)).total_seconds(), self.max_wait))
        return self._backoff(attempt)


def _article_path(article_id: str) -> str:
    return "/v1/articles/" + quote(article_id, safe=ID_SAFE)


def _without_none(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}

"""The service layer: what the HTTP views call. One function per operation, no HTTP in here."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import quote

import redis
from marshmallow import ValidationError

from service.alerts.events import Alerts
from service.alerts.safety import UnsafeUrl, check_url
from service.alerts.watches import Watch, WatchStore
from service.config import Config
from service.detect import terms as term_view
from service.detect.align import Profile, signature
from service.detect.fingerprint import ALGORITHM, Fingerprints
from service.detect.text import EmptyTextError, Text, clean_text
from service.errors import ProblemError, not_found
from service.lineage import Lineage
from service.store import export
from service.store.index import Article, Command, Conflict, Index
from service.store.keys import Keys
from service.trace import Provenance, Query, Tracer

# Recipes (service/detect/fingerprint.py ALGORITHM) whose articles raised the document frequencies of
# their terms when added: fp6 introduced the term view.
COUNTING_ALGORITHMS = frozenset({"fp6"})


@dataclass
class Submitted:
    created: bool
    article: Article
    provenance: Provenance


class ProvenanceService:
    """Articles in, provenance out, over one Redis."""

    def __init__(self, client: redis.Redis | redis.RedisCluster, config: Config):
        self.config = config
        self.redis = client
        self.keys = Keys(config.key_prefix, config.partitions)
        self.index = Index(client, self.keys)
        self.tracer = Tracer(self.index, config.limits)
        self.watches = WatchStore(client, self.keys)
        self.alerts = Alerts(self.watches, self.keys)
        self.lineage = Lineage(self.index, self.tracer, self.keys, on_revised=self.alerts.for_revision)

    # ------------------------------------------------------------ preparing text

    def prepare(self, body: str, fmt: str) -> Text:
        """The clean text of a body; its length limit applies to the text, not to the HTML around it
        (the request size limit bounds that)."""
        try:
            text = clean_text(body, fmt)
        except EmptyTextError as err:
            raise ValidationError({"body": [str(err)]}) from None
        if len(text) > self.config.max_text_chars:
            raise ValidationError(
                {"body": [f"the text is longer than {self.config.max_text_chars} characters"]}
            )
        return Text(text)

    def fingerprints(self, text: Text) -> tuple[Fingerprints, tuple[Command, ...]]:
        """The fingerprints of a text asked about, from the cache (keyed by content hash and algorithm)
        when there, else computed, with the command that keeps them for PROVENANCE_FINGERPRINT_CACHE_TTL:
        a CMS checks a draft several times, then submits it. The caller sends that command with its
        lookup (Query.along), not in a round trip of its own; Redis refusing it (full: OOM, unable to
        persist, read-only) is logged, and the query still answered."""
        key = self._cache_key(text)
        cached = cast(bytes | None, self.redis.get(key))
        if cached:
            return Fingerprints.unpack(cached), ()
        fingerprints = Fingerprints.of(text)
        return fingerprints, (("SET", key, fingerprints.pack(), "EX", self.config.fingerprint_cache_ttl),)

    def _cache_key(self, text: Text) -> str:
        return self.keys.fingerprint_cache(ALGORITHM, hashlib.sha256(text.text.encode("utf-8")).hexdigest())

    def _stored_and_cached(self, article_id: str, text: Text) -> tuple[bool, Fingerprints | None]:
        """Whether the id is stored, and the text's cached fingerprints if any: one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hexists(self.keys.ids(article_id), article_id)
        pipe.get(self._cache_key(text))
        stored, cached = pipe.execute()
        return bool(stored), Fingerprints.unpack(cached) if cached else None

    # ------------------------------------------------------------ operations

    def submit(self, data: dict[str, Any]) -> Submitted:
        """Store an article (idempotent per id) and answer its provenance against earlier articles."""
        article_id = data.get("id") or uuid.uuid4().hex
        content_hash = content_hash_of(data)
        text = self.prepare(data["body"], data["format"])
        known, cached = self._stored_and_cached(article_id, text)
        existing = self.index.get(article_id) if known else None
        if existing is not None:
            return self._resubmitted(existing, content_hash, data, text)
        now = datetime.now(UTC)
        published_at = data.get("published_at") or now
        # The record holds a stored article's fingerprints: they are not cached again.
        fingerprints = cached or Fingerprints.of(text)
        profile = Profile(text)
        query = Query(profile, fingerprints, published_before=published_at, exclude=article_id)
        provenance, later = self.tracer.trace_with_later(query, later_than=published_at)
        # Its terms are chosen by the document frequencies its trace read (service/detect/terms.py).
        fingerprints = replace(fingerprints, terms=query.stored_terms(self.tracer.max_term_df()))
        article = self.article_of(
            data, article_id, text, fingerprints, profile, provenance, now, content_hash
        )
        events = self.alerts.for_ingest(article, provenance)  # queued with the article, atomically
        try:
            created, stored = self.index.add(article, query.counted_entries(), events)
        except Conflict as err:
            raise _conflict(err.existing, data, text) from None
        if not created:
            return Submitted(False, stored, self.provenance_of(stored))
        self.lineage.added(stored, later)
        return Submitted(True, stored, provenance)

    @staticmethod
    def article_of(
        data: dict[str, Any],
        article_id: str,
        text: Text,
        fingerprints: Fingerprints,
        profile: Profile,
        provenance: Provenance | None,
        now: datetime,
        content_hash: str,
    ) -> Article:
        """The article to store for a submission, with its lineage from `provenance` (none without)."""
        original = provenance.original if provenance else None
        return Article(
            id=article_id,
            text=text.text,
            fingerprints=fingerprints,
            content_hash=content_hash,
            published_at=data.get("published_at") or now,
            received_at=now,
            title=data.get("title"),
            source=data.get("source"),
            url=data.get("url"),
            author=data.get("author"),
            format=data["format"],
            original=original.article.id if original else None,
            original_ref=original.article.ref if original else None,
            verdict=provenance.verdict if provenance and original else None,
            score=provenance.score if provenance and original else None,
            signature=signature(profile),
        )

    def _resubmitted(
        self, existing: Article, content_hash: str, data: dict[str, Any], text: Text
    ) -> Submitted:
        if existing.content_hash != content_hash:
            raise _conflict(existing, data, text)
        return Submitted(False, existing, self.provenance_of(existing))

    def get(self, article_id: str) -> Article:
        article = self.index.get(article_id)
        if article is None:
            raise not_found(f"no article with id {article_id!r}")
        return article

    def delete(self, article_id: str) -> None:
        article = self.get(article_id)
        if not self.index.delete(article_id, self._counted(article)):
            raise not_found(f"no article with id {article_id!r}")
        self.lineage.deleted(article)

    def list_articles(self, cursor: str | None, limit: int) -> export.Page:
        """Stored articles with their text, in storage order, from an opaque cursor (a bad one: 422)."""
        try:
            return export.list_articles(self.index, cursor, limit)
        except export.BadCursor as err:
            raise ValidationError({"cursor": [str(err)]}) from None

    def provenance_of(self, article: Article) -> Provenance:
        """A stored article's provenance against the articles published before it."""
        return self.lineage.provenance_of(article)

    def stored_provenance(self, article_id: str) -> tuple[Article, Provenance, list[Article]]:
        """A stored article's provenance, and the stored articles that have it as their root original."""
        article = self.get(article_id)
        return article, self.provenance_of(article), self.lineage.derivatives(article)

    def trace(self, data: dict[str, Any]) -> Provenance:
        """Where a text came from, without storing it."""
        text = self.prepare(data["body"], data["format"])
        fingerprints, cache_write = self.fingerprints(text)
        return self.tracer.trace(
            Query(
                Profile(text),
                fingerprints,
                published_before=data.get("published_at"),
                limit=data["limit"],
                along=cache_write,
            )
        )

    def reindex(self, every: bool = False, lineage: bool = False) -> tuple[int, int]:
        """Recompute the fingerprints of stored articles made by another algorithm (all with `every`)
        from their stored text, and move their index entries; with `lineage`, also trace every article
        again and store its lineage. Returns (articles seen, articles changed).
        A maintenance task: it walks every id with HSCAN, so it is never run on a request path."""
        seen = changed = 0
        for article_id in self.index.iter_ids():
            article = self.index.get(article_id)
            seen += 1
            if article is None:
                continue
            moved = False
            if every or article.algorithm != ALGORITHM:
                # Computed afresh, not from the cache: the recipe may have changed under the same name.
                text = Text(article.text)
                article.signature = signature(Profile(text))
                fingerprints, counted = self._indexed(text, Fingerprints.of(text))
                moved = self.index.reindex(article, fingerprints, self._counted(article), counted)
                article = self.index.get(article_id) or article
            relined = lineage and self.lineage.revise(article)
            changed += bool(moved or relined)
        return seen, changed

    def _counted(self, article: Article) -> bytes:
        """The terms whose document frequency a stored article raised when it was added: those of its
        text, for an article of a recipe that counts them (COUNTING_ALGORITHMS), else none."""
        if article.algorithm not in COUNTING_ALGORITHMS:
            return b""
        return b"".join(
            term_view.df_entry(term) for _, term, _ in term_view.counted_terms(Text(article.text))
        )

    def _indexed(self, text: Text, fingerprints: Fingerprints) -> tuple[Fingerprints, bytes]:
        """A text's fingerprints with the terms it is indexed by, chosen by the index's document
        frequencies (one round trip), and the terms whose frequency it raises."""
        counted = term_view.counted_terms(text)
        entries = [term_view.df_entry(term) for _, term, _ in counted]
        articles, df = self.index.document_frequencies(entries)
        frequencies = {term: n for (_, term, _), n in zip(counted, df, strict=True) if n}
        chosen = term_view.select(
            counted, frequencies, articles, term_view.INDEXED_TERMS, self.tracer.max_term_df(), False
        )
        return replace(fingerprints, terms=chosen), b"".join(entries)

    # ------------------------------------------------------------ copy alerts

    def create_watch(self, data: dict[str, Any]) -> Watch:
        """A new watch (its secret is answered this once). Its URL must be one the workers may deliver to."""
        try:
            check_url(data["url"], self.config.alerts.allow_private)
        except UnsafeUrl as err:
            raise ValidationError({"url": [str(err)]}) from None
        return self.watches.create(
            data["url"], data["sources"], data["ids"], data["id_prefixes"], data["relations"]
        )

    def get_watch(self, watch_id: str) -> Watch:
        watch = self.watches.get(watch_id)
        if watch is None:
            raise not_found(f"no watch with id {watch_id!r}")
        return watch

    def list_watches(self) -> list[Watch]:
        return self.watches.all()

    def delete_watch(self, watch_id: str) -> None:
        if not self.watches.delete(watch_id):
            raise not_found(f"no watch with id {watch_id!r}")

    def deliveries(self, watch_id: str, limit: int) -> tuple[Watch, list[dict[str, str]]]:
        """A watch and its latest deliveries, newest first."""
        return self.get_watch(watch_id), self.watches.deliveries(watch_id, limit)

    def alert_stats(self) -> tuple[dict[str, int], dict[str, int]]:
        """Deliveries by outcome since the store began, and the events waiting (new: not yet attempted or
        in their first attempt; retrying: waiting for a next attempt), read from Redis at scrape time."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self.keys.alert_stats())
        for partition in range(self.keys.partitions):
            pipe.xlen(self.keys.events(partition))
            pipe.zcard(self.keys.retries(partition))
        counts, *depths = pipe.execute()
        outcomes = {k.decode(): int(v) for k, v in counts.items()}
        return outcomes, {"new": sum(depths[0::2]), "retrying": sum(depths[1::2])}

    def ready(self) -> bool:
        try:
            return bool(self.redis.ping())
        except (redis.ConnectionError, redis.TimeoutError, redis.exceptions.RedisClusterException):
            return False


def content_hash_of(data: dict[str, Any]) -> str:
    """What makes two submissions of one id "the same content": every field the caller sent, bar the id.
    A published_at left out (it defaults to the time of receipt) does not count."""
    fields = {k: v for k, v in data.items() if k != "id" and v is not None}
    if "published_at" in fields:
        fields["published_at"] = fields["published_at"].astimezone(UTC).isoformat()
    fields.setdefault("format", "text")
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[
        :32
    ]


def _conflict(existing: Article, data: dict[str, Any], text: Text) -> ProblemError:
    """409: the id is taken by other content. Says which fields differ (also as `differs`, for programs)
    and how to replace the article, since an id is never overwritten by a submission."""
    differs = differing_fields(existing, data, text)
    path = "/v1/articles/" + quote(existing.id, safe="/:~._-")
    return ProblemError(
        409,
        "Conflict",
        f"article {existing.id!r} exists with different content ({', '.join(differs)} "
        f"{'differs' if len(differs) == 1 else 'differ'}); to replace "
        f"it, DELETE {path}, then submit it again",
        slug="conflict",
        differs=differs,
    )


# The fields of a submission, in the order the API lists them.
SUBMITTED_FIELDS = ("title", "body", "format", "url", "source", "author", "published_at")


def differing_fields(existing: Article, data: dict[str, Any], text: Text) -> list[str]:
    """The fields of a submission that are not the stored article's. The body is compared by its clean
    text (the stored article keeps no other); a body whose text is the same but whose markup or spacing
    is not still counts as a different body when nothing else explains the other content hash. An
    absent published_at matches a stored article that had none (its time of receipt)."""
    sent = {name: data.get(name) for name in ("title", "url", "source", "author")}
    sent["format"] = data.get("format") or "text"
    differs = {name for name, value in sent.items() if value != getattr(existing, name)}
    reformatted = sent["format"] != existing.format
    if text.text != existing.text and not (reformatted and _same_body_in_its_format(data["body"], existing)):
        differs.add("body")
    published = data.get("published_at")
    if published is None:
        if existing.published_at != existing.received_at:
            differs.add("published_at")
    elif published.astimezone(UTC) != existing.published_at.astimezone(UTC):
        differs.add("published_at")
    return [name for name in SUBMITTED_FIELDS if name in differs] or ["body"]


def _same_body_in_its_format(body: str, existing: Article) -> bool:
    """Whether a body sent in another format is the stored one: read in the stored article's format, it
    gives the stored text (so only `format` differs)."""
    try:
        return clean_text(body, existing.format) == existing.text
    except EmptyTextError:
        return False

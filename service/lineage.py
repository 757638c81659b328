"""Lineage kept at ingest: each stored article's root original, verdict and score, and per root the set
of stored articles that derive from it.

Articles arrive out of order (backfills) and are deleted, so lineage is revised:
- after an article is added, stored articles published after it that share fingerprints with it are
  traced again: the newcomer may be their (earlier) original;
- after an article is deleted, the articles that named it as their root are traced again.
A revised article hands its own derivatives on to its new root when it derives from that root as a whole.
These writes follow the article's own atomic write. If they are cut short (the process dies between
them), the article itself is stored and traceable, and its lineage is corrected by the next revision
that reaches it or by `provenance reindex --lineage`, which traces every article again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import cast

from service.detect.compare import WHOLE
from service.store.index import Article, Event, Index, Ref
from service.store.keys import Keys
from service.trace import Provenance, Query, Tracer

log = logging.getLogger(__name__)


# The events a revision triggers (service/alerts/events.py `for_revision`): given the revised article and
# its new provenance, those to queue with its new lineage.
OnRevised = Callable[[Article, Provenance], Sequence[Event]]


class Lineage:
    def __init__(self, index: Index, tracer: Tracer, keys: Keys, on_revised: OnRevised | None = None):
        self.index = index
        self.tracer = tracer
        self.keys = keys
        self.on_revised = on_revised

    def provenance_of(self, article: Article) -> Provenance:
        """A stored article's provenance against the articles published before it. Its profile comes from
        the tracer's cache of stored articles' profiles, where it often is already (and stays for the next
        revision or verification that reads it)."""
        return self.tracer.trace(
            Query(
                self.tracer.profile_of(article),
                article.fingerprints,
                published_before=article.published_at,
                exclude=article.id,
            )
        )

    def _refs(self, key: str) -> list[Ref]:
        return [Ref.unpack(int(m)) for m in cast(set[bytes], self.index.redis.smembers(key))]

    def _in_order(self, refs: list[Ref]) -> list[Article]:
        return sorted(self.index.articles(refs).values(), key=lambda a: (a.published_at, a.id))

    def _key(self, ref: Ref) -> str:
        return self.keys.derivatives(ref.partition, ref.number)

    def derivatives(self, original: Article) -> list[Article]:
        return self._in_order(self._refs(self._key(original.ref))) if original.ref else []

    def added(self, article: Article, later: list[Ref]) -> None:
        """Record a new article under its root, then revise the later articles (found with the same
        lookup that traced it) that it may be the original of."""
        if article.original_ref and article.ref:
            self.index.redis.sadd(self._key(article.original_ref), article.ref.pack())
        revisable = [a for a in self._in_order(later) if a.id != article.id]
        for stored in revisable:
            self.revise(stored)

    def deleted(self, article: Article) -> None:
        """Forget a deleted article: out of its root's set; its derivatives find their roots again."""
        if article.ref is None:
            return
        if article.original_ref:
            self.index.redis.srem(self._key(article.original_ref), article.ref.pack())
        key = self._key(article.ref)
        orphans = self._refs(key)
        self.index.redis.delete(key)
        for stored in self._in_order(orphans):
            self.revise(stored, forget=True)

    def revise(self, article: Article, forget: bool = False) -> bool:
        """Trace a stored article again and store its lineage if it changed. True when it did."""
        answer = self.provenance_of(article)
        root = answer.original.article if answer.original else None
        verdict = answer.verdict if root else None
        score = answer.score if root else None
        if not forget and (root.id if root else None, verdict) == (article.original, article.verdict):
            return False
        if article.ref is None:
            return False
        root_ref = root.ref if root else None
        # A new original (a backfill, a deleted original's successor) may be a watched article.
        new_root = root is not None and root.id != article.original
        events = self.on_revised(article, answer) if new_root and self.on_revised else ()
        root_id = root.id if root else None
        if not self.index.set_lineage(article.ref, root_ref, root_id, verdict, score, events):
            return False  # deleted meanwhile
        redis = self.index.redis
        if article.original_ref and article.original_ref != root_ref:
            redis.srem(self._key(article.original_ref), article.ref.pack())
        if root_ref:
            redis.sadd(self._key(root_ref), article.ref.pack())
            if verdict in WHOLE:
                self._hand_on(article, article.published_at)
        log.info("lineage of %s: %s (%s)", article.id, root.id if root else None, verdict)
        return True

    def _hand_on(self, article: Article, since: datetime) -> None:
        """Articles that named `article` as their root reach a root through it now: trace them again
        (their verdict is relative to their root, so it may change too)."""
        if article.ref is None:
            return
        for derived in self._in_order(self._refs(self._key(article.ref))):
            if derived.published_at >= since:
                self.revise(derived)

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
from datetime import datetime
from typing import cast

from service.compare import WHOLE
from service.index import Article, Index
from service.keys import Keys
from service.provenance import Provenance, Query, Tracer
from service.text import Text

log = logging.getLogger(__name__)


class Lineage:
    def __init__(self, index: Index, tracer: Tracer, keys: Keys):
        self.index = index
        self.tracer = tracer
        self.keys = keys

    def provenance_of(self, article: Article) -> Provenance:
        """A stored article's provenance against the articles published before it."""
        return self.tracer.trace(
            Query(
                Text(article.text),
                article.fingerprints,
                published_before=article.published_at,
                exclude=article.id,
            )
        )

    def _members(self, key: str) -> set[bytes]:
        return cast(set[bytes], self.index.redis.smembers(key))

    def derivatives(self, original_id: str) -> list[Article]:
        ids = sorted(m.decode("utf-8") for m in self._members(self.keys.derivatives(original_id)))
        found = self.index.get_many_by_id(ids)
        return sorted(found.values(), key=lambda a: (a.published_at, a.id))

    def added(self, article: Article) -> None:
        """Record a new article under its root, then revise later articles it may be the original of."""
        if article.original:
            self.index.redis.sadd(self.keys.derivatives(article.original), article.id)
        later = self.tracer.later_candidates(article.fingerprints, article.published_at)
        if later:
            revisable = [a for a in self.index.articles(later).values() if a.id != article.id]
            for stored in sorted(revisable, key=lambda a: (a.published_at, a.id)):
                self.revise(stored)

    def deleted(self, article: Article) -> None:
        """Forget a deleted article: out of its root's set; its derivatives find their roots again."""
        if article.original:
            self.index.redis.srem(self.keys.derivatives(article.original), article.id)
        key = self.keys.derivatives(article.id)
        orphans = sorted(m.decode("utf-8") for m in self._members(key))
        self.index.redis.delete(key)
        for stored in sorted(
            self.index.get_many_by_id(orphans).values(), key=lambda a: (a.published_at, a.id)
        ):
            self.revise(stored, forget=article.id)

    def revise(self, article: Article, forget: str | None = None) -> bool:
        """Trace a stored article again and store its lineage if it changed. True when it did."""
        answer = self.provenance_of(article)
        original = answer.original.article.id if answer.original else None
        verdict = answer.verdict if original else None
        score = answer.score if original else None
        if (original, verdict) == (article.original, article.verdict) and forget is None:
            return False
        if article.ref is None or not self.index.set_lineage(article.ref, original, verdict, score):
            return False  # deleted meanwhile
        redis = self.index.redis
        if article.original and article.original != original:
            redis.srem(self.keys.derivatives(article.original), article.id)
        if original:
            redis.sadd(self.keys.derivatives(original), article.id)
            if verdict in WHOLE:
                self._hand_on(article.id, original, article.published_at)
        log.info("lineage of %s: %s (%s)", article.id, original, verdict)
        return True

    def _hand_on(self, article_id: str, root: str, since: datetime) -> None:
        """Articles that named `article_id` as their root reach `root` through it now: trace them again
        (their verdict is relative to their root, so it may change too)."""
        key = self.keys.derivatives(article_id)
        members = sorted(m.decode("utf-8") for m in self._members(key))
        for derived in sorted(
            self.index.get_many_by_id(members).values(), key=lambda a: (a.published_at, a.id)
        ):
            if derived.published_at >= since:
                self.revise(derived)

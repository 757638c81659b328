"""The `derivative.detected` events of a provenance: built before the write that stores the article (or
its revised lineage), which queues them in the same script, so an event exists exactly when its article
does (service/store/scripts.py).

An ingest (a submission, a batch item) triggers a watch when its provenance names a watched article, as
its original or as one of its matches, with a relation the watch asks for: one event per watch, about
the first such article (the original, then the matches best first). A backfill triggers a watch when the
revision of a stored article makes a watched article its original (service/lineage.py `revise`).

The payload is Standard Webhooks' `{"type", "timestamp", "data"}`; `data` names the new article, the
watched original, the relation, the score and the evidence, with the text of each passage (cut to
EXCERPT characters; at most PASSAGES passages). The event's id is made here and sent as `webhook-id` at
every attempt, so a receiver can drop a repeat.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from service.detect.compare import Passage
from service.store.index import Article, Event
from service.store.keys import Keys

from .watches import Watch, Watched, WatchStore

EVENT_TYPE = "derivative.detected"
EXCERPT = 500  # characters of each side of a passage
PASSAGES = 50  # passages per event: a duplicate of a long article aligns every sentence


class MatchLike(Protocol):
    """What an event needs of a match of service/trace.py (alerts sits below the tracer)."""

    @property
    def article(self) -> Article: ...
    @property
    def relation(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def passages(self) -> Sequence[Passage]: ...
    @property
    def quotes(self) -> Sequence[str]: ...
    @property
    def via(self) -> str | None: ...


class ProvenanceLike(Protocol):
    @property
    def original(self) -> MatchLike | None: ...
    @property
    def matches(self) -> Sequence[MatchLike]: ...


class Alerts:
    """Matches provenances to watches and makes their events."""

    def __init__(self, store: WatchStore, keys: Keys):
        self.store = store
        self.keys = keys

    def for_ingest(self, article: Article, provenance: ProvenanceLike) -> list[Event]:
        """The events a new article triggers (before it is stored: the caller queues them with it)."""
        named = _named(provenance)
        if not named:
            return []  # most ingests: no stored article is named, and no watch is read
        watched = self.store.watched()
        if not watched:
            return []
        events: dict[str, Event] = {}
        for match in named:
            for watch in watched.of(match.article.id, match.article.source):
                if watch.id not in events and match.relation in watch.relations:
                    events[watch.id] = self._event(watch, article, match, "ingest")
        return list(events.values())

    def for_revision(self, article: Article, provenance: ProvenanceLike) -> list[Event]:
        """The events of a stored article whose original a revision changed to `provenance.original`."""
        original = provenance.original
        if original is None:
            return []
        watched: Watched = self.store.watched()
        return [
            self._event(watch, article, original, "backfill")
            for watch in watched.of(original.article.id, original.article.source)
            if original.relation in watch.relations
        ]

    @staticmethod
    def _event(watch: Watch, article: Article, match: MatchLike, trigger: str) -> Event:
        at = time.time()
        event_id = f"evt_{uuid.uuid4().hex}"
        body = payload(watch.id, article, match, trigger, at)
        return Event(event_id, watch.id, at, body)


def _named(provenance: ProvenanceLike) -> list[MatchLike]:
    """The original, then the matches best first, each article once."""
    seen: set[str] = set()
    out = []
    for match in [provenance.original, *provenance.matches]:
        if match is not None and match.relation != "none" and match.article.id not in seen:
            seen.add(match.article.id)
            out.append(match)
    return out


def payload(watch_id: str, article: Article, match: MatchLike, trigger: str, at: float) -> bytes:
    """The JSON body of an event, as it is signed and sent."""
    original = match.article
    body = {
        "type": EVENT_TYPE,
        "timestamp": _iso(datetime.fromtimestamp(at, UTC)),
        "data": {
            "watch_id": watch_id,
            "trigger": trigger,
            "article": _article(article),
            "original": _article(original),
            "relation": match.relation,
            "score": match.score,
            "via": match.via,
            "evidence": {
                "passages": [_passage(p, article.text, original.text) for p in match.passages[:PASSAGES]],
                "passages_total": len(match.passages),
                "quotes": list(match.quotes),
            },
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _article(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published_at": _iso(article.published_at),
    }


def _passage(passage: Passage, text: str, original: str) -> dict[str, Any]:
    return {
        "article_start": passage.query_start,
        "article_end": passage.query_end,
        "original_start": passage.match_start,
        "original_end": passage.match_end,
        "kind": passage.kind,
        "similarity": passage.similarity,
        "article_text": text[passage.query_start : passage.query_end][:EXCERPT],
        "original_text": original[passage.match_start : passage.match_end][:EXCERPT],
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

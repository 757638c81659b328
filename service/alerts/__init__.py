"""Copy alerts: watches, the events an ingest or a backfill queues for them, and their delivery by webhook.

- watches.py: what a newsroom watches (ids, id prefixes, sources) and where to tell it; the per-process
  index that matches articles to watches without reading every watch per ingest.
- events.py: the `derivative.detected` events of a provenance, built before the article's write, which
  queues them in the same script (service/store/scripts.py ADD_ARTICLE, SET_LINEAGE).
- safety.py: which URLs and addresses may be delivered to (no server-side request forgery).
- delivery.py: one signed delivery (Standard Webhooks), bounded in time and bytes.
- scripts.py: the workers' Lua (moving an event between stream, retry schedule and delivery log).
- worker.py: the delivery workers: the event streams' consumer group, retries with backoff, the
  delivery log, disabling a watch that keeps failing.
- supervise.py: the worker process `provenance serve` runs beside gunicorn.
"""

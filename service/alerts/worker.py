"""The delivery worker (`provenance worker`): takes events from the partitions' streams with a consumer
group, delivers them (delivery.py), retries failures with exponential backoff for `retry_for` (a day by
default), keeps each watch's delivery log, and disables a watch that has failed for as long.

At least once: an event leaves Redis only after an attempt's outcome is written (service/alerts/scripts.py
says how it moves), so a worker killed mid-delivery leaves it to another worker (or to itself, restarted):
a stream entry is claimed (XAUTOCLAIM) once it has been pending `claim_after` seconds, a retry comes due
again when its lease ends. The receiver then gets the same event again, with the same `webhook-id`.

Asynchronous (asyncio): up to `concurrency` deliveries in flight, each under its own deadline, so a slow
receiver delays only its own events. Several workers may run against one Redis; they share the work.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx
import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from service.config import AlertSettings, Config
from service.store.keys import Keys

from . import scripts
from .delivery import Result, deliver, http_client
from .watches import LOG_SIZE, Watch

log = logging.getLogger(__name__)

GROUP = "deliver"
POLL = 1.0  # seconds a worker waits for new events before it looks at the retries again
OUTCOMES = ("delivered", "retried", "failed", "dropped")


@dataclass
class Job:
    """An event to attempt: from a partition's stream (`entry`) or leased from its retries (`lease`)."""

    partition: int
    event_id: str
    watch_id: str
    at: float
    payload: bytes
    attempts: int = 0
    entry: str = ""
    lease: float | None = None

    def state(self) -> str:
        """The event as the outbox keeps it between attempts."""
        return json.dumps(
            {
                "id": self.event_id,
                "watch": self.watch_id,
                "at": self.at,
                "attempts": self.attempts,
                "payload": self.payload.decode("utf-8"),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_state(cls, partition: int, raw: bytes, lease: float) -> Job:
        state = json.loads(raw)
        return cls(
            partition,
            state["id"],
            state["watch"],
            float(state["at"]),
            state["payload"].encode("utf-8"),
            int(state["attempts"]),
            lease=lease,
        )

    @classmethod
    def from_entry(cls, partition: int, entry: str, fields: dict[bytes, bytes]) -> Job:
        return cls(
            partition,
            fields[b"id"].decode(),
            fields[b"watch"].decode(),
            float(fields[b"at"]),
            fields[b"payload"],
            entry=entry,
        )


def backoff(attempts: int, settings: AlertSettings) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: retry_base, doubling, at most retry_max,
    plus up to a fifth at random so that many events of one receiver that comes back do not all return at
    once. With the defaults (30 s, 4 h) the waits are 30 s, 1, 2, 4 ... 128 min, then 4 h: the attempts
    of a day number about 14."""
    wait = min(settings.retry_base * 2 ** min(attempts - 1, 60), settings.retry_max)
    return wait * random.uniform(1.0, 1.2)


class Worker:
    def __init__(
        self,
        client: aioredis.Redis | aioredis.RedisCluster,
        keys: Keys,
        settings: AlertSettings,
        name: str | None = None,
    ):
        self.redis = client
        self.keys = keys
        self.settings = settings
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.cluster = isinstance(client, aioredis.RedisCluster)
        self._lease = client.register_script(scripts.LEASE_DUE)
        self._to_retry = client.register_script(scripts.TO_RETRY)
        self._finish = client.register_script(scripts.FINISH)
        self._record = client.register_script(scripts.RECORD)
        self._http: httpx.AsyncClient | None = None

    # ------------------------------------------------------------ the loop

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then finish the deliveries in flight (each bounded in time)."""
        self._http = http_client(self.settings.connect_timeout, self.settings.timeout)
        inflight: set[asyncio.Task[None]] = set()
        next_claim = 0.0
        try:
            await self.ensure_groups()
            log.info("delivery worker %s started", self.name)
            while not stop.is_set():
                free = self.settings.concurrency - len(inflight)
                if free <= 0:
                    await asyncio.wait(inflight, timeout=POLL, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    jobs: list[Job] = []
                    if time.monotonic() >= next_claim:
                        jobs += await self.claim_stale(free)
                        next_claim = time.monotonic() + self.settings.claim_after / 4
                    jobs += await self.lease_due(free - len(jobs))
                    if len(jobs) < free:
                        jobs += await self.read_new(free - len(jobs), None if jobs else await self._idle())
                except ResponseError as err:
                    if "NOGROUP" not in str(err):
                        raise
                    await self.ensure_groups()  # the stream was deleted under us (a flushed Redis)
                    continue
                except (RedisError, OSError) as err:
                    log.warning("delivery worker: Redis: %s; trying again in %.0f s", err, POLL)
                    await asyncio.sleep(POLL)
                    continue
                for job in jobs:
                    task = asyncio.create_task(self._guarded(job))
                    inflight.add(task)
                    task.add_done_callback(inflight.discard)
        finally:
            if inflight:
                await asyncio.wait(inflight)
            await self._http.aclose()
            log.info("delivery worker %s stopped", self.name)

    async def ensure_groups(self) -> None:
        """The consumer group on every partition's stream (made with the stream when there is none yet),
        reading from the stream's start: events queued before any worker ran are delivered too."""
        for partition in range(self.keys.partitions):
            try:
                await self.redis.xgroup_create(self.keys.events(partition), GROUP, id="0", mkstream=True)
            except ResponseError as err:
                if "BUSYGROUP" not in str(err):
                    raise

    async def _idle(self) -> int:
        """Milliseconds to wait for new events: until the next retry is due, at most POLL."""
        pipe = self.redis.pipeline(transaction=False)
        for partition in range(self.keys.partitions):
            pipe.zrange(self.keys.retries(partition), 0, 0, withscores=True)
        due = [first[0][1] for first in await pipe.execute() if first]
        wait = min([POLL, *(d - time.time() for d in due)])
        return max(1, int(wait * 1000))

    async def read_new(self, count: int, block_ms: int | None) -> list[Job]:
        """New events of the streams (XREADGROUP), blocking up to `block_ms` for the first."""
        streams = {self.keys.events(p): ">" for p in range(self.keys.partitions)}
        if self.cluster:  # streams of several slots cannot be read in one command on a cluster
            replies: list[Any] = []
            for stream in streams:
                read = await self.redis.xreadgroup(GROUP, self.name, {stream: ">"}, count=count)
                replies += cast(list[Any], read or [])
            if not replies and block_ms:
                await asyncio.sleep(block_ms / 1000)
        else:
            read = await self.redis.xreadgroup(GROUP, self.name, streams, count=count, block=block_ms)  # type: ignore[arg-type]
            replies = cast(list[Any], read or [])
        partition_of = {self.keys.events(p): p for p in range(self.keys.partitions)}
        jobs = []
        for stream, entries in replies:
            name = stream.decode() if isinstance(stream, bytes) else stream
            for entry, fields in entries:
                if fields:
                    jobs.append(Job.from_entry(partition_of[name], entry.decode(), fields))
        return jobs[:count] if self.cluster else jobs

    async def claim_stale(self, count: int) -> list[Job]:
        """Events another worker started and did not finish within `claim_after` (it died)."""
        jobs: list[Job] = []
        idle_ms = int(self.settings.claim_after * 1000)
        for partition in range(self.keys.partitions):
            if len(jobs) >= count:
                break
            reply = await self.redis.xautoclaim(
                self.keys.events(partition), GROUP, self.name, idle_ms, "0-0", count=count - len(jobs)
            )
            for entry, fields in reply[1]:
                if fields:
                    jobs.append(Job.from_entry(partition, entry.decode(), fields))
                    log.info("event %s taken over from a worker that did not finish it", jobs[-1].event_id)
        return jobs

    async def lease_due(self, count: int) -> list[Job]:
        """Retries that are due, leased to this worker for `claim_after` seconds."""
        jobs: list[Job] = []
        for partition in range(self.keys.partitions):
            if len(jobs) >= count:
                break
            now = time.time()
            lease = now + self.settings.claim_after
            keys = [self.keys.retries(partition), self.keys.outbox(partition)]
            states = await self._lease(keys=keys, args=[repr(now), repr(lease), count - len(jobs)])
            jobs += [Job.from_state(partition, raw, lease) for raw in states]
        return jobs

    # ------------------------------------------------------------ one event

    async def _guarded(self, job: Job) -> None:
        try:
            await self.handle(job)
        except (RedisError, OSError) as err:
            # Left where it was: the stream entry is claimed, the lease runs out, and it is tried again.
            log.warning("event %s not settled (Redis: %s); it will be tried again", job.event_id, err)
        except Exception:
            log.exception("event %s: unexpected error; it will be tried again", job.event_id)

    async def handle(self, job: Job) -> None:
        """Attempt one event and write what happened."""
        watch = await self._watch(job.watch_id)
        if watch is None:
            await self._settle(self._finish, job)
            await self._count("dropped")
            log.info("event %s dropped: its watch %s is gone", job.event_id, job.watch_id)
            return
        if not watch.active:
            await self._settle(self._finish, job)
            disabled = Result(False, None, "the watch is disabled")
            await self._write(job, watch, "failed", disabled, job.attempts)
            await self._count("dropped")
            return
        assert self._http is not None
        result = await deliver(
            self._http,
            watch.url,
            watch.secret,
            job.event_id,
            job.payload,
            timeout=self.settings.timeout,
            allow_private=self.settings.allow_private,
        )
        attempts = job.attempts + 1
        if result.ok:
            await self._settle(self._finish, job)
            await self._write(job, watch, "delivered", result, attempts)
            await self._count("delivered")
        elif time.time() - job.at >= self.settings.retry_for:
            await self._settle(self._finish, job)
            await self._write(job, watch, "failed", result, attempts)
            await self._count("failed")
        else:
            due = time.time() + backoff(attempts, self.settings)
            job.attempts = attempts
            if not await self._schedule(job, due):
                return  # another worker took it over meanwhile: its outcome is the one logged
            await self._write(job, watch, "retrying", result, attempts, due)
            await self._count("retried")
        log.info(
            "event %s to watch %s: %s after %d attempts%s",
            job.event_id,
            watch.id,
            "delivered" if result.ok else "failed",
            attempts,
            f" ({result.error})" if result.error else "",
        )

    async def _watch(self, watch_id: str) -> Watch | None:
        raw = cast(dict[bytes, bytes], await self.redis.hgetall(self.keys.watch(watch_id)))
        return Watch.from_fields(watch_id, raw) if raw else None

    def _queue_keys(self, job: Job) -> list[str]:
        p = job.partition
        return [self.keys.events(p), self.keys.retries(p), self.keys.outbox(p)]

    async def _settle(self, script: Callable[..., Awaitable[Any]], job: Job) -> None:
        await script(keys=self._queue_keys(job), args=[GROUP, job.entry, job.event_id])

    async def _schedule(self, job: Job, due: float) -> bool:
        lease = "" if job.entry else repr(job.lease)
        args = [GROUP, job.entry, job.event_id, repr(due), job.state(), lease]
        return bool(await self._to_retry(keys=self._queue_keys(job), args=args))

    async def _write(
        self, job: Job, watch: Watch, status: str, result: Result, attempts: int, due: float | None = None
    ) -> None:
        """The attempt in the watch's delivery log; disabling the watch when it has failed too long."""
        now = time.time()
        data = json.loads(job.payload).get("data", {})
        fields = {
            "status": status,
            "attempts": str(attempts),
            "created_at": repr(job.at),
            "last_attempt_at": repr(now) if attempts else "",
            "next_attempt_at": repr(due) if due else "",
            "last_status": str(result.status) if result.status is not None else "",
            "last_error": result.error or "",
            "article_id": data.get("article", {}).get("id", ""),
            "original_id": data.get("original", {}).get("id", ""),
            "relation": data.get("relation", ""),
            "trigger": data.get("trigger", ""),
        }
        if status == "delivered":
            fields["delivered_at"] = repr(now)
        reason = f"deliveries have failed for {self.settings.retry_for:g} s; the last: {result.error}"
        keys = [self.keys.watch(watch.id), self.keys.deliveries(watch.id)]
        keys.append(self.keys.delivery(watch.id, job.event_id))
        args: list[str | int] = [job.event_id, repr(job.at), repr(now), "1" if result.ok else "0"]
        args += [repr(self.settings.retry_for), LOG_SIZE, self.keys.delivery_prefix(watch.id), reason]
        args += [value for pair in fields.items() for value in pair]
        outcome = await self._record(keys=keys, args=args)
        if outcome == b"disabled":
            await self.redis.incr(self.keys.watches_version())  # every process reads the watches again
            log.warning("watch %s disabled: %s", watch.id, reason)

    async def _count(self, outcome: str) -> None:
        await self.redis.hincrby(self.keys.alert_stats(), outcome, 1)


# ------------------------------------------------------------ the process


def async_client(config: Config) -> aioredis.Redis | aioredis.RedisCluster:
    """An asyncio client for REDIS_URL (as service/app.py's), whose reads outlast a blocking XREADGROUP."""
    if not config.redis_url:
        raise RuntimeError("REDIS_URL is not set: the worker needs the service's Redis")
    timeout = max(config.redis_socket_timeout, POLL + 2)
    if config.redis_url.startswith(("redis+cluster://", "rediss+cluster://")):
        return aioredis.RedisCluster.from_url(
            config.redis_url.replace("+cluster", "", 1),
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
    return aioredis.Redis.from_url(config.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)


def run(config: Config) -> None:
    """Run one worker until SIGTERM or SIGINT (then the deliveries in flight finish)."""
    asyncio.run(_main(config))


async def _main(config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    client = async_client(config)
    try:
        await Worker(client, Keys(config.key_prefix, config.partitions), config.alerts).run(stop)
    finally:
        await client.aclose()

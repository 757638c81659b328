"""One webhook delivery, as the Standard Webhooks specification says: a POST of the JSON payload with the
`webhook-id` (the event's, the same at every attempt), `webhook-timestamp` (this attempt's, in epoch
seconds) and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the
watch's secret, made by the `standardwebhooks` package) headers. A 2xx answer acknowledges it; anything
else, a redirect included (none is followed), is a failure to retry.

A receiver cannot make the worker hang: the whole delivery (name lookup, connection, TLS, request,
answer) runs under one deadline (`timeout`), with a shorter one for the connection, and at most
MAX_ANSWER bytes of the answer are read. The connection goes to the address safety.py checked, with the
URL's host name in the Host header and for TLS (SNI and the certificate check), so a DNS answer that
changes after the check cannot send the request elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook

from .safety import IpAddress, UnsafeUrl, non_public

MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer read; the rest is not waited for
USER_AGENT = "Provenance-Webhooks/1"


@dataclass(frozen=True)
class Result:
    ok: bool
    status: int | None  # the HTTP status, None when there was no answer
    error: str | None  # why it failed, for the delivery log (never the secret)


def signed_headers(secret: str, event_id: str, body: bytes, now: datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    moment = now or datetime.now(UTC)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, moment, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


async def deliver(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    event_id: str,
    body: bytes,
    *,
    timeout: float,
    allow_private: bool,
) -> Result:
    """POST one event to `url` and say how it went; never raises for what the receiver does."""
    try:
        async with asyncio.timeout(timeout):
            return await _post(client, url, secret, event_id, body, allow_private)
    except TimeoutError:
        return Result(False, None, f"no answer within {timeout:g} s")
    except UnsafeUrl as err:
        return Result(False, None, f"refused: {err}")
    except httpx.HTTPError as err:
        return Result(False, None, f"{type(err).__name__}: {err}"[:500])
    except OSError as err:
        return Result(False, None, f"{type(err).__name__}: {err}"[:500])


async def _post(
    client: httpx.AsyncClient, url: str, secret: str, event_id: str, body: bytes, allow_private: bool
) -> Result:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = await _checked_address(host, port, allow_private)
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    headers = signed_headers(secret, event_id, body)
    headers["host"] = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    async with client.stream("POST", target, content=body, headers=headers, extensions=extensions) as answer:
        read = 0
        async for chunk in answer.aiter_raw():
            read += len(chunk)
            if read >= MAX_ANSWER:
                break
    if 200 <= answer.status_code < 300:
        return Result(True, answer.status_code, None)
    if 300 <= answer.status_code < 400:
        return Result(False, answer.status_code, f"HTTP {answer.status_code}: redirects are not followed")
    return Result(False, answer.status_code, f"HTTP {answer.status_code}")


async def _checked_address(host: str, port: int, allow_private: bool) -> IpAddress:
    """The address to connect to: the host's first, once every address it has passed the checks."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise UnsafeUrl(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            reason = non_public(address)
            if reason:
                said = f"{address} is {reason}"
                if host.strip("[]") != str(address):
                    said = f"{host} resolves to {address}, {reason}"
                raise UnsafeUrl(f"{said}; private addresses are not allowed")
    return addresses[0]


def http_client(connect_timeout: float, timeout: float) -> httpx.AsyncClient:
    """The worker's HTTP client: no redirects, no proxies from the environment (they would bypass the
    address checks), per-phase timeouts under the delivery's own deadline."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        # No connection is kept: the pool keys connections by address, and two hosts on one address must
        # not share a TLS connection checked for one of them.
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=0),
    )

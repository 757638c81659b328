"""Where a webhook may be delivered: public addresses only, unless the operator allows private ones.

A watch's URL is chosen by whoever holds a write key; without these checks the delivery worker would
POST to whatever it names: the Redis on 127.0.0.1, a cloud's metadata service on 169.254.169.254, an
admin page on the private network (server-side request forgery). So:
- at creation, the URL must be http(s), without credentials, and its host must not be a non-public
  address literal or a name for this machine (`localhost`);
- at delivery, the host is resolved and every address it has must be public; the worker connects to
  the address it checked (not to the name again: a DNS answer that changes between the check and the
  connection, DNS rebinding, cannot send it elsewhere), and follows no redirect.
PROVENANCE_WEBHOOK_ALLOW_PRIVATE=true lifts the address checks (tests, receivers on a private network).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class UnsafeUrl(ValueError):
    """A webhook URL or address that may not be delivered to; the message says why."""


def check_url(url: str, allow_private: bool) -> None:
    """Raise UnsafeUrl when a watch may not have this URL."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a bracketed host that is no IPv6 address ("http://[1:2]/"), a stray "[" or "]"
        raise UnsafeUrl("must be a valid URL: a bracketed host is an IPv6 address") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("must be an http or https URL")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("must not carry credentials (user:password@): put a token in the path or query")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("must name a host")
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise UnsafeUrl("has an invalid port") from None
    if allow_private:
        return
    if host.rstrip(".").lower() in LOCAL_NAMES or host.rstrip(".").lower().endswith(".localhost"):
        raise UnsafeUrl(f"names this machine ({host}); private addresses are not allowed")
    literal = _literal(host)
    if literal is not None:
        refuse_address(literal)


def refuse_address(address: IpAddress) -> None:
    """Raise UnsafeUrl unless the address is a public unicast one (an IPv4-mapped IPv6 address is judged
    as the IPv4 address it carries, a 6to4 one as its embedded IPv4 address)."""
    reason = non_public(address)
    if reason:
        raise UnsafeUrl(f"{address} is {reason}; private addresses are not allowed")


def non_public(address: IpAddress) -> str | None:
    """Why an address is not public (a phrase), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return non_public(embedded)
    for kind, test in (
        ("an unspecified address", address.is_unspecified),
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("a private address", address.is_private),
        ("a reserved address", address.is_reserved),
    ):
        if test:
            return kind
    if not address.is_global:  # shared address space (100.64.0.0/10) and the like
        return "not a public address"
    return None


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None

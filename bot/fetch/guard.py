"""The SSRF guard: which IP addresses a fetch may connect to, checked after DNS.

An :data:`AddressPolicy` is a predicate over one IP address. :func:`public_only` is the
production policy; :func:`allow_all` is what ``polling.allow_private_addresses = true``
means. Tests inject their own (for example "127.0.0.2 counts as public") to exercise the
guard on loopback.

The check runs inside the HTTP client's DNS resolver (see ``bot.fetch.client``): the
addresses it lets through are the only ones the connection may use, so a name cannot
resolve to a public address for the check and to a private one for the connect.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

__all__ = [
    "AddressPolicy",
    "IPAddress",
    "Resolver",
    "allow_all",
    "blocked_reason",
    "public_only",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: True when the fetcher may connect to the address.
AddressPolicy = Callable[[IPAddress], bool]
#: (host, port) -> IP address strings. Raise OSError when the name does not resolve.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why :func:`public_only` refuses ``ip`` ("loopback", "private" ...), or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"{reason} (inside an IPv6 address)" if reason else None
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("shared (100.64/10)", isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    )
    for reason, hit in checks:
        if hit:
            return reason
    return None


def public_only(ip: IPAddress) -> bool:
    """The production policy: only globally routable unicast addresses."""
    return blocked_reason(ip) is None


def allow_all(ip: IPAddress) -> bool:
    """Every address (``allow_private_addresses = true``: tests, intranet feeds)."""
    return True


#: Top-level domains reserved for documentation and testing (RFC 2606, RFC 6761): they
#: never resolve on the public DNS, so asking is only a leak of what we were told to fetch.
RESERVED_TLDS = frozenset({"example", "invalid", "test"})


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver (getaddrinfo in a thread), A and AAAA.
    Names under a reserved test TLD (``.example``, ``.invalid``, ``.test``) fail at once
    without a DNS query."""
    if host.rstrip(".").rpartition(".")[2].lower() in RESERVED_TLDS:
        raise OSError(f"{host} is under a reserved test domain (RFC 2606); not resolved")
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen

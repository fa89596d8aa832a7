"""Which addresses are private: the SSRF half of the policy.

`ipaddress.is_global` (IANA special-purpose registries) decides most of it; IPv6 forms
that carry an IPv4 address inside (v4-mapped, v4-compatible, 6to4, NAT64, Teredo) are
judged by the address they carry, so `64:ff9b::a9fe:a9fe` is the metadata service.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_V4_COMPAT = ipaddress.IPv6Network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, if it is one of the embedding forms."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip.sixtofour is not None:
        return ip.sixtofour
    packed = ip.packed
    if any(ip in net for net in _NAT64) or (ip in _V4_COMPAT and int(ip) > 1):
        return ipaddress.IPv4Address(packed[-4:])
    return None


def classify(ip: IPAddress, local: Iterable[IPAddress] = ()) -> str | None:
    """A short name for why `ip` is private (e.g. "loopback"), or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            why = classify(inner, local)
            return f"{why} (inside IPv6 {ip})" if why else None
    if ip in set(local):
        return "an address of this host"
    for name in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("100.64.0.0/10"):
        return "carrier-grade NAT"
    if not ip.is_global:
        return "special-purpose (not globally routable)"
    return None


def parse_local_addresses(fib_trie: str, if_inet6: str) -> frozenset[IPAddress]:
    """This host's own addresses from Linux's `/proc/net/fib_trie` (IPv4: an address line
    followed by `/32 host LOCAL`) and `/proc/net/if_inet6` (IPv6: 32 hex digits a line).

    Read from the kernel's tables rather than by resolving the host name: that would be a
    DNS query, and nothing but proxied traffic may leave.
    """
    found: set[IPAddress] = set()
    last: str | None = None
    for line in fib_trie.splitlines():
        text = line.strip()
        if text.startswith("|-- "):
            last = text[4:].strip()
        elif last is not None and text.startswith("/32 host LOCAL"):
            with contextlib.suppress(ValueError):
                found.add(ipaddress.IPv4Address(last))
    for line in if_inet6.splitlines():
        fields = line.split()
        if fields and len(fields[0]) == 32:
            with contextlib.suppress(ValueError):
                found.add(ipaddress.IPv6Address(int(fields[0], 16)))
    return frozenset(found)

"""Resolution results and their vetting (pure): which address a request may connect to."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from egressguard.netguard.addresses import IPAddress, classify


@dataclass(frozen=True, slots=True)
class Vetted:
    """The outcome of vetting a host's addresses: the one to connect to, or why not."""

    address: IPAddress | None
    private: str | None = None  # why the (first) private address is private
    error: str | None = None  # resolution failed


def is_own_endpoint(
    ip: IPAddress, port: int, own: Iterable[tuple[IPAddress | None, int]], local: frozenset[IPAddress]
) -> bool:
    """Is (ip, port) one of the proxy's own listeners? `None` stands for a listener on every
    interface (0.0.0.0 / ::), reachable at any address of this host."""
    for listen_ip, listen_port in own:
        if port != listen_port:
            continue
        if listen_ip is None:
            if ip.is_loopback or ip.is_unspecified or ip in local:
                return True
        elif ip == listen_ip or (ip.is_loopback and listen_ip.is_loopback):
            return True
    return False


def vet(
    addresses: Iterable[IPAddress],
    *,
    allow_private: bool,
    local: Iterable[IPAddress] = (),
    port: int = 0,
    own: Iterable[tuple[IPAddress | None, int]] = (),
) -> Vetted:
    """Every address must pass (a rebinding name with one private answer is refused).

    The proxy's own listeners (`own`) are refused whatever the policy says: an agent that
    reached the admin API through the proxy could approve its own requests.
    """
    addrs = list(dict.fromkeys(addresses))
    if not addrs:
        return Vetted(None, error="the name has no addresses")
    local_set = frozenset(local)
    own = list(own)
    for ip in addrs:
        if is_own_endpoint(ip, port, own, local_set):
            return Vetted(None, private=f"{ip} port {port} is egressguard's own listener")
    if not allow_private:
        for ip in addrs:
            why = classify(ip, local_set)
            if why:
                return Vetted(None, private=f"{ip} is {why}")
    return Vetted(addrs[0])


def parse_overrides(pairs: Iterable[str]) -> Mapping[str, IPAddress]:
    """`--resolve HOST=ADDR` pairs -> {canonical host: address}. Raises ValueError."""
    from egressguard.policy.hosts import HostError, canonical_host

    out: dict[str, IPAddress] = {}
    for pair in pairs:
        host, sep, addr = pair.partition("=")
        if not sep or not host or not addr:
            raise ValueError(f"--resolve {pair!r}: write HOST=ADDR, e.g. --resolve api.example.com=127.0.0.1")
        try:
            name = canonical_host(host).name
        except HostError as exc:
            raise ValueError(f"--resolve {pair!r}: {exc}") from exc
        try:
            out[name] = ipaddress.ip_address(addr.strip("[]"))
        except ValueError as exc:
            raise ValueError(f"--resolve {pair!r}: {addr!r} is not an IP address") from exc
    return out

"""Host-name and IP-literal canonicalization, and host patterns.

Attackers live in the gap between how a host is spelled and how it is compared, so every
host — in a rule, a CONNECT line, a Host header, an SNI — goes through `canonical_host`
before it is compared with anything. IDNA mapping is the `idna` package (UTS 46), IPv4
spellings follow `socket.inet_aton` (what libc resolvers accept: `127.1`, `0x7f.1`,
`017700000001`, `2130706433`), IPv6 is `ipaddress`, public suffixes are tldextract's bundled
list (never fetched).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from functools import lru_cache

import idna
import tldextract

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A name label after IDNA: letters, digits, hyphen; underscore is tolerated because real
# hosts use it (`_acme-challenge`, some S3 buckets) and it cannot hide another name.
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
# Characters that may spell an IPv4 address under inet_aton rules.
_IPV4ISH = re.compile(r"^[0-9a-fx.]+$")
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")

# The bundled public-suffix snapshot only: `suffix_list_urls=()` means no download, ever.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


class HostError(ValueError):
    """A host that is not a valid name or address. The message says why."""


@dataclass(frozen=True, slots=True)
class Host:
    """A canonical host: a lower-case punycode name, or an IP address."""

    name: str  # canonical text: "example.com", "127.0.0.1", "::1"
    ip: IPAddress | None = None

    @property
    def is_ip(self) -> bool:
        return self.ip is not None

    def __str__(self) -> str:
        return self.name


def _ipv4_inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """IPv4 in any spelling libc accepts, or None when `text` is not numeric-looking."""
    if not _IPV4ISH.match(text):
        return None
    parts = text.split(".")
    if not _NUMERIC_LABEL.match(parts[-1]):
        return None  # last label not numeric: a (possibly odd) name, e.g. "0xdead.beef"
    try:
        packed = socket.inet_aton(text)
    except OSError as exc:
        raise HostError(f"{text!r} looks like an IPv4 address but is not a valid one") from exc
    return ipaddress.IPv4Address(packed)


def _unmap(ip: IPAddress) -> IPAddress:
    """v4-mapped IPv6 (`::ffff:127.0.0.1`) is the IPv4 address it carries."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@lru_cache(maxsize=65536)
def canonical_host(raw: str) -> Host:
    """Canonicalize a host as seen on the wire or in a policy.

    Lower-cases, maps through IDNA (UTS 46) to punycode, drops one trailing dot, strips
    IPv6 brackets and zone ids, and reduces every IP spelling to one canonical address.
    Raises HostError for anything that is not a valid host.
    """
    text = raw.strip()
    if not text or text != raw:
        raise HostError("empty host" if not text else f"{raw!r} has surrounding white space")
    if text.startswith("[") or ":" in text:
        inner = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        if text.startswith("[") != text.endswith("]"):
            raise HostError(f"{raw!r} has an unbalanced bracket")
        inner = inner.split("%", 1)[0]  # zone id (fe80::1%eth0) names an interface, not a host
        try:
            ip6 = ipaddress.IPv6Address(inner)
        except ValueError as exc:
            raise HostError(f"{raw!r} is not a valid IPv6 address") from exc
        ip = _unmap(ip6)
        return Host(str(ip), ip)
    if text.endswith("."):
        text = text[:-1]
    if not text or text.endswith(".") or ".." in text or text.startswith("."):
        raise HostError(f"{raw!r} has an empty label")
    lowered = text.lower()
    ip4 = _ipv4_inet_aton(lowered)
    if ip4 is not None:
        return Host(str(ip4), ip4)
    if lowered.isascii():
        name = lowered
        for label in name.split("."):
            if label.startswith("xn--"):
                try:
                    idna.decode(label)
                except idna.IDNAError as exc:
                    raise HostError(f"{raw!r} has an invalid punycode label {label!r}") from exc
    else:
        try:
            name = idna.encode(text, uts46=True, std3_rules=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise HostError(f"{raw!r} is not a valid internationalized host name") from exc
        name = name.lower().rstrip(".")
        ip4 = _ipv4_inet_aton(name)  # fullwidth digits map to an IPv4 literal
        if ip4 is not None:
            return Host(str(ip4), ip4)
    if len(name) > 253:
        raise HostError(f"host name is {len(name)} characters; the limit is 253")
    for label in name.split("."):
        if not _LABEL.match(label):
            raise HostError(f"{raw!r} has an invalid label {label!r}")
    return Host(name)


def is_public_suffix(name: str) -> bool:
    """True when `name` (canonical) is a public suffix itself, e.g. `com`, `co.uk`, `github.io`."""
    ext = _EXTRACT(name)
    return not ext.domain and bool(ext.suffix)


@dataclass(frozen=True, slots=True)
class HostPattern:
    """A rule's host: an exact name, `*.suffix` (any depth, not the apex), or an IP."""

    text: str  # canonical form, for messages and ids
    exact: str | None = None
    suffix: str | None = None  # for "*.example.com": "example.com"

    def matches(self, host: Host) -> bool:
        if self.exact is not None:
            return host.name == self.exact
        assert self.suffix is not None
        return not host.is_ip and host.name.endswith("." + self.suffix)


def _refuse_url_or_port(raw: str) -> None:
    """A URL or `host:port` where a host belongs: say so, rather than "not valid IPv6"."""
    if "://" in raw:
        name = raw.split("://", 1)[1].split("/", 1)[0]
        raise HostError(f'"{raw}" is a URL; write the host name alone, e.g. "{name}"')
    name, sep, port = raw.rpartition(":")
    if sep and port.isdigit() and (name.endswith("]") or (name and ":" not in name)):
        raise HostError(
            f'"{raw}" has a port; write the host alone and the port under the rule\'s ports, '
            f'e.g. hosts: ["{name}"] and ports: [{port}]'
        )


def parse_host_pattern(raw: str) -> HostPattern:
    """Parse a policy host entry. Raises HostError with a message that suggests the fix."""
    _refuse_url_or_port(raw)
    if raw == "*" or raw == "*.":
        raise HostError(f'"{raw}" matches every host; list the hosts you mean, e.g. "*.example.com"')
    if raw.startswith("*."):
        rest = raw[2:]
        if "*" in rest:
            raise HostError(f'"{raw}" has more than one "*"; use one leading "*." , e.g. "*.example.com"')
        base = canonical_host(rest)
        if base.is_ip:
            raise HostError(f'"{raw}" puts a wildcard on an IP address; name the address itself')
        if "." not in base.name or is_public_suffix(base.name):
            raise HostError(
                f'"{raw}" is a wildcard on a public suffix; name your own domain, '
                f'e.g. "*.example.{base.name}"'
            )
        return HostPattern(text="*." + base.name, suffix=base.name)
    if "*" in raw:
        raise HostError(
            f'"{raw}" has a "*" inside a label; only a leading "*." is supported, e.g. "*.example.com"'
        )
    host = canonical_host(raw)
    return HostPattern(text=host.name, exact=host.name)

"""Host canonicalization (driven by tests/data/vectors/hosts.json) and host patterns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from egressguard.policy.hosts import (
    Host,
    HostError,
    canonical_host,
    is_public_suffix,
    parse_host_pattern,
)

VECTORS = json.loads((Path(__file__).parents[2] / "data" / "vectors" / "hosts.json").read_text("utf-8"))


@pytest.mark.parametrize("row", VECTORS, ids=[f"{i}: {r['note']}" for i, r in enumerate(VECTORS)])
def test_canonical_host_vector(row: dict[str, str | None]) -> None:
    raw, expected = row["input"], row["expected"]
    assert raw is not None
    if expected is None:
        with pytest.raises(HostError):
            canonical_host(raw)
        return
    host = canonical_host(raw)
    assert host.name == expected
    # The canonical form is a fixed point: canonicalizing it again changes nothing.
    assert canonical_host(host.name) == host


def test_vectors_cover_enough_cases() -> None:
    assert len(VECTORS) >= 60
    assert len({r["input"] for r in VECTORS}) == len(VECTORS), "duplicate input rows"


@pytest.mark.parametrize(
    ("raw", "is_ip"),
    [
        pytest.param("example.com", False, id="a name is not an IP"),
        pytest.param("127.1", True, id="a short IPv4 spelling is an IP"),
        pytest.param("[::ffff:127.0.0.1]", True, id="a v4-mapped address is an IP"),
        pytest.param("0xdead.beef", False, id="hex-looking name with a non-numeric last label is a name"),
    ],
)
def test_is_ip(raw: str, is_ip: bool) -> None:
    assert canonical_host(raw).is_ip is is_ip


def test_every_ipv4_spelling_is_the_same_host() -> None:
    spellings = ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "017700000001",
                 "0177.0.0.1", "0x7f.1", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "１２７.０.０.１"]
    assert {canonical_host(s) for s in spellings} == {canonical_host("127.0.0.1")}


def test_v4_mapped_address_carries_the_ipv4_type() -> None:
    host = canonical_host("::ffff:10.0.0.1")
    assert host.ip is not None and host.ip.version == 4


def test_host_str_is_its_canonical_name() -> None:
    assert str(canonical_host("Bücher.Example.")) == "xn--bcher-kva.example"
    assert Host("example.com") == canonical_host("EXAMPLE.COM")


# -- patterns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        pytest.param("*.example.com", "api.example.com", True, id="wildcard matches one level below"),
        pytest.param("*.example.com", "a.b.c.example.com", True, id="wildcard matches any depth"),
        pytest.param("*.example.com", "example.com", False, id="wildcard skips its apex"),
        pytest.param("*.example.com", "badexample.com", False, id="wildcard needs a dot boundary"),
        pytest.param("*.example.com", "example.com.evil.net", False, id="wildcard does not match a longer name"),
        pytest.param("*.example.com", "API.Example.COM.", True, id="wildcard compares canonical hosts"),
        pytest.param("*.bücher.example", "shop.xn--bcher-kva.example", True, id="IDN wildcard matches punycode"),
        pytest.param("*.example.co.uk", "www.example.co.uk", True, id="wildcard below a registrable domain"),
        pytest.param("example.com", "EXAMPLE.COM.", True, id="exact pattern matches any case and trailing dot"),
        pytest.param("example.com", "www.example.com", False, id="exact pattern does not match subdomains"),
        pytest.param("127.0.0.1", "2130706433", True, id="IP pattern matches any spelling of the address"),
        pytest.param("127.1", "[::ffff:127.0.0.1]", True, id="short IP pattern matches a v4-mapped address"),
        pytest.param("[::1]", "0:0:0:0:0:0:0:1", True, id="IPv6 pattern matches any IPv6 spelling"),
        pytest.param("127.0.0.1", "127.0.0.2", False, id="IP pattern does not match another address"),
        pytest.param("ＥＸＡＭＰＬＥ.com", "example.com", True, id="fullwidth pattern is canonicalized"),
    ],
)
def test_host_pattern_matches(pattern: str, host: str, matches: bool) -> None:
    assert parse_host_pattern(pattern).matches(canonical_host(host)) is matches


def test_wildcard_pattern_never_matches_an_ip() -> None:
    # 1.2.3.4 spelled as a name under the suffix would be "x.3.4": not an address; but an
    # IP host must never match a name wildcard whatever its text.
    pat = parse_host_pattern("*.example.com")
    assert not pat.matches(Host("1.example.com", canonical_host("1.2.3.4").ip))


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        pytest.param("*", "matches every host", id="bare star is refused"),
        pytest.param("*.", "matches every host", id="star dot is refused"),
        pytest.param("*.com", "public suffix", id="wildcard on a TLD is refused"),
        pytest.param("*.co.uk", "public suffix", id="wildcard on a two-label public suffix is refused"),
        pytest.param("*.github.io", "public suffix", id="wildcard on a private public suffix is refused"),
        pytest.param("*.CO.UK.", "public suffix", id="public suffix check is on the canonical name"),
        pytest.param("*.localhost", "public suffix", id="wildcard on a single label is refused"),
        pytest.param("*.*.example.com", "more than one", id="two stars are refused"),
        pytest.param("api.*.example.com", "inside a label", id="mid-name wildcard is refused"),
        pytest.param("api*.example.com", "inside a label", id="mid-label wildcard is refused"),
        pytest.param("*example.com", "inside a label", id="star without a dot is refused"),
        pytest.param("*.127.0.0.1", "IP address", id="wildcard on an IP is refused"),
        pytest.param("*.[::1]", "IP address", id="wildcard on an IPv6 address is refused"),
        pytest.param("exa mple.com", "invalid label", id="space in a host is refused"),
        pytest.param("256.1.1.1", "not a valid one", id="out-of-range IPv4 is refused"),
        pytest.param("", "empty host", id="empty host is refused"),
    ],
)
def test_bad_host_pattern(pattern: str, message: str) -> None:
    with pytest.raises(HostError, match=message):
        parse_host_pattern(pattern)


def test_public_suffix_message_suggests_a_fix() -> None:
    with pytest.raises(HostError, match=r'e\.g\. "\*\.example\.co\.uk"'):
        parse_host_pattern("*.co.uk")


@pytest.mark.parametrize(
    ("name", "public"),
    [
        pytest.param("com", True, id="a TLD is a public suffix"),
        pytest.param("co.uk", True, id="co.uk is a public suffix"),
        pytest.param("github.io", True, id="a private-section suffix counts"),
        pytest.param("example.com", False, id="a registrable domain is not"),
        pytest.param("example.co.uk", False, id="a registrable domain under co.uk is not"),
    ],
)
def test_is_public_suffix(name: str, public: bool) -> None:
    assert is_public_suffix(name) is public


def test_pattern_text_is_canonical() -> None:
    assert parse_host_pattern("*.Bücher.Example.").text == "*.xn--bcher-kva.example"
    assert parse_host_pattern("0x7f.1").text == "127.0.0.1"

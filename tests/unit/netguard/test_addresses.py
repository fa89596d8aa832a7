"""Which addresses are private (SSRF), including IPv4 carried inside IPv6."""

from __future__ import annotations

import ipaddress

import pytest

from egressguard.netguard.addresses import classify

PRIVATE = [
    ("127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("::1", "loopback"),
    ("fd00::1", "private"),
    ("fe80::1", "link-local"),
    ("::", "unspecified"),
    ("ff02::1", "multicast"),
    ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local"),
    ("2002:7f00:1::", "loopback"),
    ("::7f00:1", "loopback"),
    ("198.18.0.1", "private"),
    ("192.0.2.1", "private"),
]


@pytest.mark.parametrize(("address", "why"), PRIVATE, ids=[a for a, _ in PRIVATE])
def test_private_addresses_say_why(address: str, why: str) -> None:
    result = classify(ipaddress.ip_address(address))
    assert result is not None and why in result


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808"])
def test_public_addresses_pass(address: str) -> None:
    assert classify(ipaddress.ip_address(address)) is None


def test_this_hosts_own_addresses_are_private() -> None:
    ip = ipaddress.ip_address("8.8.4.4")
    assert classify(ip, local={ip}) == "an address of this host"


FIB_TRIE = """Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
           |-- 127.0.0.1
              /32 host LOCAL
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
"""
IF_INET6 = """fd000000000000000000000000000002 04 40 00 82     eth0
00000000000000000000000000000001 01 80 10 80       lo
"""


def test_local_addresses_come_from_the_kernels_tables() -> None:
    from egressguard.netguard.addresses import parse_local_addresses

    assert parse_local_addresses(FIB_TRIE, IF_INET6) == {
        ipaddress.ip_address(a) for a in ("127.0.0.1", "192.0.2.2", "fd00::2", "::1")
    }
    assert parse_local_addresses("", "") == frozenset()

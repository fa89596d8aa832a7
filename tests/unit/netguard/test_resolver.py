"""Vetting resolution results, --resolve overrides, and the proxy's own listeners."""

from __future__ import annotations

import ipaddress

import pytest

from egressguard.netguard.resolver import is_own_endpoint, parse_overrides, vet

ip = ipaddress.ip_address


def test_one_private_answer_refuses_the_name() -> None:
    result = vet([ip("8.8.8.8"), ip("169.254.169.254")], allow_private=False)
    assert result.address is None and result.private is not None and "169.254.169.254" in result.private


def test_the_first_address_is_the_one_connected_to() -> None:
    assert vet([ip("8.8.8.8"), ip("1.1.1.1")], allow_private=False).address == ip("8.8.8.8")


def test_private_allowed_by_the_rule() -> None:
    assert vet([ip("10.0.0.5")], allow_private=True).address == ip("10.0.0.5")


def test_no_answer_is_an_error() -> None:
    assert vet([], allow_private=False).error


@pytest.mark.parametrize(
    ("address", "port", "own", "expected"),
    [
        pytest.param("127.0.0.1", 9465, [(ip("127.0.0.1"), 9465)], True, id="the admin listener"),
        pytest.param("127.0.0.2", 9465, [(ip("127.0.0.1"), 9465)], True, id="any loopback spelling"),
        pytest.param("127.0.0.1", 9466, [(ip("127.0.0.1"), 9465)], False, id="another port"),
        pytest.param("10.0.0.9", 8080, [(None, 8080)], True, id="a wildcard listener at a local address"),
        pytest.param("10.0.0.8", 8080, [(None, 8080)], False, id="a wildcard listener, another host"),
    ],
)
def test_own_endpoints(address: str, port: int, own: list[tuple[object, int]], expected: bool) -> None:
    local = frozenset({ip("10.0.0.9")})
    assert is_own_endpoint(ip(address), port, own, local) is expected  # type: ignore[arg-type]
    if expected:
        assert vet([ip(address)], allow_private=True, port=port, own=own, local=local).address is None  # type: ignore[arg-type]


def test_overrides_are_canonical_and_checked() -> None:
    assert parse_overrides(["API.Example.com.=127.0.0.1", "v6.test=[::1]"]) == {
        "api.example.com": ip("127.0.0.1"),
        "v6.test": ip("::1"),
    }
    for bad in ("nohost", "=1.2.3.4", "x.test=not-an-ip", "*.x=1.2.3.4"):
        with pytest.raises(ValueError, match="--resolve"):
            parse_overrides([bad])

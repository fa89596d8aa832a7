"""False-positive filters."""

from __future__ import annotations

import pytest

from egressguard.scanning.filters import heuristic as h


@pytest.mark.parametrize(
    "value",
    [
        b"x",
        b"***",
        b"${TOKEN}",
        b"<password>",
        b"changeme",
        b"xxxxxxxx",
        b"%(pw)s",
        b"{{ secret }}",
        b"your_api_key_here",
    ],
)
def test_placeholders(value: bytes) -> None:
    assert h.is_placeholder(value)


@pytest.mark.parametrize("value", [b"Zq8#rT2!vLp0", b"wJalrXUtnFEMIK7MDENGbPxRfiCY", b"s3cr3t-Managed-Value"])
def test_real_looking_values_are_not_placeholders(value: bytes) -> None:
    assert not h.is_placeholder(value)


def test_entropy_and_shapes() -> None:
    assert h.shannon_entropy(b"") == 0.0
    assert h.shannon_entropy(b"aaaa") == 0.0
    assert h.shannon_entropy(b"abcd") == 2.0
    assert h.is_uuid(b"550e8400-e29b-41d4-a716-446655440000")
    assert h.is_hex_digest(b"da39a3ee5e6b4b0d3255bfef95601890afd80709")
    assert h.is_identifier_like(b"self.password_hash") and not h.is_identifier_like(b"a8Fk2LmQ9x")
    assert h.is_sequential(b"12345678") and h.is_sequential(b"hgfedcba") and not h.is_sequential(b"13572468")
    assert h.char_classes(b"aA1!") == 4
    assert h.printable_ratio(b"ab\x00\x01") == 0.5

"""False-positive filters."""

from __future__ import annotations

import pytest

from egressguard.scanning.filters import heuristic as h
from egressguard.scanning.filters.heuristic import is_credential_name, looks_like_secret_value


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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(b"apiKey", True, id="camelCase api key"),
        pytest.param(b"API_KEY", True, id="env-style api key"),
        pytest.param(b"x-api-key", True, id="X-*-Key header"),
        pytest.param(b"X-Auth-Token", True, id="X-*-Token header"),
        pytest.param(b"Authorization", True, id="Authorization header"),
        pytest.param(b"cookie", True, id="Cookie header"),
        pytest.param(b"client_secret", True, id="client secret"),
        pytest.param(b"aws_secret_access_key", True, id="aws secret access key"),
        pytest.param(b"GITHUB_TOKEN", True, id="provider token variable"),
        pytest.param(b"id_token", True, id="OIDC id token"),
        pytest.param(b"db.password", True, id="dotted password"),
        pytest.param(b"max_tokens", False, id="a count of tokens is not a token"),
        pytest.param(b"token_count", False, id="a count ends the name"),
        pytest.param(b"monkey", False, id="key inside a word"),
        pytest.param(b"sort_key", False, id="a sort key is not a credential"),
        pytest.param(b"public_key", False, id="a public key is public"),
        pytest.param(b"session_id", False, id="an id is not a credential"),
        pytest.param(b"name", False, id="plain field"),
    ],
)
def test_is_credential_name(name: bytes, expected: bool) -> None:
    assert is_credential_name(name) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(b"Zq8vT2mLx9Rk4bWp", True, id="generated value"),
        pytest.param(b"changeme", False, id="placeholder word"),
        pytest.param(b"xxxxxxxxxxxxxxxx", False, id="repeated mask"),
        pytest.param(b"hello_world", False, id="identifier"),
        pytest.param(b"", False, id="empty"),
        pytest.param(b"${API_TOKEN}", False, id="template"),
        pytest.param(b"abc\ndef1234567", False, id="spans a line"),
    ],
)
def test_looks_like_secret_value(value: bytes, expected: bool) -> None:
    assert looks_like_secret_value(value) is expected

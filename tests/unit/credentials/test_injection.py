"""Placeholders become real values only for the secrets named; Basic auth is looked inside."""

from __future__ import annotations

import base64

from egressguard.credentials.injection import render, swap_placeholders
from egressguard.credentials.secret_value import SecretValue
from egressguard.credentials.store import ManagedSecret, SecretStore
from egressguard.policy.hosts import canonical_host, parse_host_pattern
from egressguard.policy.model import EnvSource, HeaderInjection, Mark, SecretDecl, TemplatePart


def store() -> SecretStore:
    decls = {
        "gh": SecretDecl(
            "gh", EnvSource("GH"), (parse_host_pattern("api.github.com"),), "EG_PH_GITHUB", Mark("p", 1)
        ),
        "oa": SecretDecl("oa", EnvSource("OA"), (parse_host_pattern("*.openai.com"),), None, Mark("p", 2)),
    }
    return SecretStore(decls, {"gh": SecretValue("ghp_real_value_1"), "oa": SecretValue("sk-real-value-2")})


def secrets() -> dict[str, ManagedSecret]:
    return store().secrets


def test_allowed_for_follows_each_secrets_hosts() -> None:
    s = store()
    assert s.allowed_for(canonical_host("api.github.com")) == {"gh"}
    assert s.allowed_for(canonical_host("api.openai.com")) == {"oa"}
    assert s.allowed_for(canonical_host("evil.example")) == frozenset()
    assert s.allowed_for(None) == frozenset()


def test_swap_only_the_named_secrets() -> None:
    assert swap_placeholders("Bearer EG_PH_GITHUB", secrets(), frozenset({"gh"})) == (
        "Bearer ghp_real_value_1",
        1,
    )
    assert swap_placeholders("Bearer EG_PH_GITHUB", secrets(), frozenset()) == ("Bearer EG_PH_GITHUB", 0)


def test_swap_inside_basic_auth() -> None:
    header = "Basic " + base64.b64encode(b"x-access-token:EG_PH_GITHUB").decode()
    swapped, count = swap_placeholders(header, secrets(), frozenset({"gh"}))
    assert count == 1 and base64.b64decode(swapped[6:]) == b"x-access-token:ghp_real_value_1"
    assert swap_placeholders("Basic !!notbase64", secrets(), frozenset({"gh"})) == ("Basic !!notbase64", 0)


def test_render_an_injection_template() -> None:
    inj = HeaderInjection("Authorization", (TemplatePart(text="Bearer "), TemplatePart(secret="oa")))
    assert render(inj, secrets()) == "Bearer sk-real-value-2"


def test_matchers_cover_every_spelling_and_repr_hides_values() -> None:
    s = store()
    needles = s.redaction_needles()
    assert b"ghp_real_value_1" in needles and base64.b64encode(b"ghp_real_value_1").rstrip(b"=") in needles
    assert needles == sorted(needles, key=len, reverse=True)
    assert {(e.name, e.kind) for e in s.exact_secrets()} == {
        ("gh", "value"),
        ("gh", "placeholder"),
        ("oa", "value"),
    }
    assert "real" not in repr(s) and all("real" not in repr(e) for e in s.exact_secrets())

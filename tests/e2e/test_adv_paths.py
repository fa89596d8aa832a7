"""Adversarial path tricks against a host whose policy denies `/v1/admin/**` first and
allows only GET on `/v1/**`. Whatever the spelling, what reaches the upstream is either
denied (403, nothing sent) or inside `/v1` and outside `/v1/admin`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.e2e.test_adv_hosts import (
    Env,
    assert_denied,
    assert_passed,
    assert_refused_untouched,
    req,
    start_env,
    tls_tunnel,
)


def paths_policy(P: int, T: int) -> str:
    return f"""
version: 1
rules:
  - id: no-admin
    hosts: [api.example.test]
    ports: [{P}, {T}]
    paths: ["/v1/admin/**"]
    action: deny
  - id: v1
    hosts: [api.example.test]
    ports: [{P}, {T}]
    paths: ["/v1/**"]
    private_networks: allow
"""


@pytest.fixture(scope="module")
def env(
    tmp_path_factory: pytest.TempPathFactory, test_ca: trustme.CA, upstream_ca_file: Path
) -> Iterator[Env]:
    with start_env(tmp_path_factory, test_ca, upstream_ca_file, paths_policy, ["api.example.test"]) as e:
        yield e


LONG = "/v1/" + "a/" * 3000 + "ok"
LONG_BACK = "/v1/" + "a/" * 2000 + "../" * 2000 + "admin/x"

CASES = [
    # -- resolve into /v1/admin: the deny rule wins -------------------------------------
    ("admin", "/v1/admin", "denied_by_rule"),
    ("admin-slash", "/v1/admin/", "denied_by_rule"),
    ("admin-child", "/v1/admin/users", "denied_by_rule"),
    ("admin-query", "/v1/admin?x=/v1/ok", "denied_by_rule"),
    ("leading-double-slash", "//v1/admin", "denied_by_rule"),
    ("inner-double-slash", "/v1//admin", "denied_by_rule"),
    ("many-slashes", "///v1///admin///x", "denied_by_rule"),
    ("dot-segment", "/v1/./admin", "denied_by_rule"),
    ("dot-dot-segment", "/v1/x/../admin", "denied_by_rule"),
    ("encoded-dot-dot", "/v1/x/%2e%2e/admin", "denied_by_rule"),
    ("encoded-dot-dot-upper", "/v1/x/%2E%2E/admin", "denied_by_rule"),
    ("encoded-dot", "/v1/%2e/admin", "denied_by_rule"),
    ("encoded-letter", "/v1/%61dmin", "denied_by_rule"),
    ("encoded-whole-segment", "/v1/%61%64%6d%69%6e/x", "denied_by_rule"),
    ("admin-back-into-admin", "/v1/admin/x/../../admin", "denied_by_rule"),
    ("very-long-traversal", LONG_BACK, "denied_by_rule"),
    ("path-parameter", "/v1/admin;jsessionid=x/users", "denied_by_rule"),
    ("path-parameter-empty", "/v1/admin;/users", "denied_by_rule"),
    # -- ambiguous encodings: denied path_not_allowed -----------------------------------
    ("encoded-slash", "/v1%2fadmin", "path_not_allowed"),
    ("encoded-slash-upper", "/v1/admin%2Fusers", "path_not_allowed"),
    ("dot-dot-encoded-slash", "/v1/..%2fadmin", "path_not_allowed"),
    ("encoded-backslash", "/v1/%5cadmin", "path_not_allowed"),
    ("raw-backslash", "/v1\\admin", "path_not_allowed"),
    ("backslash-dot-dot", "/v1/x\\..\\admin", "path_not_allowed"),
    ("double-encoded-dot", "/v1/%252e%252e/admin", "path_not_allowed"),
    ("double-encoded-slash", "/v1%252fadmin", "path_not_allowed"),
    ("overlong-utf8-dot", "/v1/%c0%ae%c0%ae/admin", "path_not_allowed"),
    ("overlong-utf8-slash", "/v1%c0%afadmin", "path_not_allowed"),
    ("invalid-utf8", "/v1/%ff", "path_not_allowed"),
    ("nul", "/v1/ok%00/admin", "path_not_allowed"),
    ("encoded-newline", "/v1/admin%0a", "path_not_allowed"),
    ("encoded-tab", "/v1/admin%09", "path_not_allowed"),
    ("bad-escape", "/v1/%zz", "path_not_allowed"),
    ("tomcat-dot-dot-semicolon", "/v1/..;/admin", "path_not_allowed"),
    ("tomcat-dot-semicolon", "/v1/.;/admin", "path_not_allowed"),
    ("slash-dot-dot-mix", "/v1/x//../admin", "path_not_allowed"),
    ("raw-fragment", "/v1/ok#/../admin", "path_not_allowed"),
    ("asterisk-form", "*", "path_not_allowed"),
    # -- outside /v1 --------------------------------------------------------------------
    # a deny rule matches the way case-insensitive servers route; allow rules stay exact
    ("upper-case-prefix", "/V1/admin", "denied_by_rule"),
    ("upper-case-denied-segment", "/v1/ADMIN/users", "denied_by_rule"),
    ("upper-case-allowed-prefix", "/V1/items", "path_not_allowed"),
    ("escape-v1", "/v1/../admin", "path_not_allowed"),
    ("escape-v1-encoded", "/v1/%2e%2e/%2e%2e/etc/passwd", "path_not_allowed"),
    ("root", "/", "path_not_allowed"),
    ("v1-prefix-glued", "/v1admin", "path_not_allowed"),
    # -- raw white space: refused by the HTTP parser ------------------------------------
    ("raw-space", "/v1/ad min", "parser"),
    ("raw-tab", "/v1/ad\tmin", "parser"),
    # -- must pass ----------------------------------------------------------------------
    ("ok", "/v1/ok", "allow"),
    ("ok-query-looks-like-admin", "/v1/ok?next=/v1/admin", "allow"),
    ("administrator-is-not-admin", "/v1/administrator", "allow"),
    ("encoded-plain-letter", "/v1/%41", "allow"),
    ("very-long-path", LONG, "allow"),
]


def request_for(path: str) -> str:
    if path == "*":
        return "OPTIONS * HTTP/1.1\r\nHost: api.example.test:{P}\r\nConnection: close\r\n\r\n"
    return req("http://api.example.test:{P}" + path, "api.example.test:{P}")


@pytest.mark.parametrize(("path", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_path_tricks_plain(env: Env, path: str, expected: str) -> None:
    before = env.snapshot()
    resp = env.proxy.raw(env.fill(request_for(path)), timeout=5)
    if expected == "allow":
        assert_passed(env, resp, before)
        sent = env.plain.received[before[1] :].split(b"\r\n", 1)[0].split(b"?")[0]
        assert not re.search(rb"/admin(?:[/ ]|$)", sent), sent
    elif expected == "parser":
        assert_refused_untouched(env, resp, before)
    else:
        assert_denied(env, resp, expected, before)


TLS_CASES = [
    ("tls-double-slash", "//v1/admin", "denied_by_rule"),
    ("tls-encoded-dot-dot", "/v1/x/%2e%2e/admin", "denied_by_rule"),
    ("tls-dot-dot-semicolon", "/v1/..;/admin", "path_not_allowed"),
    ("tls-encoded-slash", "/v1%2fadmin", "path_not_allowed"),
    ("tls-overlong", "/v1/%c0%ae%c0%ae/admin", "path_not_allowed"),
    ("tls-ok", "/v1/ok", "allow"),
]


@pytest.mark.parametrize(("path", "expected"), [c[1:] for c in TLS_CASES], ids=[c[0] for c in TLS_CASES])
def test_path_tricks_in_tls_tunnel(env: Env, path: str, expected: str) -> None:
    before = env.snapshot()
    resp = tls_tunnel(env, "api.example.test:{T}", "api.example.test", req(path, "api.example.test:{T}"))
    if expected == "allow":
        assert_passed(env, resp, before)
    else:
        assert_denied(env, resp, expected, before)


def test_post_to_admin_is_denied_by_rule_not_method(env: Env) -> None:
    """The deny rule comes first and has no methods: it catches every method."""
    before = env.snapshot()
    raw = "POST http://api.example.test:{P}/v1/admin/x HTTP/1.1\r\nHost: api.example.test:{P}\r\nContent-Length: 0\r\n\r\n"
    assert_denied(env, env.proxy.raw(env.fill(raw)), "denied_by_rule", before)

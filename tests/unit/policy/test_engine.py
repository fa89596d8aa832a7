"""The decision engine, table-driven: one policy, many requests, one expected decision each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from egressguard.decision import Reason, Verdict
from egressguard.policy.engine import Engine, RequestFacts
from egressguard.policy.loader import load_policy

POLICY = """\
version: 1
rules:
  - id: no-admin
    hosts: [api.example.com]
    paths: ["/admin/**"]
    action: deny
  - id: api-read
    hosts: [api.example.com]
  - id: api-write
    hosts: [api.example.com]
    methods: [POST, PUT]
    paths: ["/v1/*/items", "/v1/**/upload"]
  - id: api-hold
    hosts: [api.example.com]
    methods: [DELETE]
    paths: ["/v1/**"]
    approval: required
  - id: no-gist
    hosts: [gist.github.com]
    action: deny
  - id: github
    hosts: [github.com, gist.github.com]
  - id: no-vendor-post
    hosts: ["*.vendor.example"]
    methods: [POST]
    action: deny
  - id: vendor
    hosts: ["*.vendor.example"]
    methods: [GET, POST, PATCH]
  - id: internal
    hosts: [10.0.0.5]
    ports: [8443]
    private_networks: allow
  - id: loopback
    hosts: ["127.1"]
  - id: loopback6
    hosts: ["[::1]"]
  - id: alt-ports
    hosts: [alt.example.com]
    ports: [8080, 8443]
  - id: alt-post
    hosts: [alt.example.com]
    methods: [POST]
    paths: ["/submit"]
  - id: docs
    hosts: [case.example.com]
    methods: [GET]
    paths: ["/Docs/*"]
  - id: no-internal-ui
    hosts: [tools.example.com]
    paths: ["/internal", "/internal/**"]
    action: deny
  - id: tools
    hosts: [tools.example.com]
    methods: [GET, POST]
    paths: ["/**"]
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("engine") / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return Engine(load_policy(path))


class Case(NamedTuple):
    method: str
    url: str  # scheme://host[:port]/path, or "CONNECT host:port"
    verdict: Verdict
    reason: Reason | None
    rule: str | None
    extra: tuple[str, ...] = ()


def facts(case: Case) -> RequestFacts:
    if case.method == "CONNECT":
        host, _, port = case.url.rpartition(":")
        return RequestFacts(host=host.strip("[]"), port=int(port))
    scheme, rest = case.url.split("://", 1)
    authority, _, path = rest.partition("/")
    if authority.startswith("["):
        host, _, port_text = authority[1:].partition("]")
        port_text = port_text.lstrip(":")
    else:
        host, _, port_text = authority.partition(":")
    port = int(port_text) if port_text else (443 if scheme == "https" else 80)
    return RequestFacts(host=host, port=port, method=case.method, path="/" + path, scheme=scheme,
                        extra_methods=case.extra)


ALLOW, DENY, HOLD = Verdict.ALLOW, Verdict.DENY, Verdict.HOLD
R = Reason

CASES = [
    # first match wins; deny rules
    pytest.param(Case("GET", "https://api.example.com/admin/users", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="a deny rule listed first wins over a later allow"),
    pytest.param(Case("GET", "https://api.example.com/admin", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="double star matches zero segments under a deny rule"),
    pytest.param(Case("GET", "https://api.example.com/admin;jsessionid=x/users", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="path parameters cannot hide a segment from a deny rule"),
    pytest.param(Case("GET", "https://api.example.com/ADMIN/users", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="a deny rule matches its path in any case"),
    pytest.param(Case("GET", "https://api.example.com/v1;x/y", ALLOW, None, "api-read"),
                 id="path parameters pass an allow rule that names no paths"),
    pytest.param(Case("GET", "https://gist.github.com/x", DENY, R.DENIED_BY_RULE, "no-gist"),
                 id="a host denied first stays denied though a later rule names it"),
    pytest.param(Case("GET", "https://github.com/acme", ALLOW, None, "github"),
                 id="the other host of that later rule is allowed"),
    pytest.param(Case("GET", "https://api.example.com/v1/x", ALLOW, None, "api-read"),
                 id="first allow rule that matches is the one reported"),
    # default methods
    pytest.param(Case("HEAD", "https://api.example.com/x", ALLOW, None, "api-read"),
                 id="HEAD is read-only and allowed by default"),
    pytest.param(Case("OPTIONS", "https://api.example.com/x", ALLOW, None, "api-read"),
                 id="OPTIONS is read-only and allowed by default"),
    pytest.param(Case("POST", "https://api.example.com/x", DENY, R.PATH_NOT_ALLOWED, None),
                 id="POST passes a later rule's methods but not its paths: path_not_allowed"),
    pytest.param(Case("PATCH", "https://api.example.com/x", DENY, R.METHOD_NOT_ALLOWED, None),
                 id="a method no rule lists is method_not_allowed"),
    pytest.param(Case("POST", "https://api.example.com/v1/widgets/items", ALLOW, None, "api-write"),
                 id="star matches one path segment"),
    pytest.param(Case("POST", "https://api.example.com/v1/a/b/items", DENY, R.PATH_NOT_ALLOWED, None),
                 id="star does not match two segments"),
    pytest.param(Case("PUT", "https://api.example.com/v1/a/b/c/upload", ALLOW, None, "api-write"),
                 id="double star matches any depth"),
    pytest.param(Case("DELETE", "https://api.example.com/v1/x", HOLD, None, "api-hold"),
                 id="an approval rule holds the request"),
    pytest.param(Case("DELETE", "https://api.example.com/other", DENY, R.PATH_NOT_ALLOWED, None),
                 id="an approval rule's paths still apply"),
    # methods are case-sensitive
    pytest.param(Case("get", "https://case.example.com/Docs/a", DENY, R.METHOD_NOT_ALLOWED, None),
                 id="methods are case-sensitive"),
    pytest.param(Case("GET", "https://case.example.com/Docs/a", ALLOW, None, "docs"),
                 id="a path in the rule's case is allowed"),
    pytest.param(Case("GET", "https://case.example.com/docs/a", DENY, R.PATH_NOT_ALLOWED, None),
                 id="paths are case-sensitive"),
    # deny-rule methods
    pytest.param(Case("DELETE", "https://gist.github.com/x", DENY, R.DENIED_BY_RULE, "no-gist"),
                 id="a deny rule without methods denies every method"),
    pytest.param(Case("POST", "https://x.vendor.example/y", DENY, R.DENIED_BY_RULE, "no-vendor-post"),
                 id="a deny rule with methods denies those methods"),
    pytest.param(Case("PATCH", "https://x.vendor.example/y", ALLOW, None, "vendor"),
                 id="a deny rule with methods lets other methods through"),
    pytest.param(Case("GET", "https://x.vendor.example/y", DENY, R.DENIED_BY_RULE, "no-vendor-post",
                      extra=("POST",)),
                 id="a method override is caught by a deny rule"),
    pytest.param(Case("GET", "https://api.example.com/v1/x", DENY, R.METHOD_NOT_ALLOWED, None,
                      extra=("DELETE",)),
                 id="an allow rule must allow the override method too"),
    pytest.param(Case("POST", "https://api.example.com/v1/w/items", ALLOW, None, "api-write",
                      extra=("PUT",)),
                 id="an override allowed by the same rule passes"),
    # ports
    pytest.param(Case("GET", "https://api.example.com:8443/x", DENY, R.PORT_NOT_ALLOWED, None),
                 id="omitted ports allow only the scheme's default"),
    pytest.param(Case("GET", "http://api.example.com/x", ALLOW, None, "api-read"),
                 id="http on port 80 is the default"),
    pytest.param(Case("GET", "http://api.example.com:443/x", DENY, R.PORT_NOT_ALLOWED, None),
                 id="http on port 443 is not http's default"),
    pytest.param(Case("GET", "https://api.example.com:80/x", DENY, R.PORT_NOT_ALLOWED, None),
                 id="https on port 80 is not https's default"),
    pytest.param(Case("GET", "https://alt.example.com:8443/x", ALLOW, None, "alt-ports"),
                 id="listed port is allowed"),
    pytest.param(Case("GET", "https://alt.example.com/x", DENY, R.METHOD_NOT_ALLOWED, None),
                 id="listed ports replace the default; a later rule got as far as the method"),
    pytest.param(Case("POST", "https://alt.example.com/other", DENY, R.PATH_NOT_ALLOWED, None),
                 id="most specific reason wins across rules: path"),
    pytest.param(Case("GET", "https://alt.example.com:9999/x", DENY, R.PORT_NOT_ALLOWED, None),
                 id="no rule allows the port"),
    pytest.param(Case("CONNECT", "api.example.com:443", ALLOW, None, "api-read"),
                 id="CONNECT to 443 is allowed by a rule without ports"),
    pytest.param(Case("CONNECT", "api.example.com:80", ALLOW, None, "api-read"),
                 id="CONNECT to 80 is allowed by a rule without ports"),
    pytest.param(Case("CONNECT", "api.example.com:22", DENY, R.PORT_NOT_ALLOWED, None),
                 id="CONNECT to another port is port_not_allowed"),
    pytest.param(Case("CONNECT", "alt.example.com:8080", ALLOW, None, "alt-ports"),
                 id="CONNECT to a listed port"),
    pytest.param(Case("CONNECT", "gist.github.com:443", DENY, R.DENIED_BY_RULE, "no-gist"),
                 id="CONNECT to a host denied outright is denied"),
    pytest.param(Case("CONNECT", "tools.example.com:443", ALLOW, None, "tools"),
                 id="a path-scoped deny rule does not deny the tunnel; it applies inside"),
    pytest.param(Case("CONNECT", "x.vendor.example:443", ALLOW, None, "vendor"),
                 id="a method-scoped deny rule does not deny the tunnel"),
    # hosts
    pytest.param(Case("GET", "https://unknown.example.org/", DENY, R.HOST_NOT_ALLOWED, None),
                 id="a host no rule names is host_not_allowed"),
    pytest.param(Case("GET", "https://API.Example.COM./x", ALLOW, None, "api-read"),
                 id="host is compared canonical: case and trailing dot"),
    pytest.param(Case("GET", "https://exa mple.com/", DENY, R.HOST_NOT_ALLOWED, None),
                 id="an invalid host is host_not_allowed"),
    pytest.param(Case("GET", "https://vendor.example/", DENY, R.HOST_NOT_ALLOWED, None),
                 id="wildcard does not match its apex"),
    pytest.param(Case("GET", "https://a.b.c.vendor.example/", ALLOW, None, "vendor"),
                 id="wildcard matches any depth"),
    pytest.param(Case("GET", "https://evilvendor.example/", DENY, R.HOST_NOT_ALLOWED, None),
                 id="wildcard needs a label boundary"),
    pytest.param(Case("GET", "https://vendor.example.evil.com/", DENY, R.HOST_NOT_ALLOWED, None),
                 id="wildcard suffix must end the name"),
    # IP literals
    pytest.param(Case("GET", "http://127.0.0.1/", ALLOW, None, "loopback"),
                 id="IP rule written short matches the dotted address"),
    pytest.param(Case("GET", "http://2130706433/", ALLOW, None, "loopback"),
                 id="IP rule matches the one-integer spelling"),
    pytest.param(Case("GET", "http://0x7f.0.0.1/", ALLOW, None, "loopback"),
                 id="IP rule matches a hex spelling"),
    pytest.param(Case("GET", "http://[::ffff:127.0.0.1]/", ALLOW, None, "loopback"),
                 id="IP rule matches the v4-mapped spelling"),
    pytest.param(Case("GET", "http://127.0.0.2/", DENY, R.HOST_NOT_ALLOWED, None),
                 id="IP rule does not match a neighbouring address"),
    pytest.param(Case("GET", "http://[0:0:0:0:0:0:0:1]/", ALLOW, None, "loopback6"),
                 id="IPv6 rule matches the uncompressed spelling"),
    pytest.param(Case("GET", "https://167772165:8443/", ALLOW, None, "internal"),
                 id="private IP rule with a port matches the integer spelling"),
    pytest.param(Case("GET", "https://10.0.0.5/", DENY, R.PORT_NOT_ALLOWED, None),
                 id="private IP rule on another port"),
    pytest.param(Case("GET", "http://10.0.0.6:8443/", DENY, R.HOST_NOT_ALLOWED, None),
                 id="IP not named by any rule"),
    # ambiguous paths
    pytest.param(Case("GET", "https://api.example.com/a%2Fb", DENY, R.PATH_NOT_ALLOWED, None),
                 id="encoded slash is path_not_allowed even where the rule allows any path"),
    pytest.param(Case("GET", "https://api.example.com/a%5C..%5Cadmin", DENY, R.PATH_NOT_ALLOWED, None),
                 id="encoded backslash is path_not_allowed"),
    pytest.param(Case("GET", "https://api.example.com/a%00", DENY, R.PATH_NOT_ALLOWED, None),
                 id="encoded NUL is path_not_allowed"),
    pytest.param(Case("GET", "https://api.example.com/%C0%AE%C0%AE/admin", DENY, R.PATH_NOT_ALLOWED, None),
                 id="overlong UTF-8 is path_not_allowed"),
    pytest.param(Case("GET", "https://api.example.com/x/..;/admin", DENY, R.PATH_NOT_ALLOWED, None),
                 id="dot-dot-semicolon is path_not_allowed"),
    pytest.param(Case("GET", "https://api.example.com/%2561dmin", DENY, R.PATH_NOT_ALLOWED, None),
                 id="double encoding is path_not_allowed"),
    pytest.param(Case("GET", "https://unknown.example.org/a%2Fb", DENY, R.HOST_NOT_ALLOWED, None),
                 id="an unknown host is reported before an ambiguous path"),
    # escaping a deny rule
    pytest.param(Case("GET", "https://api.example.com//admin/", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="double slash and trailing slash cannot escape a deny rule"),
    pytest.param(Case("GET", "https://api.example.com/admin//users//", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="empty segments inside cannot escape a deny rule"),
    pytest.param(Case("GET", "https://api.example.com/./admin", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="a dot segment cannot escape a deny rule"),
    pytest.param(Case("GET", "https://api.example.com/v1/../admin/x", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="dot-dot into the denied prefix is denied"),
    pytest.param(Case("GET", "https://api.example.com/%61dmin/x", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="percent-encoding cannot escape a deny rule"),
    pytest.param(Case("GET", "https://api.example.com/%2e%2e/admin", DENY, R.DENIED_BY_RULE, "no-admin"),
                 id="encoded dot-dot above the root cannot escape a deny rule"),
    pytest.param(Case("GET", "https://api.example.com/adminx", ALLOW, None, "api-read"),
                 id="a deny prefix matches whole segments only"),
    pytest.param(Case("POST", "https://tools.example.com/internal/", DENY, R.DENIED_BY_RULE, "no-internal-ui"),
                 id="trailing slash cannot escape an exact deny path"),
    pytest.param(Case("POST", "https://tools.example.com//internal", DENY, R.DENIED_BY_RULE, "no-internal-ui"),
                 id="leading double slash cannot escape an exact deny path"),
    pytest.param(Case("POST", "https://tools.example.com/public", ALLOW, None, "tools"),
                 id="other paths pass the deny rule"),
]


@pytest.mark.parametrize("case", CASES)
def test_decision(engine: Engine, case: Case) -> None:
    ev = engine.evaluate(facts(case))
    d = ev.decision
    assert (d.verdict, d.reason, d.rule) == (case.verdict, case.reason, case.rule), d.message
    if case.rule is not None:
        assert ev.rule is not None and ev.rule.id == case.rule
    assert d.message or d.verdict is Verdict.ALLOW


def test_deny_message_names_what_failed(engine: Engine) -> None:
    d = engine.evaluate(RequestFacts("api.example.com", 443, "PATCH", "/x", "https")).decision
    assert "PATCH" in d.message and "api.example.com" in d.message
    d = engine.evaluate(RequestFacts("nowhere.example", 443, "GET", "/", "https")).decision
    assert "nowhere.example" in d.message


def test_evaluation_carries_the_canonical_host(engine: Engine) -> None:
    ev = engine.evaluate(RequestFacts("2130706433", 80, "GET", "/", "http"))
    assert ev.host is not None and ev.host.name == "127.0.0.1" and ev.host.is_ip


def test_approval_does_not_hold_the_tunnel(make_engine: Callable[[str], Engine]) -> None:
    engine = make_engine("""
        version: 1
        rules:
          - id: hold
            hosts: [api.example.com]
            methods: [POST]
            approval: required
    """)
    d = engine.evaluate(RequestFacts("api.example.com", 443)).decision
    assert d.verdict is Verdict.ALLOW and d.rule == "hold"


def test_a_passthrough_tunnel_cannot_skip_a_path_scoped_deny(make_engine: Callable[[str], Engine]) -> None:
    # Inside a passthrough tunnel nobody sees the path, so the deny rule cannot be applied
    # there: the tunnel itself is denied (fail closed).
    engine = make_engine("""
        version: 1
        rules:
          - id: no-admin
            hosts: [pinned.example.com]
            paths: ["/admin/**"]
            action: deny
          - id: pinned
            hosts: [pinned.example.com]
            tls: passthrough
    """)
    d = engine.evaluate(RequestFacts("pinned.example.com", 443)).decision
    assert (d.verdict, d.reason, d.rule) == (Verdict.DENY, Reason.DENIED_BY_RULE, "no-admin")


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(RequestFacts("only.example.com", 443), id="CONNECT"),
        pytest.param(RequestFacts("only.example.com", 443, "GET", "/", "https"), id="GET"),
        pytest.param(RequestFacts("only.example.com", 22), id="CONNECT to another port"),
    ],
)
def test_a_host_named_only_by_a_deny_rule_is_not_allowed(
    make_engine: Callable[[str], Engine], facts: RequestFacts
) -> None:
    engine = make_engine("""
        version: 1
        rules:
          - id: no-post
            hosts: [only.example.com]
            methods: [POST]
            action: deny
    """)
    d = engine.evaluate(facts).decision
    assert (d.verdict, d.reason, d.rule) == (Verdict.DENY, Reason.HOST_NOT_ALLOWED, None)


def test_no_rules_denies_everything(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("version: 1\n", encoding="utf-8")
    engine = Engine(load_policy(tmp_path / "p.yaml"))
    d = engine.evaluate(RequestFacts("example.com", 443, "GET", "/", "https")).decision
    assert (d.verdict, d.reason) == (Verdict.DENY, Reason.HOST_NOT_ALLOWED)


def test_candidates_are_in_policy_order(engine: Engine) -> None:
    host = engine.evaluate(RequestFacts("api.example.com", 443)).host
    assert host is not None
    assert [r.id for r in engine.candidates(host)] == ["no-admin", "api-read", "api-write", "api-hold"]


def test_overlapping_wildcards_keep_policy_order(make_engine: Callable[[str], Engine]) -> None:
    engine = make_engine("""
        version: 1
        rules:
          - id: deep
            hosts: ["*.b.example.com"]
            action: deny
          - id: exact
            hosts: [a.b.example.com]
          - id: shallow
            hosts: ["*.example.com"]
    """)
    d = engine.evaluate(RequestFacts("a.b.example.com", 443, "GET", "/", "https")).decision
    assert d.rule == "deep"
    d = engine.evaluate(RequestFacts("x.example.com", 443, "GET", "/", "https")).decision
    assert d.rule == "shallow"

"""Adversarial host-name tricks against the real proxy: every spelling of a host, every
place a request names its host, and every disagreement between them.

Each denial is checked three ways: the 403 with `X-Egressguard-Reason`, the JSON body's
reason, and the recording upstream, which must see no connection and no byte. Cases that
must pass are checked to reach the upstream. One proxy serves the whole module.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from tests.helpers.proxy import ProxyProcess, header_of, json_body, read_response, status_of
from tests.helpers.upstream import RecordingServer

RESOLVED = [
    "allowed.test", "other.test", "api.example.test", "upload.example.test", "wild.test",
    "a.wild.test", "x.y.wild.test", "evilwild.test", "wild.test.other.test", "allowed.test.other.test",
]


class Env:
    def __init__(self, proxy: ProxyProcess, plain: RecordingServer, tls: RecordingServer, ca: Path) -> None:
        self.proxy, self.plain, self.tls, self.upstream_ca = proxy, plain, tls, ca
        self.P, self.T = plain.port, tls.port

    def fill(self, text: str) -> bytes:
        return text.replace("{P}", str(self.P)).replace("{T}", str(self.T)).encode("utf-8")

    def snapshot(self) -> tuple[int, int, int, int]:
        return (self.plain.connection_count, len(self.plain.received),
                self.tls.connection_count, len(self.tls.received))


@contextlib.contextmanager
def start_env(tmp_path_factory: pytest.TempPathFactory, test_ca: trustme.CA, upstream_ca_file: Path,
              policy: Callable[[int, int], str], resolve: list[str] | dict[str, str],
              extra_args: list[str] | None = None,
              ) -> Iterator[Env]:
    """A proxy for a whole module, with a plain and a TLS recording upstream;
    `policy(P, T)` gets their ports. Shared by the other adversarial modules."""
    plain = RecordingServer()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("allowed.test", "other.test", "api.example.test", "upload.example.test").configure_cert(ctx)
    tls = RecordingServer(tls_context=ctx)
    d = tmp_path_factory.mktemp("adv")
    (d / "policy.yaml").write_text(policy(plain.port, tls.port))
    try:
        names = resolve if isinstance(resolve, dict) else {n: "127.0.0.1" for n in resolve}
        proxy = ProxyProcess(d / "policy.yaml", d / "conf", resolve=names,
                             extra_args=["--upstream-ca", str(upstream_ca_file), *(extra_args or [])])
    except Exception:
        plain.close()
        tls.close()
        raise
    try:
        yield Env(proxy, plain, tls, upstream_ca_file)
    finally:
        proxy.stop()
        plain.close()
        tls.close()


def hosts_policy(P: int, T: int) -> str:
    return f"""
version: 1
rules:
  - id: allowed
    hosts: [allowed.test]
    ports: [{P}, {T}]
    private_networks: allow
  - id: loopback-ip
    hosts: [127.0.0.1]
    ports: [{P}]
    private_networks: allow
  - id: wild
    hosts: ["*.wild.test"]
    ports: [{P}]
    private_networks: allow
  - id: pinned
    hosts: [upload.example.test]
    ports: [{T}]
    tls: passthrough
    private_networks: allow
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, test_ca: trustme.CA, upstream_ca_file: Path) -> Iterator[Env]:
    with start_env(tmp_path_factory, test_ca, upstream_ca_file, hosts_policy, RESOLVED) as e:
        yield e


def strip_connect(resp: bytes) -> bytes:
    if resp.startswith(b"HTTP/1.1 200 Connection established\r\n\r\n"):
        return resp.split(b"\r\n\r\n", 1)[1]
    return resp


def assert_denied(env: Env, resp: bytes, reason: str, before: tuple[int, int, int, int]) -> None:
    resp = strip_connect(resp)
    assert status_of(resp) == 403, resp[:400]
    assert header_of(resp, "X-Egressguard-Reason") == reason, resp[:400]
    body = json_body(resp)
    assert body["blocked_by"] == "egressguard" and body["reason"] == reason
    line = env.proxy.wait_for(lambda e: e.get("request_id") == body["request_id"], 5)
    assert line is not None and line["decision"] == "deny" and line["reason"] == reason
    time.sleep(0.05)
    assert env.snapshot() == before, "something reached the upstream"


def assert_refused_untouched(env: Env, resp: bytes, before: tuple[int, int, int, int]) -> None:
    """mitmproxy's own parser refused the bytes (400) before any hook: nothing may leave."""
    resp = strip_connect(resp)
    assert status_of(resp) in (400, 403), resp[:400]
    time.sleep(0.05)
    assert env.snapshot() == before, "something reached the upstream"


def assert_passed(env: Env, resp: bytes, before: tuple[int, int, int, int]) -> None:
    resp = strip_connect(resp)
    assert status_of(resp) == 200, resp[:400]
    assert env.snapshot() != before


def req(url: str, host: str | None, extra: str = "") -> str:
    host_line = f"Host: {host}\r\n" if host is not None else ""
    return f"GET {url} HTTP/1.1\r\n{host_line}{extra}Connection: close\r\n\r\n"


# (id, raw request (template), expected: a reason, "allow", or "parser" for a 400 before any hook)
PLAIN_CASES = [
    # -- the same host, spelled differently: allowed -------------------------------------
    ("upper-case", req("http://ALLOWED.TEST:{P}/", "ALLOWED.TEST:{P}"), "allow"),
    ("trailing-dot", req("http://allowed.test.:{P}/", "allowed.test.:{P}"), "allow"),
    ("host-header-mixed-case-dot", req("http://allowed.test:{P}/", "Allowed.Test.:{P}"), "allow"),
    ("origin-form-with-host", req("/", "allowed.test:{P}"), "allow"),
    ("ip-decimal", req("http://2130706433:{P}/", "2130706433:{P}"), "allow"),
    ("ip-octal", req("http://0177.0.0.1:{P}/", "0177.0.0.1:{P}"), "allow"),
    ("ip-hex-short", req("http://0x7f.1:{P}/", "0x7f.1:{P}"), "allow"),
    ("ip-short", req("http://127.1:{P}/", "127.1:{P}"), "allow"),
    ("ip-v4-mapped", req("http://[::ffff:127.0.0.1]:{P}/", "[::ffff:127.0.0.1]:{P}"), "allow"),
    ("ip-v4-mapped-hex", req("http://[::ffff:7f00:1]:{P}/", "[::ffff:7f00:1]:{P}"), "allow"),
    ("ip-name-and-spelling-agree", req("http://2130706433:{P}/", "127.0.0.1:{P}"), "allow"),
    ("wildcard-one-level", req("http://a.wild.test:{P}/", "a.wild.test:{P}"), "allow"),
    ("wildcard-two-levels", req("http://x.y.wild.test:{P}/", "x.y.wild.test:{P}"), "allow"),
    # -- other addresses, however spelled: only rules naming the IP match ---------------
    ("ip-other-loopback", req("http://127.0.0.2:{P}/", "127.0.0.2:{P}"), "host_not_allowed"),
    ("ip-other-hex-whole", req("http://0x7f000002:{P}/", "0x7f000002:{P}"), "host_not_allowed"),
    ("ip-other-octal-whole", req("http://017700000002:{P}/", "017700000002:{P}"), "host_not_allowed"),
    ("ip-other-short", req("http://127.2:{P}/", "127.2:{P}"), "host_not_allowed"),
    ("ip-v6-loopback-is-not-v4", req("http://[::1]:{P}/", "[::1]:{P}"), "host_not_allowed"),
    ("ip-v4-compatible-is-not-v4", req("http://[::7f00:1]:{P}/", "[::7f00:1]:{P}"), "host_not_allowed"),
    ("ip-zone-id", req("http://[fe80::1%25lo]:{P}/", "[fe80::1%25lo]:{P}"), "host_not_allowed"),
    ("ip-private-decimal", req("http://167772161:{P}/", "167772161:{P}"), "host_not_allowed"),
    ("ip-as-host-header-vs-name", req("http://allowed.test:{P}/", "2130706433:{P}"), "host_mismatch"),
    # -- look-alike and derived names ---------------------------------------------------
    ("punycode-homoglyph", req("http://xn--llowed-2nf.test:{P}/", "xn--llowed-2nf.test:{P}"), "host_not_allowed"),
    ("wildcard-apex", req("http://wild.test:{P}/", "wild.test:{P}"), "host_not_allowed"),
    ("wildcard-suffix-glued", req("http://evilwild.test:{P}/", "evilwild.test:{P}"), "host_not_allowed"),
    ("wildcard-as-prefix", req("http://wild.test.other.test:{P}/", "wild.test.other.test:{P}"), "host_not_allowed"),
    ("allowed-as-prefix", req("http://allowed.test.other.test:{P}/", "allowed.test.other.test:{P}"),
     "host_not_allowed"),
    ("origin-form-other-host", req("/", "other.test:{P}"), "host_not_allowed"),
    ("http10-no-host-header", "GET http://other.test:{P}/ HTTP/1.0\r\n\r\n", "host_not_allowed"),
    ("overlong-label", req("http://" + "a" * 64 + ".wild.test:{P}/", None), "parser"),
    # -- URL and Host header disagree ---------------------------------------------------
    ("url-other-host-allowed", req("http://other.test:{P}/", "allowed.test:{P}"), "host_mismatch"),
    ("url-allowed-host-other", req("http://allowed.test:{P}/", "other.test:{P}"), "host_mismatch"),
    ("duplicate-host-headers", req("http://allowed.test:{P}/", "allowed.test:{P}", "Host: other.test:{P}\r\n"),
     "host_mismatch"),
    ("duplicate-host-other-first", req("http://allowed.test:{P}/", "other.test:{P}", "Host: allowed.test:{P}\r\n"),
     "host_mismatch"),
    ("host-port-mismatch", req("http://allowed.test:{P}/", "allowed.test:9999"), "host_mismatch"),
    ("host-empty", req("http://allowed.test:{P}/", ""), "host_mismatch"),
    ("host-comma-list", req("http://allowed.test:{P}/", "allowed.test:{P}, other.test"), "host_mismatch"),
    ("host-userinfo", req("http://allowed.test:{P}/", "allowed.test@other.test:{P}"), "host_mismatch"),
    ("host-fullwidth-other", req("http://allowed.test:{P}/", "ｏｔｈｅｒ.test:{P}"), "host_mismatch"),
    # -- refused by the HTTP parser before any hook (400): still nothing leaves ----------
    ("url-userinfo", req("http://allowed.test@other.test:{P}/", "allowed.test:{P}"), "parser"),
    ("url-fullwidth", req("http://ａｌｌｏｗｅｄ.test:{P}/", "allowed.test:{P}"), "parser"),
    ("url-cyrillic", req("http://аllowed.test:{P}/", None), "parser"),
    ("url-empty-host", req("http://:{P}/", ":{P}"), "parser"),
    ("url-encoded-dot", req("http://allowed.test%2eother.test:{P}/", None), "parser"),
    ("url-fragment-at", req("http://allowed.test:{P}#@other.test/", None), "parser"),
]


@pytest.mark.parametrize(("raw", "expected"), [p[1:] for p in PLAIN_CASES], ids=[p[0] for p in PLAIN_CASES])
def test_plain_http_host_tricks(env: Env, raw: str, expected: str) -> None:
    before = env.snapshot()
    resp = env.proxy.raw(env.fill(raw), timeout=5)
    if expected == "allow":
        assert_passed(env, resp, before)
    elif expected == "parser":
        assert_refused_untouched(env, resp, before)
    else:
        assert_denied(env, resp, expected, before)


CONNECT_CASES = [
    ("connect-other-host", "CONNECT other.test:{P} HTTP/1.1\r\nHost: other.test:{P}\r\n\r\n", "host_not_allowed"),
    ("connect-port-not-allowed", "CONNECT allowed.test:1 HTTP/1.1\r\n\r\n", "port_not_allowed"),
    ("connect-other-ip-spelling", "CONNECT 0x7f.2:{P} HTTP/1.1\r\n\r\n", "host_not_allowed"),
    ("connect-v6-loopback", "CONNECT [::1]:{P} HTTP/1.1\r\n\r\n", "host_not_allowed"),
    ("connect-then-host-other",
     "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\n" + req("/", "other.test:{P}"), "host_mismatch"),
    ("connect-then-host-other-port",
     "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\n" + req("/", "allowed.test:9999"), "host_mismatch"),
    ("connect-then-absolute-url-other",
     "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\n" + req("http://other.test:{P}/", "allowed.test:{P}"),
     "host_mismatch"),
    ("connect-then-absolute-url-other-no-host",
     "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\n" + req("http://other.test:{P}/", None), "host_mismatch"),
    ("connect-then-two-hosts",
     "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\n" + req("/", "allowed.test:{P}", "Host: other.test:{P}\r\n"),
     "host_mismatch"),
    ("connect-ip-then-host-name",
     "CONNECT 2130706433:{P} HTTP/1.1\r\n\r\n" + req("/", "allowed.test:{P}"), "host_mismatch"),
    ("connect-spelled-ip-then-ip", "CONNECT 2130706433:{P} HTTP/1.1\r\n\r\n" + req("/", "127.0.0.1:{P}"), "allow"),
    ("connect-upper-dot-then-plain",
     "CONNECT ALLOWED.TEST.:{P} HTTP/1.1\r\n\r\n" + req("/", "allowed.test:{P}"), "allow"),
    ("connect-then-absolute-url-same",
     "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\n" + req("http://allowed.test:{P}/", "allowed.test:{P}"), "allow"),
]


@pytest.mark.parametrize(("raw", "expected"), [p[1:] for p in CONNECT_CASES], ids=[p[0] for p in CONNECT_CASES])
def test_connect_host_tricks(env: Env, raw: str, expected: str) -> None:
    before = env.snapshot()
    resp = env.proxy.raw(env.fill(raw), timeout=5)
    if expected == "allow":
        assert_passed(env, resp, before)
    else:
        assert_denied(env, resp, expected, before)


def tls_tunnel(env: Env, target: str, sni: str | None, request: str, *, ca: Path | None = None) -> bytes:
    s = socket.create_connection(("127.0.0.1", env.proxy.port), timeout=5)
    try:
        s.sendall(env.fill(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(1)
            if not chunk:
                break
            head += chunk
        if status_of(head) != 200:
            return head + read_response(s, 2)
        ctx = ssl.create_default_context(cafile=str(ca or env.proxy.ca_file))
        ctx.check_hostname = False
        tls = ctx.wrap_socket(s, server_hostname=sni)
        with tls:
            tls.sendall(env.fill(request))
            return read_response(tls, 5)
    finally:
        s.close()


TLS_CASES = [
    ("sni-other-host-allowed", "allowed.test:{T}", "other.test", req("/", "allowed.test:{T}"), "host_mismatch"),
    ("sni-allowed-host-other", "allowed.test:{T}", "allowed.test", req("/", "other.test:{T}"), "host_mismatch"),
    ("no-sni-host-other", "allowed.test:{T}", None, req("/", "other.test:{T}"), "host_mismatch"),
    ("sni-allowed-absolute-url-other", "allowed.test:{T}", "allowed.test",
     req("https://other.test:{T}/", "allowed.test:{T}"), "host_mismatch"),
    ("sni-allowed-as-prefix", "allowed.test:{T}", "allowed.test.other.test", req("/", "allowed.test:{T}"),
     "host_mismatch"),
    ("sni-wildcard-sibling", "allowed.test:{T}", "a.allowed.test", req("/", "allowed.test:{T}"), "host_mismatch"),
    ("no-sni-host-allowed", "allowed.test:{T}", None, req("/", "allowed.test:{T}"), "allow"),
    ("sni-upper-case", "allowed.test:{T}", "ALLOWED.TEST", req("/", "allowed.test:{T}"), "allow"),
    # tls: passthrough decided on CONNECT + SNI: a different SNI is intercepted and refused
    ("passthrough-sni-mismatch", "upload.example.test:{T}", "other.test", req("/", "upload.example.test:{T}"),
     "host_mismatch"),
    ("passthrough-sni-mismatch-host-other", "upload.example.test:{T}", "other.test", req("/", "other.test:{T}"),
     "host_mismatch"),
]


@pytest.mark.parametrize(("target", "sni", "raw", "expected"), [p[1:] for p in TLS_CASES],
                         ids=[p[0] for p in TLS_CASES])
def test_tls_tunnel_host_tricks(env: Env, target: str, sni: str | None, raw: str, expected: str) -> None:
    before = env.snapshot()
    resp = tls_tunnel(env, target, sni, raw)
    if expected == "allow":
        assert_passed(env, resp, before)
        assert (env.tls.connections[-1].sni or "").lower() == "allowed.test"  # the upstream SNI: the vetted name
    else:
        assert_denied(env, resp, expected, before)


@pytest.mark.parametrize("sni", ["upload.example.test", None], ids=["sni-match", "no-sni"])
def test_passthrough_relays_untouched_tls(env: Env, sni: str | None) -> None:
    before = env.snapshot()
    resp = tls_tunnel(env, "upload.example.test:{T}", sni, req("/", "upload.example.test:{T}"), ca=env.upstream_ca)
    assert status_of(resp) == 200, resp[:300]
    assert env.tls.connection_count == before[2] + 1
    assert env.tls.connections[-1].sni == sni  # the client's own ClientHello reached the upstream


def test_passthrough_plain_http_is_protocol_not_allowed(env: Env) -> None:
    before = env.snapshot()
    resp = env.proxy.raw(env.fill("CONNECT upload.example.test:{T} HTTP/1.1\r\n\r\n" + req("/", "upload.example.test")))
    assert_denied(env, resp, "protocol_not_allowed", before)


def test_keepalive_reuses_one_upstream_connection_per_vetted_host(env: Env) -> None:
    """The upstream connection is pinned to the vetted address but keeps its name, so a
    keep-alive client does not open (and leave open) one upstream connection per request."""
    before = env.snapshot()
    one = env.fill("GET http://allowed.test:{P}/1 HTTP/1.1\r\nHost: allowed.test:{P}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", env.proxy.port), timeout=5) as s:
        for _ in range(3):
            s.sendall(one)
            assert status_of(read_response(s, 5)) == 200
    assert env.plain.connection_count == before[0] + 1
    assert not [line for line in env.proxy.stderr if "Cannot change server.address" in line]

"""Adversarial protocol confusion against the real proxy: non-HTTP in tunnels, TLS in TLS,
HTTP/2 authority games, h2c, WebSocket, request smuggling, method overrides, ports and
schemes. Raw sockets and h2 frames, so no client library tidies the trick away."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import pytest
import trustme

from tests.e2e.test_adv_hosts import (
    Env,
    assert_denied,
    assert_passed,
    assert_refused_untouched,
    req,
    start_env,
    strip_connect,
)
from tests.helpers.proxy import header_of, read_response, read_responses, status_of

RESOLVED = ["allowed.test", "other.test", "api.example.test", "upload.example.test"]


def protocol_policy(P: int, T: int) -> str:
    return f"""
version: 1
rules:
  - id: read-only
    hosts: [allowed.test]
    ports: [{P}, {T}]
    private_networks: allow
  - id: writes
    hosts: [api.example.test]
    ports: [{P}, {T}]
    methods: [GET, POST]
    paths: ["/v1/**"]
    private_networks: allow
"""


@pytest.fixture(scope="module")
def env(
    tmp_path_factory: pytest.TempPathFactory, test_ca: trustme.CA, upstream_ca_file: Path
) -> Iterator[Env]:
    with start_env(tmp_path_factory, test_ca, upstream_ca_file, protocol_policy, RESOLVED) as e:
        yield e


def open_tunnel(env: Env, target: str) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", env.proxy.port), timeout=5)
    s.sendall(env.fill(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        assert chunk, head
        head += chunk
    assert status_of(head) == 200, head
    return s


def tls_wrap(env: Env, s: socket.socket, sni: str | None, alpn: list[str] | None = None) -> ssl.SSLSocket:
    ctx = ssl.create_default_context(cafile=str(env.proxy.ca_file))
    ctx.check_hostname = False
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx.wrap_socket(s, server_hostname=sni)


def recv_all(s: socket.socket, timeout: float = 3.0) -> bytes:
    s.settimeout(timeout)
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    except (TimeoutError, OSError):
        pass
    return out


# -- non-HTTP inside a CONNECT tunnel ----------------------------------------------------

RAW_PAYLOADS = [
    ("ssh-banner", b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n"),
    ("binary", bytes(range(256))),
    ("two-bytes", b"\x00\x01"),
    ("redis", b"*1\r\n$4\r\nPING\r\n"),
    ("smtp-like-no-space", b"EHLO\r\n"),
    (
        "dns-over-tcp",
        b"\x00\x1d\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05other\x04test\x00\x00\x01\x00\x01",
    ),
]


@pytest.mark.parametrize("payload", [p[1] for p in RAW_PAYLOADS], ids=[p[0] for p in RAW_PAYLOADS])
def test_non_http_in_tunnel_is_protocol_not_allowed(env: Env, payload: bytes) -> None:
    before = env.snapshot()
    with open_tunnel(env, "allowed.test:{P}") as s:
        s.sendall(payload)
        resp = recv_all(s)
    assert_denied(env, resp, "protocol_not_allowed", before)


def test_server_first_protocol_never_connects(env: Env) -> None:
    """A client that waits for a server greeting (SMTP, MySQL) gets nothing: no upstream."""
    before = env.snapshot()
    with open_tunnel(env, "allowed.test:{P}") as s:
        assert recv_all(s, 1.5) == b""
    assert env.snapshot() == before


def test_tls_inside_tls_is_protocol_not_allowed(env: Env) -> None:
    before = env.snapshot()
    with open_tunnel(env, "allowed.test:{T}") as s, tls_wrap(env, s, "allowed.test") as outer:
        inner = ssl.create_default_context()
        inner.check_hostname = False
        inner.verify_mode = ssl.CERT_NONE
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = inner.wrap_bio(incoming, outgoing, server_hostname="other.test")
        with pytest.raises(ssl.SSLWantReadError):
            obj.do_handshake()
        outer.sendall(outgoing.read())
        resp = recv_all(outer)
    assert_denied(env, resp, "protocol_not_allowed", before)


# -- HTTP/2 over the intercepted tunnel ----------------------------------------------------


def h2_request(env: Env, headers: list[tuple[str, str]]) -> tuple[int | None, dict[str, str], bool]:
    """One h2 request in a CONNECT allowed.test tunnel; (status, headers, stream reset)."""
    with open_tunnel(env, "allowed.test:{T}") as s, tls_wrap(env, s, "allowed.test", ["h2"]) as t:
        assert t.selected_alpn_protocol() == "h2"
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(
                client_side=True, validate_outbound_headers=False, normalize_outbound_headers=False
            )
        )
        conn.initiate_connection()
        conn.send_headers(1, [(k, v.replace("{T}", str(env.T))) for k, v in headers], end_stream=True)
        t.sendall(conn.data_to_send())
        status, got, reset = None, {}, False
        t.settimeout(3)
        deadline = time.monotonic() + 5
        done = False
        while not done and time.monotonic() < deadline:
            try:
                data = t.recv(65536)
            except (TimeoutError, OSError):
                break
            if not data:
                break
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived):
                    got = {k.decode(): v.decode() for k, v in ev.headers}  # type: ignore[union-attr]
                    status = int(got[":status"])
                elif isinstance(
                    ev, (h2.events.StreamEnded, h2.events.StreamReset, h2.events.ConnectionTerminated)
                ):
                    reset = not isinstance(ev, h2.events.StreamEnded)
                    done = True
            t.sendall(conn.data_to_send())
        return status, got, reset


def base(authority: str | None = "allowed.test:{T}", path: str = "/") -> list[tuple[str, str]]:
    hs = [(":method", "GET"), (":scheme", "https")]
    if authority is not None:
        hs.append((":authority", authority))
    return [*hs, (":path", path)]


def test_h2_allowed_request_passes(env: Env) -> None:
    before = env.snapshot()
    status, _, _ = h2_request(env, base())
    assert status == 200
    assert env.snapshot() != before


H2_DENIED = [
    ("authority-other-host", base("other.test:{T}"), "host_mismatch"),
    ("authority-other-port", base("allowed.test:1"), "host_mismatch"),
    ("no-authority-host-header-other", [*base(None), ("host", "other.test:{T}")], "host_mismatch"),
    ("method-override-header", [*base(), ("x-http-method-override", "DELETE")], "method_not_allowed"),
    ("method-post", [(":method", "POST"), *base()[1:]], "method_not_allowed"),
]


@pytest.mark.parametrize(("headers", "reason"), [p[1:] for p in H2_DENIED], ids=[p[0] for p in H2_DENIED])
def test_h2_denied(env: Env, headers: list[tuple[str, str]], reason: str) -> None:
    before = env.snapshot()
    status, got, _ = h2_request(env, headers)
    assert status == 403 and got.get("x-egressguard-reason") == reason
    line = env.proxy.wait_for(lambda e: e.get("request_id") == got.get("x-egressguard-request-id"), 5)
    assert line is not None and line["reason"] == reason
    time.sleep(0.05)
    assert env.snapshot() == before


@pytest.mark.parametrize(
    "headers",
    [[*base(), ("host", "other.test:{T}")], base("allowed.test@other.test:{T}")],
    ids=["host-header-other", "authority-userinfo"],
)
def test_h2_malformed_authority_never_leaves(env: Env, headers: list[tuple[str, str]]) -> None:
    before = env.snapshot()
    status, _, _ = h2_request(env, headers)
    assert status in (None, 400, 403)  # refused by the h2 stack or by us: never forwarded
    time.sleep(0.05)
    assert env.snapshot() == before


def test_h2_prior_knowledge_on_proxy_port_never_leaves(env: Env) -> None:
    before = env.snapshot()
    resp = env.proxy.raw(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", timeout=3)
    assert status_of(resp) in (0, 400, 403)
    time.sleep(0.05)
    assert env.snapshot() == before


# -- h2c and WebSocket upgrades --------------------------------------------------------------

H2C = "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
WS = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
)


def test_h2c_upgrade_is_stripped_on_allowed_host(env: Env) -> None:
    env.plain.reset()
    resp = env.proxy.raw(env.fill(req("http://allowed.test:{P}/", "allowed.test:{P}", H2C)))
    assert status_of(resp) == 200
    assert b"h2c" not in env.plain.received.lower() and b"http2-settings" not in env.plain.received.lower()


UPGRADE_DENIED = [
    ("h2c-denied-host", req("http://other.test:{P}/", "other.test:{P}", H2C), "host_not_allowed"),
    ("ws-denied-host", req("http://other.test:{P}/", "other.test:{P}", WS), "host_not_allowed"),
    ("ws-denied-path", req("http://api.example.test:{P}/ws", "api.example.test:{P}", WS), "path_not_allowed"),
    ("ws-host-mismatch", req("http://allowed.test:{P}/", "other.test:{P}", WS), "host_mismatch"),
    (
        "ws-in-tunnel-host-mismatch",
        "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\n" + req("/", "other.test:{P}", WS),
        "host_mismatch",
    ),
]


@pytest.mark.parametrize(
    ("raw", "reason"), [p[1:] for p in UPGRADE_DENIED], ids=[p[0] for p in UPGRADE_DENIED]
)
def test_upgrades_denied(env: Env, raw: str, reason: str) -> None:
    before = env.snapshot()
    assert_denied(env, env.proxy.raw(env.fill(raw)), reason, before)


def test_websocket_upgrade_to_allowed_host_passes(env: Env) -> None:
    env.plain.reset()
    resp = env.proxy.raw(env.fill(req("http://allowed.test:{P}/", "allowed.test:{P}", WS)))
    assert status_of(resp) == 200  # the recording upstream declines the upgrade with a 200
    assert b"upgrade: websocket" in env.plain.received.lower()


# -- request smuggling: only what was allowed ever reaches the upstream ----------------------

SMUGGLED = "GET /v2/secret HTTP/1.1\r\nHost: api.example.test:{P}\r\n\r\n"
SMUGGLING = [
    ("cl-and-te", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + SMUGGLED),
    ("te-and-cl", "Transfer-Encoding: chunked\r\nContent-Length: 60\r\n", "0\r\n\r\n" + SMUGGLED),
    ("te-xchunked", "Transfer-Encoding: xchunked\r\n", "0\r\n\r\n" + SMUGGLED),
    ("te-chunked-identity", "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n" + SMUGGLED),
    ("te-duplicate", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "0\r\n\r\n" + SMUGGLED),
    ("te-space-before-colon", "Transfer-Encoding : chunked\r\n", "0\r\n\r\n" + SMUGGLED),
    ("te-tab-value", "Transfer-Encoding:\tchunked\r\nContent-Length: 3\r\n", "0\r\n\r\n" + SMUGGLED),
    ("te-obs-fold", "Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n" + SMUGGLED),
    ("cl-duplicate-differing", "Content-Length: 0\r\nContent-Length: 44\r\n", SMUGGLED),
    ("cl-plus-sign", "Content-Length: +5\r\n", "0\r\n\r\n" + SMUGGLED),
    ("cl-negative", "Content-Length: -1\r\n", SMUGGLED),
]


@pytest.mark.parametrize(("headers", "body"), [p[1:] for p in SMUGGLING], ids=[p[0] for p in SMUGGLING])
def test_smuggling_never_reaches_upstream(env: Env, headers: str, body: str) -> None:
    env.plain.reset()
    raw = f"POST http://api.example.test:{{P}}/v1/x HTTP/1.1\r\nHost: api.example.test:{{P}}\r\n{headers}\r\n{body}"
    resp = env.proxy.raw(env.fill(raw), timeout=3)
    assert status_of(resp) in (400, 403), resp[:300]
    assert b"/v2/secret" not in env.plain.received
    assert b"200 OK" not in resp


def test_pipelined_request_after_exact_body_is_decided_on_its_own(env: Env) -> None:
    env.plain.reset()
    raw = (
        "POST http://api.example.test:{P}/v1/x HTTP/1.1\r\nHost: api.example.test:{P}\r\nContent-Length: 5\r\n\r\n"
        "0\r\n\r\n"
        + "GET http://api.example.test:{P}/v2/secret HTTP/1.1\r\nHost: api.example.test:{P}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", env.proxy.port), timeout=5) as s:
        s.sendall(env.fill(raw))
        first, second = read_responses(s, 2, 5)
    assert status_of(first) == 200
    assert status_of(second) == 403 and header_of(second, "X-Egressguard-Reason") == "path_not_allowed"
    assert b"/v2/secret" not in env.plain.received


def test_pipelined_denied_host_after_allowed(env: Env) -> None:
    env.plain.reset()
    raw = req("http://allowed.test:{P}/a", "allowed.test:{P}").replace("Connection: close\r\n", "") + req(
        "http://other.test:{P}/b", "other.test:{P}"
    )
    with socket.create_connection(("127.0.0.1", env.proxy.port), timeout=5) as s:
        s.sendall(env.fill(raw))
        first, second = read_responses(s, 2, 5)
    assert status_of(first) == 200
    assert header_of(second, "X-Egressguard-Reason") == "host_not_allowed"
    assert b"/b" not in env.plain.received


# -- method overrides on a read-only rule ------------------------------------------------------

OVERRIDES = [
    (
        "x-http-method-override",
        req("http://allowed.test:{P}/", "allowed.test:{P}", "X-HTTP-Method-Override: DELETE\r\n"),
    ),
    ("x-http-method", req("http://allowed.test:{P}/", "allowed.test:{P}", "X-HTTP-Method: PUT\r\n")),
    ("x-method-override", req("http://allowed.test:{P}/", "allowed.test:{P}", "X-Method-Override: POST\r\n")),
    (
        "override-lower-case-value",
        req("http://allowed.test:{P}/", "allowed.test:{P}", "x-http-method-override: delete\r\n"),
    ),
    (
        "override-twice",
        req(
            "http://allowed.test:{P}/",
            "allowed.test:{P}",
            "X-HTTP-Method-Override: GET\r\nX-HTTP-Method-Override: PATCH\r\n",
        ),
    ),
    (
        "override-list",
        req("http://allowed.test:{P}/", "allowed.test:{P}", "X-HTTP-Method-Override: GET, DELETE\r\n"),
    ),
    ("query-method", req("http://allowed.test:{P}/?_method=DELETE", "allowed.test:{P}")),
    ("query-method-second", req("http://allowed.test:{P}/?a=1&_method=put", "allowed.test:{P}")),
    ("query-method-percent-encoded-key", req("http://allowed.test:{P}/?%5Fmethod=DELETE", "allowed.test:{P}")),
    ("lower-case-delete", "delete http://allowed.test:{P}/ HTTP/1.1\r\nHost: allowed.test:{P}\r\n\r\n"),
    ("webdav-method", "PROPFIND http://allowed.test:{P}/ HTTP/1.1\r\nHost: allowed.test:{P}\r\n\r\n"),
    (
        "override-in-tunnel",
        "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\n"
        + req("/", "allowed.test:{P}", "X-HTTP-Method-Override: DELETE\r\n"),
    ),
    (
        "form-body-method",
        "POST http://api.example.test:{P}/v1/x HTTP/1.1\r\nHost: api.example.test:{P}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 18\r\n\r\na=1&_method=DELETE",
    ),
    (
        "multipart-body-method",
        "POST http://api.example.test:{P}/v1/x HTTP/1.1\r\nHost: api.example.test:{P}\r\n"
        "Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 63\r\n\r\n"
        '--XX\r\nContent-Disposition: form-data; name="_method"\r\n\r\nPUT\r\n--XX--\r\n',
    ),
]


@pytest.mark.parametrize("raw", [p[1] for p in OVERRIDES], ids=[p[0] for p in OVERRIDES])
def test_method_overrides_denied(env: Env, raw: str) -> None:
    before = env.snapshot()
    assert_denied(env, env.proxy.raw(env.fill(raw)), "method_not_allowed", before)


def test_lower_case_get_is_the_read_only_get(env: Env) -> None:
    before = env.snapshot()
    resp = env.proxy.raw(
        env.fill(
            "get http://allowed.test:{P}/ HTTP/1.1\r\nHost: allowed.test:{P}\r\nConnection: close\r\n\r\n"
        )
    )
    assert_passed(env, resp, before)


def test_plain_form_post_without_override_passes(env: Env) -> None:
    before = env.snapshot()
    raw = (
        "POST http://api.example.test:{P}/v1/x HTTP/1.1\r\nHost: api.example.test:{P}\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nmethod=nice"
    )
    assert_passed(env, env.proxy.raw(env.fill(raw)), before)


# -- ports and schemes -------------------------------------------------------------------------

PORTS = [
    ("connect-port-22", "CONNECT allowed.test:22 HTTP/1.1\r\n\r\n", "port_not_allowed"),
    ("connect-port-443-not-listed", "CONNECT allowed.test:443 HTTP/1.1\r\n\r\n", "port_not_allowed"),
    ("http-port-not-in-rule", req("http://allowed.test:1/", "allowed.test:1"), "port_not_allowed"),
    ("http-default-port-80-not-listed", req("http://allowed.test/", "allowed.test"), "port_not_allowed"),
    ("https-absolute-default-port", req("https://allowed.test/", "allowed.test"), "port_not_allowed"),
    ("https-absolute-other-host", req("https://other.test:{T}/", "other.test:{T}"), "host_not_allowed"),
]


@pytest.mark.parametrize(("raw", "reason"), [p[1:] for p in PORTS], ids=[p[0] for p in PORTS])
def test_ports_and_schemes_denied(env: Env, raw: str, reason: str) -> None:
    before = env.snapshot()
    assert_denied(env, env.proxy.raw(env.fill(raw)), reason, before)


def test_absolute_https_url_over_plain_proxy_is_decided_and_tls_upstream(env: Env) -> None:
    before = env.snapshot()
    resp = env.proxy.raw(env.fill(req("https://allowed.test:{T}/", "allowed.test:{T}")))
    assert_passed(env, resp, before)
    assert env.tls.connections[-1].sni == "allowed.test"


def test_connect_inside_tunnel_never_leaves(env: Env) -> None:
    before = env.snapshot()
    raw = "CONNECT allowed.test:{P} HTTP/1.1\r\n\r\nCONNECT other.test:{P} HTTP/1.1\r\n\r\n" + req(
        "/", "other.test:{P}"
    )
    resp = strip_connect(env.proxy.raw(env.fill(raw), timeout=3))
    assert_refused_untouched(env, resp, before)


def test_expect_continue_on_denied_request_gets_no_continue(env: Env) -> None:
    before = env.snapshot()
    with socket.create_connection(("127.0.0.1", env.proxy.port), timeout=5) as s:
        s.sendall(
            env.fill(
                "POST http://other.test:{P}/ HTTP/1.1\r\nHost: other.test:{P}\r\n"
                "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"
            )
        )
        early = recv_all(s, 0.5)
        assert b"100 Continue" not in early
        s.sendall(b"hello")
        resp = early + read_response(s, 5)
    assert_denied(env, resp, "host_not_allowed", before)

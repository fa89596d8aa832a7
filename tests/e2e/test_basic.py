"""The proxy lets out what the policy names and nothing else, over HTTP and HTTPS."""

from __future__ import annotations

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import header_of, json_body, status_of
from tests.helpers.upstream import RecordingServer


def policy_for(port: int, tls_port: int | None = None) -> str:
    ports = [port] + ([tls_port] if tls_port else [])
    return f"""
version: 1
rules:
  - id: allowed
    hosts: [allowed.test]
    ports: {ports}
    private_networks: allow
  - id: writes
    hosts: [api.example.test]
    ports: {ports}
    methods: [GET, POST]
    paths: ["/v1/**"]
    private_networks: allow
"""


def test_allowed_plain_http_reaches_upstream_and_is_logged(
    start_proxy: ProxyFactory, upstream: RecordingServer
) -> None:
    proxy = start_proxy(policy_for(upstream.port))
    resp = proxy.raw(
        f"GET http://allowed.test:{upstream.port}/hello?q=1 HTTP/1.1\r\nHost: allowed.test:{upstream.port}\r\nConnection: close\r\n\r\n".encode()
    )
    assert status_of(resp) == 200
    assert b"GET /hello?q=1 HTTP/1.1" in upstream.received
    (line,) = proxy.wait_decisions(1)
    assert line["decision"] == "allow" and line["reason"] is None and line["rule"] == "allowed"
    assert line["host"] == "allowed.test" and line["port"] == upstream.port and line["path"] == "/hello"
    for key in (
        "timestamp",
        "request_id",
        "client",
        "method",
        "scheme",
        "findings",
        "bytes_out",
        "duration_ms",
    ):
        assert key in line


def test_denied_host_gets_403_json_and_upstream_sees_nothing(
    start_proxy: ProxyFactory, upstream: RecordingServer
) -> None:
    proxy = start_proxy(policy_for(upstream.port))
    resp = proxy.raw(
        f"GET http://other.test:{upstream.port}/x HTTP/1.1\r\nHost: other.test:{upstream.port}\r\n\r\n".encode()
    )
    assert status_of(resp) == 403
    assert header_of(resp, "X-Egressguard-Reason") == "host_not_allowed"
    body = json_body(resp)
    assert body["blocked_by"] == "egressguard" and body["reason"] == "host_not_allowed"
    assert body["rule"] is None and body["request_id"] and body["message"]
    (line,) = proxy.wait_decisions(1)
    assert line["decision"] == "deny" and line["request_id"] == body["request_id"]
    assert upstream.connection_count == 0
    assert proxy.metric("egressguard_requests_total", {"decision": "deny", "reason": "host_not_allowed"}) == 1


def test_intercepted_https_allowed_and_denied(
    start_proxy: ProxyFactory, tls_upstream: RecordingServer
) -> None:
    proxy = start_proxy(policy_for(tls_upstream.port, tls_upstream.port))
    target = f"allowed.test:{tls_upstream.port}"
    head, resp = proxy.tunnel(
        target,
        sni="allowed.test",
        request=f"GET /ok HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert b" 200 " in head.split(b"\r\n")[0]
    assert status_of(resp) == 200, resp
    assert tls_upstream.connections[0].sni == "allowed.test"
    head, resp = proxy.tunnel(
        target,
        sni="allowed.test",
        request=f"POST /ok HTTP/1.1\r\nHost: {target}\r\nContent-Length: 2\r\n\r\nhi".encode(),
    )
    assert status_of(resp) == 403 and header_of(resp, "X-Egressguard-Reason") == "method_not_allowed"
    assert tls_upstream.connection_count == 1

"""`tls: passthrough`: relayed untouched when the SNI names the CONNECT host; anything else
in the tunnel is refused without a byte reaching the upstream."""

from __future__ import annotations

import socket
import ssl

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess, read_response
from tests.helpers.upstream import RecordingServer


def start(start_proxy: ProxyFactory, upstream: RecordingServer) -> ProxyProcess:
    return start_proxy(f"""version: 1
rules:
  - id: pinned
    hosts: [allowed.test]
    ports: [{upstream.port}]
    tls: passthrough
    private_networks: allow
""")


def connect(proxy: ProxyProcess, target: str) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert b" 200 " in head.split(b"\r\n")[0], head
    return s


def test_relayed_untouched_with_the_upstreams_own_certificate(
    start_proxy: ProxyFactory, tls_upstream: RecordingServer, upstream_ca_file: object
) -> None:
    proxy = start(start_proxy, tls_upstream)
    s = connect(proxy, f"allowed.test:{tls_upstream.port}")
    ctx = ssl.create_default_context(cafile=str(upstream_ca_file))  # the upstream's CA, not egressguard's
    with ctx.wrap_socket(s, server_hostname="allowed.test") as tls:
        tls.sendall(b"GET /direct HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n")
        assert read_response(tls, 10).startswith(b"HTTP/1.1 200")
    (line,) = proxy.wait_decisions(1)
    assert line["decision"] == "allow" and line["rule"] == "pinned" and line["method"] == "CONNECT"
    assert tls_upstream.connections[0].sni == "allowed.test"


def test_an_invalid_client_hello_is_refused(start_proxy: ProxyFactory, tls_upstream: RecordingServer) -> None:
    proxy = start(start_proxy, tls_upstream)
    s = connect(proxy, f"allowed.test:{tls_upstream.port}")
    s.sendall(b"\x16\x03\x01\x00\x08" + b"\x01\x00\x00\x04\xff\xff\xff\xff")  # a record with a broken hello
    try:
        rest = s.recv(65536)
    except OSError:
        rest = b""
    s.close()
    assert b"200 OK" not in rest
    line = proxy.wait_for(lambda e: e.get("event") == "egress.decision", 10)
    assert line is not None and line["reason"] == "protocol_not_allowed"
    assert tls_upstream.connection_count == 0

"""WebSocket messages from the client are scanned like request bodies: a secret in a
message stops it (and the connection) before the upstream sees a byte of it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from tests.e2e.conftest import ProxyFactory
from tests.helpers.upstream import WebSocketServer

GH = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "vectors" / "tokens" / "github_token.json").read_text()
)["positive"][0]


@pytest.fixture
def ws_upstream() -> Iterator[WebSocketServer]:
    server = WebSocketServer()
    yield server
    server.close()


def open_ws(port: int, target: str) -> tuple[socket.socket, WSConnection]:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    ws = WSConnection(ConnectionType.CLIENT)
    # absolute-form target: a plain-HTTP proxy request that upgrades
    s.sendall(ws.send(Request(host=target, target=f"http://{target}/ws")))
    events: list[object] = []
    while not any(isinstance(e, AcceptConnection) for e in events):
        data = s.recv(65536)
        assert data, "the proxy closed the connection during the handshake"
        ws.receive_data(data)
        events += list(ws.events())
    return s, ws


def recv_text(s: socket.socket, ws: WSConnection) -> str | None:
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return None
            ws.receive_data(data)
            for e in ws.events():
                if isinstance(e, TextMessage):
                    return e.data
    except OSError:
        return None


def test_clean_messages_pass_and_a_secret_stops_the_connection(
    start_proxy: ProxyFactory, ws_upstream: WebSocketServer
) -> None:
    proxy = start_proxy(f"""version: 1
rules:
  - id: ws
    hosts: [allowed.test]
    ports: [{ws_upstream.port}]
    private_networks: allow
""")
    s, ws = open_ws(proxy.port, f"allowed.test:{ws_upstream.port}")
    try:
        s.sendall(ws.send(TextMessage(data="hello, ordinary message")))
        assert recv_text(s, ws) == "echo 23"
        s.sendall(ws.send(TextMessage(data=f'{{"token": "{GH}"}}')))
        assert recv_text(s, ws) is None  # dropped, connection closed
    finally:
        s.close()
    assert ws_upstream.messages == ["hello, ordinary message"]
    assert GH.encode() not in bytes(ws_upstream.raw)
    lines = proxy.wait_decisions(2)
    assert [d["decision"] for d in lines] == ["allow", "deny"]
    assert lines[1]["reason"] == "secret_detected" and lines[1]["request_id"] == lines[0]["request_id"]
    assert "github_token" in {f["detector"] for f in lines[1]["findings"]}
    assert proxy.metric("egressguard_requests_total") == 2
    assert GH not in "".join(proxy.lines)


def test_websocket_upgrade_to_a_denied_host_never_connects(
    start_proxy: ProxyFactory, ws_upstream: WebSocketServer
) -> None:
    proxy = start_proxy("version: 1\nrules: []\n")
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    ws = WSConnection(ConnectionType.CLIENT)
    target = f"other.test:{ws_upstream.port}"
    s.sendall(ws.send(Request(host=target, target=f"http://{target}/ws")))
    answer = s.recv(65536)
    s.close()
    assert answer.startswith(b"HTTP/1.1 403") and b"host_not_allowed" in answer
    assert ws_upstream.raw == bytearray()

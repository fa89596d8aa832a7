"""The approval gate: a held request reaches the upstream only after a person approves,
exactly once; denial, timeout and a vanished client each end it without a byte out."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess, header_of, status_of
from tests.helpers.upstream import RecordingServer


def policy(port: int) -> str:
    return f"""
version: 1
defaults:
  approval_timeout: 30s
rules:
  - id: comment
    hosts: [api.example.test]
    ports: [{port}]
    methods: [POST]
    paths: ["/repos/acme/*/issues/*/comments"]
    approval: required
    private_networks: allow
  - id: quick-timeout
    hosts: [api.example.test]
    ports: [{port}]
    methods: [DELETE]
    approval: required
    approval_timeout: 1s
    private_networks: allow
  - id: read
    hosts: [api.example.test, allowed.test]
    ports: [{port}]
    private_networks: allow
"""


@pytest.fixture
def proxy(start_proxy: ProxyFactory, upstream: RecordingServer) -> ProxyProcess:
    return start_proxy(policy(upstream.port))


def api(proxy: ProxyProcess, method: str, path: str, token: str | None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    req = urllib.request.Request(proxy.admin_url + path, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


class HeldClient(threading.Thread):
    """Sends one request and waits (in the background) for the answer."""

    def __init__(self, proxy: ProxyProcess, upstream: RecordingServer, method: str, path: str) -> None:
        super().__init__(daemon=True)
        host = f"api.example.test:{upstream.port}"
        body = b'{"body": "hello"}'
        self.request = (
            f"{method} http://{host}{path}?token=abc HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.proxy = proxy
        self.answer = b""
        self.start()

    def run(self) -> None:
        self.answer = self.proxy.raw(self.request, timeout=40)


def wait_pending(
    proxy: ProxyProcess, token: str, count: int = 1, timeout: float = 10
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, items = api(proxy, "GET", "/api/approvals", token)
        assert status == 200
        if len(items) >= count:
            return list(items)
        time.sleep(0.05)
    raise AssertionError("no held request appeared")


def test_approve_releases_exactly_once(proxy: ProxyProcess, upstream: RecordingServer) -> None:
    token = proxy.admin_token()
    client = HeldClient(proxy, upstream, "POST", "/repos/acme/app/issues/7/comments")
    (held,) = wait_pending(proxy, token)
    assert held["method"] == "POST" and held["rule"] == "comment" and held["client"] == "127.0.0.1"
    assert held["url"].endswith("/repos/acme/app/issues/7/comments") and "token=abc" not in held["url"]
    assert held["expires"] > held["created"]
    assert proxy.metric("egressguard_approvals_pending") == 1
    # other traffic keeps flowing while one request is held
    host = f"allowed.test:{upstream.port}"
    assert (
        status_of(
            proxy.raw(f"GET http://{host}/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        )
        == 200
    )
    assert b"/comments" not in upstream.received
    assert api(proxy, "POST", f"/api/approvals/{held['id']}/approve", None)[0] == 401
    assert api(proxy, "POST", f"/api/approvals/{held['id']}/approve", "wrong-token")[0] == 401
    assert b"/comments" not in upstream.received
    status, result = api(proxy, "POST", f"/api/approvals/{held['id']}/approve", token)
    assert status == 200 and result["approver"] == "operator"
    client.join(timeout=10)
    assert status_of(client.answer) == 200
    assert upstream.received.count(b"POST /repos/acme/app/issues/7/comments") == 1
    assert api(proxy, "POST", f"/api/approvals/{held['id']}/approve", token)[0] == 404
    lines = [d for d in proxy.wait_decisions(3) if d["rule"] == "comment"]
    assert [d["decision"] for d in lines] == ["hold", "allow"]
    assert lines[1]["approver"] == "operator" and lines[0]["request_id"] == lines[1]["request_id"]
    assert proxy.metric("egressguard_approvals_pending") == 0
    assert proxy.metric("egressguard_requests_total") == len(proxy.decisions())


def test_deny_and_timeout_send_nothing(proxy: ProxyProcess, upstream: RecordingServer) -> None:
    token = proxy.admin_token()
    denied = HeldClient(proxy, upstream, "POST", "/repos/acme/app/issues/1/comments")
    (held,) = wait_pending(proxy, token)
    assert api(proxy, "POST", f"/api/approvals/{held['id']}/deny", token)[0] == 200
    denied.join(timeout=10)
    assert (
        status_of(denied.answer) == 403
        and header_of(denied.answer, "X-Egressguard-Reason") == "approval_denied"
    )
    timed = HeldClient(proxy, upstream, "DELETE", "/repos/acme/app")
    timed.join(timeout=15)
    assert (
        status_of(timed.answer) == 403
        and header_of(timed.answer, "X-Egressguard-Reason") == "approval_timeout"
    )
    assert upstream.connection_count == 0
    assert api(proxy, "GET", "/api/approvals", token)[1] == []


def test_client_that_disconnects_clears_its_entry(proxy: ProxyProcess, upstream: RecordingServer) -> None:
    token = proxy.admin_token()
    host = f"api.example.test:{upstream.port}"
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    s.sendall(
        f"POST http://{host}/repos/acme/a/issues/2/comments HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n".encode()
    )
    wait_pending(proxy, token)
    s.close()
    deadline = time.monotonic() + 10
    while api(proxy, "GET", "/api/approvals", token)[1] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api(proxy, "GET", "/api/approvals", token)[1] == []
    assert upstream.connection_count == 0


def test_cli_lists_and_approves(proxy: ProxyProcess, upstream: RecordingServer) -> None:
    client = HeldClient(proxy, upstream, "POST", "/repos/acme/app/issues/3/comments")
    wait_pending(proxy, proxy.admin_token())
    base = [sys.executable, "-m", "egressguard", "approvals"]
    common = ["--admin", proxy.admin_url, "--confdir", str(proxy.confdir)]
    out = subprocess.run(
        [*base, "list", "--json", *common], capture_output=True, text=True, timeout=30, check=True
    )
    (held,) = json.loads(out.stdout)
    bad = subprocess.run([*base, "approve", "nope", *common], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "nope" in bad.stderr and "Traceback" not in bad.stderr
    ok = subprocess.run([*base, "approve", held["id"], *common], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    client.join(timeout=10)
    assert status_of(client.answer) == 200


def test_admin_api_through_the_proxy_is_denied(proxy: ProxyProcess) -> None:
    port = int(proxy.admin_url.rsplit(":", 1)[1])
    resp = proxy.raw(
        f"GET http://127.0.0.1:{port}/api/approvals HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    )
    assert status_of(resp) == 403


def test_admin_token_file_is_private(proxy: ProxyProcess) -> None:
    assert (proxy.confdir / "admin-token").stat().st_mode & 0o077 == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_proxys_own_listeners_stay_out_of_reach_even_when_private_networks_are_allowed(
    start_proxy: ProxyFactory, upstream: RecordingServer
) -> None:
    listen, metrics, admin = free_port(), free_port(), free_port()
    proxy = start_proxy(
        f"version: 1\nrules:\n  - id: local\n    hosts: [127.0.0.1, 127.0.0.2, allowed.test]\n"
        f"    ports: [{listen}, {metrics}, {admin}, {upstream.port}]\n    methods: [GET, POST]\n"
        f"    private_networks: allow\n",
        extra_args=[
            "--listen",
            f"127.0.0.1:{listen}",
            "--metrics",
            f"127.0.0.1:{metrics}",
            "--admin",
            f"127.0.0.1:{admin}",
        ],
    )
    ok = proxy.raw(
        f"GET http://127.0.0.1:{upstream.port}/ HTTP/1.1\r\nHost: 127.0.0.1:{upstream.port}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    assert status_of(ok) == 200  # private networks really are allowed by this rule
    for host in ("127.0.0.1", "127.0.0.2", "allowed.test"):
        for port in (listen, metrics, admin):
            resp = proxy.raw(
                f"POST http://{host}:{port}/api/approvals/x/approve HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            assert status_of(resp) == 403 and header_of(resp, "X-Egressguard-Reason") == "private_address", (
                host,
                port,
            )


def test_too_many_held_requests_are_rate_limited(
    start_proxy: ProxyFactory, upstream: RecordingServer
) -> None:
    proxy = start_proxy(
        policy(upstream.port).replace(
            "  approval_timeout: 30s\n", "  approval_timeout: 30s\n  max_pending_approvals: 2\n"
        )
    )
    token = proxy.admin_token()
    held = [HeldClient(proxy, upstream, "POST", f"/repos/acme/app/issues/{i}/comments") for i in range(2)]
    wait_pending(proxy, token, count=2)
    third = HeldClient(proxy, upstream, "POST", "/repos/acme/app/issues/9/comments")
    third.join(timeout=10)
    assert (
        status_of(third.answer) == 403 and header_of(third.answer, "X-Egressguard-Reason") == "rate_limited"
    )
    for item in api(proxy, "GET", "/api/approvals", token)[1]:
        api(proxy, "POST", f"/api/approvals/{item['id']}/deny", token)
    for client in held:
        client.join(timeout=10)
    assert upstream.connection_count == 0

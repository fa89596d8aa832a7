"""Rolling a policy out: audit, suggest, check, enforce, reload."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess, header_of, status_of
from tests.helpers.upstream import RecordingServer


def get(proxy: ProxyProcess, upstream: RecordingServer, host: str, path: str, method: str = "GET") -> bytes:
    hp = f"{host}:{upstream.port}"
    return proxy.raw(
        f"{method} http://{hp}{path} HTTP/1.1\r\nHost: {hp}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".encode()
    )


EMPTY = "version: 1\nmode: audit\nrules: []\n"


def test_audit_passes_everything_and_logs_what_enforce_would_deny(
    start_proxy: ProxyFactory, upstream: RecordingServer
) -> None:
    proxy = start_proxy(EMPTY)
    assert status_of(get(proxy, upstream, "allowed.test", "/a")) == 200
    (line,) = proxy.wait_decisions(1)
    assert line["decision"] == "audit" and line["reason"] == "host_not_allowed" and line["mode"] == "audit"
    assert (
        proxy.metric("egressguard_requests_total", {"decision": "audit", "reason": "host_not_allowed"}) == 1
    )


def test_cli_mode_overrides_the_policy(start_proxy: ProxyFactory, upstream: RecordingServer) -> None:
    proxy = start_proxy(EMPTY, extra_args=["--mode", "enforce"])
    resp = get(proxy, upstream, "allowed.test", "/a")
    assert status_of(resp) == 403 and upstream.connection_count == 0


def test_audit_suggest_check_enforce_round_trip(
    start_proxy: ProxyFactory, upstream: RecordingServer, tmp_path: Path
) -> None:
    audit = start_proxy(EMPTY)
    traffic = [
        ("allowed.test", "/simple/requests/", "GET"),
        ("allowed.test", "/simple/idna/", "GET"),
        ("api.example.test", "/repos/acme/app/issues/12", "GET"),
        ("api.example.test", "/repos/acme/app/issues/13", "GET"),
        ("api.example.test", "/repos/acme/app/issues/14/comments", "POST"),
    ]
    for host, path, method in traffic:
        assert status_of(get(audit, upstream, host, path, method)) == 200
    audit.wait_decisions(len(traffic))
    log = tmp_path / "audit.log"
    log.write_text("".join(audit.lines))
    out = subprocess.run(
        [sys.executable, "-m", "egressguard", "suggest", str(log)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    suggested = tmp_path / "suggested.yaml"
    suggested.write_text(out.stdout)
    check = subprocess.run(
        [sys.executable, "-m", "egressguard", "check", str(suggested)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stdout + out.stdout
    enforce = start_proxy(out.stdout)
    for host, path, method in traffic:
        assert status_of(get(enforce, upstream, host, path, method)) == 200, (host, path, out.stdout)
    denied = [
        ("other.test", "/", "GET"),
        ("api.example.test", "/repos/acme/app", "DELETE"),
        ("allowed.test", "/simple/requests/", "POST"),
    ]
    for host, path, method in denied:
        assert status_of(get(enforce, upstream, host, path, method)) == 403, (host, path, method, out.stdout)


POLICY_A = """version: 1
rules:
  - id: a
    hosts: [allowed.test]
    ports: [{port}]
    private_networks: allow
"""
POLICY_B = POLICY_A.replace("allowed.test", "other.test").replace("id: a", "id: b")


def test_reload_on_change_and_sighup_keeps_old_policy_when_bad(
    start_proxy: ProxyFactory, upstream: RecordingServer
) -> None:
    proxy = start_proxy(POLICY_A.format(port=upstream.port))
    policy_file = Path(proxy.proc.args[proxy.proc.args.index("--policy") + 1])  # type: ignore[union-attr]
    assert status_of(get(proxy, upstream, "allowed.test", "/")) == 200
    policy_file.write_text(POLICY_B.format(port=upstream.port))
    assert proxy.wait_for(
        lambda e: e.get("event") == "egressguard.policy_reload" and e.get("result") == "ok", 10
    )
    assert status_of(get(proxy, upstream, "other.test", "/")) == 200
    assert status_of(get(proxy, upstream, "allowed.test", "/")) == 403
    policy_file.write_text("version: 1\nrules:\n  - id: x\n    hosts: ['*.com']\n")
    bad = proxy.wait_for(
        lambda e: e.get("event") == "egressguard.policy_reload" and e.get("result") == "error", 10
    )
    assert bad is not None and any("public suffix" in p and ":4:" in p for p in bad["problems"])
    assert status_of(get(proxy, upstream, "other.test", "/")) == 200  # the old policy stays in force
    assert proxy.metric("egressguard_policy_reloads_total", {"result": "error"}) >= 1
    assert proxy.metric("egressguard_policy_reloads_total", {"result": "ok"}) == 1
    # SIGHUP reloads too (the bad file is refused again; the good policy is still in force)
    before = proxy.metric("egressguard_policy_reloads_total", {"result": "error"})
    os.kill(proxy.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while (
        proxy.metric("egressguard_policy_reloads_total", {"result": "error"}) == before
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert proxy.metric("egressguard_policy_reloads_total", {"result": "error"}) == before + 1
    resp = get(proxy, upstream, "allowed.test", "/")
    assert header_of(resp, "X-Egressguard-Reason") == "host_not_allowed"
    assert proxy.metric("egressguard_policy_rules") == 1


def test_in_flight_requests_finish_under_the_policy_they_started_with(
    start_proxy: ProxyFactory, upstream: RecordingServer
) -> None:
    import threading
    import urllib.request

    gated = f"""version: 1
rules:
  - id: gated
    hosts: [api.example.test]
    ports: [{upstream.port}]
    methods: [POST]
    approval: required
    private_networks: allow
"""
    proxy = start_proxy(gated)
    policy_file = Path(proxy.proc.args[proxy.proc.args.index("--policy") + 1])  # type: ignore[union-attr]
    answer: list[bytes] = []
    held = threading.Thread(
        target=lambda: answer.append(get(proxy, upstream, "api.example.test", "/x", "POST"))
    )
    held.start()
    token = proxy.admin_token()
    deadline = time.monotonic() + 10
    items: list[dict[str, str]] = []
    while not items and time.monotonic() < deadline:
        req = urllib.request.Request(
            proxy.admin_url + "/api/approvals", headers={"Authorization": f"Bearer {token}"}
        )
        items = __import__("json").loads(urllib.request.urlopen(req, timeout=5).read())
        time.sleep(0.05)
    assert items
    policy_file.write_text("version: 1\nrules: []\n")  # the new policy allows nothing
    assert proxy.wait_for(
        lambda e: e.get("event") == "egressguard.policy_reload" and e.get("result") == "ok", 10
    )
    assert (
        status_of(get(proxy, upstream, "api.example.test", "/new", "POST")) == 403
    )  # new requests: new policy
    req = urllib.request.Request(
        proxy.admin_url + f"/api/approvals/{items[0]['id']}/approve",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert urllib.request.urlopen(req, timeout=5).status == 200
    held.join(timeout=10)
    assert status_of(answer[0]) == 200  # the held request finishes under the policy it started with
    assert b"POST /x" in upstream.received and b"/new" not in upstream.received

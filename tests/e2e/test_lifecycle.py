"""Start, stop and survive: clear errors for bad input, graceful SIGTERM, CA files with the
right permissions, and hostile clients that cannot take the proxy down."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess, status_of
from tests.helpers.upstream import RecordingServer

EG = [sys.executable, "-m", "egressguard"]


def policy(port: int) -> str:
    return f"""version: 1
rules:
  - id: up
    hosts: [allowed.test]
    ports: [{port}]
    methods: [GET, POST]
    private_networks: allow
"""


def get(proxy: ProxyProcess, upstream: RecordingServer, path: str = "/") -> bytes:
    hp = f"allowed.test:{upstream.port}"
    return proxy.raw(f"GET http://{hp}{path} HTTP/1.1\r\nHost: {hp}\r\nConnection: close\r\n\r\n".encode())


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("EGRESSGUARD_")}
    full.update(env or {})
    return subprocess.run([*EG, *args], capture_output=True, text=True, timeout=timeout, env=full)


def test_bad_flag_is_one_line(tmp_path: Path) -> None:
    for args in (
        ["run", "--listen", "nonsense"],
        ["run", "--mode", "loud"],
        ["run", "--resolve", "x"],
        ["frobnicate"],
    ):
        out = run(*args, "--confdir", str(tmp_path)) if args[0] == "run" else run(*args)
        assert out.returncode == 2, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr, out.stderr


def test_bad_policy_at_start_exits_1_with_file_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("version: 1\nrules:\n  - id: a\n    hosts: ['*.co.uk']\n")
    out = run("run", "--policy", str(p), "--confdir", str(tmp_path / "c"), "--listen", "127.0.0.1:0")
    assert out.returncode == 1 and f"{p}:4:" in out.stderr and "Traceback" not in out.stderr


def test_missing_secret_names_the_secret_not_a_value(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(
        "version: 1\nsecrets:\n  gh:\n    from: {env: EG_NOT_SET_ANYWHERE}\n    hosts: [api.github.com]\nrules: []\n"
    )
    out = run("run", "--policy", str(p), "--confdir", str(tmp_path / "c"), "--listen", "127.0.0.1:0")
    assert out.returncode == 1 and "'gh'" in out.stderr and "EG_NOT_SET_ANYWHERE" in out.stderr
    assert "Traceback" not in out.stderr


def test_environment_variables_set_flags(tmp_path: Path, upstream: RecordingServer) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(policy(upstream.port))
    env = {"EGRESSGUARD_POLICY": str(p), "EGRESSGUARD_MODE": "audit", "EGRESSGUARD_LISTEN": "127.0.0.1:0"}
    proxy = ProxyProcess(p, tmp_path / "conf", resolve={"allowed.test": "127.0.0.1"}, env=env)
    try:
        assert proxy.started["mode"] == "audit"
    finally:
        proxy.stop()


def test_ca_files_and_commands(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    init = run("ca", "init", "--confdir", str(conf))
    assert init.returncode == 0
    ca = Path(init.stdout.strip())
    assert ca == conf / "egressguard-ca.pem"
    text = ca.read_text()
    assert "BEGIN CERTIFICATE" in text and "PRIVATE KEY" not in text
    assert (conf / "mitmproxy-ca.pem").stat().st_mode & 0o077 == 0
    assert conf.stat().st_mode & 0o077 == 0
    assert run("ca", "path", "--confdir", str(conf)).stdout.strip() == str(ca)
    bundle = Path(run("ca", "bundle", "--confdir", str(conf)).stdout.strip())
    assert bundle.read_text().count("BEGIN CERTIFICATE") > 10 and bundle.read_text().rstrip().endswith(
        text.rstrip()
    )
    env = run("env", "--confdir", str(conf), "--proxy", "http://127.0.0.1:8080").stdout
    for var in (
        "HTTP_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
        "GIT_SSL_CAINFO",
        "AWS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        assert f"export {var}=" in env
    assert "export NO_PROXY=localhost,127.0.0.1,::1" in env.replace("'", "")
    assert f"NODE_EXTRA_CA_CERTS={ca}" in env and f"SSL_CERT_FILE={bundle}" in env


def test_sigterm_finishes_in_flight_and_exits_0(start_proxy: ProxyFactory, upstream: RecordingServer) -> None:
    proxy = start_proxy(policy(upstream.port))
    assert urllib.request.urlopen(proxy.metrics_url + "/readyz", timeout=5).status == 200
    hp = f"allowed.test:{upstream.port}"
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    s.sendall(
        f"POST http://{hp}/slow HTTP/1.1\r\nHost: {hp}\r\nContent-Length: 10\r\nConnection: close\r\n\r\n12345".encode()
    )
    time.sleep(0.3)
    proxy.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    s.sendall(b"67890")  # the request in flight completes after SIGTERM
    answer = s.recv(65536)
    s.close()
    assert status_of(answer) == 200
    assert proxy.proc.wait(timeout=15) == 0
    assert any(e.get("event") == "egressguard.stopped" for e in proxy.events())


def test_hostile_clients_do_not_take_it_down(start_proxy: ProxyFactory, upstream: RecordingServer) -> None:
    proxy = start_proxy(policy(upstream.port))
    # garbage, binary, oversized headers
    for junk in (
        b"\x00\x01\x02\xff" * 100,
        b"GET / HTTP/1.1\r\n\r\n",
        b"HELO\r\n",
        b"GET http://allowed.test/ HTTP/1.1\r\nX: " + b"a" * 200_000 + b"\r\n\r\n",
    ):
        with contextlib.suppress(OSError):
            proxy.raw(junk, timeout=5)
    # slowloris: connections that trickle half a request
    slow = []
    for _ in range(50):
        c = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        c.sendall(b"GET http://allowed.test/ HTTP/1.1\r\nHost: al")
        slow.append(c)
    # 1,000 concurrent connections, each with a request
    errors: list[BaseException] = []
    codes: list[int] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        try:
            hp = f"allowed.test:{upstream.port}" if i % 2 else f"other.test:{upstream.port}"
            code = status_of(
                proxy.raw(
                    f"GET http://{hp}/{i} HTTP/1.1\r\nHost: {hp}\r\nConnection: close\r\n\r\n".encode(),
                    timeout=60,
                )
            )
            with lock:
                codes.append(code)
        except OSError as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(1000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    for c in slow:
        c.close()
    assert not errors, errors[:3]
    assert sorted(set(codes)) == [200, 403] and codes.count(200) == 500
    assert proxy.proc.poll() is None
    assert status_of(get(proxy, upstream, "/after")) == 200
    decisions = proxy.wait_decisions(1001, timeout=20)
    # every answered request has its line (the oversized-header probe may add one of its own)
    ids = {d["request_id"] for d in decisions}
    assert len(ids) == len(decisions) >= 1001
    assert proxy.metric("egressguard_requests_total") == len(decisions)


def test_upstream_ca_is_added_to_the_default_roots_not_a_replacement(
    start_proxy: ProxyFactory, upstream: RecordingServer
) -> None:
    from egressguard.cli.ca import system_roots

    proxy = start_proxy(policy(upstream.port))
    trust = (proxy.confdir / "upstream-trust.pem").read_text()
    roots = system_roots().decode()
    assert roots.strip() in trust and trust.count("BEGIN CERTIFICATE") == roots.count("BEGIN CERTIFICATE") + 1


def test_resolve_takes_several_mappings_after_one_flag(tmp_path: Path, upstream: RecordingServer) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(policy(upstream.port).replace("[allowed.test]", "[allowed.test, other.test]"))
    proxy = ProxyProcess(
        p, tmp_path / "conf", extra_args=["--resolve", "allowed.test=127.0.0.1", "other.test=127.0.0.1"]
    )
    try:
        for host in ("allowed.test", "other.test"):
            hp = f"{host}:{upstream.port}"
            resp = proxy.raw(f"GET http://{hp}/ HTTP/1.1\r\nHost: {hp}\r\nConnection: close\r\n\r\n".encode())
            assert status_of(resp) == 200, host
    finally:
        proxy.stop()


def test_an_address_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for flag in ("--listen", "--metrics", "--admin"):
            args = {"--listen": "127.0.0.1:0", "--metrics": "127.0.0.1:0", "--admin": "127.0.0.1:0"}
            args[flag] = f"127.0.0.1:{port}"
            out = run(
                "run",
                "--policy",
                str(Path(__file__).parents[2] / "rules"),
                "--confdir",
                str(tmp_path / "c"),
                *[x for kv in args.items() for x in kv],
            )
            assert out.returncode == 1, (flag, out.stderr)
            assert "egressguard: cannot" in out.stderr and "Traceback" not in out.stderr

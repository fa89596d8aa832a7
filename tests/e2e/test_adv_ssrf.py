"""Adversarial SSRF: allowed names that resolve (or are spelled) as internal addresses, the
proxy's own listeners, DNS rebinding, and names that must never be looked up at all.

Two setups. On the host, names resolve (`--resolve`) to loopback forms where the recording
upstream listens, so a leak would be seen. In a fresh network namespace (`unshare -n`; we
are root) the metadata, RFC 1918, CGNAT, ULA and NAT64 addresses are put on `lo` with a
catch-all listener behind them and a fake DNS server on the resolver's address: there
every address is *reachable*, so "nothing connected" is a measurement, not an assumption.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.e2e.test_adv_hosts import Env, assert_denied, assert_passed, req, start_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


METRICS, ADMIN = free_port(), free_port()


def ssrf_policy(P: int, T: int) -> str:
    return f"""
version: 1
rules:
  - id: rebind
    hosts: [rebind.test, "*.rebind.test"]
    ports: [{P}]
  - id: rebind-later-allow
    hosts: [rebind.test]
    ports: [{P}]
    private_networks: allow
  - id: literals
    hosts: [127.0.0.1, "::1", 0.0.0.0]
    ports: [{P}, {METRICS}, {ADMIN}]
  - id: self-name
    hosts: [localhost]
    ports: [{METRICS}, {ADMIN}]
  - id: private-ok
    hosts: [privok.test]
    ports: [{P}]
    private_networks: allow
"""


RESOLVE = {
    "rebind.test": "127.0.0.1",
    "zero.rebind.test": "0.0.0.0",
    "v6.rebind.test": "::1",
    "mapped.rebind.test": "::ffff:127.0.0.1",
    "privok.test": "127.0.0.1",
}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, test_ca: trustme.CA, upstream_ca_file: Path) -> Iterator[Env]:
    with start_env(tmp_path_factory, test_ca, upstream_ca_file, ssrf_policy, RESOLVE,
                   ["--metrics", f"127.0.0.1:{METRICS}", "--admin", f"127.0.0.1:{ADMIN}"]) as e:
        yield e


HOST_CASES = [
    ("name-to-loopback", req("http://rebind.test:{P}/", "rebind.test:{P}")),
    ("name-to-loopback-connect", "CONNECT rebind.test:{P} HTTP/1.1\r\n\r\n"),
    ("name-to-unspecified", req("http://zero.rebind.test:{P}/", "zero.rebind.test:{P}")),
    ("name-to-v6-loopback", req("http://v6.rebind.test:{P}/", "v6.rebind.test:{P}")),
    ("name-to-v4-mapped-loopback", req("http://mapped.rebind.test:{P}/", "mapped.rebind.test:{P}")),
    ("literal-loopback", req("http://127.0.0.1:{P}/", "127.0.0.1:{P}")),
    ("literal-loopback-decimal", req("http://2130706433:{P}/", "2130706433:{P}")),
    ("literal-loopback-v4-mapped", req("http://[::ffff:127.0.0.1]:{P}/", "[::ffff:127.0.0.1]:{P}")),
    ("literal-unspecified", req("http://0.0.0.0:{P}/", "0.0.0.0:{P}")),
    ("literal-unspecified-short", req("http://0:{P}/", "0:{P}")),
    ("literal-v6-loopback", req("http://[::1]:{P}/", "[::1]:{P}")),
    ("literal-loopback-connect", "CONNECT 127.0.0.1:{P} HTTP/1.1\r\n\r\n"),
    ("own-metrics", req(f"http://127.0.0.1:{METRICS}/metrics", f"127.0.0.1:{METRICS}")),
    ("own-admin", req(f"http://127.0.0.1:{ADMIN}/api/approvals", f"127.0.0.1:{ADMIN}")),
    ("own-admin-by-localhost", req(f"http://localhost:{ADMIN}/api/approvals", f"localhost:{ADMIN}")),
    ("own-admin-connect", f"CONNECT localhost:{ADMIN} HTTP/1.1\r\n\r\n"),
    ("own-metrics-hex", req(f"http://0x7f.0.0.1:{METRICS}/metrics", f"0x7f.0.0.1:{METRICS}")),
]


@pytest.mark.parametrize("raw", [c[1] for c in HOST_CASES], ids=[c[0] for c in HOST_CASES])
def test_private_destinations_on_host(env: Env, raw: str) -> None:
    before = env.snapshot()
    assert_denied(env, env.proxy.raw(env.fill(raw)), "private_address", before)


def test_private_networks_allow_rule_reaches_upstream(env: Env) -> None:
    before = env.snapshot()
    assert_passed(env, env.proxy.raw(env.fill(req("http://privok.test:{P}/", "privok.test:{P}"))), before)


def test_own_admin_api_untouched(env: Env) -> None:
    """After all the attempts above, the admin API saw no approval activity and the
    metrics listener is still ours alone to read."""
    assert not [e for e in env.proxy.events() if str(e.get("event", "")).startswith("egressguard.approval")]


# -- in a network namespace: every internal address is real and listened on ----------------

SCENARIO = textwrap.dedent(r'''
import json, os, socket, struct, subprocess, sys, threading, time
sys.path.insert(0, os.getcwd())
from pathlib import Path
from tests.helpers.proxy import ProxyProcess, header_of, json_body, status_of

V4 = ["169.254.169.254", "10.0.0.1", "100.64.0.1", "10.255.255.53"]
# Stands for a remote public server. Added only once the proxy runs: the proxy reads this
# host's own addresses at start and refuses them (they are private to it), and here the
# "remote" server has to live on this namespace's lo.
PUBLIC = "93.184.216.34"
V6 = ["fd00::1", "64:ff9b::a9fe:a9fe"]
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
for a in V4:
    subprocess.run(["ip", "addr", "add", a + "/32", "dev", "lo"], check=True)
for a in V6:
    subprocess.run(["ip", "-6", "addr", "add", a + "/128", "dev", "lo", "nodad"], check=True)

hits = []  # local address of every connection the catch-all accepted
lsock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("::", 0)); lsock.listen(64)
L = lsock.getsockname()[1]
def serve():
    while True:
        c, _ = lsock.accept()
        hits.append(c.getsockname()[0])
        def answer(c=c):
            c.settimeout(3)
            try:
                buf = b""
                while b"\r\n\r\n" not in buf:
                    d = c.recv(4096)
                    if not d:
                        return
                    buf += d
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=answer, daemon=True).start()
threading.Thread(target=serve, daemon=True).start()

queries = []  # (name, qtype) the fake DNS server was asked
ANSWERS = {"public.test": [["93.184.216.34"]], "multi.test": [["93.184.216.34", "10.0.0.1"]],
           "rebind-dns.test": [["93.184.216.34"], ["169.254.169.254"]]}
asked_a = {}
dsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dsock.bind(("10.255.255.53", 53))
def dns():
    while True:
        data, peer = dsock.recvfrom(512)
        tid, flags, qd = struct.unpack(">HHH", data[:6])
        i, labels = 12, []
        while data[i]:
            labels.append(data[i + 1:i + 1 + data[i]].decode()); i += 1 + data[i]
        qtype = struct.unpack(">H", data[i + 1:i + 3])[0]
        question = data[12:i + 5]
        name = ".".join(labels).lower()
        queries.append([name, qtype])
        answers = []
        rcode = 3
        if name in ANSWERS:
            rcode = 0
            if qtype == 1:
                n = asked_a.get(name, 0); asked_a[name] = n + 1
                seq = ANSWERS[name]
                answers = seq[min(n, len(seq) - 1)]
        body = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 0, 4) + socket.inet_aton(a) for a in answers)
        head = struct.pack(">HHHHHH", tid, 0x8180 | rcode, 1, len(answers), 0, 0)
        dsock.sendto(head + question + body, peer)
threading.Thread(target=dns, daemon=True).start()

tmp = Path(sys.argv[1])
policy = f"""
version: 1
rules:
  - id: rebind
    hosts: [rebind.test, "*.rebind.test"]
    ports: [{L}]
  - id: literals
    hosts: [169.254.169.254, 10.0.0.1, 100.64.0.1, "fd00::1", "64:ff9b::a9fe:a9fe", 0.0.0.0, "::1"]
    ports: [{L}]
  - id: dns-names
    hosts: [rebind-dns.test, multi.test, public.test]
    ports: [{L}]
  - id: private-ok
    hosts: [privok.test]
    ports: [{L}]
    private_networks: allow
"""
(tmp / "policy.yaml").write_text(policy)
resolve = {"meta.rebind.test": "169.254.169.254", "ten.rebind.test": "10.0.0.1", "cgnat.rebind.test": "100.64.0.1",
           "v6lo.rebind.test": "::1", "ula.rebind.test": "fd00::1", "mapped.rebind.test": "::ffff:169.254.169.254",
           "nat64.rebind.test": "64:ff9b::a9fe:a9fe", "zero.rebind.test": "0.0.0.0",
           "public.rebind.test": "93.184.216.34", "privok.test": "10.0.0.1"}
proxy = ProxyProcess(tmp / "policy.yaml", tmp / "conf", resolve=resolve)
subprocess.run(["ip", "addr", "add", PUBLIC + "/32", "dev", "lo"], check=True)

def get(host):
    return f"GET http://{host}:{L}/latest/meta-data/ HTTP/1.1\r\nHost: {host}:{L}\r\nConnection: close\r\n\r\n".encode()

CASES = json.loads(sys.argv[2])
results = {}
for cid, kind, host in CASES:
    before = len(hits)
    raw = get(host) if kind == "get" else f"CONNECT {host}:{L} HTTP/1.1\r\n\r\n".encode()
    resp = proxy.raw(raw, timeout=5)
    if resp.startswith(b"HTTP/1.1 200 Connection established\r\n\r\n"):
        resp = resp.split(b"\r\n\r\n", 1)[1]
    time.sleep(0.1)
    try:
        body_reason = json_body(resp).get("reason") if status_of(resp) == 403 else None
    except ValueError:
        body_reason = "<bad json>"
    results[cid] = {"status": status_of(resp), "reason": header_of(resp, "X-Egressguard-Reason"),
                    "body_reason": body_reason, "hits": hits[before:]}
time.sleep(0.2)
events = proxy.events()
proxy.stop()
print("RESULT " + json.dumps({"cases": results, "queries": queries, "hits": hits,
                              "dns_failed": [e for e in events if e.get("event") == "egressguard.dns_failed"],
                              "decisions": [e for e in events if e.get("event") == "egress.decision"]}))
''')

NS_CASES: list[tuple[str, str, str, str]] = [
    # (id, get|connect, host, expected: a reason, or "allow@ADDRESS")
    ("metadata-by-name", "get", "meta.rebind.test", "private_address"),
    ("metadata-by-name-connect", "connect", "meta.rebind.test", "private_address"),
    ("rfc1918-by-name", "get", "ten.rebind.test", "private_address"),
    ("cgnat-by-name", "get", "cgnat.rebind.test", "private_address"),
    ("v6-loopback-by-name", "get", "v6lo.rebind.test", "private_address"),
    ("ula-by-name", "get", "ula.rebind.test", "private_address"),
    ("v4-mapped-metadata-by-name", "get", "mapped.rebind.test", "private_address"),
    ("nat64-metadata-by-name", "get", "nat64.rebind.test", "private_address"),
    ("unspecified-by-name", "get", "zero.rebind.test", "private_address"),
    ("metadata-literal", "get", "169.254.169.254", "private_address"),
    ("metadata-literal-octal", "get", "0251.0376.0251.0376", "private_address"),
    ("metadata-literal-decimal", "get", "2852039166", "private_address"),
    ("metadata-literal-v4-mapped", "get", "[::ffff:a9fe:a9fe]", "private_address"),
    ("metadata-literal-nat64", "get", "[64:ff9b::a9fe:a9fe]", "private_address"),
    ("metadata-literal-connect", "connect", "169.254.169.254", "private_address"),
    ("rfc1918-literal", "get", "10.0.0.1", "private_address"),
    ("cgnat-literal", "get", "100.64.0.1", "private_address"),
    ("ula-literal", "get", "[fd00::1]", "private_address"),
    ("v6-loopback-literal", "get", "[::1]", "private_address"),
    ("unspecified-literal", "get", "0.0.0.0", "private_address"),
    ("dns-multi-answer-one-private", "get", "multi.test", "private_address"),
    ("dns-rebinding-first-answer-public", "get", "rebind-dns.test", "allow@93.184.216.34"),
    ("dns-rebinding-second-answer-metadata", "get", "rebind-dns.test", "private_address"),
    ("dns-public-name", "get", "public.test", "allow@93.184.216.34"),
    ("never-resolved-unlisted-name", "get", "exfil.attacker.example", "host_not_allowed"),
    ("never-resolved-unlisted-connect", "connect", "secret-label.attacker.example", "host_not_allowed"),
    ("control-public-address", "get", "public.rebind.test", "allow@93.184.216.34"),
    ("control-private-allow-rule", "get", "privok.test", "allow@10.0.0.1"),
]


@pytest.fixture(scope="module")
def netns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("needs root, unshare and ip to build a network namespace")
    tmp = tmp_path_factory.mktemp("netns")
    script = tmp / "scenario.py"
    script.write_text(SCENARIO)
    cases = json.dumps([[c[0], c[1], c[2]] for c in NS_CASES])
    proc = subprocess.run(["unshare", "-n", sys.executable, str(script), str(tmp), cases],
                          capture_output=True, timeout=90, cwd=str(Path(__file__).resolve().parents[2]))
    out = [ln for ln in proc.stdout.decode().splitlines() if ln.startswith("RESULT ")]
    if not out and b"Operation not permitted" in proc.stderr:
        pytest.skip("unshare -n is not permitted here")
    assert out, proc.stderr.decode()[-3000:]
    return dict(json.loads(out[0][len("RESULT "):]))


@pytest.mark.parametrize(("cid", "expected"), [(c[0], c[3]) for c in NS_CASES], ids=[c[0] for c in NS_CASES])
def test_internal_addresses_in_namespace(netns: dict[str, Any], cid: str, expected: str) -> None:
    got = netns["cases"][cid]
    if expected.startswith("allow@"):
        assert got["status"] == 200, got
        assert got["hits"] and got["hits"][0].removeprefix("::ffff:") == expected.split("@", 1)[1], got
    else:
        assert got["status"] == 403 and got["reason"] == expected and got["body_reason"] == expected, got
        assert got["hits"] == [], f"{cid}: something connected to {got['hits']}"


def test_unlisted_names_are_never_resolved(netns: dict[str, Any]) -> None:
    asked = {name for name, _ in netns["queries"]}
    assert "public.test" in asked and "rebind-dns.test" in asked  # the DNS server does see lookups
    assert not [n for n in asked if "attacker" in n]
    assert not [e for e in netns["dns_failed"] if "attacker" in json.dumps(e)]


def test_nothing_connected_but_the_allowed(netns: dict[str, Any]) -> None:
    allowed = [c for c in NS_CASES if c[3].startswith("allow@")]
    assert len(netns["hits"]) == len(allowed), netns["hits"]

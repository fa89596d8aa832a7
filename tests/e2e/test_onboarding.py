"""Onboarding, tried for real (docs/onboarding.md): the exports `egressguard env` prints are
enough for curl, Python requests/httpx, pip, git, Node, Java and Go to reach an allowed
HTTPS host through the proxy with certificate verification ON, and each of them reports a
denied host as the proxy's 403 with nothing reaching the upstream.

Every client runs as a subprocess with only the computed environment (no -k, no
verify=False, no NODE_TLS_REJECT_UNAUTHORIZED). A runtime is skipped only when its binary
is absent. allowed.test/other.test do not resolve on this machine: a client that bypassed
the proxy could not reach the upstream at all."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess
from tests.helpers.upstream import RecordingServer

TIMEOUT = 20  # seconds, per client subprocess
CERT_ERROR = re.compile(
    r"certificate verify failed|unable to get local issuer|self[- ]signed|SSL certificate problem"
    r"|PKIX path|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|unknown authority|x509",
    re.IGNORECASE,
)

# Variables a developer's shell may carry that would change what the clients do.
SCRUB = re.compile(
    r"^(?:(?:HTTPS?|ALL|NO|FTP|GRPC)_PROXY|SSL_CERT_(?:FILE|DIR)|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE"
    r"|PIP_.*|GIT_.*|AWS_CA_BUNDLE|NODE_.*|DENO_CERT|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS"
    r"|EGRESSGUARD_.*|UV_.*)$",
    re.IGNORECASE,
)


def policy(port: int) -> str:
    return f"""version: 1
rules:
  - id: onboarding
    hosts: [allowed.test]
    ports: [{port}]
    methods: [GET, POST]
    private_networks: allow
"""


@dataclass
class Setup:
    proxy: ProxyProcess
    upstream: RecordingServer
    env: dict[str, str]  # the parsed `egressguard env` exports
    client_env: dict[str, str]  # os.environ scrubbed + the exports
    work: Path

    def url(self, host: str, path: str = "/") -> str:
        return f"https://{host}:{self.upstream.port}{path}"


@dataclass
class Result:
    rc: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def parse_exports(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if not line.startswith("export "):
            continue
        (assignment,) = shlex.split(line[len("export ") :])
        name, _, value = assignment.partition("=")
        out[name] = value
    return out


@pytest.fixture(scope="module")
def setup(
    start_module_proxy: ProxyFactory,
    module_tls_upstream: RecordingServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Setup]:
    proxy = start_module_proxy(policy(module_tls_upstream.port))
    base_env = {k: v for k, v in os.environ.items() if not SCRUB.match(k)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "egressguard",
            "env",
            "--confdir",
            str(proxy.confdir),
            "--proxy",
            f"http://127.0.0.1:{proxy.port}",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=base_env,
    )
    assert done.returncode == 0, done.stderr
    exports = parse_exports(done.stdout)
    yield Setup(
        proxy, module_tls_upstream, exports, {**base_env, **exports}, tmp_path_factory.mktemp("clients")
    )


@pytest.fixture
def s(setup: Setup) -> Setup:
    setup.upstream.reset()
    return setup


def run(s: Setup, args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**s.client_env, **(env or {})},
        cwd=cwd or s.work,
        stdin=subprocess.DEVNULL,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def decisions_after(s: Setup, before: int) -> list[dict[str, Any]]:
    return s.proxy.wait_decisions(before + 1, timeout=5)[before:]


def assert_through_proxy(s: Setup, before: int, result: Result, path: str) -> None:
    """The upstream saw the request, over TLS with SNI allowed.test, and the proxy logged
    an allow decision for it; the client printed the upstream's 200 echo."""
    assert not CERT_ERROR.search(result.text), result.text
    conns = [c for c in s.upstream.connections if c.data]
    assert conns, f"upstream saw nothing; client said:\n{result.text}"
    assert {c.sni for c in conns} == {"allowed.test"}
    assert f" {path}".encode() in s.upstream.received, s.upstream.received[:300]
    new = decisions_after(s, before)
    assert any(d["decision"] == "allow" and d["host"] == "allowed.test" for d in new), new


def assert_denied(s: Setup, before: int, result: Result, needle: str = "403") -> None:
    """The proxy refused other.test (host_not_allowed) and the client surfaced it."""
    assert result.rc != 0 or needle in result.text, result.text
    assert needle in result.text, result.text
    assert not CERT_ERROR.search(result.text), result.text
    assert s.upstream.connection_count == 0
    new = decisions_after(s, before)
    assert any(d["decision"] == "deny" and d["reason"] == "host_not_allowed" for d in new), new


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed on this machine")
    return path


# -- what `egressguard env` prints ------------------------------------------------------------
def test_env_exports_point_at_the_proxy_and_the_right_ca_files(s: Setup) -> None:
    proxy = f"http://127.0.0.1:{s.proxy.port}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        assert s.env[name] == s.env[name.lower()] == proxy
    assert s.env["NO_PROXY"] == s.env["no_proxy"] == "localhost,127.0.0.1,::1"
    assert s.env["NODE_USE_ENV_PROXY"] == "1"
    ca = s.proxy.ca_file
    bundle = s.proxy.confdir / "ca-bundle.pem"
    # "replace the store" variables get the bundle (system roots + CA), "add a CA" ones the CA alone
    for name in (
        "SSL_CERT_FILE",
        "CURL_CA_BUNDLE",
        "REQUESTS_CA_BUNDLE",
        "PIP_CERT",
        "GIT_SSL_CAINFO",
        "AWS_CA_BUNDLE",
    ):
        assert Path(s.env[name]) == bundle, name
    assert Path(s.env["NODE_EXTRA_CA_CERTS"]) == ca
    bundle_pem = bundle.read_text()
    assert ca.read_text().strip() in bundle_pem
    assert bundle_pem.count("BEGIN CERTIFICATE") > 1  # the system roots are still there
    assert "PRIVATE KEY" not in bundle_pem + ca.read_text()


# -- curl ------------------------------------------------------------------------------------
def test_curl(s: Setup) -> None:
    curl = need("curl")
    before = len(s.proxy.decisions())
    r = run(s, [curl, "-sS", "--max-time", "10", s.url("allowed.test", "/curl")])
    assert r.rc == 0, r.text
    assert json.loads(r.out)["path"] == "/curl"
    assert_through_proxy(s, before, r, "/curl")


def test_curl_denied(s: Setup) -> None:
    curl = need("curl")
    before = len(s.proxy.decisions())
    r = run(s, [curl, "-sS", "--max-time", "10", s.url("other.test", "/curl")])
    # curl: (56) CONNECT tunnel failed, response 403
    assert_denied(s, before, r, "response 403")


def test_curl_without_the_ca_variables_fails_verification(s: Setup) -> None:
    """Verification is really on: without the bundle curl rejects the proxy's certificate."""
    curl = need("curl")
    env = {k: v for k, v in s.client_env.items() if k not in ("CURL_CA_BUNDLE", "SSL_CERT_FILE")}
    done = subprocess.run(
        [curl, "-sS", "--max-time", "10", s.url("allowed.test", "/nocert")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 60, done.stderr
    assert "SSL certificate problem: unable to get local issuer certificate" in done.stderr
    assert b"/nocert" not in s.upstream.received


# -- Python ----------------------------------------------------------------------------------
REQUESTS = """
import sys, requests
try:
    r = requests.post(sys.argv[1], json={"hello": "world"}, timeout=10)
except requests.exceptions.RequestException as exc:
    print(type(exc).__name__, exc, file=sys.stderr)
    sys.exit(1)
print(r.status_code)
print(r.text)
"""

HTTPX = """
import sys, httpx
try:
    r = httpx.post(sys.argv[1], json={"hello": "world"}, timeout=10)  # trust_env=True (default)
except httpx.HTTPError as exc:
    print(type(exc).__name__, exc, file=sys.stderr)
    sys.exit(1)
print(r.status_code)
print(r.text)
"""


def python_has(module: str) -> None:
    r = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, timeout=TIMEOUT)
    if r.returncode != 0:
        pytest.skip(f"Python package {module} is not installed")


@pytest.mark.parametrize("lib", ["requests", "httpx"])
def test_python(s: Setup, lib: str) -> None:
    python_has(lib)
    code = REQUESTS if lib == "requests" else HTTPX
    before = len(s.proxy.decisions())
    r = run(s, [sys.executable, "-c", code, s.url("allowed.test", f"/{lib}")])
    assert r.rc == 0, r.text
    status, body = r.out.split("\n", 1)
    assert status == "200" and json.loads(body)["method"] == "POST"
    assert_through_proxy(s, before, r, f"/{lib}")


@pytest.mark.parametrize("lib", ["requests", "httpx"])
def test_python_denied(s: Setup, lib: str) -> None:
    python_has(lib)
    code = REQUESTS if lib == "requests" else HTTPX
    before = len(s.proxy.decisions())
    r = run(s, [sys.executable, "-c", code, s.url("other.test", f"/{lib}")])
    # requests: ProxyError ... Tunnel connection failed: 403 Forbidden; httpx: ProxyError 403 Forbidden
    assert r.rc == 1
    assert "ProxyError" in r.err
    assert_denied(s, before, r, "403")


PIP_ENV = {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def pip_download(s: Setup, host: str) -> Result:
    return run(
        s,
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-vv",
            "--no-deps",
            "--no-cache-dir",
            "--retries",
            "0",
            "--timeout",
            "10",
            "-d",
            str(s.work / "pip"),
            "--index-url",
            s.url(host, "/simple/"),
            "egressguard-onboarding-probe",
        ],
        env=PIP_ENV,
    )


def test_pip(s: Setup) -> None:
    """pip (PIP_CERT) gets through TLS and the proxy; the recording upstream is no package
    index, so resolution fails after that."""
    python_has("pip")
    before = len(s.proxy.decisions())
    r = pip_download(s, "allowed.test")
    assert r.rc != 0
    assert_through_proxy(s, before, r, "/simple/egressguard-onboarding-probe/")


def test_pip_denied(s: Setup) -> None:
    python_has("pip")
    before = len(s.proxy.decisions())
    r = pip_download(s, "other.test")
    # pip only says "No matching distribution" unless verbose; with -vv: Could not fetch URL
    # ...: proxy connection error: (..., OSError('Tunnel connection failed: 403 Forbidden'))
    assert_denied(s, before, r, "Tunnel connection failed: 403 Forbidden")


def uv_binary() -> str:
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("uv is not installed on this machine")
    return found


def uv_install(s: Setup, host: str) -> Result:
    return run(
        s,
        [
            uv_binary(),
            "pip",
            "install",
            "--no-config",
            "--dry-run",
            "--python",
            sys.executable,
            "--index-url",
            s.url(host, "/simple/"),
            "egressguard-onboarding-probe",
        ],
        env={
            "UV_CACHE_DIR": str(s.work / "uv-cache"),
            "UV_HTTP_RETRIES": "0",
            "UV_PYTHON_DOWNLOADS": "never",
        },
    )


def test_uv(s: Setup) -> None:
    """uv (rustls + SSL_CERT_FILE, which replaces its bundled roots) through the proxy."""
    before = len(s.proxy.decisions())
    r = uv_install(s, "allowed.test")
    assert r.rc != 0  # no package index behind allowed.test
    assert_through_proxy(s, before, r, "/simple/egressguard-onboarding-probe/")


def test_uv_denied(s: Setup) -> None:
    before = len(s.proxy.decisions())
    r = uv_install(s, "other.test")
    # uv does not print the CONNECT status: "cause: tunnel error: unsuccessful"
    assert_denied(s, before, r, "tunnel error")


# -- git -------------------------------------------------------------------------------------
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def test_git(s: Setup) -> None:
    """The upstream is no git server (git 2.39 falls back to the dumb protocol and lists no
    refs), but the request got through TLS and the proxy with GIT_SSL_CAINFO."""
    git = need("git")
    before = len(s.proxy.decisions())
    r = run(s, [git, "ls-remote", s.url("allowed.test", "/repo")], env=GIT_ENV)
    assert "CONNECT tunnel failed" not in r.err, r.err
    assert_through_proxy(s, before, r, "/repo/info/refs?service=git-upload-pack")


def test_git_denied(s: Setup) -> None:
    git = need("git")
    before = len(s.proxy.decisions())
    r = run(s, [git, "ls-remote", s.url("other.test", "/repo")], env=GIT_ENV)
    # fatal: unable to access 'https://other.test:PORT/repo/': CONNECT tunnel failed, response 403
    assert_denied(s, before, r, "response 403")


# -- Node.js ---------------------------------------------------------------------------------
# Node 20's http/https and fetch ignore HTTPS_PROXY: tunnel explicitly (what https-proxy-agent
# does), with NODE_EXTRA_CA_CERTS adding the egressguard CA to Node's roots.
NODE_CONNECT = r"""
const http = require('http'), https = require('https'), tls = require('tls');
const target = new URL(process.argv.at(-1));
const proxy = new URL(process.env.HTTPS_PROXY || process.env.https_proxy);
const fail = (msg) => { console.error(msg); process.exit(1); };
const req = http.request({host: proxy.hostname, port: proxy.port, method: 'CONNECT',
                          path: `${target.hostname}:${target.port}`, timeout: 10000});
req.on('connect', (res, socket) => {
  if (res.statusCode !== 200) fail(`proxy refused CONNECT: ${res.statusCode} ${res.statusMessage} (${res.headers['x-egressguard-reason']})`);
  https.get({host: target.hostname, port: target.port, path: target.pathname,
             createConnection: () => tls.connect({socket, servername: target.hostname})}, (r) => {
    let body = ''; r.on('data', (c) => body += c);
    r.on('end', () => { console.log(r.statusCode); console.log(body); });
  }).on('error', (e) => fail(`${e.code}: ${e.message}`));
});
req.on('error', (e) => fail(`${e.code}: ${e.message}`));
req.end();
"""

NODE_FETCH = r"""
fetch(process.argv.at(-1)).then(async (r) => { console.log(r.status); console.log(await r.text()); })
  .catch((e) => { console.error(`${e.message}: ${e.cause && (e.cause.code || e.cause.message)}`); process.exit(1); });
"""


def node_version(node: str) -> tuple[int, ...]:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=TIMEOUT).stdout
    return tuple(int(x) for x in out.strip().lstrip("v").split("."))


def node_env_proxy_supported(v: tuple[int, ...]) -> bool:
    """NODE_USE_ENV_PROXY (fetch and http/https): Node >= 24.5, or 22.21+ on the 22 line."""
    return v >= (24, 5) or (22, 21) <= v < (23,)


def test_node_connect_tunnel(s: Setup) -> None:
    node = need("node")
    before = len(s.proxy.decisions())
    r = run(s, [node, "-e", NODE_CONNECT, s.url("allowed.test", "/node")])
    assert r.rc == 0, r.text
    status, body = r.out.split("\n", 1)
    assert status == "200" and json.loads(body)["path"] == "/node"
    assert_through_proxy(s, before, r, "/node")


def test_node_connect_tunnel_denied(s: Setup) -> None:
    node = need("node")
    before = len(s.proxy.decisions())
    r = run(s, [node, "-e", NODE_CONNECT, s.url("other.test", "/node")])
    assert r.rc == 1
    assert_denied(s, before, r, "proxy refused CONNECT: 403 Forbidden (host_not_allowed)")


def test_node_fetch_with_node_use_env_proxy(s: Setup) -> None:
    """Global fetch + NODE_USE_ENV_PROXY=1: through the proxy where Node supports it; on
    older Node (20, early 22) the variable is ignored and fetch goes direct (here: the name
    does not resolve) — the documented reason to tunnel explicitly there."""
    node = need("node")
    version = node_version(node)
    before = len(s.proxy.decisions())
    r = run(s, [node, "-e", NODE_FETCH, s.url("allowed.test", "/fetch")])
    if node_env_proxy_supported(version):
        assert r.rc == 0, r.text
        assert_through_proxy(s, before, r, "/fetch")
    else:
        assert r.rc == 1 and ("ENOTFOUND" in r.err or "EAI_AGAIN" in r.err), r.text
        assert s.upstream.connection_count == 0
        assert len(s.proxy.decisions()) == before  # it never asked the proxy


# npm carries its own proxy agent: it honours HTTPS_PROXY and NODE_EXTRA_CA_CERTS on Node 20.
# Config files are isolated: a `cafile=` in an npmrc replaces Node's roots, CA included.
def npm_view(s: Setup, host: str) -> Result:
    npm = need("npm")
    (s.work / "npmrc-user").write_text("")
    (s.work / "npmrc-global").write_text("")
    return run(
        s,
        [
            npm,
            "view",
            "egressguard-onboarding-probe",
            "version",
            "--registry",
            s.url(host, "/"),
            "--fetch-retries=0",
            "--fetch-timeout=10000",
        ],
        env={
            "npm_config_userconfig": str(s.work / "npmrc-user"),
            "npm_config_globalconfig": str(s.work / "npmrc-global"),
            "npm_config_cache": str(s.work / "npm-cache"),
            "npm_config_update_notifier": "false",
        },
    )


def test_npm(s: Setup) -> None:
    before = len(s.proxy.decisions())
    r = npm_view(s, "allowed.test")
    assert "UNABLE_TO_VERIFY" not in r.text, r.text
    assert_through_proxy(s, before, r, "/egressguard-onboarding-probe")


def test_npm_denied(s: Setup) -> None:
    before = len(s.proxy.decisions())
    r = npm_view(s, "other.test")
    # npm error 403 403 Forbidden - GET https://other.test:PORT/egressguard-onboarding-probe
    assert_denied(s, before, r, "403 Forbidden")


# -- Java ------------------------------------------------------------------------------------
# JEP 330 single-file program. ProxySelector.getDefault() reads -Dhttps.proxyHost/Port from
# JAVA_TOOL_OPTIONS; the truststore comes from -Djavax.net.ssl.trustStore.
FETCH_JAVA = """
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class Fetch {
    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newBuilder()
            .proxy(ProxySelector.getDefault())
            .connectTimeout(Duration.ofSeconds(10))
            .build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            System.out.println(r.statusCode());
            System.out.println(r.body());
        } catch (java.io.IOException e) {
            System.err.println(e.getClass().getName() + ": " + e.getMessage());
            System.exit(1);
        }
    }
}
"""


@pytest.fixture(scope="module")
def java_setup(setup: Setup) -> dict[str, str]:
    java, keytool = shutil.which("java"), shutil.which("keytool")
    if java is None or keytool is None:
        pytest.skip("java/keytool are not installed on this machine")
    java_home = Path(java).resolve().parent.parent
    cacerts = java_home / "lib" / "security" / "cacerts"
    store = setup.work / "truststore.jks"
    # Start from the JDK's roots (a truststore holding only our CA would break every
    # passthrough host, like pointing SSL_CERT_FILE at the CA alone), then add our CA.
    if cacerts.is_file():
        shutil.copyfile(cacerts.resolve(), store)
        store.chmod(0o600)
    done = subprocess.run(
        [
            keytool,
            "-importcert",
            "-noprompt",
            "-alias",
            "egressguard",
            "-file",
            setup.env["NODE_EXTRA_CA_CERTS"],
            "-keystore",
            str(store),
            "-storepass",
            "changeit",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=setup.client_env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (setup.work / "Fetch.java").write_text(FETCH_JAVA)
    return {
        "JAVA_TOOL_OPTIONS": (
            f"-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort={setup.proxy.port}"
            f" -Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort={setup.proxy.port}"
            " -Dhttp.nonProxyHosts=localhost|127.0.0.1|[::1]"
            f" -Djavax.net.ssl.trustStore={store} -Djavax.net.ssl.trustStorePassword=changeit"
        )
    }


def test_java(s: Setup, java_setup: dict[str, str]) -> None:
    before = len(s.proxy.decisions())
    r = run(s, ["java", "Fetch.java", s.url("allowed.test", "/java")], env=java_setup)
    assert r.rc == 0, r.text
    status, body = r.out.split("\n", 1)
    assert status == "200" and json.loads(body)["path"] == "/java"
    assert_through_proxy(s, before, r, "/java")


def test_java_denied(s: Setup, java_setup: dict[str, str]) -> None:
    before = len(s.proxy.decisions())
    r = run(s, ["java", "Fetch.java", s.url("other.test", "/java")], env=java_setup)
    # java.io.IOException: Unable to establish tunnel: HTTP/1.1 403 ... (JDK 17 wording)
    assert r.rc == 1
    assert_denied(s, before, r, "403")


# -- Go --------------------------------------------------------------------------------------
FETCH_GO = """package main

import (
\t"fmt"
\t"io"
\t"net/http"
\t"os"
\t"time"
)

func main() {
\t// http.DefaultTransport: Proxy = http.ProxyFromEnvironment; roots from SSL_CERT_FILE on Linux.
\tclient := &http.Client{Timeout: 10 * time.Second}
\tr, err := client.Get(os.Args[1])
\tif err != nil {
\t\tfmt.Fprintln(os.Stderr, err)
\t\tos.Exit(1)
\t}
\tdefer r.Body.Close()
\tbody, _ := io.ReadAll(r.Body)
\tfmt.Println(r.StatusCode)
\tfmt.Println(string(body))
}
"""


@pytest.fixture(scope="module")
def go_binary(setup: Setup) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed on this machine")
    src = setup.work / "gofetch"
    src.mkdir()
    (src / "main.go").write_text(FETCH_GO)
    (src / "go.mod").write_text("module gofetch\n\ngo 1.19\n")
    env = {k: v for k, v in os.environ.items() if not SCRUB.match(k)}
    env.update(GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local", CGO_ENABLED="0")
    done = subprocess.run(
        [go, "build", "-o", str(src / "fetch"), "."],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=src,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return src / "fetch"


def test_go(s: Setup, go_binary: Path) -> None:
    before = len(s.proxy.decisions())
    r = run(s, [str(go_binary), s.url("allowed.test", "/go")])
    assert r.rc == 0, r.text
    status, body = r.out.split("\n", 1)
    assert status == "200" and json.loads(body)["path"] == "/go"
    assert_through_proxy(s, before, r, "/go")


def test_go_denied(s: Setup, go_binary: Path) -> None:
    before = len(s.proxy.decisions())
    r = run(s, [str(go_binary), s.url("other.test", "/go")])
    # Get "https://other.test:PORT/go": Forbidden   (Go reports the CONNECT status text only)
    assert r.rc == 1
    assert_denied(s, before, r, "Forbidden")

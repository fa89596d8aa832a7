"""Credentials the agent never sees: injected on the way out, swapped for placeholders on
the secret's own hosts, refused everywhere else, and scrubbed from what comes back."""

from __future__ import annotations

import base64
import gzip
import json
import urllib.request
import zlib

import brotli
import pytest

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess, header_of, json_body, status_of
from tests.helpers.upstream import RecordingServer

REAL = "s3cr3t-REAL-value-9f8e7d6c5b4a"
PLACEHOLDER = "EG_SECRET_GH_PLACEHOLDER"


def policy(port: int) -> str:
    return f"""
version: 1
secrets:
  gh:
    from: {{env: EG_TEST_GH}}
    hosts: [api.example.test]
    placeholder: {PLACEHOLDER}
rules:
  - id: api
    hosts: [api.example.test]
    ports: [{port}]
    methods: [GET, POST]
    private_networks: allow
    inject: {{headers: {{X-Api-Token: "token ${{secrets.gh}}"}}}}
  - id: api-plain
    hosts: [allowed.test]
    ports: [{port}]
    methods: [GET, POST]
    private_networks: allow
  - id: upload
    hosts: [upload.example.test]
    ports: [{port}]
    methods: [GET, POST]
    private_networks: allow
"""


@pytest.fixture(scope="module")
def proxy(start_module_proxy: ProxyFactory, module_upstream: RecordingServer) -> ProxyProcess:
    return start_module_proxy(policy(module_upstream.port), env={"EG_TEST_GH": REAL})


def request(
    proxy: ProxyProcess,
    upstream: RecordingServer,
    host: str,
    path: str = "/",
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    upstream.reset()
    hostport = f"{host}:{upstream.port}"
    hdrs = {"Host": hostport, "Connection": "close", "Content-Length": str(len(body)), **(headers or {})}
    head = f"{method} http://{hostport}{path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in hdrs.items()
    )
    return proxy.raw(head.encode() + b"\r\n" + body)


def test_inject_adds_the_real_value_and_the_echo_is_redacted(
    proxy: ProxyProcess, module_upstream: RecordingServer
) -> None:
    resp = request(proxy, module_upstream, "api.example.test", headers={"X-Api-Token": "agent-forged"})
    assert status_of(resp) == 200
    assert f"X-Api-Token: token {REAL}".encode() in module_upstream.received
    assert b"agent-forged" not in module_upstream.received  # injected header replaces the agent's
    assert REAL.encode() not in resp
    assert b"[REDACTED]" in resp


@pytest.mark.parametrize(
    ("path", "headers", "expect_upstream"),
    [
        pytest.param("/", {"Authorization": f"Bearer {PLACEHOLDER}"}, f"Bearer {REAL}", id="bearer header"),
        pytest.param("/", {"X-Custom": f"k={PLACEHOLDER};"}, f"k={REAL};", id="custom header"),
        pytest.param(
            "/",
            {"Authorization": "Basic " + base64.b64encode(f"x-access-token:{PLACEHOLDER}".encode()).decode()},
            "Basic " + base64.b64encode(f"x-access-token:{REAL}".encode()).decode(),
            id="inside basic auth",
        ),
        pytest.param(f"/q?token={PLACEHOLDER}", {}, f"/q?token={REAL}", id="query string"),
        pytest.param(f"/repos/{PLACEHOLDER}/x", {}, f"/repos/{REAL}/x", id="path"),
    ],
)
def test_placeholder_is_swapped_on_its_own_host(
    proxy: ProxyProcess,
    module_upstream: RecordingServer,
    path: str,
    headers: dict[str, str],
    expect_upstream: str,
) -> None:
    resp = request(proxy, module_upstream, "api.example.test", path, headers=headers)
    assert status_of(resp) == 200, resp[:200]
    assert expect_upstream.encode() in module_upstream.received
    assert PLACEHOLDER.encode() not in module_upstream.received
    assert REAL.encode() not in resp


@pytest.mark.parametrize(
    ("host", "path", "headers", "body"),
    [
        pytest.param(
            "upload.example.test",
            "/",
            {"Authorization": f"Bearer {PLACEHOLDER}"},
            b"",
            id="placeholder to another allowed host",
        ),
        pytest.param(
            "upload.example.test", f"/?t={PLACEHOLDER}", {}, b"", id="placeholder in another host's URL"
        ),
        pytest.param("upload.example.test", "/", {}, f"leak={REAL}".encode(), id="real value in a body"),
        pytest.param("upload.example.test", "/", {}, base64.b64encode(REAL.encode()), id="real value base64"),
        pytest.param(
            "upload.example.test",
            "/",
            {"Content-Encoding": "gzip"},
            gzip.compress(REAL.encode()),
            id="real value gzipped",
        ),
        pytest.param(
            "allowed.test",
            "/",
            {"Authorization": "Basic " + base64.b64encode(f"u:{PLACEHOLDER}".encode()).decode()},
            b"",
            id="placeholder in basic auth to another host",
        ),
        pytest.param(
            "upload.example.test",
            "/",
            {"Content-Type": "application/json"},
            json.dumps({"a": REAL[:14], "b": REAL[14:]}).encode(),
            id="real value split across JSON fields",
        ),
    ],
)
def test_misuse_is_secret_detected_and_nothing_leaves(
    proxy: ProxyProcess,
    module_upstream: RecordingServer,
    host: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    resp = request(
        proxy, module_upstream, host, path, method="POST" if body else "GET", headers=headers, body=body
    )
    assert status_of(resp) == 403, resp[:200]
    assert header_of(resp, "X-Egressguard-Reason") == "secret_detected"
    assert module_upstream.connection_count == 0


ENCODINGS = {
    "gzip": (gzip.compress, gzip.decompress),
    "deflate": (zlib.compress, zlib.decompress),
    "br": (brotli.compress, brotli.decompress),
    "identity": (lambda b: b, lambda b: b),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("chunk_size", [None, 7], ids=["content-length", "chunked, the value across chunks"])
def test_response_echo_is_redacted_with_a_right_length(
    proxy: ProxyProcess, module_upstream: RecordingServer, encoding: str, chunk_size: int | None
) -> None:
    encode, decode = ENCODINGS[encoding]
    module_upstream.response_body = encode(f'{{"echo": "{REAL}"}}'.encode())
    module_upstream.extra_headers = [("X-Echo", REAL)]
    if encoding != "identity":
        module_upstream.extra_headers.append(("Content-Encoding", encoding))
    module_upstream.chunk_size = chunk_size
    try:
        resp = request(proxy, module_upstream, "allowed.test")
    finally:
        module_upstream.response_body = None
        module_upstream.extra_headers = []
        module_upstream.chunk_size = None
    assert status_of(resp) == 200
    head, body = resp.split(b"\r\n\r\n", 1)
    assert REAL.encode() not in head
    assert int(header_of(resp, "Content-Length") or -1) == len(body)
    plain = decode(body)
    assert REAL.encode() not in plain and b"[REDACTED]" in plain


def test_no_output_of_the_proxy_ever_contains_the_value(
    proxy: ProxyProcess, module_upstream: RecordingServer
) -> None:
    request(proxy, module_upstream, "upload.example.test", f"/{REAL}", headers={"X-Leak": REAL})
    request(proxy, module_upstream, "api.example.test", f"/{PLACEHOLDER}")
    denied = request(proxy, module_upstream, "other.test", f"/{REAL}")
    assert status_of(denied) == 403 and REAL.encode() not in denied
    metrics = urllib.request.urlopen(proxy.metrics_url + "/metrics", timeout=5).read()
    assert REAL.encode() not in metrics
    proxy.wait_decisions(3)
    everything = "".join(proxy.lines) + "".join(proxy.stderr)
    assert REAL not in everything
    assert json_body(denied)["reason"] == "host_not_allowed"


SLACK = "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx"


def test_a_secret_in_a_denied_host_or_path_never_reaches_the_log(
    proxy: ProxyProcess, module_upstream: RecordingServer
) -> None:
    for host, path in (
        (f"{SLACK}.exfil.test", "/"),
        ("other.test", f"/{SLACK}"),
        ("allowed.test", f"/{SLACK}/x"),
    ):
        resp = request(proxy, module_upstream, host, path)
        assert status_of(resp) == 403
        rid = json_body(resp)["request_id"]
        assert proxy.wait_for(lambda e, rid=rid: e.get("request_id") == rid) is not None
    assert SLACK not in "".join(proxy.lines)


def test_proxy_credentials_are_not_forwarded(proxy: ProxyProcess, module_upstream: RecordingServer) -> None:
    resp = request(
        proxy, module_upstream, "allowed.test", headers={"Proxy-Authorization": "Basic dXNlcjpwcm94eXBhc3M="}
    )
    assert status_of(resp) == 200
    assert b"proxy-authorization" not in module_upstream.received.lower()

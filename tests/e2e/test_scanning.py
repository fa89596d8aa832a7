"""Secrets and bulk data never leave, whatever the encoding: every case goes through the
real proxy and the recording upstream must receive nothing of it."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import brotli
import pytest
from backports import zstd

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess, header_of, json_body, status_of
from tests.helpers.upstream import RecordingServer

VECTORS = Path(__file__).resolve().parent.parent / "data" / "vectors" / "tokens"


def _first_positives() -> list[Any]:
    out = []
    for f in sorted(VECTORS.glob("*.json")):
        data = json.loads(f.read_text())
        if not isinstance(data, dict) or not data.get("positive"):
            continue
        out.append(pytest.param(data["detector"], data["positive"][0], id=data["detector"]))
    return out


@pytest.fixture(scope="module")
def proxy(start_module_proxy: ProxyFactory, module_upstream: RecordingServer) -> ProxyProcess:
    return start_module_proxy(f"""
version: 1
defaults:
  max_body: 1MiB
rules:
  - id: upload
    hosts: [upload.example.test]
    ports: [{module_upstream.port}]
    methods: [GET, POST, PUT]
    private_networks: allow
""")


def send(
    proxy: ProxyProcess,
    upstream: RecordingServer,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str | None] | None = None,
) -> bytes:
    upstream.reset()
    host = f"upload.example.test:{upstream.port}"
    head = f"{method} http://{host}{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    hdrs: dict[str, str | None] = {"Content-Length": str(len(body))}
    hdrs.update(headers or {})  # a None value drops the header
    head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items() if v is not None)
    return proxy.raw(head.encode() + b"\r\n" + body)


def assert_blocked(resp: bytes, upstream: RecordingServer, reason: str) -> dict[str, Any]:
    assert status_of(resp) == 403, resp[:300]
    assert header_of(resp, "X-Egressguard-Reason") == reason
    assert upstream.connection_count == 0 and upstream.received == b""
    return json_body(resp)


@pytest.mark.parametrize(("detector", "token"), _first_positives())
def test_every_detector_blocks_its_token_in_a_body(
    proxy: ProxyProcess, module_upstream: RecordingServer, detector: str, token: str
) -> None:
    body = json.dumps({"note": "see attached", "value": token}).encode()
    resp = send(proxy, module_upstream, "POST", "/paste", body, {"Content-Type": "application/json"})
    assert_blocked(resp, module_upstream, "secret_detected")
    rid = json_body(resp)["request_id"]
    line = proxy.wait_for(lambda e: e.get("event") == "egress.decision" and e.get("request_id") == rid)
    assert line is not None
    assert detector in {f["detector"] for f in line["findings"]}
    assert token not in json.dumps(proxy.events())  # never logged


GH = json.loads((VECTORS / "github_token.json").read_text())["positive"][0]
AWS = json.loads((VECTORS / "aws_access_key_id.json").read_text())["positive"][0]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers"),
    [
        pytest.param("GET", f"/search?q={GH}", b"", {}, id="token in the query string"),
        pytest.param("GET", f"/u/{GH}/x", b"", {}, id="token in the path"),
        pytest.param("GET", "/", b"", {"X-Debug": GH}, id="token in a custom header"),
        pytest.param("GET", "/", b"", {"Cookie": f"session=abc; t={GH}"}, id="token in a cookie"),
        pytest.param(
            "POST",
            "/",
            f"a=1&token={GH.replace('_', '%5F')}".encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
            id="percent-encoded form field",
        ),
        pytest.param("POST", "/", base64.b64encode(GH.encode()), {}, id="base64 body"),
        pytest.param("POST", "/", GH.encode().hex().encode(), {}, id="hex body"),
        pytest.param(
            "POST", "/", gzip.compress(f"key={GH}".encode()), {"Content-Encoding": "gzip"}, id="gzip body"
        ),
        pytest.param(
            "POST",
            "/",
            zlib.compress(f"key={GH}".encode()),
            {"Content-Encoding": "deflate"},
            id="deflate body",
        ),
        pytest.param(
            "POST", "/", brotli.compress(f"key={GH}".encode()), {"Content-Encoding": "br"}, id="brotli body"
        ),
        pytest.param(
            "POST", "/", zstd.compress(f"key={GH}".encode()), {"Content-Encoding": "zstd"}, id="zstd body"
        ),
        pytest.param(
            "POST",
            "/",
            gzip.compress(brotli.compress(f"key={GH}".encode())),
            {"Content-Encoding": "br, gzip"},
            id="stacked encodings",
        ),
        pytest.param(
            "POST",
            "/",
            f"4\r\nkey=\r\n{len(GH):x}\r\n{GH}\r\n0\r\n\r\n".encode(),
            {"Transfer-Encoding": "chunked", "Content-Length": None},
            id="chunked body",
        ),
        pytest.param(
            "POST",
            "/",
            json.dumps({"blob": base64.b64encode(gzip.compress(GH.encode())).decode()}).encode(),
            {"Content-Type": "application/json"},
            id="gzip inside base64 inside JSON",
        ),
        pytest.param(
            "POST",
            "/",
            b'--b\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\n\r\n'
            + AWS.encode()
            + b"\r\n--b--\r\n",
            {"Content-Type": "multipart/form-data; boundary=b"},
            id="multipart part",
        ),
        pytest.param(
            "POST",
            "/",
            json.dumps({"k": GH.replace("_", "\\u005f")}).encode().replace(b"\\\\u", b"\\u"),
            {"Content-Type": "application/json"},
            id="JSON unicode escapes",
        ),
    ],
)
def test_secret_in_any_place_and_encoding_is_blocked(
    proxy: ProxyProcess,
    module_upstream: RecordingServer,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
) -> None:
    resp = send(proxy, module_upstream, method, path, body, headers)
    assert_blocked(resp, module_upstream, "secret_detected")


def test_bulk_emails_blocked_but_a_few_pass(proxy: ProxyProcess, module_upstream: RecordingServer) -> None:
    many = "\n".join(f"user{i}@corp-example.com" for i in range(60)).encode()
    assert_blocked(
        send(proxy, module_upstream, "POST", "/", many, {"Content-Type": "text/csv"}),
        module_upstream,
        "bulk_data_detected",
    )
    few = b"cc: alice@example.com, bob@example.com"
    assert status_of(send(proxy, module_upstream, "POST", "/", few)) == 200


def test_bulk_cards_blocked(proxy: ProxyProcess, module_upstream: RecordingServer) -> None:
    cards = json.loads((VECTORS / "payment_card.json").read_text())["positive"]
    import itertools

    def luhn_fix(prefix: str) -> str:
        for d in "0123456789":
            digits = [int(c) for c in prefix + d][::-1]
            total = sum(
                x if i % 2 == 0 else (x * 2 - 9 if x * 2 > 9 else x * 2) for i, x in enumerate(digits)
            )
            if total % 10 == 0:
                return prefix + d
        raise AssertionError

    numbers = [luhn_fix(f"4111111111{i:05d}") for i in range(12)]
    body = "\n".join(f"card,{n}" for n in itertools.chain(numbers)).encode()
    assert cards  # the detector has vectors
    assert_blocked(send(proxy, module_upstream, "POST", "/", body), module_upstream, "bulk_data_detected")


def test_undecodable_and_bomb_bodies_are_not_passed(
    proxy: ProxyProcess, module_upstream: RecordingServer
) -> None:
    assert_blocked(
        send(
            proxy,
            module_upstream,
            "POST",
            "/",
            b"\x1f\x8b\x08\x00garbage-not-gzip",
            {"Content-Encoding": "gzip"},
        ),
        module_upstream,
        "bulk_data_detected",
    )
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 1024 * 1024
    assert_blocked(
        send(proxy, module_upstream, "POST", "/", bomb, {"Content-Encoding": "gzip"}),
        module_upstream,
        "bulk_data_detected",
    )


def test_body_too_large(proxy: ProxyProcess, module_upstream: RecordingServer) -> None:
    big = b"a" * (1024 * 1024 + 10)
    assert_blocked(send(proxy, module_upstream, "POST", "/", big), module_upstream, "body_too_large")


def test_ordinary_traffic_passes_untouched(proxy: ProxyProcess, module_upstream: RecordingServer) -> None:
    body = json.dumps(
        {
            "model": "gpt-x",
            "messages": [{"role": "user", "content": "Summarize the design doc, please."}],
            "sha": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "image": base64.b64encode(bytes(range(256)) * 20).decode(),
        }
    ).encode()
    resp = send(proxy, module_upstream, "POST", "/v1/chat", body, {"Content-Type": "application/json"})
    assert status_of(resp) == 200
    assert body in module_upstream.received
    assert json_body(resp)["body_len"] == len(body)

"""Large responses (package downloads) pass, streamed rather than held, and are still
cleaned of managed secrets; request bodies stay bounded."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess, header_of, status_of
from tests.helpers.upstream import RecordingServer

REAL = "big-download-secret-0123456789"
SIZE = 33 * 1024 * 1024  # over the 32 MiB the proxy holds


@pytest.fixture(scope="module")
def proxy(start_module_proxy: ProxyFactory, module_upstream: RecordingServer) -> ProxyProcess:
    return start_module_proxy(
        f"""version: 1
defaults:
  max_body: 1MiB
secrets:
  s:
    from: {{env: EG_BIG_SECRET}}
    hosts: [api.example.test]
rules:
  - id: files
    hosts: [allowed.test]
    ports: [{module_upstream.port}]
    methods: [GET, POST]
    private_networks: allow
""",
        env={"EG_BIG_SECRET": REAL},
    )


def download(
    proxy: ProxyProcess,
    upstream: RecordingServer,
    body: bytes,
    *,
    chunk: int | None = None,
    encoding: str | None = None,
) -> bytes:
    upstream.response_body = body
    upstream.chunk_size = chunk
    upstream.extra_headers = [("Content-Encoding", encoding)] if encoding else []
    try:
        hp = f"allowed.test:{upstream.port}"
        return proxy.raw(
            f"GET http://{hp}/wheel HTTP/1.1\r\nHost: {hp}\r\nConnection: close\r\n\r\n".encode(), timeout=60
        )
    finally:
        upstream.response_body, upstream.chunk_size, upstream.extra_headers = None, None, []


def body_of(resp: bytes) -> bytes:
    head, body = resp.split(b"\r\n\r\n", 1)
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = bytearray(), body
        while True:
            size_line, rest = rest.split(b"\r\n", 1)
            size = int(size_line, 16)
            if size == 0:
                return bytes(out)
            out += rest[:size]
            rest = rest[size + 2 :]
    return body


@pytest.mark.parametrize("chunk", [None, 1 << 20], ids=["content-length", "chunked"])
def test_a_large_download_passes_intact(
    proxy: ProxyProcess, module_upstream: RecordingServer, chunk: int | None
) -> None:
    payload = hashlib.sha256(b"seed").digest() * (SIZE // 32)
    resp = download(proxy, module_upstream, payload, chunk=chunk)
    assert status_of(resp) == 200
    assert body_of(resp) == payload


def test_a_large_download_is_still_cleaned_across_chunk_boundaries(
    proxy: ProxyProcess, module_upstream: RecordingServer
) -> None:
    filler = b"a" * ((1 << 20) - 7)
    payload = (filler + REAL.encode()) * 34  # the value straddles the 1 MiB chunk boundaries
    resp = download(proxy, module_upstream, payload, chunk=1 << 20)
    assert status_of(resp) == 200
    got = body_of(resp)
    assert REAL.encode() not in got and len(got) == len(
        payload
    )  # same-length mask: Content-Length stays right
    assert got.count(b"[REDACTED]" * 3) == 34  # a 30-byte value becomes 30 bytes of mask


def test_a_large_compressed_download_is_held_and_cleaned(
    proxy: ProxyProcess, module_upstream: RecordingServer
) -> None:
    payload = gzip.compress(b"y" * SIZE + REAL.encode(), compresslevel=1)
    payload += b"\0" * (SIZE - len(payload))  # trailing garbage gzip ignores: the compressed body is > 32 MiB
    resp = download(proxy, module_upstream, payload, encoding="gzip")
    assert status_of(resp) == 200 and header_of(resp, "Content-Encoding") == "gzip"
    plain = gzip.decompress(body_of(resp))
    assert REAL.encode() not in plain and plain.endswith(b"[REDACTED]")


def test_request_bodies_stay_bounded(proxy: ProxyProcess, module_upstream: RecordingServer) -> None:
    module_upstream.reset()
    hp = f"allowed.test:{module_upstream.port}"
    body = b"z" * (2 * 1024 * 1024)
    resp = proxy.raw(
        f"POST http://{hp}/up HTTP/1.1\r\nHost: {hp}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    )
    assert status_of(resp) == 403 and header_of(resp, "X-Egressguard-Reason") == "body_too_large"
    assert module_upstream.connection_count == 0

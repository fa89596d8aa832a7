"""A fast loopback upstream for the proxy benchmarks: HTTP/1.1 with keep-alive on one port,
the same over TLS (certificate from a throw-away trustme CA) on another.

Every request, whatever its method and path, is answered `200` with a 2-byte body; request
bodies (Content-Length only) are read and dropped. An asyncio Protocol, no per-request
allocations beyond the parse, so one core serves far more than a Python proxy can send.

    .venv/bin/python bench/upstream.py --ca-out DIR [--names bench.test ...]

prints one JSON line `{"http": PORT, "https": PORT, "ca": "DIR/upstream-ca.pem"}` and
serves on 127.0.0.1 until SIGTERM/SIGINT. `Upstream` starts it as a child process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
from pathlib import Path

RESPONSE = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"
RESPONSE_CLOSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
)
MAX_HEAD = 64 * 1024


class HttpProtocol(asyncio.Protocol):
    __slots__ = ("buf", "skip", "transport")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.skip = 0  # body bytes still to drop
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.skip:
            if len(data) <= self.skip:
                self.skip -= len(data)
                return
            data = data[self.skip :]
            self.skip = 0
        buf = self.buf
        buf += data
        out: list[bytes] = []
        close = False
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD:
                    close = True
                break
            head = bytes(buf[:end]).lower()
            del buf[: end + 4]
            length = 0
            i = head.find(b"\ncontent-length:")
            if i >= 0:
                j = head.find(b"\r", i + 16)
                length = int(head[i + 16 : j if j >= 0 else len(head)])
            close = b"\nconnection: close" in head
            out.append(RESPONSE_CLOSE if close else RESPONSE)
            if length:
                if len(buf) >= length:
                    del buf[:length]
                else:
                    self.skip = length - len(buf)
                    buf.clear()
                    break
            if close:
                break
        assert self.transport is not None
        if out:
            self.transport.write(b"".join(out))
        if close:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def make_ca(ca_dir: Path, names: list[str]) -> tuple[Path, ssl.SSLContext]:
    import trustme

    ca = trustme.CA()
    ca_path = ca_dir / "upstream-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(ctx)
    return ca_path, ctx


async def serve(ca_dir: Path, names: list[str]) -> None:
    ca_path, ctx = make_ca(ca_dir, names)
    loop = asyncio.get_running_loop()
    plain = await loop.create_server(HttpProtocol, "127.0.0.1", 0, backlog=1024)
    tls = await loop.create_server(HttpProtocol, "127.0.0.1", 0, ssl=ctx, backlog=1024)
    print(
        json.dumps(
            {
                "http": plain.sockets[0].getsockname()[1],
                "https": tls.sockets[0].getsockname()[1],
                "ca": str(ca_path),
            }
        ),
        flush=True,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    plain.close()
    tls.close()


class Upstream:
    """The upstream as a child process (its own interpreter and GIL), optionally pinned."""

    def __init__(self, ca_dir: Path, names: list[str], cpus: set[int] | None = None) -> None:
        args = [sys.executable, str(Path(__file__).resolve()), "--ca-out", str(ca_dir), "--names", *names]
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("bench upstream did not start")
        info = json.loads(line)
        self.http_port: int = info["http"]
        self.https_port: int = info["https"]
        self.ca = Path(info["ca"])

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ca-out", required=True, type=Path, help="directory for upstream-ca.pem")
    ap.add_argument("--names", nargs="*", default=["bench.test", "127.0.0.1", "localhost"])
    a = ap.parse_args()
    a.ca_out.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(a.ca_out, a.names))


if __name__ == "__main__":
    main()

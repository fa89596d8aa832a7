"""Run the real `egressguard run` process for a test and read what it says."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

STARTUP_TIMEOUT = 30.0


class ProxyProcess:
    def __init__(
        self,
        policy: Path,
        confdir: Path,
        *,
        resolve: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        args = [
            sys.executable,
            "-m",
            "egressguard",
            "run",
            "--policy",
            str(policy),
            "--listen",
            "127.0.0.1:0",
            "--metrics",
            "127.0.0.1:0",
            "--admin",
            "127.0.0.1:0",
            "--confdir",
            str(confdir),
            "--shutdown-grace",
            "3",
        ]
        for host, addr in (resolve or {}).items():
            args += ["--resolve", f"{host}={addr}"]
        args += extra_args or []
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("EGRESSGUARD_")}
        full_env.update(env or {})
        full_env["PYTHONUNBUFFERED"] = "1"
        self.confdir = confdir
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
        self.lines: list[str] = []
        self.stderr: list[str] = []
        self._cond = threading.Condition()
        self._pumps = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr), daemon=True),
        ]
        for t in self._pumps:
            t.start()
        started = self.wait_for(lambda e: e.get("event") == "egressguard.started", STARTUP_TIMEOUT)
        if started is None:
            self.stop()
            raise RuntimeError(
                "proxy did not start:\n" + "".join(self.stderr[-30:]) + "".join(self.lines[-30:])
            )
        self.started = started
        self.port = int(started["listen"].rsplit(":", 1)[1])
        self.metrics_url = "http://" + started["metrics"]
        self.admin_url = "http://" + started["admin"]
        self.ca_file = Path(started["ca"])

    def _pump(self, stream: Any, into: list[str]) -> None:
        for raw in iter(stream.readline, b""):
            with self._cond:
                into.append(raw.decode("utf-8", "replace"))
                self._cond.notify_all()

    # -- log lines ----------------------------------------------------------------------
    def events(self) -> list[dict[str, Any]]:
        out = []
        with self._cond:
            lines = list(self.lines)
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"event": "<not json>", "raw": line})
        return out

    def decisions(self) -> list[dict[str, Any]]:
        return [e for e in self.events() if e.get("event") == "egress.decision"]

    def wait_for(self, pred: Any, timeout: float = 10.0) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            events = self.events()
            for e in events[seen:]:
                if pred(e):
                    return e
            seen = len(events)
            with self._cond:
                self._cond.wait(timeout=0.1)
            if self.proc.poll() is not None and not [e for e in self.events()[seen:] if pred(e)]:
                return None
        return None

    def wait_decisions(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.decisions()) < count:
            time.sleep(0.02)
        return self.decisions()

    def metric(self, name: str, labels: dict[str, str] | None = None) -> float:
        text = urllib.request.urlopen(self.metrics_url + "/metrics", timeout=5).read().decode()
        total = 0.0
        for line in text.splitlines():
            if line.startswith("#") or not line.startswith(name):
                continue
            series, _, value = line.rpartition(" ")
            if series.split("{", 1)[0] != name:
                continue
            if labels and not all(f'{k}="{v}"' in series for k, v in labels.items()):
                continue
            total += float(value)
        return total

    def admin_token(self) -> str:
        return (self.confdir / "admin-token").read_text().strip()

    # -- clients ------------------------------------------------------------------------
    def raw(self, data: bytes, *, timeout: float = 10.0) -> bytes:
        """Send raw bytes to the proxy port; return all it answers until it closes/idles."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            return read_response(s, timeout)

    def tunnel(
        self, target: str, *, sni: str | None, request: bytes, ca: Path | None = None, timeout: float = 10.0
    ) -> tuple[bytes, bytes]:
        """CONNECT to `target`, then TLS with `sni` (our CA trusted), send `request`.
        Returns (CONNECT answer, answer inside the tunnel)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                if not chunk:
                    break
                head += chunk
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                return head + read_response(s, 2), b""
            ctx = ssl.create_default_context(cafile=str(ca or self.ca_file))
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE if sni is None else ssl.CERT_REQUIRED
            ctx.check_hostname = False
            try:
                tls = ctx.wrap_socket(s, server_hostname=sni)
            except (ssl.SSLError, OSError) as exc:
                return head, f"TLS failed: {exc}".encode()
            with tls:
                tls.sendall(request)
                return head, read_response(tls, timeout)
        finally:
            s.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for t in self._pumps:
            t.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return self.proc.returncode


def read_response(s: socket.socket, timeout: float) -> bytes:
    """Read one HTTP response (by Content-Length) or until the peer closes or idles."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            if b"\r\n\r\n" in data:
                head, body = data.split(b"\r\n\r\n", 1)
                for line in head.split(b"\r\n")[1:]:
                    if line.lower().startswith(b"content-length:") and len(body) >= int(
                        line.split(b":", 1)[1]
                    ):
                        return data
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
    except (TimeoutError, OSError):
        return data


def read_responses(s: socket.socket, count: int, timeout: float) -> list[bytes]:
    """Read `count` pipelined responses (each framed by Content-Length) from one socket."""
    s.settimeout(timeout)
    buf = b""
    out: list[bytes] = []
    try:
        while len(out) < count:
            while b"\r\n\r\n" in buf and len(out) < count:
                head, rest = buf.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if len(rest) < length:
                    break
                out.append(head + b"\r\n\r\n" + rest[:length])
                buf = rest[length:]
            if len(out) == count:
                break
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except (TimeoutError, OSError):
        pass
    return out + [b""] * (count - len(out))


def status_of(response: bytes) -> int:
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def header_of(response: bytes, name: str) -> str | None:
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def json_body(response: bytes) -> dict[str, Any]:
    return dict(json.loads(response.split(b"\r\n\r\n", 1)[1]))

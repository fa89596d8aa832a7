"""Recording upstream servers on 127.0.0.1: every connection, SNI and byte is kept, so a
test can prove that nothing of a denied request arrived."""

from __future__ import annotations

import abc
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field


@dataclass
class Connection:
    sni: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _LoopbackServer(abc.ABC):
    """A listening socket on 127.0.0.1 (port 0) and a thread that hands each connection
    to `_handle`; subclasses say what to do with it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._accepted, args=(client,), daemon=True).start()

    @abc.abstractmethod
    def _accepted(self, client: socket.socket) -> None: ...


class RecordingServer(_LoopbackServer):
    """A tiny HTTP/1.1 server. Answers every request with 200 and a JSON echo of what it
    received (method, path, headers), or with `response_body` when set."""

    def __init__(self, tls_context: ssl.SSLContext | None = None) -> None:
        self.tls_context = tls_context
        self.connections: list[Connection] = []
        self.response_body: bytes | None = None
        self.extra_headers: list[tuple[str, str]] = []
        self.chunk_size: int | None = None  # send the response chunked, in pieces of this size
        super().__init__()

    # -- what arrived -----------------------------------------------------------------
    @property
    def received(self) -> bytes:
        with self._lock:
            return b"".join(bytes(c.data) for c in self.connections)

    @property
    def connection_count(self) -> int:
        with self._lock:
            return len(self.connections)

    def reset(self) -> None:
        with self._lock:
            self.connections.clear()

    # -- serving ----------------------------------------------------------------------
    def _accepted(self, client: socket.socket) -> None:
        conn = Connection()
        with self._lock:
            self.connections.append(conn)
        self._handle(client, conn)

    def _handle(self, client: socket.socket, conn: Connection) -> None:
        client.settimeout(10)
        try:
            if self.tls_context is not None:

                def sni_cb(_sock: ssl.SSLSocket, name: str | None, _ctx: ssl.SSLContext) -> None:
                    conn.sni = name

                ctx = self.tls_context
                ctx.sni_callback = sni_cb
                client = ctx.wrap_socket(client, server_side=True)
            buf = b""
            while True:
                chunk = client.recv(65536)
                if not chunk:
                    return
                with self._lock:
                    conn.data += chunk
                buf += chunk
                while b"\r\n\r\n" in buf:
                    head, rest = buf.split(b"\r\n\r\n", 1)
                    lines = head.decode("latin-1").split("\r\n")
                    method, path = lines[0].split(" ")[:2]
                    headers = [tuple(x.split(":", 1)) for x in lines[1:] if ":" in x]
                    hdict = {k.strip().lower(): v.strip() for k, v in headers}
                    length = int(hdict.get("content-length", "0") or 0)
                    chunked = "chunked" in hdict.get("transfer-encoding", "")
                    if chunked:
                        while not rest.endswith(b"0\r\n\r\n"):
                            more = client.recv(65536)
                            if not more:
                                return
                            with self._lock:
                                conn.data += more
                            rest += more
                        body, buf = rest, b""
                    else:
                        while len(rest) < length:
                            more = client.recv(65536)
                            if not more:
                                return
                            with self._lock:
                                conn.data += more
                            rest += more
                        body, buf = rest[:length], rest[length:]
                    payload = self.response_body
                    if payload is None:
                        payload = json.dumps(
                            {
                                "method": method,
                                "path": path,
                                "headers": [[k.strip(), v.strip()] for k, v in headers],
                                "body_len": len(body),
                            }
                        ).encode()
                    extra = "".join(f"{k}: {v}\r\n" for k, v in self.extra_headers)
                    client.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + extra.encode()
                        + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                        + payload
                    )
        except (OSError, ssl.SSLError, ValueError):
            return
        finally:
            client.close()


class WebSocketServer(_LoopbackServer):
    """A recording WebSocket echo server (wsproto): keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[str | bytes] = []
        self.raw = bytearray()
        super().__init__()

    def _accepted(self, client: socket.socket) -> None:
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Request, TextMessage

        ws = WSConnection(ConnectionType.SERVER)
        client.settimeout(10)
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    return
                with self._lock:
                    self.raw += data
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Request):
                        client.sendall(ws.send(AcceptConnection()))
                    elif isinstance(event, TextMessage | BytesMessage):
                        with self._lock:
                            self.messages.append(event.data)
                        client.sendall(ws.send(TextMessage(data=f"echo {len(event.data)}")))
                    elif isinstance(event, CloseConnection):
                        client.sendall(ws.send(event.response()))
                        return
        except OSError:
            return
        finally:
            client.close()

"""What runs inside a CONNECT tunnel: HTTP (and WebSocket) only, or a vetted passthrough.

mitmproxy picks each connection's next protocol layer; this addon runs after its picker.
Raw TCP, UDP, DNS or QUIC inside a tunnel is refused (`protocol_not_allowed`). A
`tls: passthrough` tunnel is relayed untouched only when its TLS SNI names the CONNECT
host (or is absent); otherwise it is intercepted and its requests fail `host_mismatch`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Generator
from typing import Any

from mitmproxy import connection
from mitmproxy.proxy import commands, events, layer, layers
from mitmproxy.proxy.layers import tls

from egressguard.addons import _denial
from egressguard.addons._flowstate import ConnState, FlowState, new_request_id
from egressguard.addons._guard import Stage, where
from egressguard.addons.connections import Connections
from egressguard.addons.decision_recorder import DecisionRecorder
from egressguard.decision import Decision, Reason, allow, deny
from egressguard.observability.logging import get_logger
from egressguard.policy.hosts import HostError, canonical_host
from egressguard.runtime import Runtime

_RAW = (layers.TCPLayer, layers.UDPLayer, layers.DNSLayer, layers.RawQuicLayer)


class _Refuse(layer.Layer):
    """Answer the client with `payload` (if any) and close: nothing is relayed."""

    def __init__(self, context: Any, payload: bytes) -> None:
        super().__init__(context)
        self.payload = payload

    def _handle_event(self, event: events.Event) -> Generator[commands.Command, Any, None]:
        if isinstance(event, events.Start):
            if self.payload:
                yield commands.SendData(self.context.client, self.payload)
            yield commands.CloseConnection(self.context.client)


def _below(stack: list[layer.Layer], chosen: layer.Layer) -> list[layer.Layer]:
    """The layers under `chosen` (the context lists the chosen stack too, once placed)."""
    for i, lay in enumerate(stack):
        if lay is chosen:
            return stack[:i]
    return stack


def _http_403(body: bytes, reason: Reason) -> bytes:
    head = (
        f"HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\nx-egressguard-reason: {reason.value}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class TunnelGuard(Stage):
    def __init__(self, runtime: Runtime, recorder: DecisionRecorder, connections: Connections) -> None:
        super().__init__(runtime, recorder)
        self.connections = connections
        # Passthrough tunnels intercepted because their SNI disagreed: the HTTP inside is
        # let on to the enforcer, which answers every request with host_mismatch.
        self._intercepted: set[str] = set()

    def client_disconnected(self, client: connection.Client) -> None:
        self._intercepted.discard(client.id)

    def _tunnel_line(self, conn: ConnState, decision: Any) -> FlowState:
        assert conn.connect_state is not None
        state = dataclasses.replace(
            conn.connect_state,
            request_id=new_request_id(),
            started=time.perf_counter(),
            recorded=False,
            findings=[],
        )
        state.decision = decision
        self.recorder.record(state, decision)
        return state

    def _refuse(self, nextlayer: layer.NextLayer, conn: ConnState | None, decision: Decision) -> None:
        """Write the tunnel's line, answer a 403 the client can read (if it spoke first,
        it may speak HTTP) and close: nothing is relayed."""
        payload = b""
        if conn is not None and conn.connect_state is not None:
            state = self._tunnel_line(conn, decision)
            reason = decision.reason or Reason.INTERNAL_ERROR
            payload = _http_403(_denial.body(decision, state.request_id), reason)
        nextlayer.layer = _Refuse(nextlayer.context, payload)

    def next_layer(self, nextlayer: layer.NextLayer) -> None:
        try:
            self._next_layer(nextlayer)
        except Exception as exc:
            get_logger().error(
                "egressguard.internal_error", hook="next_layer", error=type(exc).__name__, at=where(exc)
            )
            nextlayer.layer = _Refuse(nextlayer.context, b"")
            conn = self.connections.peek(nextlayer.context.client)
            if conn is not None and conn.connect_state is not None:
                with contextlib.suppress(Exception):  # the line is best effort; the refusal is not
                    self._tunnel_line(conn, deny(Reason.INTERNAL_ERROR, None, "failure in next_layer"))

    def _next_layer(self, nextlayer: layer.NextLayer) -> None:
        chosen = nextlayer.layer
        if chosen is None:
            return
        conn = self.connections.peek(nextlayer.context.client)
        if isinstance(chosen, _RAW) and not (isinstance(chosen, layers.TCPLayer) and chosen.flow is None):
            self._refuse(
                nextlayer, conn, deny(Reason.PROTOCOL_NOT_ALLOWED, None, "non-HTTP data in a tunnel")
            )
            return
        if isinstance(chosen, (tls.ServerTLSLayer, tls.ClientTLSLayer)) and any(
            isinstance(lay, tls.ClientTLSLayer) for lay in _below(nextlayer.context.layers, chosen)
        ):
            # TLS inside the TLS we intercepted: what it carries could not be inspected.
            self._refuse(nextlayer, conn, deny(Reason.PROTOCOL_NOT_ALLOWED, None, "TLS inside TLS"))
            return
        if conn is None or not conn.passthrough or conn.connect_host is None:
            return
        if nextlayer.context.client.id in self._intercepted:
            return
        if not isinstance(chosen, tls.ServerTLSLayer):
            conn.passthrough = False
            self._refuse(
                nextlayer,
                conn,
                deny(
                    Reason.PROTOCOL_NOT_ALLOWED,
                    conn.connect_rule.id if conn.connect_rule else None,
                    "a tls: passthrough host must be reached with TLS",
                ),
            )
            return
        try:
            hello = tls.parse_client_hello(nextlayer.data_client())
        except ValueError:
            self._refuse(
                nextlayer, conn, deny(Reason.PROTOCOL_NOT_ALLOWED, None, "an invalid TLS ClientHello")
            )
            return
        if hello is None:
            nextlayer.layer = None  # wait for the rest of the ClientHello; we are asked again
            return
        sni_ok = hello.sni is None
        if hello.sni is not None:
            try:
                sni_ok = canonical_host(hello.sni).name == conn.connect_host.name
            except HostError:
                sni_ok = False
        if not sni_ok:
            self._intercepted.add(nextlayer.context.client.id)
            return  # intercept; every request in it is refused host_mismatch
        rule_id = conn.connect_rule.id if conn.connect_rule else None
        self._tunnel_line(conn, allow(rule_id, "tls passthrough"))
        nextlayer.layer = layers.TCPLayer(nextlayer.context, ignore=True)

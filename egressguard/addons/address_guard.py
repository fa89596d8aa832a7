"""SSRF and DNS-rebinding defence: resolve once, vet every address, connect to that one.

Runs after the policy enforcer, so only names a rule allows are ever resolved. The vetted
address is remembered per client connection; `server_connect` sends every upstream
connection to exactly that address (SNI and Host keep the name) and refuses any
destination that was not vetted, so nothing reaches an address this addon did not see.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from mitmproxy import http
from mitmproxy.proxy import server_hooks

from egressguard.addons import _flowstate
from egressguard.addons._flowstate import ConnState, FlowState
from egressguard.addons._guard import Stage, guarded_async, refuse, where
from egressguard.addons.connections import Connections
from egressguard.addons.decision_recorder import DecisionRecorder
from egressguard.decision import Reason, deny
from egressguard.netguard.addresses import IPAddress
from egressguard.netguard.resolver import Vetted, vet
from egressguard.observability.logging import get_logger
from egressguard.policy.hosts import Host, HostError, canonical_host
from egressguard.runtime import Runtime


class AddressGuard(Stage):
    def __init__(self, runtime: Runtime, recorder: DecisionRecorder, connections: Connections) -> None:
        super().__init__(runtime, recorder)
        self.connections = connections
        self._names: dict[str, tuple[str, int]] = {}  # server connection id -> address by name

    async def _resolve(self, host: Host, port: int) -> list[IPAddress]:
        if host.ip is not None:
            return [host.ip]
        override = self.runtime.overrides.get(host.name)
        if override is not None:
            return [override]
        loop = asyncio.get_running_loop()
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host.name, port, type=socket.SOCK_STREAM), timeout=self.runtime.dns_timeout
        )
        return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]

    async def _vet(self, flow: http.HTTPFlow, state: FlowState, conn: ConnState) -> None:
        host = state.canonical_host
        if host is None or state.decision is None or state.decision.denies:
            return
        key = (host.name, state.port)
        if key in conn.vetted:
            return
        try:
            addresses = await self._resolve(host, state.port)
        except (OSError, TimeoutError) as exc:
            # Nothing can be reached; let the request fail upstream-style, but never unvetted.
            get_logger().warning("egressguard.dns_failed", host=host.name, error=type(exc).__name__)
            return
        rule = state.rule
        result: Vetted = vet(
            addresses,
            allow_private=state.compiled.policy.allows_private(rule),
            local=self.runtime.local_addresses,
            port=state.port,
            own=self.runtime.own_endpoints,
        )
        if result.private is not None:
            refused = refuse(
                self,
                flow,
                state,
                deny(
                    Reason.PRIVATE_ADDRESS,
                    rule.id if rule else None,
                    f"{host.name} resolves to {result.private}",
                ),
            )
            if refused:
                return
            result = Vetted(addresses[0])
        if result.address is not None:
            conn.vetted[key] = result.address

    @guarded_async
    async def http_connect(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is not None and flow.response is None:
            await self._vet(flow, state, self.connections.get(flow.client_conn))

    @guarded_async
    async def requestheaders(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is not None and flow.response is None:
            await self._vet(flow, state, self.connections.get(flow.client_conn))

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        try:
            address = data.server.address
            if address is None:
                data.server.error = "egressguard: no destination"
                return
            conn = self.connections.peek(data.client)
            try:
                key = (canonical_host(str(address[0])).name, int(address[1]))
            except HostError:
                key = ("", 0)
            vetted = conn.vetted.get(key) if conn is not None else None
            if vetted is None:
                data.server.error = "egressguard: destination address was not vetted"
                get_logger().warning("egressguard.unvetted_connect", port=address[1])
                return
            self._names[data.server.id] = address
            data.server.address = (str(vetted), int(address[1]))
        except Exception as exc:
            data.server.error = "egressguard: internal error"
            get_logger().error(
                "egressguard.internal_error", hook="server_connect", error=type(exc).__name__, at=where(exc)
            )

    def server_connected(self, data: server_hooks.ServerConnectionHookData) -> None:
        # Give the connection its name back, so mitmproxy reuses it for the same host (and
        # only for it: the name was vetted for this client). `Server.__setattr__` refuses
        # to rename an open connection, so this bypasses it: the socket is already bound to
        # the vetted address, only the label mitmproxy matches requests against changes.
        original = self._names.pop(data.server.id, None)
        if original is not None:
            object.__setattr__(data.server, "address", original)

    def server_connect_error(self, data: server_hooks.ServerConnectionHookData) -> None:
        self._names.pop(data.server.id, None)

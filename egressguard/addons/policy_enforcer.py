"""Decide every CONNECT and every request on its headers, before anything leaves.

CONNECT: host and port. Requests: the host (CONNECT host, TLS SNI, Host header and
`:authority` must agree), port, method (override headers included) and path. Inside a
tunnel the request is pinned to the CONNECT target, whatever its Host header says.
"""

from __future__ import annotations

from mitmproxy import http
from mitmproxy.net.http import url

from egressguard.addons import _flowstate
from egressguard.addons._guard import Stage, guarded, refuse
from egressguard.addons.connections import Connections
from egressguard.addons.decision_recorder import DecisionRecorder
from egressguard.decision import Reason, Verdict, deny
from egressguard.policy.engine import RequestFacts
from egressguard.policy.hosts import Host, HostError, canonical_host
from egressguard.policy.model import TlsMode
from egressguard.runtime import Runtime

OVERRIDE_HEADERS = ("x-http-method-override", "x-http-method", "x-method-override")


def _split_hostport(value: str) -> tuple[str, int | None]:
    try:
        return url.parse_authority(value, check=True)
    except ValueError as exc:
        raise HostError(f"{value!r} is not a valid host[:port]") from exc


class PolicyEnforcer(Stage):
    def __init__(self, runtime: Runtime, recorder: DecisionRecorder, connections: Connections) -> None:
        super().__init__(runtime, recorder)
        self.connections = connections

    @guarded
    def http_connect(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.start(flow, self.runtime.holder.current)
        req = flow.request
        state.method, state.scheme, state.port, state.path = "CONNECT", "", req.port, ""
        state.host = req.host
        ev = state.compiled.engine.evaluate(RequestFacts(host=req.host, port=req.port))
        if ev.host is not None:
            state.host = ev.host.name
        state.canonical_host, state.rule = ev.host, ev.rule
        conn = self.connections.get(flow.client_conn)
        conn.connect_raw_host, conn.connect_port = req.host, req.port
        conn.connect_host, conn.connect_rule, conn.connect_state = ev.host, ev.rule, state
        if ev.decision.denies and refuse(self, flow, state, ev.decision):
            return
        conn.passthrough = ev.rule is not None and ev.rule.tls is TlsMode.PASSTHROUGH
        state.decision = ev.decision

    @guarded
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.start(flow, self.runtime.holder.current)
        req = flow.request
        conn = self.connections.peek(flow.client_conn)
        tunnel = conn is not None and conn.connect_host is not None
        state.method, state.scheme, state.port = req.method, req.scheme, req.port
        state.host = req.pretty_host
        state.path = req.path.split("?", 1)[0]
        mismatch = self._host_mismatch(flow, conn if tunnel else None)
        if mismatch is not None:
            refuse(self, flow, state, deny(Reason.HOST_MISMATCH, None, mismatch))
            if not state.audit:
                return
        if tunnel:
            assert conn is not None and conn.connect_host is not None
            if conn.passthrough:
                # Only reached when the tunnel was intercepted after all (its SNI disagreed).
                refuse(
                    self,
                    flow,
                    state,
                    deny(
                        Reason.HOST_MISMATCH,
                        conn.connect_rule.id if conn.connect_rule else None,
                        "a passthrough host was reached without a matching TLS SNI",
                    ),
                )
                if not state.audit:
                    return
            req.data.host, req.data.port = conn.connect_host.name, conn.connect_port
            state.port = conn.connect_port
        extra = tuple(
            dict.fromkeys(
                v.strip().upper() for h in OVERRIDE_HEADERS for v in req.headers.get_all(h) if v.strip()
            )
        )
        extra += tuple(v.upper() for v in req.query.get_all("_method") if v) if "_method" in req.query else ()
        ev = state.compiled.engine.evaluate(
            RequestFacts(
                host=req.host,
                port=req.port,
                method=req.method,
                path=state.path,
                scheme=req.scheme,
                extra_methods=extra,
            )
        )
        if ev.host is not None:
            state.host = ev.host.name
        state.canonical_host, state.rule = ev.host, ev.rule
        if ev.decision.denies:
            refuse(self, flow, state, ev.decision)
            return
        if ev.decision.verdict is Verdict.HOLD and state.audit:
            state.decision = ev.decision.__class__(
                Verdict.ALLOW, None, ev.decision.rule, "audit: would be held"
            )
            return
        state.decision = ev.decision

    def _host_mismatch(self, flow: http.HTTPFlow, conn: _flowstate.ConnState | None) -> str | None:
        """Why the names this request gives for its host disagree, or None."""
        req = flow.request
        names: list[tuple[str, str]] = []
        ports: list[tuple[str, int]] = []
        if conn is not None:
            assert conn.connect_host is not None
            names.append(("CONNECT", conn.connect_host.name))
            ports.append(("CONNECT", conn.connect_port))
            if flow.client_conn.tls and flow.client_conn.sni:
                names.append(("SNI", flow.client_conn.sni))
        else:
            names.append(("URL", req.host))
            ports.append(("URL", req.port))
        hosts = req.headers.get_all("host")
        if len(hosts) > 1:
            return "more than one Host header"
        for label, value in [("Host", h) for h in hosts] + (
            [(":authority", req.authority)] if req.is_http2 and req.authority else []
        ):
            try:
                host, port = _split_hostport(value)
            except HostError as exc:
                return f"{label} header: {exc}"
            names.append((label, host))
            if port is not None:
                ports.append((label, port))
        canon: dict[str, Host] = {}
        for label, value in names:
            try:
                canon[label] = canonical_host(value)
            except HostError as exc:
                return f"{label} names an invalid host: {exc}"
        distinct = {h.name for h in canon.values()}
        if len(distinct) > 1:
            return "; ".join(f"{label}={h.name}" for label, h in canon.items()) + " disagree"
        if len({p for _, p in ports}) > 1:
            return "; ".join(f"{label} port {p}" for label, p in ports) + " disagree"
        return None

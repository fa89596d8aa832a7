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
from egressguard.decision import Reason, Verdict, allow, deny
from egressguard.policy.engine import RequestFacts
from egressguard.policy.hosts import Host, HostError, canonical_host
from egressguard.policy.model import TlsMode
from egressguard.runtime import Runtime

OVERRIDE_HEADERS = ("x-http-method-override", "x-http-method", "x-method-override")


_OVERRIDE_HEADER_BYTES = frozenset(h.encode() for h in OVERRIDE_HEADERS)


def _split_hostport(value: str) -> tuple[str, int | None]:
    try:
        return url.parse_authority(value, check=True)
    except ValueError as exc:
        raise HostError(f"{value!r} is not a valid host[:port]") from exc


def _override_methods(req: http.Request) -> tuple[str, ...]:
    """Methods claimed by override headers and the `_method` query parameter."""
    # one pass over the raw header fields (this runs for every request)
    claimed = [
        value.decode("latin-1").strip().upper()
        for name, value in req.headers.fields
        if name.lower() in _OVERRIDE_HEADER_BYTES
    ]
    if "?" in req.path:  # parse the query only when there is one (keys may be %-encoded)
        claimed += [v.upper() for v in req.query.get_all("_method")]
    return tuple(dict.fromkeys(m for m in claimed if m))


def _facts(req: http.Request, path: str, extra_methods: tuple[str, ...]) -> RequestFacts:
    return RequestFacts(
        host=req.host,
        port=req.port,
        method=req.method,
        path=path,
        scheme=req.scheme,
        extra_methods=extra_methods,
    )


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _form_methods(req: http.Request) -> tuple[str, ...]:
    """Methods claimed by `_method` fields of a form body (any value we cannot read as a
    form is left to the body scanner)."""
    ctype = req.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if (
        ctype not in _FORM_TYPES
        or not req.raw_content
        or b"_method" not in (req.get_content(strict=False) or b"")
    ):
        return ()
    if ctype == _FORM_TYPES[0]:
        values = req.urlencoded_form.get_all("_method")
    else:
        values = [v.decode("utf-8", "replace") for v in req.multipart_form.get_all(b"_method")]
    return tuple(dict.fromkeys(v.strip().upper() for v in values if v.strip()))


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
        # audit mode lets a would-be denial through; its line (if any) says "audit"
        state.decision = allow(ev.decision.rule) if ev.decision.denies else ev.decision

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
        ev = state.compiled.engine.evaluate(_facts(req, state.path, _override_methods(req)))
        if ev.host is not None:
            state.host = ev.host.name
        state.canonical_host, state.rule = ev.host, ev.rule
        if ev.decision.denies:
            if not refuse(self, flow, state, ev.decision):
                state.decision = allow(ev.decision.rule)  # audit: passes, logged as "audit"
            return
        if ev.decision.verdict is Verdict.HOLD and state.audit:
            state.decision = allow(ev.decision.rule, "audit mode: not held for approval")
            return
        state.decision = ev.decision

    @guarded
    def request(self, flow: http.HTTPFlow) -> None:
        """A `_method` field in a form body overrides the method for Rails, Laravel and
        Symfony alike: it must be allowed too, like the query parameter and headers."""
        state = _flowstate.of(flow)
        if state is None or state.recorded or flow.response is not None or state.decision is None:
            return
        if state.decision.denies:
            return
        extra = _form_methods(flow.request)
        if not extra:
            return
        req = flow.request
        ev = state.compiled.engine.evaluate(_facts(req, state.path, (*_override_methods(req), *extra)))
        if ev.decision.verdict is not state.decision.verdict or ev.rule is not state.rule:
            decision = ev.decision
            if not decision.denies:
                decision = deny(
                    Reason.METHOD_NOT_ALLOWED,
                    ev.rule.id if ev.rule else None,
                    "a _method form field changes which rule applies",
                )
            refuse(self, flow, state, decision)

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
        # The request target's authority: HTTP/2 `:authority`, or an HTTP/1 absolute-form
        # URL. Inside a tunnel an upstream that honours absolute-form (RFC 9112 3.2.2) would
        # route by it and ignore Host, so it must name the CONNECT host too.
        authority = [(":authority" if req.is_http2 else "URL", req.authority)] if req.authority else []
        for label, value in [("Host", h) for h in hosts] + authority:
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

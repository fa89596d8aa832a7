"""The one typed record each flow (and each client connection) carries between addons."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from mitmproxy import connection, http

from egressguard.decision import Decision, Finding, Reason, Verdict
from egressguard.netguard.addresses import IPAddress
from egressguard.policy.hosts import Host
from egressguard.policy.model import Mode, Rule
from egressguard.runtime import Compiled

KEY = "egressguard"


def new_request_id() -> str:
    return secrets.token_hex(8)


@dataclass
class FlowState:
    request_id: str
    started: float  # perf_counter
    compiled: Compiled
    client: str
    method: str = ""
    scheme: str = ""
    host: str = ""
    port: int = 0
    path: str = ""
    canonical_host: Host | None = None
    rule: Rule | None = None
    decision: Decision | None = None
    audit_reason: Reason | None = None  # audit mode: the first reason enforce would have denied
    audit_reasons: list[Reason] = field(default_factory=list)  # ...and every other one
    findings: list[Finding] = field(default_factory=list)
    recorded: bool = False
    approver: str | None = None
    body_bytes: int = 0

    @property
    def audit(self) -> bool:
        return self.compiled.mode is Mode.AUDIT

    @property
    def verdict(self) -> Verdict | None:
        return None if self.decision is None else self.decision.verdict


@dataclass
class ConnState:
    """Per client connection: the CONNECT tunnel's target and the addresses vetted for it."""

    connect_host: Host | None = None
    connect_port: int = 0
    connect_raw_host: str = ""
    connect_rule: Rule | None = None
    passthrough: bool = False
    connect_state: FlowState | None = None  # the CONNECT's own state, for tunnel-level lines
    # (canonical host, port) -> the address vetted for it; server_connect may use only these
    vetted: dict[tuple[str, int], IPAddress] = field(default_factory=dict)


def client_ip(conn: connection.Client) -> str:
    return str(conn.peername[0]) if conn.peername else ""


def of(flow: http.HTTPFlow) -> FlowState | None:
    state = flow.metadata.get(KEY)
    return state if isinstance(state, FlowState) else None


def start(flow: http.HTTPFlow, compiled: Compiled) -> FlowState:
    state = of(flow)
    if state is None:
        state = FlowState(
            request_id=new_request_id(),
            started=time.perf_counter(),
            compiled=compiled,
            client=client_ip(flow.client_conn),
        )
        flow.metadata[KEY] = state
    return state

"""mitmproxy adapters: each addon maps hooks to core calls and results to flow changes."""

from __future__ import annotations

from typing import Any

from egressguard.addons.address_guard import AddressGuard
from egressguard.addons.approval_gate import ApprovalGateAddon
from egressguard.addons.body_scanner import BodyScanner
from egressguard.addons.connections import Connections
from egressguard.addons.credential_injector import CredentialInjector
from egressguard.addons.decision_recorder import DecisionLines, DecisionRecorder
from egressguard.addons.policy_enforcer import PolicyEnforcer
from egressguard.addons.response_redactor import ResponseRedactor
from egressguard.addons.tunnel_guard import TunnelGuard
from egressguard.runtime import Runtime


def default_addons(runtime: Runtime) -> list[Any]:
    """The pipeline, in order: enforce -> address guard -> scan -> approval -> inject ->
    record -> redact responses. Scan before approval so nobody approves a leak; inject
    last so nothing logs a credential. Connections goes last: it forgets a client only
    after every other addon has seen it leave."""
    recorder = DecisionRecorder(runtime.metrics)
    connections = Connections()
    return [
        PolicyEnforcer(runtime, recorder, connections),
        AddressGuard(runtime, recorder, connections),
        TunnelGuard(runtime, recorder, connections),
        BodyScanner(runtime, recorder),
        ApprovalGateAddon(runtime, recorder),
        CredentialInjector(runtime, recorder),
        DecisionLines(recorder),
        ResponseRedactor(runtime, recorder),
        connections,
    ]

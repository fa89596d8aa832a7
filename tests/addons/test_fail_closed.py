"""Fail closed: an exception in any stage denies the flow with `internal_error`, writes its
one decision line, and never lets the request (or an unchecked response) through."""

from __future__ import annotations

from typing import Any

import pytest
from mitmproxy import http
from mitmproxy.proxy import server_hooks
from mitmproxy.test import taddons, tflow, tutils
from structlog.testing import capture_logs

from egressguard.addons import default_addons
from egressguard.addons.address_guard import AddressGuard
from egressguard.addons.approval_gate import ApprovalGateAddon
from egressguard.addons.body_scanner import BodyScanner
from egressguard.addons.credential_injector import CredentialInjector
from egressguard.addons.decision_recorder import DecisionLines
from egressguard.addons.policy_enforcer import PolicyEnforcer
from egressguard.addons.response_redactor import ResponseRedactor
from egressguard.runtime import Runtime


class Boom(RuntimeError):
    pass


def boom(*_args: Any, **_kwargs: Any) -> Any:
    raise Boom("injected fault")


def make_flow(host: str = "api.example.test", method: str = "POST", path: str = "/x") -> http.HTTPFlow:
    req = tutils.treq(
        host=host,
        port=443,
        scheme=b"https",
        method=method.encode(),
        path=path.encode(),
        authority=b"",
        headers=http.Headers(host=host),
        content=b"hello",
    )
    return tflow.tflow(req=req)


async def run_pipeline(addons: list[Any], flow: http.HTTPFlow, *hooks: str) -> None:
    """Call each hook on every addon in pipeline order, as mitmproxy does."""
    for hook in hooks:
        for addon in addons:
            fn = getattr(addon, hook, None)
            if fn is None:
                continue
            result = fn(flow)
            if hasattr(result, "__await__"):
                await result


def decision_lines(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in logs if e.get("event") == "egress.decision"]


def assert_internal_error(flow: http.HTTPFlow, logs: list[dict[str, Any]], runtime: Runtime) -> None:
    assert flow.response is not None and flow.response.status_code == 403
    assert flow.response.headers["X-Egressguard-Reason"] == "internal_error"
    lines = decision_lines(logs)
    assert len(lines) == 1 and lines[0]["decision"] == "deny" and lines[0]["reason"] == "internal_error"
    assert any(e.get("event") == "egressguard.internal_error" for e in logs)
    assert (
        runtime.metrics.registry.get_sample_value(
            "egressguard_requests_total", {"decision": "deny", "reason": "internal_error", "sandbox": "default"}
        )
        == 1
    )


# (stage class, attribute path to break, hooks to run)
FAULTS = [
    pytest.param(PolicyEnforcer, ("holder.current.engine", "evaluate"), id="enforcer: engine raises"),
    pytest.param(AddressGuard, ("self", "_resolve"), id="address guard: resolver raises"),
    pytest.param(BodyScanner, ("holder.current.scanners", "scan_request"), id="scanner raises"),
    pytest.param(ApprovalGateAddon, ("approvals", "hold"), id="approval gate raises"),
    pytest.param(CredentialInjector, ("module", "render"), id="credential injector raises"),
]


@pytest.mark.parametrize(("stage", "target"), FAULTS)
async def test_a_fault_in_any_request_stage_denies(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, stage: type, target: tuple[str, str]
) -> None:
    addons = default_addons(runtime)
    where, name = target
    broken = next(a for a in addons if isinstance(a, stage))
    if where == "self":
        monkeypatch.setattr(broken, name, boom)
    elif where == "module":
        import egressguard.addons.credential_injector as mod

        monkeypatch.setattr(mod, name, boom)
    elif where == "holder.current.scanners":
        for scanner in runtime.holder.current.scanners.values():
            monkeypatch.setattr(scanner, name, boom)
    elif where == "approvals":
        monkeypatch.setattr(runtime.approvals, name, boom)
    else:
        monkeypatch.setattr(runtime.holder.current.engine, name, boom)
    host = "gated.example.test" if stage is ApprovalGateAddon else "api.example.test"
    flow = make_flow(host)
    with taddons.context(*addons), capture_logs() as logs:
        await run_pipeline(addons, flow, "requestheaders", "request")
    assert_internal_error(flow, logs, runtime)
    assert "Authorization" not in flow.request.headers or stage is not CredentialInjector


async def test_a_fault_while_recording_kills_the_flow(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    addons = default_addons(runtime)
    lines = next(a for a in addons if isinstance(a, DecisionLines))
    monkeypatch.setattr(lines.recorder, "record", boom)
    flow = make_flow()
    with taddons.context(*addons), pytest.raises(Boom):
        await run_pipeline(addons, flow, "requestheaders", "request")
    assert flow.error is not None and flow.error.msg == "Connection killed."


async def test_a_fault_in_the_response_redactor_replaces_the_response(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    addons = default_addons(runtime)
    flow = make_flow(method="GET")
    with taddons.context(*addons), capture_logs() as logs:
        await run_pipeline(addons, flow, "requestheaders", "request")
        assert flow.response is None
        flow.response = tutils.tresp(content=b"upstream says addon-secret-value-123")
        import egressguard.addons.response_redactor as mod

        monkeypatch.setattr(mod, "redact", boom)
        redactor = next(a for a in addons if isinstance(a, ResponseRedactor))
        redactor.response(flow)
    assert flow.response.status_code == 403 and b"addon-secret-value-123" not in flow.response.content
    assert flow.response.headers["X-Egressguard-Reason"] == "internal_error"
    assert len(decision_lines(logs)) == 1  # the request's own line; the failure adds an error event
    assert any(e.get("event") == "egressguard.internal_error" for e in logs)


def test_server_connect_fault_refuses_the_connection(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = next(a for a in default_addons(runtime) if isinstance(a, AddressGuard))
    monkeypatch.setattr(guard.connections, "peek", boom)
    flow = make_flow()
    data = server_hooks.ServerConnectionHookData(client=flow.client_conn, server=flow.server_conn)
    with capture_logs():
        guard.server_connect(data)
    assert data.server.error


def test_server_connect_refuses_an_unvetted_destination(runtime: Runtime) -> None:
    guard = next(a for a in default_addons(runtime) if isinstance(a, AddressGuard))
    flow = make_flow()
    data = server_hooks.ServerConnectionHookData(client=flow.client_conn, server=flow.server_conn)
    with capture_logs():
        guard.server_connect(data)
    assert data.server.error and "vetted" in data.server.error

"""Fail closed: every hook runs inside a guard that turns an exception into a denial.

mitmproxy logs an addon's exception and carries on with the flow, so an unguarded hook
is a hole. The guard denies the flow with `internal_error`, writes its decision line, and
logs what failed (exception type and place only: messages can carry data).
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from mitmproxy import ctx, http

from egressguard.addons import _denial, _flowstate
from egressguard.addons.decision_recorder import DecisionRecorder
from egressguard.decision import Decision, Reason, deny
from egressguard.observability.logging import get_logger
from egressguard.runtime import Runtime


class Stage:
    """Base of our addons: the runtime and recorder every guarded hook needs."""

    def __init__(self, runtime: Runtime, recorder: DecisionRecorder) -> None:
        self.runtime = runtime
        self.recorder = recorder


def where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}" if last else "?"


def fail_flow(stage: Stage, flow: http.HTTPFlow, hook: str, exc: BaseException) -> None:
    """Deny `flow` after an internal failure, and make sure it has its decision line."""
    get_logger().error(
        "egressguard.internal_error",
        hook=hook,
        addon=type(stage).__name__,
        error=type(exc).__name__,
        at=where(exc),
    )
    try:
        state = _flowstate.start(flow, stage.runtime.holder.current)
        if not state.method:
            state.method, state.scheme = flow.request.method, flow.request.scheme
            state.host, state.port = flow.request.pretty_host, flow.request.port
            state.path = flow.request.path.split("?", 1)[0]
        decision = deny(Reason.INTERNAL_ERROR, state.rule.id if state.rule else None, f"failure in {hook}")
        state.decision = decision
        if hook.startswith("websocket"):
            flow.kill()  # mid-stream: drop the connection rather than pass unchecked data
            close_client(flow)
        else:
            flow.response = _denial.response(decision, state.request_id)
        stage.recorder.record(state, decision)  # no-op when the flow already has its line
    except Exception as inner:  # the guard itself must never let the flow through
        get_logger().critical("egressguard.guard_failed", error=type(inner).__name__, at=where(inner))
        if flow.killable:
            flow.kill()


def close_client(flow: http.HTTPFlow) -> None:
    """Close the client's connection now. mitmproxy's WebSocket layer does not act on a
    killed flow until the next frame, so a refused message would leave the client hanging."""
    proxyserver = ctx.master.addons.get("proxyserver")
    handler = proxyserver.connections.get(flow.client_conn.id) if proxyserver is not None else None
    if handler is not None and flow.client_conn in handler.transports:
        handler.close_connection(flow.client_conn)


def guarded[S: Stage](fn: Callable[[S, http.HTTPFlow], None]) -> Callable[[S, http.HTTPFlow], None]:
    @functools.wraps(fn)
    def wrapper(self: S, flow: http.HTTPFlow) -> None:
        try:
            fn(self, flow)
        except Exception as exc:
            fail_flow(self, flow, fn.__name__, exc)

    return wrapper


AsyncHook = Callable[[Any, http.HTTPFlow], Coroutine[Any, Any, None]]


def guarded_async(fn: AsyncHook) -> AsyncHook:
    @functools.wraps(fn)
    async def wrapper(self: Stage, flow: http.HTTPFlow) -> None:
        try:
            await fn(self, flow)
        except Exception as exc:
            fail_flow(self, flow, fn.__name__, exc)

    return wrapper


def refuse(stage: Stage, flow: http.HTTPFlow, state: _flowstate.FlowState, decision: Decision) -> bool:
    """Apply a denial. Enforce mode: answer 403 and record the line now; returns True.
    Audit mode: remember the first reason and let the request go on; returns False."""
    if state.audit and decision.reason is not Reason.INTERNAL_ERROR:
        if state.audit_reason is None:
            state.audit_reason = decision.reason
        if decision.reason is not None and decision.reason not in state.audit_reasons:
            state.audit_reasons.append(decision.reason)
        return False
    state.decision = decision
    flow.request.headers.pop("expect", None)  # no "100 Continue": we will not read on
    flow.response = _denial.response(decision, state.request_id)
    stage.recorder.record(state, decision)
    return True

"""The one place an `egress.decision` line is written, with its metrics next to it.

Every decision is recorded exactly once: denials when they are made (so a client that
goes away cannot lose the line), allowed requests once every stage has passed them, held
requests when held and again when settled.
"""

from __future__ import annotations

import time
from typing import Any, TypedDict

from mitmproxy import http

from egressguard.addons import _flowstate
from egressguard.addons._flowstate import FlowState
from egressguard.decision import Decision, Reason, Verdict, deny
from egressguard.observability.logging import get_logger
from egressguard.observability.metrics import EgressMetrics

REDACTED = "[REDACTED]"


class DecisionEvent(TypedDict):
    request_id: str
    client: str
    method: str
    scheme: str
    host: str
    port: int
    path: str
    decision: str
    reason: str | None
    rule: str | None
    findings: list[dict[str, str]]
    bytes_out: int
    duration_ms: float
    mode: str
    message: str
    approver: str | None


class DecisionRecorder:
    def __init__(self, metrics: EgressMetrics) -> None:
        self._metrics = metrics
        self._log = get_logger()

    @staticmethod
    def _scrubbed(state: FlowState, texts: tuple[str, ...]) -> tuple[str, ...]:
        """Host, path and message are logged (the message may repeat the other two); a
        secret hidden in any of them must not be. One scan for the usual clean case."""
        scanner = state.compiled.scanner

        def dirty(text: str) -> bool:
            return bool(
                scanner.scan_message(text.encode("utf-8", "surrogateescape"), location="url").findings
            )

        if not dirty("\n".join(texts)):
            return texts
        secrets = [t for t in texts[:2] if t and dirty(t)]
        out = []
        for text in texts:
            for secret in secrets:
                text = text.replace(secret, REDACTED)
            out.append(REDACTED if dirty(text) else text)
        return tuple(out)

    def record(self, state: FlowState, decision: Decision | None = None, *, final: bool = True) -> None:
        """Write the decision line for `state` (once; `final=False` for a hold)."""
        if state.recorded:
            return
        decision = decision or state.decision
        assert decision is not None
        verdict = decision.verdict
        reason = decision.reason
        if state.audit and verdict is Verdict.ALLOW and state.audit_reason is not None:
            verdict, reason = Verdict.AUDIT, state.audit_reason
        elif state.audit and verdict is Verdict.AUDIT:
            reason = state.audit_reason or reason
        seconds = time.perf_counter() - state.started
        forwarded = verdict in (Verdict.ALLOW, Verdict.AUDIT)
        host, path, message = self._scrubbed(state, (state.host, state.path, decision.message))
        event: DecisionEvent = {
            "request_id": state.request_id,
            "client": state.client,
            "method": state.method,
            "scheme": state.scheme,
            "host": host,
            "port": state.port,
            "path": path,
            "decision": verdict.value,
            "reason": reason.value if reason else None,
            "rule": decision.rule if decision.rule is not None else (state.rule.id if state.rule else None),
            "findings": [f.as_dict() for f in state.findings],
            "bytes_out": state.body_bytes if forwarded else 0,
            "duration_ms": round(seconds * 1000, 3),
            "mode": state.compiled.mode.value,
            "message": message,
            "approver": state.approver,
        }
        extra: dict[str, Any] = dict(event)
        if state.audit_reasons:
            extra["audit_reasons"] = [r.value for r in state.audit_reasons]
        self._log.info("egress.decision", **extra)
        self._metrics.count_decision(verdict, reason, state.body_bytes, seconds)
        if final:
            self._metrics.count_findings([f.detector for f in state.findings])
            state.recorded = True


class DecisionLines:
    """The addon side of the recorder: the last `request` stage writes the line of every
    request the earlier stages let through; `error` catches mitmproxy's own refusals."""

    def __init__(self, recorder: DecisionRecorder) -> None:
        self.recorder = recorder

    def request(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is None or state.recorded or state.decision is None:
            return
        try:
            self.recorder.record(state)
        except Exception:
            if flow.killable:
                flow.kill()  # no line, no request: the two never part
            raise

    def error(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is None or state.recorded or flow.error is None:
            return
        if "body_size_limit" in flow.error.msg:
            limit = state.compiled.policy.defaults.max_body
            self.recorder.record(
                state,
                deny(
                    Reason.BODY_TOO_LARGE,
                    state.rule.id if state.rule else None,
                    f"the body is over the limit of {limit} bytes",
                ),
            )

"""Scan what leaves: URL, every header and the body of allowed requests, and the
client's WebSocket messages, for secrets and bulk data. Also enforces `max_body`."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time

from mitmproxy import http

from egressguard.addons import _flowstate
from egressguard.addons._flowstate import FlowState
from egressguard.addons._guard import Stage, close_client, guarded, guarded_async, refuse
from egressguard.decision import Decision, Reason, deny
from egressguard.scanning import ScanResult

INLINE_SCAN_BYTES = 256 * 1024
HOP_ONLY_HEADERS = frozenset({"proxy-authorization"})


def _rule_id(state: FlowState) -> str | None:
    return state.rule.id if state.rule else None


class BodyScanner(Stage):
    @guarded
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is None or flow.response is not None:
            return
        limit = state.compiled.policy.defaults.max_body
        declared = flow.request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            self._too_large(flow, state, f"Content-Length {int(declared)} is over the limit of {limit} bytes")

    @guarded_async
    async def request(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is None or state.recorded or flow.response is not None:
            return
        req = flow.request
        body = req.raw_content or b""
        state.body_bytes = len(body)
        limit = state.compiled.policy.defaults.max_body
        if len(body) > limit and self._too_large(
            flow, state, f"the body is {len(body)} bytes, over the limit of {limit}"
        ):
            return
        scan = functools.partial(
            state.compiled.scanner_for(state.rule).scan_request,
            url=req.url,
            # proxy credentials are for this hop and are stripped before forwarding
            headers=[(k, v) for k, v in req.headers.items(multi=True) if k.lower() not in HOP_ONLY_HEADERS],
            body=body,
            content_encoding=req.headers.get("content-encoding"),
            content_type=req.headers.get("content-type"),
            exempt=state.compiled.secrets.allowed_for(state.canonical_host),
        )
        # A large body is scanned on a worker thread so that it cannot stall other flows.
        result = await asyncio.to_thread(scan) if len(body) > INLINE_SCAN_BYTES else scan()
        self._apply(flow, state, result)

    def _too_large(self, flow: http.HTTPFlow, state: FlowState, message: str) -> bool:
        return refuse(self, flow, state, deny(Reason.BODY_TOO_LARGE, _rule_id(state), message))

    def _apply(self, flow: http.HTTPFlow, state: FlowState, result: ScanResult) -> bool:
        state.findings.extend(result.findings)
        if result.reason is None:
            return False
        detectors = ", ".join(sorted({f.detector for f in result.findings})) or "undecodable body"
        return refuse(self, flow, state, deny(result.reason, _rule_id(state), f"found: {detectors}"))

    @guarded
    def websocket_message(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is None or flow.websocket is None:
            return
        message = flow.websocket.messages[-1]
        if not message.from_client:
            return
        scanner = state.compiled.scanner_for(state.rule)
        result = scanner.scan_message(
            message.content,
            location="websocket",
            exempt=state.compiled.secrets.allowed_for(state.canonical_host),
        )
        if result.reason is None:
            return
        # A blocked message is a decision of its own: a fresh line for the same request id.
        line = dataclasses.replace(
            state, started=time.perf_counter(), recorded=False, findings=list(result.findings)
        )
        detectors = ", ".join(sorted({f.detector for f in result.findings}))
        decision: Decision = deny(result.reason, _rule_id(state), f"WebSocket message carries: {detectors}")
        if line.audit:
            line.audit_reason = result.reason
            line.decision = dataclasses.replace(
                decision, verdict=decision.verdict.__class__.ALLOW, reason=None
            )
            self.recorder.record(line)
            return
        line.decision = decision
        self.recorder.record(line, decision)
        message.drop()
        flow.kill()
        close_client(flow)

"""Hold `approval: required` requests until a person approves, denies, or time runs out.

The request hook awaits the outcome (other flows keep moving); the admin API settles
it through the core ApprovalGate. Runs after scanning, so nobody approves a leak.
"""

from __future__ import annotations

import asyncio

from mitmproxy import connection, http

from egressguard.addons import _flowstate
from egressguard.addons._guard import Stage, guarded_async, refuse
from egressguard.addons.decision_recorder import DecisionRecorder
from egressguard.approval.gate import Outcome
from egressguard.decision import Reason, Verdict, allow, deny
from egressguard.runtime import Runtime


class ApprovalGateAddon(Stage):
    def __init__(self, runtime: Runtime, recorder: DecisionRecorder) -> None:
        super().__init__(runtime, recorder)
        self._by_client: dict[str, set[str]] = {}  # client connection id -> held ids

    @guarded_async
    async def request(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is None or flow.response is not None or state.decision is None:
            return
        if state.decision.verdict is not Verdict.HOLD:
            return
        rule = state.rule
        assert rule is not None
        gate = self.runtime.approvals
        limit = state.compiled.policy.defaults.max_pending_approvals
        if len(gate) >= limit:
            # A flood of held requests would tie up memory and bury the operators.
            refuse(
                self, flow, state, deny(Reason.RATE_LIMITED, rule.id, f"{limit} requests are already held")
            )
            return
        timeout = rule.approval_timeout or state.compiled.policy.defaults.approval_timeout
        loop = asyncio.get_running_loop()
        settled: asyncio.Future[tuple[Outcome, str | None]] = loop.create_future()

        def on_settle(outcome: Outcome, approver: str | None) -> None:
            if not settled.done():
                settled.set_result((outcome, approver))

        url = flow.request.url.split("?", 1)[0]
        entry = gate.hold(
            method=state.method,
            url=url,
            rule=rule.id,
            client=state.client,
            timeout=timeout,
            on_settle=on_settle,
        )
        self._by_client.setdefault(flow.client_conn.id, set()).add(entry.id)
        self.recorder.record(state, state.decision, final=False)
        self.runtime.metrics.approvals_pending.labels(sandbox="default").set(len(gate))
        timer = loop.call_later(timeout, gate.expire)  # times out whatever is past its deadline
        flow.intercept()
        try:
            outcome, approver = await settled
        finally:
            timer.cancel()
            gate.decide(entry.id, Outcome.CANCELLED)  # no-op unless still pending
            self._by_client.get(flow.client_conn.id, set()).discard(entry.id)
            self.runtime.metrics.approvals_pending.labels(sandbox="default").set(len(gate))
            flow.resume()
        state.approver = approver
        if outcome is Outcome.APPROVED:
            state.decision = allow(rule.id, f"approved by {approver}")
            return
        reason = Reason.APPROVAL_TIMEOUT if outcome is Outcome.TIMED_OUT else Reason.APPROVAL_DENIED
        message = {
            Outcome.TIMED_OUT: f"not approved within {timeout:g}s",
            Outcome.DENIED: f"denied by {approver}",
            Outcome.CANCELLED: "the client went away while the request was held",
        }[outcome]
        refuse(self, flow, state, deny(reason, rule.id, message))
        if outcome is Outcome.CANCELLED and flow.killable:
            flow.kill()

    def client_disconnected(self, client: connection.Client) -> None:
        for held_id in self._by_client.pop(client.id, set()):
            self.runtime.approvals.decide(held_id, Outcome.CANCELLED)

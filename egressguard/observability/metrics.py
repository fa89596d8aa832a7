"""Every metric egressguard exports, declared in one place on a registry the caller owns.

Labels are bounded: `decision` and `reason` are enum members, `detector` a stable detector
name, `result` ok|error, `sandbox` a name configured in the policy (or "default"), `rule`
a rule id and `tool` an MCP tool entry of the policy (or "other"). No host, path, client
address or token ever becomes a label value.

Process-wide metrics (`policy_reloads`, `build_info`, the connection and server-error
counters, state errors) carry no `sandbox` label: they are not about one sandbox.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from egressguard import __version__
from egressguard.decision import Reason, Verdict

DEFAULT_SANDBOX = "default"

# Reasons the shipped alerts watch (their series start at 0, see EgressMetrics).
ALERTING_REASONS = (
    Reason.SECRET_DETECTED,
    Reason.BULK_DATA_DETECTED,
    Reason.PRIVATE_ADDRESS,
    Reason.INTERNAL_ERROR,
)
ALERTING_TOOL_REASONS = (Reason.TOOL_NOT_ALLOWED, Reason.TOOL_ARGS_NOT_ALLOWED, Reason.TOOL_CHANGED)

# Decisions are fast (microseconds) unless a body is scanned or a person approves.
DECISION_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)

# Bounded label values of the process-wide counters.
SERVER_ERROR_KINDS = ("emfile", "accept", "loop")
CONNECTION_REFUSALS = ("total_limit", "client_limit")
PROXY_AUTH_FAILURES = ("missing", "wrong")
STATE_OPERATIONS = ("read", "write", "publish", "subscribe")
NOTIFY_RESULTS = ("sent", "retried", "failed", "dropped")
CAPTURE_RESULTS = ("written", "dropped", "error")


class EgressMetrics:
    def __init__(self, registry: CollectorRegistry, sandboxes: Iterable[str] = (DEFAULT_SANDBOX,)) -> None:
        self.registry = registry
        self.requests = Counter(
            "egressguard_requests",
            "Request decisions, one per egress.decision log line.",
            ["decision", "reason", "sandbox"],
            registry=registry,
        )
        self.findings = Counter(
            "egressguard_findings",
            "Secret and bulk-data findings by detector.",
            ["detector", "sandbox"],
            registry=registry,
        )
        self.request_bytes = Counter(
            "egressguard_request_bytes",
            "Request bytes (headers and body) by decision.",
            ["decision", "sandbox"],
            registry=registry,
        )
        self.decision_seconds = Histogram(
            "egressguard_decision_seconds",
            "Time the proxy spent deciding a request.",
            ["sandbox"],
            buckets=DECISION_BUCKETS,
            registry=registry,
        )
        self.approvals_pending = Gauge(
            "egressguard_approvals_pending",
            "Requests held for a person's approval.",
            ["sandbox"],
            registry=registry,
        )
        self.policy_reloads = Counter(
            "egressguard_policy_reloads", "Policy reloads by result.", ["result"], registry=registry
        )
        self.policy_rules = Gauge(
            "egressguard_policy_rules",
            "Rules in force for each sandbox (its own plus the shared ones).",
            ["sandbox"],
            registry=registry,
        )
        self.build_info = Gauge(
            "egressguard_build_info", "Build information.", ["version"], registry=registry
        )
        # -- MCP ---------------------------------------------------------------------------------
        self.tool_calls = Counter(
            "egressguard_tool_calls",
            "MCP JSON-RPC requests decided, by rule, tool entry, decision and reason.",
            ["rule", "tool", "decision", "reason", "sandbox"],
            registry=registry,
        )
        # -- sandboxes -----------------------------------------------------------------------------
        self.sandbox_quarantined = Gauge(
            "egressguard_sandbox_quarantined",
            "1 while the sandbox is quarantined.",
            ["sandbox"],
            registry=registry,
        )
        self.grants_active = Gauge(
            "egressguard_grants_active",
            "Just-in-time grants in force.",
            ["sandbox"],
            registry=registry,
        )
        self.proxy_auth_failures = Counter(
            "egressguard_proxy_auth_failures",
            "Proxy credentials missing or wrong (answered 407).",
            ["reason"],
            registry=registry,
        )
        # -- robustness ------------------------------------------------------------------------------
        self.client_connections = Gauge(
            "egressguard_client_connections", "Open client connections.", registry=registry
        )
        self.connections_refused = Counter(
            "egressguard_connections_refused",
            "Client connections refused for a connection limit.",
            ["reason"],
            registry=registry,
        )
        self.server_errors = Counter(
            "egressguard_server_errors",
            "Errors of the listener and event loop (descriptor exhaustion, accept failures).",
            ["kind"],
            registry=registry,
        )
        self.detector_errors = Counter(
            "egressguard_detector_errors",
            "Detectors or decoders that raised while scanning (the request was denied).",
            ["detector"],
            registry=registry,
        )
        # -- replicas ----------------------------------------------------------------------------------
        self.state_errors = Counter(
            "egressguard_state_errors",
            "Calls to the shared state store that failed or timed out.",
            ["operation"],
            registry=registry,
        )
        # -- operators' tools --------------------------------------------------------------------------
        self.notifications = Counter(
            "egressguard_notifications",
            "Notification deliveries by channel and result.",
            ["channel", "result"],
            registry=registry,
        )
        self.notification_queue = Gauge(
            "egressguard_notification_queue", "Notifications waiting to be delivered.", registry=registry
        )
        self.captures = Counter(
            "egressguard_captures",
            "Forensic captures of denied requests by result.",
            ["result"],
            registry=registry,
        )
        self.secret_reloads = Counter(
            "egressguard_secret_reloads",
            "Secret values re-read from their source after a change, by result.",
            ["result"],
            registry=registry,
        )

        self.build_info.labels(version=__version__).set(1)
        for result in ("ok", "error"):
            self.policy_reloads.labels(result=result)
            self.secret_reloads.labels(result=result)
        for kind in SERVER_ERROR_KINDS:
            self.server_errors.labels(kind=kind)
        for refusal in CONNECTION_REFUSALS:
            self.connections_refused.labels(reason=refusal)
        for failure in PROXY_AUTH_FAILURES:
            self.proxy_auth_failures.labels(reason=failure)
        for op in STATE_OPERATIONS:
            self.state_errors.labels(operation=op)
        for channel in ("webhook", "slack"):
            for nresult in NOTIFY_RESULTS:
                self.notifications.labels(channel=channel, result=nresult)
        for cresult in CAPTURE_RESULTS:
            self.captures.labels(result=cresult)
        self.sandboxes: tuple[str, ...] = ()
        self.add_sandboxes(sandboxes)

    def add_sandboxes(self, names: Iterable[str]) -> None:
        """Start every per-sandbox series a dashboard or alert watches at 0 (Prometheus'
        increase() cannot see the first increment of a series that appears with value 1)."""
        for sandbox in names:
            if sandbox in self.sandboxes:
                continue
            self.sandboxes = (*self.sandboxes, sandbox)
            for verdict in Verdict:
                self.request_bytes.labels(decision=verdict.value, sandbox=sandbox)
            for verdict in (Verdict.DENY, Verdict.AUDIT):
                for reason in ALERTING_REASONS:
                    self.requests.labels(decision=verdict.value, reason=reason.value, sandbox=sandbox)
            self.approvals_pending.labels(sandbox=sandbox)
            self.sandbox_quarantined.labels(sandbox=sandbox)
            self.grants_active.labels(sandbox=sandbox)

    def count_decision(
        self,
        verdict: Verdict,
        reason: Reason | None,
        nbytes: int,
        seconds: float,
        sandbox: str = DEFAULT_SANDBOX,
    ) -> None:
        self.requests.labels(decision=verdict.value, reason=reason.value if reason else "", sandbox=sandbox).inc()
        self.request_bytes.labels(decision=verdict.value, sandbox=sandbox).inc(nbytes)
        self.decision_seconds.labels(sandbox=sandbox).observe(seconds)

    def count_findings(self, detectors: Iterable[str], sandbox: str = DEFAULT_SANDBOX) -> None:
        for detector in detectors:
            self.findings.labels(detector=detector, sandbox=sandbox).inc()

    def count_tool_call(
        self,
        rule: str | None,
        tool: str,
        verdict: Verdict,
        reason: Reason | None,
        sandbox: str = DEFAULT_SANDBOX,
    ) -> None:
        self.tool_calls.labels(
            rule=rule or "",
            tool=tool,
            decision=verdict.value,
            reason=reason.value if reason else "",
            sandbox=sandbox,
        ).inc()

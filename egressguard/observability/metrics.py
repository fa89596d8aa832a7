"""Every metric SPEC names, declared in one place on a registry the caller owns.

Labels are bounded: `decision` and `reason` are enum members, `detector` a stable detector
name, `result` ok|error. No host, path or rule text ever becomes a label value.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from egressguard import __version__
from egressguard.decision import Reason, Verdict

# Reasons the shipped alerts watch (their series start at 0, see EgressMetrics).
ALERTING_REASONS = (
    Reason.SECRET_DETECTED,
    Reason.BULK_DATA_DETECTED,
    Reason.PRIVATE_ADDRESS,
    Reason.INTERNAL_ERROR,
)

# Decisions are fast (microseconds) unless a body is scanned or a person approves.
DECISION_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)


class EgressMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "egressguard_requests",
            "Request decisions, one per egress.decision log line.",
            ["decision", "reason"],
            registry=registry,
        )
        self.findings = Counter(
            "egressguard_findings",
            "Secret and bulk-data findings by detector.",
            ["detector"],
            registry=registry,
        )
        self.request_bytes = Counter(
            "egressguard_request_bytes",
            "Request bytes (headers and body) by decision.",
            ["decision"],
            registry=registry,
        )
        self.decision_seconds = Histogram(
            "egressguard_decision_seconds",
            "Time the proxy spent deciding a request.",
            buckets=DECISION_BUCKETS,
            registry=registry,
        )
        self.approvals_pending = Gauge(
            "egressguard_approvals_pending", "Requests held for a person's approval.", registry=registry
        )
        self.policy_reloads = Counter(
            "egressguard_policy_reloads", "Policy reloads by result.", ["result"], registry=registry
        )
        self.policy_rules = Gauge(
            "egressguard_policy_rules", "Rules in the policy in force.", registry=registry
        )
        self.build_info = Gauge(
            "egressguard_build_info", "Build information.", ["version"], registry=registry
        )
        self.build_info.labels(version=__version__).set(1)
        for result in ("ok", "error"):
            self.policy_reloads.labels(result=result)
        for verdict in Verdict:
            self.request_bytes.labels(decision=verdict.value)
        # Alerting series exist from the start at 0: Prometheus' increase() cannot see the
        # first increment of a series that appears with value 1.
        for verdict in (Verdict.DENY, Verdict.AUDIT):
            for reason in ALERTING_REASONS:
                self.requests.labels(decision=verdict.value, reason=reason.value)

    def count_decision(self, verdict: Verdict, reason: Reason | None, nbytes: int, seconds: float) -> None:
        self.requests.labels(decision=verdict.value, reason=reason.value if reason else "").inc()
        self.request_bytes.labels(decision=verdict.value).inc(nbytes)
        self.decision_seconds.observe(seconds)

    def count_findings(self, detectors: list[str]) -> None:
        for detector in detectors:
            self.findings.labels(detector=detector).inc()

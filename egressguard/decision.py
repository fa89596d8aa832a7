"""The vocabulary every layer shares: verdicts, reasons, decisions, findings.

SPEC.md fixes these strings; external tests and dashboards depend on them, so they
live in one place and nothing else spells them. This module imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    AUDIT = "audit"
    HOLD = "hold"


class Reason(StrEnum):
    HOST_NOT_ALLOWED = "host_not_allowed"
    PORT_NOT_ALLOWED = "port_not_allowed"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PATH_NOT_ALLOWED = "path_not_allowed"
    DENIED_BY_RULE = "denied_by_rule"
    PRIVATE_ADDRESS = "private_address"
    HOST_MISMATCH = "host_mismatch"
    SECRET_DETECTED = "secret_detected"  # noqa: S105 - a reason name, not a password
    BULK_DATA_DETECTED = "bulk_data_detected"
    BODY_TOO_LARGE = "body_too_large"
    APPROVAL_DENIED = "approval_denied"
    APPROVAL_TIMEOUT = "approval_timeout"
    PROTOCOL_NOT_ALLOWED = "protocol_not_allowed"
    RATE_LIMITED = "rate_limited"
    INTERNAL_ERROR = "internal_error"
    # SPEC Part 2
    TOOL_NOT_ALLOWED = "tool_not_allowed"
    TOOL_ARGS_NOT_ALLOWED = "tool_args_not_allowed"
    TOOL_CHANGED = "tool_changed"
    BUDGET_EXCEEDED = "budget_exceeded"
    QUARANTINED = "quarantined"
    # Where SPEC is silent (README "Reasons"): a request that never got a policy decision
    # still leaves one line, and these say why it ended.
    HEADERS_TOO_LARGE = "headers_too_large"  # 431/414: header count, header bytes or URL length
    REQUEST_TIMEOUT = "request_timeout"  # 408: the client sent its request too slowly
    CLIENT_ABORTED = "client_aborted"  # the client went away before its request was complete
    UPSTREAM_TIMEOUT = "upstream_timeout"  # 504: the upstream did not connect or answer in time
    UPSTREAM_ERROR = "upstream_error"  # 502: the upstream could not be reached or broke off


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected secret or bulk-data hit. Never holds the matched text.

    `fingerprint` is a keyed hash of the value (see scanning), so the same secret
    seen twice has the same fingerprint without the log ever revealing it.
    """

    detector: str
    location: str
    fingerprint: str

    def as_dict(self) -> dict[str, str]:
        return {"detector": self.detector, "location": self.location, "fingerprint": self.fingerprint}


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reason: Reason | None = None
    rule: str | None = None
    message: str = ""
    findings: tuple[Finding, ...] = field(default=())

    @property
    def denies(self) -> bool:
        return self.verdict is Verdict.DENY


def allow(rule: str | None, message: str = "") -> Decision:
    return Decision(Verdict.ALLOW, None, rule, message)


def deny(reason: Reason, rule: str | None, message: str, findings: tuple[Finding, ...] = ()) -> Decision:
    return Decision(Verdict.DENY, reason, rule, message, findings)

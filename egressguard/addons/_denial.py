"""The 403 every denial answers with (SPEC "Decisions")."""

from __future__ import annotations

import json

from mitmproxy import http

from egressguard.decision import Decision, Reason

_MESSAGES = {
    Reason.HOST_NOT_ALLOWED: "this host is not in the egress policy",
    Reason.PORT_NOT_ALLOWED: "this port is not allowed for this host",
    Reason.METHOD_NOT_ALLOWED: "this method is not allowed for this host",
    Reason.PATH_NOT_ALLOWED: "this path is not allowed for this host",
    Reason.DENIED_BY_RULE: "a policy rule denies this request",
    Reason.PRIVATE_ADDRESS: "the destination is a private or internal address",
    Reason.HOST_MISMATCH: "the CONNECT host, TLS SNI and Host header must name the same host",
    Reason.SECRET_DETECTED: "the request carries a secret or credential",
    Reason.BULK_DATA_DETECTED: "the request carries bulk data, or a body that could not be inspected",
    Reason.BODY_TOO_LARGE: "the request body is larger than the policy allows",
    Reason.APPROVAL_DENIED: "a person denied this request",
    Reason.APPROVAL_TIMEOUT: "nobody approved this request in time",
    Reason.PROTOCOL_NOT_ALLOWED: "only HTTP and WebSocket traffic may pass",
    Reason.RATE_LIMITED: "too many requests",
    Reason.INTERNAL_ERROR: "the egress proxy failed while deciding; the request was blocked",
}


def body(decision: Decision, request_id: str) -> bytes:
    reason = decision.reason or Reason.INTERNAL_ERROR
    message = _MESSAGES[reason]
    if decision.message:
        message = f"{message}: {decision.message}"
    return json.dumps(
        {
            "blocked_by": "egressguard",
            "reason": reason.value,
            "rule": decision.rule,
            "request_id": request_id,
            "message": message,
        }
    ).encode()


def response(decision: Decision, request_id: str) -> http.Response:
    reason = decision.reason or Reason.INTERNAL_ERROR
    return http.Response.make(
        403,
        body(decision, request_id),
        {
            "Content-Type": "application/json",
            "X-Egressguard-Reason": reason.value,
            "X-Egressguard-Request-Id": request_id,
            "Cache-Control": "no-store",
        },
    )

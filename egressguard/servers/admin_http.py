"""The approvals API (SPEC "Approvals") and a small page for people.

Every API call needs `Authorization: Bearer TOKEN`; a wrong or missing token gets 401 and
changes nothing. The page itself holds no data: its script asks for the token once, keeps
it for the tab (sessionStorage) and calls the API with it.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from importlib import resources

import tornado.web

from egressguard.approval.gate import ApprovalGate, Outcome
from egressguard.observability.logging import get_logger


class _Api(tornado.web.RequestHandler):
    def initialize(
        self, gate: ApprovalGate, tokens: Mapping[str, str], on_change: Callable[[], None]
    ) -> None:
        self.gate = gate
        self.tokens = tokens
        self.on_change = on_change

    def check_xsrf_cookie(self) -> None:  # bearer tokens, not cookies: no CSRF surface
        return

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")

    def approver(self) -> str | None:
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        found = None
        for name, expected in self.tokens.items():
            if hmac.compare_digest(token.strip().encode(), expected.encode()):
                found = name
        return found

    def deny_unauthorized(self) -> None:
        self.set_status(401)
        self.set_header("WWW-Authenticate", 'Bearer realm="egressguard"')
        self.finish(json.dumps({"error": "unauthorized: send Authorization: Bearer <operator token>"}))

    def get(self) -> None:
        if self.approver() is None:
            self.deny_unauthorized()
            return
        self.finish(json.dumps([h.public() for h in self.gate.pending()]))

    def post(self, held_id: str | None = None, verb: str | None = None) -> None:
        approver = self.approver()
        if approver is None:
            self.deny_unauthorized()
            return
        if held_id is None or verb not in ("approve", "deny"):
            self.set_status(404)
            self.finish(json.dumps({"error": "not found"}))
            return
        outcome = Outcome.APPROVED if verb == "approve" else Outcome.DENIED
        if not self.gate.decide(held_id, outcome, approver):
            self.set_status(404)
            self.finish(json.dumps({"error": "unknown or already decided approval id"}))
            return
        get_logger().info("egressguard.approval", id=held_id, outcome=outcome.value, approver=approver)
        self.on_change()
        self.finish(json.dumps({"id": held_id, "outcome": outcome.value, "approver": approver}))


class _Page(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'",
        )
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.write(resources.files("egressguard.servers").joinpath("approvals.html").read_text("utf-8"))


def make_app(
    gate: ApprovalGate, tokens: Mapping[str, str], on_change: Callable[[], None]
) -> tornado.web.Application:
    args = {"gate": gate, "tokens": tokens, "on_change": on_change}
    return tornado.web.Application(
        [
            (r"/", _Page),
            (r"/api/approvals/?", _Api, args),
            (r"/api/approvals/([A-Za-z0-9_-]+)/(approve|deny)", _Api, args),
        ],
        log_function=lambda _handler: None,
    )

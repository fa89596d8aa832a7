"""A managed secret's value never reaches the sandbox: clean every response."""

from __future__ import annotations

from mitmproxy import http

from egressguard.addons import _flowstate
from egressguard.addons._guard import Stage, guarded
from egressguard.credentials.redaction import redact


class ResponseRedactor(Stage):
    @guarded
    def response(self, flow: http.HTTPFlow) -> None:
        resp = flow.response
        state = _flowstate.of(flow)
        if resp is None or state is None:
            return
        needles = state.compiled.needles
        if not needles:
            return
        for key in list(resp.headers.keys()):
            values = resp.headers.get_all(key)
            cleaned = [
                redact(v.encode("utf-8", "surrogateescape"), needles)[0].decode("utf-8", "surrogateescape")
                for v in values
            ]
            if cleaned != values:
                resp.headers.set_all(key, cleaned)
        if not resp.raw_content:
            return
        content = resp.get_content(strict=False) if resp.headers.get("content-encoding") else resp.raw_content
        if content is None:
            return
        cleaned_body, count = redact(content, needles)
        if count:
            resp.set_content(cleaned_body)  # re-encodes and fixes Content-Length
